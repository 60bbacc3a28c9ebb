// Adj-RIB-In of one peer session and family (RFC 4271 section 3.2), feeding
// the Loc-RIB with what import policy accepts.
//
// Received routes are split into accepted and rejected ones. Import policy
// only accepts or rejects (it never rewrites attributes), so with
// keep-all-routes the pre-policy copy is the union of both halves and costs
// no second map; without it, rejected routes keep their NLRI but no
// attributes (so `received` stays exact and their withdrawals are no-ops).
//
// RFC 7313 section 4: markStale() at BoRR moves every route into a stale
// generation in O(1); a route re-advertised moves back into the fresh one;
// purgeStale() at EoRR removes what is still stale.

import type { AttributeSet, NlriKey } from './attributes';
import type { LocRib } from './loc-rib';
import type { Path, RouteSource } from './path';
import type { Policy } from './policy';

export interface AdjRibInOptions {
  /** the peer session the routes come from */
  readonly source: RouteSource;
  readonly locRib: LocRib;
  readonly keepAllRoutes: boolean;
  /** absent: accept all */
  readonly importPolicy?: Policy;
}

/** Routes whose import policy outcome changed. */
export interface ImportChanges {
  /** now accepted (added to the Loc-RIB) */
  readonly accepted: NlriKey[];
  /** now rejected (withdrawn from the Loc-RIB) */
  readonly rejected: NlriKey[];
}

interface Generation {
  readonly accepted: Map<NlriKey, AttributeSet>;
  /** the attributes with keep-all-routes, else undefined */
  readonly rejected: Map<NlriKey, AttributeSet | undefined>;
}

const generation = (): Generation => ({ accepted: new Map(), rejected: new Map() });

export class AdjRibIn {
  readonly source: RouteSource;
  private keepAll: boolean;
  private readonly locRib: LocRib;
  private importPolicy: Policy | undefined;
  private fresh = generation();
  private stale: Generation | undefined;
  // the attribute set of the last route and its path: UPDATEs carry many NLRI with one set
  private lastAttributes: AttributeSet | undefined;
  private lastPath: Path | undefined;

  constructor(options: AdjRibInOptions) {
    this.source = options.source;
    this.locRib = options.locRib;
    this.keepAll = options.keepAllRoutes;
    this.importPolicy = options.importPolicy;
  }

  get keepAllRoutes(): boolean {
    return this.keepAll;
  }

  /**
   * keep-all-routes turned on or off on a live session. On: rejected routes
   * keep their attributes from now on (the ones rejected before come back with
   * the peer's answer to a ROUTE-REFRESH); off: the pre-policy copy of the
   * rejected routes is dropped.
   */
  setKeepAllRoutes(on: boolean): void {
    if (on === this.keepAll) return;
    this.keepAll = on;
    if (on) return;
    for (const g of this.generations()) for (const key of g.rejected.keys()) g.rejected.set(key, undefined);
  }

  /** A route advertised by the peer (replacing its previous one for `key`); returns whether import policy accepted it. */
  set(key: NlriKey, attributes: AttributeSet): boolean {
    const path = this.pathOf(attributes);
    const fresh = this.fresh;
    const stale = this.stale;
    if (this.accepts(key, path, this.importPolicy)) {
      fresh.accepted.set(key, attributes);
      if (fresh.rejected.size > 0) fresh.rejected.delete(key);
      if (stale !== undefined) {
        stale.accepted.delete(key);
        stale.rejected.delete(key);
      }
      this.locRib.update(key, path);
      return true;
    }
    let wasAccepted = fresh.accepted.delete(key);
    if (stale !== undefined) {
      if (stale.accepted.delete(key)) wasAccepted = true;
      stale.rejected.delete(key);
    }
    fresh.rejected.set(key, this.keepAll ? attributes : undefined);
    if (wasAccepted) this.locRib.remove(key, this.source);
    return false;
  }

  /** The peer withdrew `key` (or it is treated as withdrawn, RFC 7606). */
  withdraw(key: NlriKey): void {
    let wasAccepted = this.fresh.accepted.delete(key);
    this.fresh.rejected.delete(key);
    if (this.stale !== undefined) {
      if (this.stale.accepted.delete(key)) wasAccepted = true;
      this.stale.rejected.delete(key);
    }
    if (wasAccepted) this.locRib.remove(key, this.source);
  }

  /** RFC 7313 section 4, BoRR received: every route of the peer becomes stale. */
  markStale(): void {
    if (this.stale === undefined) {
      this.stale = this.fresh;
    } else {
      for (const [k, v] of this.fresh.accepted) this.stale.accepted.set(k, v);
      for (const [k, v] of this.fresh.rejected) this.stale.rejected.set(k, v);
    }
    this.fresh = generation();
  }

  /** RFC 7313 section 4, EoRR received: routes still stale are removed. Returns how many. */
  purgeStale(): number {
    const stale = this.stale;
    if (stale === undefined) return 0;
    this.stale = undefined;
    for (const key of stale.accepted.keys()) this.locRib.remove(key, this.source);
    return stale.accepted.size + stale.rejected.size;
  }

  /** Import policy for routes received from now on (without keep-all-routes, a ROUTE-REFRESH brings the others again). */
  setImportPolicy(policy: Policy | undefined): void {
    this.importPolicy = policy;
  }

  /**
   * Import soft reset with keep-all-routes: runs `policy` over the pre-policy
   * copy, updates the Loc-RIB, and returns the routes whose outcome changed.
   */
  reapplyImportPolicy(policy: Policy | undefined): ImportChanges {
    const changes: ImportChanges = { accepted: [], rejected: [] };
    for (const { g, nowAccepted, nowRejected } of this.outcomes(policy)) {
      for (const key of nowRejected) {
        g.rejected.set(key, g.accepted.get(key));
        g.accepted.delete(key);
        this.locRib.remove(key, this.source);
        changes.rejected.push(key);
      }
      for (const [key, attributes] of nowAccepted) {
        g.rejected.delete(key);
        g.accepted.set(key, attributes);
        this.locRib.update(key, this.pathOf(attributes));
        changes.accepted.push(key);
      }
    }
    this.importPolicy = policy;
    return changes;
  }

  /** What reapplyImportPolicy(policy) would change, changing nothing: the routes it would accept and reject. */
  previewImportPolicy(policy: Policy | undefined): { accepted: number; rejected: number } {
    let accepted = 0;
    let rejected = 0;
    for (const o of this.outcomes(policy)) {
      accepted += o.nowAccepted.length;
      rejected += o.nowRejected.length;
    }
    return { accepted, rejected };
  }

  /** Per generation, the routes whose outcome `policy` changes. */
  private outcomes(policy: Policy | undefined): { g: Generation; nowAccepted: [NlriKey, AttributeSet][]; nowRejected: NlriKey[] }[] {
    if (!this.keepAll) throw new Error('import policy can be re-applied locally only with keep-all-routes');
    return this.generations().map((g) => {
      const nowRejected: NlriKey[] = [];
      for (const [key, attributes] of g.accepted) {
        if (!this.accepts(key, this.pathOf(attributes), policy)) nowRejected.push(key);
      }
      const nowAccepted: [NlriKey, AttributeSet][] = [];
      for (const [key, attributes] of g.rejected) {
        // keep-all-routes: rejected routes have their attributes
        if (attributes !== undefined && this.accepts(key, this.pathOf(attributes), policy)) nowAccepted.push([key, attributes]);
      }
      return { g, nowAccepted, nowRejected };
    });
  }

  /** The session is gone: every route leaves the Loc-RIB and this table empties. */
  clear(): void {
    for (const g of this.generations()) {
      for (const key of g.accepted.keys()) this.locRib.remove(key, this.source);
    }
    this.fresh = generation();
    this.stale = undefined;
    this.lastAttributes = undefined;
    this.lastPath = undefined;
  }

  /** Routes in the Adj-RIB-In, before import policy. */
  get receivedCount(): number {
    return this.fresh.accepted.size + this.fresh.rejected.size + (this.stale === undefined ? 0 : this.stale.accepted.size + this.stale.rejected.size);
  }

  /** Routes accepted by import policy. */
  get acceptedCount(): number {
    return this.fresh.accepted.size + (this.stale?.accepted.size ?? 0);
  }

  /** Routes marked stale and not re-advertised yet. */
  get staleCount(): number {
    return this.stale === undefined ? 0 : this.stale.accepted.size + this.stale.rejected.size;
  }

  /** The accepted route for `key` (post-policy). */
  getAccepted(key: NlriKey): AttributeSet | undefined {
    return this.fresh.accepted.get(key) ?? this.stale?.accepted.get(key);
  }

  /** The received route for `key` (pre-policy): rejected ones only with keep-all-routes. */
  getReceived(key: NlriKey): AttributeSet | undefined {
    return this.getAccepted(key) ?? this.fresh.rejected.get(key) ?? this.stale?.rejected.get(key);
  }

  isStale(key: NlriKey): boolean {
    return this.stale !== undefined && (this.stale.accepted.has(key) || this.stale.rejected.has(key));
  }

  *acceptedRoutes(): IterableIterator<[NlriKey, AttributeSet]> {
    for (const g of this.generations()) yield* g.accepted;
  }

  /** Pre-policy routes; the rejected ones' attributes are undefined without keep-all-routes. */
  *receivedRoutes(): IterableIterator<[NlriKey, AttributeSet | undefined]> {
    for (const g of this.generations()) {
      yield* g.accepted;
      yield* g.rejected;
    }
  }

  private generations(): Generation[] {
    return this.stale === undefined ? [this.fresh] : [this.fresh, this.stale];
  }

  private accepts(key: NlriKey, path: Path, policy: Policy | undefined): boolean {
    if (path.asLoop) return false;
    return policy === undefined || policy.accepts(key, path.attributes, this.locRib.family);
  }

  private pathOf(attributes: AttributeSet): Path {
    if (attributes !== this.lastAttributes || this.lastPath === undefined) {
      this.lastAttributes = attributes;
      this.lastPath = this.source.path(attributes);
    }
    return this.lastPath;
  }
}
