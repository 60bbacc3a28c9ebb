// GoBGP 3.10 as a real peer for the interop tests (the rules every peer
// follows are at the top of common.ts).
//
// Quirks seen on this machine: GoBGP advertises route refresh (2) and FQDN
// (73), never enhanced route refresh; answers any ROUTE-REFRESH by
// re-sending its best paths (no BoRR/EoRR), and sends End-of-RIB only with
// graceful restart. Its `softresetin` re-applies import policy locally and
// sends nothing. An UPDATE whose NEXT_HOP is a loopback address is taken as
// a withdraw: use 192.0.2.x next hops. Connect-retry defaults to 120 s and
// the idle hold after a reset to 30 s: set to 1 s here. pprof is on
// localhost:6060 unless disabled, which breaks a second gobgpd: disabled
// here.
import { join } from 'node:path';
import { awaitReady, checkIpv4, checkPrefix, checkRoutes, cliText, launch, StaticRoute, tempDir } from './common';

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

