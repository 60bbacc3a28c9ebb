// NETCONF session core (RFC 6241 section 8.1 hello exchange, RFC 6242 framing).
// No I/O: the transport adapter feeds received bytes and is given onWrite.
import { FrameDecoder, FrameWriter, FramingError } from './framing';
import { BudgetHolder, InputBudget } from './input-budget';
import { CAPABILITY, NS } from '../model/namespaces';
import { parseXml, serialize, XmlElement, XmlLimits, XmlParseError, elem } from '../model/xml';
import { Logger } from '../log';

/** RFC 6470 termination-reason values. */
export type TerminationReason = 'closed' | 'killed' | 'dropped' | 'timeout' | 'bad-hello' | 'other';

export interface SessionLimits {
  maxMessageBytes: number;
  /** received RPCs waiting to be handled before input is paused */
  maxPendingRpcs: number;
  /** notifications waiting behind a backpressured transport before the session is ended */
  maxQueuedNotifications: number;
  xml: XmlLimits;
  /** a client hello not received after this long ends the session (RFC 6470 termination-reason timeout) */
  helloTimeoutMs: number;
}

export interface SessionTransport {
  /** false when the transport is backpressured: call drained() when it may be written again */
  write(data: Buffer): boolean;
  /** stop / resume reading from the peer */
  pause(): void;
  resume(): void;
  /** end the transport; the adapter then calls closed() */
  end(): void;
}

/** The serialized <rpc-reply>, or its promise when the reply waits for the operation's change to be saved. */
export type RpcOutcome = string | { readonly reply: Promise<string> };

/** Handles one <rpc>; an outcome known at once is returned as it is, not as a promise. */
export type RpcHandler = (session: NetconfSession, message: Buffer) => RpcOutcome | Promise<RpcOutcome>;

export interface SessionEvents {
  /** the hello exchange completed */
  onEstablished(session: NetconfSession): void;
  /** the session ended (transport gone or closed by us) */
  onEnded(session: NetconfSession, reason: TerminationReason, killedBy?: number): void;
}

/** replies waiting to be saved while later requests are handled */
const MAX_UNSENT_REPLIES = 64;

/** above this many corked bytes a write goes out at once */
const CORK_BYTES = 64 * 1024;

type State = 'hello-wait' | 'established' | 'closing' | 'ended';

export class NetconfSession implements BudgetHolder {
  readonly loginTime = new Date();
  readonly counters = { inRpcs: 0, inBadRpcs: 0, outRpcErrors: 0, outNotifications: 0 };
  clientCapabilities: readonly string[] = [];
  private state: State = 'hello-wait';
  private readonly decoder: FrameDecoder;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private helloTimer?: NodeJS.Timeout;
  private processing = false;
  private paused = false;
  private backpressured = false;
  /** frames waiting to be written: corked for the rest of this turn, or behind backpressure */
  private readonly outbox = new FrameWriter('eom');
  private flushScheduled = false;
  private queuedNotifications = 0;
  private endReason: TerminationReason = 'dropped';
  private killedBy?: number;
  private waitDrain?: () => void;
  /** whenDrained() callers (one per suspended RFC 8639 subscription at most) */
  private readonly drainWaiters: (() => void)[] = [];
  /** what the input budget was last told this session holds */
  private accounted = 0;

  constructor(
    readonly id: number,
    readonly username: string,
    readonly sourceHost: string,
    private readonly serverCapabilities: readonly string[],
    private readonly limits: SessionLimits,
    private readonly inputBudget: InputBudget,
    private readonly transport: SessionTransport,
    private readonly handleRpc: RpcHandler,
    private readonly events: SessionEvents,
    private readonly log: Logger,
  ) {
    this.decoder = new FrameDecoder({ maxMessageBytes: limits.maxMessageBytes });
  }

  get established(): boolean {
    return this.state === 'established';
  }

  /** RFC 6241 section 8.1: the server sends its hello as soon as the session opens. */
  start(): void {
    const caps = this.serverCapabilities.map((c) => elem(NS.base, 'capability', c));
    const hello = elem(NS.base, 'hello', [elem(NS.base, 'capabilities', caps), elem(NS.base, 'session-id', this.id)]);
    this.send('<?xml version="1.0" encoding="UTF-8"?>' + serialize(hello));
    this.flush();
    this.helloTimer = setTimeout(() => {
      this.log.warn('no client hello in time, ending session', { session: this.id, helloTimeoutMs: this.limits.helloTimeoutMs });
      this.finish('timeout');
    }, this.limits.helloTimeoutMs).unref();
  }

  /** Bytes received from the client. */
  feed(chunk: Buffer): void {
    if (this.state === 'ended' || this.state === 'closing') return;
    try {
      this.decoder.push(chunk);
      for (let m = this.decoder.next(); m; m = this.decoder.next()) {
        if (this.state === 'hello-wait') {
          if (!this.acceptHello(m)) return;
        } else if (this.state === 'established') {
          this.pending.push(m);
          this.pendingBytes += m.length;
        } else return;
      }
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      this.log.warn('framing error, ending session', { session: this.id, reason: e.message });
      this.finish(this.state === 'hello-wait' ? 'bad-hello' : 'other');
      return;
    }
    if (this.state === 'established') {
      if (this.pending.length >= this.limits.maxPendingRpcs && !this.paused) {
        this.paused = true;
        this.transport.pause();
      }
      void this.processPending();
    }
    // after the requests handled at once: they are held no longer
    this.accountInput();
  }

  /** The transport may be written again. */
  drained(): void {
    this.backpressured = false;
    this.flush();
    if (!this.backpressured) {
      this.queuedNotifications = 0;
      const w = this.waitDrain;
      this.waitDrain = undefined;
      w?.();
      for (const fn of this.drainWaiters.splice(0)) fn();
    }
  }

  /** The transport is gone. */
  closed(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.dropInput();
    this.outbox.clear();
    this.drainWaiters.length = 0;
    this.waitDrain?.();
    this.events.onEnded(this, this.endReason, this.killedBy);
  }

  /**
   * Sends a serialized <notification>. While the transport is backpressured,
   * notifications wait in a bounded queue; past the bound the session is ended
   * rather than letting memory grow or silently losing events (the client can
   * reconnect and replay with startTime).
   */
  sendNotification(xml: string): void {
    if (this.state !== 'established') return;
    if (this.backpressured && ++this.queuedNotifications > this.limits.maxQueuedNotifications) {
      this.log.warn('notification queue overflow, ending slow subscriber session', { session: this.id, limit: this.limits.maxQueuedNotifications });
      this.finish('other');
      return;
    }
    this.counters.outNotifications++;
    this.send(xml);
  }

  /**
   * Whether a notification can be queued now without reaching
   * maxQueuedNotifications: an RFC 8639 subscription is suspended rather
   * than overflow the queue (RFC 8639 section 2.7, subscription-suspended).
   */
  get notificationRoom(): boolean {
    return this.state === 'established' && (!this.backpressured || this.queuedNotifications < this.limits.maxQueuedNotifications);
  }

  /** Runs `fn` once the transport has drained what was queued behind it (not if the session ends first). */
  whenDrained(fn: () => void): void {
    this.drainWaiters.push(fn);
  }

  /** close-session (RFC 6241 section 7.8): the session ends once the current reply is written. */
  closeAfterReply(): void {
    if (this.state !== 'established') return;
    this.endReason = 'closed';
    this.state = 'closing';
    this.dropInput();
  }

  /** The input budget is spent and this session holds the most of it. */
  overBudget(heldBytes: number, budgetBytes: number): void {
    this.log.warn('input buffer budget exceeded, ending the session holding the most', { session: this.id, heldBytes, budgetBytes });
    this.finish('other');
  }

  /** Ends the session at once (kill-session, protocol errors, overflow). */
  finish(reason: TerminationReason, killedBy?: number): void {
    if (this.state === 'ended') return;
    if (this.state !== 'closing') this.endReason = reason;
    this.killedBy = killedBy;
    this.state = 'closing';
    this.dropInput();
    this.transport.end();
  }

  /** Received input is no longer wanted: requests not yet handled are dropped and the budget released. */
  private dropInput(): void {
    clearTimeout(this.helloTimer);
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.accounted = 0;
    this.inputBudget.set(this, 0);
  }

  /** Tells the budget what this session holds: the message in progress and the requests waiting. */
  private accountInput(): void {
    if (this.state !== 'hello-wait' && this.state !== 'established') return;
    const held = this.decoder.buffered + this.pendingBytes;
    if (held === this.accounted) return;
    this.accounted = held;
    this.inputBudget.set(this, held);
  }

  private acceptHello(message: Buffer): boolean {
    let hello: XmlElement;
    try {
      hello = parseXml(message, this.limits.xml);
    } catch (e) {
      if (!(e instanceof XmlParseError)) throw e;
      return this.badHello(`unparsable hello: ${e.message}`);
    }
    if (hello.name !== 'hello' || hello.ns !== NS.base) return this.badHello(`expected <hello>, got <${hello.name}>`);
    const caps = hello.children.find((c) => c.name === 'capabilities');
    const list = caps ? caps.children.filter((c) => c.name === 'capability').map((c) => c.text.trim()) : [];
    // RFC 6241 section 8.1: a client hello with a session-id is an error
    if (hello.children.some((c) => c.name === 'session-id')) return this.badHello('client hello contains a session-id');
    const base11 = list.includes(CAPABILITY.base11);
    if (!base11 && !list.includes(CAPABILITY.base10)) return this.badHello('client hello has no common base capability');
    this.clientCapabilities = list;
    this.outbox.mode = base11 ? 'chunked' : 'eom';
    this.decoder.setMode(this.outbox.mode);
    clearTimeout(this.helloTimer);
    this.state = 'established';
    this.events.onEstablished(this);
    return true;
  }

  private badHello(reason: string): false {
    this.log.warn('bad hello, ending session', { session: this.id, reason });
    this.finish('bad-hello');
    return false;
  }

  /**
   * Requests are handled one at a time, in order (RFC 6241 section 4.1).
   * While a reply waits for its change to be saved the next request is
   * handled; replies leave in the order of the requests. A reply known at
   * once goes out without waiting a turn of the microtask queue.
   */
  private async processPending(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    const unsent: (string | Promise<string>)[] = [];
    try {
      while (this.pending.length > 0 && this.state === 'established') {
        const message = this.pending.shift() as Buffer;
        this.pendingBytes -= message.length;
        // the budget is told before each wait, and by feed() after what is handled at once
        let outcome = this.handleRpc(this, message);
        if (outcome instanceof Promise) {
          this.accountInput();
          outcome = await outcome;
        }
        if (typeof outcome === 'string' && unsent.length === 0) {
          if (!this.sendReply(outcome)) break;
          if (this.backpressured) {
            this.accountInput();
            await new Promise<void>((res) => (this.waitDrain = res));
          }
        } else {
          const waits = typeof outcome !== 'string';
          unsent.push(typeof outcome !== 'string' ? outcome.reply : outcome);
          if (waits && this.pending.length > 0 && unsent.length < MAX_UNSENT_REPLIES) continue;
          this.accountInput();
          if (!(await this.sendReplies(unsent.splice(0)))) break;
        }
        if (this.paused && this.pending.length < this.limits.maxPendingRpcs / 2) {
          this.paused = false;
          this.transport.resume();
        }
      }
    } finally {
      this.processing = false;
      this.accountInput();
    }
  }

  /** Sends replies in order; false once the session is closing or gone. */
  private async sendReplies(replies: readonly (string | Promise<string>)[]): Promise<boolean> {
    for (const r of replies) {
      if (!this.sendReply(await r)) return false;
      if (this.backpressured) await new Promise<void>((res) => (this.waitDrain = res));
    }
    return true;
  }

  /** Sends one reply; false once the session is closing (the reply was its last message) or gone. */
  private sendReply(reply: string): boolean {
    const state = this.currentState(); // may have changed while the operation ran
    if (state === 'ended') return false;
    this.send(reply);
    if (state === 'closing') {
      this.flush();
      this.transport.end();
      return false;
    }
    return true;
  }

  private currentState(): State {
    return this.state;
  }

  /**
   * Replies go out while the session is closing too (the <ok/> of
   * close-session). Frames made in one turn of the event loop leave in one
   * write (pipelined replies, notification bursts), up to CORK_BYTES.
   */
  private send(message: string): void {
    if (this.state === 'ended') return;
    this.outbox.add(message);
    if (this.backpressured) return;
    if (this.outbox.bytes >= CORK_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.backpressured || this.outbox.empty || this.state === 'ended') return;
    this.backpressured = !this.transport.write(this.outbox.take());
  }
}
