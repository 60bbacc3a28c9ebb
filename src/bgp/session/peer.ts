// One configured BGP peer: the Idle, Connect and Active states of RFC 4271
// section 8 with the ConnectRetryTimer, its outgoing and incoming connections
// (one SessionFsm each) and connection collision detection (section 6.8).
// No I/O of its own: connections come from the injected connect() and from
// accept(), the clock from the injected timers.
import { EventEmitter } from 'node:events';
import { Logger } from '../../log';
import { BgpMessageError, CeaseSubcode, ErrorCode, OpenMessage, RouteRefreshMessage, UpdateMessage } from '../wire/types';
import {
  bgpIdNumber,
  Negotiated,
  NotificationInfo,
  SessionConfig,
  SessionFsm,
  SessionState,
  shutdownCommunication,
  Timers,
} from './fsm';

/** The part of a net.Socket a peer uses. */
export interface Connection {
  write(data: Buffer): boolean;
  /** close once written */
  end(): void;
  destroy(): void;
  on(event: 'connect' | 'drain' | 'close', listener: () => void): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface PeerDeps {
  timers: Timers;
  /** open an outgoing connection to the peer; it emits 'connect' once up */
  connect: (peer: Peer) => Connection;
  log?: Logger;
}

export interface PeerEvents {
  established: [negotiated: Negotiated];
  update: [update: UpdateMessage, errors: readonly BgpMessageError[]];
  routeRefresh: [message: RouteRefreshMessage];
  /** send() may be called again */
  drain: [];
  down: [reason: string, notification?: NotificationInfo];
  stateChange: [from: SessionState, to: SessionState];
}

/** how long a closing connection may take to flush its last bytes */
const CLOSE_TIMEOUT_MS = 5000;

const rank: Record<SessionState, number> = { idle: 0, connect: 1, active: 2, opensent: 3, openconfirm: 4, established: 5 };

interface Link {
  readonly conn: Connection;
  /** initiated by us */
  readonly outgoing: boolean;
  /** set once the TCP connection is up */
  fsm?: SessionFsm;
  closeTimer?: unknown;
}

export class Peer extends EventEmitter<PeerEvents> {
  private started = false;
  /** the state when no connection is past Connect/Active */
  private base: 'idle' | 'connect' | 'active' = 'idle';
  private reported: SessionState = 'idle';
  private links: Link[] = [];
  private retryTimer: unknown;
  private readonly log?: Logger;

  constructor(
    readonly address: string,
    readonly config: SessionConfig,
    private readonly deps: PeerDeps,
  ) {
    super();
    this.log = deps.log?.child({ peer: address });
  }

  /** RFC 4271 section 8.1.2 states; a session past Active shows its own */
  get state(): SessionState {
    let best: SessionState = this.base;
    for (const l of this.links) {
      const s = l.fsm?.state;
      if (s && rank[s] > rank[best]) best = s;
    }
    return best;
  }

  get negotiated(): Negotiated | undefined {
    return this.establishedLink()?.fsm?.negotiated;
  }

  /** ManualStart (RFC 4271 Events 1 and 4, passive when configured). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.begin();
  }

  /**
   * Passive and the ConnectRetryTime are not in the OPEN (RFC 4271 section
   * 8.1.1): a session up stays up; they take effect at the next connection
   * attempt, and a peer waiting passively with no connection starts one now.
   */
  setConnectionPolicy(passive: boolean, connectRetryTime: number): void {
    const nowActive = this.config.passive && !passive;
    this.config.passive = passive;
    this.config.connectRetryTime = connectRetryTime;
    if (nowActive && this.started && this.links.length === 0 && this.base === 'active') this.connectOut();
  }

  /**
   * ManualStop: a Cease (RFC 4486 subcode) on every connection, then Idle.
   * Administrative shutdown carries the reason as its communication (RFC 9003).
   */
  stop(reason = 'administrative shutdown', subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN): void {
    if (!this.started) return;
    this.started = false;
    this.clearRetryTimer();
    const links = this.links;
    this.links = [];
    let notification: NotificationInfo | undefined;
    for (const l of links) {
      if (l.fsm && l.fsm.state !== 'idle') {
        // RFC 9003 section 2: a communication goes with Administrative Shutdown and Reset only
        const data = subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET ? shutdownCommunication(reason) : Buffer.alloc(0);
        l.fsm.cease(subcode, reason, data);
        notification = { code: ErrorCode.CEASE, subcode, data, sent: true };
      } else l.conn.destroy();
    }
    const was = this.reported;
    this.base = 'idle';
    this.refreshState();
    if (was !== 'idle') this.emit('down', `stopped: ${reason}`, notification);
  }

  /**
   * Writes a whole message on the established session; false when the
   * connection is backpressured: wait for 'drain' before sending more.
   */
  send(message: Buffer): boolean {
    const link = this.establishedLink();
    if (!link) throw new Error(`BGP peer ${this.address} is not established (${this.state})`);
    return link.conn.write(message);
  }

  /** A connection the peer opened to us (RFC 4271 Event 17); refused in Idle (section 8.2.2). */
  accept(conn: Connection): void {
    if (!this.started || this.base === 'idle') {
      this.log?.info('incoming connection refused', { state: this.state });
      conn.destroy();
      return;
    }
    // one incoming connection in progress at a time: a newer one replaces it
    const older = this.links.find((l) => !l.outgoing && l.fsm?.state !== 'established');
    if (older) {
      this.unlink(older);
      if (older.fsm) older.fsm.cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'replaced by a newer incoming connection');
      else older.conn.destroy();
    }
    const link: Link = { conn, outgoing: false };
    this.links.push(link);
    this.watch(link);
    this.connectionUp(link);
  }

  private begin(): void {
    if (this.config.passive) {
      this.base = 'active';
      this.refreshState();
    } else this.connectOut();
  }

  /** Connect state: initiate the TCP connection, start the ConnectRetryTimer. */
  private connectOut(): void {
    this.base = 'connect';
    this.armRetryTimer();
    let conn: Connection;
    try {
      conn = this.deps.connect(this);
    } catch (e) {
      this.log?.warn('cannot connect', { error: e instanceof Error ? e.message : String(e) });
      this.base = 'active';
      this.refreshState();
      return;
    }
    const link: Link = { conn, outgoing: true };
    this.links.push(link);
    this.watch(link);
    this.refreshState();
  }

  private watch(link: Link): void {
    const { conn } = link;
    let error: string | undefined;
    conn.on('connect', () => {
      if (this.links.includes(link) && !link.fsm) this.connectionUp(link);
    });
    conn.on('data', (chunk) => link.fsm?.feed(chunk));
    conn.on('drain', () => {
      if (link.fsm?.state === 'established' && this.links.includes(link)) this.emit('drain');
    });
    conn.on('error', (err) => {
      error = err.message;
    });
    conn.on('close', () => {
      if (link.closeTimer !== undefined) this.deps.timers.clearTimeout(link.closeTimer);
      link.closeTimer = undefined;
      if (link.fsm) link.fsm.closed(error ? `connection error: ${error}` : 'connection closed by the peer');
      else if (this.unlink(link)) this.connectFailed(error ?? 'connection closed');
    });
  }

  /** TCP connection up: its own FSM sends OPEN (RFC 4271 Events 16/17); the ConnectRetryTimer stops. */
  private connectionUp(link: Link): void {
    this.clearRetryTimer();
    const fsm = new SessionFsm(this.config, this.deps.timers, {
      write: (data) => link.conn.write(data),
      close: () => this.closeLink(link),
      stateChange: (from, to) => {
        this.log?.debug('connection state', { from, to, outgoing: link.outgoing });
        if (to !== 'idle') this.refreshState();
      },
      openReceived: (open) => this.resolveCollision(link, open),
      established: (negotiated) => this.established(negotiated),
      update: (update, errors) => this.emit('update', update, errors),
      routeRefresh: (message) => this.emit('routeRefresh', message),
      down: (reason, notification) => this.linkDown(link, reason, notification),
    });
    link.fsm = fsm;
    fsm.start();
  }

  /** Connect state, the TCP connection failed: Active, retry when the ConnectRetryTimer expires. */
  private connectFailed(error: string): void {
    this.log?.info('connection failed', { error });
    if (this.links.length > 0 || !this.started) return;
    this.base = 'active';
    if (this.retryTimer === undefined) this.armRetryTimer();
    this.refreshState();
  }

  private established(negotiated: Negotiated): void {
    // an attempt still connecting is no longer needed
    for (const l of this.links.filter((l) => !l.fsm)) {
      this.unlink(l);
      l.conn.destroy();
    }
    this.log?.info('established', {
      peerAs: negotiated.peerAs,
      peerBgpId: negotiated.peerBgpId,
      holdTime: negotiated.holdTime,
      families: negotiated.families.map((f) => `${f.afi}/${f.safi}`).join(' '),
      routeRefresh: negotiated.routeRefresh,
      enhancedRouteRefresh: negotiated.enhancedRouteRefresh,
    });
    this.emit('established', negotiated);
  }

  /**
   * RFC 4271 section 6.8: an OPEN arrived on `link`; if another connection
   * is in OpenConfirm, keep the one initiated by the side with the higher BGP
   * Identifier (RFC 6286 section 2.3: with equal identifiers, the higher AS);
   * a connection that is Established always wins. False: `link` loses.
   */
  private resolveCollision(link: Link, open: OpenMessage): boolean {
    const other = this.links.find((l) => l !== link && (l.fsm?.state === 'openconfirm' || l.fsm?.state === 'established'));
    if (!other?.fsm) return true;
    if (other.fsm.state === 'established') {
      this.log?.info('collision with the established session: closing the new connection');
      return false;
    }
    const local = bgpIdNumber(this.config.bgpId);
    const remote = bgpIdNumber(open.bgpId);
    const keepRemoteInitiated = local < remote || (local === remote && this.config.remoteAs > this.config.localAs);
    const loser = link.outgoing === keepRemoteInitiated ? link : other;
    this.log?.info('connection collision', { closing: loser.outgoing ? 'outgoing' : 'incoming' });
    if (loser === link) return false;
    this.unlink(other);
    other.fsm.cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'connection collision resolution');
    return true;
  }

  private linkDown(link: Link, reason: string, notification?: NotificationInfo): void {
    if (!this.unlink(link)) return; // dropped on purpose (stop, collision, replaced)
    this.log?.info('connection down', { reason, outgoing: link.outgoing });
    if (this.links.length > 0) {
      this.refreshState(); // another connection carries on
      return;
    }
    // after an error: Idle; retry after the ConnectRetryTimer, or (passive) wait for the peer again
    this.base = 'idle';
    this.refreshState();
    this.emit('down', reason, notification);
    if (!this.started || this.reported !== 'idle') return;
    if (this.config.passive) this.begin();
    else this.armRetryTimer();
  }

  private closeLink(link: Link): void {
    link.conn.end();
    link.closeTimer = this.deps.timers.setTimeout(() => {
      link.closeTimer = undefined;
      link.conn.destroy();
    }, CLOSE_TIMEOUT_MS);
  }

  /** RFC 4271 section 8.2.2 ConnectRetryTimer_Expires: (re)initiate the TCP connection. */
  private retryExpired(): void {
    this.retryTimer = undefined;
    if (!this.started) return;
    if (this.links.some((l) => l.fsm)) return;
    for (const l of this.links) {
      this.unlink(l);
      l.conn.destroy();
    }
    this.begin(); // connect again, or wait for the peer if made passive meanwhile
  }

  private armRetryTimer(): void {
    this.clearRetryTimer();
    this.retryTimer = this.deps.timers.setTimeout(() => this.retryExpired(), this.config.connectRetryTime * 1000);
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== undefined) this.deps.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private establishedLink(): Link | undefined {
    return this.links.find((l) => l.fsm?.state === 'established');
  }

  /** false when it was not linked */
  private unlink(link: Link): boolean {
    const i = this.links.indexOf(link);
    if (i < 0) return false;
    this.links.splice(i, 1);
    return true;
  }

  private refreshState(): void {
    const to = this.state;
    const from = this.reported;
    if (from === to) return;
    this.reported = to;
    this.log?.debug('state', { from, to });
    this.emit('stateChange', from, to);
  }
}
