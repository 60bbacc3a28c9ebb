// The BGP engine's one face (DESIGN.md section 3): takes a typed
// configuration, holds the peers' sessions and the RIBs, runs soft resets,
// and tells what happens through typed events. No NETCONF, XML or YANG here.
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { Logger } from '../log';
import { OperationSummary, PeerResult, PeerSelector, RefreshOperation, RouteCounts, selectPeers, Direction, OperationTiming, RefreshCandidate, familyName } from './refresh/operation';
import { AdjRibIn, AdjRibOut, AttributeSet, AttributeSets, LocRib, nextHopOf, nlriKey, Policy, PolicyConfig, RouteSource } from './rib';
import { describeNotification, Negotiated, SessionState, Timers } from './session/fsm';
import { Peer } from './session/peer';
import { BgpListener, connectTcp, systemTimers } from './session/transport';
import { encodeMessage } from './wire/codec';
import { encodeMvpnNlri, MvpnRoute, mvpnRouteType } from './wire/mvpn';
import { encodeRouteTarget } from './wire/attributes';
import { addressOctets } from './wire/address';
import { endOfRib, endOfRibFamily, updateHandling } from './wire/update';
import { GroupMember, GroupPace, GroupTreatment, MessageCursor, OutQueue, SLOW_MEMBER_BYTES, treatmentKey, UpdateGroup } from './update-group';
import { AfiSafi, CeaseSubcode, CodecOptions, IPV4_MVPN, IPV4_UNICAST, ErrorCode, ErrorHandling, MvpnRouteType, PathAttribute, RouteRefreshMessage, RouteRefreshSubtype, UpdateMessage } from './wire/types';

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
  /** the update group the peer is a member of (UpdateGroupStatus.id) */
  readonly updateGroup: number;
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
  settings: FamilySettings;
  readonly in: AdjRibIn;
  /** the update group the peer is a member of for the family: its Adj-RIB-Out */
  group: UpdateGroup;
}

/** How the engine paces its update groups. */
export interface EngineOptions {
  /** a member of an update group this many bytes behind the others leaves it (default 16 MiB) */
  readonly slowMemberBytes?: number;
  /** how often update groups that may have come to advertise the same are compared, to merge (default 5 s) */
  readonly mergeCheckMs?: number;
}

/** One update group of the engine's: its treatment and members (FRR's `show bgp update-groups`). */
export interface UpdateGroupStatus {
  readonly id: number;
  readonly treatment: GroupTreatment;
  readonly members: readonly string[];
  /** routes in its Adj-RIB-Out */
  readonly advertised: number;
}

interface PeerRuntime {
  config: PeerConfig;
  readonly peer: Peer;
  readonly ribs: Map<string, FamilyRibs>;
  /** what waits for the socket, and the peer as its update groups see it */
  readonly member: GroupMember;
  codec: CodecOptions;
  lastRefresh?: PeerResult;
  establishedAt?: Date;
  readonly lastCompleted: { import?: Date; export?: Date };
  refreshRequestedAt?: Date;
  lastDownReason?: string;
}

const RECENT_OPERATIONS = 64;
/** how often update groups that may have come to advertise the same are compared */
const MERGE_CHECK_MS = 5000;
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
  /** running refresh operations, oldest first */
  private readonly operations = new Map<number, RefreshOperation>();
  readonly recent: OperationSummary[] = [];
  /** update groups by treatment key */
  private readonly groups = new Map<string, Set<UpdateGroup>>();
  /** groups made for one peer or a few (a new session, a split): merged back once they advertise what another group of theirs does */
  private readonly mergeCandidates = new Set<UpdateGroup>();
  private mergeTimer?: unknown;

  private readonly pace: GroupPace;
  private readonly mergeCheckMs: number;

  constructor(
    private readonly log: Logger,
    private readonly timers: Timers = systemTimers,
    options: EngineOptions = {},
  ) {
    super();
    this.pace = { slowMemberBytes: options.slowMemberBytes ?? SLOW_MEMBER_BYTES, onSlowMember: (g, m) => this.split(g, [m]) };
    this.mergeCheckMs = options.mergeCheckMs ?? MERGE_CHECK_MS;
  }

  /** Applies a whole configuration: sessions are reset only where they must be (AS, address, port, timers, capabilities). */
  async apply(config: EngineConfig, delta?: PeerDelta): Promise<void> {
    const previous = this.config;
    if (delta && previous && previous.localAs === config.localAs && previous.routerId === config.routerId && previous.policies === config.policies && previous.originated === config.originated) {
      this.config = config;
      for (const address of delta.removed) this.removePeer(address, 'peer deconfigured', CeaseSubcode.PEER_DECONFIGURED);
      const moves = new Map<string, UpdateGroup>();
      for (const pc of delta.changed) this.applyPeer(pc, moves);
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
    // policies take effect for new routes at once, for all at the next soft reset
    for (const same of this.groups.values()) for (const g of same) g.out.setExportPolicy(this.policy(g.treatment.exportPolicy));
    // the same list of routes into the same Loc-RIB is what it holds already
    const originatedHeld = config.originated === previous?.originated && this.locRibs.has(familyKey(IPV4_MVPN));
    for (const f of FAMILIES) if (!this.locRibs.has(familyKey(f))) this.locRibs.set(familyKey(f), new LocRib(f, { localAs: config.localAs, routerId: config.routerId }));
    if (!originatedHeld) this.originate(config.originated, previous?.originated ?? []);
    const wanted = new Map(config.peers.map((p) => [p.address, p]));
    for (const address of [...this.runtimes.keys()]) if (!wanted.has(address)) this.removePeer(address, 'peer deconfigured', CeaseSubcode.PEER_DECONFIGURED);
    const moves = new Map<string, UpdateGroup>();
    for (const pc of config.peers) this.applyPeer(pc, moves);
    await this.listen(previous?.listen, config.listen);
    this.propagate();
  }

  /** `moves`: the groups peers moved to in this apply, by the group they left and their new treatment (update groups move together). */
  private applyPeer(pc: PeerConfig, moves: Map<string, UpdateGroup>): void {
    const rt = this.runtimes.get(pc.address);
    const changed = rt && sessionChanged(rt.config, pc);
    if (changed) this.removePeer(pc.address, `peer configuration changed: ${changed}`, CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
    const kept = this.runtimes.get(pc.address);
    // a peer reset here keeps saying why its last session went down
    if (!kept) this.addPeer(pc, rt?.lastDownReason);
    else this.updatePeer(kept, pc, moves);
  }

  async stop(): Promise<void> {
    for (const address of [...this.runtimes.keys()]) this.removePeer(address, 'administrative shutdown', CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
    if (this.mergeTimer !== undefined) this.timers.clearTimeout(this.mergeTimer);
    this.mergeTimer = undefined;
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
        return r && { received: r.in.receivedCount, accepted: r.in.acceptedCount, advertised: r.group.out.advertisedCount, keepAllRoutesPending: r.settings.keepAllRoutes && !r.in.keepAllRoutes, updateGroup: r.group.id };
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
    // a dry run answers with what each peer's refresh would do (an export: once per update group)
    const groupPreviews = new Map<UpdateGroup, RouteCounts>();
    const previews = new Map(dryRun ? selected.map((s) => [s.address, this.preview(s.address, req, groupPreviews)]) : []);
    // an export runs once per update group whose members are all selected; the peers it has been started for
    const exported = new Set<string>();
    const id = this.nextOperationId++;
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
        this.emit('peer-refresh-complete', r);
      },
      (s) => {
        this.operations.delete(id);
        this.recent.push(s);
        if (this.recent.length > RECENT_OPERATIONS) this.recent.shift();
        this.emit('refresh-complete', s);
      },
    );
    this.operations.set(id, op);
    this.emit('refresh-started', this.runningOf(op));
    // the caller has its answer before the first event, and has written it
    // before the first export, even from a setImmediate of its own (as the
    // NETCONF session's corked writes); then one peer per turn of the event
    // loop, so that a large export does not hold up the replies to other
    // requests
    setImmediate(() => {
      op.start();
      if (dryRun) {
        for (const [address, p] of previews) op.previewed(address, p.counts, p.routes);
        return;
      }
      const next = (i: number): void => {
        if (i >= selected.length) return;
        this.runRefresh(op, selected[i].address, req, exported);
        setImmediate(() => next(i + 1));
      };
      setImmediate(() => next(0));
    });
    return { operationId: id, selected: selected.map((s) => (dryRun ? { address: s.address, counts: previews.get(s.address)?.counts } : { address: s.address })), skipped };
  }

  /** What the refresh of a selected peer would send (export) or change (import with keep-all-routes), changing nothing; `routes` as its result would count them. */
  private preview(address: string, req: RefreshRequest, groups: Map<UpdateGroup, RouteCounts>): { counts: RouteCounts; routes: number } {
    const ribs = this.runtimes.get(address)?.ribs.get(familyKey(req.family));
    if (!ribs) return { counts: NO_ROUTES, routes: 0 };
    if (req.direction === 'import') return { counts: { ...NO_ROUTES, ...ribs.in.previewImportPolicy(this.policy(ribs.settings.importPolicy)) }, routes: ribs.in.receivedCount };
    let counts = groups.get(ribs.group);
    if (!counts) {
      counts = { ...NO_ROUTES, ...ribs.group.out.previewExport(this.policy(ribs.settings.exportPolicy), !req.changesOnly) };
      groups.set(ribs.group, counts);
    }
    return { counts, routes: counts.advertised + counts.withdrawn };
  }

  /** Refresh operations still running, oldest first. */
  running(): RunningOperation[] {
    return [...this.operations.values()].map((op) => this.runningOf(op));
  }

  private runningOf(op: RefreshOperation): RunningOperation {
    return { operationId: op.id, family: op.family, direction: op.direction, selector: op.selector, dryRun: op.dryRun, startTime: op.startTime, selected: op.selected, peers: [...op.ended()], pending: op.pending() };
  }

  /** Takes up the operations of an earlier run: shown among the recent ones, and no id given twice. */
  restoreHistory(history: RefreshHistory): void {
    this.recent.unshift(...history.ended);
    this.recent.splice(0, Math.max(0, this.recent.length - RECENT_OPERATIONS));
    this.nextOperationId = Math.max(this.nextOperationId, history.nextOperationId);
  }

  private runRefresh(op: RefreshOperation, address: string, req: RefreshRequest, exported: Set<string>): void {
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
      this.send(rt, encodeMessage({ type: 'route-refresh', afi: family.afi, safi: family.safi, subtype: RouteRefreshSubtype.REQUEST }, rt.codec));
    } else {
      if (!exported.has(address)) this.exportRefresh(op, ribs.group, req, exported);
    }
  }

  /**
   * Outbound soft reset of the members of `group` the operation selected,
   * once for all of them: the whole Adj-RIB-Out under the current export
   * policy, inside BoRR ... EoRR with enhanced route refresh (RFC 7313
   * section 4); changes-only, the difference alone. Selected members of a
   * group with others leave it together first (they merge back once the
   * groups advertise the same again).
   */
  private exportRefresh(op: RefreshOperation, group: UpdateGroup, req: RefreshRequest, exported: Set<string>): void {
    const selected = [...group.members].filter((m) => op.isTracking(m.address) && !exported.has(m.address));
    const target = selected.length < group.members.size ? this.split(group, selected) : group;
    // a member split out of the group while the export is made (a slow one) has it already
    for (const m of selected) exported.add(m.address);
    const { family } = target.treatment;
    const full = !req.changesOnly;
    target.out.setExportPolicy(this.policy(target.treatment.exportPolicy));
    const update = target.out.exportAll(full);
    const counts = { ...NO_ROUTES, advertised: update.announcements.reduce((n, a) => n + a.nlri.length, 0), withdrawn: update.withdrawals.length };
    const marker = (subtype: number): Buffer => encodeMessage({ type: 'route-refresh', afi: family.afi, safi: family.safi, subtype }, target.codec);
    const markers = full && target.treatment.enhancedRouteRefresh ? { before: marker(RouteRefreshSubtype.BORR), after: marker(RouteRefreshSubtype.EORR) } : {};
    target.enqueue({
      cursor: MessageCursor.of(family, update, target.codec, markers),
      sent: (address, n) => op.sent(address, n),
      done: (address) => op.complete(address, 'drained', counts, counts.advertised + counts.withdrawn),
    });
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
    const queue = new OutQueue();
    const member: GroupMember = { address: pc.address, queue, flush: () => this.write(rt) };
    const rt: PeerRuntime = { config: pc, peer, ribs: new Map(), member, codec: { fourOctetAs: true }, lastCompleted: {}, lastDownReason };
    this.runtimes.set(pc.address, rt);
    peer.on('stateChange', (from, to) => this.emit('peer-state', pc.address, from, to));
    peer.on('established', (neg) => this.established(rt, neg));
    peer.on('update', (u) => this.updateReceived(rt, u));
    peer.on('routeRefresh', (m) => this.routeRefreshReceived(rt, m));
    peer.on('drain', () => this.drained(rt));
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
  private updatePeer(rt: PeerRuntime, pc: PeerConfig, moves: Map<string, UpdateGroup>): void {
    rt.config = pc;
    rt.peer.setConnectionPolicy(pc.passive, pc.connectRetryTime);
    for (const ribs of rt.ribs.values()) {
      const settings = familySettings(pc, ribs.family);
      if (!settings) continue;
      ribs.settings = settings;
      ribs.in.setImportPolicy(this.policy(settings.importPolicy));
      // another export policy is another update group: the peer moves, taking what it was sent, and the others of its group moving with it join it
      if (settings.exportPolicy !== ribs.group.treatment.exportPolicy) {
        const from = ribs.group;
        const treatment = { ...from.treatment, exportPolicy: settings.exportPolicy };
        const move = `${from.id} ${treatmentKey(treatment)}`;
        const to = moves.get(move);
        if (to) {
          from.members.delete(rt.member);
          to.members.add(rt.member);
          ribs.group = to;
          if (from.members.size === 0) this.forget(from);
        } else {
          const moved = this.split(from, [rt.member], treatment);
          moved.out.setExportPolicy(this.policy(settings.exportPolicy));
          moves.set(move, moved);
        }
      }
      if (settings.keepAllRoutes === ribs.in.keepAllRoutes) continue;
      if (!settings.keepAllRoutes || !rt.peer.negotiated?.routeRefresh) {
        if (!settings.keepAllRoutes) ribs.in.setKeepAllRoutes(false);
        continue;
      }
      ribs.in.setKeepAllRoutes(true);
      this.send(rt, encodeMessage({ type: 'route-refresh', afi: ribs.family.afi, safi: ribs.family.safi, subtype: RouteRefreshSubtype.REQUEST }, rt.codec));
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
      const external = neg.peerAs !== config.localAs;
      const treatment: GroupTreatment = { family, exportPolicy: settings.exportPolicy, external, remoteAs: external ? neg.peerAs : undefined, localAddress, fourOctetAs: neg.fourOctetAs, enhancedRouteRefresh: neg.enhancedRouteRefresh };
      // a group of its own for the initial advertisement; it joins its peers' group once it has what they have
      const group = this.newGroup(treatment, new AdjRibOut({ treatment: source, locRib, attributeSets: this.attributeSets, localAddress, exportPolicy: this.policy(settings.exportPolicy) }), [rt.member]);
      rt.ribs.set(familyKey(family), { family, settings, in: new AdjRibIn({ source, locRib, keepAllRoutes: settings.keepAllRoutes, importPolicy: this.policy(settings.importPolicy) }), group });
      // RFC 4724 section 2: End-of-RIB after the initial advertisement
      group.enqueue({ cursor: MessageCursor.of(family, group.out.exportAll(), group.codec, { after: endOfRib(family) }) });
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
    if (m.subtype === RouteRefreshSubtype.REQUEST) {
      rt.refreshRequestedAt = new Date();
      // the peer alone gets it all again: it leaves its update group for a group of its own until it is back in step
      const group = ribs.group.members.size > 1 ? this.split(ribs.group, [rt.member]) : ribs.group;
      const marker = (subtype: number): Buffer => encodeMessage({ type: 'route-refresh', afi: m.afi, safi: m.safi, subtype }, group.codec);
      const markers = group.treatment.enhancedRouteRefresh ? { before: marker(RouteRefreshSubtype.BORR), after: marker(RouteRefreshSubtype.EORR) } : {};
      group.enqueue({ cursor: MessageCursor.of(family, group.out.resendAll(), group.codec, markers) });
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
    rt.member.queue.clear();
    for (const ribs of rt.ribs.values()) {
      ribs.in.clear();
      this.leave(ribs.group, rt.member);
    }
    const hadRoutes = rt.ribs.size > 0;
    rt.ribs.clear();
    for (const op of this.operations.values()) op.fail(rt.config.address, `session went down: ${reason}`);
    if (hadRoutes) this.propagate();
  }

  /** Loc-RIB changes go to every update group's Adj-RIB-Out, and from there to its members. */
  private propagate(): void {
    for (const f of FAMILIES) {
      const locRib = this.locRibs.get(familyKey(f));
      if (!locRib) continue;
      const changes = locRib.takeChanges();
      if (changes.nlri.length === 0) continue;
      for (const groups of this.groups.values()) for (const g of groups) if (sameFamily(g.treatment.family, f)) g.changed(changes);
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
    const nextHop = addressOctets(config.routerId);
    // routes share a few route-target lists: one attribute set each, interned once
    const sets = new Map<string, AttributeSet>();
    for (const [key, r] of wanted) {
      const targets = r.routeTargets.join(' ');
      let set = sets.get(targets);
      if (set === undefined) {
        const attributes: PathAttribute[] = [
          { type: 'origin', value: 0 },
          { type: 'as-path', segments: [] },
        ];
        if (r.routeTargets.length > 0) attributes.push({ type: 'extended-communities', values: r.routeTargets.map(encodeRouteTarget) });
        set = this.attributeSets.intern(attributes, nextHop);
        sets.set(targets, set);
      }
      locRib.originate(key, set);
    }
  }

  /** A message of the peer's own (a ROUTE-REFRESH request), after what is queued. */
  private send(rt: PeerRuntime, message: Buffer): void {
    rt.member.queue.push(message);
    this.write(rt);
  }

  /** Writes the peer's queue until its socket is backed up ('drain' calls again). */
  private write(rt: PeerRuntime): void {
    if (rt.peer.state !== 'established') rt.member.queue.clear();
    else rt.member.queue.flush((m) => rt.peer.send(m));
  }

  /** The socket takes more: the queue, then more from the peer's update groups. */
  private drained(rt: PeerRuntime): void {
    rt.member.queue.drained();
    this.write(rt);
    for (const ribs of rt.ribs.values()) ribs.group.pump();
  }

  private newGroup(treatment: GroupTreatment, out: AdjRibOut, members: readonly GroupMember[]): UpdateGroup {
    const group = new UpdateGroup(treatment, out, this.pace);
    for (const m of members) group.members.add(m);
    this.register(group);
    return group;
  }

  private register(group: UpdateGroup): void {
    let same = this.groups.get(group.key);
    if (!same) this.groups.set(group.key, (same = new Set()));
    same.add(group);
    this.mergeCandidates.add(group);
    this.scheduleMerge();
  }

  /** `members` leave `group` for a new group (of `treatment` when it changes), with what they were sent and what was pending for them. */
  private split(group: UpdateGroup, members: readonly GroupMember[], treatment?: GroupTreatment): UpdateGroup {
    const moved = group.split(members, treatment);
    for (const m of members) this.ribsOf(m, moved).group = moved;
    this.register(moved);
    if (group.members.size === 0) this.forget(group);
    return moved;
  }

  private leave(group: UpdateGroup, member: GroupMember): void {
    group.members.delete(member);
    if (group.members.size === 0) this.forget(group);
  }

  private forget(group: UpdateGroup): void {
    const same = this.groups.get(group.key);
    same?.delete(group);
    if (same?.size === 0) this.groups.delete(group.key);
    this.mergeCandidates.delete(group);
  }

  /** The FamilyRibs of a member's session in the family of `group`. */
  private ribsOf(member: GroupMember, group: UpdateGroup): FamilyRibs {
    const ribs = this.runtimes.get(member.address)?.ribs.get(familyKey(group.treatment.family));
    if (!ribs) throw new Error(`update group ${group.id}: ${member.address} has no session in the family`);
    return ribs;
  }

  private scheduleMerge(): void {
    if (this.mergeTimer !== undefined || this.mergeCandidates.size === 0) return;
    this.mergeTimer = this.timers.setTimeout(() => {
      this.mergeTimer = undefined;
      this.mergeGroups();
      this.scheduleMerge();
    }, this.mergeCheckMs);
  }

  /** Each candidate group that is idle joins an idle group of its treatment advertising the same (FRR's subgroup merge). */
  private mergeGroups(): void {
    const settled = (g: UpdateGroup): boolean => g.idle && [...g.members].every((m) => m.queue.empty);
    for (const g of [...this.mergeCandidates]) {
      if (!settled(g)) continue;
      const into = [...(this.groups.get(g.key) ?? [])].find((h) => h !== g && settled(h) && h.out.sameAs(g.out));
      if (!into) continue;
      into.absorb(g);
      this.forget(g);
      for (const m of into.members) this.ribsOf(m, into).group = into;
    }
  }

  /** Every update group: FRR's `show bgp update-groups`. */
  updateGroups(): UpdateGroupStatus[] {
    return [...this.groups.values()].flatMap((same) => [...same]).map((g) => ({ id: g.id, treatment: g.treatment, members: [...g.members].map((m) => m.address), advertised: g.out.advertisedCount }));
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
