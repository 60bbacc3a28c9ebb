// RFC 8639 dynamic subscriptions (section 2.4), transport-free. A subscriber
// establishes them on its session, which is their one receiver; the server
// assigns their ids and bounds their number per session and in all. Each is
// to a target: an event stream (section 2.1) with its filter and replay
// start, or a datastore with its filter and update trigger (RFC 8641,
// yang-push.ts). Each has a
// stop-time, a receiver state (active or suspended) and counters, and tells
// its receiver of changes with the state change notifications of section
// 2.7. A receiver that cannot keep up (its session's notification queue is
// full) gets no events: the subscription is suspended with
// insufficient-resources and resumes once the queue drains (section 2.7).
// subscription-started and subscription-completed are the module's for
// configured subscriptions only (if-feature configured, which this server
// does not have): a dynamic one starts with the establish-subscription
// reply, and at its stop-time it ends with subscription-terminated.
import { NS } from '../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { elem, XmlElement } from '../model/xml';
import { type Filter, mayReach } from './filter';
import { atTime, EventSelection, NotificationStream, notificationXml, StoredEvent, StreamSubscriber } from './notifications';
import { DatastoreFilter, DatastoreSource, DatastoreTarget, DatastoreUpdates, ModifiableTrigger, modifiedTrigger, Reader, UpdateTrigger } from './yang-push';

const SN = NS.subscribedNotifications;
const YP = NS.yangPush;
const MAX_ID = 2 ** 32 - 1; // subscription-id is a uint32

/** The session a subscription was established on, as its receiver. */
export interface Receiver {
  readonly sessionId: number;
  /** receivers/receiver/name in /subscriptions */
  readonly name: string;
  /** access control (RFC 8341 section 3.4.6): an event as the receiver may get it, undefined when not at all */
  readonly access: (content: XmlElement) => XmlElement | undefined;
  /** access control (RFC 8341 section 3.4.5): the data nodes the receiver may read, others pruned */
  readonly reader: Reader;
  /** whether a notification message can be queued now */
  hasRoom(): boolean;
  send(xml: string): void;
  /** calls `fn` once what is queued has drained */
  whenDrained(fn: () => void): void;
}

/** RFC 8639 stream-filter-elements as the subscriber gave them (for /subscriptions and subscription-modified), and the test made of them. */
export interface StreamFilter {
  readonly given:
    | { readonly type: 'stream-subtree-filter'; readonly nodes: readonly XmlElement[] }
    | { readonly type: 'stream-xpath-filter'; readonly expression: string; readonly namespaces: Readonly<Record<string, string>> };
  readonly passes: NonNullable<EventSelection['filter']>;
}

/** An event stream and what of it (RFC 8639 choice target, case stream). */
export interface StreamTarget {
  readonly type: 'stream';
  readonly stream: NotificationStream;
  readonly filter?: StreamFilter;
  /** section 2.4.2.1, as revised to what the replay buffer holds */
  readonly replayStartTime?: Date;
}

/** What a subscription is to: an event stream (RFC 8639), or a datastore (RFC 8641). */
export type Target = StreamTarget | DatastoreTarget;

export interface SubscriptionLimits {
  /** netconf.max-subscriptions-per-session */
  readonly perSession: number;
  /** netconf.max-subscriptions */
  readonly total: number;
}

export interface EstablishRequest {
  readonly target: { readonly type: 'stream'; readonly stream: string; readonly filter?: StreamFilter; readonly replayStartTime?: Date } | DatastoreTarget;
  readonly stopTime?: Date;
}

/** The establish-subscription output. */
export interface Established {
  readonly id: number;
  readonly replayStartTimeRevision?: Date;
}

/** The modify-subscription input (subscription-policy-modifiable, RFC 8641 update-policy-modifiable): the new filter and stop-time, none where absent, and a datastore subscription's new trigger. */
export interface ModifyRequest {
  readonly target: { readonly type: 'stream'; readonly filter?: StreamFilter } | { readonly type: 'datastore'; readonly filter?: DatastoreFilter; readonly trigger?: ModifiableTrigger };
  readonly stopTime?: Date;
}

/** RFC 8641 section 4.2: the shortest period this server takes (centiseconds). */
export const MIN_PERIOD = 10;

/** RFC 8639 section 2.4.6 and RFC 8641 section 5 error identities this server gives, each with its module and error-tag (RFC 8640 section 7, Table 1). */
const ERRORS = {
  'filter-unsupported': { module: 'sn', tag: ErrorTag.invalidValue },
  'insufficient-resources': { module: 'sn', tag: ErrorTag.resourceDenied },
  'no-such-subscription': { module: 'sn', tag: ErrorTag.invalidValue },
  'replay-unsupported': { module: 'sn', tag: ErrorTag.operationNotSupported },
  'datastore-not-subscribable': { module: 'yp', tag: ErrorTag.invalidValue },
  'no-such-subscription-resync': { module: 'yp', tag: ErrorTag.invalidValue },
  'on-change-unsupported': { module: 'yp', tag: ErrorTag.operationNotSupported },
  'period-unsupported': { module: 'yp', tag: ErrorTag.invalidValue },
} as const;
export type SubscriptionErrorReason = keyof typeof ERRORS;
const MODULES = { sn: { ns: SN, name: 'ietf-subscribed-notifications' }, yp: { ns: YP, name: 'ietf-yang-push' } } as const;

/** The yang-data each RPC's errors carry in error-info, by target (RFC 8639 section 4, RFC 8641 section 4.4, RFC 8640 section 7). */
const ERROR_INFO = {
  'establish-subscription': { stream: [SN, 'establish-subscription-stream-error-info'], datastore: [YP, 'establish-subscription-datastore-error-info'] },
  'modify-subscription': { stream: [SN, 'modify-subscription-stream-error-info'], datastore: [YP, 'modify-subscription-datastore-error-info'] },
  'delete-subscription': { stream: [SN, 'delete-subscription-error-info'], datastore: [SN, 'delete-subscription-error-info'] },
  'kill-subscription': { stream: [SN, 'delete-subscription-error-info'], datastore: [SN, 'delete-subscription-error-info'] },
  'resync-subscription': { stream: [YP, 'resync-subscription-error'], datastore: [YP, 'resync-subscription-error'] },
} as const;
export type SubscriptionRpc = keyof typeof ERROR_INFO;

/** What an error says beyond its reason: the target it was about, and the hints of RFC 8639 and RFC 8641 (grouping hints). */
export interface ErrorHints {
  readonly target?: Target['type'];
  readonly periodHint?: number;
  readonly filterFailureHint?: string;
}

/** RFC 8639 section 2.7, subscription-suspended: why this server suspends a subscription. */
export type SuspendedReason = 'insufficient-resources';
/** RFC 8639 section 2.7, subscription-terminated: why this server terminates one (deleted, killed, or its stop-time reached: it is no more). */
export type TerminatedReason = 'no-such-subscription';

type ReceiverState = { readonly type: 'active' } | { readonly type: 'suspended'; readonly reason: SuspendedReason };

/** The state change notifications (RFC 8639 section 2.7) a subscription sends dynamic subscribers. */
type StateChange = 'replay-completed' | 'subscription-modified' | 'subscription-suspended' | 'subscription-resumed' | 'subscription-terminated';

/** An identityref leaf of `ns` with an identity of `module`, its prefix declared. */
function identity(name: string, value: string, module: keyof typeof MODULES = 'sn', ns: string = SN): XmlElement {
  const e = elem(ns, name, `${module}:${value}`);
  e.nsDecls = { [module]: MODULES[module].ns };
  return e;
}

/**
 * RFC 8640 section 7: error-type application, the error-tag of the identity,
 * the identity as error-app-tag (module:name) and in the RPC's yang-data in
 * error-info, with a hint where a filter failed.
 */
export function subscriptionError(rpc: SubscriptionRpc, reason: SubscriptionErrorReason, message: string, hints: ErrorHints = {}): NetconfRpcError {
  const { module, tag } = ERRORS[reason];
  const [ns, info] = ERROR_INFO[rpc][hints.target ?? 'stream'];
  const content = [identity('reason', reason, module, ns)];
  if (hints.periodHint !== undefined) content.push(elem(ns, 'period-hint', hints.periodHint));
  if (hints.filterFailureHint !== undefined) content.push(elem(ns, 'filter-failure-hint', hints.filterFailureHint));
  return new NetconfRpcError({ type: ErrorType.application, tag, appTag: `${MODULES[module].name}:${reason}`, info: { content: [elem(ns, info, content)] }, message });
}

/** RFC 8639 stop-time: later than replay-start-time, or without a replay in the future. */
function checkStopTime(stopTime: Date | undefined, replayStartTime: Date | undefined): void {
  if (!stopTime || stopTime > (replayStartTime ?? new Date())) return;
  const message = replayStartTime ? 'stop-time is not later than replay-start-time' : 'stop-time is not in the future';
  throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.invalidValue, info: { badElement: 'stop-time' }, message });
}

class Subscription implements StreamSubscriber {
  readonly madeBy = 'establish-subscription';
  state: ReceiverState = { type: 'active' };
  sentEventRecords = 0;
  excludedEventRecords = 0;
  /** state changes not yet told, each with the notification's leaves after id: in order, one of each at most */
  private readonly owed = new Map<StateChange, () => XmlElement[]>();
  private selection: EventSelection;
  /** a datastore subscription's updates (RFC 8641) */
  readonly updates?: DatastoreUpdates;
  private started = false;
  private ended = false;
  private waiting = false;
  private flushScheduled = false;
  private stopTimer?: NodeJS.Timeout;

  constructor(
    readonly id: number,
    readonly receiver: Receiver,
    public target: Target,
    private stopTime: Date | undefined,
    /** the last event published before it was established */
    private readonly since: number,
    private readonly stopTimeReached: (s: Subscription) => void,
    source: DatastoreSource,
  ) {
    this.selection = { filter: target.type === 'stream' ? target.filter?.passes : undefined, access: receiver.access };
    if (target.type === 'datastore') this.updates = new DatastoreUpdates(target, id, source, receiver.reader, (xml) => this.deliver(xml));
  }

  get sessionId(): number {
    return this.receiver.sessionId;
  }

  /**
   * After the reply to establish-subscription: the replay (section 2.4.2.1)
   * and replay-completed, or the events published since it was established;
   * then the events as they are published.
   */
  start(): void {
    if (this.ended) return;
    const target = this.target;
    if (target.type === 'stream') {
      const { stream, replayStartTime } = target;
      for (const ev of stream.stored()) if (replayStartTime ? ev.eventTime >= replayStartTime : ev.seq > this.since) this.offer(ev);
      if (replayStartTime) this.owe('replay-completed', () => []);
    }
    this.started = true;
    this.flush();
    this.updates?.start();
    this.armStop();
  }

  event(ev: StoredEvent): void {
    if (this.started) this.offer(ev);
  }

  /** modify-subscription (section 2.4.3): new terms, told in subscription-modified; a suspended subscription is active again. */
  modify(target: Target, stopTime: Date | undefined): void {
    this.target = target;
    this.selection = { filter: target.type === 'stream' ? target.filter?.passes : undefined, access: this.receiver.access };
    this.stopTime = stopTime;
    this.state = { type: 'active' };
    this.announce('subscription-modified', () => this.terms());
    if (target.type === 'datastore' && this.started) this.updates?.modify(target);
    this.armStop();
  }

  /** Ends it: with subscription-terminated (section 2.7) to follow, or silently when its session is gone. */
  end(reason?: TerminatedReason): void {
    this.ended = true;
    clearTimeout(this.stopTimer);
    this.updates?.halt();
    if (reason) this.announce('subscription-terminated', () => [identity('reason', reason)]);
    else this.owed.clear();
  }

  /** /subscriptions/subscription */
  stateElement(): XmlElement {
    const receiver = elem(SN, 'receiver', [
      elem(SN, 'name', this.receiver.name),
      elem(SN, 'sent-event-records', this.sentEventRecords),
      elem(SN, 'excluded-event-records', this.excludedEventRecords),
      elem(SN, 'state', this.state.type),
    ]);
    return elem(SN, 'subscription', [elem(SN, 'id', this.id), ...this.terms(), elem(SN, 'receivers', [receiver])]);
  }

  /** The subscription-policy leaves (section 4; RFC 8641 datastore-criteria and update-policy): its target, stop-time and encoding, in schema order, then the update trigger. */
  private terms(): XmlElement[] {
    const target = this.target;
    const out: XmlElement[] = [];
    if (target.type === 'stream') {
      const { stream, filter, replayStartTime } = target;
      if (filter) out.push(filterElement(SN, filter.given));
      out.push(elem(SN, 'stream', stream.name));
      if (replayStartTime) out.push(elem(SN, 'replay-start-time', replayStartTime.toISOString()));
    } else {
      const ds = elem(YP, 'datastore', `ds:${target.datastore}`);
      ds.nsDecls = { ds: NS.datastores };
      out.push(ds);
      if (target.filter) out.push(filterElement(YP, target.filter.given));
    }
    if (this.stopTime) out.push(elem(SN, 'stop-time', this.stopTime.toISOString()));
    out.push(identity('encoding', 'encode-xml'));
    if (target.type === 'datastore') out.push(triggerElement(target.trigger));
    return out;
  }

  /** One event of the stream: access control and the filter (counted when they exclude it), then delivered. */
  private offer(ev: StoredEvent): void {
    if (this.target.type !== 'stream' || this.state.type === 'suspended' || (this.stopTime && ev.eventTime > this.stopTime)) return;
    const xml = this.target.stream.notificationFor(this.selection, ev);
    if (xml === undefined) this.excludedEventRecords++;
    else this.deliver(xml);
  }

  /** A notification message: sent after the state changes owed, if there is room; else the subscription is suspended (section 2.7, subscription-suspended) and its updates stop. */
  private deliver(xml: string): boolean {
    if (!this.flush() || !this.receiver.hasRoom()) {
      const state = { type: 'suspended', reason: 'insufficient-resources' } as const;
      this.state = state;
      this.updates?.halt();
      this.owe('subscription-suspended', () => [identity('reason', state.reason)]);
      this.waitForRoom();
      return false;
    }
    this.receiver.send(xml);
    this.sentEventRecords++;
    return true;
  }

  private armStop(): void {
    clearTimeout(this.stopTimer);
    if (this.stopTime && this.started && !this.ended) atTime(this.stopTime, () => this.stopTimeReached(this), (t) => (this.stopTimer = t));
  }

  /** A state change to tell after those owed already (one owed again moves last). */
  private owe(change: StateChange, leaves: () => XmlElement[]): void {
    this.owed.delete(change);
    this.owed.set(change, leaves);
  }

  /** A state change an RPC made: told after the RPC's reply, in a later turn. */
  private announce(change: StateChange, leaves: () => XmlElement[]): void {
    this.owe(change, leaves);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Tells what is owed while there is room; false when some is left for the next drain. */
  private flush(): boolean {
    for (const [change, leaves] of this.owed) {
      if (!this.receiver.hasRoom()) {
        this.waitForRoom();
        return false;
      }
      this.owed.delete(change);
      this.receiver.send(notificationXml(elem(SN, change, [elem(SN, 'id', this.id), ...leaves()]), new Date()));
    }
    return true;
  }

  private waitForRoom(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.receiver.whenDrained(() => {
      this.waiting = false;
      this.drained();
    });
  }

  /** The receiver's queue drained: what is owed goes out, then a suspended subscription resumes (section 2.7, subscription-resumed). */
  private drained(): void {
    if (!this.flush() || this.state.type === 'active' || this.ended) return;
    if (!this.receiver.hasRoom()) return this.waitForRoom();
    this.state = { type: 'active' };
    this.owe('subscription-resumed', () => []);
    this.flush();
    this.updates?.resume();
  }
}

/** A filter as given: stream- or datastore-subtree-filter, stream- or datastore-xpath-filter with its prefixes. */
function filterElement(ns: string, given: StreamFilter['given'] | DatastoreFilter['given']): XmlElement {
  if (given.type === 'stream-subtree-filter' || given.type === 'datastore-subtree-filter') return elem(ns, given.type, [...given.nodes]);
  const e = elem(ns, given.type, given.expression);
  e.nsDecls = { ...given.namespaces };
  return e;
}

/** RFC 8641 update-trigger: periodic or on-change with its leaves. */
function triggerElement(t: UpdateTrigger): XmlElement {
  if (t.type === 'periodic') {
    const c = [elem(YP, 'period', t.period)];
    if (t.anchorTime) c.push(elem(YP, 'anchor-time', t.anchorTime.toISOString()));
    return elem(YP, 'periodic', c);
  }
  return elem(YP, 'on-change', [elem(YP, 'dampening-period', t.dampeningPeriod), elem(YP, 'sync-on-start', t.syncOnStart), ...t.excludedChange.map((x) => elem(YP, 'excluded-change', x))]);
}

export class DynamicSubscriptions {
  private readonly byId = new Map<number, Subscription>();
  private lastId = 0;

  constructor(
    private readonly streams: readonly NotificationStream[],
    private readonly limits: SubscriptionLimits,
    private readonly source: DatastoreSource,
  ) {}

  /**
   * establish-subscription (RFC 8639 section 2.4.2): the subscription is
   * there at once; what it sends starts in a later turn, after the reply.
   */
  establish(receiver: Receiver, req: EstablishRequest): Established {
    // RFC 8640 section 3: not beside a <create-subscription> on one session
    if (this.streams.some((s) => s.subscribedBy(receiver.sessionId) === 'create-subscription')) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.operationNotSupported, message: 'this session has a <create-subscription> subscription: no establish-subscription beside it (RFC 8640 section 3)' });
    }
    const own = this.ofSession(receiver.sessionId).length;
    if (own >= this.limits.perSession) throw subscriptionError('establish-subscription', 'insufficient-resources', `this session has ${own} subscriptions, as many as it may (netconf.max-subscriptions-per-session)`);
    if (this.byId.size >= this.limits.total) throw subscriptionError('establish-subscription', 'insufficient-resources', `the server has ${this.byId.size} subscriptions, as many as it may (netconf.max-subscriptions)`);
    if (req.target.type === 'datastore') {
      this.checkTrigger('establish-subscription', req.target);
      checkStopTime(req.stopTime, undefined);
      return { id: this.add(receiver, req.target, req.stopTime, 0).id };
    }
    const { stream: name } = req.target;
    const stream = this.streams.find((s) => s.name === name);
    if (!stream) throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.invalidValue, info: { badElement: 'stream' }, message: `no event stream ${name}` });
    let replayStartTime = req.target.replayStartTime;
    let replayStartTimeRevision: Date | undefined;
    if (replayStartTime) {
      if (!stream.replaySupport) throw subscriptionError('establish-subscription', 'replay-unsupported', `the ${stream.name} stream keeps no events to replay`);
      if (replayStartTime.getTime() >= Date.now()) throw subscriptionError('establish-subscription', 'replay-unsupported', 'replay-start-time is not in the past');
      // section 2.4.2.1: a start before what the buffer holds is revised to its start
      const earliest = stream.replayLogAgedTime ?? stream.replayLogCreationTime;
      if (replayStartTime < earliest) replayStartTime = replayStartTimeRevision = earliest;
    }
    checkStopTime(req.stopTime, req.target.replayStartTime);
    const sub = this.add(receiver, { type: 'stream', stream, filter: req.target.filter, replayStartTime }, req.stopTime, stream.lastSeq);
    stream.add(sub);
    return { id: sub.id, replayStartTimeRevision };
  }

  /** modify-subscription (section 2.4.3): the session's own subscriptions only, their target's kind unchanged. */
  modify(sessionId: number, id: number, change: ModifyRequest): void {
    const sub = this.own('modify-subscription', sessionId, id);
    const current = sub.target;
    const wanted = change.target;
    let target: Target;
    if (current.type === 'stream' && wanted.type === 'stream') {
      checkStopTime(change.stopTime, current.replayStartTime);
      target = { ...current, filter: wanted.filter };
    } else if (current.type === 'datastore' && wanted.type === 'datastore') {
      // RFC 8641 update-policy-modifiable: the filter, the period or dampening-period; the datastore, the trigger's kind and its other leaves stay
      const trigger = modifiedTrigger(current.trigger, wanted.trigger);
      if (!trigger) {
        const message = `subscription ${id} is ${current.trigger.type}: modify-subscription cannot make it ${wanted.trigger?.type ?? ''}`;
        throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.invalidValue, info: { badElement: wanted.trigger?.type ?? 'update-trigger' }, message });
      }
      target = { ...current, filter: wanted.filter, trigger };
      this.checkTrigger('modify-subscription', target);
      checkStopTime(change.stopTime, undefined);
    } else {
      throw subscriptionError('modify-subscription', 'no-such-subscription', `subscription ${id} is to ${current.type === 'stream' ? 'an event stream' : 'a datastore'}, not ${wanted.type === 'stream' ? 'an event stream' : 'a datastore'}`, { target: wanted.type });
    }
    sub.modify(target, change.stopTime);
  }

  /** RFC 8641 section 4.4.5 resync-subscription: an on-change subscription of the session sends its whole selection in a push-update. */
  resync(sessionId: number, id: number): void {
    const sub = this.byId.get(id);
    if (!sub || sub.sessionId !== sessionId || sub.target.type !== 'datastore' || sub.target.trigger.type !== 'on-change') {
      throw subscriptionError('resync-subscription', 'no-such-subscription-resync', `this session has no on-change subscription ${id}`, { target: 'datastore' });
    }
    setImmediate(() => sub.updates?.resync());
  }

  /**
   * A change to what a datastore holds: under the top-level node (ns, name)
   * of the operational state, or of running (which <operational> holds too);
   * each on-change subscription that may select it looks again (RFC 8641
   * section 3.3). A change to the access control rules may change any
   * selection (section 3.9).
   */
  changed(datastore: 'running' | 'operational', ns: string, name: string): void {
    const anything = datastore === 'running' && ns === NS.nacm;
    for (const sub of this.byId.values()) {
      const t = sub.target;
      if (t.type !== 'datastore' || t.trigger.type !== 'on-change') continue;
      if (anything || ((datastore === 'running' || t.datastore === 'operational') && (!t.filter || mayReach(t.filter.filter, ns, name)))) sub.updates?.changed();
    }
  }

  /** delete-subscription (section 2.4.4): the session's own subscriptions only. */
  delete(sessionId: number, id: number): void {
    this.terminate(this.own('delete-subscription', sessionId, id), 'no-such-subscription');
  }

  /** kill-subscription (section 2.4.5): the subscription of whichever session holds it (access control decides who may). */
  kill(id: number): void {
    const sub = this.byId.get(id);
    if (!sub) throw subscriptionError('kill-subscription', 'no-such-subscription', `no subscription ${id}`);
    this.terminate(sub, 'no-such-subscription');
  }

  /** RFC 8640 section 5: a session's end ends its subscriptions. */
  sessionEnded(sessionId: number): void {
    for (const sub of this.ofSession(sessionId)) this.remove(sub).end();
  }

  /** RFC 8639 /streams */
  streamsState(): XmlElement {
    return elem(
      SN,
      'streams',
      this.streams.map((s) => {
        const c = [elem(SN, 'name', s.name), elem(SN, 'description', s.description)];
        if (s.replaySupport) {
          c.push(elem(SN, 'replay-support'), elem(SN, 'replay-log-creation-time', s.replayLogCreationTime.toISOString()));
          if (s.replayLogAgedTime) c.push(elem(SN, 'replay-log-aged-time', s.replayLogAgedTime.toISOString()));
        }
        return elem(SN, 'stream', c);
      }),
    );
  }

  /** RFC 8639 /subscriptions: the dynamic subscriptions */
  subscriptionsState(): XmlElement {
    return elem(SN, 'subscriptions', [...this.byId.values()].map((s) => s.stateElement()));
  }

  private ofSession(sessionId: number): Subscription[] {
    return [...this.byId.values()].filter((s) => s.sessionId === sessionId);
  }

  /** A subscription of the session: another session's is no such subscription for it (section 2.4.6). */
  private own(rpc: 'modify-subscription' | 'delete-subscription', sessionId: number, id: number): Subscription {
    const sub = this.byId.get(id);
    if (!sub || sub.sessionId !== sessionId) throw subscriptionError(rpc, 'no-such-subscription', `this session has no subscription ${id}`);
    return sub;
  }

  /** RFC 8641 section 4.2: a period this server can keep, and on-change only where changes are signalled (section 3.10). */
  private checkTrigger(rpc: 'establish-subscription' | 'modify-subscription', target: DatastoreTarget): void {
    const { trigger } = target;
    if (trigger.type === 'periodic' && trigger.period < MIN_PERIOD) {
      throw subscriptionError(rpc, 'period-unsupported', `the shortest period is ${MIN_PERIOD} centiseconds`, { target: 'datastore', periodHint: MIN_PERIOD });
    }
    const filter: Filter | undefined = target.filter?.filter;
    const unsupported = trigger.type === 'on-change' ? this.source.onChangeUnsupported(target.datastore, filter) : undefined;
    if (unsupported !== undefined && rpc === 'establish-subscription') {
      throw subscriptionError(rpc, 'on-change-unsupported', `${unsupported} does not support on-change: it changes too often (or its changes are not signalled); subscribe to it periodically, or select less`, { target: 'datastore' });
    }
    if (unsupported !== undefined) throw subscriptionError(rpc, 'filter-unsupported', `${unsupported} does not support on-change`, { target: 'datastore', filterFailureHint: `${unsupported} does not support on-change` });
  }

  /** A new subscription, started after the reply (in a later turn). */
  private add(receiver: Receiver, target: Target, stopTime: Date | undefined, since: number): Subscription {
    const sub = new Subscription(this.nextId(), receiver, target, stopTime, since, (s) => this.terminate(s, 'no-such-subscription'), this.source);
    this.byId.set(sub.id, sub);
    setImmediate(() => sub.start());
    return sub;
  }

  private terminate(sub: Subscription, reason: TerminatedReason): void {
    this.remove(sub).end(reason);
  }

  private remove(sub: Subscription): Subscription {
    this.byId.delete(sub.id);
    if (sub.target.type === 'stream') sub.target.stream.remove(sub);
    return sub;
  }

  /** The next subscription-id not in use. */
  private nextId(): number {
    do this.lastId = this.lastId >= MAX_ID ? 1 : this.lastId + 1;
    while (this.byId.has(this.lastId));
    return this.lastId;
  }
}
