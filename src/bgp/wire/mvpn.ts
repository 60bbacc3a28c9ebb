// RFC 6514 section 4 MCAST-VPN NLRI:
//   Route Type (1) | Length (1) | Route Type specific (Length octets)
// with RFC 6515 C-addresses (the length octet counts bits: 32 or 128; an
// Originating Router's IP Address is 4 or 16 octets, known from the NLRI
// length) and RFC 6625 wildcards (a C-address length of 0 is '*', in S-PMSI
// A-D routes and so in the route keys of Leaf A-D routes).
import { formatAddress, formatRouteDistinguisher, RD_LENGTH, writeIpv4, writeIpv6, writeRouteDistinguisher } from './address';
import { BgpMessageError, ErrorCode, ErrorHandling, MvpnRouteType, UpdateSubcode } from './types';

export type MvpnRoute =
  | { routeType: 1; rd: string; originatingRouter: string }
  | { routeType: 2; rd: string; sourceAs: number }
  | { routeType: 3; rd: string; source: string; group: string; originatingRouter: string } // '*' = wildcard (RFC 6625)
  | { routeType: 4; routeKey: MvpnRoute | Buffer; originatingRouter: string } // route key: the NLRI of the route it answers (type 3, or raw)
  | { routeType: 5; rd: string; source: string; group: string }
  | { routeType: 6 | 7; rd: string; sourceAs: number; source: string; group: string };

/** RFC 6514 section 4 route type names, as the decode command prints them. */
const ROUTE_TYPE_NAMES: Record<number, string> = {
  [MvpnRouteType.INTRA_AS_I_PMSI_AD]: 'intra-as-i-pmsi-a-d',
  [MvpnRouteType.INTER_AS_I_PMSI_AD]: 'inter-as-i-pmsi-a-d',
  [MvpnRouteType.S_PMSI_AD]: 's-pmsi-a-d',
  [MvpnRouteType.LEAF_AD]: 'leaf-a-d',
  [MvpnRouteType.SOURCE_ACTIVE_AD]: 'source-active-a-d',
  [MvpnRouteType.SHARED_TREE_JOIN]: 'shared-tree-join',
  [MvpnRouteType.SOURCE_TREE_JOIN]: 'source-tree-join',
};

/** The name of a route type of RFC 6514, undefined for any other (which RFC 7606 section 5.4 has us discard). */
export function mvpnRouteTypeName(routeType: number): string | undefined {
  return ROUTE_TYPE_NAMES[routeType];
}

/**
 * Route keys decoded into an MvpnRoute: RFC 6514 section 4.4 names S-PMSI A-D
 * and Inter-AS I-PMSI A-D routes, RFC 7524 adds Intra-AS I-PMSI A-D routes.
 * A key of any other type stays raw.
 */
const isDecodedKeyType = (t: number): t is 1 | 2 | 3 => t >= 1 && t <= 3;

const WILDCARD = '*';
const SOURCE_AS_LENGTH = 4;
const isRouterLength = (n: number): boolean => n === 4 || n === 16;

/** The end of the C-address field (length in bits, address) at `p`, or -1 when it is malformed or runs past `end`. */
function cAddressEnd(buf: Buffer, p: number, end: number, wildcard: boolean): number {
  if (p >= end) return -1;
  const bits = buf[p];
  const n = bits === 32 ? 4 : bits === 128 ? 16 : bits === 0 && wildcard ? 0 : -1;
  if (n < 0 || p + 1 + n > end) return -1;
  return p + 1 + n;
}

/** Source then group C-addresses from `p`; the end of the group, or -1. */
function sourceGroupEnd(buf: Buffer, p: number, end: number, wildcard: boolean): number {
  const sourceEnd = cAddressEnd(buf, p, end, wildcard);
  return sourceEnd < 0 ? -1 : cAddressEnd(buf, sourceEnd, end, wildcard);
}

/** Whether the value `buf[v, end)` is laid out as route type `type` asks; true for unknown types (kept raw). */
function valueWellFormed(type: number, buf: Buffer, v: number, end: number): boolean {
  switch (type) {
    case MvpnRouteType.INTRA_AS_I_PMSI_AD:
      return isRouterLength(end - v - RD_LENGTH);
    case MvpnRouteType.INTER_AS_I_PMSI_AD:
      return end - v === RD_LENGTH + SOURCE_AS_LENGTH;
    case MvpnRouteType.S_PMSI_AD: {
      const p = sourceGroupEnd(buf, v + RD_LENGTH, end, true);
      return p >= 0 && isRouterLength(end - p);
    }
    case MvpnRouteType.LEAF_AD: {
      if (end - v < 2) return false;
      const keyType = buf[v] ?? 0;
      const keyEnd = v + 2 + (buf[v + 1] ?? 0);
      if (keyEnd > end || !isRouterLength(end - keyEnd)) return false;
      return !isDecodedKeyType(keyType) || valueWellFormed(keyType, buf, v + 2, keyEnd);
    }
    case MvpnRouteType.SOURCE_ACTIVE_AD:
      return sourceGroupEnd(buf, v + RD_LENGTH, end, false) === end;
    case MvpnRouteType.SHARED_TREE_JOIN:
    case MvpnRouteType.SOURCE_TREE_JOIN:
      return sourceGroupEnd(buf, v + RD_LENGTH + SOURCE_AS_LENGTH, end, false) === end;
    default:
      return true;
  }
}

/**
 * Whether the NLRI `buf[start, end)` (route type, length, value; its length
 * octet already matching `end`) is well formed. Unknown route types pass:
 * they are kept, and skipped by whoever reads them (RFC 7606 section 5.4).
 */
function mvpnNlriWellFormed(buf: Buffer, start: number, end: number): boolean {
  return valueWellFormed(buf[start] ?? 0, buf, start + 2, end);
}

function cAddressText(buf: Buffer, p: number): string {
  const n = (buf[p] ?? 0) >> 3;
  return n === 0 ? WILDCARD : formatAddress(buf, p + 1, n);
}

function decodeValue(type: number, buf: Buffer, v: number, end: number): MvpnRoute {
  const rd = (): string => formatRouteDistinguisher(buf, v);
  switch (type) {
    case MvpnRouteType.INTRA_AS_I_PMSI_AD:
      return { routeType: 1, rd: rd(), originatingRouter: formatAddress(buf, v + RD_LENGTH, end - v - RD_LENGTH) };
    case MvpnRouteType.INTER_AS_I_PMSI_AD:
      return { routeType: 2, rd: rd(), sourceAs: buf.readUInt32BE(v + RD_LENGTH) };
    case MvpnRouteType.S_PMSI_AD: {
      const s = v + RD_LENGTH;
      const g = cAddressEnd(buf, s, end, true);
      const o = cAddressEnd(buf, g, end, true);
      const source = cAddressText(buf, s);
      return { routeType: 3, rd: rd(), source, group: cAddressText(buf, g), originatingRouter: formatAddress(buf, o, end - o) };
    }
    case MvpnRouteType.LEAF_AD: {
      const keyType = buf[v] ?? 0;
      const keyEnd = v + 2 + (buf[v + 1] ?? 0);
      const routeKey = isDecodedKeyType(keyType) ? decodeValue(keyType, buf, v + 2, keyEnd) : buf.subarray(v, keyEnd);
      return { routeType: 4, routeKey, originatingRouter: formatAddress(buf, keyEnd, end - keyEnd) };
    }
    case MvpnRouteType.SOURCE_ACTIVE_AD: {
      const s = v + RD_LENGTH;
      const g = cAddressEnd(buf, s, end, false);
      return { routeType: 5, rd: rd(), source: cAddressText(buf, s), group: cAddressText(buf, g) };
    }
    default: {
      const s = v + RD_LENGTH + SOURCE_AS_LENGTH;
      const g = cAddressEnd(buf, s, end, false);
      return {
        routeType: type === MvpnRouteType.SHARED_TREE_JOIN ? 6 : 7,
        rd: rd(),
        sourceAs: buf.readUInt32BE(v + RD_LENGTH),
        source: cAddressText(buf, s),
        group: cAddressText(buf, g),
      };
    }
  }
}

function nlriError(buf: Buffer, handling: ErrorHandling, message: string): BgpMessageError {
  return new BgpMessageError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, Buffer.from(buf), handling, message);
}

/**
 * One NLRI (route type, length, value) as an MvpnRoute. Throws BgpMessageError:
 * a malformed NLRI with handling afi-safi-disable (RFC 7606 section 5.3); an
 * NLRI of a route type RFC 6514 does not define with handling
 * attribute-discard: discard that route and go on (RFC 7606 section 5.4).
 * A raw route key aliases `buf`.
 */
export function decodeMvpnNlri(buf: Buffer): MvpnRoute {
  const type = buf[0] ?? 0;
  if (buf.length < 2 || buf.length !== 2 + (buf[1] ?? 0)) {
    throw nlriError(buf, ErrorHandling.AFI_SAFI_DISABLE, `MCAST-VPN NLRI length does not match its ${buf.length} octets`);
  }
  if (mvpnRouteTypeName(type) === undefined) {
    throw nlriError(buf, ErrorHandling.ATTRIBUTE_DISCARD, `unknown MCAST-VPN route type ${type}: discarded (RFC 7606 section 5.4)`);
  }
  if (!valueWellFormed(type, buf, 2, buf.length)) {
    throw nlriError(buf, ErrorHandling.AFI_SAFI_DISABLE, `malformed MCAST-VPN ${mvpnRouteTypeName(type)} route`);
  }
  return decodeValue(type, buf, 2, buf.length);
}

/** The route type (first octet) of an encoded NLRI; 0 for an empty buffer. */
export function mvpnRouteType(nlri: Buffer): number {
  return nlri[0] ?? 0;
}

/** The RD of an encoded NLRI of type 1, 2, 3, 5, 6 or 7; undefined for type 4 (its RD is inside the route key) and unknown types. */
export function mvpnRouteDistinguisher(nlri: Buffer): string | undefined {
  const type = nlri[0] ?? 0;
  if (type === MvpnRouteType.LEAF_AD || mvpnRouteTypeName(type) === undefined || nlri.length < 2 + RD_LENGTH) return undefined;
  return formatRouteDistinguisher(nlri, 2);
}

function cAddressLength(text: string, wildcard: boolean): number {
  if (wildcard && text === WILDCARD) return 1;
  return text.includes(':') ? 17 : 5;
}

function routerLength(text: string): number {
  return text.includes(':') ? 16 : 4;
}

function valueLength(route: MvpnRoute): number {
  switch (route.routeType) {
    case 1:
      return RD_LENGTH + routerLength(route.originatingRouter);
    case 2:
      return RD_LENGTH + SOURCE_AS_LENGTH;
    case 3:
      return RD_LENGTH + cAddressLength(route.source, true) + cAddressLength(route.group, true) + routerLength(route.originatingRouter);
    case 4:
      return (Buffer.isBuffer(route.routeKey) ? route.routeKey.length : 2 + valueLength(route.routeKey)) + routerLength(route.originatingRouter);
    case 5:
      return RD_LENGTH + cAddressLength(route.source, false) + cAddressLength(route.group, false);
    case 6:
    case 7:
      return RD_LENGTH + SOURCE_AS_LENGTH + cAddressLength(route.source, false) + cAddressLength(route.group, false);
  }
}

function writeAddress(text: string, buf: Buffer, p: number): number {
  if (text.includes(':')) {
    writeIpv6(text, buf, p);
    return p + 16;
  }
  writeIpv4(text, buf, p);
  return p + 4;
}

function writeCAddress(text: string, wildcard: boolean, buf: Buffer, p: number): number {
  if (wildcard && text === WILDCARD) {
    buf[p] = 0;
    return p + 1;
  }
  buf[p] = text.includes(':') ? 128 : 32;
  return writeAddress(text, buf, p + 1);
}

/** Writes the whole NLRI (type, length, value) at `p`; returns its end. */
function writeNlri(route: MvpnRoute, buf: Buffer, p: number): number {
  const length = valueLength(route);
  if (length > 255) throw new RangeError(`an MCAST-VPN NLRI value of ${length} octets exceeds 255`);
  buf[p] = route.routeType;
  buf[p + 1] = length;
  let q = p + 2;
  if (route.routeType !== 4) {
    writeRouteDistinguisher(route.rd, buf, q);
    q += RD_LENGTH;
  }
  switch (route.routeType) {
    case 1:
      return writeAddress(route.originatingRouter, buf, q);
    case 2:
      buf.writeUInt32BE(route.sourceAs, q);
      return q + SOURCE_AS_LENGTH;
    case 3:
      q = writeCAddress(route.source, true, buf, q);
      q = writeCAddress(route.group, true, buf, q);
      return writeAddress(route.originatingRouter, buf, q);
    case 4:
      if (Buffer.isBuffer(route.routeKey)) q += route.routeKey.copy(buf, q);
      else q = writeNlri(route.routeKey, buf, q);
      return writeAddress(route.originatingRouter, buf, q);
    case 5:
      q = writeCAddress(route.source, false, buf, q);
      return writeCAddress(route.group, false, buf, q);
    case 6:
    case 7:
      buf.writeUInt32BE(route.sourceAs, q);
      q = writeCAddress(route.source, false, buf, q + SOURCE_AS_LENGTH);
      return writeCAddress(route.group, false, buf, q);
  }
}

/** The NLRI (route type, length, value) of a route; RangeError for text that is not an address or RD, or '*' outside S-PMSI A-D routes. */
export function encodeMvpnNlri(route: MvpnRoute): Buffer {
  const buf = Buffer.allocUnsafe(2 + valueLength(route));
  writeNlri(route, buf, 0);
  return buf;
}

/**
 * Splits the MCAST-VPN NLRI of `buf[start, end)` into one Buffer per NLRI,
 * appended to `out`; they alias `buf` (no copies). False when a length runs
 * past `end` or a route of a known type is malformed (RFC 7606 section 5.3).
 */
export function splitMvpnNlri(buf: Buffer, start: number, end: number, out: Buffer[]): boolean {
  let p = start;
  while (p < end) {
    if (end - p < 2) return false;
    const next = p + 2 + (buf[p + 1] ?? 0);
    if (next > end || !mvpnNlriWellFormed(buf, p, next)) return false;
    out.push(buf.subarray(p, next));
    p = next;
  }
  return true;
}
