// The command line's cost (issue 14): CPU time (user + system, what bash's
// `times` reports for its children) of `ncbgp --help` and of a complete
// `ncbgp refresh mvpn <peer> import` against a running lab, each over node's
// own start (`node -e 0`), the mean of RUNS runs; target: within 150 ms.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../test/helpers/lab';
import { REPO_ROOT } from '../test/helpers/server';
import { table, verdict } from './report';

const RUNS = Number(process.env.NCBGP_BENCH_CLI_RUNS ?? 10);
const TARGET_MS = 150;
const NCBGP = join(REPO_ROOT, 'bin', 'ncbgp');

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** CPU and wall time of one run of `command`, the mean of RUNS, in ms. */
function measure(command: readonly string[], env: Record<string, string> = {}): { cpuMs: number; wallMs: number } {
  const line = command.map(quote).join(' ');
  const t0 = process.hrtime.bigint();
  const out = execFileSync('bash', ['-c', `for i in $(seq ${RUNS}); do ${line} >/dev/null || exit 1; done; times`], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6 / RUNS;
  // times: the shell's user and system time, then its children's: 0m1.165s 0m0.446s
  const children = out.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
  return { cpuMs: (seconds * 1000) / RUNS, wallMs };
}

export async function runCliBench(): Promise<void> {
  console.log(`node ${process.version}, ${cpus().length} CPUs; mean of ${RUNS} runs each`);
  const node = measure(['node', '-e', '0']);
  const help = measure([NCBGP, '--help']);
  const lab = await startLab(['--peers', '2', '--routes', '100']);
  let refresh: { cpuMs: number; wallMs: number };
  try {
    refresh = measure([NCBGP, 'refresh', 'mvpn', '127.0.1.1', 'import', '--port', String(lab.port), '--user', 'admin'], { NCBGP_PASSWORD: 'admin' });
  } finally {
    await lab.stop();
  }
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  console.log(
    table([
      ['command', 'CPU time', 'over node -e 0', 'wall time'],
      ['node -e 0', ms(node.cpuMs), '', ms(node.wallMs)],
      ['ncbgp --help', ms(help.cpuMs), ms(help.cpuMs - node.cpuMs), ms(help.wallMs)],
      ['ncbgp refresh mvpn 127.0.1.1 import (a lab of 2 peers)', ms(refresh.cpuMs), ms(refresh.cpuMs - node.cpuMs), ms(refresh.wallMs)],
    ]),
  );
  console.log(
    table([
      ['target', 'measured', 'status'],
      [`ncbgp --help within ${TARGET_MS} ms of CPU over node -e 0`, ms(help.cpuMs - node.cpuMs), verdict(help.cpuMs - node.cpuMs <= TARGET_MS)],
      [`ncbgp refresh ... import within ${TARGET_MS} ms of CPU over node -e 0`, ms(refresh.cpuMs - node.cpuMs), verdict(refresh.cpuMs - node.cpuMs <= TARGET_MS)],
    ]),
  );
}
