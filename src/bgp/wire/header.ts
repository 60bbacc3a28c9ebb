// RFC 4271 section 4.1 message header and its section 6.1 checks.
//   Marker (16, all ones) | Length (2) | Type (1)
import {
  BgpMessageError,
  ErrorCode,
  ErrorHandling,
  HEADER_LENGTH,
  HeaderSubcode,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from './types';

const MARKER_LENGTH = 16;

/** Writes the header of a message of `length` octets at `at` in `buf`. */
export function writeHeader(buf: Buffer, length: number, type: number, at = 0): void {
  buf.fill(0xff, at, at + MARKER_LENGTH);
  buf.writeUInt16BE(length, at + MARKER_LENGTH);
  buf[at + MARKER_LENGTH + 2] = type;
}

/** A new message of `length` octets with its header written; the body is left for the caller to fill. */
export function allocMessage(length: number, type: number): Buffer {
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`a BGP message of ${length} octets exceeds ${MAX_MESSAGE_LENGTH}`);
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, length, type);
  return buf;
}

/** RFC 4271 section 6.1 lower bounds per type (OPEN 29, UPDATE 23, NOTIFICATION 21, KEEPALIVE exactly 19). */
const MIN_LENGTH: Record<number, number> = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: HEADER_LENGTH,
  // RFC 7313 section 5: a bad ROUTE-REFRESH length is a ROUTE-REFRESH Message Error, checked by its decoder
  [MessageType.ROUTE_REFRESH]: HEADER_LENGTH,
};

function headerError(subcode: number, data: Buffer, message: string): BgpMessageError {
  return new BgpMessageError(ErrorCode.MESSAGE_HEADER, subcode, data, ErrorHandling.SESSION_RESET, message);
}

/**
 * Checks the header at `offset` of `buf` (at least 19 octets there) and
 * returns the message length; throws the section 6.1 Message Header Error.
 */
export function checkHeader(buf: Buffer, offset: number, maxMessageLength: number): number {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[offset + i] !== 0xff) {
      throw headerError(HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, Buffer.alloc(0), 'marker is not all ones');
    }
  }
  const length = buf.readUInt16BE(offset + MARKER_LENGTH);
  const type = buf[offset + MARKER_LENGTH + 2] ?? 0;
  const badLength = (): BgpMessageError => {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(length);
    return headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, data, `bad length ${length} for message type ${type}`);
  };
  if (length < HEADER_LENGTH || length > maxMessageLength) throw badLength();
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_TYPE, Buffer.from([type]), `unknown message type ${type}`);
  }
  if (length < min || (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH)) throw badLength();
  return length;
}
