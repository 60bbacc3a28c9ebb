// RFC 4271 section 4.3 UPDATE:
//   Withdrawn Routes Length (2) | Withdrawn Routes | Total Path Attribute Length (2) | Path Attributes | NLRI
// decoding with RFC 7606 error handling, and packing many NLRI per UPDATE.
import { formatIpv4 } from './address';
import { attributeCode, decodeAttributes, encodeAttributes, mpReachHeader, mpUnreachHeader, routeTargets } from './attributes';
import type { CodecOptions } from './codec';
import { allocMessage } from './header';
import { splitPrefixes } from './nlri';
import {
  AFI,
  AfiSafi,
  AttrFlag,
  AttrType,
  BgpMessageError,
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

function copyAll(buffers: readonly Buffer[], from: number, to: number, target: Buffer, at: number): number {
  let p = at;
  for (let i = from; i < to; i++) p += (buffers[i] as Buffer).copy(target, p);
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

/** Calls `emit(from, to, octets)` for consecutive runs of `items` of at most `room` octets each. */
function runs(items: readonly Buffer[], room: number, emit: (from: number, to: number, octets: number) => void): void {
  let from = 0;
  let octets = 0;
  for (let i = 0; i < items.length; i++) {
    const n = (items[i] as Buffer).length;
    if (n > room) throw new RangeError(`an NLRI of ${n} octets does not fit an UPDATE`);
    if (octets + n > room) {
      emit(from, i, octets);
      from = i;
      octets = 0;
    }
    octets += n;
  }
  if (from < items.length) emit(from, items.length, octets);
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
 * octets each (MP_REACH_NLRI for MVPN, the NLRI field for ipv4-unicast).
 * `nextHop` makes the NEXT_HOP attribute (4 octets, ipv4-unicast) or the
 * MP_REACH_NLRI next hop; 'next-hop', 'mp-reach' and 'mp-unreach' entries of
 * `attributes` are not used. MP_REACH_NLRI comes first (RFC 7606 section
 * 5.1), the other attributes in type code order. Each UPDATE is one
 * allocation; the NLRI are copied in, in order.
 */
export function packUpdates(
  family: AfiSafi,
  attributes: readonly PathAttribute[],
  nextHop: Buffer,
  nlri: readonly Buffer[],
  opts: CodecOptions,
): Buffer[] {
  const others = attributes.filter((a) => a.type !== 'next-hop' && a.type !== 'mp-reach' && a.type !== 'mp-unreach');
  const out: Buffer[] = [];
  if (isIpv4Unicast(family)) {
    if (nextHop.length !== 4) throw new RangeError(`an ipv4-unicast next hop has 4 octets, not ${nextHop.length}`);
    const attrs = Buffer.concat(encodeAttributes(byCode([...others, { type: 'next-hop', address: formatIpv4(nextHop, 0) }]), opts));
    runs(nlri, MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH - attrs.length, (from, to, octets) => {
      const buf = allocMessage(MIN_UPDATE_LENGTH + attrs.length + octets, MessageType.UPDATE);
      buf.writeUInt16BE(0, HEADER_LENGTH);
      buf.writeUInt16BE(attrs.length, HEADER_LENGTH + 2);
      copyAll(nlri, from, to, buf, MIN_UPDATE_LENGTH + attrs.copy(buf, MIN_UPDATE_LENGTH));
      out.push(buf);
    });
    return out;
  }
  const attrs = Buffer.concat(encodeAttributes(byCode(others), opts));
  const mp = mpReachHeader(family.afi, family.safi, nextHop);
  runs(nlri, MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH - 4 - mp.length - attrs.length, (from, to, octets) => {
    const valueLength = mp.length + octets;
    const attributesLength = mpHeaderLength(valueLength) + valueLength + attrs.length;
    const buf = allocMessage(MIN_UPDATE_LENGTH + attributesLength, MessageType.UPDATE);
    buf.writeUInt16BE(0, HEADER_LENGTH);
    buf.writeUInt16BE(attributesLength, HEADER_LENGTH + 2);
    let p = writeMpHeader(buf, MIN_UPDATE_LENGTH, AttrType.MP_REACH_NLRI, valueLength);
    p += mp.copy(buf, p);
    p = copyAll(nlri, from, to, buf, p);
    attrs.copy(buf, p);
    out.push(buf);
  });
  return out;
}

/** Withdraws NLRI in as few UPDATEs as fit: the Withdrawn Routes field for ipv4-unicast, MP_UNREACH_NLRI otherwise. */
export function packWithdrawals(family: AfiSafi, nlri: readonly Buffer[], opts: CodecOptions): Buffer[] {
  void opts; // withdrawals carry no AS numbers; the parameter keeps the packers' signatures alike
  const out: Buffer[] = [];
  if (isIpv4Unicast(family)) {
    runs(nlri, MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH, (from, to, octets) => {
      const buf = allocMessage(MIN_UPDATE_LENGTH + octets, MessageType.UPDATE);
      buf.writeUInt16BE(octets, HEADER_LENGTH);
      buf.writeUInt16BE(0, copyAll(nlri, from, to, buf, HEADER_LENGTH + 2));
      out.push(buf);
    });
    return out;
  }
  const mp = mpUnreachHeader(family.afi, family.safi);
  runs(nlri, MAX_MESSAGE_LENGTH - MIN_UPDATE_LENGTH - 4 - mp.length, (from, to, octets) => {
    const valueLength = mp.length + octets;
    const attributesLength = mpHeaderLength(valueLength) + valueLength;
    const buf = allocMessage(MIN_UPDATE_LENGTH + attributesLength, MessageType.UPDATE);
    buf.writeUInt16BE(0, HEADER_LENGTH);
    buf.writeUInt16BE(attributesLength, HEADER_LENGTH + 2);
    const p = writeMpHeader(buf, MIN_UPDATE_LENGTH, AttrType.MP_UNREACH_NLRI, valueLength);
    copyAll(nlri, from, to, buf, p + mp.copy(buf, p));
    out.push(buf);
  });
  return out;
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
