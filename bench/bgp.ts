// The BGP engine's soft reset, measured over loopback (issue 3, "Benchmark"):
// - export soft reset of N locally originated MVPN routes to one EBGP peer, a
//   counting peer of ours in its own process (bench/counting-peer.ts): time
//   from refresh() to the last route received, octets per route, routes per
//   UPDATE, the largest gap between UPDATEs;
// - import soft reset with keep-all-routes in a receiving engine (its own
//   process, bench/bgp-receiver.ts) holding the same N routes, and its memory
//   per route held (Adj-RIB-In and Loc-RIB);
// - side by side where gobgpd is installed: GoBGP 3.10's `softresetout` of N
//   ipv4-unicast routes to the same kind of counting peer.
// Export sends only differences, so a full re-advertisement is measured as
// the refresh after an export policy rejecting everything (itself measured as
// a full withdrawal), and the no-change refresh is shown on its own.
//
// Environment: NCBGP_BENCH_BGP_SIZES (default 100000,1000000),
// NCBGP_BENCH_GOBGP_ROUTES (default 100000; 1M takes GoBGP minutes),
// NCBGP_BENCH_CHILD_NODE_ARGS (node options for the child processes, e.g.
// '--cpu-prof --cpu-prof-dir=DIR'; run the bench itself with node --cpu-prof).
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BgpEngine, EngineConfig, OriginatedRoute, PeerConfig } from '../src/bgp/engine';
import { PeerResult } from '../src/bgp/refresh/operation';
import { MAX_MESSAGE_LENGTH } from '../src/bgp/wire/types';
import { createLogger } from '../src/log';
import { Held, ImportRefresh, Memory, startReceiver } from './bgp-receiver';
import { Burst, CountingPeerHandle, nowMs, startCountingPeer } from './counting-peer';
import { gobgpInstalled, startGobgp, writeMrtFile } from './gobgp';
import { fmtCount, fmtRate, table, verdict } from './report';

const MVPN = { afi: 1, safi: 5 };
const IPV4_UNICAST = { afi: 1, safi: 1 };
/** NCBGP_BENCH_BGP_SIZES=20000,100000 for other sizes */
const SIZES = (process.env.NCBGP_BENCH_BGP_SIZES ?? '100000,1000000').split(',').map(Number);
/** full withdrawal + full re-advertisement cycles per size, and import soft reset rounds */
const CYCLES = 3;
/** GoBGP takes about 100 s to load 1M routes through `gobgp mrt inject` and about a minute per 1M softresetout here: 100k by default */
const GOBGP_ROUTES = Number(process.env.NCBGP_BENCH_GOBGP_ROUTES ?? 100_000);
const GOBGP_RESETS = 3;
/** extra MRT records (repeats of the first prefixes): gobgp 3.10's `mrt inject` loses the last few hundred records of a stream */
const MRT_PADDING = 5_000;
const ROUTE_TARGETS = ['target:65000:1', 'target:65000:2', 'target:65000:3', 'target:65000:4'];
const STALL_MS = 250;
const TIMEOUT_MS = 300_000;

// loopback addresses: this engine, the receiving engine, the counting peers
const ENGINE = { address: '127.0.0.1', as: 65000, routerId: '192.0.2.1' };
const RECEIVER = { address: '127.0.0.2', as: 65001, routerId: '192.0.2.2' };
const COUNTING = { address: '127.0.0.3', as: 65099, bgpId: '192.0.2.99' };
const GOBGP = { as: 65010, routerId: '192.0.2.10', counting: '127.0.0.4', nextHop: '192.0.2.1' };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * `n` distinct MVPN routes, type 1 (Intra-AS I-PMSI A-D, 14-octet NLRI) and
 * type 3 (S-PMSI A-D, 24 octets) alternately, sharing four route targets.
 */
function mvpnRoutes(n: number): OriginatedRoute[] {
  const out: OriginatedRoute[] = [];
  for (let i = 0; i < n; i++) {
    const routeTargets = [ROUTE_TARGETS[i % ROUTE_TARGETS.length]];
    if (i % 2 === 0) {
      out.push({ route: { routeType: 1, rd: `65000:${i}`, originatingRouter: ENGINE.routerId }, routeTargets });
    } else {
      const source = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
      out.push({ route: { routeType: 3, rd: `65000:${i % 1000}`, source, group: `232.${(i >>> 24) & 255}.0.1`, originatingRouter: ENGINE.routerId }, routeTargets });
    }
  }
  return out;
}

interface ExportRun {
  /** from refresh() to the first and the last route at the counting peer */
  firstMs: number;
  lastMs: number;
  /** routes that arrived beyond the expected ones (0: exactly the expected routes, checked 100 ms later) */
  extra: number;
  /** from refresh() to 'peer-refresh-complete' */
  completeMs: number;
  result: PeerResult;
  burst: Burst;
}

interface SizeResult {
  n: number;
  applyMs: number;
  baseline: Memory;
  held: Held;
  /** import soft resets: policy unchanged, then rejecting all, then accepting all again; one of each per cycle */
  importSame: ImportRefresh[];
  importReject: ImportRefresh[];
  importAccept: ImportRefresh[];
  initial: Burst;
  noChange: ExportRun;
  withdrawals: ExportRun[];
  announcements: ExportRun[];
}

interface GobgpRun {
  /** from running `gobgp neighbor ... softresetout` to the first and the last route at the counting peer */
  firstMs: number;
  lastMs: number;
  /** routes beyond N, 100 ms after the last expected one */
  extra: number;
  burst: Burst;
}

interface GobgpResult {
  n: number;
  loadMs: number;
  /** a trivial gobgp command (`gobgp global`), start to exit: part of every softresetout time */
  cliMs: number;
  initial: Burst;
  resets: GobgpRun[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function engineConfig(routes: readonly OriginatedRoute[], receiverPort: number, countingPort: number, exportPolicy: string): EngineConfig {
  const peer = (address: string, remoteAs: number, remotePort: number, mvpn: PeerConfig['mvpn']): PeerConfig => ({
    address,
    remoteAs,
    remotePort,
    localAddress: ENGINE.address,
    passive: false,
    holdTime: 90,
    connectRetryTime: 1,
    routeRefresh: true,
    enhancedRouteRefresh: true,
    mvpn,
    unicast: { enabled: false, keepAllRoutes: false },
  });
  return {
    localAs: ENGINE.as,
    routerId: ENGINE.routerId,
    groups: [],
    peers: [
      peer(RECEIVER.address, RECEIVER.as, receiverPort, { enabled: true, keepAllRoutes: false }),
      peer(COUNTING.address, COUNTING.as, countingPort, { enabled: true, keepAllRoutes: false, exportPolicy }),
    ],
    policies: [
      { name: 'accept-all', terms: [], defaultAction: 'accept' },
      { name: 'reject-all', terms: [], defaultAction: 'reject' },
    ],
    originated: routes,
    refresh: { quietPeriodMs: 1000, timeoutMs: TIMEOUT_MS },
  };
}

/** One export soft reset towards the counting peer, timed until `expected` arrived there. */
async function timedExport(engine: BgpEngine, cp: CountingPeerHandle, expected: { announced?: number; withdrawn?: number }): Promise<ExportRun> {
  const routes = (expected.announced ?? 0) + (expected.withdrawn ?? 0);
  gc();
  await cp.mark();
  const arrived = routes > 0 ? cp.expect({ ...expected, timeoutMs: TIMEOUT_MS }) : undefined;
  await cp.state(); // the expectation is in place before the first UPDATE
  let completeAt = 0;
  const completed = new Promise<PeerResult>((resolve) =>
    engine.once('peer-refresh-complete', (r) => {
      completeAt = nowMs();
      resolve(r);
    }),
  );
  const start = nowMs();
  engine.refresh({ family: MVPN, selector: { kind: 'address', address: COUNTING.address }, direction: 'export' });
  const result = await completed;
  const burst = arrived ? await arrived : await cp.snapshot();
  if (burst.timedOut) throw new Error(`export soft reset: ${JSON.stringify(expected)} not received within ${TIMEOUT_MS} ms (got ${burst.announced} + ${burst.withdrawn})`);
  await sleep(arrived ? 100 : 200); // anything more would be there by now
  const after = await cp.snapshot();
  return { firstMs: (burst.firstMs ?? completeAt) - start, lastMs: (burst.lastMs ?? completeAt) - start, extra: after.announced + after.withdrawn - routes, completeMs: completeAt - start, result, burst };
}

async function measureSize(n: number): Promise<SizeResult> {
  const receiver = await startReceiver({ localAs: RECEIVER.as, routerId: RECEIVER.routerId, listenAddress: RECEIVER.address, peerAddress: ENGINE.address, peerAs: ENGINE.as });
  const cp = await startCountingPeer({ address: COUNTING.address, localAs: COUNTING.as, remoteAs: ENGINE.as, bgpId: COUNTING.bgpId, families: [MVPN], deferAccept: true });
  const engine = new BgpEngine(createLogger({}, () => undefined));
  try {
    const routes = mvpnRoutes(n);
    const config = (exportPolicy: string): EngineConfig => engineConfig(routes, receiver.port, cp.port, exportPolicy);
    // the receiving engine first, alone: its receive rate and its memory
    const t = nowMs();
    await engine.apply(config('accept-all'));
    const applyMs = nowMs() - t;
    const held = await receiver.hold(n, TIMEOUT_MS);
    if (held.timedOut) throw new Error(`the receiving engine holds ${held.received} of ${n} routes after ${TIMEOUT_MS} ms`);
    const importSame: ImportRefresh[] = [];
    const importReject: ImportRefresh[] = [];
    const importAccept: ImportRefresh[] = [];
    for (let c = 0; c < CYCLES; c++) {
      importSame.push(await receiver.refresh('accept-all'));
      importReject.push(await receiver.refresh('reject-all'));
      importAccept.push(await receiver.refresh('accept-all'));
    }
    for (const [runs, accepted] of [[importSame, n], [importReject, 0], [importAccept, n]] as const) {
      for (const r of runs) if (r.status !== 'completed' || r.accepted !== accepted) throw new Error(`import soft reset ${r.status} with ${r.accepted} routes accepted, expected ${accepted}`);
    }
    // then the counting peer: initial advertisement, then soft resets
    await cp.mark();
    const initialArrived = cp.expect({ announced: n, timeoutMs: TIMEOUT_MS });
    await cp.accept();
    const initial = await initialArrived;
    if (initial.timedOut) throw new Error(`initial advertisement: ${initial.announced} of ${n} routes`);
    await sleep(100); // End-of-RIB
    const noChange = await timedExport(engine, cp, {});
    const withdrawals: ExportRun[] = [];
    const announcements: ExportRun[] = [];
    for (let c = 0; c < CYCLES; c++) {
      await engine.apply(config('reject-all'));
      withdrawals.push(await timedExport(engine, cp, { withdrawn: n }));
      await engine.apply(config('accept-all'));
      announcements.push(await timedExport(engine, cp, { announced: n }));
    }
    return { n, applyMs, baseline: receiver.baseline, held, importSame, importReject, importAccept, initial, noChange, withdrawals, announcements };
  } finally {
    await engine.stop();
    await cp.stop();
    await receiver.stop();
    gc();
  }
}

const countIn = (summary: string): number => Number(/Destination: (\d+)/.exec(summary)?.[1] ?? 0);

async function measureGobgp(n: number): Promise<GobgpResult> {
  const cp = await startCountingPeer({ address: GOBGP.counting, localAs: COUNTING.as, remoteAs: GOBGP.as, bgpId: COUNTING.bgpId, families: [IPV4_UNICAST], deferAccept: true });
  let g: Awaited<ReturnType<typeof startGobgp>> | undefined;
  try {
    g = await startGobgp({ as: GOBGP.as, routerId: GOBGP.routerId, neighbor: { address: GOBGP.counting, as: COUNTING.as, port: cp.port } });
    const gobgp = g;
    const file = join(gobgp.dir, 'routes.mrt');
    await writeMrtFile(file, n, { bgpId: '192.0.2.20', address: '192.0.2.20', as: 65020 }, GOBGP.nextHop, MRT_PADDING);
    // loaded before the session comes up (with it up, loading is three times slower)
    const t = nowMs();
    let have = 0;
    for (let pass = 0; pass < 5 && have < n; pass++) {
      await gobgp.cli(['mrt', 'inject', 'global', file, String(n + MRT_PADDING - have), String(have)]);
      have = countIn(await gobgp.cli(['global', 'rib', 'summary', '-a', 'ipv4']));
    }
    const loadMs = nowMs() - t;
    if (have < n) throw new Error(`GoBGP holds ${have} of ${n} routes after 5 mrt inject passes`);
    await cp.mark();
    const initialArrived = cp.expect({ announced: n, timeoutMs: TIMEOUT_MS });
    await cp.accept();
    const initial = await initialArrived;
    if (initial.timedOut) throw new Error(`GoBGP initial advertisement: ${initial.announced} of ${n} routes`);
    const cliTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = nowMs();
      await gobgp.cli(['global']);
      cliTimes.push(nowMs() - start);
    }
    const resets: GobgpRun[] = [];
    for (let r = 0; r < GOBGP_RESETS; r++) {
      await cp.mark();
      const arrived = cp.expect({ announced: n, timeoutMs: TIMEOUT_MS });
      await cp.state();
      const start = nowMs();
      await gobgp.cli(['neighbor', GOBGP.counting, 'softresetout']);
      const burst = await arrived;
      if (burst.timedOut) throw new Error(`GoBGP softresetout: ${burst.announced} of ${n} routes`);
      await sleep(100);
      const extra = (await cp.snapshot()).announced - n;
      resets.push({ firstMs: (burst.firstMs ?? start) - start, lastMs: (burst.lastMs ?? start) - start, extra, burst });
    }
    return { n, loadMs, cliMs: median(cliTimes), initial, resets };
  } finally {
    await g?.stop();
    await cp.stop();
  }
}

// ---------------------------------------------------------------------------
// Reporting

const rate = (routes: number, ms: number): number => (routes * 1000) / ms;
const fmtMs = (v: number): string => (v < 10 ? `${v.toFixed(2)} ms` : `${fmtCount(v)} ms`);
const sizeName = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

/** Routes/s of a full export (median run), and how it is packed. */
function exportFigures(runs: readonly ExportRun[], n: number): { rate: number; octetsPerRoute: number; routesPerUpdate: number; fill: number; maxGapMs: number; tailMs: number; afterLastMs: number } {
  const rates = runs.map((r) => rate(n, r.lastMs));
  const mid = runs[rates.indexOf(median(rates))] ?? runs[0];
  const b = mid.burst;
  return {
    rate: median(rates),
    octetsPerRoute: b.octets / n,
    routesPerUpdate: n / b.updates,
    fill: b.octets / b.updates / MAX_MESSAGE_LENGTH,
    maxGapMs: Math.max(...runs.map((r) => r.burst.maxGapMs)),
    tailMs: Math.max(...runs.map((r) => (r.burst.lastMs ?? 0) - (r.burst.p99Ms ?? r.burst.lastMs ?? 0))),
    afterLastMs: Math.max(...runs.map((r) => r.completeMs - r.lastMs)),
  };
}

/** Time to 'peer-refresh-complete' (median run) and the routes/s it makes. */
function importFigure(n: number, runs: readonly ImportRefresh[]): string {
  const ms = median(runs.map((r) => r.ms));
  return `${fmtMs(ms)} (${fmtRate(rate(n, ms))})`;
}

function gobgpRate(g: GobgpResult): number {
  return median(g.resets.map((r) => rate(g.n, r.lastMs)));
}

export async function runBgpBench(): Promise<void> {
  console.log(`BGP soft reset on loopback, node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}; counting peers and the receiving engine in processes of their own`);
  const results: SizeResult[] = [];
  for (const n of SIZES) {
    console.log(`N = ${fmtCount(n)} MVPN routes: building, loading, measuring...`);
    const started = nowMs();
    results.push(await measureSize(n));
    console.log(`  done in ${(Math.round(nowMs() - started) / 1000).toFixed(1)} s`);
  }
  let gobgp: GobgpResult | undefined;
  let gobgpNote = '';
  if (!(await gobgpInstalled())) gobgpNote = 'gobgpd is not installed: no side-by-side figures';
  else {
    console.log(`GoBGP: ${fmtCount(GOBGP_ROUTES)} ipv4-unicast routes loaded with gobgp mrt inject, ${GOBGP_RESETS} softresetouts...`);
    try {
      const started = nowMs();
      gobgp = await measureGobgp(GOBGP_ROUTES);
      console.log(`  done in ${(Math.round(nowMs() - started) / 1000).toFixed(1)} s (loading ${(gobgp.loadMs / 1000).toFixed(1)} s)`);
    } catch (e) {
      gobgpNote = `GoBGP run failed: ${(e as Error).message}`;
    }
  }
  if (gobgpNote) console.log(gobgpNote);

  const ex = new Map(results.map((r) => [r.n, { announce: exportFigures(r.announcements, r.n), withdraw: exportFigures(r.withdrawals, r.n) }]));
  const cols = results.map((r) => `N = ${sizeName(r.n)}`);
  const row = (name: string, f: (r: SizeResult) => string): string[] => [name, ...results.map(f)];
  const announce = (r: SizeResult): ReturnType<typeof exportFigures> => ex.get(r.n)!.announce;
  const withdraw = (r: SizeResult): ReturnType<typeof exportFigures> => ex.get(r.n)!.withdraw;
  const perRoute = (r: SizeResult, k: keyof Memory): number => (r.held.memory[k] - r.baseline[k]) / r.n;
  console.log('');
  console.log(
    table([
      ['ncbgp, MVPN (AFI 1 / SAFI 5), one EBGP peer', ...cols],
      row('export soft reset, full re-advertisement: routes/s (median)', (r) => fmtRate(announce(r).rate)),
      row('  each run, ms to: the first route | the last | peer-refresh-complete', (r) => r.announcements.map((a) => `${fmtCount(a.firstMs)}|${fmtCount(a.lastMs)}|${fmtCount(a.completeMs)}`).join('  ')),
      row('  octets per route | routes per UPDATE | UPDATE fill', (r) => `${announce(r).octetsPerRoute.toFixed(1)} | ${announce(r).routesPerUpdate.toFixed(0)} | ${(announce(r).fill * 100).toFixed(0)} %`),
      row('  largest gap between UPDATEs | last 1 % of routes', (r) => `${fmtMs(announce(r).maxGapMs)} | ${fmtMs(announce(r).tailMs)}`),
      row('export soft reset, full withdrawal: routes/s (median)', (r) => fmtRate(withdraw(r).rate)),
      row('  largest gap between UPDATEs', (r) => fmtMs(withdraw(r).maxGapMs)),
      row('export soft reset, nothing changed: to peer-refresh-complete', (r) => `${fmtMs(r.noChange.completeMs)}, ${r.noChange.burst.updates} UPDATEs`),
      row('initial advertisement to the counting peer: routes/s', (r) => fmtRate(rate(r.n, (r.initial.lastMs ?? 0) - (r.initial.establishedMs ?? r.initial.firstMs ?? 0)))),
      row('routes into the keep-all-routes engine: routes/s', (r) => fmtRate(rate(r.n, r.held.ms))),
      row('import soft reset, keep-all-routes, policy unchanged (median)', (r) => importFigure(r.n, r.importSame)),
      row('import soft reset, keep-all-routes, now rejecting all (median)', (r) => importFigure(r.n, r.importReject)),
      row('import soft reset, keep-all-routes, accepting all again (median)', (r) => importFigure(r.n, r.importAccept)),
      row('receiving engine memory per route held: RSS | V8 heap', (r) => `${perRoute(r, 'rss').toFixed(0)} | ${perRoute(r, 'heapUsed').toFixed(0)} B`),
      row('apply() of a config with N originated routes', (r) => fmtMs(r.applyMs)),
    ]),
  );
  let ratio: number | undefined;
  const ours = results.find((r) => r.n === gobgp?.n);
  if (gobgp) {
    const g = gobgp;
    const runs = g.resets;
    const b = runs[0].burst;
    ratio = ours ? announce(ours).rate / gobgpRate(g) : undefined;
    console.log('');
    console.log(
      table([
        [`GoBGP 3.10, ipv4-unicast (/24s), one EBGP peer`, `N = ${sizeName(g.n)}`],
        ['softresetout: routes/s, command to the last route (median)', fmtRate(gobgpRate(g))],
        ['  each run: to the first route | to the last route', runs.map((r) => `${fmtCount(r.firstMs)}|${fmtCount(r.lastMs)} ms`).join(' ')],
        ['  sending only, first to last route: routes/s (median)', fmtRate(median(runs.map((r) => rate(g.n, r.lastMs - r.firstMs))))],
        ['  octets per route | routes per UPDATE', `${(b.octets / g.n).toFixed(1)} | ${(g.n / b.updates).toFixed(0)}`],
        ['  largest gap between UPDATEs', fmtMs(Math.max(...runs.map((r) => r.burst.maxGapMs)))],
        ['initial advertisement: routes/s', fmtRate(rate(g.n, (g.initial.lastMs ?? 0) - (g.initial.establishedMs ?? g.initial.firstMs ?? 0)))],
        [`loading N routes (gobgp mrt inject)`, fmtMs(g.loadMs)],
        ['a trivial gobgp CLI command (included above)', fmtMs(g.cliMs)],
        [`ncbgp export soft reset at the same N, ratio`, ratio === undefined ? `n/a (no ncbgp run at N = ${fmtCount(g.n)})` : `${ratio.toFixed(1)}x`],
      ]),
    );
  }

  const surplus = [...results.flatMap((r) => [r.noChange, ...r.announcements, ...r.withdrawals]), ...(gobgp?.resets ?? [])].filter((r) => r.extra !== 0);
  console.log(surplus.length === 0 ? 'every soft reset delivered exactly the expected routes, none more' : `WARNING: ${surplus.length} soft resets delivered more routes than expected (${surplus.map((r) => r.extra).join(', ')})`);
  const bursts = [...results.flatMap((r) => [r.initial, ...[r.noChange, ...r.announcements, ...r.withdrawals].map((x) => x.burst)]), ...(gobgp ? [gobgp.initial, ...gobgp.resets.map((x) => x.burst)] : [])];
  const sampled = bursts.reduce((n, b) => n + b.sampled, 0);
  const malformed = bursts.reduce((n, b) => n + b.malformed, 0);
  console.log(
    malformed === 0
      ? `the counting peers decoded ${fmtCount(sampled)} of the UPDATEs in full (decodeMessage): all agreed with the count`
      : `WARNING: ${malformed} UPDATEs (of ${fmtCount(sampled)} decoded in full) were malformed or disagreed with the count`,
  );
  const million = results.find((r) => r.n === 1_000_000);
  const allRuns = results.flatMap((r) => [...r.announcements, ...r.withdrawals]);
  const worstGap = Math.max(...allRuns.map((r) => r.burst.maxGapMs));
  const worstAfter = Math.max(...allRuns.map((r) => r.completeMs - r.lastMs));
  const m = million && announce(million);
  const rss = million && perRoute(million, 'rss');
  console.log('');
  console.log('targets:');
  console.log(
    table([
      ['target', 'measured', 'status'],
      ['export soft reset >= 2x GoBGP softresetout (same N)', ratio === undefined ? 'n/a' : `${ratio.toFixed(1)}x at N = ${sizeName(gobgp?.n ?? 0)}`, verdict(ratio === undefined ? undefined : ratio >= 2)],
      ['export soft reset >= 1M routes/s at N = 1M', m ? fmtRate(m.rate) : 'n/a', verdict(m && m.rate >= 1_000_000)],
      ['  well packed: UPDATEs >= 90 % of 4096 octets', m ? `${(m.fill * 100).toFixed(0)} %` : 'n/a', verdict(m && m.fill >= 0.9)],
      ['< 300 B RSS per MVPN route held (Adj-RIB-In + Loc-RIB), N = 1M', rss === undefined ? 'n/a' : `${rss.toFixed(0)} B`, verdict(rss === undefined ? undefined : rss < 300)],
      [`no stall at the end of a burst: no UPDATE gap >= ${STALL_MS} ms`, `${fmtMs(worstGap)}; completion ${fmtMs(worstAfter)} after the last route`, verdict(worstGap < STALL_MS && worstAfter < STALL_MS)],
    ]),
  );
  if (gobgpNote) console.log(gobgpNote);
}
