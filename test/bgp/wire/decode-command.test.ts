// `ncbgp bgp decode <hex>` as a user runs it: the real command line, JSON out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { encodeMessage } from '../../../src/bgp/wire/codec';
import { MvpnRoute } from '../../../src/bgp/wire/mvpn';
import { packUpdates } from '../../../src/bgp/wire/update';
import { hex, update } from './fixtures/hex';
import { MESSAGE_CASES } from './fixtures/messages';
import { MVPN_CASES } from './fixtures/mvpn';

const BIN = join(__dirname, '../../../bin/ncbgp');

function ncbgp(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NAMES = ['', 'intra-as-i-pmsi-a-d', 'inter-as-i-pmsi-a-d', 's-pmsi-a-d', 'leaf-a-d', 'source-active-a-d', 'shared-tree-join', 'source-tree-join'];

/** A route as the command prints it: route type by name, the rest as is, a raw route key in hex. */
function printed(route: MvpnRoute): unknown {
  const { routeType, ...fields } = route;
  const out: Record<string, unknown> = { routeType: NAMES[routeType] };
  for (const [k, v] of Object.entries(fields)) out[k] = Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'object' ? printed(v as MvpnRoute) : v;
  return out;
}

describe('ncbgp bgp decode', function () {
  this.timeout(30000);

  it('prints an UPDATE of every MCAST-VPN route type: names, RDs, sources, groups, originating routers, attributes', () => {
    const [bytes] = packUpdates(
      { afi: 1, safi: 5 },
      [
        { type: 'origin', value: 0 },
        { type: 'as-path', segments: [{ type: 2, asns: [65000, 4200000000] }] },
        { type: 'communities', values: [0xfde80064, 0xffffff01] },
        { type: 'extended-communities', values: [hex('0002 fde8 00000064')] },
      ],
      hex('c0000201'),
      MVPN_CASES.map((c) => c.bytes),
      { fourOctetAs: true },
    );
    const r = ncbgp(['bgp', 'decode', bytes!.toString('hex')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      type: 'update',
      withdrawn: [],
      attributes: [
        { type: 'mp-reach', afi: 1, safi: 5, family: 'ipv4-mvpn', nextHop: '192.0.2.1', nlri: MVPN_CASES.map((c) => printed(c.route)) },
        { type: 'origin', value: 'igp' },
        { type: 'as-path', segments: [{ type: 'as-sequence', asns: [65000, 4200000000] }] },
        { type: 'communities', values: ['65000:100', 'no-export'] },
        { type: 'extended-communities', values: ['target:65000:100'] },
      ],
      nlri: [],
    });
  });

  it('prints several messages as an array, from hex with spaces and colons', () => {
    const keepalive = MESSAGE_CASES.find((c) => c.name === 'KEEPALIVE')!.bytes.toString('hex');
    const refresh = encodeMessage({ type: 'route-refresh', afi: 1, safi: 5, subtype: 1 }, { fourOctetAs: true }).toString('hex');
    const r = ncbgp(['bgp', 'decode', keepalive.replace(/(..)/g, '$1:').slice(0, -1), refresh.slice(0, 10), refresh.slice(10)]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { type: 'keepalive' },
      { type: 'route-refresh', afi: 1, safi: 5, subtype: 'borr', family: 'ipv4-mvpn' },
    ]);
  });

  it('reads standard input, and decodes two-octet AS numbers when asked', () => {
    const bytes = MESSAGE_CASES.find((c) => c.name.startsWith('UPDATE to a two-octet-AS speaker'))!.bytes;
    const r = ncbgp(['bgp', 'decode', '--two-octet-as'], `${bytes.toString('hex')}\n`);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { attributes: { type: string; segments?: unknown }[]; nlri: string[] };
    assert.deepEqual(out.attributes[1], {
      type: 'as-path',
      segments: [
        { type: 'as-sequence', asns: [65000, 23456] },
        { type: 'as-set', asns: [65001] },
      ],
    });
    assert.deepEqual(out.nlri, ['198.51.100.0/24']);
  });

  it('shows the RFC 7606 errors of an UPDATE it could decode', () => {
    const r = ncbgp(['bgp', 'decode', update({ attributes: '40 01 01 05 40 02 00 40 03 04 c0000201', nlri: '08 0a' }).toString('hex')]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { errors: unknown[]; nlri: string[] };
    assert.deepEqual(out.nlri, ['10.0.0.0/8']);
    assert.deepEqual(out.errors, [
      {
        code: 3,
        subcode: 6,
        error: 'update-message',
        subcodeName: 'invalid-origin-attribute',
        handling: 'treat-as-withdraw',
        message: 'undefined ORIGIN 5 (RFC 7606 section 7.1)',
        data: '40010105',
      },
    ]);
  });

  it('says what is wrong with a malformed message, exit status 1', () => {
    const r = ncbgp(['bgp', 'decode', `${'ff'.repeat(16)}001306`]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /malformed message: .*"code":1,"subcode":3,"error":"message-header","handling":"session-reset"/);
  });

  it('refuses what is not hex, exit status 2', () => {
    const r = ncbgp(['bgp', 'decode', 'xyz']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not hex/);
    assert.match(r.stderr, /usage: ncbgp bgp decode/);
  });

  it('says when bytes are left over after the last message', () => {
    const r = ncbgp(['bgp', 'decode', `${'ff'.repeat(16)}001304ffff`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /2 octets left over/);
  });
});
