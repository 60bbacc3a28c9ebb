// BGP-4 session state machine for one TCP connection (RFC 4271 section 8):
// from the connection coming up (OPEN sent) through OpenSent, OpenConfirm and
// Established to Idle. Idle, Connect and Active, the ConnectRetryTimer and
// collision detection (section 6.8) belong to the configured peer (peer.ts).
// Pure: bytes come in through feed(), everything else goes out through the
// callbacks; the clock is injected.
import { decodeMessage, encodeMessage, KEEPALIVE, MessageReader } from '../wire/codec';
import {
  AFI,
  AS_TRANS,
  AfiSafi,
  BgpMessage,
  BgpMessageError,
  Capability,
  CeaseSubcode,
  ErrorCode,
  HEADER_LENGTH,
  HeaderSubcode,
  MessageType,
  OpenMessage,
  OpenSubcode,
  RouteRefreshMessage,
  RouteRefreshSubcode,
  RouteRefreshSubtype,
  SAFI,
  UpdateMessage,
  UpdateSubcode,
} from '../wire/types';

export type SessionState = 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established';

export interface SessionConfig {
  localAs: number;
  /** BGP Identifier, dotted quad */
  bgpId: string;
  remoteAs: number;
  /** seconds, 0 or >= 3 (RFC 4271 section 4.2) */
  holdTime: number;
  /** seconds */
  connectRetryTime: number;
  families: readonly AfiSafi[];
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  passive: boolean;
}

/** What the OPEN exchange settled (RFC 5492 capabilities, RFC 4271 section 4.2 hold time). */
export interface Negotiated {
  /** families both sides advertised (RFC 4760 section 8) */
  families: AfiSafi[];
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  fourOctetAs: boolean;
  /** seconds; 0 = no hold timer, no keepalives */
  holdTime: number;
  /** seconds */
  keepaliveTime: number;
  peerBgpId: string;
  peerAs: number;
  peerCapabilities: readonly Capability[];
}

export interface Timers {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The NOTIFICATION that ended a session, sent by us or received. */
export interface NotificationInfo {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
  readonly sent: boolean;
}

export interface SessionCallbacks {
  /** bytes for the peer; false when the connection is backpressured */
  write(data: Buffer): boolean;
  /** end the connection once what was written has gone out */
  close(): void;
  stateChange(from: SessionState, to: SessionState): void;
  /** an acceptable OPEN arrived: false when this connection loses a collision (RFC 4271 section 6.8) */
  openReceived(open: OpenMessage): boolean;
  established(negotiated: Negotiated): void;
  /** errors: the RFC 7606 errors lighter than session-reset found in this UPDATE */
  update(update: UpdateMessage, errors: readonly BgpMessageError[]): void;
  routeRefresh(message: RouteRefreshMessage): void;
  /** the session ended; the state is idle */
  down(reason: string, notification?: NotificationInfo): void;
}

/** RFC 6608 section 4 Finite State Machine Error subcodes. */
export const FsmSubcode = {
  UNSPECIFIED: 0,
  UNEXPECTED_MESSAGE_IN_OPENSENT: 1,
  UNEXPECTED_MESSAGE_IN_OPENCONFIRM: 2,
  UNEXPECTED_MESSAGE_IN_ESTABLISHED: 3,
} as const;

/** RFC 4271 section 8.2.2: the HoldTimer in OpenSent is "a large value", 4 minutes suggested. */
export const OPENSENT_HOLD_TIME = 240;

const BGP_VERSION = 4;

/** The OPEN we send: RFC 4271 section 4.2, capabilities per RFC 4760, 2918, 7313 and 6793. */
export function localOpen(config: SessionConfig): OpenMessage {
  const capabilities: Capability[] = config.families.map((f) => ({ type: 'multiprotocol', afi: f.afi, safi: f.safi }));
  if (config.routeRefresh) capabilities.push({ type: 'route-refresh' });
  // RFC 7313 section 3: a speaker advertising enhanced route refresh also advertises route refresh
  if (config.routeRefresh && config.enhancedRouteRefresh) capabilities.push({ type: 'enhanced-route-refresh' });
  capabilities.push({ type: 'four-octet-as', asn: config.localAs });
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: config.localAs > 0xffff ? AS_TRANS : config.localAs,
    holdTime: config.holdTime,
    bgpId: config.bgpId,
    capabilities,
  };
}

/** Dotted quad as an unsigned 32-bit number (RFC 6286 section 2.3 compares identifiers so). */
export function bgpIdNumber(id: string): number {
  return id.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

class OpenError extends Error {
  constructor(
    readonly subcode: number,
    readonly data: Buffer,
    message: string,
  ) {
    super(message);
  }
}

/**
 * RFC 4271 section 6.2 checks of a received OPEN that need the configuration
 * (the codec made those that do not: version, hold time 1 or 2, identifier
 * zero), then the capability negotiation. Throws OpenError.
 */
function negotiate(config: SessionConfig, open: OpenMessage): Negotiated {
  const caps = open.capabilities;
  const as4 = caps.find((c): c is Extract<Capability, { type: 'four-octet-as' }> => c.type === 'four-octet-as');
  // RFC 6793 section 4.1: with the capability, the real AS is in it (My AS carries AS_TRANS)
  const peerAs = as4 ? as4.asn : open.myAs;
  if (peerAs !== config.remoteAs) {
    throw new OpenError(OpenSubcode.BAD_PEER_AS, Buffer.alloc(0), `peer AS ${peerAs}, expected ${config.remoteAs}`);
  }
  // RFC 6286 section 2.2: our own identifier from an internal peer
  if (config.remoteAs === config.localAs && bgpIdNumber(open.bgpId) === bgpIdNumber(config.bgpId)) {
    throw new OpenError(OpenSubcode.BAD_BGP_IDENTIFIER, Buffer.alloc(0), `BGP identifier ${open.bgpId} is our own`);
  }
  const peerFamilies = caps.flatMap((c) => (c.type === 'multiprotocol' ? [{ afi: c.afi, safi: c.safi }] : []));
  // RFC 4760 section 8: a peer without the multiprotocol capability speaks IPv4 unicast only
  if (peerFamilies.length === 0) peerFamilies.push({ afi: AFI.IPV4, safi: SAFI.UNICAST });
  const families = config.families.filter((f) => peerFamilies.some((p) => p.afi === f.afi && p.safi === f.safi)).map((f) => ({ afi: f.afi, safi: f.safi }));
  const routeRefresh = config.routeRefresh && caps.some((c) => c.type === 'route-refresh');
  const holdTime = Math.min(config.holdTime, open.holdTime);
  return {
    families,
    routeRefresh,
    enhancedRouteRefresh: routeRefresh && config.enhancedRouteRefresh && caps.some((c) => c.type === 'enhanced-route-refresh'),
    fourOctetAs: as4 !== undefined,
    holdTime,
    // RFC 4271 section 10: one third of the hold time
    keepaliveTime: Math.floor(holdTime / 3),
    peerBgpId: open.bgpId,
    peerAs,
    peerCapabilities: caps,
  };
}

const unexpectedSubcode: Partial<Record<SessionState, number>> = {
  opensent: FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT,
  openconfirm: FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM,
  established: FsmSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED,
};

/** Code and subcode by their RFC names, for reasons and logs. */
export function describeNotification(code: number, subcode: number): string {
  const subcodes: Record<number, Record<string, number>> = {
    [ErrorCode.MESSAGE_HEADER]: HeaderSubcode,
    [ErrorCode.OPEN_MESSAGE]: OpenSubcode,
    [ErrorCode.UPDATE_MESSAGE]: UpdateSubcode,
    [ErrorCode.FSM]: FsmSubcode,
    [ErrorCode.CEASE]: CeaseSubcode,
    [ErrorCode.ROUTE_REFRESH_MESSAGE]: RouteRefreshSubcode,
  };
  const name = (table: Record<string, number> | undefined, value: number): string =>
    Object.entries(table ?? {}).find(([, v]) => v === value)?.[0].toLowerCase().replace(/_/g, ' ') ?? String(value);
  const codeName = name(ErrorCode, code);
  return subcode === 0 && !subcodes[code] ? codeName : `${codeName} / ${name(subcodes[code], subcode)}`;
}

/** RFC 9003 section 2: a Cease's shutdown communication, a length octet and up to 255 octets of UTF-8. */
export function shutdownCommunication(text: string): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 255) {
    // cut on a character boundary (UTF-8 continuation octets are 10xxxxxx)
    let end = 255;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

export class SessionFsm {
  private current: SessionState = 'idle';
  private ended = false;
  private readonly reader = new MessageReader({});
  private holdTimer: unknown;
  private keepaliveTimer: unknown;
  private result?: Negotiated;
  private codecOptions = { fourOctetAs: false };

  constructor(
    private readonly config: SessionConfig,
    private readonly timers: Timers,
    private readonly callbacks: SessionCallbacks,
  ) {}

  get state(): SessionState {
    return this.current;
  }

  /** the negotiated parameters, once the peer's OPEN was accepted */
  get negotiated(): Negotiated | undefined {
    return this.result;
  }

  /** The TCP connection is up (RFC 4271 Events 16/17): send OPEN, go to OpenSent. */
  start(): void {
    if (this.ended || this.current !== 'idle') return;
    this.callbacks.write(encodeMessage(localOpen(this.config), this.codecOptions));
    this.armHoldTimer(OPENSENT_HOLD_TIME);
    this.setState('opensent');
  }

  /** Bytes received on the connection, in any pieces. */
  feed(chunk: Buffer): void {
    if (this.ended || this.current === 'idle') return;
    this.reader.push(chunk);
    let heard = false;
    while (!this.ended) {
      let raw: Buffer | undefined;
      try {
        raw = this.reader.next();
      } catch (e) {
        if (!(e instanceof BgpMessageError)) throw e;
        this.fail(e.code, e.subcode, e.data, `message header error: ${e.message}`);
        return;
      }
      if (!raw) break;
      heard = this.receive(raw) || heard;
    }
    // RFC 4271 section 8.2.2: KEEPALIVE and UPDATE restart the HoldTimer (once per chunk is as good)
    if (heard && !this.ended && this.result) this.armHoldTimer(this.result.holdTime);
  }

  /** Send a Cease NOTIFICATION (RFC 4486 subcode) and end the session. */
  cease(subcode: number, reason: string, data: Buffer = Buffer.alloc(0)): void {
    if (this.ended || this.current === 'idle') return;
    this.fail(ErrorCode.CEASE, subcode, data, reason);
  }

  /** The connection went away (RFC 4271 Event 18, TcpConnectionFails). */
  closed(reason: string): void {
    if (this.ended) return;
    this.end(reason, undefined, false);
  }

  /** One whole message; true when it restarts the HoldTimer. */
  private receive(raw: Buffer): boolean {
    const type = raw[HEADER_LENGTH - 1];
    const state = this.current;
    if (type === MessageType.NOTIFICATION) {
      this.notificationReceived(raw);
      return false;
    }
    const expected =
      state === 'opensent' ? type === MessageType.OPEN : state === 'openconfirm' ? type === MessageType.KEEPALIVE : type !== MessageType.OPEN;
    if (!expected) {
      // RFC 6608 section 4: the data is the type of the unexpected message
      this.fail(ErrorCode.FSM, unexpectedSubcode[state] ?? FsmSubcode.UNSPECIFIED, Buffer.from([type]), `unexpected message type ${type} in ${state}`);
      return false;
    }
    if (type === MessageType.KEEPALIVE) {
      if (state === 'openconfirm') this.becomeEstablished();
      return true;
    }
    if (type === MessageType.UPDATE) return this.updateReceived(raw);
    const message = this.decode(raw);
    if (!message) return false;
    if (message.type === 'open') this.openReceived(message);
    else if (message.type === 'route-refresh') this.routeRefreshReceived(message);
    return false;
  }

  /** decodeMessage, turning its errors into NOTIFICATIONs; undefined when the session ended */
  private decode(raw: Buffer): BgpMessage | undefined {
    try {
      return decodeMessage(raw, this.codecOptions);
    } catch (e) {
      if (!(e instanceof BgpMessageError)) throw e;
      this.fail(e.code, e.subcode, e.data, `malformed message: ${e.message}`);
      return undefined;
    }
  }

  private openReceived(open: OpenMessage): void {
    let negotiated: Negotiated;
    try {
      negotiated = negotiate(this.config, open);
    } catch (e) {
      if (!(e instanceof OpenError)) throw e;
      this.fail(ErrorCode.OPEN_MESSAGE, e.subcode, e.data, `OPEN refused: ${e.message}`);
      return;
    }
    if (!this.callbacks.openReceived(open)) {
      if (!this.ended) this.cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, 'connection collision resolution');
      return;
    }
    if (this.ended) return;
    this.result = negotiated;
    this.codecOptions = { fourOctetAs: negotiated.fourOctetAs };
    this.callbacks.write(KEEPALIVE);
    this.armHoldTimer(negotiated.holdTime);
    this.armKeepaliveTimer();
    this.setState('openconfirm');
  }

  private becomeEstablished(): void {
    this.setState('established');
    if (this.result) this.callbacks.established(this.result);
  }

  /**
   * RFC 7606 section 2: errors the session survives (attribute-discard,
   * treat-as-withdraw) come with the decoded UPDATE and are handed on; the
   * codec throws the heavier ones, and afi-safi-disable resets the session
   * too (RFC 7606 section 2 allows it; RFC 4760 section 7).
   */
  private updateReceived(raw: Buffer): boolean {
    const message = this.decode(raw);
    if (message?.type === 'update') this.callbacks.update(message, message.errors ?? []);
    return message !== undefined;
  }

  /** RFC 2918 section 4, RFC 7313 section 5: requests we cannot have invited are ignored. */
  private routeRefreshReceived(message: RouteRefreshMessage): void {
    const n = this.result;
    if (!n || !this.config.routeRefresh) return;
    if (!n.families.some((f) => f.afi === message.afi && f.safi === message.safi)) return;
    const known = message.subtype === RouteRefreshSubtype.REQUEST || (n.enhancedRouteRefresh && (message.subtype === RouteRefreshSubtype.BORR || message.subtype === RouteRefreshSubtype.EORR));
    if (known) this.callbacks.routeRefresh(message);
  }

  private notificationReceived(raw: Buffer): void {
    // never answer a NOTIFICATION with one (RFC 4271 section 6.1)
    let message: BgpMessage | undefined;
    try {
      message = decodeMessage(raw, this.codecOptions);
    } catch (e) {
      if (!(e instanceof BgpMessageError)) throw e;
    }
    if (message?.type !== 'notification') {
      this.end('malformed NOTIFICATION received');
      return;
    }
    const { code, subcode, data } = message;
    let text = '';
    if (code === ErrorCode.CEASE && (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET) && data.length > 0 && data[0] === data.length - 1) {
      text = `: "${data.subarray(1).toString('utf8')}"`; // RFC 9003 shutdown communication
    }
    this.end(`NOTIFICATION received: ${describeNotification(code, subcode)}${text}`, { code, subcode, data, sent: false });
  }

  /** Send a NOTIFICATION, close the connection, go to Idle. */
  private fail(code: number, subcode: number, data: Buffer, reason: string): void {
    this.callbacks.write(encodeMessage({ type: 'notification', code, subcode, data }, this.codecOptions));
    this.end(`${reason} (NOTIFICATION sent: ${describeNotification(code, subcode)})`, { code, subcode, data, sent: true });
  }

  /** Idle: timers stopped, the connection closed (RFC 4271 section 8.2.2, every error case). */
  private end(reason: string, notification?: NotificationInfo, close = true): void {
    this.ended = true;
    this.stopTimers();
    if (close) this.callbacks.close();
    this.setState('idle');
    this.callbacks.down(reason, notification);
  }

  private setState(to: SessionState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.callbacks.stateChange(from, to);
  }

  private stopTimers(): void {
    if (this.holdTimer !== undefined) this.timers.clearTimeout(this.holdTimer);
    if (this.keepaliveTimer !== undefined) this.timers.clearTimeout(this.keepaliveTimer);
    this.holdTimer = this.keepaliveTimer = undefined;
  }

  private armHoldTimer(seconds: number): void {
    if (this.holdTimer !== undefined) this.timers.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (seconds === 0) return;
    this.holdTimer = this.timers.setTimeout(() => {
      this.holdTimer = undefined;
      this.fail(ErrorCode.HOLD_TIMER_EXPIRED, 0, Buffer.alloc(0), `hold timer expired (${seconds} s)`);
    }, seconds * 1000);
  }

  /** RFC 4271 section 8.2.2: KEEPALIVE every KeepaliveTime in OpenConfirm and Established */
  private armKeepaliveTimer(): void {
    const seconds = this.result?.keepaliveTime ?? 0;
    if (seconds === 0) return;
    this.keepaliveTimer = this.timers.setTimeout(() => {
      this.keepaliveTimer = undefined;
      this.callbacks.write(KEEPALIVE);
      this.armKeepaliveTimer();
    }, seconds * 1000);
  }
}
