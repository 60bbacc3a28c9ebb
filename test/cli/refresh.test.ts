// `ncbgp refresh ...` as a user runs it against `ncbgp lab`: per-peer lines,
// exit status, --json for scripts, rpc-errors, access control, and the
// command line itself.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRefreshArgs, progressLine, RefreshArgs, RefreshProgress, refreshRpc, UsageError } from '../../src/cli/refresh';
import { NetconfClient } from '../../src/netconf/client';
import { child } from '../../src/netconf/xml';
import { LabProcess, ncbgp, RunResult, startLab } from '../helpers/lab';
import { ed25519KeyPair, USERS } from '../helpers/server';

const BGP_NS = 'urn:ncbgp:yang:ncbgp-bgp';
const R = 'urn:ncbgp:yang:ncbgp-refresh';

describe('ncbgp refresh: the command line', function () {
  const ok: { argv: string; env?: Record<string, string>; expect: Partial<RefreshArgs> }[] = [
    { argv: 'mvpn all export --password pw', expect: { family: 'mvpn', selector: { kind: 'all' }, direction: 'export', host: '127.0.0.1', port: 8830, user: 'admin', password: 'pw', json: false, timeoutS: 180 } },
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
  peers: { 'peer-address': string; status: string; completion?: string; reason?: string; routes: number }[];
  summary: { peers: number; completed: number; skipped: number; failed: number; pending: string[] };
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
      // the stored routes through lab-import again: 91 of 100 accepted
      '127.0.1.1': ['completed', 'local', 91],
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
    assert.match(r.stdout, /^\[1\/1\] {2}127\.0\.1\.1 {2}completed {2}local {2}91 routes/m);
  });

  it('export after an export policy change sends the difference to the group that uses it', async () => {
    // lab-export now also rejects VRF 3: its routes are withdrawn from ebgp-b
    await edit('<policy><name>lab-export</name><term><name>not-vrf-3</name><match><route-target>target:65000:3</route-target></match><action>reject</action></term></policy>');
    const doc = await json('mvpn group ebgp-b export');
    assert.equal(doc['exit-code'], 0);
    assert.equal(doc.peers.length, 2);
    for (const p of doc.peers) {
      assert.equal(p.completion, 'drained');
      // VRF 3 has 25 routes per other peer; four other peers
      assert.ok(p.routes > 0 && p.routes <= 100, `${p['peer-address']}: ${p.routes} routes`);
    }
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
