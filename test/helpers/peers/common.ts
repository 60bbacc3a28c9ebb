// What the real-peer helpers of this folder share (bird.ts, exabgp.ts,
// frr.ts, gobgp.ts, tshark.ts): BGP speakers nobody on this team wrote
// (ExaBGP 4.2, GoBGP 3.10, BIRD 2.0, FRR 8.4) and a tshark capture, run as
// plain child processes for the interop tests (DESIGN.md section 4,
// INTEROP.md "BGP peers"): loopback addresses (127.0.0.x) and high ports
// only, config, sockets and logs in a temp directory, no system service,
// nothing written under /etc. Every start waits (bounded) until the daemon
// answers; every stop() kills by PID (SIGTERM, SIGKILL after 5 s) and
// removes the temp directory. The quirks seen on this machine are at the
// top of each daemon's file.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, isIPv4 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../interop';

const START_TIMEOUT_MS = 20_000;
export const CLI_TIMEOUT_MS = 10_000;
export const KILL_AFTER_MS = 5_000;

/** A static announcement. `nextHop` must not be a loopback address (GoBGP withdraws those). */
export interface StaticRoute {
  prefix: string;
  nextHop: string;
}

export function checkIpv4(value: string, what: string): string {
  if (!isIPv4(value)) throw new Error(`${what}: ${JSON.stringify(value)} is not an IPv4 address`);
  return value;
}

export function checkPrefix(value: string, what: string): string {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(value);
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) throw new Error(`${what}: ${JSON.stringify(value)} is not an IPv4 prefix`);
  return value;
}

export function checkRoutes(routes: readonly StaticRoute[] | undefined): StaticRoute[] {
  return (routes ?? []).map((r) => ({ prefix: checkPrefix(r.prefix, 'route prefix'), nextHop: checkIpv4(r.nextHop, 'route next hop') }));
}

/** Thrown by a probe to stop waitUntil at once (other errors mean "not yet"). */
class GiveUp extends Error {}

/** Polls `probe` every `intervalMs` until it returns something other than undefined; throws after `ms`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${ms} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A free TCP port on `address` (bound and released at once: good enough on loopback). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export interface Daemon {
  pid: number;
  exited: boolean;
  /** The last lines of stdout and stderr together, for error messages. */
  output(): string;
  /** Resolves when the process has exited. */
  exit: Promise<void>;
  /** SIGTERM (or `signal`) by PID, SIGKILL after 5 s, then removes `dir`. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

// Daemons a test run left running (it failed or forgot stop()) die with it.
const running = new Set<{ proc: ChildProcess; dir: string }>();
process.on('exit', () => {
  for (const r of running) {
    if (r.proc.pid !== undefined && r.proc.exitCode === null && r.proc.signalCode === null) signalPid(r.proc.pid, 'SIGKILL');
    rmSync(r.dir, { recursive: true, force: true });
  }
});

const OUTPUT_LINES = 300;

/** Sends `signal` to `pid`; false when there is no such process any more. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function launch(name: string, command: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): Daemon {
  const proc = spawn(command, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { proc, dir };
  running.add(entry);
  const lines: string[] = [];
  const collect = (d: Buffer): void => {
    lines.push(...d.toString().split('\n').filter((l) => l !== ''));
    if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  const exit = new Promise<void>((res) => {
    proc.once('error', (e) => {
      spawnError = e;
      res();
    });
    proc.once('exit', () => res());
  });
  const d: Daemon = {
    pid: proc.pid ?? -1,
    exited: false,
    output: () => (spawnError ? `${name}: ${spawnError.message}\n` : '') + lines.join('\n'),
    exit,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      const pid = proc.pid;
      if (!d.exited && pid !== undefined) {
        signalPid(pid, signal);
        const timer = setTimeout(() => d.exited || signalPid(pid, 'SIGKILL'), KILL_AFTER_MS);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
      running.delete(entry);
    },
  };
  void exit.then(() => (d.exited = true));
  return d;
}

/** A new temp directory holding `files(dir)` (name -> content); removed again if writing them throws. */
export function tempDir(prefix: string, files: (dir: string) => Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `ncbgp-${prefix}-`));
  try {
    for (const [name, content] of Object.entries(files(dir))) writeFileSync(join(dir, name), content);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/** Waits for `probe` (see waitUntil), failing at once if the daemon exits first; stops it on failure. */
export async function awaitReady<T>(name: string, d: Daemon, probe: () => Promise<T | undefined> | T | undefined, ms = START_TIMEOUT_MS): Promise<T> {
  try {
    return await waitUntil(`${name} to start`, () => {
      if (d.exited) throw new GiveUp(`${name} exited during start`);
      return probe();
    }, ms);
  } catch (e) {
    await d.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n--- ${name} output ---\n${d.output() || '(empty)'}`);
  }
}

export async function cliText(cmd: string, args: string[]): Promise<string> {
  const r = await runTool(cmd, args, process.env, CLI_TIMEOUT_MS);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

