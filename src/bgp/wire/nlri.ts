// RFC 4271 section 4.3 prefixes (the NLRI and Withdrawn Routes fields, and the
// unicast NLRI of RFC 4760): Length in bits (1) | Prefix (just enough octets).
import { formatIpv4, formatIpv6, isIpv4Text, writeIpv4, writeIpv6 } from './address';
import { BgpMessageError, ErrorCode, ErrorHandling, UpdateSubcode } from './types';

/** '10.0.0.0/8' as length octet and prefix octets; bits past the length are cleared. */
export function encodeIpv4Prefix(prefix: string): Buffer {
  const slash = prefix.indexOf('/');
  const address = prefix.slice(0, slash);
  const lengthText = prefix.slice(slash + 1);
  if (slash < 0 || !isIpv4Text(address) || !/^\d{1,2}$/.test(lengthText) || Number(lengthText) > 32) {
    throw new RangeError(`not an IPv4 prefix: ${prefix}`);
  }
  const bits = Number(lengthText);
  const octets = Buffer.alloc(4);
  writeIpv4(address, octets, 0);
  return withLength(bits, octets);
}

function withLength(bits: number, octets: Buffer): Buffer {
  const n = (bits + 7) >> 3;
  const buf = Buffer.alloc(1 + n);
  buf[0] = bits;
  octets.copy(buf, 1, 0, n);
  if (bits % 8 !== 0) buf[n] = (buf[n] ?? 0) & (0xff << (8 - (bits % 8)));
  return buf;
}

/** The address (`maxBits` / 8 octets, bits past the length cleared) of one encoded prefix. */
function prefixAddress(buf: Buffer, maxBits: number): Buffer {
  const bits = buf[0] ?? 0;
  if (buf.length === 0 || bits > maxBits || buf.length !== 1 + ((bits + 7) >> 3)) {
    throw new BgpMessageError(
      ErrorCode.UPDATE_MESSAGE,
      UpdateSubcode.INVALID_NETWORK_FIELD,
      Buffer.alloc(0),
      ErrorHandling.SESSION_RESET,
      `not one prefix of at most ${maxBits} bits: ${buf.toString('hex')}`,
    );
  }
  const address = Buffer.alloc(maxBits / 8);
  buf.copy(address, 0, 1);
  if (bits % 8 !== 0) address[bits >> 3] = (address[bits >> 3] ?? 0) & (0xff << (8 - (bits % 8)));
  return address;
}

/** One encoded IPv4 prefix (length octet, prefix octets) as '10.0.0.0/8'; throws BgpMessageError (Invalid Network Field). */
export function decodeIpv4Prefix(buf: Buffer): string {
  return `${formatIpv4(prefixAddress(buf, 32), 0)}/${buf[0]}`;
}

/** One encoded IPv6 prefix (RFC 4760 with AFI 2) as '2001:db8::/32'; throws BgpMessageError. */
export function decodeIpv6Prefix(buf: Buffer): string {
  return `${formatIpv6(prefixAddress(buf, 128), 0)}/${buf[0]}`;
}

/** '2001:db8::/32' as length octet and prefix octets. */
export function encodeIpv6Prefix(prefix: string): Buffer {
  const slash = prefix.indexOf('/');
  const lengthText = prefix.slice(slash + 1);
  if (slash < 0 || !/^\d{1,3}$/.test(lengthText) || Number(lengthText) > 128) {
    throw new RangeError(`not an IPv6 prefix: ${prefix}`);
  }
  const octets = Buffer.alloc(16);
  writeIpv6(prefix.slice(0, slash), octets, 0);
  return withLength(Number(lengthText), octets);
}

/**
 * Splits `buf[start, end)` into one Buffer per prefix, appended to `out`;
 * they alias `buf` (no copies). False when the field is syntactically
 * incorrect (RFC 7606 section 5.3): a length above `maxBits`, or a last prefix
 * running past `end`.
 */
export function splitPrefixes(buf: Buffer, start: number, end: number, maxBits: number, out: Buffer[]): boolean {
  let p = start;
  while (p < end) {
    const bits = buf[p] ?? 0;
    if (bits > maxBits) return false;
    const next = p + 1 + ((bits + 7) >> 3);
    if (next > end) return false;
    out.push(buf.subarray(p, next));
    p = next;
  }
  return true;
}
