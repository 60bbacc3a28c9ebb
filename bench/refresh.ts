// refresh-bgp-mvpn end to end (issue 5, "Benchmark"): the server (`ncbgp
// serve`, its own process, so its memory is its own) with 100 MVPN peers
// over loopback, each an in-process engine of `ncbgp lab` (src/lab/peers.ts)
// originating 10,000 routes; the server originates 10,000 routes of its own
// and advertises them to every peer (an export policy that passes only its
// own Route Target keeps the peers' routes from being meshed 100 times).
// Timed from the RPC sent by a NETCONF client subscribed to the stream to
// the last peer-refresh-complete it receives:
// - `all export` with nothing to change, after an export policy change that
//   withdraws the server's routes from every peer, and after the change back
//   that re-advertises them (100 x 10,000 routes: the target, within 2 s);
// - `all import`: every peer answers the ROUTE-REFRESH with its 10,000
//   routes inside BoRR ... EoRR (RFC 7313), completion at EoRR.
// The server's RSS (and its peak) is read from /proc after each step.
// Twice: with the peers' routes accepted (a Loc-RIB of 1,010,000 routes that
// every peer's export policy runs over), and rejected by import policy (a
// Loc-RIB of the server's own 10,000), to tell the cost of scanning the
// Loc-RIB from the cost of sending.
//
// Environment: NCBGP_BENCH_REFRESH_PEERS (default 100, at most 254: one
// 127.0.1.x address each), NCBGP_BENCH_REFRESH_ROUTES (default 10000).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BgpEngine, EngineConfig, OriginatedRoute, PeerConfig } from '../src/bgp/engine';
import { labPeerAddress } from '../src/lab/config';
import { simulatedPeers } from '../src/lab/peers';
import { labRoutes } from '../src/lab/routes';
import { createLogger } from '../src/log';
import { NetconfClient } from '../src/netconf/client';
import { child, XmlElement } from '../src/netconf/xml';
import { freePort } from '../test/helpers/bgp-peers';
import { connect, startServer, TestServer } from '../test/helpers/server';
import { fmtCount, fmtRate, table, verdict, withTimeout } from './report';

const PEERS = Number(process.env.NCBGP_BENCH_REFRESH_PEERS ?? 100);
const ROUTES = Number(process.env.NCBGP_BENCH_REFRESH_ROUTES ?? 10_000);
const TARGET_EXPORT_MS = 2000;
/** no progress for this long is a failure (the start of 100 x 10,000 routes each way included) */
const STALL_MS = 600_000;
const POLL_MS = 500;

const BGP_NS = 'urn:ncbgp:yang:ncbgp-bgp';
const REFRESH_NS = 'urn:ncbgp:yang:ncbgp-refresh';
const SERVER = { address: '127.0.0.1', as: 65000, routerId: '192.0.2.1' };
/** carried by the server's own routes; the export policy local-only passes only these */
const LOCAL_RT = 'target:65000:100';
const GROUPS = [
  { name: 'ebgp-a', type: 'external', remoteAs: 65001 },
  { name: 'ebgp-b', type: 'external', remoteAs: 65002 },
  { name: 'ibgp', type: 'internal', remoteAs: SERVER.as },
] as const;

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/** A route of the lab generator as an `mvpn-route` entry (RFC 7951 JSON of ncbgp-bgp), with LOCAL_RT. */
function mvpnRouteJson(r: OriginatedRoute, i: number): Json {
  const m = r.route;
  const base = { name: `r${i}`, 'route-target': [LOCAL_RT] };
  switch (m.routeType) {
    case 1:
      return { ...base, 'route-type': 'intra-as-i-pmsi-ad', 'route-distinguisher': m.rd, 'originating-router': m.originatingRouter };
    case 3:
      return { ...base, 'route-type': 's-pmsi-ad', 'route-distinguisher': m.rd, 'originating-router': m.originatingRouter, 'multicast-source': m.source, 'multicast-group': m.group };
    case 5:
      return { ...base, 'route-type': 'source-active-ad', 'route-distinguisher': m.rd, 'multicast-source': m.source, 'multicast-group': m.group };
    case 6:
    case 7:
      return { ...base, 'route-type': m.routeType === 6 ? 'shared-tree-join' : 'source-tree-join', 'route-distinguisher': m.rd, 'source-as': m.sourceAs, 'multicast-source': m.source, 'multicast-group': m.group };
    default:
      throw new Error(`the lab generator made a route of type ${m.routeType}`);
  }
}

const groupOf = (i: number): (typeof GROUPS)[number] => GROUPS[i % GROUPS.length];

function serverBgp(bgpPort: number, addresses: string[], importPolicy?: string): Json {
  return {
    'ncbgp-bgp:bgp': {
      'local-as': SERVER.as,
      'router-id': SERVER.routerId,
      listen: { address: SERVER.address, port: bgpPort },
      'peer-group': GROUPS.map((g) => ({ name: g.name, type: g.type, 'remote-as': g.remoteAs, mvpn: { 'export-policy': 'local-only', ...(importPolicy ? { 'import-policy': importPolicy } : {}) } })),
      peer: addresses.map((address, i) => ({ address, group: groupOf(i).name, passive: true })),
      policy: [
        { name: 'local-only', term: [{ name: 'local', match: { 'route-target': [LOCAL_RT] }, action: 'accept' }], 'default-action': 'reject' },
        { name: 'none', 'default-action': 'reject' },
      ],
      'mvpn-route': labRoutes(SERVER.routerId, SERVER.as, ROUTES).map(mvpnRouteJson),
    },
  };
}

/** The server's peers as the engine sees them: what the lab needs to play them. */
function serverEngineConfig(bgpPort: number, addresses: string[]): EngineConfig {
  const peer = (address: string, i: number): PeerConfig => ({
    address,
    remoteAs: groupOf(i).remoteAs,
    remotePort: 179,
    group: groupOf(i).name,
    passive: true,
    holdTime: 90,
    connectRetryTime: 120,
    routeRefresh: true,
    enhancedRouteRefresh: true,
    mvpn: { enabled: true, keepAllRoutes: false },
    unicast: { enabled: false, keepAllRoutes: false },
  });
  return {
    localAs: SERVER.as,
    routerId: SERVER.routerId,
    listen: { address: SERVER.address, port: bgpPort },
    groups: GROUPS.map((g) => g.name),
    peers: addresses.map(peer),
    policies: [],
    originated: [],
    refresh: { quietPeriodMs: 1000, timeoutMs: STALL_MS },
  };
}

interface Memory {
  rssMiB: number;
  peakMiB: number;
}

function serverMemory(server: TestServer): Memory {
  const status = readFileSync(`/proc/${server.proc.pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

const text = (el: XmlElement | undefined, name: string, ns = REFRESH_NS): string | undefined => (el ? child(el, name, ns)?.text : undefined);

interface PeerCounts {
  established: number;
  received: number;
  advertised: number;
}

/** Every peer's session state and MVPN counts, as <get> shows them. */
async function peerCounts(c: NetconfClient): Promise<PeerCounts> {
  const reply = await c.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP_NS}"><peer><address/><state><session-state/><mvpn/></state></peer></bgp></filter></get>`);
  const bgp = child(child(reply, 'data') ?? reply, 'bgp', BGP_NS);
  const out: PeerCounts = { established: 0, received: 0, advertised: 0 };
  for (const p of (bgp?.children ?? []).filter((e) => e.name === 'peer')) {
    const state = child(p, 'state', BGP_NS);
    if (text(state, 'session-state', BGP_NS) === 'established') out.established++;
    const mvpn = state && child(state, 'mvpn', BGP_NS);
    out.received += Number(text(mvpn, 'received', BGP_NS) ?? 0);
    out.advertised += Number(text(mvpn, 'advertised', BGP_NS) ?? 0);
  }
  return out;
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const wait = async (): Promise<void> => {
    while (!(await probe())) await new Promise((r) => setTimeout(r, POLL_MS));
  };
  await withTimeout(wait(), what, STALL_MS);
}

interface Notification {
  at: number;
  event: XmlElement;
}

interface Run {
  name: string;
  /** routes the peers' results add up to */
  routes: number;
  replyMs: number;
  /** RPC sent to the last peer-refresh-complete received */
  lastMs: number;
  completed: number;
  statuses: string;
  memory: Memory;
}

/** `refresh-bgp-mvpn all DIRECTION`, timed at the client from the RPC to the last peer-refresh-complete. */
async function timedRefresh(name: string, c: NetconfClient, inbox: Notification[], server: TestServer, direction: 'import' | 'export'): Promise<Run> {
  inbox.length = 0;
  const start = performance.now();
  const reply = await c.rpc(`<refresh-bgp-mvpn xmlns="${REFRESH_NS}"><all/><direction>${direction}</direction></refresh-bgp-mvpn>`);
  const replyMs = performance.now() - start;
  const id = text(reply, 'operation-id');
  if (id === undefined) throw new Error(`refresh-bgp-mvpn failed: ${JSON.stringify(reply.children.map((e) => e.name))}`);
  const ours = (n: Notification): boolean => text(n.event, 'operation-id') === id;
  await until(`refresh-complete of operation ${id}`, async () => inbox.some((n) => ours(n) && n.event.name === 'refresh-complete'));
  const peers = inbox.filter((n) => ours(n) && n.event.name === 'peer-refresh-complete');
  const statuses = new Map<string, number>();
  for (const p of peers) {
    const key = `${text(p.event, 'status')} ${text(p.event, 'completion') ?? text(p.event, 'reason') ?? ''}`.trim();
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  return {
    name,
    routes: peers.reduce((n, p) => n + Number(text(p.event, 'routes') ?? 0), 0),
    replyMs,
    lastMs: Math.max(...peers.map((p) => p.at)) - start,
    completed: statuses.get([...statuses.keys()].find((k) => k.startsWith('completed')) ?? '') ?? 0,
    statuses: [...statuses].map(([k, n]) => `${n} ${k}`).join(', '),
    memory: serverMemory(server),
  };
}

/** Sets every group's MVPN export policy (edit-config to candidate, commit). */
async function setExportPolicy(c: NetconfClient, policy: string): Promise<void> {
  const groups = GROUPS.map((g) => `<peer-group><name>${g.name}</name><mvpn><export-policy>${policy}</export-policy></mvpn></peer-group>`).join('');
  for (const op of [`<edit-config><target><candidate/></target><config><bgp xmlns="${BGP_NS}">${groups}</bgp></config></edit-config>`, '<commit/>']) {
    const reply = await c.rpc(op);
    if (!child(reply, 'ok')) throw new Error(`${op.slice(0, 40)}... failed: ${JSON.stringify(reply.children.map((e) => [e.name, e.children.map((x) => x.text)]))}`);
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const mib = (m: Memory): string => `${m.rssMiB.toFixed(0)} MiB (peak ${m.peakMiB.toFixed(0)})`;

/** Where the peers' routes go: into the Loc-RIB (every export scans them), or rejected on import. */
interface Variant {
  readonly name: string;
  readonly importPolicy?: string;
}

const VARIANTS: readonly Variant[] = [
  { name: "the peers' routes accepted: Loc-RIB of peers x routes + routes" },
  { name: "the peers' routes rejected by import policy: Loc-RIB of the server's own routes", importPolicy: 'none' },
];

interface VariantResult {
  variant: Variant;
  runs: Run[];
  readvertise: Run;
}

async function measure(variant: Variant, addresses: string[]): Promise<VariantResult> {
  const bgpPort = await freePort(SERVER.address);
  const log = createLogger({}, () => undefined);
  console.log(`-- ${variant.name}`);
  let t = performance.now();
  const server = await startServer({ config: { 'initial-content': serverBgp(bgpPort, addresses, variant.importPolicy) }, startTimeoutMs: STALL_MS });
  const engines: BgpEngine[] = [];
  let c: NetconfClient | undefined;
  try {
    const startMs = performance.now() - t;
    c = await connect(server);
    const inbox: Notification[] = [];
    c.on('notification', (n) => {
      const event = n.children.find((e) => e.ns === REFRESH_NS);
      if (event) inbox.push({ at: performance.now(), event });
    });
    const sub = await c.rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>');
    if (!child(sub, 'ok')) throw new Error('create-subscription failed');

    t = performance.now();
    for (const p of simulatedPeers(serverEngineConfig(bgpPort, addresses), { address: SERVER.address, port: bgpPort }, ROUTES).peers) {
      const e = new BgpEngine(log);
      engines.push(e);
      await e.apply(p.config);
    }
    const session = c;
    const want = PEERS * ROUTES;
    await until('the sessions and every route both ways', async () => {
      const n = await peerCounts(session);
      return n.established === PEERS && n.received === want && n.advertised === want;
    });
    const convergeMs = performance.now() - t;
    console.log(`server start ${seconds(startMs)} (${fmtCount(ROUTES)} mvpn-route entries); sessions up and ${fmtCount(2 * want)} routes exchanged in ${seconds(convergeMs)}; server RSS ${mib(serverMemory(server))}`);

    const runs: Run[] = [];
    runs.push(await timedRefresh('export, nothing to change', c, inbox, server, 'export'));
    await setExportPolicy(c, 'none');
    runs.push(await timedRefresh('export after policy none: all withdrawn', c, inbox, server, 'export'));
    await setExportPolicy(c, 'local-only');
    const readvertise = await timedRefresh('export after policy local-only: all re-advertised', c, inbox, server, 'export');
    runs.push(readvertise);
    runs.push(await timedRefresh('import: BoRR, routes, EoRR from every peer', c, inbox, server, 'import'));
    const end = await peerCounts(c);

    console.log(
      table([
        ['refresh-bgp-mvpn all', 'peers completed', 'routes', 'RPC reply', 'last peer-refresh-complete', 'routes/s', 'server RSS after'],
        ...runs.map((r) => [r.name, `${r.completed}/${PEERS}`, fmtCount(r.routes), seconds(r.replyMs), seconds(r.lastMs), r.routes > 0 ? fmtRate(r.routes / (r.lastMs / 1000)) : 'n/a', mib(r.memory)]),
      ]),
    );
    for (const r of runs) console.log(`  ${r.name}: ${r.statuses}`);
    console.log(`after: ${end.established}/${PEERS} established, ${fmtCount(end.received)} routes received, ${fmtCount(end.advertised)} advertised`);
    return { variant, runs, readvertise };
  } finally {
    c?.destroy();
    await Promise.all(engines.map((e) => e.stop()));
    await server.stop();
  }
}

export async function runRefreshBench(): Promise<void> {
  if (!Number.isInteger(PEERS) || PEERS < 1 || PEERS > 254) throw new Error('NCBGP_BENCH_REFRESH_PEERS: 1 to 254');
  const addresses = Array.from({ length: PEERS }, (_, i) => labPeerAddress(i));
  console.log(`${PEERS} peers x ${fmtCount(ROUTES)} MVPN routes on loopback (${cpus().length} CPUs): the server (ncbgp serve) in its own process,`);
  console.log(`the peers (the lab's engines) and the NETCONF client in this one; the server originates ${fmtCount(ROUTES)} routes, every peer ${fmtCount(ROUTES)}`);
  const results: VariantResult[] = [];
  for (const v of VARIANTS) results.push(await measure(v, addresses));
  const want = PEERS * ROUTES;
  console.log(
    table([
      ['target', 'measured', 'verdict'],
      ...results.map(({ variant, readvertise: r }) => {
        const full = r.routes === want && r.completed === PEERS;
        return [`all export re-advertising ${PEERS} x ${fmtCount(ROUTES)} routes within ${TARGET_EXPORT_MS / 1000} s, ${variant.importPolicy ? 'Loc-RIB of own routes' : 'full Loc-RIB'}`, full ? seconds(r.lastMs) : `incomplete (${fmtCount(r.routes)} routes)`, verdict(full ? r.lastMs <= TARGET_EXPORT_MS : false)];
      }),
    ]),
  );
}
