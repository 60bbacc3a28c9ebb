// RFC 8639 dynamic subscriptions (section 2.4), transport-free. A subscriber
// establishes them on its session, which is their one receiver; the server
// assigns their ids and bounds their number per session and in all. Each is
// to a target: an event stream (section 2.1) with its filter and replay
// start; RFC 8641 adds datastores as another case of Target. Each has a
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
import { atTime, EventSelection, NotificationStream, notificationXml, StoredEvent, StreamSubscriber } from './notifications';

const SN = NS.subscribedNotifications;
const MAX_ID = 2 ** 32 - 1; // subscription-id is a uint32

/** The session a subscription was established on, as its receiver. */
export interface Receiver {
  readonly sessionId: number;
  /** receivers/receiver/name in /subscriptions */
  readonly name: string;
  /** access control (RFC 8341 section 3.4.6): an event as the receiver may get it, undefined when not at all */
  readonly access: (content: XmlElement) => XmlElement | undefined;
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

/** What a subscription is to: RFC 8641 YANG-Push adds a datastore case, with its own start() and source of messages beside offer(). */
export type Target = StreamTarget;

export interface SubscriptionLimits {
  /** netconf.max-subscriptions-per-session */
  readonly perSession: number;
  /** netconf.max-subscriptions */
  readonly total: number;
}

export interface EstablishRequest {
  readonly stream: string;
  readonly filter?: StreamFilter;
  readonly stopTime?: Date;
  readonly replayStartTime?: Date;
}

/** The establish-subscription output. */
export interface Established {
  readonly id: number;
  readonly replayStartTimeRevision?: Date;
}

/** The modify-subscription input (subscription-policy-modifiable): the new filter and stop-time, none where absent. */
export interface ModifyRequest {
  readonly filter?: StreamFilter;
  readonly stopTime?: Date;
}

/** RFC 8639 section 2.4.6 error identities this server gives, each with its error-tag (RFC 8640 section 7, Table 1). */
const ERROR_TAGS = {
  'filter-unsupported': ErrorTag.invalidValue,
  'insufficient-resources': ErrorTag.resourceDenied,
  'no-such-subscription': ErrorTag.invalidValue,
  'replay-unsupported': ErrorTag.operationNotSupported,
} as const;
export type SubscriptionErrorReason = keyof typeof ERROR_TAGS;

/** The yang-data each RPC's errors carry in error-info (RFC 8639 section 4, RFC 8640 section 7). */
const ERROR_INFO = {
  'establish-subscription': 'establish-subscription-stream-error-info',
  'modify-subscription': 'modify-subscription-stream-error-info',
  'delete-subscription': 'delete-subscription-error-info',
  'kill-subscription': 'delete-subscription-error-info',
} as const;
export type SubscriptionRpc = keyof typeof ERROR_INFO;

/** RFC 8639 section 2.7, subscription-suspended: why this server suspends a subscription. */
export type SuspendedReason = 'insufficient-resources';
/** RFC 8639 section 2.7, subscription-terminated: why this server terminates one (deleted, killed, or its stop-time reached: it is no more). */
export type TerminatedReason = 'no-such-subscription';

type ReceiverState = { readonly type: 'active' } | { readonly type: 'suspended'; readonly reason: SuspendedReason };

/** The state change notifications (RFC 8639 section 2.7) a subscription sends dynamic subscribers. */
type StateChange = 'replay-completed' | 'subscription-modified' | 'subscription-suspended' | 'subscription-resumed' | 'subscription-terminated';

/** An identityref leaf of ietf-subscribed-notifications, its prefix declared. */
function identity(name: string, value: string): XmlElement {
  const e = elem(SN, name, `sn:${value}`);
  e.nsDecls = { sn: SN };
  return e;
}

/**
 * RFC 8640 section 7: error-type application, the error-tag of the identity,
 * the identity as error-app-tag (module:name) and in the RPC's yang-data in
 * error-info, with a hint where a filter failed.
 */
export function subscriptionError(rpc: SubscriptionRpc, reason: SubscriptionErrorReason, message: string, filterFailureHint?: string): NetconfRpcError {
  const content = [identity('reason', reason)];
  if (filterFailureHint !== undefined) content.push(elem(SN, 'filter-failure-hint', filterFailureHint));
  return new NetconfRpcError({ type: ErrorType.application, tag: ERROR_TAGS[reason], appTag: `ietf-subscribed-notifications:${reason}`, info: { content: [elem(SN, ERROR_INFO[rpc], content)] }, message });
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
  ) {
    this.selection = { filter: target.filter?.passes, access: receiver.access };
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
    const { stream, replayStartTime } = this.target;
    for (const ev of stream.stored()) if (replayStartTime ? ev.eventTime >= replayStartTime : ev.seq > this.since) this.offer(ev);
    if (replayStartTime) this.owe('replay-completed', () => []);
    this.started = true;
    this.flush();
    this.armStop();
  }

  event(ev: StoredEvent): void {
    if (this.started) this.offer(ev);
  }

  /** modify-subscription (section 2.4.3): new terms, told in subscription-modified; a suspended subscription is active again. */
  modify(change: ModifyRequest): void {
    this.target = { ...this.target, filter: change.filter };
    this.selection = { filter: change.filter?.passes, access: this.receiver.access };
    this.stopTime = change.stopTime;
    this.state = { type: 'active' };
    this.announce('subscription-modified', () => this.terms());
    this.armStop();
  }

  /** Ends it: with subscription-terminated (section 2.7) to follow, or silently when its session is gone. */
  end(reason?: TerminatedReason): void {
    this.ended = true;
    clearTimeout(this.stopTimer);
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

  /** The subscription-policy leaves (section 4): its filter, stream, replay-start-time, stop-time and encoding, in schema order. */
  private terms(): XmlElement[] {
    const { stream, filter, replayStartTime } = this.target;
    const out: XmlElement[] = [];
    if (filter?.given.type === 'stream-subtree-filter') out.push(elem(SN, 'stream-subtree-filter', [...filter.given.nodes]));
    if (filter?.given.type === 'stream-xpath-filter') {
      const e = elem(SN, 'stream-xpath-filter', filter.given.expression);
      e.nsDecls = { ...filter.given.namespaces };
      out.push(e);
    }
    out.push(elem(SN, 'stream', stream.name));
    if (replayStartTime) out.push(elem(SN, 'replay-start-time', replayStartTime.toISOString()));
    if (this.stopTime) out.push(elem(SN, 'stop-time', this.stopTime.toISOString()));
    out.push(identity('encoding', 'encode-xml'));
    return out;
  }

  /** One event of the stream: access control and the filter (counted when they exclude it), then delivered. */
  private offer(ev: StoredEvent): void {
    if (this.state.type === 'suspended' || (this.stopTime && ev.eventTime > this.stopTime)) return;
    const xml = this.target.stream.notificationFor(this.selection, ev);
    if (xml === undefined) this.excludedEventRecords++;
    else this.deliver(xml);
  }

  /** A notification message: sent after the state changes owed, if there is room; else the subscription is suspended (section 2.7, subscription-suspended). */
  private deliver(xml: string): void {
    if (!this.flush() || !this.receiver.hasRoom()) {
      const state = { type: 'suspended', reason: 'insufficient-resources' } as const;
      this.state = state;
      this.owe('subscription-suspended', () => [identity('reason', state.reason)]);
      this.waitForRoom();
      return;
    }
    this.receiver.send(xml);
    this.sentEventRecords++;
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
  }
}

export class DynamicSubscriptions {
  private readonly byId = new Map<number, Subscription>();
  private lastId = 0;

  constructor(
    private readonly streams: readonly NotificationStream[],
    private readonly limits: SubscriptionLimits,
  ) {}

  /**
   * establish-subscription (RFC 8639 section 2.4.2): the subscription is
   * there at once; what it sends starts in a later turn, after the reply.
   */
  establish(receiver: Receiver, req: EstablishRequest): Established {
    const stream = this.streams.find((s) => s.name === req.stream);
    if (!stream) throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.invalidValue, info: { badElement: 'stream' }, message: `no event stream ${req.stream}` });
    // RFC 8640 section 3: not beside a <create-subscription> on one session
    if (this.streams.some((s) => s.subscribedBy(receiver.sessionId) === 'create-subscription')) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.operationNotSupported, message: 'this session has a <create-subscription> subscription: no establish-subscription beside it (RFC 8640 section 3)' });
    }
    const own = this.ofSession(receiver.sessionId).length;
    if (own >= this.limits.perSession) throw subscriptionError('establish-subscription', 'insufficient-resources', `this session has ${own} subscriptions, as many as it may (netconf.max-subscriptions-per-session)`);
    if (this.byId.size >= this.limits.total) throw subscriptionError('establish-subscription', 'insufficient-resources', `the server has ${this.byId.size} subscriptions, as many as it may (netconf.max-subscriptions)`);
    let replayStartTime = req.replayStartTime;
    let replayStartTimeRevision: Date | undefined;
    if (replayStartTime) {
      if (!stream.replaySupport) throw subscriptionError('establish-subscription', 'replay-unsupported', `the ${stream.name} stream keeps no events to replay`);
      if (replayStartTime.getTime() >= Date.now()) throw subscriptionError('establish-subscription', 'replay-unsupported', 'replay-start-time is not in the past');
      // section 2.4.2.1: a start before what the buffer holds is revised to its start
      const earliest = stream.replayLogAgedTime ?? stream.replayLogCreationTime;
      if (replayStartTime < earliest) replayStartTime = replayStartTimeRevision = earliest;
    }
    checkStopTime(req.stopTime, req.replayStartTime);
    const target: Target = { type: 'stream', stream, filter: req.filter, replayStartTime };
    const sub = new Subscription(this.nextId(), receiver, target, req.stopTime, stream.lastSeq, (s) => this.terminate(s, 'no-such-subscription'));
    this.byId.set(sub.id, sub);
    stream.add(sub);
    setImmediate(() => sub.start());
    return { id: sub.id, replayStartTimeRevision };
  }

  /** modify-subscription (section 2.4.3): the session's own subscriptions only. */
  modify(sessionId: number, id: number, change: ModifyRequest): void {
    const sub = this.own('modify-subscription', sessionId, id);
    checkStopTime(change.stopTime, sub.target.replayStartTime);
    sub.modify(change);
  }

  /** delete-subscription (section 2.4.4): the session's own subscriptions only. */
  delete(sessionId: number, id: number): void {
    this.terminate(this.own('delete-subscription', sessionId, id), 'no-such-subscription');
  }

  /** kill-subscription (section 2.4.5): any session's (access control decides who may). */
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

  private terminate(sub: Subscription, reason: TerminatedReason): void {
    this.remove(sub).end(reason);
  }

  private remove(sub: Subscription): Subscription {
    this.byId.delete(sub.id);
    sub.target.stream.remove(sub);
    return sub;
  }

  /** The next subscription-id not in use. */
  private nextId(): number {
    do this.lastId = this.lastId >= MAX_ID ? 1 : this.lastId + 1;
    while (this.byId.has(this.lastId));
    return this.lastId;
  }
}
