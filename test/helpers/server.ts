// Starts the real server process (`ncbgp serve`) on an ephemeral loopback port
// with a temporary state directory, for in-process and interop tests and the bench.
// spawnNcbgp and untilReady run bin/ncbgp for it and for lab.ts.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { utils } from 'ssh2';
import { NetconfClient } from '../../src/netconf/client';

export const REPO_ROOT = resolve(__dirname, '../..');
/** The command a user runs. */
export const NCBGP = join(REPO_ROOT, 'bin', 'ncbgp');

export interface StartServerOptions {
  /** Merged into the default config (objects merge key by key; arrays and scalars replace). */
  config?: Record<string, unknown>;
  /** Extra environment for the server process (e.g. NCBGP_LOG_LEVEL). */
  env?: Record<string, string>;
  /** How long to wait for the "listening" log line; default 30 s. */
  startTimeoutMs?: number;
  /** An existing directory for the config and state, kept after stop() (a restart test starts a second server on it). */
  dir?: string;
}

export interface TestServer {
  port: number;
  stateDir: string;
  configPath: string;
  proc: ChildProcess;
  /** Every stderr line so far (JSON log lines). */
  stderrLines(): string[];
  /** SIGTERM (SIGKILL after 5 s), then removes the temp directory. */
  stop(): Promise<void>;
}

/** Users of the default config: name = password. */
export const USERS = {
  admin: { name: 'admin', password: 'admin', level: 3 },
  viewer: { name: 'viewer', password: 'viewer', level: 1 },
} as const;

function defaultConfig(stateDir: string): Record<string, unknown> {
  return {
    'state-dir': stateDir,
    netconf: {
      listen: { address: '127.0.0.1', port: 0 },
      users: [USERS.admin, USERS.viewer],
    },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? merge(b, v) : v;
  }
  return out;
}

/** Writes the test config: the default one (a state directory, NETCONF on 127.0.0.1 port 0, USERS) merged with `over`. JSON is YAML 1.2. */
export function writeConfig(path: string, stateDir: string, over: Record<string, unknown> = {}): void {
  writeFileSync(path, JSON.stringify(merge(defaultConfig(stateDir), over), null, 2));
}

/** A child process running bin/ncbgp, its output collected. */
export interface NcbgpProcess {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Every complete stderr line so far. */
  stderrLines(): string[];
  /** Resolves with the exit code once the process has exited and its output ended. */
  closed: Promise<number | null>;
  /** SIGTERM (SIGKILL after killAfterMs) unless it has exited, then removes its temp directory; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface SpawnNcbgpOptions {
  /** Extra environment. */
  env?: Record<string, string>;
  /** A directory of its own, removed by stop() (and at the end of the test run). */
  tempDir?: string;
  /** Default 5 s. */
  killAfterMs?: number;
}

// Processes a test run left running (it failed or forgot stop()) die with it.
const running = new Set<{ proc: ChildProcess; dir?: string }>();
process.on('exit', () => {
  for (const r of running) {
    r.proc.kill('SIGKILL');
    if (r.dir) rmSync(r.dir, { recursive: true, force: true });
  }
});

/** Starts `bin/ncbgp ...args` in the repository with stdin closed. */
export function spawnNcbgp(args: readonly string[], opts: SpawnNcbgpOptions = {}): NcbgpProcess {
  const proc = spawn(NCBGP, [...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = { proc, dir: opts.tempDir };
  running.add(entry);
  let out = '';
  const lines: string[] = [];
  let partial = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (data: string) => {
    const parts = (partial + data).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) lines.push(line);
  });
  let exited = false;
  const exit = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  proc.once('exit', () => (exited = true));
  const closed = new Promise<number | null>((res) => proc.once('close', (code) => res(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => [...lines, partial].join('\n'),
    stderrLines: () => [...lines],
    closed,
    stop: async () => {
      if (!exited) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), opts.killAfterMs ?? 5000);
      const code = await exit;
      clearTimeout(timer);
      if (opts.tempDir) rmSync(opts.tempDir, { recursive: true, force: true });
      running.delete(entry);
      return code;
    },
  };
}

/**
 * Resolves with the first value other than undefined that `probe` returns,
 * asked at once and whenever `p` writes output. When `p` exits first, or
 * after `timeoutMs`, stops it and throws `failure(exit)` (exit undefined on
 * the timeout).
 */
export async function untilReady<T>(
  p: NcbgpProcess,
  probe: () => T | undefined,
  timeoutMs: number,
  failure: (exit?: { code: number | null; signal: NodeJS.Signals | null }) => string,
): Promise<T> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const v = probe();
        if (v === undefined) return;
        done();
        resolve(v);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        done();
        exit = { code, signal };
        reject(new Error('exited'));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('timed out'));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        p.proc.stdout?.off('data', check);
        p.proc.stderr?.off('data', check);
        p.proc.off('exit', onExit);
      };
      p.proc.stdout?.on('data', check);
      p.proc.stderr?.on('data', check);
      p.proc.once('exit', onExit);
      check();
    });
  } catch {
    await p.stop();
    throw new Error(failure(exit));
  }
}

export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ncbgp-test-'));
  const stateDir = join(dir, 'state');
  const configPath = join(dir, 'config.yaml');
  writeConfig(configPath, stateDir, opts.config);

  const p = spawnNcbgp(['serve', '--config', configPath], { env: opts.env, tempDir: opts.dir ? undefined : dir });
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const port = await untilReady(
    p,
    () => p.stderrLines().map(listeningPort).find((x) => x !== undefined),
    timeoutMs,
    (exit) =>
      `${exit ? `server exited before listening (code ${exit.code}, signal ${exit.signal})` : `server did not log "netconf server listening" within ${timeoutMs} ms`}` +
      `\n--- server stderr ---\n${p.stderr().trim() || '(empty)'}`,
  );
  return { port, stateDir, configPath, proc: p.proc, stderrLines: p.stderrLines, stop: async () => void (await p.stop()) };
}

function listeningPort(line: string): number | undefined {
  try {
    const j = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return j.msg === 'netconf server listening' && typeof j.port === 'number' ? j.port : undefined;
  } catch {
    return undefined;
  }
}

/** A NETCONF session to `server` as `user` (password login, default users: password = name). */
export function connect(server: { port: number }, user: string = USERS.admin.name, password: string = user): Promise<NetconfClient> {
  return NetconfClient.connect({ host: '127.0.0.1', port: server.port, username: user, password });
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2 1.17 makes a key its own
 * parser refuses about once in 250, so a refused one is made again.
 */
export function ed25519KeyPair(comment?: string): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', comment ? { comment } : {});
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}
