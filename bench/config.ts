// NETCONF configuration over SSH on loopback (RFC 6241): edit-config + commit
// transactions that each add one BGP peer, with 100, 1,000 and 10,000 peers
// already configured; get-config of the whole bgp tree. Side by side with
// yuma123 netconfd, which loads yang/ncbgp-bgp.yang at run time.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NetconfClient } from '../src/netconf/client';
import { CAPABILITY } from '../src/model/namespaces';
import { connect, REPO_ROOT, startServer, TestServer } from '../test/helpers/server';
import { failure, NETCONFD_PORT, RPC_ERROR, startNetconfd } from './netconfd';
import { fmtCount, fmtRate, fmtRatio, table, verdict, withTimeout as within } from './report';

const SIZES = [100, 1000, 10_000];
/**
 * Transactions per row: warm-up, then measured. netconfd takes about 250 ms
 * per transaction at 1,000 peers, so it gets fewer. Our server runs every
 * mode twice: the first pass is of a server just started, the second of one
 * whose code V8 has optimized.
 */
const OURS_TX = { warmup: 200, measured: 1000, passes: 2 };
const REFERENCE_TX = { warmup: 20, measured: 100, passes: 1 };
const WINDOW = 16;
const GET_CONFIG_RUNS = 7;
const REFERENCE_SIZE = 1000;
const STALL_MS = 120_000;
/** Issue 14: at 10,000 peers, the configuration bound to the engine, in every run. */
const TARGET_TX_PER_S = { sequential: 800, pipelined: 2000 };

const YUMA_SYSTEM_NS = 'http://yuma123.org/ns/yuma123-system';

const BGP_NS = 'urn:ncbgp:yang:ncbgp-bgp';
const PRELOAD_BASE = 0x0a000000; // 10.0.0.0: peers configured before measuring
const ADDED_BASE = 0x0a800000; // 10.128.0.0: peers the transactions add

type Datastore = 'candidate' | 'running';

/** How each transaction reaches running: edit-config to candidate + commit, or edit-config to running. */
interface Mode {
  name: string;
  target: Datastore;
  pipelined: boolean;
}

const MODES: Mode[] = [
  { name: 'candidate + commit, sequential', target: 'candidate', pipelined: false },
  { name: `candidate + commit, pipelined (window ${WINDOW})`, target: 'candidate', pipelined: true },
  { name: 'running, sequential', target: 'running', pipelined: false },
  { name: `running, pipelined (window ${WINDOW})`, target: 'running', pipelined: true },
];

interface Target {
  name: string;
  session: NetconfClient;
  writableRunning: boolean;
  /** per row: warm-up and measured transactions; passes over all the modes */
  tx: { warmup: number; measured: number; passes: number };
}

interface TxFigures {
  perSecond: number;
  medianMs: number;
  p99Ms: number;
}

interface GetConfigFigures {
  medianMs: number;
  bytes: number;
}

interface SizeFigures {
  size: number;
  preloadMs: number;
  /** the first pass over the modes, on a server just started (its code not yet optimized by V8) */
  firstPass: Map<string, TxFigures>;
  /** the last pass */
  modes: Map<string, TxFigures>;
  getConfig: GetConfigFigures;
}

const withTimeout = <T>(p: Promise<T>, what: string): Promise<T> => within(p, what, STALL_MS);

const ipv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

const peerXml = (address: string, remoteAs: number, description: string, operation = ''): string =>
  `<peer${operation ? ` nc:operation="${operation}"` : ''}><address>${address}</address>` +
  // passive: the engine waits for these peers instead of connecting to addresses nobody answers on
  (operation === 'delete' ? '' : `<remote-as>${remoteAs}</remote-as><passive>true</passive><description>${description}</description>`) +
  '</peer>';

const editConfig = (target: Datastore, bgpContent: string): string =>
  `<edit-config><target><${target}/></target><config><bgp xmlns="${BGP_NS}" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">${bgpContent}</bgp></config></edit-config>`;

const GET_CONFIG_BGP = `<get-config><source><running/></source><filter type="subtree"><bgp xmlns="${BGP_NS}"/></filter></get-config>`;

const OK = /<(?:[\w.-]+:)?ok\s*\/>/;
const PEER_START = /<(?:[\w.-]+:)?peer[\s>]/g;

/** One RPC whose reply must be <ok/>. */
async function okRpc(c: NetconfClient, operation: string): Promise<void> {
  const reply = await c.rpcText(operation);
  if (RPC_ERROR.test(reply) || !OK.test(reply)) throw new Error(`${operation.slice(0, 80)}... failed: ${reply.slice(0, 800)}`);
}

/** The RPCs of one transaction, which all go out before the first reply is read. */
function transaction(t: Target, target: Datastore, bgpContent: string): Promise<void> {
  const edit = okRpc(t.session, editConfig(target, bgpContent));
  return target === 'candidate' ? Promise.all([edit, okRpc(t.session, '<commit/>')]).then(() => undefined) : edit;
}

/** Runs `count` transactions, one at a time or `WINDOW` in flight; per-transaction latency from first send to last reply. */
async function runTransactions(t: Target, mode: Mode, count: number, nextAddress: () => string): Promise<number[]> {
  const latencies: number[] = [];
  const one = async (): Promise<void> => {
    const start = performance.now();
    await transaction(t, mode.target, peerXml(nextAddress(), 65002, 'added by the bench'));
    latencies.push(performance.now() - start);
  };
  if (!mode.pipelined) {
    for (let i = 0; i < count; i++) await one();
    return latencies;
  }
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const pump = (): void => {
      while (sent < count && sent - done < WINDOW) {
        sent++;
        one().then(() => {
          if (++done === count) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  return latencies;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function getConfig(t: Target): Promise<{ ms: number; bytes: number; peers: number }> {
  const start = performance.now();
  const reply = await t.session.rpcText(GET_CONFIG_BGP);
  const ms = performance.now() - start;
  if (RPC_ERROR.test(reply)) throw new Error(`<get-config> failed: ${reply.slice(0, 800)}`);
  return { ms, bytes: Buffer.byteLength(reply, 'utf8'), peers: reply.match(PEER_START)?.length ?? 0 };
}

/** Fails unless running holds exactly `expected` peers: every measured commit really landed. */
async function expectPeers(t: Target, expected: number, when: string): Promise<void> {
  const { peers } = await getConfig(t);
  if (peers !== expected) throw new Error(`${t.name} ${when}: running has ${peers} peers, expected ${expected}`);
}

/** bgp with `size` peers, in one edit-config to candidate and a commit; returns the time it took. */
async function preload(t: Target, size: number): Promise<number> {
  const peers: string[] = [];
  for (let i = 0; i < size; i++) peers.push(peerXml(ipv4(PRELOAD_BASE + i), 65001, `preloaded peer ${i}`));
  const start = performance.now();
  await transaction(t, 'candidate', `<local-as>65000</local-as><router-id>192.0.2.1</router-id>${peers.join('')}`);
  const ms = performance.now() - start;
  await expectPeers(t, size, 'after preload');
  return ms;
}

/** One mode at one size: warm-up, measured run, check, then the added peers are deleted again so the next mode starts at `size`. */
async function measureMode(t: Target, size: number, mode: Mode, added: { next: number }): Promise<TxFigures> {
  const first = added.next;
  const nextAddress = (): string => ipv4(ADDED_BASE + added.next++);
  await withTimeout(runTransactions(t, mode, t.tx.warmup, nextAddress), `${t.name} ${mode.name} warm-up at ${size}`);
  const start = performance.now();
  const latencies = await withTimeout(runTransactions(t, mode, t.tx.measured, nextAddress), `${t.name} ${mode.name} at ${size}`);
  const perSecond = (t.tx.measured * 1000) / (performance.now() - start);
  await expectPeers(t, size + t.tx.warmup + t.tx.measured, `after ${mode.name}`);
  const deletes: string[] = [];
  for (let i = first; i < added.next; i++) deletes.push(peerXml(ipv4(ADDED_BASE + i), 0, '', 'delete'));
  await withTimeout(transaction(t, mode.target, deletes.join('')), `${t.name} clean-up`);
  await expectPeers(t, size, `after clean-up of ${mode.name}`);
  latencies.sort((a, b) => a - b);
  return { perSecond, medianMs: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99) };
}

async function measureGetConfig(t: Target, size: number): Promise<GetConfigFigures> {
  const runs: { ms: number; bytes: number; peers: number }[] = [];
  for (let i = 0; i < GET_CONFIG_RUNS; i++) runs.push(await withTimeout(getConfig(t), `${t.name} get-config`));
  if (runs.some((r) => r.peers !== size)) throw new Error(`${t.name} get-config: ${runs.map((r) => r.peers).join(', ')} peers, expected ${size}`);
  const times = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { medianMs: quantile(times, 0.5), bytes: runs[0].bytes };
}

async function measureSize(t: Target, size: number): Promise<SizeFigures> {
  const preloadMs = await withTimeout(preload(t, size), `${t.name} preload of ${size} peers`);
  const passes: Map<string, TxFigures>[] = [];
  const added = { next: 0 };
  for (let pass = 0; pass < t.tx.passes; pass++) {
    const modes = new Map<string, TxFigures>();
    for (const mode of MODES) {
      if (mode.target === 'running' && !t.writableRunning) continue;
      modes.set(mode.name, await measureMode(t, size, mode, added));
    }
    passes.push(modes);
  }
  return { size, preloadMs, firstPass: passes[0], modes: passes[passes.length - 1], getConfig: await measureGetConfig(t, size) };
}

const targetOf = (session: NetconfClient, name: string, tx: Target['tx']): Target => ({ name, session, tx, writableRunning: session.serverCapabilities.includes(CAPABILITY.writableRunning) });

/** A fresh server per size, so that each starts from an empty running. */
async function measureOurs(size: number): Promise<SizeFigures> {
  const server: TestServer = await startServer();
  try {
    const session = await connect(server);
    try {
      console.log(`ncbgp server pid ${server.proc.pid}, state dir ${server.stateDir}: ${size.toLocaleString('en-US')} peers...`);
      return await measureSize(targetOf(session, 'ncbgp', OURS_TX), size);
    } finally {
      session.destroy();
    }
  } finally {
    await server.stop();
  }
}

interface Reference {
  session: NetconfClient;
  stop(): void;
}

/**
 * netconfd behind OpenSSH, started with YUMA_MODPATH pointing at yang/ so that
 * yuma123-system's <load> finds ncbgp-bgp (the script loads no module of ours).
 */
async function startReference(): Promise<Reference | string> {
  const netconfd = startNetconfd({ ...process.env, YUMA_MODPATH: join(REPO_ROOT, 'yang') });
  if (typeof netconfd === 'string') return netconfd;
  try {
    const session = await netconfd.connect();
    const reply = await session.rpcText(`<load xmlns="${YUMA_SYSTEM_NS}"><module>ncbgp-bgp</module></load>`);
    if (RPC_ERROR.test(reply) || !reply.includes('mod-revision')) {
      session.destroy();
      throw new Error(`<load> of ncbgp-bgp refused: ${reply.replace(/\s+/g, ' ').slice(0, 400)}`);
    }
    return { session, stop: netconfd.stop };
  } catch (e) {
    netconfd.stop();
    return failure(e);
  }
}

/** Median time of a small append + fdatasync where the server keeps its state (what one durable commit waits for at least). */
function fdatasyncMedianMs(): number {
  const dir = mkdtempSync(join(tmpdir(), 'ncbgp-bench-sync-'));
  const fd = openSync(join(dir, 'probe'), 'a');
  const times: number[] = [];
  try {
    const record = Buffer.alloc(256, 0x61);
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      writeSync(fd, record);
      fdatasyncSync(fd);
      times.push(performance.now() - start);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return quantile(times.sort((a, b) => a - b), 0.5);
}

const fmtMs = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(2)} ms`);


export async function runConfigBench(): Promise<void> {
  console.log(`NETCONF edit-config/commit over SSH on loopback, node ${process.version}, ${cpus().length} CPUs, client src/netconf/client.ts`);
  console.log(
    `one session; each transaction adds one peer; per row ${fmtCount(OURS_TX.warmup)} warm-up + ${fmtCount(OURS_TX.measured)} measured transactions ` +
      `(netconfd ${fmtCount(REFERENCE_TX.warmup)} + ${fmtCount(REFERENCE_TX.measured)}), then the added peers are deleted again; ` +
      `ncbgp's modes run twice (the first pass on a server just started, the second once V8 has optimized it), median, p99 and targets are the second's`,
  );
  const syncMs = fdatasyncMedianMs();
  console.log(`state dir disk (${tmpdir()}): append + fdatasync median ${syncMs.toFixed(2)} ms, so at most ${fmtRate(1000 / syncMs)} durable commits one after another`);
  const ours: SizeFigures[] = [];
  const failures: string[] = [];
  for (const size of SIZES) {
    try {
      ours.push(await measureOurs(size));
    } catch (e) {
      failures.push(`ncbgp at ${fmtCount(size)} peers: ${(e as Error).message}`);
      console.log(failures[failures.length - 1]);
    }
  }

  let ref: SizeFigures | undefined;
  const reference = await startReference();
  if (typeof reference === 'string') {
    console.log(`reference netconfd could not start, no side-by-side figures: ${reference}`);
  } else {
    console.log(`reference netconfd (yuma123, behind OpenSSH, ncbgp-bgp loaded with <load>) on 127.0.0.1:${NETCONFD_PORT}: ${fmtCount(REFERENCE_SIZE)} peers...`);
    try {
      ref = await measureSize(targetOf(reference.session, 'netconfd', REFERENCE_TX), REFERENCE_SIZE);
    } catch (e) {
      console.log(`netconfd: ${(e as Error).message}`);
    } finally {
      reference.session.destroy();
      reference.stop();
    }
  }

  const tx = (f: SizeFigures | undefined, mode: Mode): TxFigures | undefined => f?.modes.get(mode.name);
  console.log('');
  const rows = [['peers configured', 'transaction', 'ncbgp tx/s, first pass', 'second pass', 'median', 'p99']];
  for (const f of ours) {
    for (const mode of MODES) {
      const m = tx(f, mode);
      const first = f.firstPass.get(mode.name);
      rows.push([fmtCount(f.size), mode.name, first ? fmtRate(first.perSecond) : 'not offered', m ? fmtRate(m.perSecond) : 'not offered', fmtMs(m?.medianMs), fmtMs(m?.p99Ms)]);
    }
  }
  console.log(table(rows));

  console.log('');
  const sizeRows = [['peers configured', 'preload (one edit-config + commit)', 'get-config bgp (median)', 'reply bytes']];
  for (const f of ours) sizeRows.push([fmtCount(f.size), fmtMs(f.preloadMs), fmtMs(f.getConfig.medianMs), fmtCount(f.getConfig.bytes)]);
  console.log(table(sizeRows));

  const oursAtRef = ours.find((f) => f.size === REFERENCE_SIZE);
  console.log('');
  console.log(`side by side at ${fmtCount(REFERENCE_SIZE)} peers:`);
  const refRows = [['measurement', 'ncbgp', 'netconfd', 'ratio (>1: ncbgp ahead)']];
  for (const mode of MODES.filter((m) => m.target === 'candidate')) {
    const a = tx(oursAtRef, mode)?.perSecond;
    const b = tx(ref, mode)?.perSecond;
    refRows.push([mode.name, fmtRate(a), fmtRate(b), fmtRatio(a, b)]);
  }
  refRows.push([`get-config bgp (median of ${GET_CONFIG_RUNS})`, fmtMs(oursAtRef?.getConfig.medianMs), fmtMs(ref?.getConfig.medianMs), fmtRatio(ref?.getConfig.medianMs, oursAtRef?.getConfig.medianMs)]);
  console.log(table(refRows));

  // O(log n): from 100 to 10,000 peers log n doubles, so a median that at most doubles is within it.
  const smallest = ours.find((f) => f.size === SIZES[0]);
  const largest = ours.find((f) => f.size === SIZES[SIZES.length - 1]);
  console.log('');
  console.log('targets:');
  const targetRows = [['target', 'measured', 'status']];
  for (const mode of MODES.filter((m) => m.target === 'candidate')) {
    const rate = tx(largest, mode)?.perSecond;
    const target = mode.pipelined ? TARGET_TX_PER_S.pipelined : TARGET_TX_PER_S.sequential;
    targetRows.push([`${mode.name} at ${fmtCount(SIZES[SIZES.length - 1])} peers >= ${fmtCount(target)} tx/s (second pass)`, fmtRate(rate), verdict(rate === undefined ? undefined : rate >= target)]);
  }
  for (const mode of MODES) {
    const a = tx(smallest, mode)?.medianMs;
    const b = tx(largest, mode)?.medianMs;
    const growth = a === undefined || b === undefined ? undefined : b / a;
    targetRows.push([`${mode.name}: median ${fmtCount(SIZES[0])} -> ${fmtCount(SIZES[SIZES.length - 1])} peers <= 2x (log n doubles)`, growth === undefined ? 'n/a' : `${growth.toFixed(2)}x`, verdict(growth === undefined ? undefined : growth <= 2)]);
  }
  console.log(table(targetRows));
  if (failures.length > 0) throw new Error(`config bench failed: ${failures.join('; ')}`);
}
