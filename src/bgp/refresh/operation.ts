// Soft reset operations (DESIGN.md section 1): which peers a selector picks,
// which are skipped and why, and when each selected peer is done. Pure: the
// engine does the sending and feeds back what happens; timers are injected.
import { AfiSafi } from '../wire/types';

export type Direction = 'import' | 'export';

/** `refresh bgp mvpn { all | <ipv4-address> | group <name> | external | internal }` */
export type PeerSelector =
  | { readonly kind: 'all' }
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'external' }
  | { readonly kind: 'internal' };

/** What the selection needs to know of a configured peer. */
export interface RefreshCandidate {
  readonly address: string;
  readonly group?: string;
  readonly external: boolean;
  readonly established: boolean;
  readonly state: string;
  /** the family was negotiated on the session (both sides' multiprotocol capability) */
  readonly familyNegotiated: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly keepAllRoutes: boolean;
  /** a refresh of the same family and direction still running for this peer */
  readonly runningOperation?: number;
}

/** How a selected peer is refreshed. */
export type RefreshMethod =
  | 'local' // import with keep-all-routes: the stored Adj-RIB-In through the import policy again
  | 'enhanced' // import: ROUTE-REFRESH, the peer answers BoRR ... EoRR (RFC 7313); no BoRR: as quiet-period
  | 'quiet-period' // import: ROUTE-REFRESH, done after a quiet period (RFC 2918 only)
  | 'export'; // export policy again, the whole Adj-RIB-Out (or the difference) sent, done when drained

export type Completion = 'eorr' | 'quiet-period' | 'local' | 'drained';
export type PeerStatus = 'completed' | 'skipped' | 'failed';

export interface SelectedPeer {
  readonly address: string;
  readonly method: RefreshMethod;
}

export interface SkippedPeer {
  readonly address: string;
  readonly reason: string;
}

export class RefreshSelectionError extends Error {
  constructor(
    readonly kind: 'unknown-peer' | 'unknown-group',
    message: string,
  ) {
    super(message);
  }
}

export function familyName(f: AfiSafi): string {
  if (f.afi === 1 && f.safi === 5) return 'ipv4-mvpn';
  if (f.afi === 1 && f.safi === 1) return 'ipv4-unicast';
  return `afi ${f.afi} safi ${f.safi}`;
}

/** Without keep-all-routes an import's routes are the peer's to send: nothing to preview. */
export const DRY_RUN_NEEDS_KEEP_ALL_ROUTES = 'a dry run of an import needs keep-all-routes (the routes as received, before import policy)';

/** Picks the peers of a selector and says why each one left out is skipped; a dry run skips an import it cannot preview. */
export function selectPeers(
  candidates: readonly RefreshCandidate[],
  groups: ReadonlySet<string>,
  selector: PeerSelector,
  family: AfiSafi,
  direction: Direction,
  dryRun = false,
): { selected: SelectedPeer[]; skipped: SkippedPeer[] } {
  let chosen: readonly RefreshCandidate[];
  switch (selector.kind) {
    case 'all':
      chosen = candidates;
      break;
    case 'address':
      chosen = candidates.filter((c) => c.address === selector.address);
      if (chosen.length === 0) throw new RefreshSelectionError('unknown-peer', `no peer ${selector.address} is configured`);
      break;
    case 'group':
      if (!groups.has(selector.group)) throw new RefreshSelectionError('unknown-group', `no peer group ${selector.group} is configured`);
      chosen = candidates.filter((c) => c.group === selector.group);
      break;
    case 'external':
      chosen = candidates.filter((c) => c.external);
      break;
    case 'internal':
      chosen = candidates.filter((c) => !c.external);
  }
  const selected: SelectedPeer[] = [];
  const skipped: SkippedPeer[] = [];
  const name = familyName(family);
  for (const c of chosen) {
    if (!c.established) skipped.push({ address: c.address, reason: `session is not established (${c.state})` });
    else if (!c.familyNegotiated) skipped.push({ address: c.address, reason: `peer did not negotiate ${name}` });
    else if (c.runningOperation !== undefined) skipped.push({ address: c.address, reason: `refresh already running (operation ${c.runningOperation})` });
    else if (direction === 'export') selected.push({ address: c.address, method: 'export' });
    else if (c.keepAllRoutes) selected.push({ address: c.address, method: 'local' });
    else if (dryRun) skipped.push({ address: c.address, reason: DRY_RUN_NEEDS_KEEP_ALL_ROUTES });
    else if (!c.routeRefresh) skipped.push({ address: c.address, reason: 'peer does not support route-refresh' });
    else selected.push({ address: c.address, method: c.enhancedRouteRefresh ? 'enhanced' : 'quiet-period' });
  }
  return { selected, skipped };
}

/**
 * What one peer's refresh sent or changed (in a dry run: would have):
 * export, the NLRI advertised and withdrawn (with Enhanced Route Refresh the
 * ones the peer purges at EoRR count as withdrawn); import with
 * keep-all-routes, the stored routes the import policy now accepts that it
 * rejected, and the reverse.
 */
export interface RouteCounts {
  readonly advertised: number;
  readonly withdrawn: number;
  readonly accepted: number;
  readonly rejected: number;
}

export interface PeerResult {
  readonly operationId: number;
  readonly peerAddress: string;
  readonly family: AfiSafi;
  readonly direction: Direction;
  readonly status: PeerStatus;
  readonly reason?: string;
  readonly completion?: Completion;
  /** import: routes received or re-evaluated; export: NLRI sent, advertised plus withdrawn */
  readonly routes: number;
  /** completed peers: what the refresh did, in a dry run what it would do */
  readonly counts?: RouteCounts;
  /** nothing was sent and no RIB changed */
  readonly dryRun?: boolean;
  readonly startTime: Date;
  readonly endTime: Date;
}

export interface OperationSummary {
  readonly operationId: number;
  readonly family: AfiSafi;
  readonly direction: Direction;
  readonly selector: PeerSelector;
  /** nothing was sent and no RIB changed */
  readonly dryRun: boolean;
  readonly startTime: Date;
  readonly endTime: Date;
  readonly selected: number;
  readonly completed: number;
  readonly skipped: number;
  readonly failed: number;
  readonly peers: readonly PeerResult[];
}

export interface Timers {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface OperationTiming {
  /** import: done after this long with no UPDATE of the family (with enhanced route refresh: and no BoRR) */
  readonly quietPeriodMs: number;
  /** a selected peer not done after this long has failed */
  readonly timeoutMs: number;
  /** import with enhanced route refresh: how long the BoRR may take before the quiet-period rule applies; default DEFAULT_BORR_WAIT_MS */
  readonly borrWaitMs?: number;
}

/** A BoRR can take seconds (BIRD answers at its next idle poll, up to 3 s later). */
export const DEFAULT_BORR_WAIT_MS = 5000;

interface Tracked {
  readonly method: RefreshMethod;
  routes: number;
  /** armed while the quiet-period rule applies (an enhanced import: until BoRR) */
  quiet?: unknown;
  timeout?: unknown;
  done: boolean;
}

/** The reason of an enhanced import completed by quiet period. */
export const NO_BORR = 'peer sent no BoRR';

/**
 * One refresh operation's bookkeeping: the engine reports what it saw (an
 * UPDATE, BoRR, EoRR, drain, session down) and this decides completion.
 */
export class RefreshOperation {
  readonly startTime = new Date();
  private readonly peers = new Map<string, Tracked>();
  /** the skipped peers' results, reported at start() */
  private readonly skipped: readonly PeerResult[];
  /** the peers ended so far, in the order reported, skipped ones first */
  private readonly results: PeerResult[] = [];
  private started = false;
  private finished = false;

  constructor(
    readonly id: number,
    readonly family: AfiSafi,
    readonly direction: Direction,
    readonly selector: PeerSelector,
    /** nothing is sent and no RIB changes: each peer ends with what it would do (previewed()) */
    readonly dryRun: boolean,
    selected: readonly SelectedPeer[],
    skipped: readonly SkippedPeer[],
    /** each selected peer's timing */
    private readonly timing: (address: string) => OperationTiming,
    private readonly timers: Timers,
    private readonly onPeerDone: (r: PeerResult) => void,
    private readonly onDone: (s: OperationSummary) => void,
  ) {
    this.skipped = skipped.map((s) => this.result(s.address, 'skipped', { reason: s.reason }));
    for (const s of selected) this.peers.set(s.address, { method: s.method, routes: 0, done: false });
  }

  /** Peers the refresh was started for (the skipped ones not counted). */
  get selected(): number {
    return this.peers.size;
  }

  /** The peers that have ended so far, skipped ones (once start() reported them) first. */
  ended(): readonly PeerResult[] {
    return this.results;
  }

  /**
   * Reports the skipped peers and arms the selected peers' timers; call it
   * once the reply naming the operation is out, before the per-peer work.
   * An enhanced import waits for BoRR only a quiet period: a peer that
   * sends none completes by the quiet-period rule.
   */
  start(): void {
    this.started = true;
    // a selected peer may have ended before (session down): the skipped still come first
    this.results.unshift(...this.skipped);
    for (const r of this.skipped) this.onPeerDone(r);
    for (const [address, t] of this.peers) {
      const { timeoutMs } = this.timing(address);
      t.timeout = this.timers.setTimeout(() => this.fail(address, `not done within ${timeoutMs} ms`), timeoutMs);
      if (t.method === 'quiet-period') this.armQuiet(address, t, this.timing(address).quietPeriodMs);
      else if (t.method === 'enhanced') this.armQuiet(address, t, this.timing(address).borrWaitMs ?? DEFAULT_BORR_WAIT_MS);
    }
    this.finishIfDone();
  }

  isTracking(address: string): boolean {
    const t = this.peers.get(address);
    return t !== undefined && !t.done;
  }

  /** Selected peers not yet ended, with their routes so far. */
  pending(): { address: string; routes: number }[] {
    return [...this.peers].filter(([, t]) => !t.done).map(([address, t]) => ({ address, routes: t.routes }));
  }

  methodOf(address: string): RefreshMethod | undefined {
    return this.peers.get(address)?.method;
  }

  /** An UPDATE of the family from the peer: counts its routes, restarts the quiet period while one applies. */
  updateReceived(address: string, routes: number): void {
    const t = this.peers.get(address);
    if (!t || t.done) return;
    t.routes += routes;
    if (t.quiet !== undefined) this.armQuiet(address, t, this.timing(address).quietPeriodMs);
  }

  /** The peer's BoRR (RFC 7313 section 4): an enhanced import now completes at EoRR, not by quiet period. */
  borrReceived(address: string): void {
    const t = this.peers.get(address);
    if (!t || t.done || t.method !== 'enhanced') return;
    this.clearQuiet(t);
  }

  /** Routes sent so far by an export. */
  sent(address: string, routes: number): void {
    const t = this.peers.get(address);
    if (t && !t.done) t.routes += routes;
  }

  /** The work is done: EoRR received, the local re-evaluation ran (`routes`: those re-evaluated), or the export drained (`routes`: NLRI sent). */
  complete(address: string, completion: Completion, counts?: RouteCounts, routes?: number): void {
    const t = this.peers.get(address);
    if (!t || t.done) return;
    if (routes !== undefined) t.routes = routes;
    this.end(address, t, 'completed', { completion, counts });
  }

  /** A dry run's answer for the peer: what its refresh would do. */
  previewed(address: string, counts: RouteCounts, routes: number): void {
    const t = this.peers.get(address);
    if (!t || t.done) return;
    t.routes = routes;
    this.end(address, t, 'completed', { counts });
  }

  fail(address: string, reason: string): void {
    const t = this.peers.get(address);
    if (!t || t.done) return;
    this.end(address, t, 'failed', { reason });
  }

  private armQuiet(address: string, t: Tracked, ms: number): void {
    this.clearQuiet(t);
    // RFC 7313 section 4 has the peer answer with BoRR; one that does not gets the RFC 2918 rule
    const reason = t.method === 'enhanced' ? NO_BORR : undefined;
    t.quiet = this.timers.setTimeout(() => this.end(address, t, 'completed', { completion: 'quiet-period', reason }), ms);
  }

  private clearQuiet(t: Tracked): void {
    if (t.quiet !== undefined) this.timers.clearTimeout(t.quiet);
    t.quiet = undefined;
  }

  private end(address: string, t: Tracked, status: PeerStatus, extra: { reason?: string; completion?: Completion; counts?: RouteCounts }): void {
    t.done = true;
    this.clearQuiet(t);
    if (t.timeout !== undefined) this.timers.clearTimeout(t.timeout);
    const r = this.result(address, status, { ...extra, routes: t.routes });
    this.results.push(r);
    this.onPeerDone(r);
    this.finishIfDone();
  }

  private result(address: string, status: PeerStatus, extra: { reason?: string; completion?: Completion; routes?: number; counts?: RouteCounts }): PeerResult {
    return {
      operationId: this.id,
      peerAddress: address,
      family: this.family,
      direction: this.direction,
      status,
      reason: extra.reason,
      completion: extra.completion,
      routes: extra.routes ?? 0,
      counts: extra.counts,
      dryRun: this.dryRun || undefined,
      startTime: this.startTime,
      endTime: new Date(),
    };
  }

  private finishIfDone(): void {
    if (this.finished || !this.started || [...this.peers.values()].some((t) => !t.done)) return;
    this.finished = true;
    const count = (s: PeerStatus): number => this.results.filter((r) => r.status === s).length;
    this.onDone({
      operationId: this.id,
      family: this.family,
      direction: this.direction,
      selector: this.selector,
      dryRun: this.dryRun,
      startTime: this.startTime,
      endTime: new Date(),
      selected: this.peers.size,
      completed: count('completed'),
      skipped: count('skipped'),
      failed: count('failed'),
      peers: this.results,
    });
  }
}
