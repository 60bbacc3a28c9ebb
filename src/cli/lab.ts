// `ncbgp lab [--peers N] [--routes M] [--config FILE]` (DESIGN.md section 2):
// the server plus N simulated MVPN peers in one process, ready to try
// `ncbgp refresh mvpn ...` against.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Lab } from '../lab/lab';
import { labBgpConfig, MAX_LAB_PEERS } from '../lab/config';
import { applyLogOptions, createLogger, LOG_OPTIONS } from '../log';
import { configFrom, loadConfig, ServerConfig, UserConfig } from '../server/config';
import { UsageError } from './connection';
import { count } from './refresh';

export const LAB_USAGE = `usage: ncbgp lab [--peers N] [--routes M] [--config FILE] [--log-format json|text] [--log-level LEVEL]
  Runs the server and N simulated MVPN peers (default 8) on loopback, each with real
  BGP sessions and M MVPN routes (default 1000). Without --config: NETCONF on
  127.0.0.1:8830, users admin/admin (level 3) and viewer/viewer (level 1), a fresh
  state directory removed at exit. With --config FILE: the file's netconf, users
  and state-dir, and its initial-content; its bgp if it has one (then --peers does
  not apply), the lab's otherwise. Logs as text on a terminal and JSON lines
  otherwise, unless --log-format says; --log-level debug, info, warn, error, silent.
`;

const BGP_KEY = 'ncbgp-bgp:bgp';
const DEFAULT_PEERS = 8;
const DEFAULT_ROUTES = 1000;
const MAX_ROUTES = 1_000_000;
const LAB_USERS = [
  { name: 'admin', password: 'admin', level: 3 },
  { name: 'viewer', password: 'viewer', level: 1 },
];

function integer(value: string | undefined, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${option}: expected an integer from ${min} to ${count(max)}`);
  return n;
}

interface LabSetup {
  readonly config: ServerConfig;
  /** a state directory of our own, removed at exit */
  readonly tempDir?: string;
  /** the config file brings its own bgp */
  readonly ownBgp: boolean;
}

function setup(file: string | undefined, peers: number): LabSetup {
  if (file === undefined) {
    const tempDir = mkdtempSync(join(tmpdir(), 'ncbgp-lab-'));
    const doc = { 'state-dir': tempDir, netconf: { listen: { address: '127.0.0.1', port: 8830 }, users: LAB_USERS }, 'initial-content': labBgpConfig(peers) };
    return { config: configFrom(doc, tempDir), tempDir, ownBgp: false };
  }
  const config = loadConfig(file);
  const initial = config.initialContent ?? {};
  if (BGP_KEY in initial) return { config, ownBgp: true };
  return { config: { ...config, initialContent: { ...initial, ...labBgpConfig(peers) } }, ownBgp: false };
}

/** The command as a user types it from the working directory. */
function ncbgpCommand(): string {
  const bin = join(__dirname, '..', '..', 'bin', 'ncbgp');
  const rel = relative(process.cwd(), bin);
  return rel.startsWith('..') || isAbsolute(rel) ? bin : rel;
}

function usersLine(users: readonly UserConfig[], lab: boolean): string {
  return users.map((u) => (lab && u.password !== undefined ? `${u.name}/${u.password}` : u.name) + ` (level ${u.level})`).join(', ');
}

function banner(lab: Lab, s: LabSetup, routes: number): string {
  const nc = s.config.netconf;
  const server = lab.serverConfig;
  const peers = lab.peers;
  const lines = [
    `ncbgp lab: the NETCONF/BGP server and ${peers.length} simulated MVPN peers`,
    `  NETCONF   ${lab.server.address} port ${lab.server.port} (SSH subsystem netconf)`,
    `  users     ${usersLine(nc.users, s.tempDir !== undefined)}`,
  ];
  if (server) {
    const listen = lab.bgpListen;
    lines.push(`  BGP       AS ${server.localAs}, router-id ${server.routerId}` + (listen ? `, listening on ${listen.address} port ${listen.port}` : ''));
  }
  if (peers.length > 0) {
    const range = peers.length === 1 ? peers[0].address : `${peers[0].address} ... ${peers[peers.length - 1].address}`;
    lines.push(`  peers     ${range}, ${count(routes)} MVPN routes each`);
    const groups = new Map<string, { n: number; as: Set<number>; external: boolean }>();
    for (const p of peers) {
      const name = p.server.group ?? '(no group)';
      const g = groups.get(name) ?? { n: 0, as: new Set<number>(), external: false };
      g.n++;
      g.as.add(p.server.remoteAs);
      g.external ||= p.server.remoteAs !== server?.localAs;
      groups.set(name, g);
    }
    for (const [name, g] of groups) lines.push(`            group ${name}: ${g.n} peer${g.n === 1 ? '' : 's'}, ${g.external ? 'external' : 'internal'}, AS ${[...g.as].join(', ')}`);
    const keepAll = peers.filter((p) => p.server.mvpn.keepAllRoutes).map((p) => p.address);
    if (keepAll.length > 0) lines.push(`            keep-all-routes: ${keepAll.join(', ')}`);
    const noEnhanced = peers.filter((p) => p.server.routeRefresh && !p.server.enhancedRouteRefresh).map((p) => p.address);
    if (noEnhanced.length > 0) lines.push(`            route refresh without enhanced route refresh: ${noEnhanced.join(', ')}`);
  }
  for (const u of lab.unsimulated) lines.push(`  not simulated: ${u.address} (${u.reason})`);
  lines.push(`  state     ${s.config.stateDir}${s.tempDir ? ' (removed at exit)' : ''}`);
  const user = nc.users.find((u) => u.level >= 2);
  if (user) {
    const password = s.tempDir !== undefined && user.password !== undefined ? user.password : 'PASSWORD';
    lines.push(`  try       ${ncbgpCommand()} refresh mvpn all export --port ${lab.server.port} --user ${user.name} --password ${password}`);
  }
  return lines.join('\n') + '\n';
}

export async function labCommand(args: string[]): Promise<void> {
  let peers: number;
  let routes: number;
  let file: string | undefined;
  try {
    const { values } = parseArgs({ args, options: { peers: { type: 'string' }, routes: { type: 'string' }, config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' }, ...LOG_OPTIONS } });
    if (values.help) {
      process.stdout.write(LAB_USAGE);
      return;
    }
    const bad = applyLogOptions(values);
    if (bad !== undefined) throw new UsageError(bad);
    peers = integer(values.peers, 'peers', DEFAULT_PEERS, 1, MAX_LAB_PEERS);
    routes = integer(values.routes, 'routes', DEFAULT_ROUTES, 0, MAX_ROUTES);
    file = values.config;
  } catch (e) {
    process.stderr.write(`ncbgp lab: ${e instanceof Error ? e.message : String(e)}\n${LAB_USAGE}`);
    process.exitCode = 2;
    return;
  }

  const log = createLogger({ component: 'ncbgp' });
  const s = setup(file, peers);
  const removeTemp = (): void => {
    if (s.tempDir) rmSync(s.tempDir, { recursive: true, force: true });
  };
  if (s.ownBgp) log.info('the config file has its own bgp: the lab simulates its loopback peers', { file });
  const started = Lab.start({ server: s.config, routesPerPeer: routes, log });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    started
      .then((lab) => lab.stop())
      .then(
        () => {
          removeTemp();
          process.exit(0);
        },
        (e: unknown) => {
          log.error('stop failed', { error: e instanceof Error ? e.message : String(e) });
          removeTemp();
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  let lab: Lab;
  try {
    lab = await started;
  } catch (e) {
    removeTemp();
    throw e;
  }
  process.stdout.write(banner(lab, s, routes));
  const t0 = Date.now();
  // about 10 s per million routes on top of the sessions' start
  const ready = await lab.waitReady(30_000 + lab.status().routesExpected / 100);
  if (stopping) return;
  const st = lab.status();
  const took = ((Date.now() - t0) / 1000).toFixed(1);
  if (ready) {
    process.stdout.write(`ready: ${st.established}/${st.peers} peers established, ${count(st.routesReceived)} MVPN routes received (${took} s)\n`);
    log.info('lab ready', { peers: st.peers, routes: st.routesReceived });
  } else {
    process.stdout.write(`not ready after ${took} s: ${st.established}/${st.peers} peers established, ${count(st.routesReceived)} of ${count(st.routesExpected)} MVPN routes received\n`);
  }
}
