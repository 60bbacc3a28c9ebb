// NETCONF over SSH on loopback, measured with our client (src/netconf/client.ts):
// session setup rate, sequential and pipelined small <get>s, memory per idle
// session; side by side with yuma123 netconfd behind OpenSSH when it can start.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NetconfClient } from '../src/netconf/client';
import { NS } from '../src/netconf/namespaces';
import { ed25519KeyPair, startServer, TestServer } from '../test/helpers/server';

const SETUP_SESSIONS = 100;
const SEQUENTIAL_RPCS = 5000;
const PIPELINED_RPCS = 20_000;
const WINDOW = 200;
const IDLE_SESSIONS = 500;
const WARMUP_RPCS = 300;
const STALL_MS = 30_000;

const REFERENCE_SCRIPT = '/work/shared/anchors/netconfd.sh';
const REFERENCE_PORT = 18830; // the script's default, with its default state directory

/** Small <get>: RFC 6022 statistics, which netconfd has too. */
const GET_STATS = `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><statistics/></netconf-state></filter></get>`;

interface Target {
  name: string;
  connect(): Promise<NetconfClient>;
}

interface Figures {
  setup?: number;
  sequential?: number;
  pipelined?: number;
  error?: string;
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no progress within ${STALL_MS / 1000} s`)), STALL_MS)));
  return Promise.race([p, stall]).finally(() => clearTimeout(timer));
}

const RPC_ERROR = /<(?:[\w.-]+:)?rpc-error[\s>]/;

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
    f.setup = await withTimeout(sessionSetupRate(t, SETUP_SESSIONS), `${t.name} session setup`);
    const c = await t.connect();
    try {
      await withTimeout(sequentialRate(c, WARMUP_RPCS), `${t.name} warm-up`);
      f.sequential = await withTimeout(sequentialRate(c, SEQUENTIAL_RPCS), `${t.name} sequential`);
      f.pipelined = await withTimeout(pipelinedRate(c, PIPELINED_RPCS, WINDOW), `${t.name} pipelined`);
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
    const batch = 25;
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
  const server = await startServer({ config: { netconf: { users: [{ name: 'bench', 'authorized-keys': [key.public], level: 3 }] } } });
  const connect = (): Promise<NetconfClient> => NetconfClient.connect({ host: '127.0.0.1', port: server.port, username: 'bench', privateKey: key.private });
  return { server, target: { name: 'ncbgp', connect } };
}

interface Reference {
  target: Target;
  stop(): void;
}

function startReference(): Reference | string {
  const stop = (): void => {
    try {
      execFileSync(REFERENCE_SCRIPT, ['stop'], { stdio: 'pipe' });
    } catch {
      // nothing left to stop
    }
  };
  try {
    const out = execFileSync(REFERENCE_SCRIPT, ['start', String(REFERENCE_PORT)], { stdio: 'pipe', encoding: 'utf8' });
    const user = /user=(\S+)/.exec(out)?.[1];
    const keyFile = /key=(\S+)/.exec(out)?.[1];
    if (!user || !keyFile) throw new Error(`unexpected output: ${out.trim()}`);
    const privateKey = readFileSync(keyFile);
    return { target: { name: 'netconfd', connect: () => NetconfClient.connect({ host: '127.0.0.1', port: REFERENCE_PORT, username: user, privateKey }) }, stop };
  } catch (e) {
    stop();
    const err = e as Error & { stderr?: Buffer | string };
    return `${err.message.split('\n')[0]}${err.stderr ? ` (${String(err.stderr).trim().split('\n').slice(-1)[0]})` : ''}`;
  }
}

const fmtRate = (v: number | undefined): string => (v === undefined ? 'n/a' : `${Math.round(v).toLocaleString('en-US')}/s`);
const fmtRatio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ')).join('\n');
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
  const reference = startReference();
  if (typeof reference === 'string') {
    console.log(`reference netconfd could not start, no side-by-side figures: ${reference}`);
  } else {
    console.log(`reference netconfd (yuma123, behind OpenSSH) on 127.0.0.1:${REFERENCE_PORT}; measuring...`);
    try {
      ref = await measure(reference.target);
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
    ]),
  );
  const totalMb = mem ? mem.afterKb / 1024 : undefined;
  if (mem) {
    const deltaKb = mem.afterKb - mem.beforeKb;
    console.log(
      `${IDLE_SESSIONS} idle sessions: server RSS ${(mem.beforeKb / 1024).toFixed(1)} MB -> ${(mem.afterKb / 1024).toFixed(1)} MB ` +
        `(${deltaKb >= 0 ? '+' : ''}${(deltaKb / 1024).toFixed(1)} MB, ${(deltaKb / IDLE_SESSIONS).toFixed(1)} KB/session)`,
    );
  }

  const seqRatio = our.sequential !== undefined && ref?.sequential !== undefined ? our.sequential / ref.sequential : undefined;
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
  console.log('');
  console.log('targets:');
  console.log(
    table([
      ['target', 'measured', 'status'],
      ['sequential <get> >= 2x reference', seqRatio === undefined ? 'n/a' : `${seqRatio.toFixed(2)}x`, verdict(seqRatio === undefined ? undefined : seqRatio >= 2)],
      ['pipelined >= 10,000 RPCs/s', fmtRate(our.pipelined), verdict(our.pipelined === undefined ? undefined : our.pipelined >= 10_000)],
      [`${IDLE_SESSIONS} idle sessions < 200 MB RSS`, totalMb === undefined ? 'n/a' : `${totalMb.toFixed(1)} MB`, verdict(totalMb === undefined ? undefined : totalMb < 200)],
    ]),
  );
}
