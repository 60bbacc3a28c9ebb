// Interop tests need software nobody on this team wrote (DESIGN.md section 4):
// missing locally, the test is skipped with a clear message; with
// NCBGP_REQUIRE_INTEROP=1 (as .ci/run sets) it fails instead.
import { spawn, spawnSync } from 'node:child_process';

/** True when `command` (a name looked up on PATH, or a path) can be run. */
function toolFound(command: string): boolean {
  const r = spawnSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' });
  return r.status === 0;
}

/** Every test of `suite` and of the suites nested in it. */
function testsOf(suite: Mocha.Suite): Mocha.Runnable[] {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

/**
 * Skips the current test (or, from a `before` hook, every test of the suite)
 * when `command` is not installed, naming the tool and why it is needed in the
 * skipped test's title; throws instead when NCBGP_REQUIRE_INTEROP=1.
 */
export function requireTool(ctx: Mocha.Context, command: string, why?: string): void {
  requireCheck(ctx, toolFound(command), `${command} not found on PATH${why ? ` (${why})` : ''}`);
}

/**
 * The same policy for what is not a command on PATH (a python module, a
 * tool that must answer): skip naming `reason` when `ok` is false, fail
 * instead when NCBGP_REQUIRE_INTEROP=1.
 */
export function requireCheck(ctx: Mocha.Context, ok: boolean, reason: string): void {
  if (ok) return;
  if (process.env.NCBGP_REQUIRE_INTEROP === '1') {
    throw new Error(`${reason}; NCBGP_REQUIRE_INTEROP=1 requires it`);
  }
  // Called from a test or a "before each" hook, one test is skipped; from a
  // "before all" hook, every test of the suite (mocha names its hooks so).
  const runnable = ctx.test;
  const beforeAll = runnable?.title.startsWith('"before all" hook') ?? false;
  const skipped = beforeAll && runnable?.parent ? testsOf(runnable.parent) : [ctx.currentTest ?? runnable];
  for (const test of skipped) if (test) test.title += ` [skipped: ${reason}]`;
  ctx.skip();
}

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool with stdin closed (batch tools must not wait for a terminal), killed after `timeoutMs`. */
export function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Debian's python3, which the python3-ncclient package installs for. */
export const PYTHON = '/usr/bin/python3';

/** requireTool for ncclient: python3 on PATH and the module importable by it. */
export function requireNcclient(ctx: Mocha.Context): void {
  requireTool(ctx, PYTHON, 'ncclient runs under Debian python3 (package python3-ncclient)');
  const probe = spawnSync(PYTHON, ['-c', 'import ncclient'], { stdio: 'ignore', timeout: 15_000 });
  requireCheck(ctx, probe.status === 0, `ncclient not importable by ${PYTHON} (package python3-ncclient)`);
}
