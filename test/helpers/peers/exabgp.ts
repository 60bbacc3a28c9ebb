// ExaBGP 4.2 as a real peer for the interop tests (the rules every peer
// follows are at the top of common.ts).
//
// Quirks seen on this machine (ExaBGP 4.2.21): the JSON API says
// `"exabgp": "4.0.1"` (the API version, not the package's). It acknowledges
// each API command with a line "done" or "error" (exabgp.api.ack). Outgoing
// connections retry with a growing back-off (0, 1, 2, 3 ... s, up to 60):
// start its peer first. As root it must be told `exabgp.daemon.user=root` or
// it drops privileges. It shows route-refresh events with their strings
// quoted twice (`""ipv4""`, invalid JSON): repairExabgpJson() puts that
// right. It shows capabilities it does not know as `"name": "unknown"` with
// the raw bytes (GoBGP's FQDN 73, BIRD's and FRR's long-lived graceful
// restart 71). With `route-refresh enable` it advertises both route refresh
// (2) and enhanced route refresh (70). It sends End-of-RIB after its initial
// routes even without graceful restart, and reports the peer's as a
// `message.eor` event.
import { rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { awaitReady, checkIpv4, checkRoutes, CLI_TIMEOUT_MS, launch, StaticRoute, tempDir } from './common';

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

