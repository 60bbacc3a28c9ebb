// Self-test of the real-peer harness (test/helpers/peers/): the real
// daemons peer with each other on loopback, which also records how each one
// behaves (INTEROP.md "BGP peers"): ExaBGP <-> GoBGP with a tshark capture,
// ExaBGP <-> BIRD and ExaBGP <-> FRR with enhanced route refresh.
import assert from 'node:assert/strict';
import { requireTool } from '../helpers/interop';
import { Bird, startBird } from '../helpers/peers/bird';
import { freePort, waitUntil } from '../helpers/peers/common';
import { Exabgp, exabgpAnnounced, ExabgpEvent, startExabgp } from '../helpers/peers/exabgp';
import { Frr, FRR_BGPD, startFrr } from '../helpers/peers/frr';
import { Gobgp, startGobgp } from '../helpers/peers/gobgp';
import { Capture, startCapture } from '../helpers/peers/tshark';

const isOpenFrom = (peer: string) => (e: ExabgpEvent) => e.type === 'open' && e.neighbor?.direction === 'receive' && e.neighbor.address.peer === peer;
const isRefresh = (direction: 'send' | 'receive', subtype: string) => (e: ExabgpEvent) =>
  e.type === 'refresh' && e.neighbor?.direction === direction && e.neighbor['route-refresh']?.subtype === subtype;
const announces = (prefix: string, nextHop: string) => (e: ExabgpEvent) =>
  e.type === 'update' && e.neighbor?.direction === 'receive' && exabgpAnnounced(e).some((a) => a.prefix === prefix && a.nextHop === nextHop);
const capabilityNames = (e: ExabgpEvent): string[] => Object.values(e.neighbor?.open?.capabilities ?? {}).map((c) => c.name);
const since = (mark: number, pred: (e: ExabgpEvent) => boolean) => (e: ExabgpEvent, i: number) => i >= mark && pred(e);

/** Asks `exa` for a route refresh from `peer` and returns the index of each of BoRR, the route's UPDATE and EoRR. */
async function refreshInsideBorrEorr(exa: Exabgp, peer: string, prefix: string, nextHop: string): Promise<number[]> {
  const mark = exa.events().length;
  await exa.command(`neighbor ${peer} announce route-refresh ipv4 unicast`);
  const indexOf = async (pred: (e: ExabgpEvent) => boolean): Promise<number> => {
    const e = await exa.waitFor(since(mark, pred), 10_000);
    return exa.events().indexOf(e, mark);
  };
  return [await indexOf(isRefresh('receive', 'begin')), await indexOf(announces(prefix, nextHop)), await indexOf(isRefresh('receive', 'end'))];
}

describe('BGP peer harness: ExaBGP <-> GoBGP, captured by tshark', function () {
  this.timeout(30_000);
  const exaAddress = '127.0.0.21';
  const gobgpAddress = '127.0.0.22';
  let gobgp: Gobgp | undefined;
  let exa: Exabgp | undefined;
  let capture: Capture | undefined;
  let captureError: unknown;

  before(async function () {
    requireTool(this, 'gobgpd', 'the GoBGP peer');
    requireTool(this, 'exabgp', 'the ExaBGP peer');
    const port = await freePort(gobgpAddress);
    try {
      capture = await startCapture({ ports: [port] });
    } catch (e) {
      captureError = e; // the capture test reports it (or skips without tshark)
    }
    gobgp = await startGobgp({
      routerId: '10.0.0.22',
      as: 65022,
      port,
      listenAddress: gobgpAddress,
      apiPort: await freePort(),
      neighbors: [{ address: exaAddress, peerAs: 65021, passive: true, localAddress: gobgpAddress }],
      routes: [{ prefix: '10.22.0.0/24', nextHop: '192.0.2.22' }],
    });
    exa = await startExabgp({
      routerId: '10.0.0.21',
      localAddress: exaAddress,
      localAs: 65021,
      peers: [{ address: gobgpAddress, port, remoteAs: 65022, routeRefresh: true }],
      routes: [{ prefix: '10.21.0.0/24', nextHop: '192.0.2.21' }],
    });
  });

  after(async () => {
    await exa?.stop();
    await gobgp?.stop();
    await capture?.stop();
  });

  it('comes up, and GoBGP holds the route ExaBGP announced in its Adj-RIB-In', async () => {
    const g = gobgp!;
    await waitUntil('GoBGP session with ExaBGP established', async () => ((await g.neighbor(exaAddress)).state === 'established' ? true : undefined), 10_000);
    const path = await waitUntil('10.21.0.0/24 in adj-in', async () => (await g.adjIn(exaAddress)).find((p) => p.prefix === '10.21.0.0/24'), 10_000);
    assert.deepEqual({ nextHop: path.nextHop, asPath: path.asPath }, { nextHop: '192.0.2.21', asPath: [65021] });
    // ExaBGP offers route refresh and enhanced route refresh; GoBGP only route refresh.
    const n = await g.neighbor(exaAddress);
    assert.ok(n.remoteCapabilities.includes('EnhancedRouteRefreshCapability'), n.remoteCapabilities.join());
    assert.ok(n.localCapabilities.includes('RouteRefreshCapability'), n.localCapabilities.join());
    assert.ok(!n.localCapabilities.includes('EnhancedRouteRefreshCapability'), n.localCapabilities.join());
    assert.deepEqual((await g.adjOut(exaAddress)).map((p) => p.prefix), ['10.22.0.0/24']);
  });

  it("shows GoBGP's OPEN (route refresh, not enhanced) and UPDATE in ExaBGP's JSON events", async () => {
    const x = exa!;
    const open = await x.waitFor(isOpenFrom(gobgpAddress), 10_000);
    assert.equal(open.neighbor?.open?.asn, 65022);
    assert.equal(open.neighbor?.open?.router_id, '10.0.0.22');
    const caps = capabilityNames(open);
    assert.ok(caps.includes('route-refresh'), caps.join());
    assert.ok(!caps.includes('enhanced-route-refresh'), caps.join());
    const negotiated = await x.waitFor((e) => e.type === 'negotiated', 10_000);
    assert.equal(negotiated.neighbor?.negotiated?.refresh, 'normal');
    await x.waitFor(announces('10.22.0.0/24', '192.0.2.22'), 10_000);
  });

  it('announces a route through command(), and rejects a command ExaBGP refuses', async () => {
    await exa!.command('announce route 10.21.1.0/24 next-hop 192.0.2.21');
    await waitUntil('10.21.1.0/24 in adj-in', async () => (await gobgp!.adjIn(exaAddress)).find((p) => p.prefix === '10.21.1.0/24'), 10_000);
    await assert.rejects(exa!.command('neighbor 127.0.0.99 announce route-refresh ipv4 unicast'), /answered "error"/);
  });

  it('sends a ROUTE-REFRESH from ExaBGP, which GoBGP answers by re-sending without BoRR/EoRR', async () => {
    const x = exa!;
    const refreshesBefore = (await gobgp!.neighbor(exaAddress)).received.refresh ?? 0;
    const mark = x.events().length;
    await x.command(`neighbor ${gobgpAddress} announce route-refresh ipv4 unicast`);
    await x.waitFor(since(mark, isRefresh('send', 'query')), 5_000);
    await x.waitFor(since(mark, announces('10.22.0.0/24', '192.0.2.22')), 10_000);
    assert.equal((await gobgp!.neighbor(exaAddress)).received.refresh, refreshesBefore + 1);
    assert.deepEqual(x.events().filter((e) => e.type === 'refresh' && e.neighbor?.direction === 'receive'), []);
  });

  it('re-sends on GoBGP softresetout; its softresetin sends nothing to the peer', async () => {
    const x = exa!;
    const mark = x.events().length;
    await gobgp!.softResetIn(exaAddress);
    await gobgp!.softResetOut(exaAddress);
    // One TCP stream: anything softresetin sent would arrive before this UPDATE.
    const resent = await x.waitFor(since(mark, announces('10.22.0.0/24', '192.0.2.22')), 10_000);
    const between = x.events().slice(mark, x.events().indexOf(resent));
    assert.deepEqual(between.filter((e) => e.neighbor?.direction === 'receive'), []);
  });

  it("is captured by tshark: OPEN, UPDATE, KEEPALIVE both ways and ExaBGP's ROUTE-REFRESH request", async function () {
    requireTool(this, 'tshark', 'the capture');
    if (!capture) throw captureError;
    const messages = await capture.messages();
    const typesFrom = (src: string): number[] => [...new Set(messages.filter((m) => m.src === src).map((m) => m.type))].sort();
    assert.deepEqual(typesFrom(exaAddress), [1, 2, 4, 5]);
    assert.deepEqual(typesFrom(gobgpAddress), [1, 2, 4]);
    assert.deepEqual(messages.filter((m) => m.type === 5).map((m) => [m.src, m.refreshSubtype]), [[exaAddress, 0]]);
    // The first message each way is the OPEN (RFC 4271 section 8.2.2).
    assert.equal(messages.find((m) => m.src === exaAddress)?.type, 1);
    assert.equal(messages.find((m) => m.src === gobgpAddress)?.type, 1);
    const packets = (await capture.decode(['bgp.type'])) as { _source: { layers: { 'bgp.type'?: string[] } } }[];
    assert.equal(packets.flatMap((p) => p._source.layers['bgp.type'] ?? []).length, messages.length);
  });
});

describe('BGP peer harness: ExaBGP <-> BIRD, enhanced route refresh', function () {
  this.timeout(30_000);
  const exaAddress = '127.0.0.23';
  const birdAddress = '127.0.0.24';
  let bird: Bird | undefined;
  let exa: Exabgp | undefined;

  before(async function () {
    requireTool(this, 'bird', 'the BIRD peer');
    requireTool(this, 'birdc', 'the BIRD peer');
    requireTool(this, 'exabgp', 'the ExaBGP peer');
    // This time ExaBGP listens and BIRD connects.
    const exaPort = await freePort(exaAddress);
    exa = await startExabgp({
      routerId: '10.0.0.23',
      localAddress: exaAddress,
      localAs: 65023,
      listenPort: exaPort,
      peers: [{ address: birdAddress, remoteAs: 65024, routeRefresh: true, passive: true }],
      routes: [{ prefix: '10.23.0.0/24', nextHop: '192.0.2.23' }],
    });
    bird = await startBird({
      routerId: '10.0.0.24',
      as: 65024,
      listen: { address: birdAddress, port: await freePort(birdAddress) },
      neighbors: [{ address: exaAddress, port: exaPort, as: 65023 }],
      routes: [{ prefix: '10.24.0.0/24', nextHop: '192.0.2.24' }],
    });
  });

  after(async () => {
    await exa?.stop();
    await bird?.stop();
  });

  it("comes up with enhanced route refresh in BIRD's OPEN as ExaBGP saw it, routes both ways", async () => {
    const b = bird!;
    const x = exa!;
    const open = await x.waitFor(isOpenFrom(birdAddress), 10_000);
    assert.equal(open.neighbor?.open?.capabilities['70']?.name, 'enhanced-route-refresh');
    assert.equal(open.neighbor?.open?.capabilities['2']?.name, 'route-refresh');
    const negotiated = await x.waitFor((e) => e.type === 'negotiated', 10_000);
    assert.equal(negotiated.neighbor?.negotiated?.refresh, 'enhanced');
    const proto = (await b.protocols()).find((p) => p.name === b.protocolOf(exaAddress));
    assert.equal(proto?.info, 'Established');
    await x.waitFor(announces('10.24.0.0/24', '192.0.2.24'), 10_000);
    const route = await waitUntil('10.23.0.0/24 in BIRD', async () => {
      const text = await b.birdc('show route 10.23.0.0/24 all');
      return /BGP\.next_hop: 192\.0\.2\.23/.test(text) ? text : undefined;
    }, 10_000);
    assert.match(route, /BGP\.as_path: 65023/);
  });

  it('answers a ROUTE-REFRESH from ExaBGP with BoRR, its routes, then EoRR', async () => {
    const [begin, update, end] = await refreshInsideBorrEorr(exa!, birdAddress, '10.24.0.0/24', '192.0.2.24');
    assert.ok(begin < update && update < end, `BoRR ${begin}, UPDATE ${update}, EoRR ${end}`);
  });
});

describe('BGP peer harness: ExaBGP <-> FRR bgpd, enhanced route refresh', function () {
  this.timeout(30_000);
  const exaAddress = '127.0.0.25';
  const frrAddress = '127.0.0.26';
  let frr: Frr | undefined;
  let exa: Exabgp | undefined;

  before(async function () {
    requireTool(this, FRR_BGPD, 'the FRR peer');
    requireTool(this, 'vtysh', 'the FRR peer');
    requireTool(this, 'exabgp', 'the ExaBGP peer');
    const port = await freePort(frrAddress);
    frr = await startFrr({
      routerId: '10.0.0.26',
      as: 65026,
      listen: { address: frrAddress, port },
      neighbors: [{ address: exaAddress, port: 179, as: 65025, passive: true }],
      routes: [{ prefix: '10.26.0.0/24', nextHop: '192.0.2.26' }],
    });
    exa = await startExabgp({
      routerId: '10.0.0.25',
      localAddress: exaAddress,
      localAs: 65025,
      // FRR answers a ROUTE-REFRESH only after its own End-of-RIB, which it
      // sends only to a peer that advertised graceful restart.
      peers: [{ address: frrAddress, port, remoteAs: 65026, routeRefresh: true, gracefulRestart: 120 }],
      routes: [{ prefix: '10.25.0.0/24', nextHop: '192.0.2.25' }],
    });
  });

  after(async () => {
    await exa?.stop();
    await frr?.stop();
  });

  it("comes up with enhanced route refresh in FRR's OPEN as ExaBGP saw it, routes both ways", async () => {
    const x = exa!;
    const open = await x.waitFor(isOpenFrom(frrAddress), 10_000);
    assert.equal(open.neighbor?.open?.capabilities['70']?.name, 'enhanced-route-refresh');
    const negotiated = await x.waitFor((e) => e.type === 'negotiated', 10_000);
    assert.equal(negotiated.neighbor?.negotiated?.refresh, 'enhanced');
    const n = await frr!.neighbor(exaAddress);
    assert.equal(n.bgpState, 'Established');
    await x.waitFor(announces('10.26.0.0/24', '192.0.2.26'), 10_000);
    await waitUntil('10.25.0.0/24 in FRR', async () => {
      const rib = JSON.parse(await frr!.vtysh('show bgp ipv4 unicast json')) as { routes?: Record<string, unknown> };
      return rib.routes?.['10.25.0.0/24'];
    }, 10_000);
  });

  it('answers a ROUTE-REFRESH from ExaBGP with BoRR, its routes, then EoRR', async () => {
    const [begin, update, end] = await refreshInsideBorrEorr(exa!, frrAddress, '10.26.0.0/24', '192.0.2.26');
    assert.ok(begin < update && update < end, `BoRR ${begin}, UPDATE ${update}, EoRR ${end}`);
  });
});
