// The BGP engine against ExaBGP 4.2 (issue 3 "Interop", INTEROP.md "BGP
// peers"): sessions, ipv4-unicast routes both ways, ExaBGP's ROUTE-REFRESH
// answered inside BoRR/EoRR, our import refresh, and an MVPN refresh that
// skips a peer which did not negotiate MVPN. ExaBGP connects out (it
// retries with a growing back-off, so the engine listens first). Two
// ExaBGP speakers: a route the engine learns from one is advertised to the
// other; A negotiates enhanced route refresh, B route refresh only (the
// engine does not offer enhanced to B), because ExaBGP 4.2.21 answers a
// ROUTE-REFRESH only without enhanced route refresh (see the last test).
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig } from '../../src/bgp/engine';
import { IPV4_MVPN, IPV4_UNICAST } from '../../src/bgp/wire/types';
import { createLogger } from '../../src/log';
import { waitUntil } from '../helpers/peers/common';
import { Exabgp, exabgpAnnounced, ExabgpEvent, startExabgp } from '../helpers/peers/exabgp';
import { requireTool } from '../helpers/interop';
import { operationResults, unicastPeerConfig, updateGroupOf } from '../helpers/engine';

const log = createLogger({}, () => undefined);

const ENGINE = '127.0.0.31';
const EXA_A = { address: '127.0.0.32', as: 65032, routes: [{ prefix: '198.51.100.0/25', nextHop: '192.0.2.32' }, { prefix: '198.51.100.128/25', nextHop: '192.0.2.32' }] };
const EXA_B = { address: '127.0.0.33', as: 65033, routes: [{ prefix: '203.0.113.0/24', nextHop: '192.0.2.33' }] };

const family = (enabled: boolean) => ({ enabled, keepAllRoutes: false });
const engineConfig: EngineConfig = {
  localAs: 65000,
  routerId: '192.0.2.31',
  listen: { address: ENGINE, port: 0 },
  groups: [],
  // A has MVPN enabled as well: ExaBGP offers ipv4 unicast only, so MVPN is not negotiated
  peers: [unicastPeerConfig(EXA_A.address, EXA_A.as, { mvpn: family(true) }), unicastPeerConfig(EXA_B.address, EXA_B.as, { enhancedRouteRefresh: false })],
  policies: [],
  originated: [],
  refresh: { quietPeriodMs: 500, timeoutMs: 15_000 },
};

const since = (mark: number, pred: (e: ExabgpEvent) => boolean) => (e: ExabgpEvent, i: number) => i >= mark && pred(e);
const isRefresh = (direction: 'send' | 'receive', subtype: string) => (e: ExabgpEvent) =>
  e.type === 'refresh' && e.neighbor?.direction === direction && e.neighbor['route-refresh']?.subtype === subtype;
const isUpdate = (direction: 'send' | 'receive', prefix: string) => (e: ExabgpEvent) =>
  e.type === 'update' && e.neighbor?.direction === direction && exabgpAnnounced(e).some((a) => a.prefix === prefix);

/** The index of the first event from `mark` on that matches (waiting for it). */
async function indexOf(exa: Exabgp, mark: number, pred: (e: ExabgpEvent) => boolean, ms = 10_000): Promise<number> {
  const e = await exa.waitFor(since(mark, pred), ms);
  return exa.events().indexOf(e, mark);
}


describe('BGP engine interop: ExaBGP 4.2', function () {
  this.timeout(45_000);
  const engine = new BgpEngine(log);
  let exaA: Exabgp | undefined;
  let exaB: Exabgp | undefined;
  const status = (address: string) => engine.peers().find((p) => p.address === address);
  const a = (): Exabgp => exaA as Exabgp;

  before(async function () {
    requireTool(this, 'exabgp', 'the ExaBGP peer');
    await engine.apply(engineConfig);
    const port = engine.listenAddress?.port ?? 0;
    const start = (x: typeof EXA_A): Promise<Exabgp> =>
      startExabgp({ routerId: x.address, localAddress: x.address, localAs: x.as, peers: [{ address: ENGINE, port, remoteAs: 65000, routeRefresh: true }], routes: x.routes });
    [exaA, exaB] = await Promise.all([start(EXA_A), start(EXA_B)]);
    await waitUntil('both sessions established', () => (engine.peers().every((p) => p.state === 'established') ? true : undefined), 15_000);
  });

  after(async () => {
    await exaA?.stop();
    await exaB?.stop();
    await engine.stop();
  });

  it('comes up: ipv4-unicast negotiated, MVPN offered but not taken, route refresh and enhanced route refresh', async () => {
    const neg = status(EXA_A.address)?.negotiated;
    assert.deepEqual(neg?.families, [IPV4_UNICAST]);
    assert.deepEqual([neg?.routeRefresh, neg?.enhancedRouteRefresh, neg?.peerAs], [true, true, EXA_A.as]);
    assert.equal(status(EXA_A.address)?.mvpn, undefined, 'no MVPN RIBs for a peer that did not negotiate MVPN');
    // what ExaBGP saw of our OPEN
    const open = await a().waitFor((e) => e.type === 'open' && e.neighbor?.direction === 'receive', 5_000);
    assert.equal(open.neighbor?.open?.asn, 65000);
    assert.equal(open.neighbor?.open?.router_id, '192.0.2.31');
    const caps = Object.values(open.neighbor?.open?.capabilities ?? {});
    const families = caps.filter((c) => c.name === 'multiprotocol').flatMap((c) => c.families as string[]);
    // ExaBGP 4.2 has no name for SAFI 5 (RFC 6514) but shows it offered
    assert.deepEqual(families.sort(), ['ipv4/unicast', 'ipv4/unknown safi 5']);
    assert.ok(caps.some((c) => c.name === 'enhanced-route-refresh'), JSON.stringify(caps));
    const negotiated = await a().waitFor((e) => e.type === 'negotiated', 5_000);
    assert.equal(negotiated.neighbor?.negotiated?.refresh, 'enhanced');
  });

  it("learns ExaBGP's static routes into its Adj-RIB-In", async () => {
    await waitUntil('the routes of both ExaBGP speakers', () => (status(EXA_A.address)?.unicast?.accepted === 2 && status(EXA_B.address)?.unicast?.accepted === 1 ? true : undefined), 10_000);
    assert.deepEqual(status(EXA_A.address)?.unicast, { received: 2, accepted: 2, advertised: 1, keepAllRoutesPending: false, updateGroup: updateGroupOf(engine, EXA_A.address, IPV4_UNICAST) });
  });

  it('advertises a route learned from one ExaBGP speaker to the other: AS_PATH prepended, NEXT_HOP self', async () => {
    const update = await a().waitFor(isUpdate('receive', '203.0.113.0/24'), 10_000);
    assert.deepEqual(exabgpAnnounced(update), [{ family: 'ipv4 unicast', nextHop: ENGINE, prefix: '203.0.113.0/24' }]);
    assert.deepEqual(update.neighbor?.message?.update?.attribute?.['as-path'], [65000, EXA_B.as]);
    const atB = await (exaB as Exabgp).waitFor(isUpdate('receive', '198.51.100.128/25'), 10_000);
    assert.deepEqual(atB.neighbor?.message?.update?.attribute?.['as-path'], [65000, EXA_A.as]);
  });

  it("answers ExaBGP's ROUTE-REFRESH by re-sending its Adj-RIB-Out inside BoRR/EoRR", async () => {
    const mark = a().events().length;
    await a().command(`neighbor ${ENGINE} announce route-refresh ipv4 unicast`);
    const index = (pred: (e: ExabgpEvent) => boolean): Promise<number> => indexOf(a(), mark, pred);
    const query = await index(isRefresh('send', 'query'));
    const begin = await index(isRefresh('receive', 'begin'));
    const update = await index(isUpdate('receive', '203.0.113.0/24'));
    const end = await index(isRefresh('receive', 'end'));
    assert.ok(query < begin && begin < update && update < end, `query ${query}, BoRR ${begin}, UPDATE ${update}, EoRR ${end}`);
  });

  it('skips an MVPN-enabled peer that did not negotiate ipv4-mvpn, with the reason; the session stays up', async () => {
    const mark = a().events().length;
    for (const direction of ['import', 'export'] as const) {
      const started = engine.refresh({ family: IPV4_MVPN, selector: { kind: 'address', address: EXA_A.address }, direction });
      assert.deepEqual(started.selected, []);
      assert.deepEqual(started.skipped, [{ address: EXA_A.address, reason: 'peer did not negotiate ipv4-mvpn' }]);
      const { peers, summary } = await operationResults(engine, started.operationId);
      assert.deepEqual(
        peers.map((p) => [p.peerAddress, p.status, p.reason]),
        [[EXA_A.address, 'skipped', 'peer did not negotiate ipv4-mvpn']],
      );
      assert.deepEqual([summary.selected, summary.skipped], [0, 1]);
    }
    // nothing reached ExaBGP: no message, no state change
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(status(EXA_A.address)?.state, 'established');
    assert.deepEqual(a().events().slice(mark), []);
  });

  it('import refresh without enhanced route refresh: ExaBGP re-sends, no BoRR/EoRR, completion after the quiet period', async () => {
    const b = exaB as Exabgp;
    assert.deepEqual([status(EXA_B.address)?.negotiated?.routeRefresh, status(EXA_B.address)?.negotiated?.enhancedRouteRefresh], [true, false]);
    const mark = b.events().length;
    const started = engine.refresh({ family: IPV4_UNICAST, selector: { kind: 'address', address: EXA_B.address }, direction: 'import' });
    assert.deepEqual([started.selected, started.skipped], [[{ address: EXA_B.address }], []]);
    const { peers } = await operationResults(engine, started.operationId);
    assert.deepEqual(peers.map((p) => [p.status, p.completion, p.routes]), [['completed', 'quiet-period', 1]]);
    const query = await b.waitFor(since(mark, isRefresh('receive', 'query')), 5_000);
    assert.deepEqual(query.neighbor?.['route-refresh'], { afi: 'ipv4', safi: 'unicast', subtype: 'query' });
    await b.waitFor(since(mark, isUpdate('send', '203.0.113.0/24')), 5_000);
    assert.deepEqual(b.events().slice(mark).filter((e) => e.type === 'refresh').map((e) => [e.neighbor?.direction, e.neighbor?.['route-refresh']?.subtype]), [['receive', 'query']]);
    assert.deepEqual(status(EXA_B.address)?.unicast, { received: 1, accepted: 1, advertised: 2, keepAllRoutesPending: false, updateGroup: updateGroupOf(engine, EXA_B.address, IPV4_UNICAST) });
    assert.equal(status(EXA_B.address)?.state, 'established');
  });

  // ExaBGP 4.2.21 (Debian 12) cannot answer a ROUTE-REFRESH once enhanced
  // route refresh is negotiated: rib/outgoing.py wraps its BoRR in an Update
  // and protocol.py's new_update() then fails with "TypeError: 'RouteRefresh'
  // object is not iterable"; it resets the session without a NOTIFICATION
  // (upstream Exa-Networks/exabgp#1237). With it, the engine must end the
  // peer's refresh as failed with the reason; with a fixed ExaBGP, the
  // routes come again inside BoRR/EoRR and completion is at EoRR.
  it('import refresh with enhanced route refresh: ROUTE-REFRESH sent; ExaBGP re-sends inside BoRR/EoRR (completion at EoRR), or, as 4.2.21 does, drops the session (refresh failed)', async () => {
    const mark = a().events().length;
    const started = engine.refresh({ family: IPV4_UNICAST, selector: { kind: 'address', address: EXA_A.address }, direction: 'import' });
    assert.deepEqual([started.selected, started.skipped], [[{ address: EXA_A.address }], []]);
    const { peers, summary } = await operationResults(engine, started.operationId);
    const query = await a().waitFor(since(mark, isRefresh('receive', 'query')), 5_000);
    assert.deepEqual(query.neighbor?.['route-refresh'], { afi: 'ipv4', safi: 'unicast', subtype: 'query' }, 'ExaBGP read our ROUTE-REFRESH');
    if (peers[0].status === 'failed') {
      const down = await a().waitFor(since(mark, (e) => e.type === 'state' && e.neighbor?.state === 'down'), 5_000);
      assert.match(down.neighbor?.reason ?? '', /peer reset/, 'ExaBGP itself dropped the session');
      assert.match(peers[0].reason ?? '', /^session went down: /);
      assert.deepEqual([summary.selected, summary.completed, summary.failed], [1, 0, 1]);
      // ExaBGP sent no NOTIFICATION: nothing we sent was at fault
      assert.deepEqual(a().events().slice(mark).filter((e) => e.type === 'notification'), []);
      await waitUntil('the session with ExaBGP again', () => (status(EXA_A.address)?.state === 'established' ? true : undefined), 15_000);
      return;
    }
    assert.deepEqual([peers[0].status, peers[0].completion, peers[0].routes], ['completed', 'eorr', 2]);
    const index = (pred: (e: ExabgpEvent) => boolean): Promise<number> => indexOf(a(), mark, pred);
    const begin = await index(isRefresh('send', 'begin'));
    const update = await index(isUpdate('send', '198.51.100.0/25'));
    const end = await index(isRefresh('send', 'end'));
    assert.ok(begin < update && update < end, `BoRR ${begin}, UPDATE ${update}, EoRR ${end}`);
    assert.deepEqual(status(EXA_A.address)?.unicast, { received: 2, accepted: 2, advertised: 1, keepAllRoutesPending: false, updateGroup: updateGroupOf(engine, EXA_A.address, IPV4_UNICAST) }, 'the re-sent routes replace the stale ones');
  });
});
