import assert from 'node:assert/strict';
import { AttributeSets, nlriKey, Policy, type PolicyMatch } from '../../../src/bgp/rib';
import { encodeMvpnNlri, type MvpnRoute } from '../../../src/bgp/wire/mvpn';
import { encodeIpv4Prefix } from '../../../src/bgp/wire/nlri';

const MVPN = { afi: 1, safi: 5 };
const IPV4_UNICAST = { afi: 1, safi: 1 };
const sets = new AttributeSets();

/** Route Target extended communities, RFC 4360 sections 3.1, 3.2 and RFC 5668. */
const rtAs2 = (asn: number, n: number): Buffer => Buffer.from([0x00, 0x02, asn >> 8, asn & 255, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
const rtIpv4 = (ip: number[], n: number): Buffer => Buffer.from([0x01, 0x02, ...ip, n >> 8, n & 255]);
const rtAs4 = (asn: number, n: number): Buffer => Buffer.from([0x02, 0x02, asn >>> 24, (asn >> 16) & 255, (asn >> 8) & 255, asn & 255, n >> 8, n & 255]);
/** an extended community that is not a route target (Route Origin, sub-type 3) */
const soo = Buffer.from([0x00, 0x03, 0xfd, 0xe8, 0, 0, 0, 100]);

const withCommunities = (...values: Buffer[]) =>
  sets.intern([{ type: 'origin', value: 0 }, { type: 'as-path', segments: [] }, ...(values.length > 0 ? [{ type: 'extended-communities' as const, values }] : [])], Buffer.from([10, 0, 0, 1]));

const ROUTES: Record<string, MvpnRoute> = {
  'intra-as-i-pmsi-ad': { routeType: 1, rd: '65000:100', originatingRouter: '192.0.2.1' },
  'inter-as-i-pmsi-ad': { routeType: 2, rd: '65000:100', sourceAs: 65001 },
  's-pmsi-ad': { routeType: 3, rd: '65000:100', source: '10.1.1.1', group: '232.1.1.1', originatingRouter: '192.0.2.1' },
  'leaf-ad': { routeType: 4, routeKey: { routeType: 3, rd: '65000:100', source: '10.1.1.1', group: '232.1.1.1', originatingRouter: '192.0.2.1' }, originatingRouter: '192.0.2.2' },
  'source-active-ad': { routeType: 5, rd: '65000:100', source: '10.1.1.1', group: '232.1.1.1' },
  'shared-tree-join': { routeType: 6, rd: '65000:100', sourceAs: 65001, source: '10.9.9.9', group: '239.1.1.1' },
  'source-tree-join': { routeType: 7, rd: '65000:100', sourceAs: 65001, source: '10.1.1.1', group: '232.1.1.1' },
};
const key = (r: MvpnRoute): string => nlriKey(encodeMvpnNlri(r));

/** A policy of one term with this match, defaulting to reject: accepts() tells whether the term matched. */
const matches = (match: PolicyMatch, route: MvpnRoute, attrs = withCommunities()): boolean =>
  new Policy({ name: 'p', terms: [{ name: 't', match, action: 'accept' }] }).accepts(key(route), attrs, MVPN);

describe('rib: policy', () => {
  describe('route type', () => {
    for (const [name, route] of Object.entries(ROUTES)) {
      it(`${name} matches its own name only`, () => {
        for (const other of Object.keys(ROUTES)) {
          assert.equal(matches({ routeType: [other as never] }, route), other === name, `routeType [${other}] on ${name}`);
        }
      });
    }
    it('any of several types', () => {
      const m: PolicyMatch = { routeType: ['s-pmsi-ad', 'source-tree-join'] };
      assert.equal(matches(m, ROUTES['s-pmsi-ad']), true);
      assert.equal(matches(m, ROUTES['source-tree-join']), true);
      assert.equal(matches(m, ROUTES['shared-tree-join']), false);
    });
    it('an unknown name is refused', () => {
      assert.throws(() => new Policy({ name: 'p', terms: [{ name: 't', match: { routeType: ['spmsi' as never] }, action: 'accept' }] }), RangeError);
    });
  });

  describe('route distinguisher', () => {
    const CASES: [string, MvpnRoute, string, boolean][] = [
      ['type 0 equal', { routeType: 1, rd: '65000:100', originatingRouter: '192.0.2.1' }, '65000:100', true],
      ['type 0 other number', { routeType: 1, rd: '65000:101', originatingRouter: '192.0.2.1' }, '65000:100', false],
      ['type 0 other AS', { routeType: 1, rd: '65001:100', originatingRouter: '192.0.2.1' }, '65000:100', false],
      ['type 1 (IPv4 administrator)', { routeType: 5, rd: '192.0.2.1:7', source: '10.1.1.1', group: '232.1.1.1' }, '192.0.2.1:7', true],
      ['type 1 other address', { routeType: 5, rd: '192.0.2.2:7', source: '10.1.1.1', group: '232.1.1.1' }, '192.0.2.1:7', false],
      ['type 2 (4-octet AS)', { routeType: 7, rd: '4200000000:100', sourceAs: 1, source: '10.1.1.1', group: '232.1.1.1' }, '4200000000:100', true],
      ['type 2 other number', { routeType: 7, rd: '4200000000:100', sourceAs: 1, source: '10.1.1.1', group: '232.1.1.1' }, '4200000000:10', false],
      ['every type with an RD', ROUTES['inter-as-i-pmsi-ad'], '65000:100', true],
      ['leaf-ad has no RD of its own: never matches', ROUTES['leaf-ad'], '65000:100', false],
    ];
    for (const [name, route, rd, expected] of CASES) {
      it(name, () => assert.equal(matches({ routeDistinguisher: rd }, route), expected));
    }
    for (const [name, route] of Object.entries(ROUTES)) {
      if (name === 'leaf-ad') continue;
      it(`${name} is matched by its RD`, () => assert.equal(matches({ routeDistinguisher: '65000:100' }, route), true));
    }
  });

  describe('route target', () => {
    const route = ROUTES['intra-as-i-pmsi-ad'];
    const CASES: [string, Buffer[], string[], boolean][] = [
      ['2-octet AS', [rtAs2(65000, 100)], ['target:65000:100'], true],
      ['2-octet AS, other number', [rtAs2(65000, 101)], ['target:65000:100'], false],
      ['IPv4 address', [rtIpv4([192, 0, 2, 1], 5)], ['target:192.0.2.1:5'], true],
      ['4-octet AS', [rtAs4(4200000000, 5)], ['target:4200000000:5'], true],
      ['any of the route targets of the route', [rtAs2(65000, 1), rtAs2(65000, 2), rtAs2(65000, 3)], ['target:65000:2'], true],
      ['any of the route targets of the term', [rtAs2(65000, 3)], ['target:65000:1', 'target:65000:3'], true],
      ['none in common', [rtAs2(65000, 1), rtAs2(65000, 2)], ['target:65000:3', 'target:65000:4'], false],
      ['no extended communities', [], ['target:65000:100'], false],
      ['other extended communities are not route targets', [soo], ['target:65000:100'], false],
    ];
    for (const [name, communities, targets, expected] of CASES) {
      it(name, () => assert.equal(matches({ routeTarget: targets }, route, withCommunities(...communities)), expected));
    }
    it('a route target not written target:... is refused', () => {
      assert.throws(() => new Policy({ name: 'p', terms: [{ name: 't', match: { routeTarget: ['65000:100'] }, action: 'accept' }] }), RangeError);
    });
  });

  describe('terms and actions', () => {
    const attrs = withCommunities(rtAs2(65000, 100));
    const s = ROUTES['s-pmsi-ad'];
    it('all conditions of a term must hold', () => {
      const m: PolicyMatch = { routeType: ['s-pmsi-ad'], routeDistinguisher: '65000:100', routeTarget: ['target:65000:100'] };
      assert.equal(matches(m, s, attrs), true);
      assert.equal(matches(m, { ...s, rd: '65000:9' } as MvpnRoute, attrs), false, 'RD differs');
      assert.equal(matches(m, ROUTES['source-active-ad'], attrs), false, 'type differs');
      assert.equal(matches(m, s, withCommunities(rtAs2(65000, 9))), false, 'route target differs');
    });
    it('no condition matches every route', () => {
      for (const r of Object.values(ROUTES)) assert.equal(matches({}, r), true);
      const p = new Policy({ name: 'p', terms: [{ name: 'all', action: 'accept' }] });
      assert.equal(p.accepts(key(s), attrs, MVPN), true);
      assert.equal(matches({ routeType: [], routeTarget: [] }, s), true, 'empty leaf-lists are no condition');
    });
    it('the first matching term decides', () => {
      const p = new Policy({
        name: 'p',
        terms: [
          { name: 'no-joins', match: { routeType: ['source-tree-join', 'shared-tree-join'] }, action: 'reject' },
          { name: 'vpn-a', match: { routeTarget: ['target:65000:100'] }, action: 'accept' },
          { name: 'rest', action: 'reject' },
        ],
        defaultAction: 'accept',
      });
      assert.equal(p.decide(key(ROUTES['source-tree-join']), attrs, MVPN)?.name, 'no-joins');
      assert.equal(p.accepts(key(ROUTES['source-tree-join']), attrs, MVPN), false);
      assert.equal(p.decide(key(s), attrs, MVPN)?.name, 'vpn-a');
      assert.equal(p.accepts(key(s), attrs, MVPN), true);
      assert.equal(p.decide(key(s), withCommunities(), MVPN)?.name, 'rest');
      assert.equal(p.accepts(key(s), withCommunities(), MVPN), false);
    });
    it('default action: reject unless configured', () => {
      const term = { name: 't', match: { routeType: ['leaf-ad' as const] }, action: 'accept' as const };
      assert.equal(new Policy({ name: 'p', terms: [term] }).accepts(key(s), attrs, MVPN), false);
      assert.equal(new Policy({ name: 'p', terms: [term], defaultAction: 'accept' }).accepts(key(s), attrs, MVPN), true);
      assert.equal(new Policy({ name: 'p', terms: [], defaultAction: 'reject' }).accepts(key(s), attrs, MVPN), false);
      assert.equal(new Policy({ name: 'p', terms: [term] }).decide(key(s), attrs, MVPN), undefined);
    });
    it('ipv4-unicast routes: route type and RD conditions never match, route targets do', () => {
      const prefix = nlriKey(encodeIpv4Prefix('10.0.0.0/8'));
      const p = (match: PolicyMatch) => new Policy({ name: 'p', terms: [{ name: 't', match, action: 'accept' }] });
      assert.equal(p({ routeType: ['intra-as-i-pmsi-ad'] }).accepts(prefix, attrs, IPV4_UNICAST), false);
      assert.equal(p({ routeDistinguisher: '65000:100' }).accepts(prefix, attrs, IPV4_UNICAST), false);
      assert.equal(p({ routeTarget: ['target:65000:100'] }).accepts(prefix, attrs, IPV4_UNICAST), true);
    });
  });
});
