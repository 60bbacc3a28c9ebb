import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AttributeSets, nextHopOf, nlriBytes, nlriKey } from '../../../src/bgp/rib';
import type { PathAttribute } from '../../../src/bgp/wire/types';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NH = Buffer.from([10, 0, 0, 1]);
const base: PathAttribute[] = [
  { type: 'origin', value: 0 },
  { type: 'as-path', segments: [{ type: 2, asns: [65001, 65002] }] },
  { type: 'extended-communities', values: [Buffer.from('0002fde800000064', 'hex')] },
];

describe('rib: attribute sets and NLRI keys', () => {
  it('equal attributes give the same frozen set, whatever their order', () => {
    const sets = new AttributeSets();
    const a = sets.intern(base, NH);
    const b = sets.intern([base[2], base[0], base[1]], Buffer.from(NH));
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.attributes) && Object.isFrozen(a.attributes[1]));
    assert.deepEqual(
      a.attributes.map((x) => x.type),
      ['origin', 'as-path', 'extended-communities'],
    );
    assert.equal(sets.size, 1);
  });

  const DIFFERENT: [string, PathAttribute[], Buffer][] = [
    ['another next hop', base, Buffer.from([10, 0, 0, 2])],
    ['another AS_PATH', [base[0], { type: 'as-path', segments: [{ type: 2, asns: [65001] }] }, base[2]], NH],
    ['an AS_SET instead of an AS_SEQUENCE', [base[0], { type: 'as-path', segments: [{ type: 1, asns: [65001, 65002] }] }, base[2]], NH],
    ['another route target', [base[0], base[1], { type: 'extended-communities', values: [Buffer.from('0002fde800000065', 'hex')] }], NH],
    ['one more attribute', [...base, { type: 'med', value: 0 }], NH],
    ['an unknown attribute', [...base, { type: 'unknown', flags: 0xc0, code: 99, value: Buffer.from([1]) }], NH],
  ];
  for (const [name, attrs, nh] of DIFFERENT) {
    it(`${name} is another set`, () => {
      const sets = new AttributeSets();
      const a = sets.intern(base, NH);
      const b = sets.intern(attrs, nh);
      assert.notEqual(a, b);
      assert.notEqual(a.id, b.id);
      assert.notEqual(a.key, b.key);
    });
  }

  it('NEXT_HOP, MP_REACH_NLRI and MP_UNREACH_NLRI are not part of the set', () => {
    const sets = new AttributeSets();
    const withNlri: PathAttribute[] = [
      ...base,
      { type: 'mp-reach', afi: 1, safi: 5, nextHop: NH, nlri: [Buffer.from([1, 2])] },
      { type: 'mp-unreach', afi: 1, safi: 5, withdrawn: [Buffer.from([3])] },
      { type: 'next-hop', address: '10.9.9.9' },
    ];
    assert.equal(sets.intern(withNlri, nextHopOf(withNlri, { afi: 1, safi: 5 })), sets.intern(base, NH));
    assert.deepEqual(nextHopOf(withNlri, { afi: 1, safi: 1 }), Buffer.from([10, 9, 9, 9]));
    assert.deepEqual(nextHopOf(base, { afi: 1, safi: 5 }), Buffer.alloc(0));
  });

  it('buffers are copied: the set does not alias the received message', () => {
    const sets = new AttributeSets();
    const message = Buffer.from('0002fde800000064', 'hex');
    const nh = Buffer.from(NH);
    const a = sets.intern([{ type: 'extended-communities', values: [message] }], nh);
    message.fill(0);
    nh.fill(0);
    const ec = a.attributes[0];
    assert.ok(ec.type === 'extended-communities');
    assert.deepEqual(ec.values[0], Buffer.from('0002fde800000064', 'hex'));
    assert.deepEqual(a.nextHop, NH);
  });

  it('sets no route holds any more are collected', async () => {
    const sets = new AttributeSets();
    const kept = sets.intern(base, NH);
    for (let i = 0; i < 100; i++) sets.intern([{ type: 'med', value: i }], NH);
    assert.equal(sets.size, 101);
    for (let round = 0; round < 20 && sets.size > 1; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(sets.size, 1);
    assert.equal(sets.intern(base, NH), kept, 'a set still held stays the one');
  });

  it('NLRI keys round-trip every octet value', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const key = nlriKey(bytes);
    assert.equal(key.length, 256);
    assert.deepEqual(nlriBytes(key), bytes);
  });
});
