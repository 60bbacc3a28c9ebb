// A route of the lab generator as an `mvpn-route` list entry of ncbgp-bgp
// (RFC 7951 JSON), for the benches' initial-content.
import type { OriginatedRoute } from '../src/bgp/engine';

/** An mvpn-route entry: leaves and the route-target leaf-list. */
export type MvpnRouteJson = { [leaf: string]: string | number | string[] };

/** Entry `r<i>`, with the route's own route targets or `routeTargets`. */
export function mvpnRouteJson(r: OriginatedRoute, i: number, routeTargets: readonly string[] = r.routeTargets): MvpnRouteJson {
  const m = r.route;
  const base = { name: `r${i}`, 'route-target': [...routeTargets] };
  switch (m.routeType) {
    case 1:
      return { ...base, 'route-type': 'intra-as-i-pmsi-ad', 'route-distinguisher': m.rd, 'originating-router': m.originatingRouter };
    case 3:
      return { ...base, 'route-type': 's-pmsi-ad', 'route-distinguisher': m.rd, 'originating-router': m.originatingRouter, 'multicast-source': m.source, 'multicast-group': m.group };
    case 5:
      return { ...base, 'route-type': 'source-active-ad', 'route-distinguisher': m.rd, 'multicast-source': m.source, 'multicast-group': m.group };
    case 6:
    case 7:
      return { ...base, 'route-type': m.routeType === 6 ? 'shared-tree-join' : 'source-tree-join', 'route-distinguisher': m.rd, 'source-as': m.sourceAs, 'multicast-source': m.source, 'multicast-group': m.group };
    default:
      throw new Error(`the lab generator made a route of type ${m.routeType}`);
  }
}
