// The NETCONF event stream (RFC 5277 section 3.2.3, RFC 8639 section 2.1):
// the publisher with its bounded replay buffer, and the subscriptions told
// of each event: RFC 5277 <create-subscription> ones (here, one per session,
// with filter, startTime and stopTime) and RFC 8639 dynamic ones
// (subscriptions.ts).
import { NS } from '../model/namespaces';
import { elem, serialize, XmlElement } from '../model/xml';

export interface StoredEvent {
  /** publication order, from 1 */
  readonly seq: number;
  readonly eventTime: Date;
  readonly content: XmlElement;
  /** the serialized <notification>, made once and shared by every subscriber */
  readonly xml: string;
}

/** What a subscriber receives of each event (RFC 5277 section 3.6, RFC 8639 section 2.2). */
export interface EventSelection {
  /** RFC 5277 section 3.6: does an event's content pass the subscriber's filter (filter.ts notificationPasses)? */
  readonly filter?: (content: XmlElement) => boolean;
  /** access control (RFC 8341 section 3.4.6): an event as this subscriber may receive it, undefined when not at all */
  readonly access?: (content: XmlElement) => XmlElement | undefined;
}

/** A subscription on the stream, told of each event published while it is on. */
export interface StreamSubscriber {
  readonly sessionId: number;
  /** the operation that made it: RFC 8640 section 3 keeps a session to one of them */
  readonly madeBy: 'create-subscription' | 'establish-subscription';
  event(ev: StoredEvent): void;
}

/** An RFC 5277 subscription (section 2.1.1). */
export interface SubscriptionRequest extends EventSelection {
  readonly sessionId: number;
  readonly startTime?: Date;
  readonly stopTime?: Date;
  /** writes a serialized <notification> to the session */
  readonly deliver: (xml: string) => void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const timestamp = (d: Date): string => d.toISOString();

/** RFC 5277 section 4: <notification><eventTime/>content</notification>. */
export function notificationXml(content: XmlElement, eventTime: Date): string {
  return serialize(elem(NS.notification, 'notification', [elem(NS.notification, 'eventTime', timestamp(eventTime)), content]));
}

/** Calls `fn` at `time` (now if it is past), through timers of at most MAX_TIMER_MS; the handle to clear is kept by `hold`. */
export function atTime(time: Date, fn: () => void, hold: (t: NodeJS.Timeout) => void): void {
  const wait = time.getTime() - Date.now();
  if (wait <= 0) fn();
  else hold(setTimeout(() => atTime(time, fn, hold), Math.min(wait, MAX_TIMER_MS)));
}

class EventSubscription implements StreamSubscriber {
  readonly madeBy = 'create-subscription';
  stopTimer?: NodeJS.Timeout;

  constructor(
    private readonly stream: NotificationStream,
    readonly req: SubscriptionRequest,
  ) {}

  get sessionId(): number {
    return this.req.sessionId;
  }

  event(ev: StoredEvent): void {
    if (this.req.stopTime && ev.eventTime > this.req.stopTime) return;
    const xml = this.stream.notificationFor(this.req, ev);
    if (xml !== undefined) this.req.deliver(xml);
  }
}

export class NotificationStream {
  readonly replayLogCreationTime = new Date();
  private readonly replay: StoredEvent[] = [];
  private replayStart = 0;
  private agedTime?: Date;
  private seq = 0;
  private readonly subscribers = new Set<StreamSubscriber>();
  /** RFC 5277 subscriptions by session */
  private readonly eventSubscriptions = new Map<number, EventSubscription>();

  constructor(
    readonly name: string,
    readonly description: string,
    private readonly replayLimit: number,
  ) {}

  /** RFC 8639 replay-support: the stream keeps events to replay. */
  get replaySupport(): boolean {
    return this.replayLimit > 0;
  }

  /** RFC 8639 replay-log-aged-time: the event time of the last event aged out of the replay buffer. */
  get replayLogAgedTime(): Date | undefined {
    return this.agedTime;
  }

  /** The seq of the last event published, 0 before the first. */
  get lastSeq(): number {
    return this.seq;
  }

  /** The events of the replay buffer, oldest first. */
  *stored(): Generator<StoredEvent> {
    for (let i = this.replayStart; i < this.replay.length; i++) yield this.replay[i];
  }

  /** What made the session's subscriptions, undefined when it has none. */
  subscribedBy(sessionId: number): StreamSubscriber['madeBy'] | undefined {
    for (const s of this.subscribers) if (s.sessionId === sessionId) return s.madeBy;
    return undefined;
  }

  add(subscriber: StreamSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: StreamSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  publish(content: XmlElement, eventTime = new Date()): void {
    const event: StoredEvent = { seq: ++this.seq, eventTime, content, xml: notificationXml(content, eventTime) };
    if (this.replayLimit > 0) {
      this.replay.push(event);
      // drop the oldest in batches so the buffer stays bounded without O(n) shifts
      if (this.replay.length - this.replayStart > this.replayLimit) this.agedTime = this.replay[this.replayStart++].eventTime;
      if (this.replayStart > 1024 && this.replayStart * 2 > this.replay.length) {
        this.replay.splice(0, this.replayStart);
        this.replayStart = 0;
      }
    }
    for (const sub of this.subscribers) sub.event(event);
  }

  isSubscribed(sessionId: number): boolean {
    return this.eventSubscriptions.has(sessionId);
  }

  /**
   * Starts an RFC 5277 subscription (section 2.1.1). Call it after the reply
   * to create-subscription is written: replayed events, replayComplete and,
   * for a stopTime already past, notificationComplete follow at once.
   */
  subscribe(req: SubscriptionRequest): void {
    const sub = new EventSubscription(this, req);
    if (req.startTime) {
      const start = req.startTime;
      for (const ev of this.stored()) if (ev.eventTime >= start) sub.event(ev);
      req.deliver(notificationXml(elem(NS.netmod, 'replayComplete'), new Date()));
    }
    if (req.stopTime) {
      if (req.stopTime.getTime() <= Date.now()) {
        req.deliver(notificationXml(elem(NS.netmod, 'notificationComplete'), new Date()));
        return;
      }
      atTime(
        req.stopTime,
        () => {
          this.unsubscribe(req.sessionId);
          req.deliver(notificationXml(elem(NS.netmod, 'notificationComplete'), new Date()));
        },
        (t) => (sub.stopTimer = t),
      );
    }
    this.eventSubscriptions.set(req.sessionId, sub);
    this.add(sub);
  }

  unsubscribe(sessionId: number): void {
    const sub = this.eventSubscriptions.get(sessionId);
    if (!sub) return;
    clearTimeout(sub.stopTimer);
    this.eventSubscriptions.delete(sessionId);
    this.remove(sub);
  }

  /**
   * The <notification> a subscriber gets of an event, if any: access control
   * first, then the subscriber's filter over what it may see (a filter must
   * not select by what access control removed). Serialized once for all
   * unless access control removed something.
   */
  notificationFor(sub: EventSelection, ev: StoredEvent): string | undefined {
    const content = sub.access ? sub.access(ev.content) : ev.content;
    if (!content || (sub.filter && !sub.filter(content))) return undefined;
    return content === ev.content ? ev.xml : notificationXml(content, ev.eventTime);
  }
}
