// NETCONF over SSH on loopback, measured with our client (src/netconf/client.ts):
// session setup rate, sequential and pipelined small <get>s with the server's
// CPU time per RPC (/proc) and the client's (this process), memory idle and
// per idle session; side by side
// with yuma123 netconfd behind OpenSSH when it can start (its CPU time is
// netconfd's and its netconf-subsystem relay's; OpenSSH's is not counted).
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NetconfClient } from '../src/netconf/client';
import { NS } from '../src/model/namespaces';
import { ed25519KeyPair, startServer, TestServer } from '../test/helpers/server';
import { bareSsh2Memory, IDLE_MS, IdleMemory, idleSessionMemory, nodeIdleKb, tcpRoundTripRate } from './floors';
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
  /** the client's (this process's) CPU time per RPC, microseconds */
  sequentialClientUs?: number;
  pipelinedClientUs?: number;
  error?: string;
}

/** `run`'s rate, and the server's and the client's CPU time per RPC in it. */
async function withCpu(pids: readonly number[], rpcs: number, run: () => Promise<number>): Promise<{ rate: number; cpuUs: number; clientUs: number }> {
  const before = processCpuMs(pids);
  const client = process.cpuUsage();
  const rate = await run();
  const { user, system } = process.cpuUsage(client);
  return { rate, cpuUs: ((processCpuMs(pids) - before) * 1000) / rpcs, clientUs: (user + system) / rpcs };
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
      f.sequentialClientUs = sequential.clientUs;
      f.pipelined = pipelined.rate;
      f.pipelinedCpuUs = pipelined.cpuUs;
      f.pipelinedClientUs = pipelined.clientUs;
      await c.close();
    } finally {
      c.destroy();
    }
  } catch (e) {
    f.error = (e as Error).message;
  }
  return f;
}

const fmtUs = (us: number | undefined): string => (us === undefined ? 'n/a' : `${us.toFixed(0)} us`);
const fmtMb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
const fmtDelta = (kb: number, n: number): string => `${kb >= 0 ? '+' : ''}${fmtMb(kb)} (${(kb / n).toFixed(1)} KB/session)`;

/** A fresh server's RSS idle and with `n` idle sessions. */
async function ourIdleMemory(n: number): Promise<IdleMemory> {
  const { server, target } = await startOurs();
  try {
    if (server.proc.pid === undefined) throw new Error('server process has no pid');
    return await idleSessionMemory(server.proc.pid, target.connect, n);
  } finally {
    await server.stop();
  }
}

/** Runs `f`, printing what it throws; undefined then. */
async function attempt<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    console.log(`${what}: ${(e as Error).message}`);
    return undefined;
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

  console.log(`idle sessions: a fresh ncbgp server, then a bare ssh2 server, opening ${IDLE_SESSIONS} (RSS after ${IDLE_MS / 1000} s idle each time)...`);
  const mem = await attempt('idle sessions', () => ourIdleMemory(IDLE_SESSIONS));
  const bare = await attempt('bare ssh2 server', () => bareSsh2Memory(IDLE_SESSIONS, ed25519KeyPair('ncbgp-bench').private));
  const tcpRate = await attempt('TCP round trips', () => tcpRoundTripRate(SEQUENTIAL_RPCS));

  console.log('');
  console.log(
    table([
      ['measurement', 'ncbgp', 'netconfd', 'ratio'],
      [`session setup (connect+hello+close, ${SETUP_SESSIONS} sequential)`, fmtRate(our.setup), fmtRate(ref?.setup), fmtRatio(our.setup, ref?.setup)],
      [`sequential <get> (${SEQUENTIAL_RPCS.toLocaleString('en-US')}, one outstanding)`, fmtRate(our.sequential), fmtRate(ref?.sequential), fmtRatio(our.sequential, ref?.sequential)],
      [`pipelined <get> (${PIPELINED_RPCS.toLocaleString('en-US')}, window ${WINDOW})`, fmtRate(our.pipelined), fmtRate(ref?.pipelined), fmtRatio(our.pipelined, ref?.pipelined)],
      ['server CPU time per RPC, sequential', fmtUs(our.sequentialCpuUs), fmtUs(ref?.sequentialCpuUs), fmtRatio(ref?.sequentialCpuUs, our.sequentialCpuUs)],
      ['server CPU time per RPC, pipelined', fmtUs(our.pipelinedCpuUs), fmtUs(ref?.pipelinedCpuUs), fmtRatio(ref?.pipelinedCpuUs, our.pipelinedCpuUs)],
      ['client CPU time per RPC, sequential', fmtUs(our.sequentialClientUs), fmtUs(ref?.sequentialClientUs), fmtRatio(ref?.sequentialClientUs, our.sequentialClientUs)],
      ['client CPU time per RPC, pipelined', fmtUs(our.pipelinedClientUs), fmtUs(ref?.pipelinedClientUs), fmtRatio(ref?.pipelinedClientUs, our.pipelinedClientUs)],
    ]),
  );
  const memory = (m: IdleMemory | undefined, f: (m: IdleMemory) => string): string => (m ? f(m) : 'n/a');
  console.log('');
  console.log('memory (RSS) and what no server on node and ssh2 does better here:');
  console.log(
    table([
      ['measurement', 'ncbgp', 'bare ssh2 server'],
      [`idle, ${IDLE_MS / 1000} s after a first session`, memory(mem, (m) => fmtMb(m.beforeKb)), memory(bare, (m) => fmtMb(m.beforeKb))],
      [`${IDLE_SESSIONS} sessions, 1 s after the last opened`, memory(mem, (m) => fmtDelta(m.burstKb - m.beforeKb, IDLE_SESSIONS)), memory(bare, (m) => fmtDelta(m.burstKb - m.beforeKb, IDLE_SESSIONS))],
      [`${IDLE_SESSIONS} sessions, idle ${IDLE_MS / 1000} s`, memory(mem, (m) => fmtDelta(m.afterKb - m.beforeKb, IDLE_SESSIONS)), memory(bare, (m) => fmtDelta(m.afterKb - m.beforeKb, IDLE_SESSIONS))],
    ]),
  );
  console.log(`node itself (node -e, idle): ${fmtMb(nodeIdleKb())}`);
  if (tcpRate !== undefined) {
    console.log(
      `a TCP round trip between two node processes (200 octets, no SSH, no NETCONF): ${fmtRate(tcpRate)}, ${(1e6 / tcpRate).toFixed(0)} us; ` +
        `2x netconfd's sequential rate is ${ref?.sequential === undefined ? 'n/a' : `${(1e6 / (2 * ref.sequential)).toFixed(0)} us`} per RPC`,
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
