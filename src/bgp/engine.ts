// The BGP engine's one face (DESIGN.md section 3): takes a typed
// configuration, holds the peers' sessions and the RIBs, runs soft resets,
// and tells what happens through typed events. No NETCONF, XML or YANG here.
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { Logger } from '../log';
import { OperationSummary, PeerResult, PeerSelector, RefreshOperation, RouteCounts, selectPeers, Direction, OperationTiming, RefreshCandidate, familyName } from './refresh/operation';
import { AdjRibIn, AdjRibOut, AttributeSets, ExportUpdate, LocRib, nextHopOf, nlriBytes, nlriKey, Policy, PolicyConfig, RouteSource } from './rib';
import { describeNotification, Negotiated, SessionState, Timers } from './session/fsm';
import { Peer } from './session/peer';
import { BgpListener, connectTcp, systemTimers } from './session/transport';
import { CodecOptions, encodeMessage } from './wire/codec';
import { encodeMvpnNlri, MvpnRoute, mvpnRouteType } from './wire/mvpn';
import { encodeRouteTarget } from './wire/attributes';
import { addressOctets } from './wire/address';
import { endOfRib, endOfRibFamily, packUpdates, packWithdrawals, updateHandling } from './wire/update';
import { AfiSafi, CeaseSubcode, ErrorCode, ErrorHandling, MvpnRouteType, PathAttribute, RouteRefreshMessage, RouteRefreshSubtype, UpdateMessage } from './wire/types';

export const IPV4_UNICAST: AfiSafi = { afi: 1, safi: 1 };
export const IPV4_MVPN: AfiSafi = { afi: 1, safi: 5 };
const FAMILIES = [IPV4_MVPN, IPV4_UNICAST] as const;
const familyKey = (f: AfiSafi): string => `${f.afi}/${f.safi}`;
const sameFamily = (a: AfiSafi, b: AfiSafi): boolean => a.afi === b.afi && a.safi === b.safi;

export interface FamilySettings {
  readonly enabled: boolean;
  /** keep the pre-policy Adj-RIB-In: import soft reset needs no ROUTE-REFRESH */
  readonly keepAllRoutes: boolean;
  readonly importPolicy?: string;
  readonly exportPolicy?: string;
}

export interface PeerConfig {
  readonly address: string;
  readonly remoteAs: number;
  readonly remotePort: number;
  readonly localAddress?: string;
  readonly group?: string;
  readonly passive: boolean;
  readonly description?: string;
  readonly holdTime: number;
  readonly connectRetryTime: number;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly mvpn: FamilySettings;
  readonly unicast: FamilySettings;
  /** soft reset timing of this peer; absent: the engine's (EngineConfig.refresh). No session reset when it changes. */
  readonly refresh?: OperationTiming;
}

/** A locally originated route (the `mvpn-route` list) */
export interface OriginatedRoute {
  readonly route: MvpnRoute;
  readonly routeTargets: readonly string[];
}

export interface EngineConfig {
  readonly localAs: number;
  readonly routerId: string;
  readonly listen?: { readonly address: string; readonly port: number };
  readonly groups: readonly string[];
  /** with their group's settings already applied */
  readonly peers: readonly PeerConfig[];
  readonly policies: readonly PolicyConfig[];
  readonly originated: readonly OriginatedRoute[];
  /** soft reset timing of the peers that have none of their own */
  readonly refresh: OperationTiming;
}

/**
 * What changed when nothing but peers did: config.peers is the previous
 * apply's peers less `removed`, with `changed` added or replaced, and every
 * other field is the previous one. A commit then costs what it touched.
 */
export interface PeerDelta {
  readonly changed: readonly PeerConfig[];
  readonly removed: readonly string[];
}

export interface FamilyCounters {
  readonly received: number;
  readonly accepted: number;
  readonly advertised: number;
  /** keep-all-routes is configured but the peer cannot send its routes again (no route refresh): it takes effect at the next session */
  readonly keepAllRoutesPending: boolean;
}

export interface PeerStatus {
  readonly address: string;
  readonly group?: string;
  readonly external: boolean;
  readonly state: SessionState;
  readonly negotiated?: Negotiated;
  readonly mvpn?: FamilyCounters;
  readonly unicast?: FamilyCounters;
  readonly lastRefresh?: PeerResult;
  /** when the session entered Established; absent when it is not Established */
  readonly establishedAt?: Date;
  /** when the last import and the last export soft reset of this peer completed */
  readonly lastCompleted: { readonly import?: Date; readonly export?: Date };
  /** when the peer last sent a ROUTE-REFRESH request (RFC 2918 section 4) */
  readonly refreshRequestedAt?: Date;
  /** why the session last left Established (a NOTIFICATION sent or received names its code and subcode) */
  readonly lastDownReason?: string;
}

export interface RefreshRequest {
  readonly family: AfiSafi;
  readonly selector: PeerSelector;
  readonly direction: Direction;
  /** export: only what the export policy changed since the last advertisement, without BoRR/EoRR */
  readonly changesOnly?: boolean;
  /** work out what each selected peer's refresh would send or change; send nothing, change no RIB */
  readonly dryRun?: boolean;
}

export interface RefreshStarted {
  readonly operationId: number;
  /** in a dry run each with what its refresh would do */
  readonly selected: readonly { readonly address: string; readonly counts?: RouteCounts }[];
  readonly skipped: readonly { address: string; reason: string }[];
}

/** A refresh operation not yet ended: the peers that have ended so far. */
export interface RunningOperation {
  readonly operationId: number;
  readonly family: AfiSafi;
  readonly direction: Direction;
  readonly selector: PeerSelector;
  readonly dryRun: boolean;
  readonly startTime: Date;
  /** peers the refresh was started for (the skipped ones not counted) */
  readonly selected: number;
  /** the peers that have ended so far, skipped ones first */
  readonly peers: readonly PeerResult[];
  /** selected peers not yet ended, with the routes sent (export) or received (import) so far */
  readonly pending: readonly { readonly address: string; readonly routes: number }[];
}

/** Refresh operations of an earlier run of the server: the ended ones to show, and where operation ids go on. */
export interface RefreshHistory {
  readonly nextOperationId: number;
  readonly ended: readonly OperationSummary[];
}

export interface EngineEvents {
  'peer-refresh-complete': [result: PeerResult];
  'refresh-started': [operation: RunningOperation];
  'refresh-complete': [summary: OperationSummary];
  'peer-state': [address: string, from: SessionState, to: SessionState];
}

interface FamilyRibs {
  readonly family: AfiSafi;
  readonly settings: FamilySettings;
  readonly in: AdjRibIn;
  readonly out: AdjRibOut;
  /** Loc-RIB changes were left out while the peer's socket was backed up: catch up with one full diff */
  behind: boolean;
}

/** UPDATEs waiting for a peer's socket, made a batch at a time (bounded memory). */
interface SendJob {
  readonly messages: Iterator<Buffer>;
  readonly done?: () => void;
}

interface PeerRuntime {
  config: PeerConfig;
  readonly peer: Peer;
  readonly ribs: Map<string, FamilyRibs>;
  readonly jobs: SendJob[];
  codec: CodecOptions;
  lastRefresh?: PeerResult;
  establishedAt?: Date;
  readonly lastCompleted: { import?: Date; export?: Date };
  refreshRequestedAt?: Date;
  lastDownReason?: string;
}

/** NLRI handed to packUpdates at a time: bounds the UPDATEs built ahead of the socket. */
const PACK_BATCH = 4096;
const RECENT_OPERATIONS = 64;
const NO_ROUTES: RouteCounts = { advertised: 0, withdrawn: 0, accepted: 0, rejected: 0 };

export class BgpEngine extends EventEmitter<EngineEvents> {
  private config?: EngineConfig;
  private readonly runtimes = new Map<string, PeerRuntime>();
  private readonly locRibs = new Map<string, LocRib>();
  private readonly attributeSets = new AttributeSets();
  private policies = new Map<string, Policy>();
  private listener?: BgpListener;
  private listenInfo?: { address: string; port: number };
  private nextOperationId = 1;
  private readonly operations = new Map<number, RefreshOperation>();
  /** per running operation: its selected count and the peers ended so far */
  private readonly progress = new Map<number, { readonly op: RefreshOperation; readonly selected: number; readonly ended: PeerResult[] }>();
  readonly recent: OperationSummary[] = [];

  constructor(
    private readonly log: Logger,
    private readonly timers: Timers = systemTimers,
  ) {
    super();
  }

  /** Applies a whole configuration: sessions are reset only where they must be (AS, address, port, timers, capabilities). */
  async apply(config: EngineConfig, delta?: PeerDelta): Promise<void> {
    const previous = this.config;
    if (delta && previous && previous.localAs === config.localAs && previous.routerId === config.routerId && previous.policies === config.policies && previous.originated === config.originated) {
      this.config = config;
      for (const address of delta.removed) this.removePeer(address, 'peer deconfigured', CeaseSubcode.PEER_DECONFIGURED);
      for (const pc of delta.changed) this.applyPeer(pc);
      await this.listen(previous.listen, config.listen);
      this.propagate();
      return;
    }
    if (previous && (previous.localAs !== config.localAs || previous.routerId !== config.routerId)) {
      for (const address of [...this.runtimes.keys()]) this.removePeer(address, 'local AS or router-id changed', CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
      this.locRibs.clear();
    }
    this.config = config;
    this.policies = new Map(config.policies.map((p) => [p.name, new Policy(p)]));
    for (const f of FAMILIES) if (!this.locRibs.has(familyKey(f))) this.locRibs.set(familyKey(f), new LocRib(f, { localAs: config.localAs, routerId: config.routerId }));
    this.originate(config.originated, previous?.originated ?? []);
    const wanted = new Map(config.peers.map((p) => [p.address, p]));
    for (const address of [...this.runtimes.keys()]) if (!wanted.has(address)) this.removePeer(address, 'peer deconfigured', CeaseSubcode.PEER_DECONFIGURED);
    for (const pc of config.peers) this.applyPeer(pc);
    await this.listen(previous?.listen, config.listen);
    this.propagate();
  }

  private applyPeer(pc: PeerConfig): void {
    const rt = this.runtimes.get(pc.address);
    const changed = rt && sessionChanged(rt.config, pc);
    if (changed) this.removePeer(pc.address, `peer configuration changed: ${changed}`, CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
    const kept = this.runtimes.get(pc.address);
    // a peer reset here keeps saying why its last session went down
    if (!kept) this.addPeer(pc, rt?.lastDownReason);
    else this.updatePeer(kept, pc);
  }

  async stop(): Promise<void> {
    for (const address of [...this.runtimes.keys()]) this.removePeer(address, 'administrative shutdown', CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
    await this.listener?.close();
    this.listener = undefined;
  }

  get listenAddress(): { address: string; port: number } | undefined {
    return this.listenInfo;
  }

  peers(): PeerStatus[] {
    return [...this.runtimes.values()].map((rt) => {
      const counters = (f: AfiSafi): FamilyCounters | undefined => {
        const r = rt.ribs.get(familyKey(f));
        return r && { received: r.in.receivedCount, accepted: r.in.acceptedCount, advertised: r.out.advertisedCount, keepAllRoutesPending: r.settings.keepAllRoutes && !r.in.keepAllRoutes };
      };
      return {
        address: rt.config.address,
        group: rt.config.group,
        external: this.isExternal(rt.config),
        state: rt.peer.state,
        negotiated: rt.peer.negotiated,
        mvpn: counters(IPV4_MVPN),
        unicast: counters(IPV4_UNICAST),
        lastRefresh: rt.lastRefresh,
        establishedAt: rt.peer.state === 'established' ? rt.establishedAt : undefined,
        lastCompleted: { ...rt.lastCompleted },
        refreshRequestedAt: rt.refreshRequestedAt,
        lastDownReason: rt.lastDownReason,
      };
    });
  }

  /**
   * Starts a soft reset and returns at once with the operation id and the
   * selected and skipped peers; one 'peer-refresh-complete' follows per
   * peer, then 'refresh-complete'. Throws RefreshSelectionError for an
   * unknown peer address or group.
   */
  refresh(req: RefreshRequest): RefreshStarted {
    const config = this.requireConfig();
    const dryRun = req.dryRun ?? false;
    const candidates = [...this.runtimes.values()].map((rt) => this.candidate(rt, req.family, req.direction));
    const { selected, skipped } = selectPeers(candidates, new Set(config.groups), req.selector, req.family, req.direction, dryRun);
    // a dry run answers with what each peer's refresh would do
    const previews = new Map(dryRun ? selected.map((s) => [s.address, this.preview(s.address, req)]) : []);
    const id = this.nextOperationId++;
    const ended: PeerResult[] = [];
    const op = new RefreshOperation(
      id,
      req.family,
      req.direction,
      req.selector,
      dryRun,
      selected,
      skipped,
      (address) => this.runtimes.get(address)?.config.refresh ?? config.refresh,
      this.timers,
      (r) => {
        const rt = this.runtimes.get(r.peerAddress);
        if (rt && !dryRun) rt.lastRefresh = r;
        if (rt && !dryRun && r.status === 'completed') rt.lastCompleted[r.direction] = r.endTime;
        ended.push(r);
        this.emit('peer-refresh-complete', r);
      },
      (s) => {
        this.operations.delete(id);
        this.progress.delete(id);
        this.recent.push(s);
        if (this.recent.length > RECENT_OPERATIONS) this.recent.shift();
        this.emit('refresh-complete', s);
      },
    );
    this.operations.set(id, op);
    this.progress.set(id, { op, selected: selected.length, ended });
    this.emit('refresh-started', this.runningOf(op, selected.length, ended));
    // the caller has its answer before the first event; then one peer per
    // turn of the event loop, so that a large export does not hold up the
    // replies to other requests
    setImmediate(() => {
      op.start();
      if (dryRun) {
        for (const [address, p] of previews) op.previewed(address, p.counts, p.routes);
        return;
      }
      const next = (i: number): void => {
        if (i >= selected.length) return;
        this.runRefresh(op, selected[i].address, req);
        setImmediate(() => next(i + 1));
      };
      next(0);
    });
    return { operationId: id, selected: selected.map((s) => (dryRun ? { address: s.address, counts: previews.get(s.address)?.counts } : { address: s.address })), skipped };
  }

  /** What the refresh of a selected peer would send (export) or change (import with keep-all-routes), changing nothing; `routes` as its result would count them. */
  private preview(address: string, req: RefreshRequest): { counts: RouteCounts; routes: number } {
    const ribs = this.runtimes.get(address)?.ribs.get(familyKey(req.family));
    if (!ribs) return { counts: NO_ROUTES, routes: 0 };
    if (req.direction === 'import') return { counts: { ...NO_ROUTES, ...ribs.in.previewImportPolicy(this.policy(ribs.settings.importPolicy)) }, routes: ribs.in.receivedCount };
    const counts = { ...NO_ROUTES, ...ribs.out.previewExport(this.policy(ribs.settings.exportPolicy), !req.changesOnly) };
    return { counts, routes: counts.advertised + counts.withdrawn };
  }

  /** Refresh operations still running, oldest first. */
  running(): RunningOperation[] {
    return [...this.progress.values()].map(({ op, selected, ended }) => this.runningOf(op, selected, ended));
  }

  private runningOf(op: RefreshOperation, selected: number, ended: readonly PeerResult[]): RunningOperation {
    return { operationId: op.id, family: op.family, direction: op.direction, selector: op.selector, dryRun: op.dryRun, startTime: op.startTime, selected, peers: [...ended], pending: op.pending() };
  }

  /** Takes up the operations of an earlier run: shown among the recent ones, and no id given twice. */
  restoreHistory(history: RefreshHistory): void {
    this.recent.unshift(...history.ended);
    this.recent.splice(0, Math.max(0, this.recent.length - RECENT_OPERATIONS));
    this.nextOperationId = Math.max(this.nextOperationId, history.nextOperationId);
  }

  private runRefresh(op: RefreshOperation, address: string, req: RefreshRequest): void {
    const { family } = req;
    const rt = this.runtimes.get(address);
    const ribs = rt?.ribs.get(familyKey(family));
    if (!rt || !ribs) return op.fail(address, 'session went down');
    const method = op.methodOf(address);
    if (method === 'local') {
      const changes = ribs.in.reapplyImportPolicy(this.policy(ribs.settings.importPolicy));
      this.propagate();
      op.complete(address, 'local', { ...NO_ROUTES, accepted: changes.accepted.length, rejected: changes.rejected.length }, ribs.in.receivedCount);
    } else if (method === 'enhanced' || method === 'quiet-period') {
      ribs.in.setImportPolicy(this.policy(ribs.settings.importPolicy));
      const msg: RouteRefreshMessage = { type: 'route-refresh', afi: family.afi, safi: family.safi, subtype: RouteRefreshSubtype.REQUEST };
      this.enqueue(rt, { messages: [encodeMessage(msg, rt.codec)][Symbol.iterator]() });
    } else {
      // outbound soft reset: the whole Adj-RIB-Out, with enhanced route refresh inside BoRR ... EoRR (RFC 7313 section 4)
      const full = !req.changesOnly;
      ribs.out.setExportPolicy(this.policy(ribs.settings.exportPolicy));
      const update = ribs.out.exportAll(full);
      const counts = { ...NO_ROUTES, advertised: update.announcements.reduce((n, a) => n + a.nlri.length, 0), withdrawn: update.withdrawals.length };
      const body = this.pack(family, update, rt.codec, (n) => op.sent(address, n));
      const marker = (subtype: number): Buffer => encodeMessage({ type: 'route-refresh', afi: family.afi, safi: family.safi, subtype }, rt.codec);
      const enhanced = full && (rt.peer.negotiated?.enhancedRouteRefresh ?? false);
      this.enqueue(rt, { messages: enhanced ? concat([marker(RouteRefreshSubtype.BORR)], body, [marker(RouteRefreshSubtype.EORR)]) : body, done: () => op.complete(address, 'drained', counts, counts.advertised + counts.withdrawn) });
    }
  }

  private candidate(rt: PeerRuntime, family: AfiSafi, direction: Direction): RefreshCandidate {
    const neg = rt.peer.negotiated;
    const settings = familySettings(rt.config, family);
    return {
      address: rt.config.address,
      group: rt.config.group,
      external: this.isExternal(rt.config),
      established: rt.peer.state === 'established',
      state: rt.peer.state,
      familyNegotiated: rt.ribs.has(familyKey(family)),
      routeRefresh: neg?.routeRefresh ?? false,
      enhancedRouteRefresh: neg?.enhancedRouteRefresh ?? false,
      // what the Adj-RIB-In holds: keep-all-routes turned on for a peer without route refresh is pending
      keepAllRoutes: rt.ribs.get(familyKey(family))?.in.keepAllRoutes ?? settings?.keepAllRoutes ?? false,
      runningOperation: [...this.operations.values()].find((op) => op.direction === direction && sameFamily(op.family, family) && op.isTracking(rt.config.address))?.id,
    };
  }

  private isExternal(pc: PeerConfig): boolean {
    return pc.remoteAs !== this.requireConfig().localAs;
  }

  private requireConfig(): EngineConfig {
    if (!this.config) throw new Error('the BGP engine has no configuration yet');
    return this.config;
  }

  private policy(name: string | undefined): Policy | undefined {
    return name === undefined ? undefined : this.policies.get(name);
  }

  /** A new listen address that cannot be bound fails the apply; an unchanged one that could not be bound before is tried again, quietly. */
  private async listen(before: EngineConfig['listen'], now: EngineConfig['listen']): Promise<void> {
    const unchanged = before !== undefined && before.address === now?.address && before.port === now.port;
    if (unchanged && this.listener) return;
    await this.listener?.close();
    this.listener = undefined;
    this.listenInfo = undefined;
    if (!now) return;
    const listener = new BgpListener((address) => this.runtimes.get(address)?.peer, this.log);
    let info: { address: string; port: number };
    try {
      info = await listener.listen(now.port, now.address);
    } catch (e) {
      if (!unchanged) throw e;
      this.log.warn('BGP still cannot listen', { address: now.address, port: now.port, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.listener = listener;
    this.listenInfo = { address: info.address, port: info.port };
    this.log.info('BGP listening', { address: info.address, port: info.port });
  }

  private addPeer(pc: PeerConfig, lastDownReason?: string): void {
    const config = this.requireConfig();
    const families = FAMILIES.filter((f) => familySettings(pc, f)?.enabled);
    const peer = new Peer(
      pc.address,
      {
        localAs: config.localAs,
        bgpId: config.routerId,
        remoteAs: pc.remoteAs,
        holdTime: pc.holdTime,
        connectRetryTime: pc.connectRetryTime,
        families,
        routeRefresh: pc.routeRefresh,
        enhancedRouteRefresh: pc.enhancedRouteRefresh,
        passive: pc.passive,
      },
      { timers: this.timers, connect: () => connectTcp({ address: pc.address, port: pc.remotePort, localAddress: pc.localAddress }), log: this.log },
    );
    const rt: PeerRuntime = { config: pc, peer, ribs: new Map(), jobs: [], codec: { fourOctetAs: true }, lastCompleted: {}, lastDownReason };
    this.runtimes.set(pc.address, rt);
    peer.on('stateChange', (from, to) => this.emit('peer-state', pc.address, from, to));
    peer.on('established', (neg) => this.established(rt, neg));
    peer.on('update', (u) => this.updateReceived(rt, u));
    peer.on('routeRefresh', (m) => this.routeRefreshReceived(rt, m));
    peer.on('drain', () => this.flush(rt));
    peer.on('down', (reason) => this.down(rt, reason));
    peer.start();
  }

  /** Ends the peer's session with a Cease of `subcode` (RFC 4486 section 4), logged with the reason. */
  private removePeer(address: string, reason: string, subcode: number): void {
    const rt = this.runtimes.get(address);
    if (!rt) return;
    if (rt.peer.state !== 'idle') this.log.info('BGP session reset by configuration', { peer: address, reason, cease: describeNotification(ErrorCode.CEASE, subcode) });
    rt.peer.stop(reason, subcode);
    this.down(rt, reason);
    rt.peer.removeAllListeners();
    this.runtimes.delete(address);
  }

  /**
   * What the OPEN does not carry changes on a live session: policies take
   * effect for new routes at once and for all routes at the next soft reset;
   * passive and connect-retry at the next connection. keep-all-routes turned
   * on asks a peer that negotiated route refresh to send its routes again
   * (RFC 2918), which fills the pre-policy copy; a peer that did not is
   * pending until its next session. Nothing here resets the session.
   */
  private updatePeer(rt: PeerRuntime, pc: PeerConfig): void {
    rt.config = pc;
    rt.peer.setConnectionPolicy(pc.passive, pc.connectRetryTime);
    for (const ribs of rt.ribs.values()) {
      const settings = familySettings(pc, ribs.family);
      if (!settings) continue;
      rt.ribs.set(familyKey(ribs.family), { ...ribs, settings });
      ribs.in.setImportPolicy(this.policy(settings.importPolicy));
      if (settings.keepAllRoutes === ribs.in.keepAllRoutes) continue;
      if (!settings.keepAllRoutes || !rt.peer.negotiated?.routeRefresh) {
        if (!settings.keepAllRoutes) ribs.in.setKeepAllRoutes(false);
        continue;
      }
      ribs.in.setKeepAllRoutes(true);
      const msg: RouteRefreshMessage = { type: 'route-refresh', afi: ribs.family.afi, safi: ribs.family.safi, subtype: RouteRefreshSubtype.REQUEST };
      this.enqueue(rt, { messages: [encodeMessage(msg, rt.codec)][Symbol.iterator]() });
      this.log.info('keep-all-routes on: route refresh requested to fill the pre-policy Adj-RIB-In', { peer: pc.address, afiSafi: familyName(ribs.family) });
    }
  }

  private established(rt: PeerRuntime, neg: Negotiated): void {
    const config = this.requireConfig();
    rt.codec = { fourOctetAs: neg.fourOctetAs };
    rt.establishedAt = new Date();
    const source = RouteSource.peer({ address: rt.config.address, bgpId: neg.peerBgpId, remoteAs: neg.peerAs, localAs: config.localAs });
    // NEXT_HOP self (RFC 4271 section 5.1.3): a wildcard or IPv6 listen address is no IPv4 next hop
    const listen = config.listen?.address;
    const localAddress = rt.config.localAddress ?? (listen !== undefined && isIPv4(listen) && listen !== '0.0.0.0' ? listen : config.routerId);
    for (const family of neg.families) {
      const settings = familySettings(rt.config, family);
      const locRib = this.locRibs.get(familyKey(family));
      if (!settings?.enabled || !locRib) continue;
      const ribs: FamilyRibs = {
        family,
        settings,
        in: new AdjRibIn({ source, locRib, keepAllRoutes: settings.keepAllRoutes, importPolicy: this.policy(settings.importPolicy) }),
        out: new AdjRibOut({ peer: source, locRib, attributeSets: this.attributeSets, localAddress, exportPolicy: this.policy(settings.exportPolicy) }),
        behind: false,
      };
      rt.ribs.set(familyKey(family), ribs);
      // RFC 4724 section 2: End-of-RIB after the initial advertisement
      this.enqueue(rt, { messages: concat(this.pack(family, ribs.out.exportAll(), rt.codec), [endOfRib(family)]) });
    }
  }

  private updateReceived(rt: PeerRuntime, update: UpdateMessage): void {
    const eor = endOfRibFamily(update);
    if (eor) return;
    // RFC 7606 section 2: treat-as-withdraw turns the announced NLRI into withdrawals
    const withdrawAll = updateHandling(update) === ErrorHandling.TREAT_AS_WITHDRAW;
    let counted = false;
    const apply = (family: AfiSafi, announced: readonly Buffer[], withdrawn: readonly Buffer[], nextHop: Buffer | undefined): void => {
      const ribs = rt.ribs.get(familyKey(family));
      if (!ribs) return;
      for (const n of withdrawn) ribs.in.withdraw(nlriKey(n));
      if (announced.length > 0 && (withdrawAll || !nextHop)) for (const n of announced) ribs.in.withdraw(nlriKey(n));
      else if (announced.length > 0 && nextHop) {
        const set = this.attributeSets.intern(update.attributes, nextHop);
        for (const n of announced) ribs.in.set(nlriKey(n), set);
      }
      for (const op of this.operations.values()) if (op.direction === 'import' && sameFamily(op.family, family) && op.isTracking(rt.config.address)) op.updateReceived(rt.config.address, announced.length + withdrawn.length);
      counted = true;
    };
    if (update.nlri.length > 0 || update.withdrawn.length > 0) apply(IPV4_UNICAST, update.nlri, update.withdrawn, nextHopOf(update.attributes, IPV4_UNICAST));
    for (const a of update.attributes) {
      if (a.type === 'mp-reach') apply({ afi: a.afi, safi: a.safi }, knownRoutes(a), [], a.nextHop);
      else if (a.type === 'mp-unreach') apply({ afi: a.afi, safi: a.safi }, [], knownRoutes({ ...a, nlri: a.withdrawn }), undefined);
    }
    if (counted) this.propagate();
  }

  /** RFC 2918 / RFC 7313: a request gets the Adj-RIB-Out again (in BoRR ... EoRR when enhanced); BoRR and EoRR answer ours. */
  private routeRefreshReceived(rt: PeerRuntime, m: RouteRefreshMessage): void {
    const family = { afi: m.afi, safi: m.safi };
    const ribs = rt.ribs.get(familyKey(family));
    if (!ribs) return;
    const marker = (subtype: number): Buffer => encodeMessage({ type: 'route-refresh', afi: m.afi, safi: m.safi, subtype }, rt.codec);
    if (m.subtype === RouteRefreshSubtype.REQUEST) {
      rt.refreshRequestedAt = new Date();
      const enhanced = rt.peer.negotiated?.enhancedRouteRefresh ?? false;
      const body = this.pack(family, ribs.out.resendAll(), rt.codec);
      this.enqueue(rt, { messages: enhanced ? concat([marker(RouteRefreshSubtype.BORR)], body, [marker(RouteRefreshSubtype.EORR)]) : body });
    } else if (m.subtype === RouteRefreshSubtype.BORR) {
      ribs.in.markStale();
      for (const op of this.operations.values()) if (sameFamily(op.family, family)) op.borrReceived(rt.config.address);
    } else if (m.subtype === RouteRefreshSubtype.EORR) {
      ribs.in.purgeStale();
      this.propagate();
      for (const op of this.operations.values()) if (sameFamily(op.family, family) && op.methodOf(rt.config.address) === 'enhanced') op.complete(rt.config.address, 'eorr');
    }
  }

  private down(rt: PeerRuntime, reason: string): void {
    rt.lastDownReason = reason;
    rt.jobs.length = 0;
    for (const ribs of rt.ribs.values()) ribs.in.clear();
    const hadRoutes = rt.ribs.size > 0;
    rt.ribs.clear();
    for (const op of this.operations.values()) op.fail(rt.config.address, `session went down: ${reason}`);
    if (hadRoutes) this.propagate();
  }

  /** Loc-RIB changes go to every established peer's Adj-RIB-Out, and from there on the wire. */
  private propagate(): void {
    for (const f of FAMILIES) {
      const locRib = this.locRibs.get(familyKey(f));
      if (!locRib) continue;
      const changes = locRib.takeChanges();
      if (changes.nlri.length === 0) continue;
      for (const rt of this.runtimes.values()) {
        const ribs = rt.ribs.get(familyKey(f));
        if (!ribs) continue;
        // a peer still writing earlier UPDATEs gets no queue of diffs: it catches up once drained
        if (rt.jobs.length > 0) ribs.behind = true;
        else this.enqueue(rt, { messages: this.pack(f, ribs.out.exportDiff(changes), rt.codec) });
      }
    }
  }

  private originate(now: readonly OriginatedRoute[], before: readonly OriginatedRoute[]): void {
    const config = this.requireConfig();
    const locRib = this.locRibs.get(familyKey(IPV4_MVPN)) as LocRib;
    const wanted = new Map(now.map((r) => [nlriKey(encodeMvpnNlri(r.route)), r]));
    for (const r of before) {
      const key = nlriKey(encodeMvpnNlri(r.route));
      if (!wanted.has(key)) locRib.withdrawOriginated(key);
    }
    for (const [key, r] of wanted) {
      const attributes: PathAttribute[] = [
        { type: 'origin', value: 0 },
        { type: 'as-path', segments: [] },
      ];
      if (r.routeTargets.length > 0) attributes.push({ type: 'extended-communities', values: r.routeTargets.map(encodeRouteTarget) });
      locRib.originate(key, this.attributeSets.intern(attributes, addressOctets(config.routerId)));
    }
  }

  /** The UPDATEs of an export, made PACK_BATCH NLRI at a time as the socket takes them; `sent` hears of each batch once it is written. */
  private *pack(family: AfiSafi, update: ExportUpdate, codec: CodecOptions, sent?: (nlri: number) => void): Generator<Buffer> {
    for (let i = 0; i < update.withdrawals.length; i += PACK_BATCH) {
      const batch = update.withdrawals.slice(i, i + PACK_BATCH);
      yield* packWithdrawals(family, batch.map(nlriBytes), codec);
      sent?.(batch.length);
    }
    for (const a of update.announcements) {
      for (let i = 0; i < a.nlri.length; i += PACK_BATCH) {
        const batch = a.nlri.slice(i, i + PACK_BATCH);
        yield* packUpdates(family, a.attributes.attributes, a.attributes.nextHop, batch.map(nlriBytes), codec);
        sent?.(batch.length);
      }
    }
  }

  private enqueue(rt: PeerRuntime, job: SendJob): void {
    rt.jobs.push(job);
    if (rt.jobs.length === 1) this.flush(rt);
  }

  /** Writes until the socket says stop; 'drain' calls again. A job is done once its last UPDATE was taken by a socket that is not backed up. */
  private flush(rt: PeerRuntime): void {
    while (rt.jobs.length > 0) {
      if (rt.peer.state !== 'established') {
        rt.jobs.length = 0;
        return;
      }
      const job = rt.jobs[0];
      for (;;) {
        const next = job.messages.next();
        if (next.done) break;
        if (!rt.peer.send(next.value)) return;
      }
      rt.jobs.shift();
      job.done?.();
      if (rt.jobs.length === 0) this.catchUp(rt);
    }
  }

  private catchUp(rt: PeerRuntime): void {
    for (const ribs of rt.ribs.values()) {
      if (!ribs.behind) continue;
      ribs.behind = false;
      rt.jobs.push({ messages: this.pack(ribs.family, ribs.out.exportAll(), rt.codec) });
    }
  }
}

function familySettings(pc: PeerConfig, f: AfiSafi): FamilySettings | undefined {
  if (f.afi === IPV4_MVPN.afi && f.safi === IPV4_MVPN.safi) return pc.mvpn;
  if (f.afi === IPV4_UNICAST.afi && f.safi === IPV4_UNICAST.safi) return pc.unicast;
  return undefined;
}

/**
 * What cannot change without a new session: what the OPEN carries (RFC 4271
 * section 4.2, RFC 5492 capabilities) and the transport endpoints. The name of
 * the first such change, undefined when there is none.
 */
function sessionChanged(a: PeerConfig, b: PeerConfig): string | undefined {
  const open: [string, unknown, unknown][] = [
    ['remote-as', a.remoteAs, b.remoteAs],
    ['remote-port', a.remotePort, b.remotePort],
    ['local-address', a.localAddress, b.localAddress],
    ['hold-time', a.holdTime, b.holdTime],
    ['route-refresh', a.routeRefresh, b.routeRefresh],
    ['enhanced-route-refresh', a.enhancedRouteRefresh, b.enhancedRouteRefresh],
    ['mvpn enabled', a.mvpn.enabled, b.mvpn.enabled],
    ['ipv4-unicast enabled', a.unicast.enabled, b.unicast.enabled],
  ];
  return open.find(([, before, after]) => before !== after)?.[0];
}

/** RFC 7606 section 5.4: MVPN routes of an unknown type are skipped, the rest of the UPDATE still counts. */
function knownRoutes(a: { readonly afi: number; readonly safi: number; readonly nlri: readonly Buffer[] }): readonly Buffer[] {
  if (a.afi !== IPV4_MVPN.afi || a.safi !== IPV4_MVPN.safi) return a.nlri;
  return a.nlri.filter((n) => {
    const t = mvpnRouteType(n);
    return t >= MvpnRouteType.INTRA_AS_I_PMSI_AD && t <= MvpnRouteType.SOURCE_TREE_JOIN;
  });
}

function* concat(...parts: Iterable<Buffer>[]): Generator<Buffer> {
  for (const p of parts) yield* p;
}
