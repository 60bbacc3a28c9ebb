// RFC 5277 event notifications: the NETCONF stream, its bounded replay buffer,
// and per-session subscriptions with filter, startTime and stopTime.
import { NS } from '../model/namespaces';
import { notificationMatches } from './subtree-filter';
import { elem, serialize, XmlElement } from '../model/xml';

export interface StoredEvent {
  readonly eventTime: Date;
  readonly content: XmlElement;
  /** the serialized <notification>, made once and shared by every subscriber */
  readonly xml: string;
}

export interface SubscriptionRequest {
  readonly sessionId: number;
  readonly filter?: readonly XmlElement[];
  readonly startTime?: Date;
  readonly stopTime?: Date;
  /** writes a serialized <notification> to the session */
  readonly deliver: (xml: string) => void;
  /** access control (RFC 8341 section 3.4.6): an event as this subscriber may receive it, undefined when not at all */
  readonly access?: (content: XmlElement) => XmlElement | undefined;
}

interface Subscription extends SubscriptionRequest {
  stopTimer?: NodeJS.Timeout;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const timestamp = (d: Date): string => d.toISOString();

/** RFC 5277 section 4: <notification><eventTime/>content</notification>. */
export function notificationXml(content: XmlElement, eventTime: Date): string {
  return serialize(elem(NS.notification, 'notification', [elem(NS.notification, 'eventTime', timestamp(eventTime)), content]));
}

export class NotificationStream {
  readonly replayLogCreationTime = new Date();
  private readonly replay: StoredEvent[] = [];
  private replayStart = 0;
  private readonly subscriptions = new Map<number, Subscription>();

  constructor(
    readonly name: string,
    readonly description: string,
    private readonly replayLimit: number,
  ) {}

  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  isSubscribed(sessionId: number): boolean {
    return this.subscriptions.has(sessionId);
  }

  publish(content: XmlElement, eventTime = new Date()): void {
    const event: StoredEvent = { eventTime, content, xml: notificationXml(content, eventTime) };
    if (this.replayLimit > 0) {
      this.replay.push(event);
      // drop the oldest in batches so the buffer stays bounded without O(n) shifts
      if (this.replay.length - this.replayStart > this.replayLimit) this.replayStart++;
      if (this.replayStart > 1024 && this.replayStart * 2 > this.replay.length) {
        this.replay.splice(0, this.replayStart);
        this.replayStart = 0;
      }
    }
    for (const sub of this.subscriptions.values()) {
      if (sub.stopTime && eventTime > sub.stopTime) continue;
      const xml = this.notificationFor(sub, event);
      if (xml !== undefined) sub.deliver(xml);
    }
  }

  /**
   * Starts a subscription (RFC 5277 section 2.1.1). Call it after the reply to
   * create-subscription is written: replayed events, replayComplete and, for a
   * stopTime already past, notificationComplete follow at once.
   */
  subscribe(req: SubscriptionRequest): void {
    const sub: Subscription = { ...req };
    if (req.startTime) {
      const start = req.startTime;
      for (let i = this.replayStart; i < this.replay.length; i++) {
        const ev = this.replay[i];
        if (ev.eventTime < start || (req.stopTime && ev.eventTime > req.stopTime)) continue;
        const xml = this.notificationFor(sub, ev);
        if (xml !== undefined) req.deliver(xml);
      }
      req.deliver(notificationXml(elem(NS.netmod, 'replayComplete'), new Date()));
    }
    if (req.stopTime) {
      const stop = req.stopTime.getTime();
      if (stop <= Date.now()) {
        req.deliver(notificationXml(elem(NS.netmod, 'notificationComplete'), new Date()));
        return;
      }
      const arm = (): void => {
        const wait = stop - Date.now();
        if (wait > 0) {
          sub.stopTimer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
          return;
        }
        this.subscriptions.delete(req.sessionId);
        req.deliver(notificationXml(elem(NS.netmod, 'notificationComplete'), new Date()));
      };
      arm();
    }
    this.subscriptions.set(req.sessionId, sub);
  }

  unsubscribe(sessionId: number): void {
    const sub = this.subscriptions.get(sessionId);
    if (sub?.stopTimer) clearTimeout(sub.stopTimer);
    this.subscriptions.delete(sessionId);
  }

  /**
   * The <notification> a subscriber gets of an event, if any: access control
   * first, then the subscriber's filter over what it may see (a filter must
   * not select by what access control removed). Serialized once for all
   * unless access control removed something.
   */
  private notificationFor(sub: SubscriptionRequest, ev: StoredEvent): string | undefined {
    const content = sub.access ? sub.access(ev.content) : ev.content;
    if (!content || (sub.filter && !notificationMatches(sub.filter, content))) return undefined;
    return content === ev.content ? ev.xml : notificationXml(content, ev.eventTime);
  }
}
