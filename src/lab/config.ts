// The running configuration `ncbgp lab` generates (RFC 7951 JSON of
// ncbgp-bgp) so that every selector and both directions of
// refresh-bgp-mvpn do real work: two EBGP groups of different remote AS and
// one IBGP group, an import policy on one group and an export policy on
// another, one peer with keep-all-routes and one without enhanced route
// refresh (completion by quiet period). Pure.
import { LAB_VRFS, vrfTarget } from './routes';

export const LAB_LOCAL_AS = 65000;
export const LAB_ROUTER_ID = '192.0.2.1';
export const MAX_LAB_PEERS = 10_000;

export interface LabGroup {
  readonly name: string;
  readonly type: 'external' | 'internal';
  readonly remoteAs: number;
  readonly importPolicy?: string;
  readonly exportPolicy?: string;
}

/** Peers go to these groups in turn. */
export const LAB_GROUPS: readonly LabGroup[] = [
  { name: 'ebgp-a', type: 'external', remoteAs: 65001, importPolicy: 'lab-import' },
  { name: 'ebgp-b', type: 'external', remoteAs: 65002, exportPolicy: 'lab-export' },
  { name: 'ibgp', type: 'internal', remoteAs: LAB_LOCAL_AS },
];

/** The peer that keeps all routes (import soft reset runs locally) and the one without enhanced route refresh. */
const KEEP_ALL_ROUTES_PEER = 0;
const NO_ENHANCED_REFRESH_PEER = 4;

/** Lab peer i (0-based): 127.0.1.1, 127.0.1.2, ... 127.0.1.254, 127.0.2.1, ... */
export function labPeerAddress(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= MAX_LAB_PEERS) throw new RangeError(`lab peer index ${i} is out of range`);
  return `127.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;
}

type Json = string | number | boolean | Json[] | { [key: string]: Json };

function mvpn(o: { keepAllRoutes?: boolean; importPolicy?: string; exportPolicy?: string }): { [key: string]: Json } {
  const m: { [key: string]: Json } = {};
  if (o.keepAllRoutes) m['keep-all-routes'] = true;
  if (o.importPolicy) m['import-policy'] = o.importPolicy;
  if (o.exportPolicy) m['export-policy'] = o.exportPolicy;
  return m;
}

/**
 * `{"ncbgp-bgp:bgp": {...}}` for `peers` lab peers. The server listens on
 * 127.0.0.1, port 0 (one the system picks: the lab reads it back), and waits
 * for the peers to connect (passive), so nothing clashes with another BGP
 * speaker on this machine.
 */
export function labBgpConfig(peers: number): { 'ncbgp-bgp:bgp': Json } {
  if (!Number.isInteger(peers) || peers < 1 || peers > MAX_LAB_PEERS) throw new RangeError(`the lab has 1 to ${MAX_LAB_PEERS} peers`);
  const peerList: Json[] = [];
  for (let i = 0; i < peers; i++) {
    const group = LAB_GROUPS[i % LAB_GROUPS.length];
    const p: { [key: string]: Json } = {
      address: labPeerAddress(i),
      group: group.name,
      passive: true,
      description: `lab peer ${i + 1} (${group.type}, AS ${group.remoteAs})`,
      // a lab peer that stops is noticed within 30 s
      timers: { 'hold-time': 30 },
    };
    if (i === KEEP_ALL_ROUTES_PEER) p.mvpn = mvpn({ keepAllRoutes: true });
    if (i === NO_ENHANCED_REFRESH_PEER) p['enhanced-route-refresh'] = false;
    peerList.push(p);
  }
  const vrf = 1;
  return {
    'ncbgp-bgp:bgp': {
      'local-as': LAB_LOCAL_AS,
      'router-id': LAB_ROUTER_ID,
      listen: { address: '127.0.0.1', port: 0 },
      'peer-group': LAB_GROUPS.map((g) => {
        const settings = mvpn(g);
        return { name: g.name, type: g.type, 'remote-as': g.remoteAs, ...(Object.keys(settings).length > 0 ? { mvpn: settings } : {}) };
      }),
      peer: peerList,
      policy: [
        {
          name: 'lab-import',
          term: [{ name: 'no-source-active', match: { 'route-type': ['source-active-ad'] }, action: 'reject' }],
          'default-action': 'accept',
        },
        {
          name: 'lab-export',
          term: [{ name: `not-vrf-${LAB_VRFS}`, match: { 'route-target': [vrfTarget(LAB_VRFS)] }, action: 'reject' }],
          'default-action': 'accept',
        },
      ],
      'mvpn-route': [
        { name: 'i-pmsi', 'route-type': 'intra-as-i-pmsi-ad', 'route-distinguisher': `${LAB_ROUTER_ID}:${vrf}`, 'originating-router': LAB_ROUTER_ID, 'route-target': [vrfTarget(vrf)] },
        {
          name: 's-pmsi',
          'route-type': 's-pmsi-ad',
          'route-distinguisher': `${LAB_ROUTER_ID}:${vrf}`,
          'originating-router': LAB_ROUTER_ID,
          'multicast-source': '10.0.0.1',
          'multicast-group': '232.0.0.1',
          'route-target': [vrfTarget(vrf)],
        },
        {
          name: 'join',
          'route-type': 'source-tree-join',
          'route-distinguisher': `${LAB_ROUTER_ID}:${vrf}`,
          'source-as': LAB_LOCAL_AS,
          'multicast-source': '10.0.0.1',
          'multicast-group': '232.0.0.1',
          'route-target': [vrfTarget(vrf)],
        },
      ],
    },
  };
}
