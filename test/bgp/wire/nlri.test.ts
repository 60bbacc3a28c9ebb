// Prefixes (RFC 4271 section 4.3), IPv6 text (RFC 5952), Route
// Distinguishers (RFC 4364 section 4.2) and Route Targets (RFC 4360 section 4).
import assert from 'node:assert/strict';
import {
  encodeRouteTarget,
  formatIpv6,
  formatRouteDistinguisher,
  formatRouteTarget,
  writeIpv6,
  writeRouteDistinguisher,
} from '../../../src/bgp/wire/address';
import { decodeIpv4Prefix, decodeIpv6Prefix, encodeIpv4Prefix, encodeIpv6Prefix } from '../../../src/bgp/wire/nlri';
import { routeTargets } from '../../../src/bgp/wire/update';
import { BgpMessageError } from '../../../src/bgp/wire/types';
import { hex } from './fixtures/hex';

describe('prefixes', () => {
  const IPV4: [string, string][] = [
    ['0.0.0.0/0', '00'],
    ['10.0.0.0/8', '08 0a'],
    ['10.128.0.0/9', '09 0a80'],
    ['192.168.128.0/17', '11 c0a880'],
    ['198.51.100.0/24', '18 c63364'],
    ['192.0.2.1/32', '20 c0000201'],
  ];
  for (const [text, bytes] of IPV4) {
    it(`${text} <-> ${bytes}`, () => {
      assert.equal(encodeIpv4Prefix(text).toString('hex'), hex(bytes).toString('hex'));
      assert.equal(decodeIpv4Prefix(hex(bytes)), text);
    });
  }

  it('clears the bits past the length, both ways', () => {
    assert.equal(encodeIpv4Prefix('10.1.2.3/8').toString('hex'), '080a');
    assert.equal(encodeIpv4Prefix('10.255.0.0/9').toString('hex'), '090a80');
    assert.equal(decodeIpv4Prefix(hex('09 0aff')), '10.128.0.0/9');
  });

  it('IPv6 prefixes', () => {
    assert.equal(encodeIpv6Prefix('2001:db8::/32').toString('hex'), '2020010db8');
    assert.equal(decodeIpv6Prefix(hex('30 20010db80001')), '2001:db8:1::/48');
    assert.equal(decodeIpv6Prefix(hex('00')), '::/0');
  });

  for (const [name, bytes] of [
    ['empty', ''],
    ['33 bits', '21 0a000000 00'],
    ['fewer octets than the length asks', '18 0a00'],
    ['more octets than the length asks', '08 0a00'],
  ]) {
    it(`rejects a prefix with ${name}: Invalid Network Field`, () => {
      assert.throws(
        () => decodeIpv4Prefix(hex(bytes)),
        (e: unknown) => e instanceof BgpMessageError && e.code === 3 && e.subcode === 10,
      );
    });
  }

  for (const text of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', '256.0.0.0/8', '10.0.0.0/-1', 'a.b.c.d/8']) {
    it(`refuses to encode ${JSON.stringify(text)}`, () => assert.throws(() => encodeIpv4Prefix(text), RangeError));
  }
});

describe('IPv6 text (RFC 5952 section 4)', () => {
  const CASES: [string, string][] = [
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::1:0:0:1', '20010db8000000000001000000000001'], // leftmost of two equal runs
    ['2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001'], // a single zero group stays
    ['ff3e::8000:1234', 'ff3e0000000000000000000080001234'],
    ['fe80::', 'fe800000000000000000000000000000'],
  ];
  for (const [text, bytes] of CASES) {
    it(`${text} <-> ${bytes}`, () => {
      const buf = Buffer.alloc(16);
      writeIpv6(text, buf, 0);
      assert.equal(buf.toString('hex'), bytes);
      assert.equal(formatIpv6(hex(bytes), 0), text);
    });
  }

  it('reads upper case, leading zeros and an IPv4 tail', () => {
    const buf = Buffer.alloc(16);
    writeIpv6('2001:0DB8:0000::ffff:192.0.2.1', buf, 0);
    assert.equal(formatIpv6(buf, 0), '2001:db8::ffff:c000:201');
  });

  for (const text of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', ':1::', 'g::1', '::1.2.3']) {
    it(`refuses ${text}`, () => assert.throws(() => writeIpv6(text, Buffer.alloc(16), 0), RangeError));
  }
});

describe('Route Distinguishers (RFC 4364 section 4.2)', () => {
  const CASES: [string, string][] = [
    ['65000:100', '0000 fde8 00000064'],
    ['0:4294967295', '0000 0000 ffffffff'],
    ['192.0.2.1:7', '0001 c0000201 0007'],
    ['4200000000:5', '0002 fa56ea00 0005'],
    ['65000L:1', '0002 0000fde8 0001'],
    ['0x0003000102030405', '0003 000102030405'],
  ];
  for (const [text, bytes] of CASES) {
    it(`${text} <-> ${bytes}`, () => {
      const buf = Buffer.alloc(8);
      writeRouteDistinguisher(text, buf, 0);
      assert.equal(buf.toString('hex'), hex(bytes).toString('hex'));
      assert.equal(formatRouteDistinguisher(hex(bytes), 0), text);
    });
  }
});

describe('Route Targets (RFC 4360 section 4, RFC 5668)', () => {
  const CASES: [string, string][] = [
    ['target:65000:100', '0002 fde8 00000064'],
    ['target:192.0.2.1:7', '0102 c0000201 0007'],
    ['target:4200000000:5', '0202 fa56ea00 0005'],
  ];
  for (const [text, bytes] of CASES) {
    it(`${text} <-> ${bytes}`, () => {
      assert.equal(encodeRouteTarget(text).toString('hex'), hex(bytes).toString('hex'));
      assert.equal(formatRouteTarget(hex(bytes)), text);
    });
  }

  it('takes the text without its prefix too', () => {
    assert.equal(encodeRouteTarget('65000:100').toString('hex'), '0002fde800000064');
  });

  it('routeTargets lists the route targets of EXTENDED_COMMUNITIES and nothing else', () => {
    const targets = routeTargets([
      { type: 'origin', value: 0 },
      {
        type: 'extended-communities',
        values: [
          hex('0002 fde8 00000064'), // route target
          hex('0003 fde8 00000064'), // route origin (sub-type 3)
          hex('4002 fde8 00000064'), // non-transitive two-octet AS: not a route target
          hex('0102 c0000201 0007'),
        ],
      },
      { type: 'extended-communities', values: [hex('0202 fa56ea00 0005')] },
    ]);
    assert.deepEqual(targets, ['target:65000:100', 'target:192.0.2.1:7', 'target:4200000000:5']);
  });
});
