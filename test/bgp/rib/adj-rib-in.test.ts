import assert from 'node:assert/strict';
import { AdjRibIn, AttributeSets, LocRib, nlriKey, Policy, RouteSource, type AttributeSet } from '../../../src/bgp/rib';
import { encodeMvpnNlri } from '../../../src/bgp/wire/mvpn';

const MVPN = { afi: 1, safi: 5 };
const LOCAL_AS = 65000;
const sets = new AttributeSets();

const rt = (n: number): Buffer => Buffer.from([0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, n]); // target:65000:n
const attrs = (opts: { rt?: number; med?: number; asPath?: number[] } = {}): AttributeSet =>
  sets.intern(
    [
      { type: 'origin', value: 0 },
      { type: 'as-path', segments: [{ type: 2, asns: opts.asPath ?? [65001] }] },
      ...(opts.med === undefined ? [] : [{ type: 'med' as const, value: opts.med }]),
      ...(opts.rt === undefined ? [] : [{ type: 'extended-communities' as const, values: [rt(opts.rt)] }]),
    ],
    Buffer.from([10, 0, 0, 1]),
  );
/** an Intra-AS I-PMSI A-D route per number */
const route = (n: number): string => nlriKey(encodeMvpnNlri({ routeType: 1, rd: `65000:${n}`, originatingRouter: '192.0.2.1' }));
const acceptTarget = (n: number): Policy => new Policy({ name: `rt${n}`, terms: [{ name: 't', match: { routeTarget: [`target:65000:${n}`] }, action: 'accept' }] });

function setup(keepAllRoutes: boolean, importPolicy?: Policy) {
  const locRib = new LocRib(MVPN, { localAs: LOCAL_AS, routerId: '192.0.2.100' });
  const source = RouteSource.peer({ address: '10.0.0.1', bgpId: '10.0.0.1', remoteAs: 65001, localAs: LOCAL_AS });
  const rib = new AdjRibIn({ source, locRib, keepAllRoutes, importPolicy });
  return { locRib, source, rib };
}
const bestAttrs = (locRib: LocRib, key: string) => locRib.best(key)?.attributes;

describe('rib: Adj-RIB-In', () => {
  it('accepted routes reach the Loc-RIB, rejected ones do not; counters', () => {
    const { locRib, rib } = setup(true, acceptTarget(1));
    assert.equal(rib.set(route(1), attrs({ rt: 1 })), true);
    assert.equal(rib.set(route(2), attrs({ rt: 2 })), false);
    assert.equal(rib.set(route(3), attrs({ rt: 1 })), true);
    assert.deepEqual([...locRib.keys()].sort(), [route(1), route(3)].sort());
    assert.equal(rib.receivedCount, 3);
    assert.equal(rib.acceptedCount, 2);
    assert.equal(rib.getAccepted(route(2)), undefined);
    assert.equal(rib.getReceived(route(2)), attrs({ rt: 2 }), 'keep-all-routes keeps the rejected route');
  });

  it('a peer with no policy accepts everything', () => {
    const { locRib, rib } = setup(false);
    for (let i = 0; i < 5; i++) rib.set(route(i), attrs({ rt: i }));
    assert.equal(locRib.size, 5);
    assert.equal(rib.acceptedCount, 5);
  });

  it('without keep-all-routes rejected routes are counted but their attributes not kept', () => {
    const { rib } = setup(false, acceptTarget(1));
    rib.set(route(1), attrs({ rt: 2 }));
    assert.equal(rib.receivedCount, 1);
    assert.equal(rib.acceptedCount, 0);
    assert.equal(rib.getReceived(route(1)), undefined);
    rib.withdraw(route(1));
    assert.equal(rib.receivedCount, 0);
    assert.throws(() => rib.reapplyImportPolicy(acceptTarget(2)), /keep-all-routes/);
  });

  it('a new advertisement replaces the previous one (implicit withdraw)', () => {
    const { locRib, rib } = setup(true, acceptTarget(1));
    rib.set(route(1), attrs({ rt: 1, med: 5 }));
    locRib.takeChanges();
    rib.set(route(1), attrs({ rt: 1, med: 7 }));
    assert.equal(bestAttrs(locRib, route(1)), attrs({ rt: 1, med: 7 }));
    assert.deepEqual([...locRib.takeChanges().nlri], [route(1)]);
    rib.set(route(1), attrs({ rt: 1, med: 7 }));
    assert.equal(locRib.takeChanges().nlri.length, 0, 'the same route again changes nothing');
    rib.set(route(1), attrs({ rt: 3 }));
    assert.equal(locRib.best(route(1)), undefined, 'now rejected: gone from the Loc-RIB');
    assert.equal(rib.receivedCount, 1);
    assert.equal(rib.acceptedCount, 0);
    rib.set(route(1), attrs({ rt: 1 }));
    assert.equal(bestAttrs(locRib, route(1)), attrs({ rt: 1 }));
    assert.equal(rib.receivedCount, 1);
  });

  it('withdraw', () => {
    const { locRib, rib } = setup(true, acceptTarget(1));
    rib.set(route(1), attrs({ rt: 1 }));
    rib.set(route(2), attrs({ rt: 2 }));
    rib.withdraw(route(1));
    rib.withdraw(route(2));
    rib.withdraw(route(9));
    assert.equal(locRib.size, 0);
    assert.equal(rib.receivedCount, 0);
  });

  it('a route whose AS_PATH holds the local AS is not accepted (RFC 4271 section 9.1.2)', () => {
    const { locRib, rib } = setup(true);
    assert.equal(rib.set(route(1), attrs({ asPath: [65001, LOCAL_AS, 65009] })), false);
    assert.equal(locRib.size, 0);
    assert.equal(rib.receivedCount, 1);
  });

  describe('enhanced route refresh (RFC 7313 section 4)', () => {
    it('routes not re-advertised between BoRR and EoRR are purged at EoRR', () => {
      const { locRib, rib } = setup(true, acceptTarget(1));
      for (let i = 1; i <= 4; i++) rib.set(route(i), attrs({ rt: 1 }));
      rib.set(route(5), attrs({ rt: 2 })); // rejected
      locRib.takeChanges();

      rib.markStale();
      assert.equal(rib.staleCount, 5);
      assert.equal(locRib.size, 4, 'stale routes stay in use until EoRR');
      assert.equal(rib.acceptedCount, 4);
      rib.set(route(1), attrs({ rt: 1 })); // unchanged
      rib.set(route(2), attrs({ rt: 1, med: 9 })); // changed
      rib.set(route(6), attrs({ rt: 1 })); // new
      rib.withdraw(route(3)); // withdrawn during the refresh
      assert.equal(rib.isStale(route(1)), false);
      assert.equal(rib.isStale(route(4)), true);
      assert.equal(rib.isStale(route(5)), true);
      assert.equal(rib.staleCount, 2);
      assert.deepEqual([...locRib.takeChanges().nlri].sort(), [route(2), route(3), route(6)].sort());

      assert.equal(rib.purgeStale(), 2);
      assert.deepEqual([...locRib.keys()].sort(), [route(1), route(2), route(6)].sort());
      assert.deepEqual([...locRib.takeChanges().nlri], [route(4)]);
      assert.equal(rib.receivedCount, 3);
      assert.equal(rib.acceptedCount, 3);
      assert.equal(rib.staleCount, 0);
      assert.equal(rib.getReceived(route(5)), undefined);
      assert.equal(bestAttrs(locRib, route(2)), attrs({ rt: 1, med: 9 }));
    });

    it('a stale route re-advertised with attributes now rejected leaves the Loc-RIB at once', () => {
      const { locRib, rib } = setup(true, acceptTarget(1));
      rib.set(route(1), attrs({ rt: 1 }));
      rib.markStale();
      rib.set(route(1), attrs({ rt: 2 }));
      assert.equal(locRib.size, 0);
      assert.equal(rib.purgeStale(), 0);
      assert.equal(rib.receivedCount, 1);
    });

    it('a second BoRR marks the routes re-advertised since the first one stale too', () => {
      const { locRib, rib } = setup(false);
      rib.set(route(1), attrs());
      rib.set(route(2), attrs());
      rib.markStale();
      rib.set(route(1), attrs());
      rib.markStale();
      assert.equal(rib.staleCount, 2);
      rib.set(route(2), attrs());
      assert.equal(rib.purgeStale(), 1);
      assert.deepEqual([...locRib.keys()], [route(2)]);
    });

    it('EoRR without BoRR purges nothing', () => {
      const { locRib, rib } = setup(false);
      rib.set(route(1), attrs());
      assert.equal(rib.purgeStale(), 0);
      assert.equal(locRib.size, 1);
    });
  });

  describe('import soft reset with keep-all-routes', () => {
    it('re-applies the new policy to the pre-policy copy: newly rejected withdrawn, newly accepted added', () => {
      const { locRib, rib } = setup(true, acceptTarget(1));
      for (let i = 1; i <= 3; i++) rib.set(route(i), attrs({ rt: 1 }));
      for (let i = 4; i <= 5; i++) rib.set(route(i), attrs({ rt: 2 }));
      rib.set(route(6), attrs({ rt: 3 }));
      locRib.takeChanges();

      const both = new Policy({ name: 'p', terms: [{ name: 't', match: { routeTarget: ['target:65000:2', 'target:65000:3'] }, action: 'accept' }] });
      const changes = rib.reapplyImportPolicy(both);
      assert.deepEqual(changes.rejected.sort(), [route(1), route(2), route(3)].sort());
      assert.deepEqual(changes.accepted.sort(), [route(4), route(5), route(6)].sort());
      assert.deepEqual([...locRib.keys()].sort(), [route(4), route(5), route(6)].sort());
      assert.deepEqual([...locRib.takeChanges().nlri].sort(), [1, 2, 3, 4, 5, 6].map(route).sort());
      assert.equal(rib.receivedCount, 6);
      assert.equal(rib.acceptedCount, 3);

      const again = rib.reapplyImportPolicy(both);
      assert.deepEqual(again, { accepted: [], rejected: [] }, 'same policy: no change');
      assert.equal(locRib.takeChanges().nlri.length, 0);

      const all = rib.reapplyImportPolicy(undefined);
      assert.deepEqual(all.accepted.sort(), [route(1), route(2), route(3)].sort());
      assert.equal(locRib.size, 6);
    });

    it('stale routes keep their stale mark through a re-evaluation', () => {
      const { locRib, rib } = setup(true);
      rib.set(route(1), attrs({ rt: 1 }));
      rib.set(route(2), attrs({ rt: 2 }));
      rib.markStale();
      rib.set(route(2), attrs({ rt: 2 }));
      rib.reapplyImportPolicy(acceptTarget(2));
      assert.equal(rib.isStale(route(1)), true);
      assert.equal(locRib.size, 1);
      rib.reapplyImportPolicy(undefined);
      assert.equal(locRib.size, 2);
      assert.equal(rib.purgeStale(), 1);
      assert.deepEqual([...locRib.keys()], [route(2)]);
    });
  });

  it('clear() (session down) takes every route out of the Loc-RIB, other peers\' stay', () => {
    const { locRib, rib } = setup(true);
    const other = new AdjRibIn({ source: RouteSource.peer({ address: '10.0.0.2', bgpId: '10.0.0.2', remoteAs: 65002, localAs: LOCAL_AS }), locRib, keepAllRoutes: false });
    rib.set(route(1), attrs());
    rib.set(route(2), attrs());
    rib.markStale();
    rib.set(route(3), attrs());
    other.set(route(1), attrs({ asPath: [65002, 1] }));
    rib.clear();
    assert.equal(rib.receivedCount, 0);
    assert.deepEqual([...locRib.keys()], [route(1)]);
    assert.equal(locRib.best(route(1))?.source, other.source);
  });
});
