// Runs `ncbgp lab` as a user does (a child process with a config file that
// picks a free NETCONF port), and the `ncbgp` command against it.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, USERS } from './server';

export const NCBGP = join(REPO_ROOT, 'bin', 'ncbgp');

export interface LabProcess {
  /** the NETCONF port, as the banner tells it */
  readonly port: number;
  readonly dir: string;
  readonly proc: ChildProcess;
  /** stdout so far: the banner and the ready line */
  stdout(): string;
  stderr(): string;
  /** SIGTERM (SIGKILL after 10 s); resolves with the exit code, removes the directory. */
  stop(): Promise<number | null>;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ncbgp ...args`, to its end (killed after `timeoutMs`). */
export function ncbgp(args: readonly string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(NCBGP, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export interface LabFileOptions {
  /** netconf.users; default admin (level 3) and viewer (level 1) of test/helpers/server.ts */
  readonly users?: readonly Record<string, unknown>[];
  /** initial-content of the file (RFC 7951 JSON) */
  readonly initialContent?: Record<string, unknown>;
  readonly timeoutMs?: number;
}

/**
 * `ncbgp lab --config FILE [...args]`: the file has a state directory of its
 * own and NETCONF on 127.0.0.1 port 0. Resolves once the lab prints its
 * ready line.
 */
export async function startLab(args: readonly string[], opts: LabFileOptions = {}): Promise<LabProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ncbgp-labtest-'));
  const config: Record<string, unknown> = { 'state-dir': join(dir, 'state'), netconf: { listen: { address: '127.0.0.1', port: 0 }, users: opts.users ?? [USERS.admin, USERS.viewer] } };
  if (opts.initialContent) config['initial-content'] = opts.initialContent;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const file = join(dir, 'lab.yaml');
  // JSON is YAML 1.2
  writeFileSync(file, JSON.stringify(config, null, 2));
  const proc = spawn(NCBGP, ['lab', '--config', file, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let out = '';
  let err = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let done = false;
  proc.once('exit', () => (done = true));
  const stop = async (): Promise<number | null> => {
    if (!done) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    running.delete(proc);
    rmSync(dir, { recursive: true, force: true });
    return code;
  };
  const end = Date.now() + timeoutMs;
  while (!/^(ready|not ready)/m.test(out)) {
    if (done || Date.now() > end) {
      await stop();
      throw new Error(`ncbgp lab did not get ready (${done ? 'it exited' : 'timed out'})\n--- stdout ---\n${out}\n--- stderr ---\n${err.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(/^ {2}NETCONF +\S+ port (\d+)/m.exec(out)?.[1]);
  return { port, dir, proc, stdout: () => out, stderr: () => err, stop };
}
