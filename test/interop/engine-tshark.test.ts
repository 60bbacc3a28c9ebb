// Two ncbgp engines in the MVPN family (RFC 6514) over loopback, the
// session captured and decoded by tshark (Wireshark's BGP dissector,
// written by others; issue 3 "Interop", INTEROP.md "Wire decoding"): routes
// of all seven types, import soft reset both ways (ROUTE-REFRESH answered
// inside BoRR/EoRR, RFC 7313), an export soft reset after an export policy
// change, and tshark's reading of route types, RDs, sources and groups.
//
// tshark (dumpcap) was seen to miss packets at both ends of a capture:
// up to about 70 ms after it reports "Capturing on", and up to about 250 ms
// before it is stopped (packets not yet handed over from the kernel's ring
// buffer). So the traffic starts CAPTURE_MARGIN_MS after the capture, the
// capture stops CAPTURE_MARGIN_MS after the traffic, and the assertions on
// the capture use only the soft resets, not the session's first messages.
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig, OriginatedRoute } from '../../src/bgp/engine';
import { IPV4_MVPN } from '../../src/bgp/wire/types';
import { encodeMvpnNlri, MvpnRoute } from '../../src/bgp/wire/mvpn';
import { createLogger } from '../../src/log';
import { waitUntil } from '../helpers/peers/common';
import { Capture, startCapture } from '../helpers/peers/tshark';
import { requireTool, runTool } from '../helpers/interop';
import { operationResults, peerConfig } from '../helpers/engine';

const log = createLogger({}, () => undefined);
const CAPTURE_MARGIN_MS = 600;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const A = { address: '127.0.0.61', as: 65000, routerId: '192.0.2.61' };
const B = { address: '127.0.0.62', as: 65001, routerId: '192.0.2.62' };

const A_ROUTES: OriginatedRoute[] = [
  { route: { routeType: 1, rd: '65000:1', originatingRouter: '192.0.2.1' }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 2, rd: '65000:1', sourceAs: 65000 }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 3, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1', originatingRouter: '192.0.2.1' }, routeTargets: ['target:65000:2'] },
  { route: { routeType: 4, routeKey: { routeType: 3, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1', originatingRouter: '192.0.2.9' }, originatingRouter: '192.0.2.1' }, routeTargets: [] },
  { route: { routeType: 5, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1' }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 6, rd: '65000:1', sourceAs: 65000, source: '10.0.0.9', group: '239.1.1.1' }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 7, rd: '65000:2', sourceAs: 65000, source: '10.0.0.1', group: '232.1.1.1' }, routeTargets: ['target:65000:1'] },
];
const B_ROUTES: OriginatedRoute[] = [
  { route: { routeType: 1, rd: '192.0.2.62:7', originatingRouter: '192.0.2.62' }, routeTargets: ['target:65001:1'] },
  { route: { routeType: 5, rd: '192.0.2.62:7', source: '10.1.0.1', group: '232.2.2.2' }, routeTargets: ['target:65001:1'] },
];

const base = (e: typeof A): Omit<EngineConfig, 'peers'> => ({
  localAs: e.as,
  routerId: e.routerId,
  groups: [],
  policies: [{ name: 'no-type-1', terms: [{ name: 't1', match: { routeType: ['intra-as-i-pmsi-ad'] }, action: 'reject' }], defaultAction: 'accept' }],
  originated: [],
  refresh: { quietPeriodMs: 300, timeoutMs: 10_000 },
});


/** An MCAST-VPN route as tshark shows it: addresses and RD as text, the Leaf A-D route key as hex. */
type Seen = Record<string, string>;

function seen(route: MvpnRoute): Seen {
  const out: Seen = { routeType: String(route.routeType) };
  for (const [k, v] of Object.entries(route)) {
    if (k !== 'routeType') out[k] = k === 'routeKey' ? encodeMvpnNlri(v as MvpnRoute).toString('hex') : String(v);
  }
  return out;
}

/** One BGP message of the capture, read from tshark's PDML. */
interface Decoded {
  src: string;
  /** the frame's capture time, seconds since the epoch (frame.time_epoch) */
  time: number;
  type: number;
  refresh?: { subtype: number; afi: number; safi: number };
  /** path attribute type codes, in order */
  attributes: number[];
  /** MP_REACH_NLRI's IPv4 next hop */
  nextHop?: string;
  routes: Seen[];
}

const attr = (name: string): RegExp => new RegExp(`<field name="${name.replace(/\./g, '\\.')}" showname="([^"]*)" size="\\d+" pos="\\d+" show="([^"]*)" value="([0-9a-f]*)"`, 'g');
const MVPN_FIELD = attr('bgp.mcast_vpn_nlri_([a-z0-9_]+)');

function firstShow(text: string, name: string): string | undefined {
  return attr(name).exec(text)?.[2];
}

/** frame.time_epoch, a field PDML gives no value attribute */
const TIME_EPOCH = /<field name="frame\.time_epoch" [^>]*show="([0-9.]+)"/;

/** The MCAST-VPN routes of one message, in order. */
function routesOf(message: string): Seen[] {
  const routes: Seen[] = [];
  let current: Seen = {};
  for (const [, name, showname, show, value] of message.matchAll(MVPN_FIELD)) {
    if (name === 'route_type') routes.push((current = { routeType: show }));
    else if (name === 'rd') current.rd = showname.replace(/^Route Distinguisher: /, '');
    else if (name === 'source_addr_ipv4') current.source = show;
    else if (name === 'group_addr_ipv4') current.group = show;
    else if (name === 'origin_router_ipv4') current.originatingRouter = show;
    else if (name === 'source_as') current.sourceAs = show;
    else if (name === 'route_key') current.routeKey = value;
  }
  return routes;
}

/** Every BGP message of a PDML document: a frame can carry several, each its own `<proto name="bgp">`. */
function decodePdml(pdml: string): Decoded[] {
  return pdml.split('<packet>').slice(1).flatMap((packet) => {
    const [head, ...messages] = packet.split('<proto name="bgp"');
    const src = firstShow(head, 'ip.src') ?? '';
    const time = Number(TIME_EPOCH.exec(head)?.[1] ?? NaN);
    return messages.map((m) => {
      const type = Number(firstShow(m, 'bgp.type'));
      const subtype = firstShow(m, 'bgp.route_refresh.subtype');
      const nextHop = firstShow(m, 'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4');
      return {
        src,
        time,
        type,
        ...(subtype !== undefined ? { refresh: { subtype: Number(subtype), afi: Number(firstShow(m, 'bgp.route_refresh.afi')), safi: Number(firstShow(m, 'bgp.route_refresh.safi')) } } : {}),
        attributes: [...m.matchAll(attr('bgp.update.path_attribute.type_code'))].map((x) => Number(x[2])),
        ...(nextHop !== undefined ? { nextHop } : {}),
        routes: routesOf(m),
      };
    });
  });
}

const key = (r: Seen): string => JSON.stringify(Object.entries(r).sort());
const distinct = (routes: Seen[]): string[] => [...new Set(routes.map(key))].sort();

describe('BGP engine interop: two ncbgp engines in MVPN, captured by tshark', function () {
  this.timeout(40_000);
  const a = new BgpEngine(log);
  const b = new BgpEngine(log);
  let aConfig: EngineConfig;
  let port = 0;
  let capture: Capture | undefined;
  /** when the export's dry run ran, in ms since the epoch: from just before it started to a while after it ended */
  let dryRunWindow: { start: number; end: number } | undefined;
  const status = (e: BgpEngine) => e.peers()[0];

  before(async function () {
    requireTool(this, 'tshark', 'decodes the captured session');
    await b.apply({ ...base(B), listen: { address: B.address, port: 0 }, originated: B_ROUTES, peers: [peerConfig(A.address, A.as)] });
    port = b.listenAddress?.port ?? 0;
    capture = await startCapture({ ports: [port] });
    await pause(CAPTURE_MARGIN_MS);
    aConfig = { ...base(A), originated: A_ROUTES, peers: [peerConfig(B.address, B.as, { passive: false, remotePort: port, localAddress: A.address })] };
    await a.apply(aConfig);
    await waitUntil('the MVPN session', () => (status(a)?.state === 'established' && status(b)?.state === 'established' ? true : undefined), 10_000);
  });

  after(async () => {
    await a.stop();
    await b.stop();
    await capture?.stop();
  });

  it('exchanges MVPN routes of all seven types, with route refresh and enhanced route refresh negotiated', async () => {
    await waitUntil('the routes both ways', () => (status(b)?.mvpn?.accepted === 7 && status(a)?.mvpn?.accepted === 2 ? true : undefined), 10_000);
    const neg = status(b)?.negotiated;
    assert.deepEqual([neg?.families, neg?.routeRefresh, neg?.enhancedRouteRefresh], [[IPV4_MVPN], true, true]);
    assert.deepEqual([status(a)?.mvpn?.advertised, status(b)?.mvpn?.advertised], [7, 2]);
  });

  it('import refresh both ways: ROUTE-REFRESH answered inside BoRR/EoRR, completion at EoRR', async () => {
    for (const [engine, peer, routes] of [[b, A.address, 7], [a, B.address, 2]] as const) {
      const started = engine.refresh({ family: IPV4_MVPN, selector: { kind: 'address', address: peer }, direction: 'import' });
      const { peers } = await operationResults(engine, started.operationId);
      assert.deepEqual(peers.map((p) => [p.peerAddress, p.status, p.completion, p.routes]), [[peer, 'completed', 'eorr', routes]]);
    }
    assert.deepEqual([status(b)?.mvpn?.accepted, status(a)?.mvpn?.accepted], [7, 2]);
  });

  it('export refresh after an export policy change re-advertises the whole Adj-RIB-Out inside BoRR/EoRR and withdraws what the policy now rejects, as its dry run said it would without sending anything; changes-only then has nothing to send', async () => {
    await a.apply({ ...aConfig, peers: [{ ...aConfig.peers[0], mvpn: { enabled: true, keepAllRoutes: false, exportPolicy: 'no-type-1' } }] });
    const counts = { advertised: 6, withdrawn: 1, accepted: 0, rejected: 0 };
    // the dry run first: its counts, and nothing on the wire (the capture, read below) or in the RIBs
    const start = Date.now();
    const dry = a.refresh({ family: IPV4_MVPN, selector: { kind: 'all' }, direction: 'export', dryRun: true });
    assert.deepEqual([dry.selected, dry.skipped], [[{ address: B.address, counts }], []]);
    const dryRun = await operationResults(a, dry.operationId);
    assert.deepEqual(dryRun.peers.map((p) => [p.peerAddress, p.status, p.completion, p.routes, p.counts, p.dryRun]), [[B.address, 'completed', undefined, 7, counts, true]]);
    assert.equal(dryRun.summary.dryRun, true);
    // long enough for anything it sent to arrive
    await pause(300);
    assert.deepEqual([status(b)?.mvpn?.received, status(b)?.mvpn?.accepted, status(a)?.mvpn?.advertised], [7, 7, 7]);
    dryRunWindow = { start, end: Date.now() };
    const started = a.refresh({ family: IPV4_MVPN, selector: { kind: 'all' }, direction: 'export' });
    const { peers } = await operationResults(a, started.operationId);
    assert.deepEqual(peers.map((p) => [p.status, p.completion, p.routes, p.counts]), [['completed', 'drained', 7, counts]]);
    // what the real run did is what the dry run said it would do
    assert.deepEqual(peers.map((p) => [p.routes, p.counts]), dryRun.peers.map((p) => [p.routes, p.counts]));
    await waitUntil('six routes at B', () => (status(b)?.mvpn?.accepted === 6 ? true : undefined), 10_000);
    const again = a.refresh({ family: IPV4_MVPN, selector: { kind: 'all' }, direction: 'export', changesOnly: true });
    const second = await operationResults(a, again.operationId);
    assert.deepEqual(second.peers.map((p) => [p.status, p.completion, p.routes]), [['completed', 'drained', 0]]);
  });

  it('is decoded by tshark: BoRR/EoRR around the re-sent routes, all seven route types with their RDs, sources and groups, the withdrawal', async () => {
    await pause(CAPTURE_MARGIN_MS);
    const pcap = await (capture as Capture).stop();
    const run = await runTool('tshark', ['-r', pcap, '-d', `tcp.port==${port},bgp`, '-Y', 'bgp', '-T', 'pdml'], process.env, 20_000);
    assert.equal(run.code, 0, run.stderr);
    const messages = decodePdml(run.stdout);
    assert.ok(messages.length > 0 && messages.every((m) => Number.isFinite(m.time)), 'every message has its frame time');
    // the export's dry run sent nothing: from A to B inside its window, KEEPALIVEs at most
    assert.ok(dryRunWindow, 'the dry run ran');
    const { start, end } = dryRunWindow;
    const duringDryRun = messages.filter((m) => m.src === A.address && m.time >= start / 1000 && m.time <= end / 1000);
    assert.deepEqual(duringDryRun.filter((m) => m.type !== 4).map((m) => [m.time, m.type, m.refresh?.subtype]), []);
    // the ROUTE-REFRESH messages, in order: B asks A, A answers; A asks B, B answers
    const refreshes = messages.filter((m) => m.type === 5);
    assert.deepEqual(
      refreshes.map((m) => [m.src, m.refresh?.subtype, m.refresh?.afi, m.refresh?.safi]),
      [
        [B.address, 0, 1, 5],
        [A.address, 1, 1, 5],
        [A.address, 2, 1, 5],
        [A.address, 0, 1, 5],
        [B.address, 1, 1, 5],
        [B.address, 2, 1, 5],
        // the export soft reset: a locally initiated route refresh (RFC 7313 section 4); changes-only sends none
        [A.address, 1, 1, 5],
        [A.address, 2, 1, 5],
      ],
    );
    /** The UPDATEs `from` sent between its first (or `begin`-th) BoRR and the EoRR after it. */
    const inside = (from: string, nth = 0): Decoded[] => {
      const begin = messages.map((m, i) => (m.src === from && m.refresh?.subtype === 1 ? i : -1)).filter((i) => i >= 0)[nth];
      const end = messages.findIndex((m, i) => i > begin && m.src === from && m.refresh?.subtype === 2);
      return messages.slice(begin + 1, end).filter((m) => m.src === from);
    };
    for (const [from, routes] of [[A.address, A_ROUTES], [B.address, B_ROUTES]] as const) {
      const updates = inside(from);
      assert.ok(updates.length > 0 && updates.every((m) => m.type === 2 && m.attributes.includes(14) && !m.attributes.includes(15)), `MP_REACH_NLRI UPDATEs from ${from}`);
      assert.deepEqual(distinct(updates.flatMap((m) => m.routes)), distinct(routes.map((r) => seen(r.route))));
      // EBGP: NEXT_HOP self, the session's local address (A's configured one, B's listen address)
      assert.deepEqual([...new Set(updates.map((m) => m.nextHop))], [from]);
    }
    const types = new Set(messages.flatMap((m) => m.routes.map((r) => Number(r.routeType))));
    assert.deepEqual([...types].sort(), [1, 2, 3, 4, 5, 6, 7]);
    // the export soft reset: the Intra-AS I-PMSI A-D route withdrawn (MP_UNREACH_NLRI), then every other route again
    const [withdrawal, ...announced] = inside(A.address, 1);
    assert.deepEqual([withdrawal?.attributes, withdrawal?.routes], [[15], [seen(A_ROUTES[0].route)]]);
    assert.ok(announced.every((m) => m.type === 2 && m.attributes.includes(14)));
    assert.deepEqual(distinct(announced.flatMap((m) => m.routes)), distinct(A_ROUTES.slice(1).map((r) => seen(r.route))));
    assert.equal(messages.filter((m) => m.src === A.address && m.type === 2).at(-1), announced.at(-1), 'changes-only sent no UPDATE');
  });
});

/** Captures what an engine listening on `listen` advertises to an EBGP peer; resolves with the UPDATEs tshark decodes. */
async function advertisedFrom(listen: string): Promise<Decoded[]> {
  const a = new BgpEngine(log);
  const b = new BgpEngine(log);
  let capture: Capture | undefined;
  try {
    await b.apply({ ...base(B), listen: { address: listen, port: 0 }, originated: B_ROUTES, peers: [peerConfig(A.address, A.as)] });
    const port = b.listenAddress?.port ?? 0;
    capture = await startCapture({ ports: [port] });
    await pause(CAPTURE_MARGIN_MS);
    await a.apply({ ...base(A), peers: [peerConfig(B.address, B.as, { passive: false, remotePort: port, localAddress: A.address })] });
    await waitUntil("B's routes at A", () => (a.peers()[0]?.mvpn?.accepted === B_ROUTES.length ? true : undefined), 10_000);
    await pause(CAPTURE_MARGIN_MS);
    const run = await runTool('tshark', ['-r', await capture.stop(), '-d', `tcp.port==${port},bgp`, '-Y', 'bgp', '-T', 'pdml'], process.env, 20_000);
    return decodePdml(run.stdout).filter((m) => m.src === B.address && m.type === 2 && m.routes.length > 0);
  } finally {
    await a.stop();
    await b.stop();
    await capture?.stop();
  }
}

describe('BGP engine interop: NEXT_HOP self of an engine listening on a wildcard address, read by tshark', function () {
  this.timeout(20_000);
  before(function () {
    requireTool(this, 'tshark', 'decodes the captured session');
  });

  // The session runs from 127.0.0.62, but the listen address says nothing
  // of it: the router id is the NEXT_HOP then, never 0.0.0.0 (and an IPv6
  // listen address is no IPv4 next hop at all).
  for (const listen of ['0.0.0.0', '::']) {
    it(`listening on ${listen}: the router id`, async () => {
      const updates = await advertisedFrom(listen);
      assert.deepEqual(distinct(updates.flatMap((m) => m.routes)), distinct(B_ROUTES.map((r) => seen(r.route))));
      assert.deepEqual([...new Set(updates.map((m) => m.nextHop))], [B.routerId]);
    });
  }
});
