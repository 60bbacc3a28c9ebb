// Runs `ncbgp lab` as a user does (a child process with a config file that
// picks a free NETCONF port), and the `ncbgp` command against it.
import { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNcbgp, untilReady, USERS, writeConfig } from './server';

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
export async function ncbgp(args: readonly string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  const p = spawnNcbgp(args, { env: opts.env });
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await p.closed;
  clearTimeout(timer);
  await p.stop();
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

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
  const file = join(dir, 'lab.yaml');
  writeConfig(file, join(dir, 'state'), { netconf: { users: opts.users ?? [USERS.admin, USERS.viewer] }, ...(opts.initialContent ? { 'initial-content': opts.initialContent } : {}) });
  const p = spawnNcbgp(['lab', '--config', file, ...args], { tempDir: dir, killAfterMs: 10_000 });
  await untilReady(
    p,
    () => (/^(ready|not ready)/m.test(p.stdout()) ? true : undefined),
    opts.timeoutMs ?? 60_000,
    (exit) => `ncbgp lab did not get ready (${exit ? 'it exited' : 'timed out'})\n--- stdout ---\n${p.stdout()}\n--- stderr ---\n${p.stderr().slice(-4000)}`,
  );
  const port = Number(/^ {2}NETCONF +\S+ port (\d+)/m.exec(p.stdout())?.[1]);
  return { port, dir, proc: p.proc, stdout: p.stdout, stderr: p.stderr, stop: p.stop };
}
