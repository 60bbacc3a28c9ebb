// `ncbgp show peers|sessions` as a user runs it against `ncbgp lab`: the
// table, --json, exit status, and the command line itself.
import assert from 'node:assert/strict';
import { parseShowArgs, PeerRow, SessionRow, uptimeText } from '../../src/cli/show';
import { UsageError } from '../../src/cli/connection';
import { NetconfClient } from '../../src/netconf/client';
import { LabProcess, ncbgp, RunResult, startLab } from '../helpers/lab';

describe('ncbgp show: the command line', function () {
  it('reads the words and the connection options, with the defaults of ncbgp refresh', () => {
    assert.deepEqual(parseShowArgs(['peers'], { NCBGP_PASSWORD: 'pw' }), { what: 'peers', host: '127.0.0.1', port: 8830, user: 'admin', password: 'pw', keyFile: undefined, json: false });
    assert.deepEqual(parseShowArgs('sessions --host 127.0.0.2 --port 830 --user ops --key k --json'.split(' ')), { what: 'sessions', host: '127.0.0.2', port: 830, user: 'ops', password: undefined, keyFile: 'k', json: true });
  });

  const bad: [argv: string, message: RegExp][] = [
    ['--password pw', /show what: peers or sessions/],
    ['routers --password pw', /cannot show routers/],
    ['peers sessions --password pw', /unexpected sessions after peers/],
    ['peers', /give --password/],
    ['peers --password pw --port 0', /no port number/],
    ['peers --password pw --verbose', /Unknown option '--verbose'/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses: ${argv}`, () => {
      assert.throws(() => parseShowArgs(argv.split(' ')), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }

  it('uptime: h:mm:ss below a day, then days and hh:mm', () => {
    assert.deepEqual([0, 59, 3723, 86399, 86400, 2 * 86400 + 3 * 3600 + 4 * 60 + 5].map(uptimeText), ['0:00:00', '0:00:59', '1:02:03', '23:59:59', '1d 00:00', '2d 03:04']);
  });
});

describe('ncbgp show against ncbgp lab --peers 3 --routes 10', function () {
  this.timeout(60000);
  let lab: LabProcess;
  const show = (args: string, password = 'admin'): Promise<RunResult> => ncbgp(['show', ...args.split(' '), '--port', String(lab.port)], { env: { NCBGP_PASSWORD: password } });
  const json = async <T>(args: string): Promise<T> => {
    const r = await show(`${args} --json`);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    lab = await startLab(['--peers', '3', '--routes', '10']);
  });
  after(() => lab?.stop());

  it('peers: a header and one aligned row per peer, established, with the routes each lab peer sends', async () => {
    const r = await show('peers');
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.match(header, /^ADDRESS {4}REMOTE-AS {2}GROUP {3}TYPE {2}STATE {8}UPTIME {3}REFRESH {2}MVPN-RCVD {2}MVPN-ACC {2}MVPN-ADV {2}LAST-IMPORT {2}LAST-EXPORT$/);
    // address, remote AS, group, type, state, refresh, MVPN received: the uptime apart
    assert.deepEqual(
      rows.map((l) => l.split(/ +/).filter((_, i) => i !== 5).slice(0, 7)),
      [
        ['127.0.1.1', '65001', 'ebgp-a', 'EBGP', 'established', 'RR+ERR', '10'],
        ['127.0.1.2', '65002', 'ebgp-b', 'EBGP', 'established', 'RR+ERR', '10'],
        ['127.0.1.3', '65000', 'ibgp', 'IBGP', 'established', 'RR+ERR', '10'],
      ],
    );
    for (const l of rows) assert.match(l.split(/ +/)[5], /^\d+:\d\d:\d\d$/);
    // the columns line up: each row's STATE starts where the header's does
    for (const l of rows) assert.equal(l.indexOf('established'), header.indexOf('STATE'));
  });

  it('peers --json: the same rows, numbers as numbers; an export shows in last-export', async () => {
    const refresh = await ncbgp(['refresh', 'mvpn', 'all', 'export', '--port', String(lab.port)], { env: { NCBGP_PASSWORD: 'admin' } });
    assert.equal(refresh.code, 0, refresh.stderr);
    const rows = await json<PeerRow[]>('peers');
    assert.deepEqual(
      rows.map((p) => [p.address, p['remote-as'], p.group, p.type, p.state, p['route-refresh'], p['mvpn-received'], p['mvpn-accepted'], p['last-import']]),
      [
        ['127.0.1.1', 65001, 'ebgp-a', 'EBGP', 'established', 'RR+ERR', 10, 10, null],
        ['127.0.1.2', 65002, 'ebgp-b', 'EBGP', 'established', 'RR+ERR', 10, 10, null],
        ['127.0.1.3', 65000, 'ibgp', 'IBGP', 'established', 'RR+ERR', 10, 10, null],
      ],
    );
    for (const p of rows) {
      assert.equal(typeof p.uptime, 'number');
      assert.ok(typeof p['mvpn-advertised'] === 'number' && p['mvpn-advertised'] > 0, `${p.address} advertised ${p['mvpn-advertised']}`);
      assert.ok(p['last-export'] !== null && !Number.isNaN(Date.parse(p['last-export'])), `${p.address} last-export ${p['last-export']}`);
    }
    // the table says the same
    const table = (await show('peers')).stdout.trimEnd().split('\n').slice(1);
    assert.deepEqual(
      table.map((l) => l.split(/ +/).filter((_, i) => i !== 5)),
      rows.map((p) => [p.address, String(p['remote-as']), p.group, p.type, p.state, p['route-refresh'], String(p['mvpn-received']), String(p['mvpn-accepted']), String(p['mvpn-advertised']), '-', p['last-export']]),
    );
  });

  it("sessions: the show command's own session and another client's, in the table and in --json", async () => {
    const other = await NetconfClient.connect({ host: '127.0.0.1', port: lab.port, username: 'viewer', password: 'viewer' });
    try {
      const r = await show('sessions');
      assert.equal(r.code, 0, r.stderr);
      const [header, ...rows] = r.stdout.trimEnd().split('\n');
      assert.match(header, /^SESSION-ID {2}USERNAME {2}SOURCE-HOST {2}TRANSPORT {4}LOGIN-TIME +IN-RPCS {2}IN-BAD-RPCS {2}OUT-RPC-ERRORS {2}OUT-NOTIFICATIONS$/);
      assert.ok(rows.some((l) => new RegExp(`^ *${other.sessionId} {2}viewer +127\\.0\\.0\\.1 +netconf-ssh `).test(l)), r.stdout);
      assert.ok(rows.some((l) => /^ *\d+ {2}admin +127\.0\.0\.1 +netconf-ssh +\S+ +[1-9]\d* +0 +0 +0$/.test(l)), r.stdout);

      const sessions = await json<SessionRow[]>('sessions');
      const viewer = sessions.find((s) => s['session-id'] === other.sessionId);
      assert.deepEqual(viewer && [viewer.username, viewer['source-host'], viewer.transport, viewer['in-rpcs'], viewer['in-bad-rpcs']], ['viewer', '127.0.0.1', 'netconf-ssh', 0, 0]);
      const own = sessions.filter((s) => s.username === 'admin');
      assert.equal(own.length, 1, JSON.stringify(sessions));
      assert.ok(own[0]['session-id'] > other.sessionId && !Number.isNaN(Date.parse(own[0]['login-time'])));
    } finally {
      other.destroy();
    }
  });

  it('a wrong password: exit status 3, saying so (an error object with --json)', async () => {
    const r = await show('peers', 'not-the-password');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^ncbgp show peers: cannot open a NETCONF session to 127\.0\.0\.1 port \d+/);
    const j = await show('sessions --json', 'not-the-password');
    assert.equal(j.code, 3);
    assert.match((JSON.parse(j.stdout) as { error: string }).error, /cannot open a NETCONF session/);
  });

  it('--help: the usage, exit status 0; an unknown word or option: the usage on stderr, exit status 2', async () => {
    for (const args of [['show', '--help'], ['show', 'peers', '--help']]) {
      const r = await ncbgp(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: ncbgp show <peers\|sessions>/);
    }
    for (const [args, message] of [
      [['show'], /show what/],
      [['show', 'routers'], /cannot show routers/],
      [['show', 'peers', '--port', 'x'], /--port: x is no port number/],
    ] as const) {
      const r = await ncbgp([...args], { env: { NCBGP_PASSWORD: 'admin' } });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: ncbgp show/);
    }
  });
});
