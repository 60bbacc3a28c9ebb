// FRR 8.4's bgpd as a real peer for the interop tests (the rules every peer
// follows are at the top of common.ts).
//
// Quirks seen on this machine: bgpd runs alone with -Z (no zebra), -n (no
// kernel), -S (no user switch), its vty socket in the temp directory and
// -P 0 (no vty TCP port); it still creates its crash-log directory
// /var/tmp/frr/bgpd.PID (removed at a clean exit). Without zebra a loopback
// neighbor needs `disable-connected-check`. It logs "zclient_send_message()
// failed" (no zebra) harmlessly. It waits 3 to 5 s after the session comes
// up before its first UPDATE, reflects a peer's own routes back to it (with
// its own address as next hop; the receiver drops them by AS_PATH), and
// advertises route refresh as both 2 and the old Cisco 128, enhanced route
// refresh (70), extended messages (6), ADD-PATH receive (69), FQDN (73),
// graceful restart and LLGR. It ignores a ROUTE-REFRESH that arrives before
// it has sent its own End-of-RIB ("rcvd route-refresh (REQUEST) ... before
// EoR" in its debug log), and sends End-of-RIB only to a peer that
// advertised graceful restart (64): give ExaBGP `gracefulRestart`. Then it
// answers with BoRR at once, its routes a few seconds later, then EoRR; that
// End-of-RIB can even come before its first routes. `clear bgp ADDRESS soft
// in` sends a ROUTE-REFRESH request; `soft out` re-sends its routes without
// BoRR/EoRR.
import { join } from 'node:path';
import { awaitReady, checkIpv4, checkRoutes, cliText, launch, StaticRoute, tempDir } from './common';

/** FRR's BGP daemon: not on PATH (Debian installs it under /usr/lib/frr). */
export const FRR_BGPD = '/usr/lib/frr/bgpd';

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

