// What no NETCONF server built on node and ssh2 can do better than on this
// machine, measured beside the netconf bench's figures so that its targets
// can be read against them:
// - a TCP round trip between two node processes on loopback (200 octets
//   each way, TCP_NODELAY; no SSH, no NETCONF);
// - a bare ssh2 server, run with bin/ncbgp's node flags and environment and
//   its idle collector, that accepts any user, opens the netconf subsystem,
//   sends a <hello> and reads nothing: its RSS idle and with idle sessions.
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NetconfClient } from '../src/netconf/client';
import { NCBGP, REPO_ROOT } from '../test/helpers/server';
import { processStatusKb } from './report';

/** bin/ncbgp's shebang: `#!/usr/bin/env -S NAME=value... node FLAGS...`. */
function ncbgpRuntime(): { env: Record<string, string>; nodeFlags: string[] } {
  const words = readFileSync(NCBGP, 'utf8').split('\n')[0].replace(/^#!\S+\s+-S\s+/, '').split(/\s+/);
  const node = words.indexOf('node');
  const env = Object.fromEntries(words.slice(0, node).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeFlags: words.slice(node + 1) };
}

/** Starts `node -e code` with bin/ncbgp's runtime; resolves once it prints its port. */
async function startChild(code: string): Promise<{ proc: ChildProcess; port: number }> {
  const { env, nodeFlags } = ncbgpRuntime();
  const proc = spawn(process.execPath, [...nodeFlags, '-e', code], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (c) => reject(new Error(`floor process exited (${c})`)));
    proc.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  return { proc, port };
}

const ECHO_SERVER = `require('net').createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); })
  .listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;

/** Round trips per second, one outstanding, against an echo server in another node process. */
export async function tcpRoundTripRate(n: number): Promise<number> {
  const { proc, port } = await startChild(ECHO_SERVER);
  try {
    const socket = await connected(port);
    const rate = await pingPong(socket, n);
    socket.destroy();
    return rate;
  } finally {
    proc.kill();
  }
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s)).once('error', reject);
    s.setNoDelay(true);
  });
}

/** n round trips of 200 octets after 500 of warm-up; a round trip ends when all 200 are back. */
function pingPong(s: Socket, n: number): Promise<number> {
  const size = 200;
  const message = Buffer.alloc(size, 0x61);
  const warmup = 500;
  return new Promise((resolve) => {
    let pending = size;
    let done = 0;
    let start = 0;
    s.on('data', (d: Buffer) => {
      pending -= d.length;
      if (pending > 0) return;
      pending = size;
      if (++done === warmup) start = performance.now();
      if (done === warmup + n) resolve((n * 1000) / (performance.now() - start));
      else s.write(message);
    });
    s.write(message);
  });
}

const BARE_SSH2_SERVER = (ssh2: string, idleGc: string, log: string): string => `
const { Server, utils } = require(${JSON.stringify(ssh2)});
require(${JSON.stringify(idleGc)}).startIdleCollector(require(${JSON.stringify(log)}).createLogger());
const HELLO = '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>1</session-id></hello>]]>]]>';
new Server({ hostKeys: [utils.generateKeyPairSync('ed25519').private] }, (client) => {
  client.on('error', () => {});
  client.on('authentication', (ctx) => ctx.accept());
  client.on('ready', () => client.on('session', (accept) => accept().on('subsystem', (ok) => { const c = ok(); c.write(HELLO); c.on('data', () => {}); })));
}).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;

export interface IdleMemory {
  /** idle, before the sessions */
  beforeKb: number;
  /** 1 s after the last session opened */
  burstKb: number;
  /** the sessions idle for IDLE_MS */
  afterKb: number;
}

/**
 * How long a server is left idle before its RSS is read: src/server/idle-gc.ts
 * collects after 6 s idle, at most 3 times 6 s apart; with 1,000 sessions the
 * SSH keepalives (ssh2 pings every client every 15 s) keep the allocation rate
 * near the one below which V8 gives the young generation back, so it may take
 * all three.
 */
export const IDLE_MS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * RSS of a server idle, then with `n` sessions opened (10 at a time) and
 * left idle: `connect` opens one; a first session is opened and closed
 * before the baseline, so that first-session code is loaded in both.
 */
export async function idleSessionMemory(pid: number, connect: () => Promise<NetconfClient>, n: number): Promise<IdleMemory> {
  const sessions: NetconfClient[] = [];
  try {
    const warm = await connect();
    await warm.close();
    await sleep(IDLE_MS);
    const beforeKb = processStatusKb(pid, 'VmRSS');
    const batch = 10;
    for (let i = 0; i < n; i += batch) sessions.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => connect()))));
    await sleep(1000);
    const burstKb = processStatusKb(pid, 'VmRSS');
    await sleep(IDLE_MS - 1000);
    return { beforeKb, burstKb, afterKb: processStatusKb(pid, 'VmRSS') };
  } finally {
    for (const s of sessions) s.destroy();
  }
}

/** The bare ssh2 server's idle memory with `n` sessions from `privateKey` (any key is accepted). */
export async function bareSsh2Memory(n: number, privateKey: string): Promise<IdleMemory> {
  const { proc, port } = await startChild(BARE_SSH2_SERVER(require.resolve('ssh2'), join(REPO_ROOT, 'dist/server/idle-gc.js'), join(REPO_ROOT, 'dist/log.js')));
  try {
    if (proc.pid === undefined) throw new Error('bare ssh2 server has no pid');
    return await idleSessionMemory(proc.pid, () => NetconfClient.connect({ host: '127.0.0.1', port, username: 'bench', privateKey }), n);
  } finally {
    proc.kill();
  }
}

/** RSS of node itself: `node -e`, half a second after it started. */
export function nodeIdleKb(): number {
  const script = "setTimeout(() => process.stdout.write(/^VmRSS:\\s+(\\d+)/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]), 500)";
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}
