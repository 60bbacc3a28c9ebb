// `ncbgp bgp decode [--two-octet-as] <hex>...`: BGP messages given in hex (or
// on standard input) printed as JSON, with MCAST-VPN route types by name.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatAddress, formatRouteTarget } from '../bgp/wire/address';
import { decodeMessage, MessageReader } from '../bgp/wire/codec';
import { decodeMvpnNlri, MvpnRoute, mvpnRouteTypeName } from '../bgp/wire/mvpn';
import { decodeIpv4Prefix, decodeIpv6Prefix } from '../bgp/wire/nlri';
import { endOfRibFamily } from '../bgp/wire/update';
import {
  AFI,
  AsPathSegment,
  BgpMessage,
  BgpMessageError,
  Capability,
  CeaseSubcode,
  ErrorCode,
  ErrorHandling,
  HeaderSubcode,
  OpenSubcode,
  PathAttribute,
  RouteRefreshSubcode,
  SAFI,
  UpdateSubcode,
} from '../bgp/wire/types';

const USAGE = `usage: ncbgp bgp decode [--two-octet-as] <hex>...
  Prints the BGP messages (marker included; spaces and colons allowed; read from
  standard input when no hex is given) as JSON: one object, or an array of several.
  --two-octet-as  AS numbers of two octets (a session without RFC 6793)
`;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** 'CEASE' -> 'cease', 'ADMINISTRATIVE_SHUTDOWN' -> 'administrative-shutdown' */
const nameOf = (table: Record<string, number>, value: number): string | undefined => {
  const key = Object.keys(table).find((k) => table[k] === value);
  return key?.toLowerCase().replace(/_/g, '-');
};

const SUBCODES: Record<number, Record<string, number>> = {
  [ErrorCode.MESSAGE_HEADER]: HeaderSubcode,
  [ErrorCode.OPEN_MESSAGE]: OpenSubcode,
  [ErrorCode.UPDATE_MESSAGE]: UpdateSubcode,
  [ErrorCode.CEASE]: CeaseSubcode,
  [ErrorCode.ROUTE_REFRESH_MESSAGE]: RouteRefreshSubcode,
};

function family(afi: number, safi: number): string {
  const a = afi === AFI.IPV4 ? 'ipv4' : afi === AFI.IPV6 ? 'ipv6' : undefined;
  const s = safi === SAFI.UNICAST ? 'unicast' : safi === SAFI.MCAST_VPN ? 'mvpn' : undefined;
  return a && s ? `${a}-${s}` : `${afi}/${safi}`;
}

function routeJson(route: MvpnRoute): Json {
  const { routeType, ...fields } = route;
  const out: { [key: string]: Json } = { routeType: mvpnRouteTypeName(routeType) ?? routeType };
  for (const [k, v] of Object.entries(fields)) {
    out[k] = Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'object' ? routeJson(v as MvpnRoute) : (v as string | number);
  }
  return out;
}

/** One NLRI of a family: a prefix, an MCAST-VPN route (unknown route types as hex), else hex. */
function nlriJson(afi: number, safi: number, nlri: Buffer): Json {
  if (safi === SAFI.MCAST_VPN) {
    try {
      return routeJson(decodeMvpnNlri(nlri));
    } catch (e) {
      if (!(e instanceof BgpMessageError)) throw e;
      return { routeType: nlri[0] ?? 0, unknown: true, value: nlri.subarray(2).toString('hex') };
    }
  }
  if (safi === SAFI.UNICAST && afi === AFI.IPV4) return decodeIpv4Prefix(nlri);
  if (safi === SAFI.UNICAST && afi === AFI.IPV6) return decodeIpv6Prefix(nlri);
  return nlri.toString('hex');
}

const WELL_KNOWN_COMMUNITIES: Record<number, string> = { 0xffffff01: 'no-export', 0xffffff02: 'no-advertise', 0xffffff03: 'no-export-subconfed' };

const segmentsJson = (segments: readonly AsPathSegment[]): Json =>
  segments.map((s) => ({ type: s.type === 1 ? 'as-set' : 'as-sequence', asns: [...s.asns] }));

/** A next hop of 4 or 16 octets as an address, 32 as two (global and link-local, RFC 2545), else hex. */
function nextHopJson(nextHop: Buffer): Json {
  if (nextHop.length === 4 || nextHop.length === 16) return formatAddress(nextHop, 0, nextHop.length);
  if (nextHop.length === 32) return [formatAddress(nextHop, 0, 16), formatAddress(nextHop, 16, 16)];
  return nextHop.toString('hex');
}

function attributeJson(a: PathAttribute): Json {
  switch (a.type) {
    case 'origin':
      return { type: a.type, value: ['igp', 'egp', 'incomplete'][a.value] ?? a.value };
    case 'as-path':
    case 'as4-path':
      return { type: a.type, segments: segmentsJson(a.segments) };
    case 'communities':
      return { type: a.type, values: a.values.map((c) => WELL_KNOWN_COMMUNITIES[c] ?? `${c >>> 16}:${c & 0xffff}`) };
    case 'extended-communities':
      return { type: a.type, values: a.values.map((c) => formatRouteTarget(c) ?? c.toString('hex')) };
    case 'mp-reach':
      return {
        type: a.type,
        afi: a.afi,
        safi: a.safi,
        family: family(a.afi, a.safi),
        nextHop: nextHopJson(a.nextHop),
        nlri: a.nlri.map((n) => nlriJson(a.afi, a.safi, n)),
      };
    case 'mp-unreach':
      return { type: a.type, afi: a.afi, safi: a.safi, family: family(a.afi, a.safi), withdrawn: a.withdrawn.map((n) => nlriJson(a.afi, a.safi, n)) };
    case 'unknown':
      return { type: a.type, code: a.code, flags: a.flags, value: a.value.toString('hex') };
    default:
      return { ...a } as { [key: string]: Json };
  }
}

function errorJson(e: BgpMessageError): Json {
  const out: { [key: string]: Json } = {
    code: e.code,
    subcode: e.subcode,
    error: nameOf(ErrorCode, e.code) ?? e.code,
    handling: nameOf(ErrorHandling, e.handling) ?? e.handling,
    message: e.message,
  };
  const subcode = SUBCODES[e.code];
  if (subcode) out.subcodeName = nameOf(subcode, e.subcode) ?? e.subcode;
  if (e.data.length > 0) out.data = e.data.toString('hex');
  if (e.afiSafi) out.family = family(e.afiSafi.afi, e.afiSafi.safi);
  return out;
}

const capabilityJson = (c: Capability): Json =>
  c.type === 'multiprotocol'
    ? { ...c, family: family(c.afi, c.safi) }
    : c.type === 'unknown'
      ? { type: c.type, code: c.code, value: c.value.toString('hex') }
      : { ...c };

/** A decoded message as JSON for people and scripts. */
export function messageJson(msg: BgpMessage): Json {
  switch (msg.type) {
    case 'open':
      return { ...msg, capabilities: msg.capabilities.map(capabilityJson) };
    case 'update': {
      const eor = endOfRibFamily(msg);
      return {
        type: msg.type,
        ...(eor ? { endOfRib: family(eor.afi, eor.safi) } : {}),
        withdrawn: msg.withdrawn.map(decodeIpv4Prefix),
        attributes: msg.attributes.map(attributeJson),
        nlri: msg.nlri.map(decodeIpv4Prefix),
        ...(msg.errors ? { errors: msg.errors.map(errorJson) } : {}),
      };
    }
    case 'notification': {
      const subcodes = SUBCODES[msg.code];
      return {
        type: msg.type,
        code: msg.code,
        subcode: msg.subcode,
        error: nameOf(ErrorCode, msg.code) ?? msg.code,
        ...(subcodes ? { subcodeName: nameOf(subcodes, msg.subcode) ?? msg.subcode } : {}),
        data: msg.data.toString('hex'),
      };
    }
    case 'route-refresh':
      return { ...msg, family: family(msg.afi, msg.safi), subtype: ['request', 'borr', 'eorr'][msg.subtype] ?? msg.subtype };
    case 'keepalive':
      return { type: msg.type };
  }
}

/** The messages of `bytes` as JSON; throws BgpMessageError, or Error for bytes left over. */
function decodeAll(bytes: Buffer, fourOctetAs: boolean): Json[] {
  const reader = new MessageReader({});
  reader.push(bytes);
  const out: Json[] = [];
  for (let m = reader.next(); m !== undefined; m = reader.next()) out.push(messageJson(decodeMessage(m, { fourOctetAs })));
  if (reader.buffered > 0) throw new Error(`${reader.buffered} octets left over after the last whole message`);
  return out;
}

export function bgpDecodeCommand(args: string[]): void {
  const [sub, ...rest] = args;
  if (sub === 'help' || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  if (sub !== 'decode') {
    process.stderr.write(sub === undefined ? USAGE : `ncbgp bgp: unknown command ${sub}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let values: { 'two-octet-as'?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { 'two-octet-as': { type: 'boolean' } }, allowPositionals: true }));
  } catch (e) {
    process.stderr.write(`ncbgp bgp decode: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const text = (positionals.length > 0 ? positionals.join('') : readFileSync(0, 'utf8')).replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (text === '' || !/^([0-9a-fA-F]{2})+$/.test(text)) {
    process.stderr.write(`ncbgp bgp decode: not hex\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  try {
    const messages = decodeAll(Buffer.from(text, 'hex'), values['two-octet-as'] !== true);
    process.stdout.write(`${JSON.stringify(messages.length === 1 ? messages[0] : messages, null, 2)}\n`);
  } catch (e) {
    if (e instanceof BgpMessageError) {
      process.stderr.write(`ncbgp bgp decode: malformed message: ${JSON.stringify(errorJson(e))}\n`);
    } else {
      process.stderr.write(`ncbgp bgp decode: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    process.exitCode = 1;
  }
}
