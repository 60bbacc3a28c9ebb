// Adj-RIB-Out of one peer session and family (RFC 4271 section 3.2): what was
// last advertised to the peer: by Loc-RIB slot, the number of the outgoing
// AttributeSet (one to four octets a route, no hashing on export; the NLRI
// is the slot's in the Loc-RIB). Exports compare what the Loc-RIB, the export
// policy and the advertisement rules call for with it, and yield the
// difference grouped by outgoing attribute set, so that many NLRI share one
// UPDATE.
//
// One Adj-RIB-Out serves every peer of an update group (update-group.ts):
// what it holds depends on the peers' treatment, not on which peer it is.
//
// Advertisement rules (RFC 4271 sections 5.1 and 9.2):
// - not to EBGP peers whose AS is in the AS_PATH: they would drop it (RFC
//   4271 section 9.1.2), so a route never goes back to the peer it came
//   from, nor to the other peers of its AS (FRR's sender-side loop
//   detection; decided once for the group, whose members share one AS);
// - RFC 1997: NO_ADVERTISE to no peer, NO_EXPORT (and NO_EXPORT_SUBCONFED) to
//   no EBGP peer;
// - a route learned from an IBGP peer is not sent to another IBGP peer (no
//   route reflection);
// - EBGP: AS_PATH prepended with the local AS, NEXT_HOP self, no LOCAL_PREF,
//   no MED unless locally originated (5.1.4), no ORIGINATOR_ID or CLUSTER_LIST;
// - IBGP: LOCAL_PREF (the route's degree of preference, default 100), AS_PATH
//   and NEXT_HOP unchanged except NEXT_HOP self for locally originated routes;
// - unrecognized attributes: non-transitive ones dropped, transitive ones
//   passed on with Partial set (section 5).

import { AsPathSegmentType, AttrFlag, type AsPathSegment, type PathAttribute } from '../wire/types';
import { ipv4Bytes, type AttributeSet, type AttributeSets, type NlriKey } from './attributes';
import type { LocRib, RibChanges } from './loc-rib';
import type { Path } from './path';
import type { Policy } from './policy';

/** What the advertisement rules need to know of the peers routes are advertised to. */
export interface OutboundTreatment {
  readonly internal: boolean;
  readonly external: boolean;
  /** this speaker's AS on the sessions: prepended for EBGP */
  readonly localAs: number;
  /** EBGP: the peers' AS; a route whose AS_PATH holds it is not sent */
  readonly remoteAs: number;
}

export interface AdjRibOutOptions {
  readonly treatment: OutboundTreatment;
  readonly locRib: LocRib;
  readonly attributeSets: AttributeSets;
  /** this speaker's address on the session: NEXT_HOP self */
  readonly localAddress: string;
  /** absent: advertise all */
  readonly exportPolicy?: Policy;
}

/** NLRI to advertise with one attribute set (one or more UPDATEs once packed). */
export interface Announcement {
  readonly attributes: AttributeSet;
  readonly nlri: NlriKey[];
}

export interface ExportUpdate {
  readonly announcements: Announcement[];
  readonly withdrawals: NlriKey[];
}

const AS_SEQUENCE_MAX = 255; // ASNs in one segment: the segment length is one octet (RFC 4271 section 4.3)

/** The path's AS_PATH holds `asn`. */
function asPathHolds(path: Path, asn: number): boolean {
  for (const a of path.attributes.attributes) if (a.type === 'as-path') return a.segments.some((s) => s.asns.includes(asn));
  return false;
}

/** AS_PATH with `asn` prepended (RFC 4271 section 5.1.2). */
function prepend(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segments[0];
  if (first !== undefined && first.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length < AS_SEQUENCE_MAX) {
    return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn, ...first.asns] }, ...segments.slice(1)];
  }
  return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn] }, ...segments];
}

/** Numbers by Loc-RIB slot in the narrowest typed array that holds them (1, 2 or 4 octets a slot); 0 where none. */
class SlotNumbers {
  private numbers: Uint8Array | Uint16Array | Uint32Array = new Uint8Array(0);

  get(slot: number): number {
    return slot < this.numbers.length ? this.numbers[slot] : 0;
  }

  set(slot: number, n: number): void {
    if (slot >= this.numbers.length || n >= 2 ** (8 * this.numbers.BYTES_PER_ELEMENT)) this.grow(slot, n);
    this.numbers[slot] = n;
  }

  copy(): SlotNumbers {
    const copy = new SlotNumbers();
    copy.numbers = this.numbers.slice();
    return copy;
  }

  private grow(slot: number, n: number): void {
    const length = slot < this.numbers.length ? this.numbers.length : Math.max(slot + 1, Math.ceil(this.numbers.length * 1.5), 1024);
    const octets = Math.max(this.numbers.BYTES_PER_ELEMENT, n > 0xffff ? 4 : n > 0xff ? 2 : 1);
    const numbers = octets === 1 ? new Uint8Array(length) : octets === 2 ? new Uint16Array(length) : new Uint32Array(length);
    numbers.set(this.numbers);
    this.numbers = numbers;
  }
}

/** The attribute sets advertised, numbered from 1; a set is held (and keeps its number) while a route is advertised with it. */
class SetNumbers {
  private sets: (AttributeSet | undefined)[] = [undefined];
  private routes: number[] = [0];
  private numbers = new Map<AttributeSet, number>();
  private free: number[] = [];
  // the set of the last take(), whose number is looked up most often
  private last: AttributeSet | undefined;
  private lastNumber = 0;

  at(n: number): AttributeSet | undefined {
    return this.sets[n];
  }

  /** The number of `set`, with one more route advertised with it. */
  take(set: AttributeSet): number {
    let n = set === this.last ? this.lastNumber : this.numbers.get(set);
    if (n === undefined) {
      n = this.free.pop() ?? this.sets.length;
      this.sets[n] = set;
      this.routes[n] = 0;
      this.numbers.set(set, n);
    }
    this.routes[n]++;
    this.last = set;
    this.lastNumber = n;
    return n;
  }

  /** One route fewer advertised with set `n`. */
  release(n: number): void {
    if (--this.routes[n] > 0) return;
    const set = this.sets[n];
    if (set !== undefined) this.numbers.delete(set);
    if (set === this.last) this.last = undefined;
    this.sets[n] = undefined;
    this.free.push(n);
  }

  copy(): SetNumbers {
    const copy = new SetNumbers();
    copy.sets = this.sets.slice();
    copy.routes = this.routes.slice();
    copy.numbers = new Map(this.numbers);
    copy.free = this.free.slice();
    return copy;
  }
}

export class AdjRibOut {
  readonly treatment: OutboundTreatment;
  private readonly locRib: LocRib;
  private readonly sets: AttributeSets;
  /** NEXT_HOP self */
  readonly localAddress: string;
  private readonly nextHopSelf: Buffer;
  private exportPolicy: Policy | undefined;
  // What the peer has: by Loc-RIB slot, the number of the attribute set
  // advertised. The NLRI is the slot's in the Loc-RIB: a slot is cleared here
  // when its NLRI leaves (exportDiff, defer), before the Loc-RIB reuses it.
  private advertised = new SlotNumbers();
  private advertisedSets = new SetNumbers();
  private count = 0;
  /** NLRI advertised that left the Loc-RIB while exports were deferred: the next exportAll() withdraws them */
  private left: NlriKey[] = [];
  /** outgoing attribute set per Loc-RIB path; null: not sent (the peers' AS is in its AS_PATH) */
  private readonly outgoingCache = new WeakMap<Path, AttributeSet | null>();
  private lastPath: Path | undefined;
  private lastOutgoing: AttributeSet | null = null;

  constructor(options: AdjRibOutOptions) {
    this.treatment = options.treatment;
    this.locRib = options.locRib;
    this.sets = options.attributeSets;
    this.localAddress = options.localAddress;
    this.nextHopSelf = ipv4Bytes(options.localAddress);
    this.exportPolicy = options.exportPolicy;
  }

  /** Export policy for the next exports; exportAll() applies it to everything. */
  setExportPolicy(policy: Policy | undefined): void {
    this.exportPolicy = policy;
  }

  /**
   * Re-exports what changed in the Loc-RIB; returns what to send and records
   * it. Every LocRib.takeChanges() must come here or to defer(), in order,
   * before the Loc-RIB changes again.
   */
  exportDiff(changes: RibChanges): ExportUpdate {
    const out = new Batch();
    for (let i = 0; i < changes.slots.length; i++) {
      const slot = changes.slots[i];
      if (this.locRib.keyAt(slot) === changes.nlri[i]) this.reconcile(slot, out, false, this.exportPolicy, false);
      else if (this.advertised.get(slot) !== 0) {
        // the NLRI left the Loc-RIB, which freed its slot
        out.withdraw(changes.nlri[i]);
        this.forget(slot);
      }
    }
    return out.result();
  }

  /** Takes Loc-RIB changes without exporting them now (the update group is behind): exportAll() catches up, before any exportDiff(). */
  defer(changes: RibChanges): void {
    for (let i = 0; i < changes.slots.length; i++) {
      const slot = changes.slots[i];
      if (this.locRib.keyAt(slot) !== changes.nlri[i] && this.advertised.get(slot) !== 0) {
        this.left.push(changes.nlri[i]);
        this.forget(slot);
      }
    }
  }

  /**
   * Export soft reset, and the initial advertisement: re-runs the export
   * policy over the whole Loc-RIB. Returns the difference with what the peer
   * has (withdrawals and changed routes), and with `full` every route the
   * peer should have, changed or not (outbound soft reset).
   */
  exportAll(full = false): ExportUpdate {
    const out = new Batch();
    for (const key of this.left) out.withdraw(key);
    this.left = [];
    for (let slot = 0, end = this.locRib.slotCount; slot < end; slot++) this.reconcile(slot, out, full, this.exportPolicy, false);
    return out.result();
  }

  /** What exportAll(full) would return under `policy`, counted; changes nothing. */
  previewExport(policy: Policy | undefined, full: boolean): { advertised: number; withdrawn: number } {
    const out = new Tally();
    out.withdrawn = this.left.length;
    for (let slot = 0, end = this.locRib.slotCount; slot < end; slot++) this.reconcile(slot, out, full, policy, true);
    return { advertised: out.advertised, withdrawn: out.withdrawn };
  }

  /** Everything advertised, grouped by attribute set: the answer to the peer's ROUTE-REFRESH (RFC 2918 section 4). */
  resendAll(): ExportUpdate {
    const out = new Batch();
    for (const [key, attributes] of this.entries()) out.announce(key, attributes);
    return out.result();
  }

  /** What was last advertised for `key`, if the Loc-RIB has it. */
  get(key: NlriKey): AttributeSet | undefined {
    const slot = this.locRib.slotOf(key);
    return slot === undefined ? undefined : this.advertisedSets.at(this.advertised.get(slot));
  }

  *entries(): IterableIterator<[NlriKey, AttributeSet]> {
    for (let slot = 0, end = this.locRib.slotCount; slot < end; slot++) {
      const set = this.advertisedSets.at(this.advertised.get(slot));
      const key = this.locRib.keyAt(slot);
      if (set !== undefined && key !== undefined) yield [key, set];
    }
  }

  /** Routes in the Adj-RIB-Out. */
  get advertisedCount(): number {
    return this.count;
  }

  /** The session is gone. */
  clear(): void {
    this.advertised = new SlotNumbers();
    this.advertisedSets = new SetNumbers();
    this.left = [];
    this.count = 0;
  }

  /** Another Adj-RIB-Out holding the same, with the same export policy (a member leaving its update group takes it). */
  clone(): AdjRibOut {
    const copy = new AdjRibOut({ treatment: this.treatment, locRib: this.locRib, attributeSets: this.sets, localAddress: this.localAddress, exportPolicy: this.exportPolicy });
    copy.advertised = this.advertised.copy();
    copy.advertisedSets = this.advertisedSets.copy();
    copy.left = this.left.slice();
    copy.count = this.count;
    return copy;
  }

  /** Both advertise the same routes with the same attributes (update groups of one treatment may merge). */
  sameAs(other: AdjRibOut): boolean {
    if (other.count !== this.count || other.exportPolicy !== this.exportPolicy || this.left.length > 0 || other.left.length > 0) return false;
    for (let slot = 0, end = this.locRib.slotCount; slot < end; slot++) {
      if (this.advertisedSets.at(this.advertised.get(slot)) !== other.advertisedSets.at(other.advertised.get(slot))) return false;
    }
    return true;
  }

  /** The outgoing attribute set the peer should have for `key` under `policy`, or undefined for none. */
  private wanted(key: NlriKey, best: Path, policy: Policy | undefined): AttributeSet | undefined {
    if (best.source.internal && this.treatment.internal) return undefined; // RFC 4271 section 9.2: no IBGP to IBGP
    if (best.noAdvertise || (best.noExport && this.treatment.external)) return undefined;
    if (policy !== undefined && !policy.accepts(key, best.attributes, this.locRib.family)) return undefined;
    return this.outgoing(best);
  }

  /** Brings one slot's advertisement in line with the Loc-RIB and `policy` (`dry`: only tells `out`); `full` announces an unchanged route too. */
  private reconcile(slot: number, out: Sink, full: boolean, policy: Policy | undefined, dry: boolean): void {
    const key = this.locRib.keyAt(slot);
    if (key === undefined) return; // a free slot: nothing advertised there
    const number = this.advertised.get(slot);
    const current = this.advertisedSets.at(number);
    const best = this.locRib.bestAt(slot);
    const wanted = best === undefined ? undefined : this.wanted(key, best, policy);
    if (wanted === current) {
      if (full && wanted !== undefined) out.announce(key, wanted);
      return;
    }
    if (wanted === undefined) out.withdraw(key);
    else out.announce(key, wanted);
    if (dry) return;
    if (wanted === undefined) {
      this.forget(slot);
      return;
    }
    this.advertised.set(slot, this.advertisedSets.take(wanted));
    if (number === 0) this.count++;
    else this.advertisedSets.release(number);
  }

  private forget(slot: number): void {
    this.advertisedSets.release(this.advertised.get(slot));
    this.advertised.set(slot, 0);
    this.count--;
  }

  private outgoing(path: Path): AttributeSet | undefined {
    if (path === this.lastPath) return this.lastOutgoing ?? undefined;
    let set = this.outgoingCache.get(path);
    if (set === undefined) {
      set = this.treatment.external && asPathHolds(path, this.treatment.remoteAs) ? null : this.rewrite(path);
      this.outgoingCache.set(path, set);
    }
    this.lastPath = path;
    this.lastOutgoing = set;
    return set ?? undefined;
  }

  private rewrite(path: Path): AttributeSet {
    const ebgp = this.treatment.external;
    const local = path.source.local;
    const attrs: PathAttribute[] = [];
    let origin = false;
    let asPath: readonly AsPathSegment[] = [];
    for (const a of path.attributes.attributes) {
      switch (a.type) {
        case 'origin':
          origin = true;
          attrs.push(a);
          break;
        case 'as-path':
          asPath = a.segments;
          break;
        case 'local-pref':
          break; // set below for IBGP
        case 'med':
          if (!ebgp || local) attrs.push(a);
          break;
        case 'originator-id':
        case 'cluster-list':
          if (!ebgp) attrs.push(a);
          break;
        case 'as4-path':
        case 'as4-aggregator':
          // RFC 6793 section 4.1: the RIB holds 4-octet AS numbers; the codec
          // derives these when the session has no 4-octet AS support
          break;
        case 'unknown':
          if ((a.flags & AttrFlag.TRANSITIVE) !== 0) attrs.push({ type: 'unknown', flags: a.flags | AttrFlag.PARTIAL, code: a.code, value: a.value });
          break;
        default:
          attrs.push(a);
      }
    }
    if (!origin) attrs.push({ type: 'origin', value: 0 });
    attrs.push({ type: 'as-path', segments: ebgp ? prepend(asPath, this.treatment.localAs) : asPath });
    if (!ebgp) attrs.push({ type: 'local-pref', value: path.localPref });
    const nextHop = ebgp || local || path.attributes.nextHop.length === 0 ? this.nextHopSelf : path.attributes.nextHop;
    return this.sets.intern(attrs, nextHop);
  }
}

/** Where reconcile() puts what the peer is to be told. */
interface Sink {
  announce(key: NlriKey, attributes: AttributeSet): void;
  withdraw(key: NlriKey): void;
}

class Tally implements Sink {
  advertised = 0;
  withdrawn = 0;

  announce(): void {
    this.advertised++;
  }

  withdraw(): void {
    this.withdrawn++;
  }
}

/** Announcements grouped by attribute set, and withdrawals, in the order met. */
class Batch implements Sink {
  private readonly groups = new Map<AttributeSet, NlriKey[]>();
  private readonly withdrawals: NlriKey[] = [];
  private lastSet: AttributeSet | undefined;
  private lastGroup: NlriKey[] | undefined;

  announce(key: NlriKey, attributes: AttributeSet): void {
    if (attributes !== this.lastSet || this.lastGroup === undefined) {
      let group = this.groups.get(attributes);
      if (group === undefined) {
        group = [];
        this.groups.set(attributes, group);
      }
      this.lastSet = attributes;
      this.lastGroup = group;
    }
    this.lastGroup.push(key);
  }

  withdraw(key: NlriKey): void {
    this.withdrawals.push(key);
  }

  result(): ExportUpdate {
    return { announcements: [...this.groups].map(([attributes, nlri]) => ({ attributes, nlri })), withdrawals: this.withdrawals };
  }
}
