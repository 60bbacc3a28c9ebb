// OPEN Optional Parameters (RFC 4271 section 4.2) carrying Capabilities
// (RFC 5492 section 4, parameter type 2):
//   Parm. Type (1) | Parm. Length (1) | Capability Code (1) | Capability Length (1) | Capability Value ...
import { BgpMessageError, Capability, CapabilityCode, ErrorCode, ErrorHandling, OpenSubcode } from './types';

/** RFC 5492 section 4 */
const CAPABILITIES_PARAMETER = 2;

function openError(subcode: number, message: string): BgpMessageError {
  return new BgpMessageError(ErrorCode.OPEN_MESSAGE, subcode, Buffer.alloc(0), ErrorHandling.SESSION_RESET, message);
}

function encodeCapability(cap: Capability): Buffer {
  switch (cap.type) {
    case 'multiprotocol': {
      // RFC 4760 section 8: AFI (2) | Res. (1) | SAFI (1)
      const buf = Buffer.from([CapabilityCode.MULTIPROTOCOL, 4, 0, 0, 0, cap.safi]);
      buf.writeUInt16BE(cap.afi, 2);
      return buf;
    }
    case 'route-refresh':
      return Buffer.from([CapabilityCode.ROUTE_REFRESH, 0]);
    case 'enhanced-route-refresh':
      return Buffer.from([CapabilityCode.ENHANCED_ROUTE_REFRESH, 0]);
    case 'four-octet-as': {
      const buf = Buffer.from([CapabilityCode.FOUR_OCTET_AS, 4, 0, 0, 0, 0]);
      buf.writeUInt32BE(cap.asn, 2);
      return buf;
    }
    case 'unknown':
      if (cap.value.length > 255) throw new RangeError(`capability ${cap.code} of ${cap.value.length} octets exceeds 255`);
      return Buffer.concat([Buffer.from([cap.code, cap.value.length]), cap.value]);
  }
}

/**
 * The Optional Parameters field (without its length octet): the capabilities
 * in as few Capabilities parameters as fit 255 octets each.
 */
export function encodeOptionalParameters(capabilities: readonly Capability[]): Buffer {
  const parameters: Buffer[] = [];
  let current: Buffer[] = [];
  let currentLength = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    parameters.push(Buffer.from([CAPABILITIES_PARAMETER, currentLength]), ...current);
    current = [];
    currentLength = 0;
  };
  for (const cap of capabilities) {
    const encoded = encodeCapability(cap);
    if (encoded.length > 255) throw new RangeError(`capability ${encoded[0]} does not fit one optional parameter`);
    if (currentLength + encoded.length > 255) flush();
    current.push(encoded);
    currentLength += encoded.length;
  }
  flush();
  const field = Buffer.concat(parameters);
  if (field.length > 255) throw new RangeError(`optional parameters of ${field.length} octets exceed 255`);
  return field;
}

function decodeCapability(code: number, value: Buffer): Capability {
  const expect = (length: number): void => {
    if (value.length !== length) {
      throw openError(0, `capability ${code} has length ${value.length}, expected ${length}`);
    }
  };
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      expect(4);
      return { type: 'multiprotocol', afi: value.readUInt16BE(0), safi: value[3] ?? 0 };
    case CapabilityCode.ROUTE_REFRESH:
      expect(0);
      return { type: 'route-refresh' };
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      expect(0);
      return { type: 'enhanced-route-refresh' };
    case CapabilityCode.FOUR_OCTET_AS:
      expect(4);
      return { type: 'four-octet-as', asn: value.readUInt32BE(0) };
    default:
      return { type: 'unknown', code, value: Buffer.from(value) };
  }
}

/**
 * The capabilities of the Optional Parameters field `buf[start, end)`.
 * Throws BgpMessageError: Unsupported Optional Parameter (2/4) for a
 * parameter other than Capabilities; Unspecific (2/0, RFC 4271 section 4.5)
 * for lengths that do not add up or a known capability of the wrong length.
 */
export function decodeOptionalParameters(buf: Buffer, start: number, end: number): Capability[] {
  const capabilities: Capability[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 2) throw openError(0, 'truncated optional parameter');
    const type = buf[p] ?? 0;
    const parameterEnd = p + 2 + (buf[p + 1] ?? 0);
    if (parameterEnd > end) throw openError(0, `optional parameter ${type} runs past the Optional Parameters field`);
    if (type !== CAPABILITIES_PARAMETER) {
      throw openError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `unsupported optional parameter ${type}`);
    }
    let q = p + 2;
    while (q < parameterEnd) {
      if (parameterEnd - q < 2) throw openError(0, 'truncated capability');
      const code = buf[q] ?? 0;
      const valueEnd = q + 2 + (buf[q + 1] ?? 0);
      if (valueEnd > parameterEnd) throw openError(0, `capability ${code} runs past its optional parameter`);
      capabilities.push(decodeCapability(code, buf.subarray(q + 2, valueEnd)));
      q = valueEnd;
    }
    p = parameterEnd;
  }
  return capabilities;
}
