// Where routes come from (a peer's session, or this speaker), and paths: one
// attribute set as learned from one source, with what the Decision Process
// (RFC 4271 section 9.1) compares precomputed. A path is shared by every
// route of that source with that attribute set.

import { AsPathSegmentType } from '../wire/types';
import { ipv4Number, type AttributeSet } from './attributes';

/** LOCAL_PREF given to routes that carry none, and to every EBGP-learned route (RFC 4271 section 5.1.5). */
export const DEFAULT_LOCAL_PREF = 100;

/** RFC 1997 well-known communities */
export const NO_EXPORT = 0xffffff01;
export const NO_ADVERTISE = 0xffffff02;
export const NO_EXPORT_SUBCONFED = 0xffffff03;

export interface PeerIdentity {
  /** peer address, dotted quad */
  readonly address: string;
  /** the peer's BGP Identifier from its OPEN */
  readonly bgpId: string;
  readonly remoteAs: number;
  readonly localAs: number;
}

/**
 * A source of routes: one peer's session (make a new one per session) or
 * this speaker (locally originated routes). Compared by identity.
 */
export class RouteSource {
  /** IBGP peer: remote AS equals local AS */
  readonly internal: boolean;
  /** EBGP peer */
  readonly external: boolean;
  readonly addressNumber: number;
  readonly bgpIdNumber: number;
  private readonly paths = new WeakMap<AttributeSet, Path>();

  private constructor(
    readonly local: boolean,
    readonly address: string,
    readonly bgpId: string,
    readonly remoteAs: number,
    readonly localAs: number,
  ) {
    this.internal = !local && remoteAs === localAs;
    this.external = !local && remoteAs !== localAs;
    this.addressNumber = ipv4Number(address);
    this.bgpIdNumber = ipv4Number(bgpId);
  }

  static peer(p: PeerIdentity): RouteSource {
    return new RouteSource(false, p.address, p.bgpId, p.remoteAs, p.localAs);
  }

  /** This speaker, as the source of locally originated routes. */
  static local(localAs: number, routerId: string): RouteSource {
    return new RouteSource(true, '0.0.0.0', routerId, localAs, localAs);
  }

  /** The one path of this source with these attributes. */
  path(attributes: AttributeSet): Path {
    let p = this.paths.get(attributes);
    if (p === undefined) {
      p = new Path(this, attributes);
      this.paths.set(attributes, p);
    }
    return p;
  }
}

export class Path {
  /** degree of preference (RFC 4271 section 9.1.1) */
  readonly localPref: number;
  /** RFC 4271 section 9.1.2.2 a: an AS_SET counts as one */
  readonly asPathLength: number;
  readonly origin: number;
  /** absent MED is the lowest value (RFC 4271 section 9.1.2.2 c) */
  readonly med: number;
  /** neighborAS(n) of RFC 4271 section 9.1.2.2 c */
  readonly neighborAs: number;
  /** BGP Identifier for the tie break, ORIGINATOR_ID when present (RFC 4456 section 9) */
  readonly bgpIdNumber: number;
  /** the AS_PATH holds the local AS: excluded from the Loc-RIB (RFC 4271 section 9.1.2) */
  readonly asLoop: boolean;
  /** RFC 1997: NO_ADVERTISE (to no peer) */
  readonly noAdvertise: boolean;
  /** RFC 1997: NO_EXPORT or NO_EXPORT_SUBCONFED (no confederations here: to no EBGP peer) */
  readonly noExport: boolean;

  constructor(
    readonly source: RouteSource,
    readonly attributes: AttributeSet,
  ) {
    let localPref: number | undefined;
    let asPathLength = 0;
    let origin = 0;
    let med = 0;
    let neighborAs = source.external ? source.remoteAs : source.localAs;
    let bgpIdNumber = source.bgpIdNumber;
    let asLoop = false;
    let noAdvertise = false;
    let noExport = false;
    for (const a of attributes.attributes) {
      switch (a.type) {
        case 'local-pref':
          localPref = a.value;
          break;
        case 'as-path': {
          for (const s of a.segments) {
            asPathLength += s.type === AsPathSegmentType.AS_SET ? 1 : s.asns.length;
            if (!source.local && s.asns.includes(source.localAs)) asLoop = true;
          }
          const first = a.segments[0];
          if (first !== undefined && first.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length > 0) neighborAs = first.asns[0];
          break;
        }
        case 'origin':
          origin = a.value;
          break;
        case 'med':
          med = a.value;
          break;
        case 'originator-id':
          bgpIdNumber = ipv4Number(a.id);
          break;
        case 'communities':
          noAdvertise = a.values.includes(NO_ADVERTISE);
          noExport = a.values.includes(NO_EXPORT) || a.values.includes(NO_EXPORT_SUBCONFED);
          break;
      }
    }
    // RFC 4271 section 5.1.5: LOCAL_PREF from an external peer is ignored
    this.localPref = source.external || localPref === undefined ? DEFAULT_LOCAL_PREF : localPref;
    this.asPathLength = asPathLength;
    this.origin = origin;
    this.med = med;
    this.neighborAs = neighborAs;
    this.bgpIdNumber = bgpIdNumber;
    this.asLoop = asLoop;
    this.noAdvertise = noAdvertise;
    this.noExport = noExport;
  }
}
