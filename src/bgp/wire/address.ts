// Address and identifier text <-> octets: IPv4 and IPv6 addresses (RFC 5952
// text on output), RFC 4364 section 4.2 Route Distinguishers, and the RFC 4360
// section 4 / RFC 5668 Route Target extended communities that share their layout.
// Text that is not an address or RD is a caller's mistake: RangeError.

const IPV4_TEXT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DECIMAL = /^\d+$/;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;

export function isIpv4Text(text: string): boolean {
  const m = IPV4_TEXT.exec(text);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** Writes a dotted quad at `offset`. */
export function writeIpv4(text: string, buf: Buffer, offset: number): void {
  const m = IPV4_TEXT.exec(text);
  if (m === null) throw new RangeError(`not an IPv4 address: ${text}`);
  for (let i = 0; i < 4; i++) {
    const octet = Number(m[i + 1]);
    if (octet > 255) throw new RangeError(`not an IPv4 address: ${text}`);
    buf[offset + i] = octet;
  }
}

export function formatIpv4(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** The 16 octets of an IPv6 address text (RFC 4291 section 2.2, with an IPv4 tail allowed). */
function ipv6Groups(text: string): number[] {
  const bad = (): RangeError => new RangeError(`not an IPv6 address: ${text}`);
  let s = text;
  if (s.includes('.')) {
    const colon = s.lastIndexOf(':');
    const tail = Buffer.alloc(4);
    writeIpv4(s.slice(colon + 1), tail, 0);
    s = `${s.slice(0, colon + 1)}${tail.readUInt16BE(0).toString(16)}:${tail.readUInt16BE(2).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').map((g) => {
      if (!HEX_GROUP.test(g)) throw bad();
      return parseInt(g, 16);
    });
  };
  const head = parse(halves[0] ?? '');
  if (halves.length === 1) {
    if (head.length !== 8) throw bad();
    return head;
  }
  const tail = parse(halves[1] ?? '');
  if (head.length + tail.length > 7) throw bad();
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

export function writeIpv6(text: string, buf: Buffer, offset: number): void {
  ipv6Groups(text).forEach((g, i) => buf.writeUInt16BE(g, offset + 2 * i));
}

/** RFC 5952 section 4: lower case, no leading zeros, the longest run of two or more zero groups as '::'. */
export function formatIpv6(buf: Buffer, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(offset + 2 * i));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The octets of an IPv4 (4) or IPv6 (16) address text. */
export function addressOctets(text: string): Buffer {
  const v6 = text.includes(':');
  const buf = Buffer.alloc(v6 ? 16 : 4);
  if (v6) writeIpv6(text, buf, 0);
  else writeIpv4(text, buf, 0);
  return buf;
}

/** An address of 4 or 16 octets as text. */
export function formatAddress(buf: Buffer, offset: number, length: number): string {
  return length === 4 ? formatIpv4(buf, offset) : formatIpv6(buf, offset);
}

/**
 * The six octets after the type of an RD (RFC 4364 section 4.2) or of a
 * two-octet-AS (type 0), IPv4-address (1) or four-octet-AS (2) specific
 * extended community (RFC 4360 section 3, RFC 5668), which share one layout:
 *   0: ASN (2) : number (4)   '65000:100'
 *   1: IPv4 (4) : number (2)  '192.0.2.1:100'
 *   2: ASN (4) : number (2)   '4200000000:100', or '65000L:100' when the ASN fits two octets
 */
function formatAdministrator(kind: number, buf: Buffer, offset: number): string | undefined {
  switch (kind) {
    case 0:
      return `${buf.readUInt16BE(offset)}:${buf.readUInt32BE(offset + 2)}`;
    case 1:
      return `${formatIpv4(buf, offset)}:${buf.readUInt16BE(offset + 4)}`;
    case 2: {
      const asn = buf.readUInt32BE(offset);
      return `${asn}${asn <= MAX_U16 ? 'L' : ''}:${buf.readUInt16BE(offset + 4)}`;
    }
    default:
      return undefined;
  }
}

/** Writes the kind (0, 1 or 2, see formatAdministrator) and fills the six octets after the type at `offset`. */
function writeAdministrator(text: string, buf: Buffer, offset: number): number {
  const bad = (): RangeError => new RangeError(`not an ASN:number or IPv4:number value: ${text}`);
  const colon = text.lastIndexOf(':');
  const admin = text.slice(0, colon);
  const assigned = text.slice(colon + 1);
  if (colon < 0 || !DECIMAL.test(assigned)) throw bad();
  const number = Number(assigned);
  if (isIpv4Text(admin)) {
    if (number > MAX_U16) throw bad();
    writeIpv4(admin, buf, offset);
    buf.writeUInt16BE(number, offset + 4);
    return 1;
  }
  const m = /^(\d+)(L?)$/.exec(admin);
  if (m === null) throw bad();
  const asn = Number(m[1]);
  if (asn > MAX_U32) throw bad();
  if (m[2] === 'L' || asn > MAX_U16) {
    if (number > MAX_U16) throw bad();
    buf.writeUInt32BE(asn, offset);
    buf.writeUInt16BE(number, offset + 4);
    return 2;
  }
  if (number > MAX_U32) throw bad();
  buf.writeUInt16BE(asn, offset);
  buf.writeUInt32BE(number, offset + 2);
  return 0;
}

export const RD_LENGTH = 8;

/** RFC 4364 section 4.2 text of the RD at `offset`; other RD types as '0x' and 16 hex digits. */
export function formatRouteDistinguisher(buf: Buffer, offset: number): string {
  return (
    formatAdministrator(buf.readUInt16BE(offset), buf, offset + 2) ??
    `0x${buf.toString('hex', offset, offset + RD_LENGTH)}`
  );
}

/** Writes the 8 octets of an RD text ('65000:100', '192.0.2.1:100', '4200000000:100', '65000L:100' or '0x' + 16 hex digits). */
export function writeRouteDistinguisher(text: string, buf: Buffer, offset: number): void {
  const raw = /^0x([0-9a-fA-F]{16})$/.exec(text);
  if (raw !== null) {
    buf.write(raw[1] ?? '', offset, RD_LENGTH, 'hex');
    return;
  }
  buf.writeUInt16BE(writeAdministrator(text, buf, offset + 2), offset);
}

/** RFC 4360 section 4: the Route Target sub-type of the transitive two-octet-AS, IPv4 and four-octet-AS (RFC 5668) types. */
const ROUTE_TARGET_SUBTYPE = 0x02;

/** 'target:65000:100' for a Route Target extended community (8 octets), undefined for any other community. */
export function formatRouteTarget(community: Buffer): string | undefined {
  if (community.length !== 8 || community[1] !== ROUTE_TARGET_SUBTYPE) return undefined;
  const text = formatAdministrator(community[0] ?? -1, community, 2);
  return text === undefined ? undefined : `target:${text}`;
}

/** The extended community (8 octets) of a route target text, with or without the 'target:' prefix. */
export function encodeRouteTarget(text: string): Buffer {
  const buf = Buffer.alloc(8);
  buf[0] = writeAdministrator(text.startsWith('target:') ? text.slice('target:'.length) : text, buf, 2);
  buf[1] = ROUTE_TARGET_SUBTYPE;
  return buf;
}
