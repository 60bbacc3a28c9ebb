// BIRD 2.0 as a real peer for the interop tests (the rules every peer
// follows are at the top of common.ts).
//
// Quirks seen on this machine (BIRD 2.0.12): it always advertises enhanced
// route refresh (70) together with route refresh (2); `enable route refresh
// off` removes both and there is no switch for 70 alone. A neighbor on
// 127.0.0.x is "Invalid remote address" unless `multihop` (loopback is not a
// directly connected net for it); then learned routes show as unreachable
// (no IGP to resolve the next hop), which does not stop them being held and
// shown. `strict bind` keeps its listening socket on the given address. It
// first connects 5 s after start unless `connect delay time` (0 here). For
// EBGP it rewrites the next hop to its own address unless `next hop keep`
// and a bgp_next_hop set on the route. It also advertises graceful restart
// (64) and long-lived graceful restart (71) and sends End-of-RIB. It answers
// a ROUTE-REFRESH with BoRR, its routes and EoRR about 3 s later (at its
// next idle poll, like the last batch of any export).
import { join } from 'node:path';
import { awaitReady, checkIpv4, checkRoutes, cliText, launch, StaticRoute, tempDir } from './common';

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

