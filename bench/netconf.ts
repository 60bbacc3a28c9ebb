// NETCONF over SSH on loopback, measured with our client (src/netconf/client.ts):
// session setup rate, sequential and pipelined small <get>s with the server's
// CPU time per RPC (/proc), memory idle and per idle session; side by side
// with yuma123 netconfd behind OpenSSH when it can start (its CPU time is
// netconfd's and its netconf-subsystem relay's; OpenSSH's is not counted).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NetconfClient } from '../src/netconf/client';
import { NS } from '../src/model/namespaces';
import { ed25519KeyPair, startServer, TestServer } from '../test/helpers/server';
import { NETCONFD_PORT, RPC_ERROR, startNetconfd } from './netconfd';
import { fmtRate, fmtRatio, processCpuMs, table, verdict, withTimeout } from './report';

const SETUP_SESSIONS = 100;
const SEQUENTIAL_RPCS = 5000;
const PIPELINED_RPCS = 20_000;
const WINDOW = 200;
const IDLE_SESSIONS = 1000;
const WARMUP_RPCS = 300;
const STALL_MS = 30_000;

/** Small <get>: RFC 6022 statistics, which netconfd has too. */
const GET_STATS = `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><statistics/></netconf-state></filter></get>`;

interface Target {
  name: string;
  connect(): Promise<NetconfClient>;
  /** the server's processes, asked once a session is open */
  pids(): number[];
}

interface Figures {
  setup?: number;
  sequential?: number;
  pipelined?: number;
  /** the server's CPU time per RPC, microseconds */
  sequentialCpuUs?: number;
  pipelinedCpuUs?: number;
  error?: string;
}

/** `run`'s rate and the server's CPU time per RPC in it. */
async function withCpu(pids: readonly number[], rpcs: number, run: () => Promise<number>): Promise<{ rate: number; cpuUs: number }> {
  const before = processCpuMs(pids);
  const rate = await run();
  return { rate, cpuUs: ((processCpuMs(pids) - before) * 1000) / rpcs };
}

/** PIDs of the running processes whose command line starts with `command`. */
function pidsOf(command: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `^${command}`], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

/** One <get>; the reply is checked for an rpc-error but not parsed, so the client stays cheap. */
async function checkedRpc(c: NetconfClient): Promise<void> {
  const reply = await c.rpcText(GET_STATS);
  if (RPC_ERROR.test(reply)) throw new Error(`<get> failed: ${reply.slice(0, 500)}`);
}

/** connect + hello + close-session, one after another. */
async function sessionSetupRate(t: Target, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const c = await t.connect();
    await c.close();
  }
  return (n * 1000) / (performance.now() - start);
}

/** One RPC outstanding at a time over one session. */
async function sequentialRate(c: NetconfClient, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await checkedRpc(c);
  return (n * 1000) / (performance.now() - start);
}

/** Up to `window` RPCs outstanding over one session. */
async function pipelinedRate(c: NetconfClient, total: number, window: number): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const pump = (): void => {
      while (sent < total && sent - done < window) {
        sent++;
        checkedRpc(c).then(() => {
          if (++done === total) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  return (total * 1000) / (performance.now() - start);
}

async function measure(t: Target): Promise<Figures> {
  const f: Figures = {};
  try {
    f.setup = await withTimeout(sessionSetupRate(t, SETUP_SESSIONS), `${t.name} session setup`, STALL_MS);
    const c = await t.connect();
    try {
      await withTimeout(sequentialRate(c, WARMUP_RPCS), `${t.name} warm-up`, STALL_MS);
      const pids = t.pids();
      const sequential = await withTimeout(withCpu(pids, SEQUENTIAL_RPCS, () => sequentialRate(c, SEQUENTIAL_RPCS)), `${t.name} sequential`, STALL_MS);
      const pipelined = await withTimeout(withCpu(pids, PIPELINED_RPCS, () => pipelinedRate(c, PIPELINED_RPCS, WINDOW)), `${t.name} pipelined`, STALL_MS);
      f.sequential = sequential.rate;
      f.sequentialCpuUs = sequential.cpuUs;
      f.pipelined = pipelined.rate;
      f.pipelinedCpuUs = pipelined.cpuUs;
      await c.close();
    } finally {
      c.destroy();
    }
  } catch (e) {
    f.error = (e as Error).message;
  }
  return f;
}

function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmtUs = (us: number | undefined): string => (us === undefined ? 'n/a' : `${us.toFixed(0)} us`);

interface IdleMemory {
  beforeKb: number;
  afterKb: number;
}

/** RSS of a fresh server before and after opening `n` sessions that then sit idle. */
async function idleSessionMemory(n: number): Promise<IdleMemory> {
  const { server, target: t } = await startOurs();
  const pid = server.proc.pid;
  const sessions: NetconfClient[] = [];
  try {
    if (pid === undefined) throw new Error('server process has no pid');
    const warm = await t.connect(); // first-session code paths loaded before the baseline
    await checkedRpc(warm);
    await warm.close();
    await sleep(500);
    const beforeKb = rssKb(pid);
    const batch = 10; // max-unauthenticated-per-source: logins from one address at once
    for (let i = 0; i < n; i += batch) {
      sessions.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => t.connect()))));
    }
    await sleep(1000);
    return { beforeKb, afterKb: rssKb(pid) };
  } finally {
    for (const s of sessions) s.destroy();
    await server.stop();
  }
}

/** Our server on an ephemeral port, with a key-authenticated user as netconfd has. */
async function startOurs(): Promise<{ server: TestServer; target: Target }> {
  const key = ed25519KeyPair('ncbgp-bench');
  const server = await startServer({ config: { netconf: { 'max-sessions': IDLE_SESSIONS + 100, users: [{ name: 'bench', 'authorized-keys': [key.public], level: 3 }] } } });
  const connect = (): Promise<NetconfClient> => NetconfClient.connect({ host: '127.0.0.1', port: server.port, username: 'bench', privateKey: key.private });
  return { server, target: { name: 'ncbgp', connect, pids: () => (server.proc.pid === undefined ? [] : [server.proc.pid]) } };
}

export async function runNetconfBench(): Promise<void> {
  console.log(`NETCONF over SSH on loopback, node ${process.version}, ${cpus().length} CPUs, client src/netconf/client.ts (public-key auth)`);
  const { server, target: ours } = await startOurs();
  let our: Figures;
  try {
    console.log(`ncbgp server pid ${server.proc.pid} on 127.0.0.1:${server.port}; measuring...`);
    our = await measure(ours);
    if (our.error) console.log(`ncbgp: ${our.error}`);
  } finally {
    await server.stop();
  }

  let ref: Figures | undefined;
  const reference = startNetconfd();
  if (typeof reference === 'string') {
    console.log(`reference netconfd could not start, no side-by-side figures: ${reference}`);
  } else {
    console.log(`reference netconfd (yuma123, behind OpenSSH) on 127.0.0.1:${NETCONFD_PORT}; measuring...`);
    try {
      ref = await measure({ name: 'netconfd', connect: reference.connect, pids: () => [...pidsOf('netconfd '), ...pidsOf('/usr/sbin/netconf-subsystem')] });
      if (ref.error) console.log(`netconfd: ${ref.error}`);
    } finally {
      reference.stop();
    }
  }

  console.log(`idle sessions: a fresh ncbgp server, opening ${IDLE_SESSIONS}...`);
  let mem: IdleMemory | undefined;
  try {
    mem = await idleSessionMemory(IDLE_SESSIONS);
  } catch (e) {
    console.log(`idle sessions: ${(e as Error).message}`);
  }

  console.log('');
  console.log(
    table([
      ['measurement', 'ncbgp', 'netconfd', 'ratio'],
      [`session setup (connect+hello+close, ${SETUP_SESSIONS} sequential)`, fmtRate(our.setup), fmtRate(ref?.setup), fmtRatio(our.setup, ref?.setup)],
      [`sequential <get> (${SEQUENTIAL_RPCS.toLocaleString('en-US')}, one outstanding)`, fmtRate(our.sequential), fmtRate(ref?.sequential), fmtRatio(our.sequential, ref?.sequential)],
      [`pipelined <get> (${PIPELINED_RPCS.toLocaleString('en-US')}, window ${WINDOW})`, fmtRate(our.pipelined), fmtRate(ref?.pipelined), fmtRatio(our.pipelined, ref?.pipelined)],
      ['server CPU time per RPC, sequential', fmtUs(our.sequentialCpuUs), fmtUs(ref?.sequentialCpuUs), fmtRatio(ref?.sequentialCpuUs, our.sequentialCpuUs)],
      ['server CPU time per RPC, pipelined', fmtUs(our.pipelinedCpuUs), fmtUs(ref?.pipelinedCpuUs), fmtRatio(ref?.pipelinedCpuUs, our.pipelinedCpuUs)],
    ]),
  );
  if (mem) {
    const deltaKb = mem.afterKb - mem.beforeKb;
    console.log(
      `${IDLE_SESSIONS} idle sessions: server RSS ${(mem.beforeKb / 1024).toFixed(1)} MB -> ${(mem.afterKb / 1024).toFixed(1)} MB ` +
        `(${deltaKb >= 0 ? '+' : ''}${(deltaKb / 1024).toFixed(1)} MB, ${(deltaKb / IDLE_SESSIONS).toFixed(1)} KB/session)`,
    );
  }

  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined ? a / b : undefined);
  const seqRatio = ratio(our.sequential, ref?.sequential);
  const pipeRatio = ratio(our.pipelined, ref?.pipelined);
  const idleMb = mem ? mem.beforeKb / 1024 : undefined;
  const perSessionsMb = mem ? (mem.afterKb - mem.beforeKb) / 1024 : undefined;
  const times = (r: number | undefined): string => (r === undefined ? 'n/a' : `${r.toFixed(2)}x`);
  console.log('');
  console.log('targets (issue 14):');
  console.log(
    table([
      ['target', 'measured', 'status'],
      ['sequential <get> >= 2x netconfd', times(seqRatio), verdict(seqRatio === undefined ? undefined : seqRatio >= 2)],
      ['pipelined <get> >= 2x netconfd', times(pipeRatio), verdict(pipeRatio === undefined ? undefined : pipeRatio >= 2)],
      ['idle server <= 60 MB RSS', idleMb === undefined ? 'n/a' : `${idleMb.toFixed(1)} MB`, verdict(idleMb === undefined ? undefined : idleMb <= 60)],
      [`${IDLE_SESSIONS} idle sessions <= +20 MB`, perSessionsMb === undefined ? 'n/a' : `+${perSessionsMb.toFixed(1)} MB`, verdict(perSessionsMb === undefined ? undefined : perSessionsMb <= 20)],
    ]),
  );
}
