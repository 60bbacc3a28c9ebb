// `ncbgp refresh ...` as a user runs it against `ncbgp lab`: per-peer lines,
// exit status, --json for scripts, rpc-errors, access control, and the
// command line itself.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IPV4_MVPN } from '../../src/bgp/wire/types';
import { UsageError } from '../../src/cli/connection';
import { parseRefreshArgs, parseRefreshReply, progressLine, RefreshArgs, refreshEvent, RefreshProgress, refreshRpc, summaryText } from '../../src/cli/refresh';
import { NetconfClient } from '../../src/netconf/client';
import { child, elem, parseXml, serialize } from '../../src/model/xml';
import { decodeRefreshInput, peerRefreshComplete, refreshReply } from '../../src/services/refresh-xml';
import { SchemaRegistry } from '../../src/yang/registry';
import { validateRpcInput } from '../../src/yang/validate';
import { LabProcess, ncbgp, RunResult, startLab } from '../helpers/lab';
import { ed25519KeyPair, USERS } from '../helpers/server';

const BGP_NS = 'urn:ncbgp:yang:ncbgp-bgp';
const R = 'urn:ncbgp:yang:ncbgp-refresh';

describe('ncbgp refresh: the command line', function () {
  const ok: { argv: string; env?: Record<string, string>; expect: Partial<RefreshArgs> }[] = [
    { argv: 'mvpn all export --password pw', expect: { family: 'mvpn', selector: { kind: 'all' }, direction: 'export', changesOnly: false, dryRun: false, host: '127.0.0.1', port: 8830, user: 'admin', password: 'pw', json: false, timeoutS: 180 } },
    { argv: 'mvpn all export --changes-only --password pw', expect: { direction: 'export', changesOnly: true, dryRun: false } },
    { argv: 'mvpn group ebgp-b export --dry-run --changes-only --password pw', expect: { changesOnly: true, dryRun: true } },
    { argv: 'mvpn 192.0.2.7 import --dry-run --password pw --json', expect: { direction: 'import', changesOnly: false, dryRun: true, json: true } },
    { argv: 'mvpn 192.0.2.7 import --password pw', expect: { selector: { kind: 'peer-address', address: '192.0.2.7' }, direction: 'import' } },
    { argv: 'mvpn group ebgp-a import --password pw --json', expect: { selector: { kind: 'group', group: 'ebgp-a' }, json: true } },
    { argv: 'mvpn external export --host 127.0.0.2 --port 830 --user ops --key k --timeout 5', expect: { selector: { kind: 'external' }, host: '127.0.0.2', port: 830, user: 'ops', keyFile: 'k', password: undefined, timeoutS: 5 } },
    { argv: 'ipv4-unicast internal import', env: { NCBGP_PASSWORD: 'from-env' }, expect: { family: 'ipv4-unicast', selector: { kind: 'internal' }, password: 'from-env' } },
  ];
  for (const c of ok) {
    it(`reads: ${c.argv}`, () => {
      const args = parseRefreshArgs(c.argv.split(' '), c.env);
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(args[k as keyof RefreshArgs], v, k);
    });
  }

  const bad: [argv: string, message: RegExp][] = [
    ['', /missing the address family/],
    ['ipv6 all export --password pw', /unknown address family ipv6/],
    ['mvpn all --password pw', /direction, import or export, not all/],
    ['mvpn export --password pw', /missing the peers/],
    ['mvpn 10.0.0 import --password pw', /10\.0\.0 is no IPv4 address/],
    ['mvpn group import --password pw', /group takes one name/],
    ['mvpn group a b import --password pw', /group takes one name/],
    ['mvpn all everything import --password pw', /unexpected everything after all/],
    ['mvpn all import', /give --password/],
    ['mvpn all import --password pw --key k', /not both/],
    ['mvpn all import --password pw --port 70000', /no port number/],
    ['mvpn all import --password pw --timeout 0', /no positive number/],
    ['mvpn all import --password pw --verbose', /Unknown option '--verbose'/],
    ['mvpn all import --changes-only --password pw', /--changes-only applies to export only/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses: ${argv || '(nothing)'}`, () => {
      assert.throws(() => parseRefreshArgs(argv === '' ? [] : argv.split(' ')), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }

  it('sends the input in YANG order, the group name escaped, the family identity with its prefix declared', () => {
    assert.equal(refreshRpc('mvpn', { kind: 'all' }, 'export'), `<refresh-bgp-mvpn xmlns="${R}"><all/><direction>export</direction></refresh-bgp-mvpn>`);
    assert.equal(refreshRpc('mvpn', { kind: 'group', group: 'a<b&c' }, 'import'), `<refresh-bgp-mvpn xmlns="${R}"><group>a&lt;b&amp;c</group><direction>import</direction></refresh-bgp-mvpn>`);
    assert.equal(
      refreshRpc('ipv4-unicast', { kind: 'peer-address', address: '192.0.2.7' }, 'import'),
      `<refresh-bgp xmlns="${R}"><afi-safi xmlns:bgp="${BGP_NS}">bgp:ipv4-unicast</afi-safi><peer-address>192.0.2.7</peer-address><direction>import</direction></refresh-bgp>`,
    );
    assert.equal(refreshRpc('mvpn', { kind: 'all' }, 'export', { changesOnly: true, dryRun: true }), `<refresh-bgp-mvpn xmlns="${R}"><all/><direction>export</direction><changes-only/><dry-run/></refresh-bgp-mvpn>`);
    assert.equal(refreshRpc('mvpn', { kind: 'internal' }, 'import', { changesOnly: false, dryRun: true }), `<refresh-bgp-mvpn xmlns="${R}"><internal/><direction>import</direction><dry-run/></refresh-bgp-mvpn>`);
  });

  it('the flags reach the engine request through the server\'s validation and decoding', () => {
    const registry = SchemaRegistry.load();
    const decode = (xml: string): ReturnType<typeof decodeRefreshInput> => {
      const op = parseXml(xml);
      const rpc = registry.rpc(R, op.name);
      assert.ok(rpc);
      validateRpcInput(rpc, op);
      return decodeRefreshInput(op);
    };
    assert.deepEqual(decode(refreshRpc('mvpn', { kind: 'all' }, 'export', parseRefreshArgs('mvpn all export --changes-only --dry-run --password pw'.split(' ')))), {
      family: IPV4_MVPN,
      selector: { kind: 'all' },
      direction: 'export',
      changesOnly: true,
      dryRun: true,
    });
    assert.deepEqual(decode(refreshRpc('ipv4-unicast', { kind: 'external' }, 'import', { dryRun: true })), { family: { afi: 1, safi: 1 }, selector: { kind: 'external' }, direction: 'import', dryRun: true });
  });

  it("reads the counts from a dry run's reply and from the notifications as the server encodes them", () => {
    const counts = { advertised: 10000, withdrawn: 2000, accepted: 0, rejected: 0 };
    const reply = parseRefreshReply(parseXml(serialize(elem(R, 'rpc-reply', refreshReply({ operationId: 9, selected: [{ address: '127.0.1.2', counts }], skipped: [] }, 'export')))));
    assert.deepEqual(reply, { operationId: 9, selected: ['127.0.1.2'], skipped: [], counts: new Map([['127.0.1.2', { advertised: 10000, withdrawn: 2000 }]]) });
    const T = new Date('2026-12-03T10:00:00.000Z');
    const notification = (dryRun: boolean): ReturnType<typeof refreshEvent> =>
      refreshEvent(
        parseXml(
          serialize(
            elem('urn:ietf:params:xml:ns:netconf:notification:1.0', 'notification', [
              peerRefreshComplete({ operationId: 9, peerAddress: '127.0.1.2', family: IPV4_MVPN, direction: 'export', status: 'completed', completion: 'drained', routes: 12000, counts, dryRun, startTime: T, endTime: T }),
            ]),
          ),
        ),
      );
    assert.deepEqual(notification(true), {
      kind: 'peer',
      operationId: 9,
      outcome: { peerAddress: '127.0.1.2', status: 'completed', reason: undefined, completion: 'drained', routes: 12000, counts: { advertised: 10000, withdrawn: 2000 }, dryRun: true, startTime: '2026-12-03T10:00:00.000Z', endTime: '2026-12-03T10:00:00.000Z' },
    });
    const real = notification(false);
    assert.ok(real?.kind === 'peer');
    assert.equal(real.outcome.dryRun, undefined);
  });

  it('prints the counts after the routes, and in a dry run what the refresh would do', () => {
    const t = { startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:00:00.250Z' };
    assert.equal(
      progressLine(1, 2, { peerAddress: '127.0.1.1', status: 'completed', completion: 'drained', routes: 12000, counts: { advertised: 10000, withdrawn: 2000 }, ...t }),
      '[1/2]  127.0.1.1  completed  drained  12,000 routes (advertised 10,000, withdrawn 2,000)  0.25 s',
    );
    assert.equal(progressLine(1, 2, { peerAddress: '127.0.1.1', status: 'completed', completion: 'local', routes: 100, counts: { accepted: 0, rejected: 21 }, ...t }), '[1/2]  127.0.1.1  completed  local  100 routes (accepted 0, rejected 21)  0.25 s');
    assert.equal(progressLine(1, 2, { peerAddress: '127.0.1.1', status: 'completed', routes: 12000, counts: { advertised: 10000, withdrawn: 2000 }, dryRun: true, ...t }), '[1/2]  127.0.1.1  completed  would advertise 10,000, withdraw 2,000  0.25 s');
    assert.equal(progressLine(2, 2, { peerAddress: '127.0.1.1', status: 'completed', routes: 100, counts: { accepted: 3, rejected: 21 }, dryRun: true }), '[2/2]  127.0.1.1  completed  would accept 3, reject 21');
    assert.equal(progressLine(2, 2, { peerAddress: '127.0.1.2', status: 'skipped', reason: 'a dry run of an import needs keep-all-routes', routes: 0, dryRun: true }), '[2/2]  127.0.1.2  skipped  a dry run of an import needs keep-all-routes');
  });

  it("a dry run: the reply's counts stand in for a notification without them, and the summary adds them up", () => {
    const p = new RefreshProgress({ operationId: 5, selected: ['127.0.1.2', '127.0.1.5'], skipped: [], counts: new Map([['127.0.1.2', { advertised: 200, withdrawn: 50 }]]) });
    assert.equal(p.take({ kind: 'peer', operationId: 5, outcome: { peerAddress: '127.0.1.2', status: 'completed', routes: 250, dryRun: true } }), '[1/2]  127.0.1.2  completed  would advertise 200, withdraw 50');
    assert.equal(p.take({ kind: 'peer', operationId: 5, outcome: { peerAddress: '127.0.1.5', status: 'completed', routes: 280, counts: { advertised: 230, withdrawn: 50 }, dryRun: true } }), '[2/2]  127.0.1.5  completed  would advertise 230, withdraw 50');
    const s = p.summary();
    assert.deepEqual(s, { peers: 2, completed: 2, skipped: 0, failed: 0, pending: [], routes: 530, counts: { advertised: 430, withdrawn: 100 } });
    assert.equal(summaryText('refresh mvpn group ebgp-b export --dry-run', 5, s, p.results(), 0.01, 180, true), 'refresh mvpn group ebgp-b export --dry-run: operation 5, 2 peers: 2 completed, 0 skipped, 0 failed; would advertise 430, withdraw 100 in 0.01 s\n');
    assert.equal(summaryText('refresh mvpn group ebgp-b export', 6, s, p.results(), 1.5, 180), 'refresh mvpn group ebgp-b export: operation 6, 2 peers: 2 completed, 0 skipped, 0 failed; 530 routes (advertised 430, withdrawn 100) in 1.50 s\n');
  });

  it('counts each peer once, only of its own operation, and a skipped peer of the reply even without its notification', () => {
    const p = new RefreshProgress({ operationId: 4, selected: ['192.0.2.1', '192.0.2.2'], skipped: [{ address: '192.0.2.3', reason: 'peer does not support route-refresh' }] });
    const completed = { peerAddress: '192.0.2.1', status: 'completed' as const, completion: 'eorr', routes: 1200, startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:00:00.250Z' };
    assert.equal(p.take({ kind: 'peer', operationId: 3, outcome: completed }), undefined);
    assert.equal(p.take({ kind: 'peer', operationId: 4, outcome: completed }), '[1/3]  192.0.2.1  completed  eorr  1,200 routes  0.25 s');
    assert.equal(p.take({ kind: 'peer', operationId: 4, outcome: completed }), undefined);
    assert.equal(p.take({ kind: 'done', operationId: 4 }), undefined);
    assert.equal(p.done, true);
    assert.deepEqual(p.summary(), { peers: 3, completed: 1, skipped: 1, failed: 0, pending: ['192.0.2.2'], routes: 1200 });
    assert.equal(p.exitCode(), 1);
    assert.equal(progressLine(2, 3, { peerAddress: '192.0.2.2', status: 'failed', reason: 'session went down: hold timer expired', routes: 5 }), '[2/3]  192.0.2.2  failed  session went down: hold timer expired');
  });
});

interface JsonResult {
  'operation-id': number;
  'selected-peer': string[];
  'skipped-peer': { 'peer-address': string; reason: string }[];
  'changes-only': boolean;
  'dry-run': boolean;
  peers: { 'peer-address': string; status: string; completion?: string; reason?: string; routes: number; advertised?: number; withdrawn?: number; accepted?: number; rejected?: number; 'dry-run'?: boolean }[];
  summary: { peers: number; completed: number; skipped: number; failed: number; pending: string[]; routes: number; advertised?: number; withdrawn?: number; accepted?: number; rejected?: number };
  'exit-code': number;
}

const LAB_PEERS = ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4', '127.0.1.5'];
const sorted = (a: readonly string[]): string[] => [...a].sort();

describe('ncbgp refresh against ncbgp lab --peers 5 --routes 100', function () {
  this.timeout(60000);
  const robot = ed25519KeyPair();
  let lab: LabProcess;
  let keyFile: string;
  const refresh = (args: string, user = 'admin', password = user): Promise<RunResult> => ncbgp(['refresh', ...args.split(' '), '--port', String(lab.port), '--user', user], { env: { NCBGP_PASSWORD: password } });
  const json = async (args: string): Promise<JsonResult> => {
    const r = await refresh(`${args} --json`);
    return JSON.parse(r.stdout) as JsonResult;
  };
  const edit = async (config: string): Promise<void> => {
    const c = await NetconfClient.connect({ host: '127.0.0.1', port: lab.port, username: 'admin', password: 'admin' });
    try {
      const reply = await c.rpc(`<edit-config><target><running/></target><config><bgp xmlns="${BGP_NS}">${config}</bgp></config></edit-config>`);
      assert.ok(child(reply, 'ok'), 'edit-config failed');
    } finally {
      c.destroy();
    }
  };

  before(async () => {
    lab = await startLab(['--peers', '5', '--routes', '100'], { users: [USERS.admin, USERS.viewer, { name: 'robot', 'authorized-keys': [robot.public], level: 2 }] });
    keyFile = join(lab.dir, 'robot_key');
    writeFileSync(keyFile, robot.private, { mode: 0o600 });
  });
  after(() => lab?.stop());

  it('all export: one line per peer, a summary, exit status 0', async () => {
    const r = await refresh('mvpn all export');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('['));
    assert.deepEqual(sorted(lines.map((l) => l.split(/\s+/)[1])), LAB_PEERS);
    for (const [i, l] of lines.entries()) assert.match(l, new RegExp(`^\\[${i + 1}/5\\]  127\\.0\\.1\\.\\d  completed  drained  `));
    assert.match(r.stdout, /refresh mvpn all export: operation \d+, 5 peers: 5 completed, 0 skipped, 0 failed/);
  });

  it('all import --json: keep-all-routes completes locally, enhanced route refresh at EoRR, the other by quiet period', async () => {
    const doc = await json('mvpn all import');
    assert.equal(doc['exit-code'], 0);
    assert.deepEqual(sorted(doc['selected-peer']), LAB_PEERS);
    assert.deepEqual(doc['skipped-peer'], []);
    const byPeer = Object.fromEntries(doc.peers.map((p) => [p['peer-address'], [p.status, p.completion, p.routes]]));
    assert.deepEqual(byPeer, {
      // the 100 stored routes through lab-import again
      '127.0.1.1': ['completed', 'local', 100],
      '127.0.1.2': ['completed', 'eorr', 100],
      '127.0.1.3': ['completed', 'eorr', 100],
      '127.0.1.4': ['completed', 'eorr', 100],
      '127.0.1.5': ['completed', 'quiet-period', 100],
    });
    assert.deepEqual([doc.summary.peers, doc.summary.completed, doc.summary.skipped, doc.summary.failed], [5, 5, 0, 0]);
  });

  const selectors: [selector: string, peers: string[]][] = [
    ['127.0.1.3', ['127.0.1.3']],
    ['group ebgp-b', ['127.0.1.2', '127.0.1.5']],
    ['external', ['127.0.1.1', '127.0.1.2', '127.0.1.4', '127.0.1.5']],
    ['internal', ['127.0.1.3']],
  ];
  for (const [selector, peers] of selectors) {
    for (const direction of ['import', 'export']) {
      it(`${selector} ${direction}: exactly ${peers.join(', ')}, all completed`, async () => {
        const doc = await json(`mvpn ${selector} ${direction}`);
        assert.deepEqual(sorted(doc['selected-peer']), peers);
        assert.deepEqual(sorted(doc.peers.filter((p) => p.status === 'completed').map((p) => p['peer-address'])), peers);
        assert.equal(doc['exit-code'], 0);
      });
    }
  }

  it('import of the keep-all-routes peer alone completes local', async () => {
    const r = await refresh('mvpn 127.0.1.1 import');
    assert.equal(r.code, 0, r.stderr);
    // the policy has not changed since the routes came: none changes its mind
    assert.match(r.stdout, /^\[1\/1\] {2}127\.0\.1\.1 {2}completed {2}local {2}100 routes \(accepted 0, rejected 0\)/m);
  });

  it('--changes-only with import: a usage error (exit status 2)', async () => {
    const r = await refresh('mvpn all import --changes-only');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--changes-only applies to export only/);
  });

  describe('export after an export policy change', () => {
    type Counts = [address: string, advertised: number | undefined, withdrawn: number | undefined];
    const countsOf = (doc: JsonResult): Counts[] => doc.peers.map((p): Counts => [p['peer-address'], p.advertised, p.withdrawn]).sort((a, b) => a[0].localeCompare(b[0]));
    let preview: Counts[];

    it('--dry-run shows what each peer of the group would be sent, sends nothing: a second dry run shows the same', async () => {
      // lab-export now also rejects VRF 3: its routes are to be withdrawn from ebgp-b
      await edit('<policy><name>lab-export</name><term><name>not-vrf-3</name><match><route-target>target:65000:3</route-target></match><action>reject</action></term></policy>');
      const r = await refresh('mvpn group ebgp-b export --dry-run');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines[0], 'dry run: nothing is sent, no RIB is changed');
      assert.match(lines[1], /^refresh mvpn group ebgp-b export --dry-run: operation \d+, 2 peers$/);
      for (const l of lines.filter((x) => x.startsWith('['))) assert.match(l, /^\[\d\/2\] {2}127\.0\.1\.[25] {2}completed {2}would advertise [1-9][0-9,]*, withdraw [1-9][0-9,]*/);
      assert.match(r.stdout, /2 completed, 0 skipped, 0 failed; would advertise [0-9,]+, withdraw [0-9,]+ in /);

      const doc = await json('mvpn group ebgp-b export --dry-run');
      assert.equal(doc['dry-run'], true);
      assert.deepEqual(
        doc.peers.map((p) => [p.status, p['dry-run'], p.routes === (p.advertised ?? 0) + (p.withdrawn ?? 0)]),
        [
          ['completed', true, true],
          ['completed', true, true],
        ],
      );
      preview = countsOf(doc);
      for (const [address, advertised, withdrawn] of preview) assert.ok(advertised !== undefined && advertised > 0 && withdrawn !== undefined && withdrawn > 0, `${address}: ${advertised}, ${withdrawn}`);
      assert.deepEqual(countsOf(await json('mvpn group ebgp-b export --dry-run')), preview);
    });

    it('export re-advertises the whole Adj-RIB-Out and withdraws what the policy now rejects: what the dry run said', async () => {
      const doc = await json('mvpn group ebgp-b export');
      assert.equal(doc['exit-code'], 0);
      assert.deepEqual(
        doc.peers.map((p) => [p.completion, p['dry-run'], p.routes === (p.advertised ?? 0) + (p.withdrawn ?? 0)]),
        [
          ['drained', undefined, true],
          ['drained', undefined, true],
        ],
      );
      assert.deepEqual(countsOf(doc), preview);
    });

    it('--changes-only then has nothing to send; a full export again sends everything and withdraws nothing', async () => {
      const changes = await json('mvpn group ebgp-b export --changes-only');
      assert.equal(changes['exit-code'], 0);
      assert.deepEqual(
        changes.peers.map((p) => [p.completion, p.routes, p.advertised, p.withdrawn]),
        [
          ['drained', 0, 0, 0],
          ['drained', 0, 0, 0],
        ],
      );
      const again = countsOf(await json('mvpn group ebgp-b export'));
      assert.deepEqual(
        again,
        preview.map(([address, advertised]) => [address, advertised, 0]),
      );
    });
  });

  it('a peer address that is not configured: exit status 3 with the rpc-error, its tag and path', async () => {
    const r = await refresh('mvpn 127.0.9.9 import');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /rpc-error: data-missing \(error-type application\)/);
    assert.match(r.stderr, /error-path: \/ncbgp-refresh:refresh-bgp-mvpn\/ncbgp-refresh:peer-address/);
    assert.match(r.stderr, /127\.0\.9\.9/);
    const doc = JSON.parse((await refresh('mvpn 127.0.9.9 import --json')).stdout) as { 'rpc-error': Record<string, string>[] };
    assert.deepEqual([doc['rpc-error'][0]['error-tag'], doc['rpc-error'][0]['error-app-tag']], ['data-missing', 'instance-required']);
  });

  it('a group that does not exist: exit status 3, data-missing on group', async () => {
    const r = await refresh('mvpn group nope export');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /rpc-error: data-missing/);
    assert.match(r.stderr, /error-path: \/ncbgp-refresh:refresh-bgp-mvpn\/ncbgp-refresh:group/);
  });

  it('a level-1 user gets access-denied (exit status 3)', async () => {
    const r = await refresh('mvpn all export', 'viewer');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /rpc-error: access-denied/);
  });

  it('a level-2 user with an SSH key may refresh', async () => {
    const r = await ncbgp(['refresh', 'mvpn', '127.0.1.2', 'export', '--port', String(lab.port), '--user', 'robot', '--key', keyFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 completed, 0 skipped, 0 failed/);
  });

  it('a wrong password or a closed port: exit status 3, saying so', async () => {
    const wrong = await refresh('mvpn all export', 'admin', 'not-the-password');
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /cannot open a NETCONF session/);
    const closed = await ncbgp(['refresh', 'mvpn', 'all', 'export', '--port', '1', '--password', 'admin']);
    assert.equal(closed.code, 3);
    assert.match(closed.stderr, /cannot open a NETCONF session to 127\.0\.0\.1 port 1/);
  });

  it('a usage error: exit status 2 and the usage', async () => {
    const r = await refresh('mvpn all sideways');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: ncbgp refresh/);
  });

  it('ipv4-unicast through refresh-bgp: the lab peers did not negotiate it, so all are skipped with the reason (exit status 1)', async () => {
    const r = await refresh('ipv4-unicast all export');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /5 peers: 0 completed, 5 skipped, 0 failed/);
    for (const p of LAB_PEERS) assert.match(r.stdout, new RegExp(`skipped ${p.replace(/\./g, '\\.')}: peer did not negotiate ipv4-unicast`));
  });

  it('import --dry-run: the keep-all-routes peer shows what a changed import policy would reject, the others cannot be previewed', async () => {
    // lab-import (ebgp-a, 127.0.1.1 with keep-all-routes among them) now also rejects VRF 1:
    // 25 of the 100 stored routes, 4 of them already rejected as Source Active A-D routes
    await edit('<policy><name>lab-import</name><term><name>not-vrf-1</name><match><route-target>target:65000:1</route-target></match><action>reject</action></term></policy>');
    const r = await refresh('mvpn group ebgp-a import --dry-run');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^dry run: nothing is sent, no RIB is changed\n/);
    assert.match(r.stdout, /^\[\d\/2\] {2}127\.0\.1\.1 {2}completed {2}would accept 0, reject 21/m);
    assert.match(r.stdout, /2 peers: 1 completed, 1 skipped, 0 failed; would accept 0, reject 21 in /);
    assert.match(r.stdout, /skipped 127\.0\.1\.4: .*keep-all-routes/);
    const doc = await json('mvpn 127.0.1.1 import --dry-run');
    assert.deepEqual([doc.peers[0].accepted, doc.peers[0].rejected, doc.peers[0]['dry-run'], doc.summary.rejected], [0, 21, true, 21]);
    // nothing changed: the import itself then rejects them, and after it there is nothing left to change
    assert.match((await refresh('mvpn 127.0.1.1 import')).stdout, /completed {2}local {2}100 routes \(accepted 0, rejected 21\)/);
    assert.match((await refresh('mvpn 127.0.1.1 import --dry-run')).stdout, /completed {2}would accept 0, reject 0/);
  });

  it('a configured peer that is down is skipped with the reason, and the rest complete (exit status 1)', async () => {
    await edit('<peer><address>192.0.2.99</address><group>ibgp</group><passive>true</passive></peer>');
    const r = await refresh('mvpn internal import');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /2 peers: 1 completed, 1 skipped, 0 failed/);
    assert.match(r.stdout, /skipped 192\.0\.2\.99: session is not established/);
    const doc = await json('mvpn internal import');
    assert.deepEqual(doc['skipped-peer'].map((s) => s['peer-address']), ['192.0.2.99']);
    assert.equal(doc['exit-code'], 1);
  });
});
