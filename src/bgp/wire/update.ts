// RFC 4271 section 4.3 UPDATE:
//   Withdrawn Routes Length (2) | Withdrawn Routes | Total Path Attribute Length (2) | Path Attributes | NLRI
// decoding with RFC 7606 error handling, and packing many NLRI per UPDATE.
import { formatIpv4 } from './address';
import { attributeCode, decodeAttributes, encodeAttributes, mpReachHeader, mpUnreachHeader, routeTargets } from './attributes';
import { allocMessage, writeHeader } from './header';
import { splitPrefixes } from './nlri';
import {
  AFI,
  AfiSafi,
  AttrFlag,
  AttrType,
  BgpMessageError,
  CodecOptions,
  ErrorCode,
  ErrorHandling,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  PathAttribute,
  SAFI,
  UpdateMessage,
  UpdateSubcode,
} from './types';

export { routeTargets };

/** Header, Withdrawn Routes Length and Total Path Attribute Length: an empty UPDATE. */
const MIN_UPDATE_LENGTH = HEADER_LENGTH + 4;

const isIpv4Unicast = (f: AfiSafi): boolean => f.afi === AFI.IPV4 && f.safi === SAFI.UNICAST;

function sessionReset(subcode: number, message: string): BgpMessageError {
  return new BgpMessageError(ErrorCode.UPDATE_MESSAGE, subcode, Buffer.alloc(0), ErrorHandling.SESSION_RESET, message);
}

/**
 * The UPDATE `msg` (whole message, header already checked). NLRI, next hops
 * and other Buffers of the result alias `msg`. Throws BgpMessageError for
 * session-reset and afi-safi-disable; lighter errors go in `errors`.
 */
export function decodeUpdate(msg: Buffer, opts: CodecOptions): UpdateMessage {
  const length = msg.length;
  const withdrawnLength = msg.readUInt16BE(HEADER_LENGTH);
  const attributesAt = MIN_UPDATE_LENGTH + withdrawnLength;
  // RFC 4271 section 6.3: Withdrawn Routes Length + Total Attribute Length + 23 must not exceed the message length
  if (attributesAt > length) throw sessionReset(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `Withdrawn Routes Length ${withdrawnLength} runs past the message`);
  const attributesLength = msg.readUInt16BE(attributesAt - 2);
  const nlriAt = attributesAt + attributesLength;
  if (nlriAt > length) throw sessionReset(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `Total Path Attribute Length ${attributesLength} runs past the message`);

  // RFC 7606 section 5.3: a syntactically incorrect prefix field resets the session
  const withdrawn: Buffer[] = [];
  if (!splitPrefixes(msg, HEADER_LENGTH + 2, attributesAt - 2, 32, withdrawn)) {
    throw sessionReset(UpdateSubcode.INVALID_NETWORK_FIELD, 'malformed Withdrawn Routes (RFC 7606 section 5.3)');
  }
  const nlri: Buffer[] = [];
  if (!splitPrefixes(msg, nlriAt, length, 32, nlri)) {
    throw sessionReset(UpdateSubcode.INVALID_NETWORK_FIELD, 'malformed NLRI (RFC 7606 section 5.3)');
  }
  const { attributes, errors, codes, truncated } = decodeAttributes(msg, attributesAt, nlriAt, opts);

  let reachable = nlri.length;
  for (const a of attributes) if (a.type === 'mp-reach') reachable += a.nlri.length;
  if (reachable > 0) {
    // RFC 4271 section 6.3, RFC 7606 section 3 (d); RFC 4760 section 3: NEXT_HOP only with the NLRI field
    const mandatory = nlri.length > 0 ? [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] : [AttrType.ORIGIN, AttrType.AS_PATH];
    for (const code of mandatory) {
      if (codes.has(code)) continue;
      errors.push(
        new BgpMessageError(
          ErrorCode.UPDATE_MESSAGE,
          UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
          Buffer.from([code]),
          ErrorHandling.TREAT_AS_WITHDRAW,
          `missing well-known attribute ${code} (RFC 7606 section 3 (d))`,
        ),
      );
    }
  }
  if (errors.length === 0) return { type: 'update', withdrawn, attributes, nlri };

  // RFC 7606 section 5.2: attributes other than MP_UNREACH_NLRI but nothing reachable: only attribute-discard is safe
  const worst = errors.reduce((a, b) => (b.handling > a.handling ? b : a));
  const otherAttributes = truncated || [...codes].some((c) => c !== AttrType.MP_UNREACH_NLRI);
  if (worst.handling > ErrorHandling.ATTRIBUTE_DISCARD && reachable === 0 && otherAttributes) {
    throw new BgpMessageError(worst.code, worst.subcode, worst.data, ErrorHandling.SESSION_RESET, `${worst.message}; no reachable NLRI (RFC 7606 section 5.2)`);
  }
  return { type: 'update', withdrawn, attributes, nlri, errors };
}

/** The heaviest RFC 7606 handling an UPDATE's errors call for (section 3 (h)); undefined when it had none. */
export function updateHandling(update: UpdateMessage): ErrorHandling | undefined {
  let worst: ErrorHandling | undefined;
  for (const e of update.errors ?? []) if (worst === undefined || e.handling > worst) worst = e.handling;
  return worst;
}

function sum(buffers: readonly Buffer[]): number {
  let n = 0;
  for (const b of buffers) n += b.length;
  return n;
}

/** An encoded NLRI: its octets, or the same octets as a latin1 string (one character an octet, as the RIB keys routes). */
export type EncodedNlri = Buffer | string;

/** Copies items from..to-1 to `target` at `at`; returns the offset past them. */
function copyAll(items: readonly EncodedNlri[], from: number, to: number, target: Buffer, at: number): number {
  let p = at;
  for (let i = from; i < to; i++) {
    const n = items[i] as EncodedNlri;
    p += typeof n === 'string' ? target.write(n, p, 'latin1') : n.copy(target, p);
  }
  return p;
}

/** An UPDATE as given: attributes in their order (RFC 6793 adjustments aside, see encodeAttributes); RangeError past 4096 octets. */
export function encodeUpdate(msg: UpdateMessage, opts: CodecOptions): Buffer {
  const attributes = encodeAttributes(msg.attributes, opts);
  const withdrawnLength = sum(msg.withdrawn);
  const attributesLength = sum(attributes);
  const buf = allocMessage(MIN_UPDATE_LENGTH + withdrawnLength + attributesLength + sum(msg.nlri), MessageType.UPDATE);
  buf.writeUInt16BE(withdrawnLength, HEADER_LENGTH);
  let p = copyAll(msg.withdrawn, 0, msg.withdrawn.length, buf, HEADER_LENGTH + 2);
  buf.writeUInt16BE(attributesLength, p);
  p = copyAll(attributes, 0, attributes.length, buf, p + 2);
  copyAll(msg.nlri, 0, msg.nlri.length, buf, p);
  return buf;
}

/**
 * UPDATEs for `nlri` in runs of at most `room` octets each, back to back in
 * one allocation: `length(octets)` is the length of the UPDATE of a run,
 * `write(buf, at, from, to, octets)` fills its body (the header is written).
 */
function packRuns(
  nlri: readonly EncodedNlri[],
  room: number,
  length: (octets: number) => number,
  write: (buf: Buffer, at: number, from: number, to: number, octets: number) => void,
): Buffer {
  const runs: number[] = []; // from, to, octets
  let from = 0;
  let octets = 0;
  for (let i = 0; i < nlri.length; i++) {
    const n = (nlri[i] as EncodedNlri).length;
    if (n > room) throw new RangeError(`an NLRI of ${n} octets does not fit an UPDATE`);
    if (octets + n > room) {
      runs.push(from, i, octets);
      from = i;
      octets = 0;
    }
    octets += n;
  }
  if (from < nlri.length) runs.push(from, nlri.length, octets);
  let total = 0;
  for (let r = 0; r < runs.length; r += 3) total += length(runs[r + 2] as number);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (let r = 0; r < runs.length; r += 3) {
    const n = length(runs[r + 2] as number);
    writeHeader(buf, n, MessageType.UPDATE, at);
    write(buf, at, runs[r] as number, runs[r + 1] as number, runs[r + 2] as number);
    at += n;
  }
  return buf;
}

/** The messages of a buffer of whole messages back to back, as views of it. */
function messagesIn(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const length = buf.readUInt16BE(at + HEADER_LENGTH - 3);
    out.push(buf.subarray(at, at + length));
    at += length;
  }
  return out;
}

/** Attributes in ascending type code order (RFC 4271 section 5). */
function byCode(attrs: readonly PathAttribute[]): PathAttribute[] {
  return [...attrs].sort((a, b) => attributeCode(a) - attributeCode(b));
}

/** Writes an MP_REACH_NLRI / MP_UNREACH_NLRI header (flags, code, length) at `p`: extended length only past 255 octets. */
function writeMpHeader(buf: Buffer, p: number, code: number, valueLength: number): number {
  const extended = valueLength > 255;
  buf[p] = AttrFlag.OPTIONAL | (extended ? AttrFlag.EXTENDED_LENGTH : 0);
  buf[p + 1] = code;
  if (extended) {
    buf.writeUInt16BE(valueLength, p + 2);
    return p + 4;
  }
  buf[p + 2] = valueLength;
  return p + 3;
}

const mpHeaderLength = (valueLength: number): number => (valueLength > 255 ? 4 : 3);

/**
 * Packs NLRI that share one attribute set into as few UPDATEs as fit in 4096
 * octets each (MP_REACH_NLRI for MVPN, the NLRI field for ipv4-unicast),
 * back to back in one buffer: one allocation and one socket write for them
 * all. `nextHop` makes the NEXT_HOP attribute (4 octets, ipv4-unicast) or the
 * MP_REACH_NLRI next hop; 'next-hop', 'mp-reach' and 'mp-unreach' entries of
 * `attributes` are not used. MP_REACH_NLRI comes first (RFC 7606 section
 * 5.1), the other attributes in type code order. The NLRI are copied in, in
 * order.
 */
export function packedUpdates(family: AfiSafi, attributes: readonly PathAttribute[], nextHop: Buffer, nlri: readonly EncodedNlri[], opts: CodecOptions): Buffer {
  const others = attributes.filter((a) => a.type !== 'next-hop' && a.type !== 'mp-reach' && a.type !== 'mp-unreach');
  if (isIpv4Unicast(family)) {
    if (nextHop.length !== 4) throw new RangeError(`an ipv4-unicast next hop has 4 octets, not ${nextHop.length}`);
    const attrs = Buffer.concat(encodeAttributes(byCode([...others, { type: 'next-hop', address: formatIpv4(nextHop, 0) }]), opts));
    return packRuns(
      nlri,
      MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH - attrs.length,
      (octets) => MIN_UPDATE_LENGTH + attrs.length + octets,
      (buf, at, from, to) => {
        buf.writeUInt16BE(0, at + HEADER_LENGTH);
        buf.writeUInt16BE(attrs.length, at + HEADER_LENGTH + 2);
        copyAll(nlri, from, to, buf, at + MIN_UPDATE_LENGTH + attrs.copy(buf, at + MIN_UPDATE_LENGTH));
      },
    );
  }
  const attrs = Buffer.concat(encodeAttributes(byCode(others), opts));
  const mp = mpReachHeader(family.afi, family.safi, nextHop);
  const attributesLength = (octets: number): number => mpHeaderLength(mp.length + octets) + mp.length + octets + attrs.length;
  return packRuns(
    nlri,
    MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH - 4 - mp.length - attrs.length,
    (octets) => MIN_UPDATE_LENGTH + attributesLength(octets),
    (buf, at, from, to, octets) => {
      buf.writeUInt16BE(0, at + HEADER_LENGTH);
      buf.writeUInt16BE(attributesLength(octets), at + HEADER_LENGTH + 2);
      let p = writeMpHeader(buf, at + MIN_UPDATE_LENGTH, AttrType.MP_REACH_NLRI, mp.length + octets);
      p += mp.copy(buf, p);
      attrs.copy(buf, copyAll(nlri, from, to, buf, p));
    },
  );
}

/** packedUpdates() as one Buffer per UPDATE (views of one allocation). */
export function packUpdates(family: AfiSafi, attributes: readonly PathAttribute[], nextHop: Buffer, nlri: readonly EncodedNlri[], opts: CodecOptions): Buffer[] {
  return messagesIn(packedUpdates(family, attributes, nextHop, nlri, opts));
}

/** Withdraws NLRI in as few UPDATEs as fit, back to back in one buffer: the Withdrawn Routes field for ipv4-unicast, MP_UNREACH_NLRI otherwise. */
export function packedWithdrawals(family: AfiSafi, nlri: readonly EncodedNlri[]): Buffer {
  if (isIpv4Unicast(family)) {
    return packRuns(
      nlri,
      MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH,
      (octets) => MIN_UPDATE_LENGTH + octets,
      (buf, at, from, to, octets) => {
        buf.writeUInt16BE(octets, at + HEADER_LENGTH);
        buf.writeUInt16BE(0, copyAll(nlri, from, to, buf, at + HEADER_LENGTH + 2));
      },
    );
  }
  const mp = mpUnreachHeader(family.afi, family.safi);
  const attributesLength = (octets: number): number => mpHeaderLength(mp.length + octets) + mp.length + octets;
  return packRuns(
    nlri,
    MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH - 4 - mp.length,
    (octets) => MIN_UPDATE_LENGTH + attributesLength(octets),
    (buf, at, from, to, octets) => {
      buf.writeUInt16BE(0, at + HEADER_LENGTH);
      buf.writeUInt16BE(attributesLength(octets), at + HEADER_LENGTH + 2);
      const p = writeMpHeader(buf, at + MIN_UPDATE_LENGTH, AttrType.MP_UNREACH_NLRI, mp.length + octets);
      copyAll(nlri, from, to, buf, p + mp.copy(buf, p));
    },
  );
}

/** packedWithdrawals() as one Buffer per UPDATE (views of one allocation). */
export function packWithdrawals(family: AfiSafi, nlri: readonly EncodedNlri[]): Buffer[] {
  return messagesIn(packedWithdrawals(family, nlri));
}

/** RFC 4724 section 2: an empty UPDATE for ipv4-unicast; an MP_UNREACH_NLRI with no withdrawn routes otherwise. */
export function endOfRib(family: AfiSafi): Buffer {
  if (isIpv4Unicast(family)) {
    const buf = allocMessage(MIN_UPDATE_LENGTH, MessageType.UPDATE);
    buf.fill(0, HEADER_LENGTH);
    return buf;
  }
  const mp = mpUnreachHeader(family.afi, family.safi);
  const buf = allocMessage(MIN_UPDATE_LENGTH + 3 + mp.length, MessageType.UPDATE);
  buf.writeUInt16BE(0, HEADER_LENGTH);
  buf.writeUInt16BE(3 + mp.length, HEADER_LENGTH + 2);
  mp.copy(buf, writeMpHeader(buf, MIN_UPDATE_LENGTH, AttrType.MP_UNREACH_NLRI, mp.length));
  return buf;
}

/** The family whose End-of-RIB marker (RFC 4724 section 2) this UPDATE is; undefined for any other UPDATE. */
export function endOfRibFamily(update: UpdateMessage): AfiSafi | undefined {
  if (update.withdrawn.length > 0 || update.nlri.length > 0) return undefined;
  const [only, ...more] = update.attributes;
  if (only === undefined) return { afi: AFI.IPV4, safi: SAFI.UNICAST };
  if (more.length > 0 || only.type !== 'mp-unreach' || only.withdrawn.length > 0) return undefined;
  return { afi: only.afi, safi: only.safi };
}
