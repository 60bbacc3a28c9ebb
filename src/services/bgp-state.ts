// The `config false` part of ncbgp-bgp: /bgp/peer/state for every
// configured peer, from the engine's peer status. <get> merges it into the
// configuration entry by entry (operations/base.ts).
import type { BgpEngine, FamilyCounters, PeerStatus } from '../bgp/engine';
import { familyName } from '../bgp/refresh/operation';
import type { StateProvider } from '../netconf/server';
import { elem, type XmlElement } from '../netconf/xml';
import { dateAndTime, NS_BGP } from './bgp-config';

/** Identities of ncbgp-bgp that name an address family (base afi-safi-type). */
const AFI_SAFI_IDENTITIES: ReadonlySet<string> = new Set(['ipv4-mvpn', 'ipv4-unicast']);

const e = (name: string, content: XmlElement[] | string | number | boolean): XmlElement => elem(NS_BGP, name, content);

function counters(name: string, c: FamilyCounters | undefined): XmlElement[] {
  return c ? [e(name, [e('received', c.received), e('accepted', c.accepted), e('advertised', c.advertised), e('keep-all-routes-pending', c.keepAllRoutesPending)])] : [];
}

/** One peer's `state` container, as of `now`. */
export function peerState(p: PeerStatus, now: Date): XmlElement {
  const content: XmlElement[] = [e('session-state', p.state)];
  if (p.establishedAt) content.push(e('uptime', Math.max(0, Math.floor((now.getTime() - p.establishedAt.getTime()) / 1000))));
  if (p.lastDownReason !== undefined) content.push(e('last-down-reason', p.lastDownReason));
  const neg = p.state === 'established' ? p.negotiated : undefined;
  if (neg) {
    // identityref values carry their module's prefix, declared where they stand (RFC 7950 section 9.10.3)
    const families = neg.families.map(familyName).filter((n) => AFI_SAFI_IDENTITIES.has(n));
    content.push(
      e('negotiated', [
        ...families.map((n) => ({ ...e('afi-safi', `bgp:${n}`), nsDecls: { bgp: NS_BGP } })),
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

/** /bgp with one `peer` entry (its key and its state) per configured peer. */
export function bgpState(peers: readonly PeerStatus[], now: Date): XmlElement {
  return e(
    'bgp',
    peers.map((p) => e('peer', [e('address', p.address), peerState(p, now)])),
  );
}

export function bgpStateProvider(engine: BgpEngine): StateProvider {
  return { ns: NS_BGP, name: 'bgp', build: () => bgpState(engine.peers(), new Date()) };
}
