// MCAST-VPN NLRI (RFC 6514 section 4): every route type, IPv4 and IPv6
// C-addresses, wildcards, Leaf A-D route keys; the cheap readers; malformed
// routes and routes of unknown types.
import assert from 'node:assert/strict';
import { decodeMvpnNlri, encodeMvpnNlri, MvpnRoute, mvpnRouteDistinguisher, mvpnRouteType, mvpnRouteTypeName } from '../../../src/bgp/wire/mvpn';
import { BgpMessageError, ErrorHandling } from '../../../src/bgp/wire/types';
import { hex } from './fixtures/hex';
import { MVPN_CASES } from './fixtures/mvpn';

function rejects(bytes: Buffer, handling: ErrorHandling): void {
  assert.throws(
    () => decodeMvpnNlri(bytes),
    (e: unknown) => e instanceof BgpMessageError && e.code === 3 && e.subcode === 9 && e.handling === handling && e.data.equals(bytes),
  );
}

describe('MCAST-VPN NLRI', () => {
  for (const c of MVPN_CASES) {
    describe(c.name, () => {
      it('decodes', () => assert.deepEqual(decodeMvpnNlri(c.bytes), c.route));
      it('encodes', () => assert.equal(encodeMvpnNlri(c.route).toString('hex'), c.bytes.toString('hex')));
      it('round-trips', () => assert.deepEqual(decodeMvpnNlri(encodeMvpnNlri(c.route)), c.route));
      it('reads route type and RD cheaply', () => {
        assert.equal(mvpnRouteType(c.bytes), c.route.routeType);
        assert.equal(mvpnRouteDistinguisher(c.bytes), c.route.routeType === 4 ? undefined : c.route.rd);
      });
    });
  }

  it('covers all seven route types, with IPv4 and IPv6 addresses', () => {
    for (const type of [1, 2, 3, 4, 5, 6, 7]) {
      for (const v6 of type === 2 ? [false] : [false, true]) {
        assert.ok(
          MVPN_CASES.some((c) => c.route.routeType === type && c.name.includes('IPv6') === v6),
          `no case of type ${type} ${v6 ? 'IPv6' : 'IPv4'}`,
        );
      }
    }
  });

  it('names the seven route types of RFC 6514', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map(mvpnRouteTypeName),
      ['intra-as-i-pmsi-a-d', 'inter-as-i-pmsi-a-d', 's-pmsi-a-d', 'leaf-a-d', 'source-active-a-d', 'shared-tree-join', 'source-tree-join', undefined],
    );
  });

  it('reads no RD from an empty buffer or a route of an unknown type', () => {
    assert.equal(mvpnRouteType(Buffer.alloc(0)), 0);
    assert.equal(mvpnRouteDistinguisher(Buffer.alloc(0)), undefined);
    assert.equal(mvpnRouteDistinguisher(hex('08 0c 0000fde800000064 c0000201')), undefined);
  });

  describe('malformed routes: afi-safi-disable (RFC 7606 section 5.3)', () => {
    const cases: [string, string][] = [
      ['empty', ''],
      ['length octet missing', '01'],
      ['length longer than the bytes', '01 0d 0000fde800000064 c0000201'],
      ['length shorter than the bytes', '01 0b 0000fde800000064 c0000201'],
      ['Intra-AS I-PMSI A-D router of 5 octets', '01 0d 0000fde800000064 c000020101'],
      ['Inter-AS I-PMSI A-D without source AS', '02 08 0000fde800000064'],
      ['S-PMSI A-D source length 33', '03 16 0000fde800000064 21 0a000001 20 e8010101 c0000201'],
      ['S-PMSI A-D group missing', '03 0d 0000fde800000064 20 0a000001'],
      ['S-PMSI A-D without originating router', '03 12 0000fde800000064 20 0a000001 20 e8010101'],
      ['Leaf A-D of one octet', '04 01 03'],
      ['Leaf A-D route key past the route', '04 06 03 16 c0000201'],
      ['Leaf A-D without originating router', '04 0e 01 0c 0000fde800000064 c0000201'],
      ['Source Active A-D with an originating router', '05 16 0000fde800000064 20 0a000001 20 e8010101 c0000201'],
      ['Source Active A-D wildcard group', '05 0e 0000fde800000064 20 0a000001 00'],
      ['Shared Tree Join group of 128 bits with 4 octets', '06 16 0000fde800000064 0000fde9 20 0a000001 80 e8010101'],
      ['Source Tree Join without source AS', '07 12 0000fde800000064 20 0a000001 20 e8010101'],
    ];
    for (const [name, bytes] of cases) it(name, () => rejects(hex(bytes), ErrorHandling.AFI_SAFI_DISABLE));
  });

  it('tells a route of an unknown type apart: attribute-discard, the route is to be skipped (RFC 7606 section 5.4)', () => {
    rejects(hex('08 03 010203'), ErrorHandling.ATTRIBUTE_DISCARD);
    rejects(hex('00 00'), ErrorHandling.ATTRIBUTE_DISCARD);
  });

  describe('encoding refuses what the wire cannot carry', () => {
    const cases: [string, MvpnRoute][] = [
      ['a wildcard outside S-PMSI A-D routes', { routeType: 5, rd: '65000:1', source: '*', group: '239.1.1.1' }],
      ['an RD that is no RD', { routeType: 1, rd: '65000', originatingRouter: '192.0.2.1' }],
      ['an RD number too large for a four-octet ASN', { routeType: 1, rd: '4200000000:70000', originatingRouter: '192.0.2.1' }],
      ['an IPv4 RD number over 65535', { routeType: 1, rd: '192.0.2.1:65536', originatingRouter: '192.0.2.1' }],
      ['an address that is no address', { routeType: 1, rd: '65000:1', originatingRouter: '192.0.2.256' }],
      ['an IPv6 address with two ::', { routeType: 1, rd: '65000:1', originatingRouter: '2001::db8::1' }],
    ];
    for (const [name, route] of cases) it(name, () => assert.throws(() => encodeMvpnNlri(route), RangeError));
  });
});
