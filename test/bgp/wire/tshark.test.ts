// Interop: our encodings as tshark (Wireshark's BGP dissector, written by
// others) reads them. A pcap of one BGP stream: OPEN, UPDATEs carrying every
// MCAST-VPN route type (IPv4 C-addresses under AFI 1, IPv6 under AFI 2),
// withdrawals, End-of-RIB, ROUTE-REFRESH subtypes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage } from '../../../src/bgp/wire/codec';
import { encodeMvpnNlri, MvpnRoute } from '../../../src/bgp/wire/mvpn';
import { endOfRib, packUpdates, packWithdrawals } from '../../../src/bgp/wire/update';
import { PathAttribute } from '../../../src/bgp/wire/types';
import { requireTool } from '../../helpers/interop';
import { hex } from './fixtures/hex';
import { MVPN_CASES } from './fixtures/mvpn';
import { pcapOfStream } from './fixtures/pcap';

const OPTS = { fourOctetAs: true };
const ATTRIBUTES: PathAttribute[] = [
  { type: 'origin', value: 0 },
  { type: 'as-path', segments: [{ type: 2, asns: [65000] }] },
];
// tshark prints RDs of types 0, 1 and 2 (with a four-octet ASN) as we do; the other two cases are ours only
const CASES = MVPN_CASES.filter((c) => !c.name.startsWith('RD of'));
// tshark 4.0 sizes an Originating Router by the AFI (not by the NLRI length, as RFC 6515 has it): IPv6 routes go under AFI 2
const V4 = CASES.filter((c) => !c.name.includes('IPv6')).map((c) => c.route);
const V6 = CASES.filter((c) => c.name.includes('IPv6')).map((c) => c.route);

/** A route as tshark's fields show it: addresses as text, '*' for a C-address of length 0, the route key as hex. */
type Seen = Record<string, string>;

function expected(route: MvpnRoute): Seen {
  const seen: Seen = { routeType: String(route.routeType) };
  for (const [k, v] of Object.entries(route)) {
    if (k === 'routeType') continue;
    seen[k] = k === 'routeKey' ? (Buffer.isBuffer(v) ? v : encodeMvpnNlri(v as MvpnRoute)).toString('hex') : String(v);
  }
  return seen;
}

const FIELD = /<field name="bgp\.mcast_vpn_nlri_([a-z0-9_]+)" showname="([^"]*)" size="\d+" pos="\d+" show="([^"]*)" value="([0-9a-f]*)"/g;

/** The MCAST-VPN routes of each BGP frame of the PDML, in order. */
function routesByFrame(pdml: string): Seen[][] {
  return pdml.split('<packet>').slice(1).map((packet) => {
    const routes: Seen[] = [];
    let current: Seen = {};
    for (const [, name, showname, show, value] of packet.matchAll(FIELD)) {
      switch (name) {
        case 'route_type':
          current = { routeType: show! };
          routes.push(current);
          break;
        case 'rd':
          current.rd = showname!.replace(/^Route Distinguisher: /, '');
          break;
        case 'source_length':
          if (show === '0') current.source = '*';
          break;
        case 'group_length':
          if (show === '0') current.group = '*';
          break;
        case 'source_addr_ipv4':
        case 'source_addr_ipv6':
          current.source = show!;
          break;
        case 'group_addr_ipv4':
        case 'group_addr_ipv6':
          current.group = show!;
          break;
        case 'origin_router_ipv4':
        case 'origin_router_ipv6':
          current.originatingRouter = show!;
          break;
        case 'source_as':
          current.sourceAs = show!;
          break;
        case 'route_key':
          current.routeKey = value!;
          break;
      }
    }
    return routes;
  });
}

function fieldValues(pdml: string, name: string): string[] {
  return [...pdml.matchAll(new RegExp(`<field name="${name.replace(/\./g, '\\.')}" [^>]*show="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe('tshark reads our MCAST-VPN encodings', function () {
  this.timeout(30000);
  let dir = '';
  let pdml = '';

  before(function () {
    requireTool(this, 'tshark', 'decodes BGP captures');
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-tshark-'));
    const messages = [
      encodeMessage(
        {
          type: 'open',
          version: 4,
          myAs: 23456,
          holdTime: 90,
          bgpId: '192.0.2.1',
          capabilities: [
            { type: 'multiprotocol', afi: 1, safi: 5 },
            { type: 'multiprotocol', afi: 2, safi: 5 },
            { type: 'route-refresh' },
            { type: 'enhanced-route-refresh' },
            { type: 'four-octet-as', asn: 4200000000 },
          ],
        },
        OPTS,
      ),
      ...packUpdates({ afi: 1, safi: 5 }, ATTRIBUTES, hex('c0000201'), V4.map(encodeMvpnNlri), OPTS),
      ...packUpdates({ afi: 2, safi: 5 }, ATTRIBUTES, hex('20010db8000000000000000000000001'), V6.map(encodeMvpnNlri), OPTS),
      ...packWithdrawals({ afi: 1, safi: 5 }, V4.slice(0, 3).map(encodeMvpnNlri)),
      endOfRib({ afi: 1, safi: 5 }),
      ...[0, 1, 2].map((subtype) => encodeMessage({ type: 'route-refresh', afi: 1, safi: 5, subtype }, OPTS)),
    ];
    const file = join(dir, 'mvpn.pcap');
    writeFileSync(file, pcapOfStream(messages));
    pdml = execFileSync('tshark', ['-r', file, '-T', 'pdml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('covers all seven route types', () => {
    assert.deepEqual([...new Set([...V4, ...V6].map((r) => r.routeType))].sort(), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('sees one BGP message per frame, of the types sent', () => {
    assert.deepEqual(fieldValues(pdml, 'bgp.type'), ['1', '2', '2', '2', '2', '5', '5', '5']);
  });

  it('reads the capabilities of the OPEN', () => {
    assert.deepEqual(fieldValues(pdml, 'bgp.cap.type'), ['1', '1', '2', '70', '65']);
    assert.deepEqual(fieldValues(pdml, 'bgp.cap.mp.safi'), ['5', '5']);
    assert.deepEqual(fieldValues(pdml, 'bgp.cap.4as'), ['4200000000']);
  });

  it('reads route types, RDs, sources, groups, source ASes, originating routers and route keys, IPv4 under AFI 1', () => {
    assert.deepEqual(routesByFrame(pdml)[1], V4.map(expected));
  });

  it('reads the same of IPv6 routes under AFI 2 (RFC 6515)', () => {
    assert.deepEqual(routesByFrame(pdml)[2], V6.map(expected));
  });

  it('reads the withdrawn routes of MP_UNREACH_NLRI, and End-of-RIB carries none', () => {
    const frames = routesByFrame(pdml);
    assert.deepEqual(frames[3], V4.slice(0, 3).map(expected));
    assert.deepEqual(frames[4], []);
    const eor = pdml.split('<packet>')[5]!;
    assert.deepEqual(fieldValues(eor, 'bgp.update.path_attribute.type_code'), ['15']);
    assert.deepEqual(fieldValues(eor, 'bgp.update.path_attribute.mp_unreach_nlri.safi'), ['5']);
  });

  it('reads the ROUTE-REFRESH subtypes: request, BoRR, EoRR', () => {
    assert.deepEqual(fieldValues(pdml, 'bgp.route_refresh.subtype'), ['0', '1', '2']);
    assert.deepEqual(fieldValues(pdml, 'bgp.route_refresh.safi'), ['5', '5', '5']);
  });
});
