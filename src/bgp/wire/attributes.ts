// RFC 4271 section 4.3 path attributes:
//   Attr. Flags (1) | Attr. Type Code (1) | Attr. Length (1, or 2 with Extended Length) | Attr. Value
// Decoding follows RFC 7606: errors the session survives (attribute-discard,
// treat-as-withdraw) are collected; heavier ones are thrown.
import { encodeRouteTarget, formatIpv4, formatRouteTarget, writeIpv4 } from './address';
import { splitMvpnNlri } from './mvpn';
import { splitPrefixes } from './nlri';
import {
  AFI,
  AfiSafi,
  AS_TRANS,
  AsPathSegment,
  AttrFlag,
  AttrType,
  BgpMessageError,
  CodecOptions,
  ErrorCode,
  ErrorHandling,
  PathAttribute,
  SAFI,
  UpdateSubcode,
} from './types';

export { encodeRouteTarget };

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;
const CATEGORY = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

/** The Optional and Transitive bits of each recognized attribute (RFC 4271 section 5, RFC 1997, 4360, 4456, 4760, 6793). */
const CATEGORY_OF: Record<number, number> = {
  [AttrType.ORIGIN]: WELL_KNOWN,
  [AttrType.AS_PATH]: WELL_KNOWN,
  [AttrType.NEXT_HOP]: WELL_KNOWN,
  [AttrType.MULTI_EXIT_DISC]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.LOCAL_PREF]: WELL_KNOWN,
  [AttrType.ATOMIC_AGGREGATE]: WELL_KNOWN,
  [AttrType.AGGREGATOR]: OPTIONAL_TRANSITIVE,
  [AttrType.COMMUNITIES]: OPTIONAL_TRANSITIVE,
  [AttrType.ORIGINATOR_ID]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.CLUSTER_LIST]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.MP_REACH_NLRI]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.MP_UNREACH_NLRI]: OPTIONAL_NON_TRANSITIVE,
  [AttrType.EXTENDED_COMMUNITIES]: OPTIONAL_TRANSITIVE,
  [AttrType.AS4_PATH]: OPTIONAL_TRANSITIVE,
  [AttrType.AS4_AGGREGATOR]: OPTIONAL_TRANSITIVE,
};

const CODE_OF: Record<Exclude<PathAttribute['type'], 'unknown'>, number> = {
  origin: AttrType.ORIGIN,
  'as-path': AttrType.AS_PATH,
  'next-hop': AttrType.NEXT_HOP,
  med: AttrType.MULTI_EXIT_DISC,
  'local-pref': AttrType.LOCAL_PREF,
  'atomic-aggregate': AttrType.ATOMIC_AGGREGATE,
  aggregator: AttrType.AGGREGATOR,
  communities: AttrType.COMMUNITIES,
  'originator-id': AttrType.ORIGINATOR_ID,
  'cluster-list': AttrType.CLUSTER_LIST,
  'mp-reach': AttrType.MP_REACH_NLRI,
  'mp-unreach': AttrType.MP_UNREACH_NLRI,
  'extended-communities': AttrType.EXTENDED_COMMUNITIES,
  'as4-path': AttrType.AS4_PATH,
  'as4-aggregator': AttrType.AS4_AGGREGATOR,
};

/** The type code of an attribute. */
export function attributeCode(attr: PathAttribute): number {
  return attr.type === 'unknown' ? attr.code : CODE_OF[attr.type];
}

// ---------------------------------------------------------------- encoding

/** Flags, type code, length (extended when the value exceeds 255 octets) and value. */
function withHeader(flags: number, code: number, value: Buffer): Buffer {
  if (value.length > 0xffff) throw new RangeError(`attribute ${code} of ${value.length} octets exceeds 65535`);
  const extended = value.length > 255;
  const header = extended ? 4 : 3;
  const buf = Buffer.allocUnsafe(header + value.length);
  buf[0] = (flags & ~AttrFlag.EXTENDED_LENGTH & 0xf0) | (extended ? AttrFlag.EXTENDED_LENGTH : 0);
  buf[1] = code;
  if (extended) buf.writeUInt16BE(value.length, 2);
  else buf[2] = value.length;
  value.copy(buf, header);
  return buf;
}

function u32s(values: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(4 * values.length);
  values.forEach((v, i) => buf.writeUInt32BE(v, 4 * i));
  return buf;
}

function ipv4s(addresses: readonly string[]): Buffer {
  const buf = Buffer.allocUnsafe(4 * addresses.length);
  addresses.forEach((a, i) => writeIpv4(a, buf, 4 * i));
  return buf;
}

/** AS_PATH / AS4_PATH segments; with two-octet ASNs, one that needs four octets becomes AS_TRANS (RFC 6793 section 4.2.2). */
function encodeSegments(segments: readonly AsPathSegment[], width: 2 | 4): Buffer {
  const parts: Buffer[] = [];
  for (const segment of segments) {
    if (segment.asns.length > 255) throw new RangeError(`an AS_PATH segment of ${segment.asns.length} ASNs exceeds 255`);
    const buf = Buffer.allocUnsafe(2 + width * segment.asns.length);
    buf[0] = segment.type;
    buf[1] = segment.asns.length;
    segment.asns.forEach((asn, i) => {
      if (width === 4) buf.writeUInt32BE(asn, 2 + 4 * i);
      else buf.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn, 2 + 2 * i);
    });
    parts.push(buf);
  }
  return Buffer.concat(parts);
}

function aggregatorValue(asn: number, address: string, width: 2 | 4): Buffer {
  const buf = Buffer.allocUnsafe(width + 4);
  if (width === 4) buf.writeUInt32BE(asn);
  else buf.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn);
  writeIpv4(address, buf, width);
  return buf;
}

/** RFC 4760 section 3: AFI (2) | SAFI (1) | Length of Next Hop (1) | Next Hop | Reserved (1) | NLRI */
export function mpReachHeader(afi: number, safi: number, nextHop: Buffer): Buffer {
  if (nextHop.length > 255) throw new RangeError(`a next hop of ${nextHop.length} octets exceeds 255`);
  const buf = Buffer.alloc(5 + nextHop.length);
  buf.writeUInt16BE(afi);
  buf[2] = safi;
  buf[3] = nextHop.length;
  nextHop.copy(buf, 4);
  return buf;
}

/** RFC 4760 section 4: AFI (2) | SAFI (1) | Withdrawn Routes */
export function mpUnreachHeader(afi: number, safi: number): Buffer {
  const buf = Buffer.alloc(3);
  buf.writeUInt16BE(afi);
  buf[2] = safi;
  return buf;
}

function encodeValue(attr: PathAttribute, width: 2 | 4): Buffer {
  switch (attr.type) {
    case 'origin':
      return Buffer.from([attr.value]);
    case 'as-path':
      return encodeSegments(attr.segments, width);
    case 'as4-path':
      return encodeSegments(attr.segments, 4);
    case 'next-hop':
      return ipv4s([attr.address]);
    case 'med':
    case 'local-pref':
      return u32s([attr.value]);
    case 'atomic-aggregate':
      return Buffer.alloc(0);
    case 'aggregator':
      return aggregatorValue(attr.asn, attr.address, width);
    case 'as4-aggregator':
      return aggregatorValue(attr.asn, attr.address, 4);
    case 'communities':
      return u32s(attr.values);
    case 'originator-id':
      return ipv4s([attr.id]);
    case 'cluster-list':
      return ipv4s(attr.ids);
    case 'mp-reach':
      return Buffer.concat([mpReachHeader(attr.afi, attr.safi, attr.nextHop), ...attr.nlri]);
    case 'mp-unreach':
      return Buffer.concat([mpUnreachHeader(attr.afi, attr.safi), ...attr.withdrawn]);
    case 'extended-communities':
      for (const c of attr.values) if (c.length !== 8) throw new RangeError(`an extended community has 8 octets, not ${c.length}`);
      return Buffer.concat(attr.values);
    case 'unknown':
      return attr.value;
  }
}

/**
 * The attributes as they go to a peer with the given AS width (RFC 6793): to a
 * four-octet-AS speaker no AS4_PATH / AS4_AGGREGATOR (section 3); to a
 * two-octet one, AS4_PATH / AS4_AGGREGATOR added when the AS_PATH /
 * AGGREGATOR holds an ASN that needs four octets (section 4.2.2).
 */
function forPeer(attrs: readonly PathAttribute[], opts: CodecOptions): readonly PathAttribute[] {
  if (opts.fourOctetAs) return attrs.filter((a) => a.type !== 'as4-path' && a.type !== 'as4-aggregator');
  const out = [...attrs];
  const asPath = attrs.find((a) => a.type === 'as-path');
  if (
    asPath?.type === 'as-path' &&
    asPath.segments.some((s) => s.asns.some((asn) => asn > 0xffff)) &&
    !attrs.some((a) => a.type === 'as4-path')
  ) {
    out.push({ type: 'as4-path', segments: asPath.segments });
  }
  const aggregator = attrs.find((a) => a.type === 'aggregator');
  if (aggregator?.type === 'aggregator' && aggregator.asn > 0xffff && !attrs.some((a) => a.type === 'as4-aggregator')) {
    out.push({ type: 'as4-aggregator', asn: aggregator.asn, address: aggregator.address });
  }
  return out;
}

/** Each attribute encoded (flags, type, length, value), in the order given (see forPeer for RFC 6793). */
export function encodeAttributes(attrs: readonly PathAttribute[], opts: CodecOptions): Buffer[] {
  const width = opts.fourOctetAs ? 4 : 2;
  return forPeer(attrs, opts).map((attr) => {
    const code = attributeCode(attr);
    const flags = attr.type === 'unknown' ? attr.flags : (CATEGORY_OF[code] ?? 0);
    return withHeader(flags, code, encodeValue(attr, width));
  });
}

/** 'target:65000:100' style texts of the Route Target extended communities (RFC 4360 section 4, RFC 5668). */
export function routeTargets(attrs: readonly PathAttribute[]): string[] {
  const targets: string[] = [];
  for (const attr of attrs) {
    if (attr.type !== 'extended-communities') continue;
    for (const community of attr.values) {
      const text = formatRouteTarget(community);
      if (text !== undefined) targets.push(text);
    }
  }
  return targets;
}

// ---------------------------------------------------------------- decoding

/** A malformation the session survives: the NOTIFICATION it would have called for, and the RFC 7606 handling. */
interface Fault {
  readonly subcode: number;
  readonly handling: ErrorHandling;
  readonly message: string;
}

const fault = (subcode: number, handling: ErrorHandling, message: string): Fault => ({ subcode, handling, message });
const TAW = ErrorHandling.TREAT_AS_WITHDRAW;
const DISCARD = ErrorHandling.ATTRIBUTE_DISCARD;

function lengthFault(name: string, length: number, expected: string, handling: ErrorHandling, section: string): Fault {
  return fault(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, handling, `${name} of length ${length}, expected ${expected} (RFC 7606 section ${section})`);
}

/** AS_PATH / AS4_PATH segments; undefined when malformed (RFC 7606 section 7.2: unknown segment type, zero count, overrun, underrun). */
function decodeSegments(buf: Buffer, start: number, end: number, width: 2 | 4): AsPathSegment[] | undefined {
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 2) return undefined;
    const type = buf[p] === 1 ? 1 : buf[p] === 2 ? 2 : undefined;
    const count = buf[p + 1] ?? 0;
    const next = p + 2 + width * count;
    if (type === undefined || count === 0 || next > end) return undefined;
    const asns: number[] = [];
    for (let q = p + 2; q < next; q += width) asns.push(width === 4 ? buf.readUInt32BE(q) : buf.readUInt16BE(q));
    segments.push({ type, asns });
    p = next;
  }
  return segments;
}

function ipv4List(buf: Buffer, start: number, end: number): string[] {
  const out: string[] = [];
  for (let p = start; p < end; p += 4) out.push(formatIpv4(buf, p));
  return out;
}

/** RFC 4271 section 6.3: a NEXT_HOP must be a valid IP host address (not 0/8, not multicast or class E). */
function isHostAddress(first: number): boolean {
  return first !== 0 && first < 224;
}

/** The value of a recognized attribute other than MP_REACH_NLRI / MP_UNREACH_NLRI, or how it is malformed. */
function decodeValue(code: number, buf: Buffer, v: number, end: number, opts: CodecOptions): PathAttribute | Fault {
  const length = end - v;
  const width = opts.fourOctetAs ? 4 : 2;
  switch (code) {
    case AttrType.ORIGIN: {
      if (length !== 1) return lengthFault('ORIGIN', length, '1', TAW, '7.1');
      const value = buf[v] ?? 0;
      if (value > 2) return fault(UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE, TAW, `undefined ORIGIN ${value} (RFC 7606 section 7.1)`);
      return { type: 'origin', value };
    }
    case AttrType.AS_PATH: {
      const segments = decodeSegments(buf, v, end, width);
      if (segments === undefined) return fault(UpdateSubcode.MALFORMED_AS_PATH, TAW, 'malformed AS_PATH (RFC 7606 section 7.2)');
      return { type: 'as-path', segments };
    }
    case AttrType.NEXT_HOP:
      if (length !== 4) return lengthFault('NEXT_HOP', length, '4', TAW, '7.3');
      if (!isHostAddress(buf[v] ?? 0)) {
        return fault(UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE, TAW, `NEXT_HOP ${formatIpv4(buf, v)} is not a host address (RFC 7606 section 7.3)`);
      }
      return { type: 'next-hop', address: formatIpv4(buf, v) };
    case AttrType.MULTI_EXIT_DISC:
      if (length !== 4) return lengthFault('MULTI_EXIT_DISC', length, '4', TAW, '7.4');
      return { type: 'med', value: buf.readUInt32BE(v) };
    case AttrType.LOCAL_PREF:
      if (length !== 4) return lengthFault('LOCAL_PREF', length, '4', TAW, '7.5');
      return { type: 'local-pref', value: buf.readUInt32BE(v) };
    case AttrType.ATOMIC_AGGREGATE:
      if (length !== 0) return lengthFault('ATOMIC_AGGREGATE', length, '0', DISCARD, '7.6');
      return { type: 'atomic-aggregate' };
    case AttrType.AGGREGATOR:
      if (length !== width + 4) return lengthFault('AGGREGATOR', length, String(width + 4), DISCARD, '7.7');
      return { type: 'aggregator', asn: width === 4 ? buf.readUInt32BE(v) : buf.readUInt16BE(v), address: formatIpv4(buf, v + width) };
    case AttrType.COMMUNITIES: {
      if (length === 0 || length % 4 !== 0) return lengthFault('COMMUNITIES', length, 'a non-zero multiple of 4', TAW, '7.8');
      const values: number[] = [];
      for (let p = v; p < end; p += 4) values.push(buf.readUInt32BE(p));
      return { type: 'communities', values };
    }
    case AttrType.ORIGINATOR_ID:
      if (length !== 4) return lengthFault('ORIGINATOR_ID', length, '4', TAW, '7.9');
      return { type: 'originator-id', id: formatIpv4(buf, v) };
    case AttrType.CLUSTER_LIST:
      if (length === 0 || length % 4 !== 0) return lengthFault('CLUSTER_LIST', length, 'a non-zero multiple of 4', TAW, '7.10');
      return { type: 'cluster-list', ids: ipv4List(buf, v, end) };
    case AttrType.EXTENDED_COMMUNITIES: {
      if (length === 0 || length % 8 !== 0) return lengthFault('EXTENDED_COMMUNITIES', length, 'a non-zero multiple of 8', TAW, '7.14');
      const values: Buffer[] = [];
      for (let p = v; p < end; p += 8) values.push(buf.subarray(p, p + 8));
      return { type: 'extended-communities', values };
    }
    case AttrType.AS4_PATH: {
      // RFC 6793 sections 3 and 6: not from a four-octet-AS speaker, and discarded when malformed
      if (opts.fourOctetAs) return fault(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, DISCARD, 'AS4_PATH from a four-octet-AS speaker (RFC 6793 section 3)');
      const segments = decodeSegments(buf, v, end, 4);
      if (segments === undefined) return fault(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, DISCARD, 'malformed AS4_PATH (RFC 6793 section 6)');
      return { type: 'as4-path', segments };
    }
    default: {
      // AS4_AGGREGATOR: the one recognized code left (decodeMp takes MP_REACH_NLRI and MP_UNREACH_NLRI)
      if (opts.fourOctetAs) return fault(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, DISCARD, 'AS4_AGGREGATOR from a four-octet-AS speaker (RFC 6793 section 3)');
      if (length !== 8) return fault(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, DISCARD, `AS4_AGGREGATOR of length ${length}, expected 8 (RFC 6793 section 6)`);
      return { type: 'as4-aggregator', asn: buf.readUInt32BE(v), address: formatIpv4(buf, v + 4) };
    }
  }
}

/** Next Hop lengths each family takes (RFC 4760 section 3, RFC 6515 section 3 for MCAST-VPN); any for other families. */
function nextHopLengthValid(afi: number, safi: number, length: number): boolean {
  if (safi === SAFI.MCAST_VPN) return length === 4 || length === 16;
  if (safi === SAFI.UNICAST && afi === AFI.IPV4) return length === 4;
  if (safi === SAFI.UNICAST && afi === AFI.IPV6) return length === 16 || length === 32;
  return true;
}

/**
 * Splits the NLRI of a family into one Buffer per NLRI (aliasing `buf`): IPv4
 * and IPv6 unicast prefixes, MCAST-VPN routes; any other family's field is
 * kept whole as one Buffer. False when syntactically incorrect.
 */
function splitNlri(afi: number, safi: number, buf: Buffer, start: number, end: number, out: Buffer[]): boolean {
  if (safi === SAFI.MCAST_VPN) return splitMvpnNlri(buf, start, end, out);
  if (safi === SAFI.UNICAST && afi === AFI.IPV4) return splitPrefixes(buf, start, end, 32, out);
  if (safi === SAFI.UNICAST && afi === AFI.IPV6) return splitPrefixes(buf, start, end, 128, out);
  if (start < end) out.push(buf.subarray(start, end));
  return true;
}

/**
 * RFC 7606 section 5.3 and 7.11, RFC 4760 section 7: a malformed MP_REACH_NLRI
 * or MP_UNREACH_NLRI disables its AFI/SAFI when that can be read, and resets
 * the session otherwise.
 */
function mpError(raw: Buffer, v: number, subcode: number, message: string): BgpMessageError {
  const data = Buffer.from(raw);
  if (raw.length - v < 3) {
    return new BgpMessageError(ErrorCode.UPDATE_MESSAGE, subcode, data, ErrorHandling.SESSION_RESET, message);
  }
  const afiSafi: AfiSafi = { afi: raw.readUInt16BE(v), safi: raw[v + 2] ?? 0 };
  return new BgpMessageError(ErrorCode.UPDATE_MESSAGE, subcode, data, ErrorHandling.AFI_SAFI_DISABLE, message, afiSafi);
}

/** MP_REACH_NLRI / MP_UNREACH_NLRI of `raw` (the whole attribute, value from `v`); throws when malformed. */
function decodeMp(code: number, raw: Buffer, v: number): PathAttribute {
  const end = raw.length;
  const name = code === AttrType.MP_REACH_NLRI ? 'MP_REACH_NLRI' : 'MP_UNREACH_NLRI';
  const malformed = (why: string): BgpMessageError => mpError(raw, v, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `${name}: ${why} (RFC 7606 section 5.3)`);
  if (end - v < 3) throw malformed(`length ${end - v} is less than ${code === AttrType.MP_REACH_NLRI ? 5 : 3}`);
  const afi = raw.readUInt16BE(v);
  const safi = raw[v + 2] ?? 0;
  const nlri: Buffer[] = [];
  if (code === AttrType.MP_UNREACH_NLRI) {
    if (!splitNlri(afi, safi, raw, v + 3, end, nlri)) throw malformed(`withdrawn routes of ${afi}/${safi} are malformed`);
    return { type: 'mp-unreach', afi, safi, withdrawn: nlri };
  }
  if (end - v < 5) throw malformed(`length ${end - v} is less than 5`);
  const nextHopLength = raw[v + 3] ?? 0;
  const nlriStart = v + 5 + nextHopLength;
  if (nlriStart > end || !nextHopLengthValid(afi, safi, nextHopLength)) {
    throw malformed(`next hop length ${nextHopLength} does not fit ${afi}/${safi}`);
  }
  if (!splitNlri(afi, safi, raw, nlriStart, end, nlri)) throw malformed(`NLRI of ${afi}/${safi} are malformed`);
  return { type: 'mp-reach', afi, safi, nextHop: raw.subarray(v + 4, v + 4 + nextHopLength), nlri };
}

function updateError(subcode: number, data: Buffer, handling: ErrorHandling, message: string): BgpMessageError {
  return new BgpMessageError(ErrorCode.UPDATE_MESSAGE, subcode, data, handling, message);
}

export interface DecodedAttributes {
  readonly attributes: PathAttribute[];
  /** errors the session survives, in the order found */
  readonly errors: BgpMessageError[];
  /** the type codes present in the field, malformed ones included */
  readonly codes: ReadonlySet<number>;
  /** the field ended inside an attribute (RFC 7606 section 4) */
  readonly truncated: boolean;
}

/**
 * The Path Attributes field `buf[start, end)`. Buffers in the result alias
 * `buf`. Throws BgpMessageError for what RFC 7606 answers with session-reset
 * or afi-safi-disable (repeated or malformed MP_REACH_NLRI / MP_UNREACH_NLRI,
 * an unrecognized well-known attribute); collects the rest.
 */
export function decodeAttributes(buf: Buffer, start: number, end: number, opts: CodecOptions): DecodedAttributes {
  const attributes: PathAttribute[] = [];
  const errors: BgpMessageError[] = [];
  const codes = new Set<number>();
  let truncated = false;
  const isMp = (code: number): boolean => code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI;
  const listError = (handling: ErrorHandling, message: string, data = Buffer.alloc(0)): BgpMessageError =>
    updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, data, handling, message);
  let p = start;
  while (p < end) {
    const flags = buf[p] ?? 0;
    const code = buf[p + 1] ?? 0;
    const headerLength = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    if (end - p < headerLength) {
      // RFC 7606 section 4, second case
      errors.push(listError(TAW, `${end - p} octets left, too few for an attribute (RFC 7606 section 4)`));
      truncated = true;
      break;
    }
    const length = headerLength === 4 ? buf.readUInt16BE(p + 2) : (buf[p + 2] ?? 0);
    const next = p + headerLength + length;
    if (next > end) {
      // RFC 7606 section 4, first case; MP attributes must be parsed whole to withdraw anything
      const message = `attribute ${code} runs past the path attributes (RFC 7606 section 4)`;
      if (isMp(code)) throw listError(ErrorHandling.SESSION_RESET, message);
      errors.push(listError(TAW, message));
      truncated = true;
      break;
    }
    const raw = buf.subarray(p, next);
    const v = headerLength;
    const seen = codes.has(code);
    codes.add(code);
    p = next;
    if (seen) {
      // RFC 7606 section 3 (g)
      const message = `attribute ${code} repeated (RFC 7606 section 3 (g))`;
      if (isMp(code)) throw listError(ErrorHandling.SESSION_RESET, message);
      errors.push(listError(DISCARD, `${message}: discarded`, Buffer.from(raw)));
      continue;
    }
    const category = CATEGORY_OF[code];
    if (category === undefined) {
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        // RFC 4271 section 6.3, not revised by RFC 7606
        const message = `unrecognized well-known attribute ${code}`;
        throw updateError(UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, Buffer.from(raw), ErrorHandling.SESSION_RESET, message);
      }
      attributes.push({ type: 'unknown', flags: flags & (CATEGORY | AttrFlag.PARTIAL), code, value: raw.subarray(v) });
      continue;
    }
    if ((flags & CATEGORY) !== category) {
      // RFC 7606 section 3 (c); its exceptions: section 5.3 for MP attributes, RFC 6793 section 6 for AS4_*
      const message = `attribute ${code} has flags 0x${flags.toString(16)} (RFC 7606 section 3 (c))`;
      if (isMp(code)) throw mpError(raw, v, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, message);
      const handling = code === AttrType.AS4_PATH || code === AttrType.AS4_AGGREGATOR ? DISCARD : TAW;
      errors.push(updateError(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, Buffer.from(raw), handling, message));
      continue;
    }
    if (isMp(code)) {
      attributes.push(decodeMp(code, raw, v));
      continue;
    }
    const decoded = decodeValue(code, raw, v, raw.length, opts);
    if ('subcode' in decoded) errors.push(updateError(decoded.subcode, Buffer.from(raw), decoded.handling, decoded.message));
    else attributes.push(decoded);
  }
  return { attributes, errors, codes, truncated };
}
