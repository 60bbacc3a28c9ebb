// `ncbgp serve` start time: from spawn to ready ("netconf server listening",
// logged once running is applied to the BGP engine and the SSH server
// listens), with 10,000 and 100,000 list entries in running. First start:
// running comes from the config file's initial-content (fully validated);
// restart: running is loaded from the state directory the first start wrote.
// Two shapes: only mvpn-route entries, and a mix (10% peers, 10% policies,
// 80% mvpn-routes).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { labRoutes, LAB_VRFS, vrfTarget } from '../src/lab/routes';
import { spawnNcbgp, untilReady, writeConfig } from '../test/helpers/server';
import { mvpnRouteJson } from './mvpn-json';
import { fmtCount, processCpuMs, processStatusKb, table, verdict } from './report';

type Json = Record<string, unknown>;

const SIZES = [10_000, 100_000];
const TARGET_MS = 1000;
const STALL_MS = 120_000;
const ROUTER_ID = '192.0.2.1';
const AS = 65000;

type Shape = 'mvpn-route' | 'mixed';

interface StartFigures {
  readyMs: number;
  cpuMs: number;
  rssKiB: number;
}

const ipv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** initial-content with `n` list entries of `shape`. Peers are passive (nobody answers on their addresses) and use the policies. */
export function initialContent(shape: Shape, n: number): Json {
  const peers = shape === 'mixed' ? Math.floor(n / 10) : 0;
  const policies = shape === 'mixed' ? Math.floor(n / 10) : 0;
  const routes = n - peers - policies;
  const policyName = (i: number): string => `p${i}`;
  return {
    'ncbgp-bgp:bgp': {
      'local-as': AS,
      'router-id': ROUTER_ID,
      // other benches may hold the default port
      listen: { address: '127.0.0.1', port: 0 },
      'peer-group': [{ name: 'g', type: 'external', 'remote-as': 65001 }],
      peer: Array.from({ length: peers }, (_, i) => ({
        address: ipv4(0x0a000000 + i + 1),
        group: 'g',
        passive: true,
        description: `peer ${i}`,
        mvpn: { 'import-policy': policyName(i % policies), 'export-policy': policyName((i + 1) % policies) },
      })),
      policy: Array.from({ length: policies }, (_, i) => ({
        name: policyName(i),
        term: [{ name: 'vrf', match: { 'route-target': [vrfTarget(1 + (i % LAB_VRFS))] }, action: 'accept' }],
        'default-action': 'reject',
      })),
      'mvpn-route': labRoutes(ROUTER_ID, AS, routes).map((r, i) => mvpnRouteJson(r, i)),
    },
  };
}

const isReady = (line: string): boolean => line.includes('"netconf server listening"');

/** Spawns `ncbgp serve`, waits for ready, takes its CPU time and RSS, stops it. */
async function startOnce(configPath: string): Promise<StartFigures> {
  const t0 = performance.now();
  const p = spawnNcbgp(['serve', '--config', configPath]);
  await untilReady(p, () => (p.stderrLines().some(isReady) ? true : undefined), STALL_MS, (exit) => `ncbgp serve did not get ready (${exit ? `exit ${exit.code}` : 'timeout'}):\n${p.stderr()}`);
  const readyMs = performance.now() - t0;
  const pid = p.proc.pid as number;
  const figures = { readyMs, cpuMs: processCpuMs([pid]), rssKiB: processStatusKb(pid, 'VmRSS') };
  // serve installs its signal handlers once started: a SIGTERM right at the ready line would find none
  await new Promise((r) => setTimeout(r, 200));
  const code = await p.stop();
  if (code !== 0) throw new Error(`ncbgp serve exited with ${code} on SIGTERM:\n${p.stderr()}`);
  return figures;
}

function nodeStartMs(): number {
  const runs = 5;
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const ms = (v: number): string => `${Math.round(v)} ms`;
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

export async function runStartBench(): Promise<void> {
  console.log(`node's own start (node -e 0, best of 5): ${ms(nodeStartMs())}`);
  const rows = [['shape', 'entries', 'start', 'ready', 'server CPU', 'RSS', `<= ${TARGET_MS} ms`]];
  const verdicts: string[] = [];
  for (const shape of ['mvpn-route', 'mixed'] as const) {
    for (const n of SIZES) {
      const dir = mkdtempSync(join(tmpdir(), 'ncbgp-bench-start-'));
      try {
        const configPath = join(dir, 'config.json');
        writeConfig(configPath, join(dir, 'state'), { 'initial-content': initialContent(shape, n) });
        for (const kind of ['first start', 'restart'] as const) {
          const f = await startOnce(configPath);
          const ok = f.readyMs <= TARGET_MS;
          rows.push([shape, fmtCount(n), kind, ms(f.readyMs), ms(f.cpuMs), mib(f.rssKiB), verdict(ok)]);
          console.log(table(rows.slice(0, 1).concat([rows[rows.length - 1]])).split('\n')[1]);
          if (n === 100_000) verdicts.push(`${shape} ${kind} at ${fmtCount(n)}: ${verdict(ok)}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  console.log(`\n${table(rows)}`);
  console.log(`\ntarget: ready within ${TARGET_MS} ms with 100,000 entries in running\n  ${verdicts.join('\n  ')}`);
}
