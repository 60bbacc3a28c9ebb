import assert from 'node:assert/strict';
import { AttributeSets, LocRib, RouteSource, selectBest, type Path } from '../../../src/bgp/rib';
import type { PathAttribute } from '../../../src/bgp/wire/types';

const LOCAL_AS = 65000;
const MVPN = { afi: 1, safi: 5 };
const sets = new AttributeSets();

const peer = (address: string, remoteAs: number, bgpId = address): RouteSource => RouteSource.peer({ address, bgpId, remoteAs, localAs: LOCAL_AS });
const seq = (...asns: number[]) => ({ type: 2 as const, asns });
const set = (...asns: number[]) => ({ type: 1 as const, asns });

interface Route {
  from: RouteSource;
  localPref?: number;
  asPath?: { type: 1 | 2; asns: number[] }[];
  origin?: number;
  med?: number;
  originatorId?: string;
}

function pathOf(r: Route): Path {
  const attrs: PathAttribute[] = [{ type: 'origin', value: r.origin ?? 0 }, { type: 'as-path', segments: r.asPath ?? [] }];
  if (r.localPref !== undefined) attrs.push({ type: 'local-pref', value: r.localPref });
  if (r.med !== undefined) attrs.push({ type: 'med', value: r.med });
  if (r.originatorId !== undefined) attrs.push({ type: 'originator-id', id: r.originatorId });
  return r.from.path(sets.intern(attrs, Buffer.from([10, 0, 0, 9])));
}

const LOCAL = RouteSource.local(LOCAL_AS, '192.0.2.100');

// RFC 4271 section 9.1.2.2, step by step: [name, candidates, index of the winner]
const CASES: [string, Route[], number][] = [
  ['highest LOCAL_PREF', [{ from: peer('10.0.0.1', LOCAL_AS), localPref: 100 }, { from: peer('10.0.0.2', LOCAL_AS), localPref: 200 }], 1],
  ['LOCAL_PREF from an EBGP peer is ignored (taken as 100)', [{ from: peer('10.0.0.1', 65001), localPref: 500, asPath: [seq(65001)] }, { from: peer('10.0.0.2', LOCAL_AS), localPref: 150 }], 1],
  ['missing LOCAL_PREF on IBGP is 100', [{ from: peer('10.0.0.1', LOCAL_AS), localPref: 99 }, { from: peer('10.0.0.2', LOCAL_AS) }], 1],
  ['locally originated over learned at equal preference', [{ from: peer('10.0.0.1', LOCAL_AS), origin: 0 }, { from: LOCAL, origin: 2 }], 1],
  ['higher LOCAL_PREF beats locally originated', [{ from: LOCAL }, { from: peer('10.0.0.1', LOCAL_AS), localPref: 101, asPath: [seq(65001, 65002)] }], 1],
  ['shortest AS_PATH', [{ from: peer('10.0.0.1', 65001), asPath: [seq(65001, 65010)] }, { from: peer('10.0.0.2', 65002), asPath: [seq(65002)] }], 1],
  ['an AS_SET counts as one', [{ from: peer('10.0.0.2', 65002), asPath: [seq(65002, 65003, 65004)] }, { from: peer('10.0.0.1', 65001), asPath: [seq(65001), set(1, 2, 3, 4)] }], 1],
  ['lowest ORIGIN', [{ from: peer('10.0.0.1', 65001), asPath: [seq(65001)], origin: 2 }, { from: peer('10.0.0.2', 65002), asPath: [seq(65002)], origin: 1 }], 1],
  ['lowest MED from the same neighbor AS', [{ from: peer('10.0.0.1', 65001), asPath: [seq(65001)], med: 10 }, { from: peer('10.0.0.2', 65001), asPath: [seq(65001)], med: 5 }], 1],
  ['MED not compared across neighbor ASes (BGP Identifier decides)', [{ from: peer('10.0.0.1', 65001), asPath: [seq(65001)], med: 50 }, { from: peer('10.0.0.2', 65002), asPath: [seq(65002)], med: 5 }], 0],
  ['missing MED is the lowest', [{ from: peer('10.0.0.1', 65001), asPath: [seq(65001)], med: 1 }, { from: peer('10.0.0.3', 65001), asPath: [seq(65001)] }], 1],
  [
    'MED eliminates within a neighbor AS only, then BGP Identifier',
    [
      { from: peer('10.0.0.1', 65001), asPath: [seq(65001)], med: 10 },
      { from: peer('10.0.0.3', 65001), asPath: [seq(65001)], med: 5 },
      { from: peer('10.0.0.2', 65002), asPath: [seq(65002)], med: 20 },
    ],
    2, // compared across ASes, B (MED 5) would win; ignored, A (lowest Identifier)
  ],
  ['EBGP over IBGP', [{ from: peer('10.0.0.1', LOCAL_AS), asPath: [seq(65009)] }, { from: peer('10.0.0.2', 65002), asPath: [seq(65002)] }], 1],
  ['lowest BGP Identifier', [{ from: peer('10.0.0.1', 65001, '9.9.9.9'), asPath: [seq(65001)] }, { from: peer('10.0.0.2', 65002, '1.1.1.1'), asPath: [seq(65002)] }], 1],
  ['ORIGINATOR_ID stands for the BGP Identifier', [{ from: peer('10.0.0.1', LOCAL_AS, '1.1.1.1'), originatorId: '8.8.8.8' }, { from: peer('10.0.0.2', LOCAL_AS, '2.2.2.2') }], 1],
  ['lowest peer address', [{ from: peer('10.0.0.7', 65001, '1.1.1.1'), asPath: [seq(65001)] }, { from: peer('10.0.0.5', 65001, '1.1.1.1'), asPath: [seq(65001)] }], 1],
  ['peer addresses compare as numbers', [{ from: peer('10.0.0.10', 65001, '1.1.1.1'), asPath: [seq(65001)] }, { from: peer('10.0.0.9', 65001, '1.1.1.1'), asPath: [seq(65001)] }], 1],
];

describe('rib: best path selection (RFC 4271 section 9.1.2.2)', () => {
  for (const [name, routes, winner] of CASES) {
    it(name, () => {
      const paths = routes.map(pathOf);
      assert.equal(selectBest(paths), paths[winner]);
      // whatever the order of the candidates
      assert.equal(selectBest([...paths].reverse()), paths[winner]);
    });
  }

  it('the Loc-RIB keeps every candidate and reports best path changes only', () => {
    const rib = new LocRib(MVPN, { localAs: LOCAL_AS, routerId: '192.0.2.100' });
    const key = '\x01\x0cabcdefghijkl';
    const a = pathOf({ from: peer('10.0.0.1', 65001), asPath: [seq(65001, 65010)] });
    const b = pathOf({ from: peer('10.0.0.2', 65002), asPath: [seq(65002)] });
    const c = pathOf({ from: peer('10.0.0.3', 65003), asPath: [seq(65003, 1, 2)] });

    rib.update(key, a);
    assert.deepEqual([...rib.takeChanges().nlri], [key]);
    rib.update(key, b);
    assert.equal(rib.best(key), b);
    assert.deepEqual([...rib.takeChanges().nlri], [key], 'a better path is a change');
    rib.update(key, c);
    assert.equal(rib.takeChanges().nlri.length, 0, 'a worse path is no change');
    assert.equal(rib.candidates(key).length, 3);
    rib.update(key, b);
    assert.equal(rib.takeChanges().nlri.length, 0, 'the same path again is no change');
    rib.remove(key, a.source);
    assert.equal(rib.takeChanges().nlri.length, 0, 'removing a loser is no change');
    rib.remove(key, b.source);
    assert.equal(rib.best(key), c);
    assert.deepEqual([...rib.takeChanges().nlri], [key], 'removing the best is a change');
    rib.remove(key, c.source);
    assert.equal(rib.best(key), undefined);
    assert.equal(rib.size, 0);
    assert.deepEqual([...rib.takeChanges().nlri], [key]);
  });

  it('new attributes from the source of the best path are a change', () => {
    const rib = new LocRib(MVPN, { localAs: LOCAL_AS, routerId: '192.0.2.100' });
    const key = '\x01\x0cabcdefghijkl';
    const from = peer('10.0.0.1', 65001);
    rib.update(key, pathOf({ from, asPath: [seq(65001)] }));
    rib.update(key, pathOf({ from: peer('10.0.0.2', 65002), asPath: [seq(65002, 3)] }));
    rib.takeChanges();
    const longer = pathOf({ from, asPath: [seq(65001, 5, 6)] });
    rib.update(key, longer);
    assert.deepEqual([...rib.takeChanges().nlri], [key]);
    assert.equal(rib.best(key)?.source.address, '10.0.0.2', 'the other path is now shorter');
    assert.equal(rib.candidates(key).length, 2, 'one candidate per source');
  });

  it('locally originated routes', () => {
    const rib = new LocRib(MVPN, { localAs: LOCAL_AS, routerId: '192.0.2.100' });
    const key = '\x01\x0cabcdefghijkl';
    rib.update(key, pathOf({ from: peer('10.0.0.1', 65001), asPath: [seq(65001)] }));
    rib.originate(key, sets.intern([{ type: 'origin', value: 0 }], Buffer.alloc(0)));
    assert.equal(rib.best(key)?.source, rib.localSource);
    rib.withdrawOriginated(key);
    assert.equal(rib.best(key)?.source.address, '10.0.0.1');
  });
});
