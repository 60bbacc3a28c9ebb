// The `config false` part of ncbgp-bgp: /bgp/peer/state for every
// configured peer, from the engine's peer status. <get> merges it into the
// configuration entry by entry (operations/base.ts).
import type { BgpEngine, FamilyCounters, PeerStatus, UpdateGroupStatus } from '../bgp/engine';
import type { AfiSafi } from '../bgp/wire/types';
import type { StateProvider } from '../netconf/server';
import { elem, type XmlElement } from '../model/xml';
import { afiSafiLeaf } from './afi-safi';
import { dateAndTime, NS_BGP } from './yang-values';

const e = (name: string, content: XmlElement[] | string | number | boolean): XmlElement => elem(NS_BGP, name, content);

function counters(name: string, c: FamilyCounters | undefined): XmlElement[] {
  return c ? [e(name, [e('received', c.received), e('accepted', c.accepted), e('advertised', c.advertised), e('keep-all-routes-pending', c.keepAllRoutesPending), e('update-group', c.updateGroup)])] : [];
}

/** One peer's `state` container, as of `now`. */
export function peerState(p: PeerStatus, now: Date): XmlElement {
  const content: XmlElement[] = [e('session-state', p.state)];
  if (p.establishedAt) content.push(e('uptime', Math.max(0, Math.floor((now.getTime() - p.establishedAt.getTime()) / 1000))));
  if (p.lastDownReason !== undefined) content.push(e('last-down-reason', p.lastDownReason));
  const neg = p.state === 'established' ? p.negotiated : undefined;
  if (neg) {
    content.push(
      e('negotiated', [
        ...neg.families.flatMap(afiSafi),
        e('route-refresh', neg.routeRefresh),
        e('enhanced-route-refresh', neg.enhancedRouteRefresh),
        e('four-octet-as', neg.fourOctetAs),
        e('hold-time', neg.holdTime),
      ]),
    );
  }
  content.push(...counters('mvpn', p.mvpn), ...counters('ipv4-unicast', p.unicast));
  const last: XmlElement[] = [];
  if (p.lastCompleted.import) last.push(e('import', dateAndTime(p.lastCompleted.import)));
  if (p.lastCompleted.export) last.push(e('export', dateAndTime(p.lastCompleted.export)));
  if (p.refreshRequestedAt) last.push(e('received', dateAndTime(p.refreshRequestedAt)));
  if (last.length > 0) content.push(e('last-refresh', last));
  return e('state', content);
}

/** identityref values carry their module's prefix, declared where they stand (RFC 7950 section 9.10.3); nothing for a family no identity names. */
const afiSafi = (family: AfiSafi): XmlElement[] => afiSafiLeaf(NS_BGP, family);

/** One update-group entry, in the YANG order of its leaves. */
function updateGroup(g: UpdateGroupStatus): XmlElement {
  const t = g.treatment;
  return e('update-group', [
    e('id', g.id),
    ...afiSafi(t.family),
    ...(t.exportPolicy === undefined ? [] : [e('export-policy', t.exportPolicy)]),
    e('peer-type', t.external ? 'external' : 'internal'),
    ...(t.remoteAs === undefined ? [] : [e('remote-as', t.remoteAs)]),
    e('local-address', t.localAddress),
    e('four-octet-as', t.fourOctetAs),
    e('enhanced-route-refresh', t.enhancedRouteRefresh),
    e('advertised', g.advertised),
    ...g.members.map((m) => e('member', m)),
  ]);
}

/** /bgp with one `peer` entry (its key and its state) per configured peer, and the update groups. */
export function bgpState(peers: readonly PeerStatus[], groups: readonly UpdateGroupStatus[], now: Date): XmlElement {
  return e('bgp', [...peers.map((p) => e('peer', [e('address', p.address), peerState(p, now)])), e('update-groups', [...groups].sort((a, b) => a.id - b.id).map(updateGroup))]);
}

/**
 * RFC 8641 section 3.10: the nodes of /bgp that change with every UPDATE or
 * every second do not support on-change (on-change-unsupported); every
 * other change is signalled (the engine's peer-state and refresh events).
 */
const ROUTE_COUNTERS = ['received', 'accepted', 'advertised', 'keep-all-routes-pending'];
export const BGP_ON_CHANGE_UNSUPPORTED: readonly (readonly string[])[] = [
  ['peer', 'state', 'uptime'],
  ...['mvpn', 'ipv4-unicast'].flatMap((family) => ROUTE_COUNTERS.map((c) => ['peer', 'state', family, c])),
  // the time the peer last asked for a refresh: no engine event
  ['peer', 'state', 'last-refresh', 'received'],
  ['update-groups', 'update-group', 'advertised'],
];

export function bgpStateProvider(engine: BgpEngine): StateProvider {
  // RFC 8342 section 5.3.4: sessions, capabilities and routes are learned from the peers
  return { ns: NS_BGP, name: 'bgp', origin: 'learned', build: () => bgpState(engine.peers(), engine.updateGroups(), new Date()), onChange: BGP_ON_CHANGE_UNSUPPORTED };
}
