// UPDATE packing (many NLRI per UPDATE, up to 4096 octets), End-of-RIB,
// RFC 6793 AS handling on encode, and what an UPDATE with RFC 7606 errors
// still gives the session; 1M MVPN routes packed and decoded.
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, MessageReader } from '../../../src/bgp/wire/codec';
import { encodeMvpnNlri } from '../../../src/bgp/wire/mvpn';
import { encodeIpv4Prefix } from '../../../src/bgp/wire/nlri';
import { endOfRib, endOfRibFamily, packedUpdates, packedWithdrawals, packUpdates, packWithdrawals, updateHandling } from '../../../src/bgp/wire/update';
import { type CodecOptions, ErrorHandling, MAX_MESSAGE_LENGTH, PathAttribute, UpdateMessage } from '../../../src/bgp/wire/types';
import { hex, update } from './fixtures/hex';
import { MVPN_CASES } from './fixtures/mvpn';

const FOUR: CodecOptions = { fourOctetAs: true };
const MVPN = { afi: 1, safi: 5 };
const UNICAST = { afi: 1, safi: 1 };
const NEXT_HOP = hex('c0000201');
const ATTRIBUTES: PathAttribute[] = [
  { type: 'extended-communities', values: [hex('0002 fde8 00000064')] },
  { type: 'as-path', segments: [{ type: 2, asns: [65000] }] },
  { type: 'origin', value: 0 },
];

function decodeUpdate(bytes: Buffer, opts = FOUR): UpdateMessage {
  const msg = decodeMessage(bytes, opts);
  assert.equal(msg.type, 'update');
  return msg as UpdateMessage;
}

/** Routes of every type and size, distinct: type 7 routes with the source AS counting up. */
function routes(n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const c = MVPN_CASES[i % MVPN_CASES.length]!;
    out.push(i % 3 === 0 ? c.bytes : encodeMvpnNlri({ routeType: 7, rd: '65000:1', sourceAs: i, source: '10.0.0.1', group: '232.0.0.1' }));
  }
  return out;
}

describe('UPDATE packing', () => {
  it('packs MVPN routes into MP_REACH_NLRI, first, then the attributes by type code; each UPDATE as full as 4096 octets allow', () => {
    const nlri = routes(5000);
    const updates = packUpdates(MVPN, [...ATTRIBUTES, { type: 'next-hop', address: '192.0.2.9' }], NEXT_HOP, nlri, FOUR);
    const got: string[] = [];
    updates.forEach((bytes, i) => {
      assert.ok(bytes.length <= MAX_MESSAGE_LENGTH);
      const u = decodeUpdate(bytes);
      assert.equal(u.errors, undefined);
      const [mp, ...rest] = u.attributes;
      assert.ok(mp?.type === 'mp-reach');
      assert.deepEqual({ afi: mp.afi, safi: mp.safi, nextHop: mp.nextHop.toString('hex') }, { afi: 1, safi: 5, nextHop: 'c0000201' });
      assert.deepEqual(rest.map((a) => a.type), ['origin', 'as-path', 'extended-communities']); // no NEXT_HOP (RFC 4760 section 3)
      for (const n of mp.nlri) got.push(n.toString('hex'));
      const next = nlri[got.length];
      if (i < updates.length - 1) assert.ok(next && bytes.length + next.length > MAX_MESSAGE_LENGTH, `UPDATE ${i} could hold one more`);
    });
    assert.deepEqual(got, nlri.map((n) => n.toString('hex')));
  });

  it('packs NLRI given as latin1 strings (the RIB keys) byte for byte as the same NLRI as Buffers; packed*() is the UPDATEs back to back', () => {
    for (const family of [MVPN, UNICAST]) {
      const nlri = family === MVPN ? routes(3000) : Array.from({ length: 3000 }, (_, i) => encodeIpv4Prefix(`10.${i >> 8}.${i & 255}.0/24`));
      const keys = nlri.map((n) => n.toString('latin1'));
      const updates = packUpdates(family, ATTRIBUTES, NEXT_HOP, nlri, FOUR);
      assert.ok(updates.length > 1);
      assert.deepEqual(packUpdates(family, ATTRIBUTES, NEXT_HOP, keys, FOUR), updates);
      assert.deepEqual(packedUpdates(family, ATTRIBUTES, NEXT_HOP, keys, FOUR), Buffer.concat(updates));
      const withdrawals = packWithdrawals(family, nlri);
      assert.ok(withdrawals.length > 1);
      assert.deepEqual(packWithdrawals(family, keys), withdrawals);
      assert.deepEqual(packedWithdrawals(family, keys), Buffer.concat(withdrawals));
      // a byte stream reader finds the same messages in the packed buffer
      const reader = new MessageReader();
      reader.push(packedUpdates(family, ATTRIBUTES, NEXT_HOP, keys, FOUR));
      const read: Buffer[] = [];
      for (let m = reader.next(); m !== undefined; m = reader.next()) read.push(Buffer.from(m));
      assert.deepEqual(read, updates);
    }
  });

  it('uses a one-octet attribute length while MP_REACH_NLRI fits 255 octets, Extended Length past it', () => {
    const one = packUpdates(MVPN, ATTRIBUTES, NEXT_HOP, routes(1), FOUR);
    assert.equal(one.length, 1);
    assert.equal(one[0]![23], 0x80);
    const many = packUpdates(MVPN, ATTRIBUTES, NEXT_HOP, routes(20), FOUR);
    assert.equal(many[0]![23], 0x90);
    assert.equal(decodeUpdate(many[0]!).attributes[0]?.type, 'mp-reach');
  });

  it('packs ipv4-unicast prefixes into the NLRI field with NEXT_HOP from the next hop given', () => {
    const prefixes: Buffer[] = [];
    for (let i = 0; i < 3000; i++) prefixes.push(encodeIpv4Prefix(`10.${i >> 8}.${i & 255}.0/24`));
    const updates = packUpdates(UNICAST, [...ATTRIBUTES, { type: 'next-hop', address: '192.0.2.9' }], hex('c6336401'), prefixes, FOUR);
    // attributes: ORIGIN 4, AS_PATH 9, NEXT_HOP 7, EXTENDED_COMMUNITIES 11; prefixes of 4 octets
    assert.equal(updates.length, Math.ceil(3000 / Math.floor((MAX_MESSAGE_LENGTH - 23 - 31) / 4)));
    const got: Buffer[] = [];
    for (const [i, bytes] of updates.entries()) {
      if (i < updates.length - 1) assert.ok(bytes.length + 4 > MAX_MESSAGE_LENGTH, `UPDATE ${i} could hold one more`);
      const u = decodeUpdate(bytes);
      assert.deepEqual(u.attributes, [
        { type: 'origin', value: 0 },
        { type: 'as-path', segments: [{ type: 2, asns: [65000] }] },
        { type: 'next-hop', address: '198.51.100.1' },
        { type: 'extended-communities', values: [hex('0002 fde8 00000064')] },
      ]);
      got.push(...u.nlri);
    }
    assert.deepEqual(got, prefixes);
  });

  it('packs nothing for no routes', () => {
    assert.deepEqual(packUpdates(MVPN, ATTRIBUTES, NEXT_HOP, [], FOUR), []);
    assert.deepEqual(packWithdrawals(MVPN, []), []);
  });

  it('refuses an ipv4-unicast next hop that is not 4 octets', () => {
    assert.throws(() => packUpdates(UNICAST, ATTRIBUTES, hex('20010db8000000000000000000000001'), [encodeIpv4Prefix('10.0.0.0/8')], FOUR), RangeError);
  });

  it('withdraws MVPN routes in MP_UNREACH_NLRI, as many per UPDATE as fit', () => {
    const nlri = routes(3000);
    const updates = packWithdrawals(MVPN, nlri);
    const got: Buffer[] = [];
    updates.forEach((bytes, i) => {
      const u = decodeUpdate(bytes);
      assert.equal(u.attributes.length, 1);
      const [mp] = u.attributes;
      assert.ok(mp?.type === 'mp-unreach' && mp.afi === 1 && mp.safi === 5);
      got.push(...mp.withdrawn);
      const next = nlri[got.length];
      if (i < updates.length - 1) assert.ok(next && bytes.length + next.length > MAX_MESSAGE_LENGTH);
    });
    assert.deepEqual(got, nlri);
  });

  it('withdraws ipv4-unicast prefixes in the Withdrawn Routes field', () => {
    const prefixes = ['10.0.0.0/8', '192.0.2.0/24', '0.0.0.0/0'].map(encodeIpv4Prefix);
    const [only, ...more] = packWithdrawals(UNICAST, prefixes);
    assert.equal(more.length, 0);
    assert.deepEqual(decodeUpdate(only!), { type: 'update', withdrawn: prefixes, attributes: [], nlri: [] });
  });
});

describe('End-of-RIB (RFC 4724 section 2)', () => {
  it('for ipv4-unicast is the empty UPDATE', () => {
    assert.equal(endOfRib(UNICAST).toString('hex'), update({}).toString('hex'));
    assert.deepEqual(endOfRibFamily(decodeUpdate(endOfRib(UNICAST))), UNICAST);
  });

  it('for MVPN is an MP_UNREACH_NLRI without routes', () => {
    assert.equal(endOfRib(MVPN).toString('hex'), update({ attributes: '80 0f 03 0001 05' }).toString('hex'));
    assert.deepEqual(endOfRibFamily(decodeUpdate(endOfRib(MVPN))), MVPN);
  });

  it('is no other UPDATE', () => {
    assert.equal(endOfRibFamily(decodeUpdate(packWithdrawals(MVPN, routes(1))[0]!)), undefined);
    assert.equal(endOfRibFamily(decodeUpdate(packUpdates(MVPN, ATTRIBUTES, NEXT_HOP, routes(1), FOUR)[0]!)), undefined);
    assert.equal(endOfRibFamily(decodeUpdate(packWithdrawals(UNICAST, [encodeIpv4Prefix('10.0.0.0/8')])[0]!)), undefined);
  });
});

describe('AS numbers to two-octet-AS speakers (RFC 6793 section 4.2.2)', () => {
  const value: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attributes: [
      { type: 'origin', value: 0 },
      { type: 'as-path', segments: [{ type: 2, asns: [4200000000, 65000] }] },
      { type: 'next-hop', address: '192.0.2.1' },
      { type: 'aggregator', asn: 4200000001, address: '192.0.2.1' },
    ],
    nlri: [encodeIpv4Prefix('10.0.0.0/8')],
  };

  it('sends AS_TRANS in AS_PATH and AGGREGATOR, and the real ASNs in AS4_PATH and AS4_AGGREGATOR', () => {
    assert.deepEqual(decodeUpdate(encodeMessage(value, { fourOctetAs: false }), { fourOctetAs: false }).attributes, [
      { type: 'origin', value: 0 },
      { type: 'as-path', segments: [{ type: 2, asns: [23456, 65000] }] },
      { type: 'next-hop', address: '192.0.2.1' },
      { type: 'aggregator', asn: 23456, address: '192.0.2.1' },
      { type: 'as4-path', segments: [{ type: 2, asns: [4200000000, 65000] }] },
      { type: 'as4-aggregator', asn: 4200000001, address: '192.0.2.1' },
    ]);
  });

  it('sends no AS4_PATH or AS4_AGGREGATOR to a four-octet-AS speaker', () => {
    const withAs4: UpdateMessage = {
      ...value,
      attributes: [...value.attributes, { type: 'as4-path', segments: [{ type: 2, asns: [1] }] }, { type: 'as4-aggregator', asn: 1, address: '192.0.2.1' }],
    };
    assert.deepEqual(decodeUpdate(encodeMessage(withAs4, FOUR)), value);
  });
});

describe('UPDATEs with errors the session survives (RFC 7606)', () => {
  const TYPE_1 = MVPN_CASES[0]!.bytes;
  const mpReach = `80 0e 17 0001 05 04 c0000201 00 ${TYPE_1.toString('hex')}`;

  it('treat-as-withdraw still gives every NLRI to withdraw', () => {
    const u = decodeUpdate(update({ attributes: `${mpReach} 40 01 01 09 40 02 00`, nlri: '08 0a' }));
    assert.equal(updateHandling(u), ErrorHandling.TREAT_AS_WITHDRAW);
    assert.deepEqual(u.nlri, [hex('08 0a')]);
    const mp = u.attributes.find((a) => a.type === 'mp-reach');
    assert.deepEqual(mp?.type === 'mp-reach' && mp.nlri, [TYPE_1]);
    assert.deepEqual(u.errors?.map((e) => [e.code, e.subcode, e.handling]), [
      [3, 6, ErrorHandling.TREAT_AS_WITHDRAW], // ORIGIN 9
      [3, 3, ErrorHandling.TREAT_AS_WITHDRAW], // NEXT_HOP missing, with NLRI in the NLRI field
    ]);
  });

  it('attribute-discard drops the attribute and keeps the rest', () => {
    const u = decodeUpdate(update({ attributes: `${mpReach} 40 01 01 00 40 02 00 40 06 01 00 c0 08 04 fde80064` }));
    assert.equal(updateHandling(u), ErrorHandling.ATTRIBUTE_DISCARD);
    assert.deepEqual(u.attributes.slice(1), [
      { type: 'origin', value: 0 },
      { type: 'as-path', segments: [] },
      { type: 'communities', values: [0xfde80064] },
    ]);
  });

  it('the heaviest handling wins (RFC 7606 section 3 (h))', () => {
    const u = decodeUpdate(update({ attributes: `${mpReach} 40 01 01 00 40 02 00 40 06 01 00 80 04 02 0000` }));
    assert.deepEqual(u.errors?.map((e) => e.handling), [ErrorHandling.ATTRIBUTE_DISCARD, ErrorHandling.TREAT_AS_WITHDRAW]);
    assert.equal(updateHandling(u), ErrorHandling.TREAT_AS_WITHDRAW);
  });

  it('an UPDATE without errors has no errors field', () => {
    const u = decodeUpdate(update({ attributes: `${mpReach} 40 01 01 00 40 02 00` }));
    assert.equal('errors' in u, false);
    assert.equal(updateHandling(u), undefined);
  });

  it('decoded NLRI alias the message bytes (no copies)', () => {
    const bytes = update({ attributes: `${mpReach} 40 01 01 00 40 02 00` });
    const mp = decodeUpdate(bytes).attributes[0];
    assert.ok(mp?.type === 'mp-reach');
    assert.equal(mp.nlri[0]!.buffer, bytes.buffer);
    assert.equal(mp.nextHop.buffer, bytes.buffer);
  });
});

describe('1M MVPN routes', function () {
  this.timeout(60000);
  const N = 1_000_000;

  it('pack into full UPDATEs and decode back, quickly', function () {
    const nlri: Buffer[] = new Array<Buffer>(N);
    const route = encodeMvpnNlri({ routeType: 7, rd: '65000:1', sourceAs: 65001, source: '10.0.0.1', group: '232.0.0.1' });
    for (let i = 0; i < N; i++) {
      const n = Buffer.from(route);
      n.writeUInt32BE(i, 20); // the group address: distinct routes
      nlri[i] = n;
    }
    let t = process.hrtime.bigint();
    const updates = packUpdates(MVPN, ATTRIBUTES, NEXT_HOP, nlri, FOUR);
    const packMs = Number(process.hrtime.bigint() - t) / 1e6;

    // 4096 - header and lengths (23) - MP_REACH_NLRI header (4 + 9) - attributes (4 + 9 + 11): 168 routes of 24 octets
    const perUpdate = Math.floor((4096 - 23 - 13 - 24) / 24);
    assert.equal(updates.length, Math.ceil(N / perUpdate));

    t = process.hrtime.bigint();
    const reader = new MessageReader({});
    reader.push(Buffer.concat(updates));
    let count = 0;
    let last: Buffer | undefined;
    for (let m = reader.next(); m !== undefined; m = reader.next()) {
      const u = decodeMessage(m, FOUR) as UpdateMessage;
      const mp = u.attributes[0];
      if (mp?.type !== 'mp-reach') assert.fail('no MP_REACH_NLRI');
      count += mp.nlri.length;
      last = mp.nlri[mp.nlri.length - 1];
    }
    const decodeMs = Number(process.hrtime.bigint() - t) / 1e6;
    assert.equal(count, N);
    assert.ok(last?.equals(nlri[N - 1]!));
    // generous bounds (a loaded 2-core machine); typically far below
    assert.ok(packMs < 5000, `packing took ${packMs} ms`);
    assert.ok(decodeMs < 10000, `decoding took ${decodeMs} ms`);
    this.test!.title += ` (pack ${Math.round(packMs)} ms, decode ${Math.round(decodeMs)} ms, ${perUpdate} routes per UPDATE)`;
  });
});
