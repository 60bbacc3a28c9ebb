import assert from 'node:assert/strict';
import { AdjRibIn, AdjRibOut, AttributeSets, LocRib, nextHopOf, nlriBytes, nlriKey, Policy, RouteSource, type AttributeSet, type ExportUpdate } from '../../../src/bgp/rib';
import { decodeMessage } from '../../../src/bgp/wire/codec';
import { encodeMvpnNlri } from '../../../src/bgp/wire/mvpn';
import { packUpdates, packWithdrawals } from '../../../src/bgp/wire/update';
import type { PathAttribute } from '../../../src/bgp/wire/types';

const MVPN = { afi: 1, safi: 5 };
const LOCAL_AS = 65000;
const LOCAL_ADDRESS = '192.0.2.100';
const SELF = Buffer.from([192, 0, 2, 100]);

const rt = (n: number): Buffer => Buffer.from([0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, n]); // target:65000:n
const route = (n: number): string => nlriKey(encodeMvpnNlri({ routeType: 1, rd: `65000:${n}`, originatingRouter: '192.0.2.1' }));

interface Peer {
  source: RouteSource;
  in: AdjRibIn;
  out: AdjRibOut;
}

function world() {
  const sets = new AttributeSets();
  const locRib = new LocRib(MVPN, { localAs: LOCAL_AS, routerId: LOCAL_ADDRESS });
  const peer = (address: string, remoteAs: number, exportPolicy?: Policy): Peer => {
    const source = RouteSource.peer({ address, bgpId: address, remoteAs, localAs: LOCAL_AS });
    return {
      source,
      in: new AdjRibIn({ source, locRib, keepAllRoutes: false }),
      out: new AdjRibOut({ treatment: source, locRib, attributeSets: sets, localAddress: LOCAL_ADDRESS, exportPolicy }),
    };
  };
  const attrs = (extra: PathAttribute[] = [], asns: number[] = [], nextHop = [10, 9, 9, 9]): AttributeSet =>
    sets.intern([{ type: 'origin', value: 0 }, { type: 'as-path', segments: asns.length > 0 ? [{ type: 2, asns }] : [] }, ...extra], Buffer.from(nextHop));
  return { sets, locRib, peer, attrs };
}

const find = (a: AttributeSet, type: PathAttribute['type']): PathAttribute | undefined => a.attributes.find((x) => x.type === type);
/** NLRI -> attribute set of an export, and its withdrawals */
const flat = (u: ExportUpdate) => ({
  announced: new Map(u.announcements.flatMap((a) => a.nlri.map((n) => [n, a.attributes] as const))),
  withdrawn: [...u.withdrawals].sort(),
});

describe('rib: Adj-RIB-Out', () => {
  describe('advertisement rules', () => {
    it('EBGP: AS_PATH prepended, NEXT_HOP self, no LOCAL_PREF, MED and reflection attributes removed', () => {
      const w = world();
      const ibgp = w.peer('10.0.0.3', LOCAL_AS);
      const ebgp = w.peer('10.0.0.2', 65002);
      const unknownTransitive: PathAttribute = { type: 'unknown', flags: 0xc0, code: 99, value: Buffer.from([1, 2]) };
      const unknownNonTransitive: PathAttribute = { type: 'unknown', flags: 0x80, code: 98, value: Buffer.from([3]) };
      ibgp.in.set(
        route(1),
        w.attrs(
          [
            { type: 'local-pref', value: 300 },
            { type: 'med', value: 7 },
            { type: 'originator-id', id: '1.1.1.1' },
            { type: 'cluster-list', ids: ['2.2.2.2'] },
            { type: 'extended-communities', values: [rt(1)] },
            unknownTransitive,
            unknownNonTransitive,
          ],
          [65009, 65010],
        ),
      );
      const u = ebgp.out.exportAll();
      assert.equal(u.announcements.length, 1);
      const out = u.announcements[0].attributes;
      assert.deepEqual(u.announcements[0].nlri, [route(1)]);
      assert.deepEqual(find(out, 'as-path'), { type: 'as-path', segments: [{ type: 2, asns: [LOCAL_AS, 65009, 65010] }] });
      assert.deepEqual(out.nextHop, SELF);
      assert.equal(find(out, 'local-pref'), undefined);
      assert.equal(find(out, 'med'), undefined);
      assert.equal(find(out, 'originator-id'), undefined);
      assert.equal(find(out, 'cluster-list'), undefined);
      assert.deepEqual(find(out, 'extended-communities'), { type: 'extended-communities', values: [rt(1)] });
      assert.deepEqual(find(out, 'unknown'), { type: 'unknown', flags: 0xe0, code: 99, value: Buffer.from([1, 2]) }, 'transitive passed on with Partial');
      assert.equal(out.attributes.filter((a) => a.type === 'unknown').length, 1, 'non-transitive dropped');
      assert.deepEqual(find(out, 'origin'), { type: 'origin', value: 0 });
      assert.deepEqual(
        out.attributes.map((a) => a.type),
        ['origin', 'as-path', 'extended-communities', 'unknown'],
        'in type code order',
      );
    });

    it('EBGP: a locally originated route gets AS_PATH [local AS] and keeps its MED', () => {
      const w = world();
      const ebgp = w.peer('10.0.0.2', 65002);
      w.locRib.originate(route(1), w.sets.intern([{ type: 'med', value: 4 }], Buffer.alloc(0)));
      const out = ebgp.out.exportAll().announcements[0].attributes;
      assert.deepEqual(find(out, 'as-path'), { type: 'as-path', segments: [{ type: 2, asns: [LOCAL_AS] }] });
      assert.deepEqual(find(out, 'origin'), { type: 'origin', value: 0 }, 'ORIGIN added when missing');
      assert.deepEqual(find(out, 'med'), { type: 'med', value: 4 });
      assert.deepEqual(out.nextHop, SELF);
    });

    it('EBGP: a full first AS_SEQUENCE gets a new segment', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      const long = Array.from({ length: 255 }, (_, i) => 64512 + i);
      a.in.set(route(1), w.attrs([], long));
      const out = b.out.exportAll().announcements[0].attributes;
      assert.deepEqual(find(out, 'as-path'), { type: 'as-path', segments: [{ type: 2, asns: [LOCAL_AS] }, { type: 2, asns: long }] });
    });

    it('IBGP: LOCAL_PREF (default 100), no prepend, NEXT_HOP kept; self for local routes', () => {
      const w = world();
      const ebgp = w.peer('10.0.0.1', 65001);
      const ibgp = w.peer('10.0.0.3', LOCAL_AS);
      ebgp.in.set(route(1), w.attrs([{ type: 'med', value: 3 }, { type: 'local-pref', value: 999 }], [65001]));
      w.locRib.originate(route(2), w.sets.intern([{ type: 'origin', value: 0 }, { type: 'as-path', segments: [] }, { type: 'local-pref', value: 250 }], Buffer.alloc(0)));
      const { announced } = flat(ibgp.out.exportAll());
      const learned = announced.get(route(1));
      assert.ok(learned);
      assert.deepEqual(find(learned, 'as-path'), { type: 'as-path', segments: [{ type: 2, asns: [65001] }] });
      assert.deepEqual(find(learned, 'local-pref'), { type: 'local-pref', value: 100 }, "the EBGP peer's LOCAL_PREF is not used");
      assert.deepEqual(find(learned, 'med'), { type: 'med', value: 3 }, 'MED from EBGP may go over IBGP');
      assert.deepEqual(learned.nextHop, Buffer.from([10, 9, 9, 9]));
      const local = announced.get(route(2));
      assert.ok(local);
      assert.deepEqual(find(local, 'as-path'), { type: 'as-path', segments: [] }, 'empty AS_PATH to internal peers');
      assert.deepEqual(find(local, 'local-pref'), { type: 'local-pref', value: 250 });
      assert.deepEqual(local.nextHop, SELF);
    });

    it('routes learned from an IBGP peer are not sent to another IBGP peer, but are to EBGP peers', () => {
      const w = world();
      const c = w.peer('10.0.0.3', LOCAL_AS);
      const d = w.peer('10.0.0.4', LOCAL_AS);
      const e = w.peer('10.0.0.2', 65002);
      c.in.set(route(1), w.attrs([], [65009]));
      assert.deepEqual(d.out.exportAll(), { announcements: [], withdrawals: [] });
      assert.equal(d.out.advertisedCount, 0);
      assert.deepEqual(flat(e.out.exportAll()).announced.has(route(1)), true);
      // the same NLRI now best from an EBGP peer: it goes to the IBGP peers
      const a = w.peer('10.0.0.1', 65001);
      a.in.set(route(1), w.attrs([], [65001]));
      const changed = w.locRib.takeChanges();
      assert.deepEqual([...flat(d.out.exportDiff(changed)).announced.keys()], [route(1)]);
      assert.deepEqual([...flat(c.out.exportDiff(changed)).announced.keys()], [route(1)]);
    });

    it('NO_EXPORT stays in the AS, NO_ADVERTISE goes nowhere (RFC 1997)', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      const c = w.peer('10.0.0.3', LOCAL_AS);
      a.in.set(route(1), w.attrs([{ type: 'communities', values: [0xffffff01] }], [65001]));
      a.in.set(route(2), w.attrs([{ type: 'communities', values: [0xfde80001, 0xffffff03] }], [65001]));
      a.in.set(route(3), w.attrs([{ type: 'communities', values: [0xffffff02] }], [65001]));
      a.in.set(route(4), w.attrs([{ type: 'communities', values: [0xfde80001] }], [65001]));
      assert.deepEqual([...flat(b.out.exportAll()).announced.keys()], [route(4)]);
      assert.deepEqual([...flat(c.out.exportAll()).announced.keys()], [route(1), route(2), route(4)]);
    });

    it('not to EBGP peers whose AS is in the AS_PATH: never back to the peer it came from, nor to others of its AS', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const a2 = w.peer('10.0.0.3', 65001);
      const b = w.peer('10.0.0.2', 65002);
      a.in.set(route(1), w.attrs([], [65001]));
      b.in.set(route(1), w.attrs([], [65002, 7, 8]));
      assert.equal(w.locRib.best(route(1))?.source, a.source);
      assert.deepEqual(a.out.exportAll(), { announcements: [], withdrawals: [] }, 'not even the second best');
      assert.deepEqual(a2.out.exportAll(), { announcements: [], withdrawals: [] }, 'another peer of AS 65001 would drop it');
      assert.deepEqual([...flat(b.out.exportAll()).announced.keys()], [route(1)]);
      w.locRib.takeChanges();
      // a withdraws: the best is now b's, which a gets and b loses
      a.in.withdraw(route(1));
      const changed = w.locRib.takeChanges();
      const toA = flat(a.out.exportDiff(changed));
      assert.deepEqual(find(toA.announced.get(route(1)) as AttributeSet, 'as-path'), { type: 'as-path', segments: [{ type: 2, asns: [LOCAL_AS, 65002, 7, 8] }] });
      assert.deepEqual(flat(b.out.exportDiff(changed)), { announced: new Map(), withdrawn: [route(1)] });
    });
  });

  describe('exports', () => {
    it('announcements are grouped by outgoing attribute set', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      const s1 = w.attrs([{ type: 'extended-communities', values: [rt(1)] }], [65001]);
      const s2 = w.attrs([{ type: 'extended-communities', values: [rt(2)] }], [65001]);
      for (const n of [1, 2, 3, 4, 5]) a.in.set(route(n), n % 2 === 1 ? s1 : s2);
      w.locRib.originate(route(6), w.attrs([{ type: 'extended-communities', values: [rt(1)] }]));
      const u = b.out.exportAll();
      assert.equal(u.announcements.length, 3);
      const byRt = (n: number) =>
        u.announcements.filter((x) => {
          const ec = find(x.attributes, 'extended-communities');
          return ec?.type === 'extended-communities' && ec.values[0].equals(rt(n));
        });
      assert.deepEqual(byRt(1).map((x) => x.nlri.sort()), [[route(1), route(3), route(5)].sort(), [route(6)]]);
      assert.deepEqual(byRt(2).map((x) => x.nlri.sort()), [[route(2), route(4)].sort()]);
      assert.equal(b.out.advertisedCount, 6);
    });

    it('incremental export follows the Loc-RIB changes', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      for (const n of [1, 2, 3]) a.in.set(route(n), w.attrs([], [65001]));
      assert.equal(flat(b.out.exportDiff(w.locRib.takeChanges())).announced.size, 3);
      a.in.withdraw(route(2));
      a.in.set(route(3), w.attrs([{ type: 'med', value: 1 }], [65001, 65005]));
      a.in.set(route(4), w.attrs([], [65001]));
      const u = flat(b.out.exportDiff(w.locRib.takeChanges()));
      assert.deepEqual(u.withdrawn, [route(2)]);
      assert.deepEqual([...u.announced.keys()].sort(), [route(3), route(4)].sort());
      assert.deepEqual(find(u.announced.get(route(3)) as AttributeSet, 'as-path'), { type: 'as-path', segments: [{ type: 2, asns: [LOCAL_AS, 65001, 65005] }] });
      assert.deepEqual(flat(b.out.exportDiff(w.locRib.takeChanges())), { announced: new Map(), withdrawn: [] }, 'nothing changed: nothing sent');
    });

    it('export soft reset after a policy change yields exactly the withdrawals and announcements due', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const only = (...targets: number[]) => new Policy({ name: 'out', terms: [{ name: 't', match: { routeTarget: targets.map((n) => `target:65000:${n}`) }, action: 'accept' }] });
      const b = w.peer('10.0.0.2', 65002, only(1, 2));
      for (let n = 1; n <= 9; n++) a.in.set(route(n), w.attrs([{ type: 'extended-communities', values: [rt(((n - 1) % 3) + 1)] }], [65001])); // targets 1,2,3,1,2,3,...
      const first = flat(b.out.exportAll());
      assert.deepEqual([...first.announced.keys()].sort(), [1, 2, 4, 5, 7, 8].map(route).sort());
      assert.deepEqual(first.withdrawn, []);

      b.out.setExportPolicy(only(2, 3));
      const second = flat(b.out.exportAll());
      assert.deepEqual(second.withdrawn, [1, 4, 7].map(route).sort());
      assert.deepEqual([...second.announced.keys()].sort(), [3, 6, 9].map(route).sort(), 'routes already advertised are not sent again');
      assert.equal(b.out.advertisedCount, 6);
      assert.deepEqual(b.out.exportAll(), { announcements: [], withdrawals: [] }, 'nothing more to send');

      b.out.setExportPolicy(undefined);
      assert.deepEqual([...flat(b.out.exportAll()).announced.keys()].sort(), [1, 4, 7].map(route).sort());
    });

    it('a full export withdraws what left the Loc-RIB unseen', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      a.in.set(route(1), w.attrs([], [65001]));
      a.in.set(route(2), w.attrs([], [65001]));
      b.out.exportAll();
      a.in.withdraw(route(1));
      assert.deepEqual(flat(b.out.exportAll()), { announced: new Map(), withdrawn: [route(1)] });
      assert.equal(b.out.get(route(1)), undefined);
    });

    it('changes deferred (the group is behind), the slot of a route that left given to another NLRI: the catch-up withdraws the old one', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      a.in.set(route(1), w.attrs([], [65001]));
      a.in.set(route(3), w.attrs([], [65001]));
      b.out.exportDiff(w.locRib.takeChanges());
      a.in.withdraw(route(1));
      const missed = w.locRib.takeChanges();
      b.out.defer(missed);
      assert.equal(b.out.advertisedCount, 1, 'route(1) is owed a withdrawal, no longer counted');
      assert.deepEqual(b.out.previewExport(undefined, false), { advertised: 0, withdrawn: 1 });
      a.in.set(route(2), w.attrs([], [65001]));
      const next = w.locRib.takeChanges();
      assert.deepEqual(next.slots, missed.slots, 'the slot was reused');
      b.out.defer(next);
      assert.deepEqual(flat(b.out.exportAll()), { announced: new Map([[route(2), b.out.get(route(2))]]), withdrawn: [route(1)] });
      assert.deepEqual(flat(b.out.exportAll()), { announced: new Map(), withdrawn: [] }, 'caught up: nothing more');
      assert.deepEqual([...b.out.entries()].map(([k]) => k).sort(), [route(2), route(3)].sort());
      assert.equal(b.out.advertisedCount, 2);
    });

    it('more attribute sets than one octet numbers (the numbers widen): every route keeps its own', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      const n = 300; // a set of its own per route (COMMUNITIES i)
      const community = (i: number): unknown => b.out.get(route(i))?.attributes.find((x) => x.type === 'communities');
      for (let i = 0; i < n; i++) a.in.set(route(i), w.attrs([{ type: 'communities', values: [i] }], [65001]));
      b.out.exportDiff(w.locRib.takeChanges());
      assert.equal(b.out.advertisedCount, n);
      for (let i = 0; i < n; i++) assert.deepEqual(community(i), { type: 'communities', values: [i] });
      for (let i = 0; i < n; i++) a.in.withdraw(route(i));
      assert.equal(flat(b.out.exportDiff(w.locRib.takeChanges())).withdrawn.length, n);
      assert.equal(b.out.advertisedCount, 0);
      a.in.set(route(1), w.attrs([], [65001]));
      b.out.exportDiff(w.locRib.takeChanges());
      assert.deepEqual([...b.out.entries()].map(([k]) => k), [route(1)], 'numbers of released sets are reused');
    });

    it('an export packed by the codec and decoded by the receiver gives the same routes and attribute set', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      const n = 700; // several UPDATEs' worth
      for (let i = 0; i < n; i++) a.in.set(route(i), w.attrs([{ type: 'extended-communities', values: [rt(1)] }, { type: 'med', value: 9 }], [65001, 4200000000]));
      const u = b.out.exportAll();
      assert.equal(u.announcements.length, 1);
      const { attributes, nlri } = u.announcements[0];
      const opts = { fourOctetAs: true };
      const messages = packUpdates(MVPN, attributes.attributes, attributes.nextHop, nlri.map(nlriBytes), opts);
      assert.ok(messages.length > 1 && messages.every((m) => m.length <= 4096));

      // the peer's side: the same attribute set, every NLRI once
      const receiver = new AttributeSets();
      const received: string[] = [];
      for (const m of messages) {
        const update = decodeMessage(m, opts);
        assert.equal(update.type, 'update');
        if (update.type !== 'update') continue;
        const set = receiver.intern(update.attributes, nextHopOf(update.attributes, MVPN));
        assert.equal(set.key, attributes.key);
        for (const attr of update.attributes) if (attr.type === 'mp-reach') received.push(...attr.nlri.map(nlriKey));
      }
      assert.deepEqual(received, nlri);

      a.in.withdraw(route(3));
      const gone = b.out.exportDiff(w.locRib.takeChanges()).withdrawals;
      const [withdrawal] = packWithdrawals(MVPN, gone.map(nlriBytes));
      const decoded = decodeMessage(withdrawal, opts);
      assert.ok(decoded.type === 'update');
      assert.deepEqual(decoded.attributes, [{ type: 'mp-unreach', afi: 1, safi: 5, withdrawn: [nlriBytes(route(3))] }]);
    });

    it('resendAll() answers a ROUTE-REFRESH with the whole Adj-RIB-Out and changes nothing', () => {
      const w = world();
      const a = w.peer('10.0.0.1', 65001);
      const b = w.peer('10.0.0.2', 65002);
      for (const n of [1, 2, 3]) a.in.set(route(n), w.attrs([], [65001]));
      const sent = flat(b.out.exportAll());
      a.in.withdraw(route(3)); // not exported yet: the peer still has it
      const again = flat(b.out.resendAll());
      assert.deepEqual(again, { announced: sent.announced, withdrawn: [] });
      assert.equal(b.out.advertisedCount, 3);
      b.out.clear();
      assert.deepEqual(b.out.resendAll(), { announcements: [], withdrawals: [] });
    });
  });
});
