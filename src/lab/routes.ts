// The MVPN routes a simulated lab peer originates: one PE router with four
// VRFs (RD `router-id:vrf`, RFC 4364 section 4.2 type 1; Route Target
// `target:65000:vrf`), each with an Intra-AS I-PMSI A-D route, and then
// C-multicast and A-D routes for distinct customer groups. Pure.
import { OriginatedRoute } from '../bgp/engine';
import { MvpnRoute } from '../bgp/wire/mvpn';

export const LAB_VRFS = 4;

/** The Route Target of a lab VRF (1-based), as the lab policies match it. */
export const vrfTarget = (vrf: number): string => `target:65000:${vrf}`;

/** The k-th customer group (232/8, RFC 4607 source-specific): distinct for every k below 2^24. */
function group(k: number): string {
  return `232.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
}

/**
 * `count` distinct routes of a PE whose BGP Identifier is `routerId` and
 * whose AS is `as`: RDs carry the router-id, so two peers never originate
 * the same NLRI. Types, in turn: 1 per VRF first, then 5, 6, 3 and 7
 * (RFC 6514 section 4), mostly Source Tree Joins as in a busy network.
 */
export function labRoutes(routerId: string, as: number, count: number): OriginatedRoute[] {
  const routes: OriginatedRoute[] = [];
  for (let k = 0; k < count; k++) {
    const vrf = 1 + (k % LAB_VRFS);
    const rd = `${routerId}:${vrf}`;
    const source = `10.${vrf}.${(k >> 8) & 255}.${k & 255}`;
    let route: MvpnRoute;
    if (k < LAB_VRFS) route = { routeType: 1, rd, originatingRouter: routerId };
    else if (k % 10 === 0) route = { routeType: 5, rd, source, group: group(k) };
    else if (k % 10 === 1) route = { routeType: 6, rd, sourceAs: as, source: `10.${vrf}.255.1`, group: group(k) };
    else if (k % 10 === 2) route = { routeType: 3, rd, source, group: group(k), originatingRouter: routerId };
    else route = { routeType: 7, rd, sourceAs: as, source, group: group(k) };
    routes.push({ route, routeTargets: [vrfTarget(vrf)] });
  }
  return routes;
}
