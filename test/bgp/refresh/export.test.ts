// Outbound soft reset (issue 12, DESIGN.md section 1): the peer's whole
// Adj-RIB-Out re-advertised under the current export policy; with Enhanced
// Route Refresh inside BoRR ... EoRR (RFC 7313 section 4), without it the
// NLRI now rejected withdrawn explicitly. changes-only sends the difference
// alone; a dry run sends nothing and changes no RIB, and reports what the
// real run then does; a peer with a refresh of the same direction running is
// skipped. The engine over real loopback TCP; its peers bare sessions (src/bgp/
// session Peer) that record every message they receive, in order.
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig, OriginatedRoute } from '../../../src/bgp/engine';
import { PeerResult, RouteCounts } from '../../../src/bgp/refresh/operation';
import { encodeMessage } from '../../../src/bgp/wire/codec';
import { encodeMvpnNlri } from '../../../src/bgp/wire/mvpn';
import { UpdateMessage } from '../../../src/bgp/wire/types';
import { createLogger } from '../../../src/log';
import { operationResults, peerConfig, Receiver, receiver, until } from '../../helpers/engine';

const log = createLogger({}, () => undefined);
const MVPN = { afi: 1, safi: 5 };
const ENHANCED = '127.0.0.31';
const PLAIN = '127.0.0.32';
/** 4 Intra-AS I-PMSI A-D routes (type 1) and 6 Source Active A-D routes (type 5) */
const ROUTES: OriginatedRoute[] = [
  ...[1, 2, 3, 4].map((n): OriginatedRoute => ({ route: { routeType: 1, rd: `65000:${n}`, originatingRouter: '192.0.2.1' }, routeTargets: ['target:65000:1'] })),
  ...[5, 6, 7, 8, 9, 10].map((n): OriginatedRoute => ({ route: { routeType: 5, rd: `65000:${n}`, source: '10.0.0.1', group: '232.1.1.1' }, routeTargets: ['target:65000:1'] })),
];
const NO_TYPE_1 = { name: 'no-type-1', terms: [{ name: 't', match: { routeType: ['intra-as-i-pmsi-ad' as const] }, action: 'reject' as const }], defaultAction: 'accept' as const };
const counts = (o: Partial<RouteCounts>): RouteCounts => ({ advertised: 0, withdrawn: 0, accepted: 0, rejected: 0, ...o });

const rds = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `65000:${from + i}`);
const sorted = (xs: string[]): string[] => [...xs].sort();

describe('BGP engine: outbound soft reset', function () {
  this.timeout(30_000);
  const engine = new BgpEngine(log);
  let config: EngineConfig;
  let enhanced: Receiver;
  let plain: Receiver;

  before(async () => {
    config = {
      localAs: 65000,
      routerId: '192.0.2.1',
      listen: { address: '127.0.0.1', port: 0 },
      groups: [],
      peers: [peerConfig(ENHANCED, 65031), peerConfig(PLAIN, 65031)],
      policies: [NO_TYPE_1],
      originated: ROUTES,
      refresh: { quietPeriodMs: 300, borrWaitMs: 300, timeoutMs: 10_000 },
    };
    await engine.apply(config);
    const port = (): number => engine.listenAddress?.port ?? 0;
    enhanced = receiver(ENHANCED, 65031, port, true);
    plain = receiver(PLAIN, 65031, port, false);
    await until('sessions', () => engine.peers().every((p) => p.state === 'established'));
    await until('the initial advertisement', () => enhanced.seen.length === ROUTES.length && plain.seen.length === ROUTES.length);
  });
  after(async () => {
    enhanced.peer.stop();
    plain.peer.stop();
    await engine.stop();
  });

  async function exportRefresh(o: { changesOnly?: boolean; dryRun?: boolean } = {}): Promise<{ started: ReturnType<BgpEngine['refresh']>; peers: PeerResult[] }> {
    enhanced.seen.length = 0;
    plain.seen.length = 0;
    const started = engine.refresh({ family: MVPN, selector: { kind: 'all' }, direction: 'export', ...o });
    const { peers } = await operationResults(engine, started.operationId);
    await new Promise((r) => setTimeout(r, 200)); // what was written has arrived
    return { started, peers: [...peers].sort((a, b) => a.peerAddress.localeCompare(b.peerAddress)) };
  }

  it('with nothing changed re-advertises the whole Adj-RIB-Out: inside BoRR/EoRR with enhanced route refresh, plainly without', async () => {
    const { peers } = await exportRefresh();
    assert.deepEqual(
      peers.map((p) => [p.peerAddress, p.status, p.completion, p.routes, p.counts]),
      [
        [ENHANCED, 'completed', 'drained', 10, counts({ advertised: 10 })],
        [PLAIN, 'completed', 'drained', 10, counts({ advertised: 10 })],
      ],
    );
    assert.deepEqual(enhanced.seen, ['borr', ...enhanced.seen.slice(1, -1), 'eorr']);
    assert.deepEqual(sorted(enhanced.seen.slice(1, -1)), sorted(rds(1, 10).map((r) => `+${r}`)));
    assert.deepEqual(sorted(plain.seen), sorted(rds(1, 10).map((r) => `+${r}`)));
  });

  it('changes-only with nothing changed sends nothing', async () => {
    const { peers } = await exportRefresh({ changesOnly: true });
    assert.deepEqual(peers.map((p) => [p.status, p.completion, p.routes]), [['completed', 'drained', 0], ['completed', 'drained', 0]]);
    assert.deepEqual([enhanced.seen, plain.seen], [[], []]);
  });

  it('a dry run after an export policy change reports what the real run then sends, and sends nothing', async () => {
    await engine.apply((config = { ...config, peers: config.peers.map((p) => ({ ...p, mvpn: { ...p.mvpn, exportPolicy: 'no-type-1' } })) }));
    const lastExport = engine.peers().map((p) => p.lastCompleted.export);
    const dry = await exportRefresh({ dryRun: true });
    const expected = counts({ advertised: 6, withdrawn: 4 });
    assert.deepEqual(dry.started.selected, [{ address: ENHANCED, counts: expected }, { address: PLAIN, counts: expected }]);
    assert.deepEqual(dry.peers.map((p) => [p.status, p.dryRun, p.completion, p.routes, p.counts]), [['completed', true, undefined, 10, expected], ['completed', true, undefined, 10, expected]]);
    assert.deepEqual([enhanced.seen, plain.seen], [[], []], 'nothing on the wire');
    assert.deepEqual(engine.peers().map((p) => p.mvpn?.advertised), [10, 10], 'the Adj-RIBs-Out unchanged');
    assert.deepEqual(engine.peers().map((p) => p.lastCompleted.export), lastExport, 'a dry run is no refresh');

    // the real run: the rejected type 1 routes withdrawn (explicitly, and inside the refresh with enhanced route refresh), the rest re-sent
    const real = await exportRefresh();
    assert.deepEqual(real.peers.map((p) => [p.dryRun, p.routes, p.counts]), [[undefined, 10, expected], [undefined, 10, expected]]);
    const withdrawn = rds(1, 4).map((r) => `-${r}`);
    const announced = rds(5, 10).map((r) => `+${r}`);
    assert.deepEqual(enhanced.seen, ['borr', ...withdrawn, ...announced, 'eorr']);
    assert.deepEqual(plain.seen, [...withdrawn, ...announced]);
    assert.deepEqual(engine.peers().map((p) => p.mvpn?.advertised), [6, 6]);
  });

  it('a dry run of an import skips a peer without keep-all-routes, saying why; an import while one runs skips the peer with the operation that runs', async () => {
    const dry = engine.refresh({ family: MVPN, selector: { kind: 'address', address: PLAIN }, direction: 'import', dryRun: true });
    assert.deepEqual(dry.skipped, [{ address: PLAIN, reason: 'a dry run of an import needs keep-all-routes (the routes as received, before import policy)' }]);
    // PLAIN has route refresh without its enhanced form and sends nothing: the import runs for the quiet period
    const first = engine.refresh({ family: MVPN, selector: { kind: 'address', address: PLAIN }, direction: 'import' });
    assert.deepEqual(first.selected, [{ address: PLAIN }]);
    const second = engine.refresh({ family: MVPN, selector: { kind: 'all' }, direction: 'import' });
    assert.deepEqual(second.selected, [{ address: ENHANCED }]);
    assert.deepEqual(second.skipped, [{ address: PLAIN, reason: `refresh already running (operation ${first.operationId})` }]);
    // the other direction is no overlap
    const exported = engine.refresh({ family: MVPN, selector: { kind: 'address', address: PLAIN }, direction: 'export', changesOnly: true });
    assert.deepEqual(exported.selected, [{ address: PLAIN }]);
    await Promise.all([first, second, exported].map((s) => operationResults(engine, s.operationId)));
  });

  it('a running import shows the routes received so far', async () => {
    const started = engine.refresh({ family: MVPN, selector: { kind: 'address', address: PLAIN }, direction: 'import' });
    await until('the ROUTE-REFRESH', () => plain.seen.includes('request'));
    const update: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attributes: [
        { type: 'mp-reach', afi: 1, safi: 5, nextHop: Buffer.from([192, 0, 2, 32]), nlri: [1, 2, 3].map((n) => encodeMvpnNlri({ routeType: 1, rd: `65031:${n}`, originatingRouter: '192.0.2.32' })) },
        { type: 'origin', value: 0 },
        { type: 'as-path', segments: [{ type: 2, asns: [65031] }] },
      ],
      nlri: [],
    };
    plain.peer.send(encodeMessage(update, { fourOctetAs: true }));
    await until('three routes counted', () => engine.running().find((o) => o.operationId === started.operationId)?.pending[0]?.routes === 3);
    const { peers } = await operationResults(engine, started.operationId);
    assert.deepEqual(peers.map((p) => [p.completion, p.routes]), [['quiet-period', 3]]);
  });
});
