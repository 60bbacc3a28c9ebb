// Real BGP speakers nobody on this team wrote (ExaBGP 4.2, GoBGP 3.10,
// BIRD 2.0, FRR 8.4) and a tshark capture, run as plain child processes for
// the interop tests (DESIGN.md section 4, INTEROP.md "BGP peers"):
// loopback addresses (127.0.0.x) and high ports only, config, sockets and
// logs in a temp directory, no system service, nothing written under /etc.
// Every start waits (bounded) until the daemon answers; every stop() kills
// by PID (SIGTERM, SIGKILL after 5 s) and removes the temp directory.
//
// Quirks seen on this machine, per daemon:
// - ExaBGP 4.2.21: the JSON API says `"exabgp": "4.0.1"` (the API version,
//   not the package's). It acknowledges each API command with a line "done"
//   or "error" (exabgp.api.ack). Outgoing connections retry with a growing
//   back-off (0, 1, 2, 3 ... s, up to 60): start its peer first. As root it
//   must be told `exabgp.daemon.user=root` or it drops privileges. It shows
//   route-refresh events with their strings quoted twice (`""ipv4""`,
//   invalid JSON): repairExabgpJson() puts that right. It shows
//   capabilities it does not know as `"name": "unknown"` with the raw bytes
//   (GoBGP's FQDN 73, BIRD's and FRR's long-lived graceful restart 71). With
//   `route-refresh enable` it advertises both route refresh (2) and enhanced
//   route refresh (70). It sends End-of-RIB after its initial routes even
//   without graceful restart, and reports the peer's as a `message.eor`
//   event.
// - GoBGP 3.10: advertises route refresh (2) and FQDN (73), never enhanced
//   route refresh; answers any ROUTE-REFRESH by re-sending its best paths
//   (no BoRR/EoRR), and sends End-of-RIB only with graceful restart. Its
//   `softresetin` re-applies import policy locally and sends nothing. An
//   UPDATE whose NEXT_HOP is a loopback address is taken as a withdraw: use
//   192.0.2.x next hops. Connect-retry defaults to 120 s and the idle hold
//   after a reset to 30 s: set to 1 s here. pprof is on localhost:6060
//   unless disabled, which breaks a second gobgpd: disabled here.
// - BIRD 2.0.12: always advertises enhanced route refresh (70) together with
//   route refresh (2); `enable route refresh off` removes both and there is
//   no switch for 70 alone. A neighbor on 127.0.0.x is "Invalid remote
//   address" unless `multihop` (loopback is not a directly connected net
//   for it); then learned routes show as unreachable (no IGP to resolve the
//   next hop), which does not stop them being held and shown. `strict bind`
//   keeps its listening socket on the given address. It first connects 5 s
//   after start unless `connect delay time` (0 here). For EBGP it rewrites
//   the next hop to its own address unless `next hop keep` and a
//   bgp_next_hop set on the route. It also advertises graceful restart (64)
//   and long-lived graceful restart (71) and sends End-of-RIB. It answers a
//   ROUTE-REFRESH with BoRR, its routes and EoRR about 3 s later (at its
//   next idle poll, like the last batch of any export).
// - FRR 8.4 bgpd runs alone with -Z (no zebra), -n (no kernel), -S (no
//   user switch), its vty socket in the temp directory and -P 0 (no vty TCP
//   port); it still creates its crash-log directory /var/tmp/frr/bgpd.PID
//   (removed at a clean exit). Without zebra a loopback neighbor needs
//   `disable-connected-check`. It logs "zclient_send_message() failed"
//   (no zebra) harmlessly. It waits 3 to 5 s after the session comes up
//   before its first UPDATE, reflects a peer's own routes back to it (with
//   its own address as next hop; the receiver drops them by AS_PATH), and
//   advertises route refresh as both 2 and the old Cisco 128, enhanced route
//   refresh (70), extended messages (6), ADD-PATH receive (69), FQDN (73),
//   graceful restart and LLGR. It ignores a ROUTE-REFRESH that arrives
//   before it has sent its own End-of-RIB ("rcvd route-refresh (REQUEST)
//   ... before EoR" in its debug log), and sends End-of-RIB only to a peer
//   that advertised graceful restart (64): give ExaBGP `gracefulRestart`.
//   Then it answers with BoRR at once, its routes a few seconds later, then
//   EoRR; that End-of-RIB can even come before its first routes. `clear bgp ADDRESS soft in` sends a ROUTE-REFRESH request; `soft
//   out` re-sends its routes without BoRR/EoRR.
// - tshark 4.0: decodes BGP on a port other than 179 only with
//   `-d tcp.port==PORT,bgp`; several BGP messages can share one frame.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, isIPv4, Server, Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { runTool } from './interop';

/** FRR's BGP daemon: not on PATH (Debian installs it under /usr/lib/frr). */
export const FRR_BGPD = '/usr/lib/frr/bgpd';

const START_TIMEOUT_MS = 20_000;
const CLI_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 5_000;
/**
 * libpcap hands dumpcap its packets a block at a time, at the latest after
 * dumpcap's 250 ms read timeout, and SIGINT drops a block not yet handed
 * over: a capture is stopped this long after the last packet it must hold.
 */
const CAPTURE_SETTLE_MS = 1_000;

// ---------------------------------------------------------------------------
// Shared plumbing

/** A static announcement. `nextHop` must not be a loopback address (GoBGP withdraws those). */
export interface StaticRoute {
  prefix: string;
  nextHop: string;
}

function checkIpv4(value: string, what: string): string {
  if (!isIPv4(value)) throw new Error(`${what}: ${JSON.stringify(value)} is not an IPv4 address`);
  return value;
}

function checkPrefix(value: string, what: string): string {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(value);
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) throw new Error(`${what}: ${JSON.stringify(value)} is not an IPv4 prefix`);
  return value;
}

function checkRoutes(routes: readonly StaticRoute[] | undefined): StaticRoute[] {
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

interface Daemon {
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
function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function launch(name: string, command: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): Daemon {
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
function tempDir(prefix: string, files: (dir: string) => Record<string, string>): string {
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
async function awaitReady<T>(name: string, d: Daemon, probe: () => Promise<T | undefined> | T | undefined, ms = START_TIMEOUT_MS): Promise<T> {
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

async function cliText(cmd: string, args: string[]): Promise<string> {
  const r = await runTool(cmd, args, process.env, CLI_TIMEOUT_MS);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------
// ExaBGP

export type ExabgpFamily = 'ipv4 unicast';

export interface ExabgpPeerOptions {
  address: string;
  /** The peer's port ExaBGP connects to; not needed when `passive`. */
  port?: number;
  remoteAs: number;
  /** Overrides the instance's localAddress for this peer. */
  localAddress?: string;
  /** `capability { route-refresh enable; }`: advertises route refresh (2) and enhanced route refresh (70). Default off, as in ExaBGP. */
  routeRefresh?: boolean;
  /** Default ['ipv4 unicast']. */
  families?: ExabgpFamily[];
  /** Only accept connections (needs listenPort). */
  passive?: boolean;
  /** Advertise graceful restart (RFC 4724) with this restart time in seconds: FRR sends End-of-RIB only then. */
  gracefulRestart?: number;
}

export interface ExabgpOptions {
  routerId: string;
  localAddress: string;
  localAs: number;
  peers: ExabgpPeerOptions[];
  /** Listen on localAddress:listenPort (exabgp.tcp.bind / exabgp.tcp.port); without it ExaBGP only connects out. */
  listenPort?: number;
  /** Announced to every peer from the start. */
  routes?: StaticRoute[];
}

/** One capability of an OPEN as ExaBGP prints it, keyed by its code: `{ name: 'enhanced-route-refresh' }`, `{ name: 'multiprotocol', families: ['ipv4/unicast'] }`, `{ name: 'unknown', raw }`. */
export interface ExabgpCapability {
  name: string;
  [detail: string]: unknown;
}

export interface ExabgpUpdate {
  attribute?: Record<string, unknown>;
  /** family ('ipv4 unicast') -> next hop -> NLRI */
  announce?: Record<string, Record<string, { nlri: string }[]>>;
  /** family -> NLRI */
  withdraw?: Record<string, { nlri: string }[]>;
}

/** One line of ExaBGP's JSON API (encoder json). */
export interface ExabgpEvent {
  exabgp: string;
  time: number;
  /** 'open' | 'update' | 'refresh' | 'notification' | 'state' | 'negotiated' | ... */
  type: string;
  counter?: number;
  /** Only on the process-level shutdown event: 'shutdown'. */
  notification?: string;
  neighbor?: {
    address: { local: string; peer: string };
    asn: { local: number; peer: number };
    direction?: 'send' | 'receive';
    /** type 'state': 'connected' | 'up' | 'down' */
    state?: string;
    reason?: string;
    open?: { version: number; asn: number; hold_time: number; router_id: string; capabilities: Record<string, ExabgpCapability> };
    message?: { update?: ExabgpUpdate; eor?: { afi: string; safi: string } };
    /** type 'refresh': subtype 'query' (RFC 2918), 'begin' / 'end' (RFC 7313 BoRR / EoRR) */
    'route-refresh'?: { afi: string; safi: string; subtype: string };
    notification?: { code: number; subcode: number; data: string };
    /** type 'negotiated': refresh is 'absent' | 'normal' | 'enhanced' */
    negotiated?: { hold_time: number; asn4: boolean; refresh: string; families: string[] };
  };
}

export interface Exabgp {
  pid: number;
  /** Every JSON event so far, in arrival order. */
  events(): ExabgpEvent[];
  /** The first event (already seen or still to come) for which `pred(event, index)` holds; rejects after `ms`. */
  waitFor(pred: (e: ExabgpEvent, index: number) => boolean, ms: number): Promise<ExabgpEvent>;
  /** Sends one API command ('neighbor 127.0.0.1 announce route-refresh ipv4 unicast', 'announce route 10.0.0.0/24 next-hop 192.0.2.1'); resolves on ExaBGP's "done", rejects on "error". */
  command(text: string): Promise<void>;
  /** ExaBGP's own log, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Prefixes announced in an update event (any family, any next hop). */
export function exabgpAnnounced(e: ExabgpEvent): { family: string; nextHop: string; prefix: string }[] {
  const out: { family: string; nextHop: string; prefix: string }[] = [];
  for (const [family, byNextHop] of Object.entries(e.neighbor?.message?.update?.announce ?? {})) {
    for (const [nextHop, nlri] of Object.entries(byNextHop)) for (const n of nlri) out.push({ family, nextHop, prefix: n.nlri });
  }
  return out;
}

/**
 * ExaBGP 4.2.21 quotes the strings of a route-refresh event twice
 * (`"afi": ""ipv4""`, `"subtype": ""begin""`): invalid JSON, put right here.
 */
export function repairExabgpJson(line: string): string {
  return line.replace(/""([\w -]+)""/g, '"$1"');
}

// ExaBGP talks to a `process` over that program's stdin (events) and stdout
// (commands). This relay joins both to a Unix socket the test process serves.
const EXABGP_RELAY = `import os, socket, sys, threading
sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
def events():
    for line in sys.stdin:
        sock.sendall(line.encode())
    os._exit(0)
threading.Thread(target=events, daemon=True).start()
for line in sock.makefile('r'):
    sys.stdout.write(line)
    sys.stdout.flush()
os._exit(0)
`;

function exabgpConfig(opts: ExabgpOptions, relay: string, socketPath: string): string {
  const routes = checkRoutes(opts.routes);
  const out = [
    'process ncbgp-test {',
    `  run /usr/bin/python3 ${relay} ${socketPath};`,
    '  encoder json;',
    '}',
  ];
  for (const p of opts.peers) {
    if (p.port === undefined && !p.passive) throw new Error(`ExaBGP peer ${p.address}: port is needed unless passive`);
    if (p.passive && opts.listenPort === undefined) throw new Error(`ExaBGP peer ${p.address}: passive needs listenPort`);
    out.push(
      `neighbor ${checkIpv4(p.address, 'peer address')} {`,
      `  router-id ${checkIpv4(opts.routerId, 'router id')};`,
      `  local-address ${checkIpv4(p.localAddress ?? opts.localAddress, 'local address')};`,
      `  local-as ${opts.localAs};`,
      `  peer-as ${p.remoteAs};`,
      ...(p.port !== undefined ? [`  connect ${p.port};`] : []),
      ...(p.passive ? ['  passive;'] : []),
      ...(p.routeRefresh || p.gracefulRestart !== undefined
        ? [
            '  capability {',
            ...(p.routeRefresh ? ['    route-refresh enable;'] : []),
            ...(p.gracefulRestart !== undefined ? [`    graceful-restart ${p.gracefulRestart};`] : []),
            '  }',
          ]
        : []),
      `  family { ${(p.families ?? ['ipv4 unicast']).map((f) => `${f};`).join(' ')} }`,
      '  api {',
      '    processes [ ncbgp-test ];',
      '    neighbor-changes;',
      '    negotiated;',
      '    receive { parsed; update; refresh; open; notification; }',
      '    send { parsed; update; refresh; notification; }',
      '  }',
      ...(routes.length ? ['  static {', ...routes.map((r) => `    route ${r.prefix} next-hop ${r.nextHop};`), '  }'] : []),
      '}',
    );
  }
  return out.join('\n') + '\n';
}

/** Starts ExaBGP; resolves once its API process is connected (configuration loaded, listening). */
export async function startExabgp(opts: ExabgpOptions): Promise<Exabgp> {
  const dir = tempDir('exabgp', (d) => ({ 'relay.py': EXABGP_RELAY, 'exabgp.conf': exabgpConfig(opts, join(d, 'relay.py'), join(d, 'api.sock')) }));
  const socketPath = join(dir, 'api.sock');
  const confPath = join(dir, 'exabgp.conf');

  const events: ExabgpEvent[] = [];
  const unparsed: string[] = [];
  const waiters = new Set<() => void>();
  const acks: { resolve: () => void; reject: (e: Error) => void; text: string }[] = [];
  let api: Socket | undefined;
  const server: Server = createServer((sock) => {
    // ExaBGP respawns a process that died: the newest connection is the live one.
    api = sock;
    let partial = '';
    sock.setEncoding('utf8');
    sock.on('data', (data: string) => {
      const parts = (partial + data).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts.map((l) => l.trim()).filter((l) => l !== '')) {
        if (line === 'done' || line === 'error') {
          const ack = acks.shift();
          if (line === 'done') ack?.resolve();
          else ack?.reject(new Error(`ExaBGP answered "error" to: ${ack.text}`));
          continue;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(repairExabgpJson(line));
        } catch {
          parsed = undefined;
        }
        if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { type?: unknown }).type === 'string') {
          events.push(parsed as ExabgpEvent);
          for (const w of [...waiters]) w();
        } else {
          unparsed.push(line);
        }
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(socketPath, res);
  }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });

  const env: NodeJS.ProcessEnv = {
    'exabgp.daemon.user': userInfo().username,
    'exabgp.daemon.daemonize': 'false',
    'exabgp.api.cli': 'false',
    'exabgp.api.ack': 'true',
    'exabgp.log.destination': 'stdout',
    'exabgp.tcp.bind': opts.listenPort !== undefined ? opts.localAddress : '',
    'exabgp.tcp.port': String(opts.listenPort ?? 179),
  };
  const d = launch('exabgp', 'exabgp', [confPath], dir, env);
  const stopServer = (): void => {
    server.close();
    api?.destroy();
  };
  try {
    await awaitReady('exabgp', d, () => (api ? true : undefined));
  } catch (e) {
    stopServer();
    throw e;
  }

  const waitFor = (pred: (e: ExabgpEvent, index: number) => boolean, ms: number): Promise<ExabgpEvent> =>
    new Promise((resolve, reject) => {
      let checked = 0;
      const check = (): void => {
        for (; checked < events.length; checked++) {
          if (pred(events[checked], checked)) {
            finish();
            resolve(events[checked]);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        finish();
        const other = unparsed.length ? `\nlines that were not JSON events:\n${unparsed.join('\n')}` : '';
        reject(new Error(`no matching ExaBGP event within ${ms} ms; events so far:\n${events.map((e) => JSON.stringify(e)).join('\n')}${other}`));
      }, ms);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const command = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!api || api.destroyed) {
        reject(new Error('ExaBGP API process not connected'));
        return;
      }
      const timer = setTimeout(() => reject(new Error(`ExaBGP did not acknowledge "${text}" within ${CLI_TIMEOUT_MS} ms`)), CLI_TIMEOUT_MS);
      acks.push({
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      api.write(text.replace(/\n/g, ' ') + '\n');
    });

  return {
    pid: d.pid,
    events: () => [...events],
    waitFor,
    command,
    output: d.output,
    stop: async () => {
      await d.stop();
      stopServer();
    },
  };
}

// ---------------------------------------------------------------------------
// GoBGP

export interface GobgpNeighborOptions {
  address: string;
  peerAs: number;
  /** The peer's port GoBGP connects to (default 179). */
  remotePort?: number;
  /** Only accept connections. */
  passive?: boolean;
  localAddress?: string;
}

export interface GobgpOptions {
  routerId: string;
  as: number;
  /** Listening port. */
  port: number;
  /** Listening address; default 127.0.0.1. */
  listenAddress?: string;
  /** gRPC API port on 127.0.0.1, for the gobgp CLI. */
  apiPort: number;
  neighbors: GobgpNeighborOptions[];
  /** Added to the global RIB once the daemon answers. */
  routes?: StaticRoute[];
}

export interface GobgpPath {
  prefix: string;
  nextHop?: string;
  asPath: number[];
  /** GoBGP's JSON of every path attribute ({type: 1, value: 0}, {type: 3, nexthop}, ...). */
  attrs: unknown[];
  stale: boolean;
}

/** GoBGP's session states (apipb.PeerState.SessionState). */
export const GOBGP_SESSION_STATE = ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'] as const;

export interface GobgpNeighbor {
  state: (typeof GOBGP_SESSION_STATE)[number];
  /** Capability names from GoBGP's type URLs: 'RouteRefreshCapability', 'EnhancedRouteRefreshCapability', 'MultiProtocolCapability', ... */
  remoteCapabilities: string[];
  localCapabilities: string[];
  /** Message counters by type ('update', 'open', 'keepalive', 'refresh', 'notification', 'total'); missing types were not seen. */
  received: Record<string, number>;
  sent: Record<string, number>;
  /** GoBGP's whole JSON for the neighbor. */
  raw: unknown;
}

export interface Gobgp {
  pid: number;
  /** Runs `gobgp -u 127.0.0.1 -p API_PORT ...args` (add '-j' for JSON); resolves with stdout. */
  cli(args: string[]): Promise<string>;
  adjIn(neighbor: string): Promise<GobgpPath[]>;
  adjOut(neighbor: string): Promise<GobgpPath[]>;
  neighbor(neighbor: string): Promise<GobgpNeighbor>;
  addRoute(prefix: string, nextHop: string): Promise<void>;
  softResetIn(neighbor: string): Promise<void>;
  softResetOut(neighbor: string): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

function gobgpConfig(opts: GobgpOptions): string {
  const out = [
    '[global.config]',
    `  as = ${opts.as}`,
    `  router-id = "${checkIpv4(opts.routerId, 'router id')}"`,
    `  port = ${opts.port}`,
    `  local-address-list = ["${checkIpv4(opts.listenAddress ?? '127.0.0.1', 'listen address')}"]`,
  ];
  for (const n of opts.neighbors) {
    out.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${checkIpv4(n.address, 'neighbor address')}"`,
      `    peer-as = ${n.peerAs}`,
      '  [neighbors.timers.config]',
      '    connect-retry = 1',
      '    idle-hold-time-after-reset = 1',
      '  [neighbors.transport.config]',
      ...(n.passive ? ['    passive-mode = true'] : []),
      ...(n.remotePort !== undefined ? [`    remote-port = ${n.remotePort}`] : []),
      ...(n.localAddress ? [`    local-address = "${checkIpv4(n.localAddress, 'local address')}"`] : []),
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv4-unicast"',
    );
  }
  return out.join('\n') + '\n';
}

function gobgpPaths(json: string): GobgpPath[] {
  const parsed = JSON.parse(json || 'null') as Record<string, { nlri?: { prefix?: string }; attrs?: unknown[]; stale?: boolean }[]> | null;
  const out: GobgpPath[] = [];
  for (const [prefix, paths] of Object.entries(parsed ?? {})) {
    for (const p of paths) {
      const attrs = p.attrs ?? [];
      const nh = attrs.find((a): a is { type: 3; nexthop: string } => (a as { type?: unknown }).type === 3);
      const asPath = attrs.find((a): a is { type: 2; as_paths?: { asns?: number[] }[] } => (a as { type?: unknown }).type === 2);
      out.push({
        prefix: p.nlri?.prefix ?? prefix,
        nextHop: nh?.nexthop,
        asPath: (asPath?.as_paths ?? []).flatMap((s) => s.asns ?? []),
        attrs,
        stale: p.stale ?? false,
      });
    }
  }
  return out;
}

interface GobgpNeighborJson {
  state?: {
    session_state?: number;
    remote_cap?: { type_url?: string }[];
    local_cap?: { type_url?: string }[];
    messages?: { received?: Record<string, number>; sent?: Record<string, number> };
  };
}

function capabilityNames(caps: { type_url?: string }[] | undefined): string[] {
  return (caps ?? []).map((c) => (c.type_url ?? '').replace(/^.*\./, ''));
}

/** Starts gobgpd; resolves once its API answers and `routes` are in its global RIB. */
export async function startGobgp(opts: GobgpOptions): Promise<Gobgp> {
  const routes = checkRoutes(opts.routes);
  const dir = tempDir('gobgp', () => ({ 'gobgpd.toml': gobgpConfig(opts) }));
  const confPath = join(dir, 'gobgpd.toml');
  const d = launch('gobgpd', 'gobgpd', ['-f', confPath, '--api-hosts', `127.0.0.1:${opts.apiPort}`, '--pprof-disable', '-p'], dir);
  const cli = (args: string[]): Promise<string> => cliText('gobgp', ['-u', '127.0.0.1', '-p', String(opts.apiPort), ...args]);
  await awaitReady('gobgpd', d, async () => ((await cli(['global'])) ? true : undefined));
  const addRoute = async (prefix: string, nextHop: string): Promise<void> => {
    await cli(['global', 'rib', 'add', checkPrefix(prefix, 'prefix'), 'nexthop', checkIpv4(nextHop, 'next hop'), '-a', 'ipv4']);
  };
  try {
    for (const r of routes) await addRoute(r.prefix, r.nextHop);
  } catch (e) {
    await d.stop();
    throw e;
  }
  return {
    pid: d.pid,
    cli,
    adjIn: async (n) => gobgpPaths(await cli(['-j', 'neighbor', n, 'adj-in', '-a', 'ipv4'])),
    adjOut: async (n) => gobgpPaths(await cli(['-j', 'neighbor', n, 'adj-out', '-a', 'ipv4'])),
    neighbor: async (n) => {
      const raw = JSON.parse(await cli(['-j', 'neighbor', n])) as GobgpNeighborJson;
      return {
        state: GOBGP_SESSION_STATE[raw.state?.session_state ?? 0] ?? 'unknown',
        remoteCapabilities: capabilityNames(raw.state?.remote_cap),
        localCapabilities: capabilityNames(raw.state?.local_cap),
        received: raw.state?.messages?.received ?? {},
        sent: raw.state?.messages?.sent ?? {},
        raw,
      };
    },
    addRoute,
    softResetIn: async (n) => void (await cli(['neighbor', n, 'softresetin', '-a', 'ipv4'])),
    softResetOut: async (n) => void (await cli(['neighbor', n, 'softresetout', '-a', 'ipv4'])),
    output: d.output,
    stop: () => d.stop(),
  };
}

// ---------------------------------------------------------------------------
// BIRD

export interface BirdNeighborOptions {
  address: string;
  port: number;
  as: number;
  /** Route refresh (2) and, always with it in BIRD 2.0.12, enhanced route refresh (70); default on. */
  routeRefresh?: boolean;
  /** Only accept connections. */
  passive?: boolean;
}

export interface BirdOptions {
  routerId: string;
  as: number;
  listen: { address: string; port: number };
  neighbors: BirdNeighborOptions[];
  /** Static routes exported to every neighbor with this BGP next hop. */
  routes?: StaticRoute[];
}

/** One row of `birdc show protocols`. */
export interface BirdProtocol {
  name: string;
  proto: string;
  table: string;
  state: string;
  since: string;
  /** 'Established', 'Active', 'Connect', 'Passive', 'Error: ...' */
  info: string;
}

export interface Bird {
  pid: number;
  /** Runs one birdc command over this daemon's control socket; resolves with its output. */
  birdc(cmd: string): Promise<string>;
  protocols(): Promise<BirdProtocol[]>;
  /** The BGP protocol name used for a neighbor address ('peer_127_0_0_11'). */
  protocolOf(address: string): string;
  output(): string;
  stop(): Promise<void>;
}

function birdProtocolName(address: string): string {
  return `peer_${address.replace(/\./g, '_')}`;
}

function birdConfig(opts: BirdOptions): string {
  const routes = checkRoutes(opts.routes);
  const listen = checkIpv4(opts.listen.address, 'listen address');
  const out = [
    `router id ${checkIpv4(opts.routerId, 'router id')};`,
    'log stderr all;',
    'protocol device {}',
  ];
  if (routes.length) {
    out.push('protocol static static4 {', '  ipv4;', ...routes.map((r) => `  route ${r.prefix} blackhole { bgp_next_hop = ${r.nextHop}; };`), '}');
  }
  for (const n of opts.neighbors) {
    out.push(
      `protocol bgp ${birdProtocolName(checkIpv4(n.address, 'neighbor address'))} {`,
      `  local ${listen} port ${opts.listen.port} as ${opts.as};`,
      `  neighbor ${n.address} port ${n.port} as ${n.as};`,
      '  strict bind on;',
      '  multihop;',
      `  enable route refresh ${n.routeRefresh === false ? 'off' : 'on'};`,
      ...(n.passive ? ['  passive on;'] : []),
      '  connect delay time 0;',
      '  connect retry time 1;',
      '  ipv4 { import all; export all; next hop keep on; };',
      '}',
    );
  }
  return out.join('\n') + '\n';
}

/** Parses `birdc show protocols` (after its "BIRD x ready." banner and header line). */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(up|down|start|stop|flush)\s+(\S+)\s*(.*)$/.exec(line);
    if (m) out.push({ name: m[1], proto: m[2], table: m[3], state: m[4], since: m[5], info: m[6].trim() });
  }
  return out;
}

/** Starts `bird -f -c CONF -s SOCK -P PIDFILE`; resolves once birdc gets an answer. */
export async function startBird(opts: BirdOptions): Promise<Bird> {
  const dir = tempDir('bird', () => ({ 'bird.conf': birdConfig(opts) }));
  const confPath = join(dir, 'bird.conf');
  const sock = join(dir, 'bird.ctl');
  const d = launch('bird', 'bird', ['-f', '-c', confPath, '-s', sock, '-P', join(dir, 'bird.pid')], dir);
  const birdc = (cmd: string): Promise<string> => cliText('birdc', ['-s', sock, cmd]);
  await awaitReady('bird', d, async () => (/up and running/.test(await birdc('show status')) ? true : undefined));
  return {
    pid: d.pid,
    birdc,
    protocols: async () => parseBirdProtocols(await birdc('show protocols')),
    protocolOf: birdProtocolName,
    output: d.output,
    stop: () => d.stop(),
  };
}

// ---------------------------------------------------------------------------
// FRR

export interface FrrNeighborOptions {
  address: string;
  port: number;
  as: number;
  /** Only accept connections. */
  passive?: boolean;
}

export interface FrrOptions {
  routerId: string;
  as: number;
  listen: { address: string; port: number };
  neighbors: FrrNeighborOptions[];
  /** `network` statements, sent to every neighbor with this next hop. */
  routes?: StaticRoute[];
}

export interface Frr {
  pid: number;
  /** Runs one command through vtysh against this bgpd's vty socket ('show bgp summary json'). */
  vtysh(cmd: string): Promise<string>;
  /** `show bgp neighbors ADDRESS json`, the neighbor's own object. */
  neighbor(address: string): Promise<Record<string, unknown>>;
  output(): string;
  stop(): Promise<void>;
}

function frrConfig(opts: FrrOptions): string {
  const routes = checkRoutes(opts.routes);
  const listen = checkIpv4(opts.listen.address, 'listen address');
  const out = [
    'frr defaults traditional',
    'log stdout informational',
    `router bgp ${opts.as}`,
    ` bgp router-id ${checkIpv4(opts.routerId, 'router id')}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
  ];
  for (const n of opts.neighbors) {
    const a = checkIpv4(n.address, 'neighbor address');
    out.push(
      ` neighbor ${a} remote-as ${n.as}`,
      ` neighbor ${a} port ${n.port}`,
      ` neighbor ${a} update-source ${listen}`,
      ` neighbor ${a} disable-connected-check`,
      ` neighbor ${a} timers connect 1`,
      ` neighbor ${a} advertisement-interval 0`,
      ...(n.passive ? [` neighbor ${a} passive`] : []),
    );
  }
  out.push(' address-family ipv4 unicast');
  for (const r of routes) out.push(`  network ${r.prefix}`);
  for (const n of opts.neighbors) out.push(`  neighbor ${n.address} route-map NCBGP-OUT out`);
  out.push(' exit-address-family', '!');
  // Per-prefix next hops on the way out (FRR would put its own address for EBGP).
  routes.forEach((r, i) => out.push(`ip prefix-list NCBGP-P${i} seq 5 permit ${r.prefix}`));
  routes.forEach((r, i) => out.push(`route-map NCBGP-OUT permit ${10 * (i + 1)}`, ` match ip address prefix-list NCBGP-P${i}`, ` set ip next-hop ${r.nextHop}`));
  out.push(`route-map NCBGP-OUT permit ${10 * (routes.length + 1)}`, '!');
  return out.join('\n') + '\n';
}

/** Starts FRR's bgpd alone (no zebra, no kernel, no user switch); resolves once vtysh gets an answer. */
export async function startFrr(opts: FrrOptions): Promise<Frr> {
  const dir = tempDir('frr', () => ({ 'bgpd.conf': frrConfig(opts) }));
  const confPath = join(dir, 'bgpd.conf');
  const args = ['-Z', '-n', '-S', '-p', String(opts.listen.port), '-l', checkIpv4(opts.listen.address, 'listen address')];
  args.push('-f', confPath, '-i', join(dir, 'bgpd.pid'), '--vty_socket', dir, '-P', '0');
  const d = launch('bgpd', FRR_BGPD, args, dir);
  const vtysh = (cmd: string): Promise<string> => cliText('vtysh', ['--vty_socket', dir, '-d', 'bgpd', '-c', cmd]);
  await awaitReady('bgpd', d, async () => (/"routerId"/.test(await vtysh('show bgp summary json')) ? true : undefined));
  return {
    pid: d.pid,
    vtysh,
    neighbor: async (address) => {
      const all = JSON.parse(await vtysh(`show bgp neighbors ${checkIpv4(address, 'neighbor address')} json`)) as Record<string, Record<string, unknown>>;
      const n = all[address];
      if (!n) throw new Error(`bgpd knows no neighbor ${address}`);
      return n;
    },
    output: d.output,
    stop: () => d.stop(),
  };
}

// ---------------------------------------------------------------------------
// tshark

export interface CaptureOptions {
  /** TCP ports to capture and decode as BGP. */
  ports: number[];
  iface?: 'lo';
}

/** One BGP message of a capture (a frame can carry several). */
export interface CapturedBgpMessage {
  frame: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** RFC 4271 section 4.1 message type: 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH */
  type: number;
  /** ROUTE-REFRESH only: 0 request, 1 BoRR, 2 EoRR (RFC 7313 section 3.2) */
  refreshSubtype?: number;
}

export interface Capture {
  pcapPath: string;
  /** Ends the capture (SIGINT by PID, so the file is complete); resolves with the pcap path. Idempotent. */
  stop(): Promise<string>;
  /** Stops the capture if running, then `tshark -r FILE -d tcp.port==P,bgp -Y bgp -T json [-e FIELD...]`: the packets as tshark's JSON. */
  decode(fields?: string[]): Promise<unknown[]>;
  /** Stops the capture if running, then lists every BGP message in it. */
  messages(): Promise<CapturedBgpMessage[]>;
}

/** Starts `tshark -i lo -f 'tcp port X or ...' -w FILE`; resolves once it reports capturing. */
export async function startCapture(opts: CaptureOptions): Promise<Capture> {
  if (opts.ports.length === 0) throw new Error('startCapture: no ports');
  const dir = tempDir('tshark', () => ({}));
  const pcapPath = join(dir, 'capture.pcapng');
  const filter = opts.ports.map((p) => `tcp port ${p}`).join(' or ');
  const d = launch('tshark', 'tshark', ['-i', opts.iface ?? 'lo', '-f', filter, '-w', pcapPath], dir);
  await awaitReady('tshark', d, () => (/Capturing on/.test(d.output()) ? true : undefined));
  const decodeAs = opts.ports.flatMap((p) => ['-d', `tcp.port==${p},bgp`]);
  let stopped: Promise<void> | undefined;
  // The pcap lives in the temp dir: keep it until the process exits (the
  // `running` safety net removes it then), not when tshark ends.
  const stop = async (): Promise<string> => {
    stopped ??= (async () => {
      await new Promise((r) => setTimeout(r, CAPTURE_SETTLE_MS));
      signalPid(d.pid, 'SIGINT');
      const timer = setTimeout(() => d.exited || signalPid(d.pid, 'SIGKILL'), KILL_AFTER_MS);
      await d.exit;
      clearTimeout(timer);
    })();
    await stopped;
    return pcapPath;
  };
  const read = async (args: string[]): Promise<string> => cliText('tshark', ['-r', await stop(), ...decodeAs, '-Y', 'bgp', ...args]);
  return {
    pcapPath,
    stop,
    decode: async (fields) => JSON.parse((await read(['-T', 'json', ...(fields ?? []).flatMap((f) => ['-e', f])])) || '[]') as unknown[],
    messages: async () => {
      const fields = ['frame.number', 'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport', 'bgp.type', 'bgp.route_refresh.subtype'];
      const text = await read(['-T', 'fields', ...fields.flatMap((f) => ['-e', f]), '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,']);
      const out: CapturedBgpMessage[] = [];
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
        const [frame, src, srcPort, dst, dstPort, types, subtypes] = line.split('\t');
        const refresh = (subtypes ?? '').split(',').filter((s) => s !== '');
        for (const t of types.split(',').filter((s) => s !== '')) {
          const type = Number(t);
          const sub = type === 5 ? refresh.shift() : undefined;
          out.push({ frame: Number(frame), src, srcPort: Number(srcPort), dst, dstPort: Number(dstPort), type, ...(sub !== undefined ? { refreshSubtype: Number(sub) } : {}) });
        }
      }
      return out;
    },
  };
}
