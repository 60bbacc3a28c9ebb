// Starts the real server process (`ncbgp serve`) on an ephemeral loopback port
// with a temporary state directory, for in-process and interop tests and the bench.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { utils } from 'ssh2';
import { NetconfClient } from '../../src/netconf/client';

export const REPO_ROOT = resolve(__dirname, '../..');

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

// Servers a test run left running (it failed or forgot stop()) die with it.
const running = new Set<{ proc: ChildProcess; dir?: string }>();
process.on('exit', () => {
  for (const r of running) {
    r.proc.kill('SIGKILL');
    if (r.dir) rmSync(r.dir, { recursive: true, force: true });
  }
});

export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ncbgp-test-'));
  const stateDir = join(dir, 'state');
  const configPath = join(dir, 'config.yaml');
  // JSON is YAML 1.2
  writeFileSync(configPath, JSON.stringify(merge(defaultConfig(stateDir), opts.config ?? {}), null, 2));

  const proc = spawn(join(REPO_ROOT, 'bin', 'ncbgp'), ['serve', '--config', configPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const entry = { proc, dir: opts.dir ? undefined : dir };
  running.add(entry);
  const lines: string[] = [];
  let partial = '';
  let exited = false;
  const exitedPromise = new Promise<void>((res) => proc.once('exit', () => res()));
  proc.once('exit', () => (exited = true));

  const stop = async (): Promise<void> => {
    if (!exited) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    running.delete(entry);
  };

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let port: number;
  try {
    port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not log "netconf server listening" within ${timeoutMs} ms`)), timeoutMs);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server exited before listening (code ${code}, signal ${signal})`));
      });
      proc.stderr?.setEncoding('utf8');
      proc.stderr?.on('data', (data: string) => {
        const parts = (partial + data).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          const p = listeningPort(line);
          if (p !== undefined) {
            clearTimeout(timer);
            resolvePort(p);
          }
        }
      });
    });
  } catch (e) {
    await stop();
    const stderr = [...lines, partial].join('\n').trim();
    throw new Error(`${(e as Error).message}\n--- server stderr ---\n${stderr || '(empty)'}`);
  }
  return { port, stateDir, configPath, proc, stderrLines: () => [...lines], stop };
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
