// BGP-4 messages (RFC 4271 section 4) and ROUTE-REFRESH (RFC 2918, RFC 7313):
// whole messages to bytes and back, and the framing of a byte stream.
import { formatIpv4, writeIpv4 } from './address';
import { decodeOptionalParameters, encodeOptionalParameters } from './capabilities';
import { allocMessage, checkHeader } from './header';
import { decodeUpdate, encodeUpdate } from './update';
import {
  BgpMessage,
  BgpMessageError,
  CodecOptions,
  ErrorCode,
  ErrorHandling,
  HEADER_LENGTH,
  HeaderSubcode,
  MAX_MESSAGE_LENGTH,
  MessageType,
  NotificationMessage,
  OpenMessage,
  OpenSubcode,
  RouteRefreshMessage,
  RouteRefreshSubcode,
} from './types';

const BGP_VERSION = 4;
/** OPEN: Version (1) | My Autonomous System (2) | Hold Time (2) | BGP Identifier (4) | Opt Parm Len (1) */
const OPEN_FIXED_LENGTH = HEADER_LENGTH + 10;
const NOTIFICATION_FIXED_LENGTH = HEADER_LENGTH + 2;
/** RFC 7313 section 3.2: AFI (2) | Message Subtype (1) | SAFI (1) */
const ROUTE_REFRESH_LENGTH = HEADER_LENGTH + 4;

/** The 19-byte KEEPALIVE (RFC 4271 section 4.4), prebuilt. */
export const KEEPALIVE: Buffer = allocMessage(HEADER_LENGTH, MessageType.KEEPALIVE);

function encodeOpen(msg: OpenMessage): Buffer {
  const parameters = encodeOptionalParameters(msg.capabilities);
  const buf = allocMessage(OPEN_FIXED_LENGTH + parameters.length, MessageType.OPEN);
  buf[HEADER_LENGTH] = msg.version;
  buf.writeUInt16BE(msg.myAs, HEADER_LENGTH + 1);
  buf.writeUInt16BE(msg.holdTime, HEADER_LENGTH + 3);
  writeIpv4(msg.bgpId, buf, HEADER_LENGTH + 5);
  buf[HEADER_LENGTH + 9] = parameters.length;
  parameters.copy(buf, OPEN_FIXED_LENGTH);
  return buf;
}

function openError(subcode: number, data: Buffer, message: string): BgpMessageError {
  return new BgpMessageError(ErrorCode.OPEN_MESSAGE, subcode, data, ErrorHandling.SESSION_RESET, message);
}

/** RFC 4271 section 6.2 checks that need no configuration: version, Hold Time of 1 or 2, BGP Identifier of zero (RFC 6286 section 2.1). */
function decodeOpen(buf: Buffer): OpenMessage {
  const version = buf[HEADER_LENGTH] ?? 0;
  if (version !== BGP_VERSION) {
    // the data is the largest version we support below the one bid, or our smallest: 4 either way
    throw openError(OpenSubcode.UNSUPPORTED_VERSION_NUMBER, Buffer.from([0, BGP_VERSION]), `unsupported BGP version ${version}`);
  }
  const holdTime = buf.readUInt16BE(HEADER_LENGTH + 3);
  if (holdTime === 1 || holdTime === 2) {
    throw openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, Buffer.alloc(0), `Hold Time ${holdTime} is neither zero nor at least three seconds`);
  }
  if (buf.readUInt32BE(HEADER_LENGTH + 5) === 0) {
    throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, Buffer.alloc(0), 'BGP Identifier is zero (RFC 6286 section 2.1)');
  }
  const parametersLength = buf[HEADER_LENGTH + 9] ?? 0;
  if (OPEN_FIXED_LENGTH + parametersLength !== buf.length) {
    throw openError(0, Buffer.alloc(0), `Opt Parm Len ${parametersLength} does not match the message length ${buf.length}`);
  }
  return {
    type: 'open',
    version,
    myAs: buf.readUInt16BE(HEADER_LENGTH + 1),
    holdTime,
    bgpId: formatIpv4(buf, HEADER_LENGTH + 5),
    capabilities: decodeOptionalParameters(buf, OPEN_FIXED_LENGTH, buf.length),
  };
}

/** The data is cut to what fits the 4096-octet limit: sending a NOTIFICATION must not fail. */
function encodeNotification(msg: NotificationMessage): Buffer {
  const data = msg.data.subarray(0, MAX_MESSAGE_LENGTH - NOTIFICATION_FIXED_LENGTH);
  const buf = allocMessage(NOTIFICATION_FIXED_LENGTH + data.length, MessageType.NOTIFICATION);
  buf[HEADER_LENGTH] = msg.code;
  buf[HEADER_LENGTH + 1] = msg.subcode;
  data.copy(buf, NOTIFICATION_FIXED_LENGTH);
  return buf;
}

function encodeRouteRefresh(msg: RouteRefreshMessage): Buffer {
  const buf = allocMessage(ROUTE_REFRESH_LENGTH, MessageType.ROUTE_REFRESH);
  buf.writeUInt16BE(msg.afi, HEADER_LENGTH);
  buf[HEADER_LENGTH + 2] = msg.subtype;
  buf[HEADER_LENGTH + 3] = msg.safi;
  return buf;
}

/** RFC 7313 section 5: every other length is a ROUTE-REFRESH Message Error carrying the whole message. Unknown subtypes are kept for the session to ignore. */
function decodeRouteRefresh(buf: Buffer): RouteRefreshMessage {
  if (buf.length !== ROUTE_REFRESH_LENGTH) {
    throw new BgpMessageError(
      ErrorCode.ROUTE_REFRESH_MESSAGE,
      RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
      Buffer.from(buf),
      ErrorHandling.SESSION_RESET,
      `ROUTE-REFRESH of ${buf.length} octets, expected ${ROUTE_REFRESH_LENGTH} (RFC 7313 section 5)`,
    );
  }
  return {
    type: 'route-refresh',
    afi: buf.readUInt16BE(HEADER_LENGTH),
    subtype: buf[HEADER_LENGTH + 2] ?? 0,
    safi: buf[HEADER_LENGTH + 3] ?? 0,
  };
}

/** Decoders by message type code (RFC 4271 section 4.1, RFC 2918); each gets a whole message whose header is checked. */
const DECODERS: Record<number, (buf: Buffer, opts: CodecOptions) => BgpMessage> = {
  [MessageType.OPEN]: decodeOpen,
  [MessageType.UPDATE]: decodeUpdate,
  [MessageType.NOTIFICATION]: (buf) => ({
    type: 'notification',
    code: buf[HEADER_LENGTH] ?? 0,
    subcode: buf[HEADER_LENGTH + 1] ?? 0,
    data: Buffer.from(buf.subarray(NOTIFICATION_FIXED_LENGTH)),
  }),
  [MessageType.KEEPALIVE]: () => ({ type: 'keepalive' }),
  [MessageType.ROUTE_REFRESH]: decodeRouteRefresh,
};

/** A whole message with its header; RangeError for values that do not fit the wire (over 4096 octets, bad address text). */
export function encodeMessage(msg: BgpMessage, opts: CodecOptions): Buffer {
  switch (msg.type) {
    case 'open':
      return encodeOpen(msg);
    case 'update':
      return encodeUpdate(msg, opts);
    case 'notification':
      return encodeNotification(msg);
    case 'keepalive':
      return Buffer.from(KEEPALIVE);
    case 'route-refresh':
      return encodeRouteRefresh(msg);
  }
}

/**
 * One whole message (header included). Throws BgpMessageError with the
 * NOTIFICATION it calls for. An UPDATE's NLRI and other Buffers alias `buf`;
 * its `errors` lists what RFC 7606 lets the session survive.
 */
export function decodeMessage(buf: Buffer, opts: CodecOptions): BgpMessage {
  if (buf.length < HEADER_LENGTH) {
    throw new BgpMessageError(
      ErrorCode.MESSAGE_HEADER,
      HeaderSubcode.BAD_MESSAGE_LENGTH,
      Buffer.alloc(0),
      ErrorHandling.SESSION_RESET,
      `${buf.length} octets are not a whole message header`,
    );
  }
  const length = checkHeader(buf, 0, MAX_MESSAGE_LENGTH);
  if (length !== buf.length) {
    throw new BgpMessageError(
      ErrorCode.MESSAGE_HEADER,
      HeaderSubcode.BAD_MESSAGE_LENGTH,
      Buffer.from(buf.subarray(16, 18)),
      ErrorHandling.SESSION_RESET,
      `Length ${length} but ${buf.length} octets`,
    );
  }
  const decode = DECODERS[buf[18] ?? 0];
  if (decode === undefined) throw new RangeError('checkHeader lets only known types through');
  return decode(buf, opts);
}

/**
 * Incremental framing of a byte stream (RFC 4271 section 4.1). Drained with
 * next() after each push(), it holds at most one partial message plus the
 * last chunk. Messages returned alias the pushed chunks.
 */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private offset = 0;
  private readonly maxMessageLength: number;

  constructor(opts: { maxMessageLength?: number } = {}) {
    this.maxMessageLength = opts.maxMessageLength ?? MAX_MESSAGE_LENGTH;
  }

  push(chunk: Buffer): void {
    if (this.offset >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.offset), chunk]);
    this.offset = 0;
  }

  /** The next whole message's bytes (header included), undefined until one is complete; throws BgpMessageError on a bad header. */
  next(): Buffer | undefined {
    if (this.buf.length - this.offset < HEADER_LENGTH) return undefined;
    const length = checkHeader(this.buf, this.offset, this.maxMessageLength);
    if (this.buf.length - this.offset < length) return undefined;
    const msg = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return msg;
  }

  /** Octets received and not yet returned by next(). */
  get buffered(): number {
    return this.buf.length - this.offset;
  }
}
