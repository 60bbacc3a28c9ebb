// refresh-bgp-mvpn end to end: the server (`ncbgp serve`, its own process, so
// its memory and CPU time are its own) with 100 MVPN peers over loopback,
// timed from the RPC sent by a NETCONF client subscribed to the stream to the
// last peer-refresh-complete it receives. Two parts:
//
// Loc-RIB scale (issue 12, "Benchmark"): 100 peers in one child process of
// their own (bench/refresh-peers.ts) each originate SCALE / 100 routes
// (default 10,000: a Loc-RIB of 1,000,000 MVPN routes) and count what they
// receive without parsing it (messages by type, UPDATE octets, BoRR, EoRR).
// The peers are in 4 peer groups (EBGP, remote AS 65001..65004) whose export
// policy first rejects everything, so that the Loc-RIB is filled without an
// advertisement and its memory measured alone; then the policy becomes `all`
// (accept) and `refresh-bgp-mvpn all export` makes the first advertisement
// of the Loc-RIB to every peer (all but the routes of the peers of its own
// AS, which it would drop: 100 x 750,000 NLRI), and the
// Adj-RIBs-Out's memory is measured. A full re-advertisement is complete
// when every peer-refresh-complete counts its whole Adj-RIB-Out. Then, timed
// (REPEAT times each):
// - `all export`: the full re-advertisement (outbound soft reset; with
//   enhanced route refresh inside BoRR ... EoRR), target 5 s;
// - `all export` with <changes-only/>, nothing to change: target 0.3 s;
// - `all export` again after every peer got an export policy of its own
//   (all-1 .. all-100, the same content): no two peers can share an update
//   group, for the ratio with the 4 groups. A failure of that commit (or
//   run) is reported as a result, not thrown.
// Server RSS after each step; after a forced garbage collection (the server
// runs gc() on SIGUSR2 here) before the sessions, with the Loc-RIB held, once
// advertised and with a group per peer: bytes per Loc-RIB route (RSS added by
// holding the routes over the Loc-RIB size, goal < 300) and per route per
// update group (RSS added by the first advertisement over the routes of one
// Adj-RIB-Out times the update groups the server shows, goal < 8). The
// server's and the peers' CPU time of each run, so that a reader can tell
// which side was the bottleneck.
//
// 10,000 routes (issue 5): the peers are the lab's engines (src/lab/peers.ts)
// in the bench process, originating 10,000 routes each; the server
// originates 10,000 of its own and advertises them to every peer (an export
// policy that passes only its own Route Target keeps the peers' routes from
// being meshed 100 times). Export as a full re-advertisement, then with
// changes-only (what export meant before issue 12): nothing to change, after
// an export policy change that withdraws the server's routes from every peer,
// and after the change back that re-advertises them (100 x 10,000 routes, the
// target: within 2 s); import: every peer answers the ROUTE-REFRESH with its
// 10,000 routes inside BoRR ... EoRR (RFC 7313), completion at EoRR. Twice:
// with the peers' routes accepted (a Loc-RIB of 1,010,000 routes that every
// peer's export policy runs over), and rejected by import policy (a Loc-RIB of
// the server's own 10,000), to tell the cost of scanning the Loc-RIB from the
// cost of sending.
//
// Environment: NCBGP_BENCH_REFRESH_PEERS (default 100, at most 254: one
// 127.0.1.x address each), NCBGP_BENCH_REFRESH_ROUTES (default 10000, the
// 10,000-route part), NCBGP_BENCH_REFRESH_SCALE (default 1000000: the Loc-RIB
// of the other part), NCBGP_BENCH_REFRESH_REPEAT (default 3: runs of the
// full export and of changes-only at scale), NCBGP_BENCH_REFRESH_PARTS (default 'routes,scale': the
// parts to run), NCBGP_BENCH_SERVER_NODE_OPTIONS (NODE_OPTIONS of the server
// only, e.g. '--max-old-space-size=8192', or '--require FILE' for a profiler
// started with node:inspector: node refuses --cpu-prof in NODE_OPTIONS).
import { cpus, loadavg } from 'node:os';
import { BgpEngine, EngineConfig } from '../src/bgp/engine';
import { labPeerAddress } from '../src/lab/config';
import { simulatedPeers } from '../src/lab/peers';
import { labRoutes } from '../src/lab/routes';
import { createLogger } from '../src/log';
import { NetconfClient } from '../src/netconf/client';
import { child, XmlElement } from '../src/model/xml';
import { BgpConfigMapper, bgpOf } from '../src/services/bgp-config';
import { jsonToXml } from '../src/yang/json';
import { SchemaRegistry } from '../src/yang/registry';
import { freePort } from '../test/helpers/peers/common';
import { connect, startServer, TestServer } from '../test/helpers/server';
import { mvpnRouteJson } from './mvpn-json';
import { MeshCounts, MeshPeersHandle, nowMs, startMeshPeers } from './refresh-peers';
import { fmtCount, fmtRate, fmtRatio, processCpuMs, processStatusKb, table, verdict } from './report';

const PEERS = Number(process.env.NCBGP_BENCH_REFRESH_PEERS ?? 100);
const ROUTES = Number(process.env.NCBGP_BENCH_REFRESH_ROUTES ?? 10_000);
const SCALE = Number(process.env.NCBGP_BENCH_REFRESH_SCALE ?? 1_000_000);
const PARTS = (process.env.NCBGP_BENCH_REFRESH_PARTS ?? 'routes,scale').split(',');
const SERVER_NODE_OPTIONS = process.env.NCBGP_BENCH_SERVER_NODE_OPTIONS;
const TARGET_EXPORT_MS = 2000;
const TARGET_FULL_MS = 5000;
const TARGET_CHANGES_ONLY_MS = 300;
const GOAL_LOC_RIB_BYTES = 300;
const GOAL_GROUP_BYTES = 8;
/** no progress for this long is a failure */
const STALL_MS = 300_000;
const POLL_MS = 200;
const PROGRESS_MS = 5000;
/** how long the update groups split during an advertisement may take to merge again */
const MERGE_WAIT_MS = 30_000;
/** runs of the full export and of changes-only at scale */
const REPEAT = Number(process.env.NCBGP_BENCH_REFRESH_REPEAT ?? 3);
/** the server's node options: gc() on SIGUSR2 (settledMemory) */
const SERVER_GC = `--expose-gc --import "data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();globalThis.gc()})"`;

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
/** the Loc-RIB scale part's peer groups: same export policy, different remote AS, so 4 update groups */
const SCALE_GROUPS = [1, 2, 3, 4].map((k) => ({ name: `ebgp-${k}`, remoteAs: 65000 + k }));

type Json = string | number | boolean | Json[] | { [key: string]: Json };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const gb = (octets: number): string => `${(octets / 1e9).toFixed(2)} GB`;

// ---------------------------------------------------------------------------
// The server and the NETCONF client

interface Memory {
  rssMiB: number;
  peakMiB: number;
}

function serverMemory(server: TestServer): Memory {
  const pid = server.proc.pid;
  if (pid === undefined) return { rssMiB: NaN, peakMiB: NaN };
  return { rssMiB: processStatusKb(pid, 'VmRSS') / 1024, peakMiB: processStatusKb(pid, 'VmHWM') / 1024 };
}

/** The server's CPU time (user + system) so far, ms. */
const serverCpuMs = (server: TestServer): number => processCpuMs(server.proc.pid === undefined ? [] : [server.proc.pid]);

/**
 * The server's RSS once its garbage is collected (SERVER_GC: SIGUSR2 runs
 * gc() twice), so that it is what the server holds rather than what its last
 * burst of work left behind; the lower of two tries.
 */
async function settledMemory(server: TestServer): Promise<Memory> {
  let low: Memory | undefined;
  for (let i = 0; i < 2; i++) {
    server.proc.kill('SIGUSR2');
    await sleep(1000);
    const m = serverMemory(server);
    low = { rssMiB: Math.min(low?.rssMiB ?? Infinity, m.rssMiB), peakMiB: m.peakMiB };
  }
  return low ?? serverMemory(server);
}

const mib = (m: Memory): string => `${m.rssMiB.toFixed(0)} MiB (peak ${m.peakMiB.toFixed(0)})`;

const text = (el: XmlElement | undefined, name: string, ns = REFRESH_NS): string | undefined => (el ? child(el, name, ns)?.text : undefined);

async function start(config: Json): Promise<TestServer> {
  return startServer({ config: { 'initial-content': config }, startTimeoutMs: STALL_MS, env: { NODE_OPTIONS: [SERVER_GC, SERVER_NODE_OPTIONS ?? ''].join(' ').trim() } });
}

interface Notification {
  at: number;
  event: XmlElement;
}

/** A NETCONF session subscribed to the notifications, which go to `inbox` with their arrival time. */
async function subscribed(server: TestServer): Promise<{ c: NetconfClient; inbox: Notification[] }> {
  const c = await connect(server);
  const inbox: Notification[] = [];
  c.on('notification', (n) => {
    const event = n.children.find((e) => e.ns === REFRESH_NS);
    if (event) inbox.push({ at: nowMs(), event });
  });
  const sub = await c.rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>');
  if (!child(sub, 'ok')) throw new Error('create-subscription failed');
  return { c, inbox };
}

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

/** The update groups the peers' state names (a leaf whose name holds 'update-group'), or undefined when the server shows none. */
async function updateGroups(c: NetconfClient): Promise<number | undefined> {
  const reply = await c.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP_NS}"><peer><address/><state/></peer></bgp></filter></get>`);
  const names = new Set<string>();
  const walk = (e: XmlElement): void => {
    if (e.name.includes('update-group') && e.children.length === 0 && e.text) names.add(e.text);
    e.children.forEach(walk);
  };
  walk(reply);
  return names.size > 0 ? names.size : undefined;
}

/**
 * Waits until `done`, printing `progress` every PROGRESS_MS once it takes
 * that long; a failure when `progress` (or, without it, `done`) has not
 * changed for STALL_MS.
 */
async function until(what: string, done: () => Promise<boolean> | boolean, progress?: () => Promise<string>): Promise<void> {
  const t0 = nowMs();
  let last = '';
  let lastChange = t0;
  let lastPrint = t0;
  while (!(await done())) {
    const now = nowMs();
    const p = progress ? await progress() : '';
    if (p !== last) {
      last = p;
      lastChange = now;
    }
    if (now - lastChange > STALL_MS) throw new Error(`${what}: no progress within ${STALL_MS / 1000} s (${p})`);
    if (progress && now - lastPrint >= PROGRESS_MS) {
      lastPrint = now;
      console.log(`  .. ${((now - t0) / 1000).toFixed(0)} s: ${p}`);
    }
    await sleep(POLL_MS);
  }
}

async function commit(c: NetconfClient, config: string): Promise<void> {
  for (const op of [`<edit-config><target><candidate/></target><config><bgp xmlns="${BGP_NS}">${config}</bgp></config></edit-config>`, '<commit/>']) {
    const reply = await c.rpc(op);
    if (!child(reply, 'ok')) throw new Error(`${op.slice(0, 40)}... failed: ${JSON.stringify(reply.children.map((e) => [e.name, e.children.map((x) => x.text)]))}`);
  }
}

interface Run {
  name: string;
  /** routes the peers' results add up to */
  routes: number;
  replyMs: number;
  /** RPC sent to the last peer-refresh-complete received */
  lastMs: number;
  /** when the RPC was sent (nowMs) */
  startMs: number;
  completed: number;
  statuses: string;
  memory: Memory;
  /** the server's CPU time from the RPC to the last peer-refresh-complete */
  serverCpuMs: number;
}

interface RefreshRequest {
  name: string;
  c: NetconfClient;
  inbox: Notification[];
  server: TestServer;
  direction: 'import' | 'export';
  changesOnly?: boolean;
  /** printed while the operation runs */
  progress?: () => Promise<string>;
}

/** `refresh-bgp-mvpn all DIRECTION`, timed at the client from the RPC to the last peer-refresh-complete. */
async function timedRefresh(r: RefreshRequest): Promise<Run> {
  const { c, inbox, server } = r;
  inbox.length = 0;
  const cpu0 = serverCpuMs(server);
  const start = nowMs();
  const reply = await c.rpc(`<refresh-bgp-mvpn xmlns="${REFRESH_NS}"><all/><direction>${r.direction}</direction>${r.changesOnly ? '<changes-only/>' : ''}</refresh-bgp-mvpn>`);
  const replyMs = nowMs() - start;
  const id = text(reply, 'operation-id');
  if (id === undefined) throw new Error(`refresh-bgp-mvpn failed: ${JSON.stringify(reply.children.map((e) => [e.name, e.children.map((x) => `${x.name}: ${x.text}`)]))}`);
  const ours = (n: Notification): boolean => text(n.event, 'operation-id') === id;
  const peers = (): Notification[] => inbox.filter((n) => ours(n) && n.event.name === 'peer-refresh-complete');
  const progress = r.progress;
  await until(
    `refresh-complete of operation ${id}`,
    () => inbox.some((n) => ours(n) && n.event.name === 'refresh-complete'),
    progress && (async () => `${peers().length} peer-refresh-complete; ${await progress()}`),
  );
  const ended = peers();
  const lastMs = Math.max(...ended.map((p) => p.at)) - start;
  const serverCpu = serverCpuMs(server) - cpu0;
  const statuses = new Map<string, number>();
  for (const p of ended) {
    const key = `${text(p.event, 'status')} ${text(p.event, 'completion') ?? text(p.event, 'reason') ?? ''}`.trim();
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  return {
    name: r.name,
    routes: ended.reduce((n, p) => n + Number(text(p.event, 'routes') ?? 0), 0),
    replyMs,
    lastMs,
    startMs: start,
    completed: statuses.get([...statuses.keys()].find((k) => k.startsWith('completed')) ?? '') ?? 0,
    statuses: [...statuses].map(([k, n]) => `${n} ${k}`).join(', '),
    memory: serverMemory(server),
    serverCpuMs: serverCpu,
  };
}

// ---------------------------------------------------------------------------
// 10,000 routes per peer: the lab's engines as peers

type VariantRun = Run & { changesOnly: boolean };

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
      'mvpn-route': labRoutes(SERVER.routerId, SERVER.as, ROUTES).map((route, i) => mvpnRouteJson(route, i, [LOCAL_RT])),
    },
  };
}

/** The server's configuration as its engine runs it, by the server's own mapping (services/bgp-config.ts): what the lab needs to play its peers. */
function serverEngineConfig(json: Json): EngineConfig {
  const schema = SchemaRegistry.load();
  return new BgpConfigMapper(schema).map(bgpOf(jsonToXml(schema, json)));
}

/** Sets every group's MVPN export policy. */
async function setExportPolicy(c: NetconfClient, policy: string): Promise<void> {
  await commit(c, GROUPS.map((g) => `<peer-group><name>${g.name}</name><mvpn><export-policy>${policy}</export-policy></mvpn></peer-group>`).join(''));
}

/** Where the peers' routes go: into the Loc-RIB (every export scans them), or rejected on import. */
interface Variant {
  readonly name: string;
  readonly column: string;
  readonly importPolicy?: string;
}

const VARIANTS: readonly Variant[] = [
  { name: "the peers' routes accepted: Loc-RIB of peers x routes + routes", column: `Loc-RIB ${fmtCount(PEERS * ROUTES + ROUTES)}` },
  { name: "the peers' routes rejected by import policy: Loc-RIB of the server's own routes", column: `Loc-RIB ${fmtCount(ROUTES)}`, importPolicy: 'none' },
];

interface VariantResult {
  variant: Variant;
  runs: VariantRun[];
  readvertise: VariantRun;
}

async function measureVariant(variant: Variant, addresses: string[]): Promise<VariantResult> {
  const bgpPort = await freePort(SERVER.address);
  const log = createLogger({}, () => undefined);
  console.log(`-- ${variant.name}`);
  let t = nowMs();
  const config = serverBgp(bgpPort, addresses, variant.importPolicy);
  const server = await start(config);
  const engines: BgpEngine[] = [];
  let c: NetconfClient | undefined;
  try {
    const startMs = nowMs() - t;
    const session = await subscribed(server);
    c = session.c;
    const { inbox } = session;
    t = nowMs();
    for (const p of simulatedPeers(serverEngineConfig(config), { address: SERVER.address, port: bgpPort }, ROUTES).peers) {
      const e = new BgpEngine(log);
      engines.push(e);
      await e.apply(p.config);
    }
    const want = PEERS * ROUTES;
    const nc = c;
    await until('the sessions and every route both ways', async () => {
      const n = await peerCounts(nc);
      return n.established === PEERS && n.received === want && n.advertised === want;
    });
    const convergeMs = nowMs() - t;
    console.log(`server start ${seconds(startMs)} (${fmtCount(ROUTES)} mvpn-route entries); sessions up and ${fmtCount(2 * want)} routes exchanged in ${seconds(convergeMs)}; server RSS ${mib(serverMemory(server))}`);

    const runs: VariantRun[] = [];
    const refresh = async (name: string, direction: 'import' | 'export', changesOnly: boolean): Promise<VariantRun> => {
      const r = { ...(await timedRefresh({ name, c: nc, inbox, server, direction, changesOnly })), changesOnly };
      runs.push(r);
      return r;
    };
    await refresh('export, full re-advertisement (BoRR, routes, EoRR)', 'export', false);
    await refresh('export changes-only, nothing to change', 'export', true);
    await setExportPolicy(c, 'none');
    await refresh('export changes-only after policy none: all withdrawn', 'export', true);
    await setExportPolicy(c, 'local-only');
    const readvertise = await refresh('export changes-only after policy local-only: all re-advertised', 'export', true);
    await refresh('import: BoRR, routes, EoRR from every peer', 'import', false);
    const end = await peerCounts(c);

    console.log(
      table([
        ['refresh-bgp-mvpn all', 'peers completed', 'routes', 'RPC reply', 'last peer-refresh-complete', 'routes/s', 'server CPU', 'server RSS after'],
        ...runs.map((r) => [r.name, `${r.completed}/${PEERS}`, fmtCount(r.routes), seconds(r.replyMs), seconds(r.lastMs), r.routes > 0 ? fmtRate(r.routes / (r.lastMs / 1000)) : 'n/a', seconds(r.serverCpuMs), mib(r.memory)]),
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

async function runRoutesPart(addresses: string[]): Promise<void> {
  console.log(`${PEERS} peers x ${fmtCount(ROUTES)} MVPN routes on loopback (${cpus().length} CPUs): the server (ncbgp serve) in its own process,`);
  console.log(`the peers (the lab's engines) and the NETCONF client in this one; the server originates ${fmtCount(ROUTES)} routes, every peer ${fmtCount(ROUTES)}`);
  const results: VariantResult[] = [];
  for (const v of VARIANTS) results.push(await measureVariant(v, addresses));
  const want = PEERS * ROUTES;
  console.log(
    table([
      ['target', 'measured', 'verdict'],
      ...results.map(({ variant, readvertise: r }) => {
        const full = r.routes === want && r.completed === PEERS;
        return [`all export (changes-only) re-advertising ${PEERS} x ${fmtCount(ROUTES)} routes within ${TARGET_EXPORT_MS / 1000} s, ${variant.column}`, full ? seconds(r.lastMs) : `incomplete (${fmtCount(r.routes)} routes)`, verdict(full ? r.lastMs <= TARGET_EXPORT_MS : false)];
      }),
    ]),
  );
}

// ---------------------------------------------------------------------------
// Loc-RIB scale: counting peers in a process of their own

const scaleGroupOf = (i: number): (typeof SCALE_GROUPS)[number] => SCALE_GROUPS[i % SCALE_GROUPS.length];

/** The peers' BGP Identifiers: the RDs of their routes carry them (src/lab/routes.ts). */
const peerBgpId = (i: number): string => `198.51.${100 + (i >> 8)}.${(i & 255) + 1}`;

function scaleServerBgp(bgpPort: number, addresses: string[]): Json {
  return {
    'ncbgp-bgp:bgp': {
      'local-as': SERVER.as,
      'router-id': SERVER.routerId,
      listen: { address: SERVER.address, port: bgpPort },
      // a full export of a million routes to 100 peers takes minutes today: the default 120 s would fail it
      'refresh-timing': { timeout: 3600 },
      'peer-group': SCALE_GROUPS.map((g) => ({ name: g.name, type: 'external', 'remote-as': g.remoteAs, mvpn: { 'export-policy': 'none' } })),
      peer: addresses.map((address, i) => ({ address, group: scaleGroupOf(i).name, passive: true })),
      policy: [
        { name: 'none', 'default-action': 'reject' },
        { name: 'all', 'default-action': 'accept' },
        ...addresses.map((_, i) => ({ name: `all-${i + 1}`, 'default-action': 'accept' })),
      ],
    },
  };
}

interface ScaleRun extends Run {
  /** what the peers received from the RPC on */
  peers: MeshCounts;
}

/** One `all export` at scale: timed as timedRefresh, then until every peer has its EoRR (full) or until the peers' counts are still (changes-only). */
async function scaleRefresh(name: string, c: NetconfClient, inbox: Notification[], server: TestServer, peers: MeshPeersHandle, changesOnly: boolean): Promise<ScaleRun> {
  console.log(`${name} ...`);
  await peers.mark();
  const progress = async (): Promise<string> => {
    const p = await peers.counts();
    return `${gb(p.updateOctets)} of UPDATEs at the peers (${fmtCount(p.updates)}), ${p.peersWithEorr} EoRR`;
  };
  const run = await timedRefresh({ name, c, inbox, server, direction: 'export', changesOnly, progress });
  let counts = await peers.counts();
  if (!changesOnly) {
    await until('the EoRR at every peer', async () => {
      counts = await peers.counts();
      return counts.peersWithEorr >= PEERS || counts.down > 0;
    }, progress);
  } else {
    for (let before = -1; counts.octets !== before; counts = await peers.counts()) {
      before = counts.octets;
      await sleep(200);
    }
  }
  console.log(`  ${seconds(run.lastMs)} to the last peer-refresh-complete, ${fmtCount(run.routes)} routes: ${run.statuses}; load average ${loadavg()[0].toFixed(2)}`);
  return { ...run, peers: counts };
}

interface ScaleResult {
  routesPerPeer: number;
  locRib: number;
  /** advertised in all, from <get>, after the first advertisement */
  advertised: number;
  setupMs: number;
  baseline: Memory;
  held: Memory;
  advertisedMemory: Memory;
  first: ScaleRun;
  /** REPEAT runs each */
  full: ScaleRun[];
  changesOnly: ScaleRun[];
  /** or why it could not be measured */
  groupEach: ScaleRun | string;
  updateGroups?: number;
  /** settled, with an export policy per peer, and the update groups shown then */
  groupEachMemory?: Memory;
  groupEachGroups?: number;
}

async function measureScale(addresses: string[]): Promise<ScaleResult> {
  const routesPerPeer = Math.ceil(SCALE / PEERS);
  const locRib = routesPerPeer * PEERS;
  const bgpPort = await freePort(SERVER.address);
  let t = nowMs();
  const server = await start(scaleServerBgp(bgpPort, addresses));
  let peers: MeshPeersHandle | undefined;
  let c: NetconfClient | undefined;
  try {
    const session = await subscribed(server);
    c = session.c;
    const nc = c;
    const { inbox } = session;
    const baseline = await settledMemory(server);
    console.log(`server start ${seconds(nowMs() - t)}, RSS ${mib(baseline)}`);
    t = nowMs();
    const mesh = await startMeshPeers({
      server: { address: SERVER.address, port: bgpPort },
      peers: addresses.map((address, i) => ({ address, as: scaleGroupOf(i).remoteAs, bgpId: peerBgpId(i) })),
      routes: routesPerPeer,
    });
    peers = mesh;
    console.log(`peers' UPDATEs encoded in ${seconds(mesh.encodeMs)} (${fmtCount(mesh.routeOctets)} octets each); connecting ...`);
    t = nowMs();
    await mesh.mark();
    await mesh.connect();
    let n: PeerCounts = { established: 0, received: 0, advertised: 0 };
    let p = await mesh.counts();
    await until(
      'the sessions and the peers routes',
      async () => {
        n = await peerCounts(nc);
        p = await mesh.counts();
        if (p.down > 0) throw new Error(`${p.down} peer sessions went down: ${p.downReason}`);
        return n.established === PEERS && n.received === locRib && p.peersWithEndOfRib === PEERS;
      },
      async () => `${n.established} established, ${fmtCount(n.received)} routes received by the server, ${p.peersWithEndOfRib} End-of-RIB at the peers`,
    );
    const setupMs = nowMs() - t;
    const held = await settledMemory(server);
    console.log(`sessions up and ${fmtCount(locRib)} routes in the Loc-RIB in ${seconds(setupMs)}; server RSS ${mib(held)}`);

    await commit(c, SCALE_GROUPS.map((g) => `<peer-group><name>${g.name}</name><mvpn><export-policy>all</export-policy></mvpn></peer-group>`).join(''));
    const first = await scaleRefresh('first advertisement: export policy none -> all, all export', c, inbox, server, mesh, false);
    // members split out of their group while it was sending merge back once idle: measured with the groups the configuration makes
    let shown = await updateGroups(c);
    for (const end = nowMs() + MERGE_WAIT_MS; shown !== undefined && shown > SCALE_GROUPS.length && nowMs() < end; shown = await updateGroups(c)) await sleep(1000);
    const advertisedMemory = await settledMemory(server);
    const advertised = (await peerCounts(c)).advertised;
    const groups = await updateGroups(c);
    console.log(`server RSS ${mib(advertisedMemory)}; ${fmtCount(advertised)} routes advertised; ${groups ?? 'no'} update groups shown`);
    const full: ScaleRun[] = [];
    const changesOnly: ScaleRun[] = [];
    for (let i = 1; i <= REPEAT; i++) {
      full.push(await scaleRefresh(`all export, ${SCALE_GROUPS.length} peer groups (${i}/${REPEAT})`, c, inbox, server, mesh, false));
      changesOnly.push(await scaleRefresh(`all export changes-only, nothing to change (${i}/${REPEAT})`, c, inbox, server, mesh, true));
    }
    let groupEach: ScaleRun | string;
    let groupEachMemory: Memory | undefined;
    let groupEachGroups: number | undefined;
    try {
      await commit(c, addresses.map((a, i) => `<peer><address>${a}</address><mvpn><export-policy>all-${i + 1}</export-policy></mvpn></peer>`).join(''));
      groupEach = await scaleRefresh('all export, an export policy (and update group) per peer', c, inbox, server, mesh, false);
      groupEachMemory = await settledMemory(server);
      groupEachGroups = await updateGroups(c);
    } catch (e) {
      // the engine's failure is a result too: the rest is reported
      groupEach = e instanceof Error ? e.message : String(e);
      console.log(`an export policy per peer: ${groupEach}`);
    }
    const end = await peerCounts(c);
    if (end.established !== PEERS) throw new Error(`${end.established} of ${PEERS} sessions established at the end`);
    return { routesPerPeer, locRib, advertised, setupMs, baseline, held, advertisedMemory, first, full, changesOnly, groupEach, updateGroups: groups, groupEachMemory, groupEachGroups };
  } catch (e) {
    console.log(`server RSS ${mib(serverMemory(server))}; the server's last log lines:\n${server.stderrLines().slice(-10).join('\n')}`);
    throw e;
  } finally {
    c?.destroy();
    await peers?.stop();
    await server.stop();
  }
}

const serverPeak = (r: ScaleResult): number => Math.max(...[r.first, ...r.full, ...r.changesOnly, r.groupEach].map((x) => (typeof x === 'string' ? 0 : x.memory.peakMiB)));

/** The run of median time (the lower middle one of an even count). */
function medianRun<T extends Run>(runs: readonly T[]): T {
  return [...runs].sort((a, b) => a.lastMs - b.lastMs)[(runs.length - 1) >> 1];
}

function reportScale(r: ScaleResult): void {
  // a full re-advertisement sends every peer its whole Adj-RIB-Out
  const full = r.advertised;
  const perPeer = r.advertised / PEERS;
  // an EBGP group is sent no route whose AS_PATH holds its AS (its peers would drop it, RFC 4271 section 9.1.2): each peer gets the routes of the other ASes' peers
  const sameAs = (i: number): number => Array.from({ length: PEERS }, (_, j) => j).filter((j) => scaleGroupOf(j).remoteAs === scaleGroupOf(i).remoteAs).length;
  const expected = Array.from({ length: PEERS }, (_, i) => r.locRib - sameAs(i) * r.routesPerPeer).reduce((a, b) => a + b, 0);
  const groupEach = typeof r.groupEach === 'string' ? undefined : r.groupEach;
  const runs = [r.first, ...r.full, ...r.changesOnly, ...(groupEach ? [groupEach] : [])];
  const fullRun = medianRun(r.full);
  const changesOnlyRun = medianRun(r.changesOnly);
  const range = (xs: readonly Run[]): string => `${seconds(Math.min(...xs.map((x) => x.lastMs)))} to ${seconds(Math.max(...xs.map((x) => x.lastMs)))}`;
  const sinceRpc = (ms: number | undefined, run: Run): string => (ms === undefined ? 'n/a' : seconds(ms - run.startMs));
  console.log(
    table([
      ['refresh-bgp-mvpn all export', 'completed', 'routes', 'RPC reply', 'last peer-refresh-complete', 'last EoRR at the peers', 'routes/s', 'UPDATEs', 'octets', 'BoRR/EoRR', 'server CPU', 'peers CPU', 'peers read', 'server RSS after'],
      ...runs.map((x) => [
        x.name,
        `${x.completed}/${PEERS}`,
        fmtCount(x.routes),
        seconds(x.replyMs),
        seconds(x.lastMs),
        sinceRpc(x.peers.lastEorrMs, x),
        x.routes > 0 ? fmtRate(x.routes / (x.lastMs / 1000)) : 'n/a',
        fmtCount(x.peers.updates),
        gb(x.peers.updateOctets),
        `${x.peers.borr}/${x.peers.eorr}`,
        seconds(x.serverCpuMs),
        seconds(x.peers.cpuMs),
        x.peers.reads > 0 ? `${fmtCount(x.peers.octets / x.peers.reads / 1024)} KiB/read` : 'n/a',
        mib(x.memory),
      ]),
    ]),
  );
  const locRibBytes = ((r.held.rssMiB - r.baseline.rssMiB) * 2 ** 20) / r.locRib;
  const adjOut = (r.advertisedMemory.rssMiB - r.held.rssMiB) * 2 ** 20;
  const groups = r.updateGroups;
  const perGroup = adjOut / (perPeer * (groups ?? SCALE_GROUPS.length));
  console.log(`the Adj-RIBs-Out hold ${fmtCount(r.advertised)} routes (${r.advertised === expected ? 'as expected' : `expected ${fmtCount(expected)}`}: each peer is sent the routes of the peers of the other ${SCALE_GROUPS.length - 1} ASes, none of its own AS's)`);
  console.log(`server RSS: ${r.baseline.rssMiB.toFixed(0)} MiB started, ${r.held.rssMiB.toFixed(0)} MiB holding the Loc-RIB of ${fmtCount(r.locRib)}, ${r.advertisedMemory.rssMiB.toFixed(0)} MiB once advertised (${fmtCount(r.advertised)} routes in the Adj-RIBs-Out), peak ${serverPeak(r).toFixed(0)} MiB`);
  console.log(`  ${locRibBytes.toFixed(0)} B per Loc-RIB route (Adj-RIB-In and Loc-RIB); the first advertisement added ${(adjOut / 2 ** 20).toFixed(0)} MiB: ${(adjOut / r.advertised).toFixed(1)} B per route per peer`);
  console.log(
    groups === undefined
      ? `  the server shows no update groups: ${perGroup.toFixed(1)} B per route per update group if there were the ${SCALE_GROUPS.length} the configuration allows`
      : `  the server shows ${groups} update groups: ${perGroup.toFixed(1)} B per route per update group`,
  );
  if (r.groupEachMemory) {
    const added = (r.groupEachMemory.rssMiB - r.held.rssMiB) * 2 ** 20;
    console.log(`  with an export policy per peer (${r.groupEachGroups ?? 'no'} update groups shown): ${r.groupEachMemory.rssMiB.toFixed(0)} MiB, ${(added / 2 ** 20).toFixed(0)} MiB over the Loc-RIB's: ${(added / (perPeer * (r.groupEachGroups ?? PEERS))).toFixed(1)} B per route per update group`);
  }
  const complete = (x: ScaleRun, routes: number): boolean => x.completed === PEERS && x.routes === routes;
  const lastMs = (x: ScaleRun, routes: number): string => (complete(x, routes) ? seconds(x.lastMs) : `incomplete (${x.completed} peers, ${fmtCount(x.routes)} routes)`);
  console.log(
    table([
      ['target', 'measured', 'verdict'],
      [`all export, full re-advertisement of ${fmtCount(full)} routes, ${SCALE_GROUPS.length} groups, within ${TARGET_FULL_MS / 1000} s (median of ${REPEAT}: ${range(r.full)})`, lastMs(fullRun, full), verdict(r.full.every((x) => complete(x, full)) && fullRun.lastMs <= TARGET_FULL_MS)],
      [`all export changes-only, nothing to change, within ${TARGET_CHANGES_ONLY_MS / 1000} s (median of ${REPEAT}: ${range(r.changesOnly)})`, lastMs(changesOnlyRun, 0), verdict(r.changesOnly.every((x) => complete(x, 0)) && changesOnlyRun.lastMs <= TARGET_CHANGES_ONLY_MS)],
      [`all export, a group per peer / ${SCALE_GROUPS.length} groups (median)`, groupEach ? `${seconds(groupEach.lastMs)} / ${seconds(fullRun.lastMs)} = ${fmtRatio(groupEach.lastMs, fullRun.lastMs)}` : `not measured: ${String(r.groupEach).slice(0, 60)}`, ''],
      [`bytes per Loc-RIB route below ${GOAL_LOC_RIB_BYTES}`, `${locRibBytes.toFixed(0)} B`, verdict(locRibBytes < GOAL_LOC_RIB_BYTES)],
      [`bytes per route per update group below ${GOAL_GROUP_BYTES}`, `${perGroup.toFixed(1)} B`, verdict(perGroup < GOAL_GROUP_BYTES)],
    ]),
  );
}

async function runScalePart(addresses: string[]): Promise<void> {
  const routesPerPeer = Math.ceil(SCALE / PEERS);
  console.log(`${PEERS} peers x ${fmtCount(routesPerPeer)} MVPN routes on loopback (node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}): a Loc-RIB of ${fmtCount(routesPerPeer * PEERS)}, every peer sent the routes of the other ASes' peers;`);
  console.log(`the server (ncbgp serve), the peers (counting, not parsing) and the bench (NETCONF client) in processes of their own; ${SCALE_GROUPS.length} peer groups (EBGP, remote AS ${SCALE_GROUPS.map((g) => g.remoteAs).join(', ')}), same export policy`);
  reportScale(await measureScale(addresses));
}

export async function runRefreshBench(): Promise<void> {
  if (!Number.isInteger(PEERS) || PEERS < 1 || PEERS > 254) throw new Error('NCBGP_BENCH_REFRESH_PEERS: 1 to 254');
  const unknown = PARTS.filter((p) => p !== 'routes' && p !== 'scale');
  if (unknown.length > 0) throw new Error(`NCBGP_BENCH_REFRESH_PARTS: routes and/or scale, not ${unknown.join(', ')}`);
  const addresses = Array.from({ length: PEERS }, (_, i) => labPeerAddress(i));
  const t = nowMs();
  if (PARTS.includes('routes')) {
    console.log(`--- ${fmtCount(ROUTES)} routes per peer`);
    await runRoutesPart(addresses);
  }
  if (PARTS.includes('scale')) {
    console.log(`--- Loc-RIB of ${fmtCount(SCALE)} routes`);
    await runScalePart(addresses);
  }
  console.log(`refresh bench: ${seconds(nowMs() - t)}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (the bench uses both CPUs: anything else running makes its times longer)`);
}
