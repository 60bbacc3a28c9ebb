// The BGP engine against BIRD 2.0 and FRR 8.4 (issue 3 "Interop",
// INTEROP.md "BGP peers"): both offer enhanced route refresh (RFC 7313),
// and the session negotiates it. BIRD answers our ROUTE-REFRESH with BoRR,
// its routes and EoRR (about 3 s later, at its next idle poll), so an import
// soft reset completes at EoRR. FRR answers a ROUTE-REFRESH only once it
// has sent its End-of-RIB, which it sends only to a peer that advertised
// graceful restart (RFC 4724); the engine does not, so FRR never answers
// it and only the session is checked there. The daemons connect to the
// engine, which listens first.
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig, PeerConfig } from '../../src/bgp/engine';
import { IPV4_UNICAST } from '../../src/bgp/wire/types';
import { createLogger } from '../../src/log';
import { Bird, startBird } from '../helpers/peers/bird';
import { freePort, waitUntil } from '../helpers/peers/common';
import { Frr, FRR_BGPD, startFrr } from '../helpers/peers/frr';
import { requireTool } from '../helpers/interop';
import { operationResults } from '../helpers/engine';

const log = createLogger({}, () => undefined);

const peerConfig = (address: string, remoteAs: number): PeerConfig => ({
  address,
  remoteAs,
  remotePort: 179,
  passive: true,
  holdTime: 90,
  connectRetryTime: 1,
  routeRefresh: true,
  enhancedRouteRefresh: true,
  mvpn: { enabled: false, keepAllRoutes: false },
  unicast: { enabled: true, keepAllRoutes: false },
});
const engineConfig = (address: string, peer: PeerConfig): EngineConfig => ({
  localAs: 65000,
  routerId: '192.0.2.51',
  listen: { address, port: 0 },
  groups: [],
  peers: [peer],
  policies: [],
  originated: [],
  refresh: { quietPeriodMs: 500, timeoutMs: 15_000 },
});


describe('BGP engine interop: BIRD 2.0', function () {
  this.timeout(40_000);
  const ENGINE = '127.0.0.51';
  const BIRD = { address: '127.0.0.52', as: 65052 };
  const ROUTES = [
    { prefix: '198.51.100.0/24', nextHop: '192.0.2.52' },
    { prefix: '198.51.101.0/24', nextHop: '192.0.2.52' },
  ];
  const engine = new BgpEngine(log);
  let bird: Bird | undefined;
  const status = () => engine.peers().find((p) => p.address === BIRD.address);

  before(async function () {
    requireTool(this, 'bird', 'the BIRD peer');
    requireTool(this, 'birdc', 'the BIRD peer');
    await engine.apply(engineConfig(ENGINE, peerConfig(BIRD.address, BIRD.as)));
    bird = await startBird({
      routerId: BIRD.address,
      as: BIRD.as,
      listen: { address: BIRD.address, port: await freePort(BIRD.address) },
      neighbors: [{ address: ENGINE, port: engine.listenAddress?.port ?? 0, as: 65000 }],
      routes: ROUTES,
    });
    await waitUntil('the session with BIRD', () => (status()?.state === 'established' ? true : undefined), 15_000);
  });

  after(async () => {
    await bird?.stop();
    await engine.stop();
  });

  it("comes up with enhanced route refresh negotiated, and learns BIRD's routes", async () => {
    const neg = status()?.negotiated;
    assert.deepEqual([neg?.families, neg?.routeRefresh, neg?.enhancedRouteRefresh, neg?.peerAs], [[IPV4_UNICAST], true, true, BIRD.as]);
    const b = bird as Bird;
    assert.equal((await b.protocols()).find((p) => p.name === b.protocolOf(ENGINE))?.info, 'Established');
    await waitUntil("BIRD's routes", () => (status()?.unicast?.accepted === ROUTES.length ? true : undefined), 10_000);
  });

  it('import refresh: ROUTE-REFRESH, BIRD re-sends inside BoRR/EoRR, completion at EoRR', async () => {
    const started = engine.refresh({ family: IPV4_UNICAST, selector: { kind: 'all' }, direction: 'import' });
    assert.deepEqual([started.selected, started.skipped], [[{ address: BIRD.address }], []]);
    const { peers, summary } = await operationResults(engine, started.operationId);
    assert.deepEqual(peers.map((p) => [p.status, p.completion, p.routes]), [['completed', 'eorr', ROUTES.length]]);
    assert.deepEqual([summary.completed, summary.failed], [1, 0]);
    assert.deepEqual([status()?.unicast?.accepted, status()?.state], [ROUTES.length, 'established'], 'routes re-sent before EoRR are not purged');
  });
});

describe('BGP engine interop: FRR 8.4', function () {
  this.timeout(40_000);
  const ENGINE = '127.0.0.54';
  const FRR = { address: '127.0.0.53', as: 65053 };
  const engine = new BgpEngine(log);
  let frr: Frr | undefined;
  const status = () => engine.peers().find((p) => p.address === FRR.address);

  before(async function () {
    requireTool(this, FRR_BGPD, 'the FRR peer');
    requireTool(this, 'vtysh', 'the FRR peer');
    await engine.apply(engineConfig(ENGINE, peerConfig(FRR.address, FRR.as)));
    frr = await startFrr({
      routerId: FRR.address,
      as: FRR.as,
      listen: { address: FRR.address, port: await freePort(FRR.address) },
      neighbors: [{ address: ENGINE, port: engine.listenAddress?.port ?? 0, as: 65000 }],
      routes: [{ prefix: '203.0.113.0/24', nextHop: '192.0.2.53' }],
    });
    await waitUntil('the session with FRR', () => (status()?.state === 'established' ? true : undefined), 15_000);
  });

  after(async () => {
    await frr?.stop();
    await engine.stop();
  });

  it("comes up with enhanced route refresh negotiated on both sides, and learns FRR's route", async () => {
    const neg = status()?.negotiated;
    assert.deepEqual([neg?.families, neg?.routeRefresh, neg?.enhancedRouteRefresh, neg?.peerAs], [[IPV4_UNICAST], true, true, FRR.as]);
    const n = await (frr as Frr).neighbor(ENGINE);
    assert.equal(n.bgpState, 'Established');
    const caps = n.neighborCapabilities as Record<string, unknown> | undefined;
    assert.deepEqual([caps?.routeRefresh, caps?.enhancedRouteRefresh], ['advertisedAndReceivedNew', 'advertisedAndReceived']);
    // FRR offers graceful restart and the engine does not: why FRR leaves our ROUTE-REFRESH unanswered
    assert.equal(caps?.gracefulRestartCapability, 'advertised');
    // FRR waits 3 to 5 s after the session comes up before its first UPDATE
    await waitUntil("FRR's route", () => (status()?.unicast?.accepted === 1 ? true : undefined), 10_000);
  });
});
