// Interned path attribute sets and NLRI keys.
//
// Routes are keyed by their encoded NLRI as a latin1 string (one octet per
// character: V8 keeps it as a one-byte string, 16 octets of header plus the
// NLRI). Routes with equal path attributes share one frozen AttributeSet, held
// weakly by the table: a set no route refers to any more is collected.

import { AFI, SAFI, type AfiSafi, type PathAttribute } from '../wire/types';
import { attributeCode } from '../wire/attributes';

/** An encoded NLRI (for MVPN: route type, length, value) as a latin1 string. */
export type NlriKey = string;

export function nlriKey(nlri: Buffer): NlriKey {
  return nlri.toString('latin1');
}

export function nlriBytes(key: NlriKey): Buffer {
  return Buffer.from(key, 'latin1');
}

export function isMvpn(family: AfiSafi): boolean {
  return family.afi === AFI.IPV4 && family.safi === SAFI.MCAST_VPN;
}

export interface AttributeSet {
  readonly id: number;
  /**
   * Path attributes in ascending type code (RFC 4271 section 5), without
   * NEXT_HOP, MP_REACH_NLRI and MP_UNREACH_NLRI: the next hop is `nextHop`,
   * the NLRI are the routes'.
   */
  readonly attributes: readonly PathAttribute[];
  /** NEXT_HOP (ipv4-unicast) or the MP_REACH_NLRI next hop (4 or 16 octets, RFC 6515); empty when none. */
  readonly nextHop: Buffer;
  /** canonical text of attributes and next hop: equal keys, equal sets */
  readonly key: string;
}

/** The attributes an AttributeSet never holds (they travel with the NLRI). */
function carriesNlriOrNextHop(a: PathAttribute): boolean {
  return a.type === 'mp-reach' || a.type === 'mp-unreach' || a.type === 'next-hop';
}

/** Canonical text of one attribute; with the type code first, sorting by it sorts by type. */
function canonical(a: PathAttribute): string {
  switch (a.type) {
    case 'origin':
    case 'med':
    case 'local-pref':
      return `${a.value}`;
    case 'as-path':
    case 'as4-path':
      return a.segments.map((s) => `${s.type}(${s.asns.join(' ')})`).join('');
    case 'atomic-aggregate':
      return '';
    case 'aggregator':
    case 'as4-aggregator':
      return `${a.asn} ${a.address}`;
    case 'communities':
      return a.values.join(' ');
    case 'originator-id':
      return a.id;
    case 'cluster-list':
      return a.ids.join(' ');
    case 'extended-communities':
      return a.values.map((v) => v.toString('hex')).join(' ');
    case 'unknown':
      return `${a.flags} ${a.value.toString('hex')}`;
    case 'next-hop':
      return a.address;
    case 'mp-reach':
    case 'mp-unreach':
      throw new Error(`${a.type} is not kept in an attribute set`);
  }
}

/** A frozen deep copy: Buffers copied so that no set pins a received message's bytes. */
function frozenCopy(a: PathAttribute): PathAttribute {
  switch (a.type) {
    case 'as-path':
    case 'as4-path':
      return Object.freeze({ type: a.type, segments: Object.freeze(a.segments.map((s) => Object.freeze({ type: s.type, asns: Object.freeze([...s.asns]) }))) });
    case 'communities':
      return Object.freeze({ type: a.type, values: Object.freeze([...a.values]) });
    case 'cluster-list':
      return Object.freeze({ type: a.type, ids: Object.freeze([...a.ids]) });
    case 'extended-communities':
      return Object.freeze({ type: a.type, values: Object.freeze(a.values.map((v) => Buffer.from(v))) });
    case 'unknown':
      return Object.freeze({ type: a.type, flags: a.flags, code: a.code, value: Buffer.from(a.value) });
    default:
      return Object.freeze({ ...a });
  }
}

/** The table of interned attribute sets (one per engine; sets are shared across peers and families). */
export class AttributeSets {
  private readonly table = new Map<string, WeakRef<AttributeSet>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    if (this.table.get(key)?.deref() === undefined) this.table.delete(key);
  });
  private nextId = 1;

  /**
   * The one AttributeSet equal to these attributes and next hop. NEXT_HOP,
   * MP_REACH_NLRI and MP_UNREACH_NLRI in `attributes` are left out.
   */
  intern(attributes: readonly PathAttribute[], nextHop: Buffer): AttributeSet {
    const kept = attributes.filter((a) => !carriesNlriOrNextHop(a));
    kept.sort((x, y) => attributeCode(x) - attributeCode(y));
    let key = '';
    for (const a of kept) key += `${attributeCode(a)}:${canonical(a)};`;
    key += `nh:${nextHop.toString('hex')}`;
    const found = this.table.get(key)?.deref();
    if (found !== undefined) return found;
    const set: AttributeSet = Object.freeze({
      id: this.nextId++,
      attributes: Object.freeze(kept.map(frozenCopy)),
      nextHop: Buffer.from(nextHop),
      key,
    });
    this.table.set(key, new WeakRef(set));
    this.registry.register(set, key);
    return set;
  }

  /** Sets in the table (a set no longer referenced leaves it after garbage collection). */
  get size(): number {
    return this.table.size;
  }
}

/** Dotted quad to 4 octets. */
export function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${address}`);
  const out = Buffer.alloc(4);
  parts.forEach((p, i) => {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) throw new RangeError(`not an IPv4 address: ${address}`);
    out[i] = n;
  });
  return out;
}

/** Dotted quad as an unsigned 32-bit number (for comparisons). */
export function ipv4Number(address: string): number {
  return ipv4Bytes(address).readUInt32BE(0);
}

/**
 * The next hop of an UPDATE's routes of `family`: for ipv4-unicast the
 * NEXT_HOP attribute, which goes with the NLRI field (RFC 4271 section
 * 5.1.3); for the other families the MP_REACH_NLRI next hop (RFC 4760
 * section 3). Empty when the UPDATE carries none.
 */
export function nextHopOf(attributes: readonly PathAttribute[], family: AfiSafi): Buffer {
  const unicast = family.afi === AFI.IPV4 && family.safi === SAFI.UNICAST;
  for (const a of attributes) {
    if (unicast && a.type === 'next-hop') return ipv4Bytes(a.address);
    if (!unicast && a.type === 'mp-reach' && a.afi === family.afi && a.safi === family.safi) return a.nextHop;
  }
  return Buffer.alloc(0);
}
