// The SSH layer against hostile clients (the real server process): limits on
// connections before login, the login grace time, channels per connection,
// password guessing per source and per user name, the pty request of
// `ssh -tt`, and the algorithms offered. Several source addresses of
// 127.0.0.0/8 stand for several hosts. Every test asserts a count or a
// refusal, never a duration.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ClientChannel } from 'ssh2';
import { CAPABILITY, NS } from '../../src/model/namespaces';
import { DEFAULT_SSH_ALGORITHMS } from '../../src/server/config';
import { PYTHON, requireNcclient, requireTool } from '../helpers/interop';
import { ed25519KeyPair, REPO_ROOT, startServer, TestServer } from '../helpers/server';

const HOST = '127.0.0.1';
const SECRET = 'the-Secret-7f3a';
const WRONG = 'a-wrong-Guess-91c2';
/** Outer bound on waiting for something the server is expected to do. */
const BOUND_MS = 10_000;

interface Banner {
  /** 'held': the server's identification string came; 'refused': closed before it */
  outcome: 'held' | 'refused';
  socket: Socket;
}

/** A TCP connection from `from` that sends an SSH identification string and nothing else (RFC 4253 section 4.2). */
function banner(port: number, from: string): Promise<Banner> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: HOST, port, localAddress: from });
    socket.on('error', () => undefined);
    socket.once('connect', () => socket.write('SSH-2.0-hostile\r\n'));
    socket.once('data', (d) => resolve({ outcome: d.toString('latin1').startsWith('SSH-2.0-') ? 'held' : 'refused', socket }));
    socket.once('close', () => resolve({ outcome: 'refused', socket }));
  });
}

/** Resolves true when `socket` closes within BOUND_MS. */
function closesWithin(socket: Socket | Client): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), BOUND_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

type LoginOutcome = 'authenticated' | 'refused' | 'closed';

interface LoginOptions {
  from: string;
  username?: string;
  password?: string;
  privateKey?: string;
  /** keep the connection open (the caller ends it) */
  keep?: (c: Client) => void;
}

/** An SSH login from `from`: 'refused' when authentication fails, 'closed' when the connection ends before. */
function login(port: number, opts: LoginOptions): Promise<LoginOutcome> {
  return new Promise((resolve) => {
    const c = new Client();
    let outcome: LoginOutcome = 'closed';
    c.on('ready', () => {
      outcome = 'authenticated';
      if (opts.keep) opts.keep(c);
      else c.end();
      resolve(outcome);
    });
    c.on('error', (e: Error & { level?: string }) => {
      if (e.level === 'client-authentication') outcome = 'refused';
    });
    c.on('close', () => resolve(outcome));
    c.connect({ host: HOST, port, localAddress: opts.from, username: opts.username ?? 'admin', password: opts.password, privateKey: opts.privateKey, readyTimeout: BOUND_MS });
  });
}

/** Sends one password attempt from `from` and destroys the socket without waiting for the answer. */
function hangUpAfterPassword(port: number, from: string, username: string, password: string): Promise<void> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: HOST, port, localAddress: from });
    sock.on('error', () => undefined);
    sock.once('close', () => resolve());
    const c = new Client();
    c.on('error', () => undefined);
    c.connect({
      sock,
      username,
      readyTimeout: BOUND_MS,
      authHandler: (_left, _partial, next) => {
        next({ type: 'password', username, password });
        setImmediate(() => sock.destroy());
      },
    });
  });
}

/** The server's JSON log lines. */
function logLines(server: TestServer): Record<string, unknown>[] {
  return server.stderrLines().flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Waits until `count` log lines match `pred` (at most BOUND_MS), then returns how many do. */
async function logCount(server: TestServer, pred: (l: Record<string, unknown>) => boolean, count: number): Promise<number> {
  const deadline = Date.now() + BOUND_MS;
  let n = logLines(server).filter(pred).length;
  while (n < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    n = logLines(server).filter(pred).length;
  }
  return n;
}

/** A netconf subsystem channel, or the error that refused it. */
function subsystem(c: Client): Promise<ClientChannel | Error> {
  return new Promise((resolve) => c.subsys('netconf', (err, ch) => resolve(err ?? ch)));
}

/** The first end-of-message framed message on `ch` (the server's hello). */
function firstMessage(ch: ClientChannel): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('no message')), BOUND_MS);
    ch.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      const end = text.indexOf(']]>]]>');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, end));
      }
    });
  });
}

/** The name-lists of the server's SSH_MSG_KEXINIT (RFC 4253 section 7.1), read from a raw socket. */
function serverKexinit(port: number): Promise<Record<string, string[]>> {
  const names = ['kex', 'serverHostKey', 'cipherCs', 'cipherSc', 'hmacCs', 'hmacSc', 'compressCs', 'compressSc', 'langCs', 'langSc'];
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    socket.on('error', reject);
    socket.once('connect', () => socket.write('SSH-2.0-probe\r\n'));
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      // uint32 packet_length, byte padding_length, payload (RFC 4253 section 6)
      const packet = buf.subarray(eol + 2);
      if (packet.length < 4 || packet.length < 4 + packet.readUInt32BE(0)) return;
      socket.destroy();
      const payload = packet.subarray(5);
      if (payload[0] !== 20) return reject(new Error(`expected KEXINIT, got message ${payload[0]}`));
      let at = 1 + 16; // message number, cookie
      const lists: Record<string, string[]> = {};
      for (const name of names) {
        const len = payload.readUInt32BE(at);
        const text = payload.subarray(at + 4, at + 4 + len).toString('latin1');
        lists[name] = text === '' ? [] : text.split(',');
        at += 4 + len;
      }
      resolve(lists);
    });
  });
}

const FROM = (n: number): string => `127.0.0.${n}`;

describe('SSH against hostile clients', function () {
  this.timeout(60_000);

  describe('before authentication: caps per source and in total', function () {
    let server: TestServer;
    const sockets: Socket[] = [];
    before(async () => {
      server = await startServer({ config: { netconf: { 'max-unauthenticated-per-source': 5, 'max-unauthenticated': 20 } } });
    });
    afterEach(async () => {
      await Promise.all(sockets.splice(0).map((s) => (s.destroyed ? undefined : (s.destroy(), closesWithin(s)))));
    });
    after(() => server.stop());

    it('30 banner-only connections from one source: 5 held, 25 refused, and another source still logs in', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, () => banner(server.port, FROM(2))));
      sockets.push(...results.map((r) => r.socket));
      assert.equal(results.filter((r) => r.outcome === 'held').length, 5);
      assert.equal(results.filter((r) => r.outcome === 'refused').length, 25);
      assert.equal(await login(server.port, { from: FROM(3), password: 'admin' }), 'authenticated');
      assert.ok((await logCount(server, (l) => l.limit === 'max-unauthenticated-per-source', 1)) >= 1, 'the refusal is logged');
    });

    it('5 connections from each of 5 sources: 20 held in all, then a sixth source is refused until one closes', async () => {
      const results: Banner[] = [];
      for (let s = 10; s < 15; s++) results.push(...(await Promise.all(Array.from({ length: 5 }, () => banner(server.port, FROM(s))))));
      sockets.push(...results.map((r) => r.socket));
      assert.equal(results.filter((r) => r.outcome === 'held').length, 20);
      assert.equal((await banner(server.port, FROM(15))).outcome, 'refused');
      const held = results.find((r) => r.outcome === 'held');
      held?.socket.destroy();
      // the server sees the close a moment later: a new connection is held once it has
      let next: Banner = { outcome: 'refused', socket: new Socket() };
      for (let attempt = 0; attempt < 50 && next.outcome === 'refused'; attempt++) {
        next = await banner(server.port, FROM(15));
        sockets.push(next.socket);
      }
      assert.equal(next.outcome, 'held');
    });
  });

  describe('login grace time', function () {
    let server: TestServer;
    before(async () => {
      server = await startServer({ config: { netconf: { 'login-grace-time': 1, 'max-unauthenticated-per-source': 1 } } });
    });
    after(() => server.stop());

    it('closes an idle connection that never authenticates, and frees its place', async () => {
      const first = await banner(server.port, FROM(2));
      assert.equal(first.outcome, 'held');
      const second = await banner(server.port, FROM(2));
      assert.equal(second.outcome, 'refused', 'one unauthenticated connection per source');
      assert.ok(await closesWithin(first.socket), 'the server closed the idle connection');
      const third = await banner(server.port, FROM(2));
      assert.equal(third.outcome, 'held', 'its place is free again');
      third.socket.destroy();
      assert.ok((await logCount(server, (l) => typeof l.msg === 'string' && l.msg.includes('not authenticated within the login grace time'), 1)) >= 1);
    });

    it('closes an authenticated connection that opens no NETCONF session', async () => {
      let conn: Client | undefined;
      assert.equal(await login(server.port, { from: FROM(3), password: 'admin', keep: (c) => (conn = c) }), 'authenticated');
      assert.ok(conn);
      assert.ok(await closesWithin(conn), 'the server closed the connection');
    });

    it('an authenticated connection counts no more: a second login from the same source gets in', async () => {
      const kept: Client[] = [];
      assert.equal(await login(server.port, { from: FROM(4), password: 'admin', keep: (c) => kept.push(c) }), 'authenticated');
      assert.equal(await login(server.port, { from: FROM(4), password: 'admin' }), 'authenticated');
      for (const c of kept) c.end();
    });
  });

  describe('channels per connection', function () {
    let server: TestServer;
    before(async () => {
      server = await startServer({ config: { netconf: { 'max-channels-per-connection': 3 } } });
    });
    after(() => server.stop());

    it('with a limit of 3, five netconf channels on one connection: 3 open with a hello, 2 refused; closing one frees a place', async () => {
      let conn: Client | undefined;
      assert.equal(await login(server.port, { from: FROM(2), password: 'admin', keep: (c) => (conn = c) }), 'authenticated');
      assert.ok(conn);
      const c = conn;
      try {
        const opened: ClientChannel[] = [];
        const refused: Error[] = [];
        for (let i = 0; i < 5; i++) {
          const ch = await subsystem(c);
          if (ch instanceof Error) refused.push(ch);
          else opened.push(ch);
        }
        assert.equal(opened.length, 3);
        assert.equal(refused.length, 2);
        for (const ch of opened) assert.match(await firstMessage(ch), /<capability>urn:ietf:params:netconf:base:1\.0<\/capability>/);
        const closed = new Promise((r) => opened[0]!.once('close', r));
        opened[0]!.close();
        await closed;
        let again: ClientChannel | Error = new Error('not tried');
        for (let attempt = 0; attempt < 50 && again instanceof Error; attempt++) again = await subsystem(c);
        assert.ok(!(again instanceof Error), 'a channel opens once one has closed');
        assert.ok((await logCount(server, (l) => l.msg === 'channel refused' && l.limit === 'max-channels-per-connection', 1)) >= 1);
      } finally {
        c.end();
      }
    });

    it('a session counts against max-sessions from the moment its channel opens: with max-sessions 2, a third channel is refused at its opening, on any connection', async () => {
      const small = await startServer({ config: { netconf: { 'max-sessions': 2 } } });
      const conns: Client[] = [];
      try {
        for (const from of [FROM(6), FROM(7)]) assert.equal(await login(small.port, { from, password: 'admin', keep: (c) => conns.push(c) }), 'authenticated');
        const [a, b] = conns;
        const first = await subsystem(a!);
        const second = await subsystem(a!);
        assert.ok(!(first instanceof Error) && !(second instanceof Error), 'two places');
        assert.ok((await subsystem(b!)) instanceof Error, 'no third, on another connection either');
        assert.ok((await logCount(small, (l) => l.msg === 'channel refused' && l.limit === 'max-sessions', 1)) >= 1);
        const closed = new Promise((r) => first.once('close', r));
        first.resume(); // the hello is not read: let the stream flow to its end
        first.close();
        await closed;
        let again: ClientChannel | Error = new Error('not tried');
        for (let attempt = 0; attempt < 50 && again instanceof Error; attempt++) again = await subsystem(b!);
        assert.ok(!(again instanceof Error), 'a place is free once a channel has closed');
      } finally {
        for (const c of conns) c.end();
        await small.stop();
      }
    });

    it('port forwarding is refused both ways', async () => {
      let conn: Client | undefined;
      assert.equal(await login(server.port, { from: FROM(4), password: 'admin', keep: (c) => (conn = c) }), 'authenticated');
      assert.ok(conn);
      const c = conn;
      const out = await new Promise<Error | undefined>((resolve) => c.forwardOut('127.0.0.1', 0, '127.0.0.1', server.port, (e) => resolve(e)));
      const inward = await new Promise<Error | undefined>((resolve) => c.forwardIn('127.0.0.1', 0, (e) => resolve(e)));
      c.end();
      assert.ok(out, 'direct-tcpip channel refused');
      assert.ok(inward, 'tcpip-forward request refused');
    });

    it('a pty request is accepted (and the shell after it refused)', async () => {
      let conn: Client | undefined;
      assert.equal(await login(server.port, { from: FROM(3), password: 'admin', keep: (c) => (conn = c) }), 'authenticated');
      assert.ok(conn);
      const c = conn;
      // ssh2 asks for the pty first and says which request failed
      const err = await new Promise<Error | undefined>((resolve) => c.shell({ term: 'xterm' }, (e) => resolve(e)));
      c.end();
      assert.ok(err);
      assert.match(err.message, /shell/i);
      assert.doesNotMatch(err.message, /pseudo-terminal|pty/i);
    });
  });

  describe('password guessing per source', function () {
    let server: TestServer;
    before(async () => {
      server = await startServer({
        config: { netconf: { users: [{ name: 'admin', password: SECRET, level: 3 }], 'max-auth-failures-per-source': 5, 'max-auth-failures-per-user': 1000 } },
      });
    });
    after(() => server.stop());

    it('5 wrong passwords lock the source out: the right one is then refused unchecked there, accepted from another source', async () => {
      for (let i = 0; i < 5; i++) assert.equal(await login(server.port, { from: FROM(2), password: WRONG }), 'refused');
      assert.equal(await login(server.port, { from: FROM(2), password: SECRET }), 'refused');
      assert.equal(await login(server.port, { from: FROM(3), password: SECRET }), 'authenticated');
      // the last line of the story: every one before it is in
      assert.equal(await logCount(server, (l) => l.msg === 'authenticated' && l.source === FROM(3), 1), 1);
      const lines = logLines(server);
      assert.equal(lines.filter((l) => l.msg === 'authentication failed' && l.source === FROM(2)).length, 5);
      assert.equal(lines.filter((l) => l.msg === 'login locked out' && l.source === FROM(2)).length, 1);
      assert.equal(lines.filter((l) => l.msg === 'authentication refused unchecked: locked out' && l.source === FROM(2) && l.locked === 'source').length, 1);
    });

    it('a client that hangs up right after sending a wrong password still counts', async () => {
      for (let i = 0; i < 5; i++) await hangUpAfterPassword(server.port, FROM(4), 'admin', WRONG);
      assert.equal(await logCount(server, (l) => l.msg === 'authentication failed' && l.source === FROM(4), 5), 5);
      assert.equal(await login(server.port, { from: FROM(4), password: SECRET }), 'refused');
    });

    it('publickey queries for keys that would not do are no failures', async () => {
      const stranger = ed25519KeyPair();
      for (let i = 0; i < 8; i++) assert.equal(await login(server.port, { from: FROM(5), privateKey: stranger.private }), 'refused');
      assert.equal(await login(server.port, { from: FROM(5), password: SECRET }), 'authenticated');
      assert.equal(await logCount(server, (l) => l.msg === 'authenticated' && l.source === FROM(5), 1), 1);
      assert.equal(logLines(server).filter((l) => l.msg === 'authentication failed' && l.source === FROM(5)).length, 0);
    });

    it('paramiko (under ncclient) signing with a key that is not authorized, again and again: no failure counted, the source is not locked', async function () {
      requireNcclient(this);
      const dir = mkdtempSync(join(tmpdir(), 'ncbgp-paramiko-'));
      try {
        const keyFile = join(dir, 'id_ed25519');
        writeFileSync(keyFile, ed25519KeyPair().private, { mode: 0o600 });
        // paramiko signs each key it tries at once (no RFC 4252 section 7 query first)
        const script = [
          'import socket, sys, paramiko',
          'port, key, source = int(sys.argv[1]), sys.argv[2], sys.argv[3]',
          'refused = 0',
          'for _ in range(8):',
          '    c = paramiko.SSHClient()',
          '    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())',
          "    sock = socket.create_connection(('127.0.0.1', port), source_address=(source, 0))",
          '    try:',
          "        c.connect('127.0.0.1', port=port, username='admin', key_filename=key, look_for_keys=False, allow_agent=False, sock=sock)",
          '    except paramiko.AuthenticationException:',
          '        refused += 1',
          '    c.close()',
          'print(refused)',
        ].join('\n');
        const run = spawnSync(PYTHON, ['-c', script, String(server.port), keyFile, FROM(6)], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(run.stdout.trim(), '8', run.stderr);
        assert.equal(logLines(server).filter((l) => l.msg === 'authentication failed' && l.source === FROM(6)).length, 0);
        assert.equal(await login(server.port, { from: FROM(6), password: SECRET }), 'authenticated');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('never logs a password', () => {
      const text = server.stderrLines().join('\n');
      assert.ok(!text.includes(SECRET));
      assert.ok(!text.includes(WRONG));
    });
  });

  describe('password guessing per user name, from many sources', function () {
    let server: TestServer;
    const key = ed25519KeyPair();
    before(async () => {
      server = await startServer({
        config: { netconf: { users: [{ name: 'admin', password: SECRET, 'authorized-keys': [key.public], level: 3 }], 'max-auth-failures-per-source': 100, 'max-auth-failures-per-user': 6 } },
      });
    });
    after(() => server.stop());

    it('6 wrong passwords from 6 sources lock the name: a new source is refused the right password, a trusted source and a key get in', async () => {
      assert.equal(await login(server.port, { from: FROM(30), password: SECRET }), 'authenticated', 'the operator logs in before the attack');
      for (let s = 10; s < 16; s++) assert.equal(await login(server.port, { from: FROM(s), password: WRONG }), 'refused');
      assert.equal(await login(server.port, { from: FROM(20), password: SECRET }), 'refused');
      assert.equal(await login(server.port, { from: FROM(30), password: SECRET }), 'authenticated');
      assert.equal(await login(server.port, { from: FROM(21), privateKey: key.private }), 'authenticated');
      assert.equal(await logCount(server, (l) => l.msg === 'authenticated' && l.source === FROM(21), 1), 1);
      const lines = logLines(server);
      assert.equal(lines.filter((l) => l.msg === 'login locked out' && l.locked === 'user' && l.user === 'admin').length, 1);
      assert.equal(lines.filter((l) => l.msg === 'authentication refused unchecked: locked out' && l.locked === 'user').length, 1);
    });

    it('unknown user names are counted the same way', async () => {
      for (let s = 40; s < 46; s++) assert.equal(await login(server.port, { from: FROM(s), username: 'nobody', password: WRONG }), 'refused');
      assert.equal(await logCount(server, (l) => l.msg === 'login locked out' && l.user === 'nobody', 1), 1);
    });

    it('never logs a password', () => {
      const text = server.stderrLines().join('\n');
      assert.ok(!text.includes(SECRET));
      assert.ok(!text.includes(WRONG));
    });
  });

  describe('algorithms offered', function () {
    it('by default: the configured modern set, no hmac-sha1, no zlib before authentication', async () => {
      const server = await startServer();
      try {
        const offer = await serverKexinit(server.port);
        const d = DEFAULT_SSH_ALGORITHMS;
        // ssh2 adds the strict key exchange marker (the Terrapin counter-measure)
        assert.deepEqual(offer.kex, [...d.kex, 'kex-strict-s-v00@openssh.com']);
        assert.deepEqual(offer.serverHostKey, ['ssh-ed25519'], 'only what the ed25519 host key can sign');
        for (const dir of ['Cs', 'Sc']) {
          assert.deepEqual(offer[`cipher${dir}`], d.cipher);
          assert.deepEqual(offer[`hmac${dir}`], d.hmac);
          assert.deepEqual(offer[`compress${dir}`], d.compress);
          assert.ok(!offer[`hmac${dir}`]!.some((m) => m.startsWith('hmac-sha1')), 'no SHA-1 MAC');
          assert.ok(!offer[`compress${dir}`]!.includes('zlib'), 'no compression before authentication');
        }
      } finally {
        await server.stop();
      }
    });

    it('netconf.ssh-algorithms changes the offer', async () => {
      const server = await startServer({ config: { netconf: { 'ssh-algorithms': { kex: ['curve25519-sha256'], cipher: ['aes256-gcm@openssh.com'], hmac: ['hmac-sha2-512-etm@openssh.com'], compress: ['none'] } } } });
      try {
        const offer = await serverKexinit(server.port);
        assert.deepEqual(offer.kex, ['curve25519-sha256', 'kex-strict-s-v00@openssh.com']);
        assert.deepEqual(offer.cipherCs, ['aes256-gcm@openssh.com']);
        assert.deepEqual(offer.hmacSc, ['hmac-sha2-512-etm@openssh.com']);
        assert.deepEqual(offer.compressCs, ['none']);
      } finally {
        await server.stop();
      }
    });

    const bad: [string, Record<string, string[]>, RegExp][] = [
      ['an algorithm ssh2 does not implement', { cipher: ['rot13-cbc'] }, /netconf\.ssh-algorithms: .*rot13-cbc/],
      ['host key algorithms the host key cannot sign with', { 'server-host-key': ['rsa-sha2-256'] }, /netconf\.ssh-algorithms\.server-host-key: .*ssh-ed25519/],
    ];
    for (const [name, algorithms, message] of bad) {
      it(`refuses to start with ${name}, naming it`, () => {
        const dir = mkdtempSync(join(tmpdir(), 'ncbgp-ssh-'));
        try {
          const file = join(dir, 'c.json');
          writeFileSync(file, JSON.stringify({ 'state-dir': join(dir, 'state'), netconf: { listen: { port: 0 }, 'ssh-algorithms': algorithms } }));
          const r = spawnSync(join(REPO_ROOT, 'bin', 'ncbgp'), ['serve', '--config', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 });
          assert.equal(r.status, 1, r.stderr);
          assert.match(r.stderr, message);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });

  describe('interop: OpenSSH client (ssh -tt -s netconf)', function () {
    let server: TestServer | undefined;
    let dir = '';
    before(async function () {
      requireTool(this, 'ssh', 'package openssh-client');
      requireTool(this, 'ssh-keygen', 'package openssh-client');
      dir = mkdtempSync(join(tmpdir(), 'ncbgp-openssh-'));
      const keyFile = join(dir, 'id_ed25519');
      const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ncbgp-test', '-f', keyFile], { encoding: 'utf8' });
      assert.equal(gen.status, 0, gen.stderr);
      const publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
      server = await startServer({ config: { netconf: { users: [{ name: 'robot', 'authorized-keys': [publicKey], level: 2 }] } } });
    });
    after(async () => {
      await server?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('asks for a pty, gets the netconf subsystem, and a <get> is answered', async () => {
      assert.ok(server);
      const args = ['-tt', '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-i', join(dir, 'id_ed25519'), '-p', String(server.port), '-s', 'robot@127.0.0.1', 'netconf'];
      const ssh = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
      let stdout = '';
      let stderr = '';
      ssh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => ssh.on('close', (code) => resolve(code)));
      const timer = setTimeout(() => ssh.kill('SIGKILL'), BOUND_MS * 3);
      const replied = new Promise<void>((resolve) => {
        ssh.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (/<rpc-reply[^>]*message-id="2"[\s\S]*?\]\]>\]\]>/.test(stdout)) resolve();
        });
        ssh.on('close', () => resolve());
      });
      const hello = `<hello xmlns="${NS.base}"><capabilities><capability>${CAPABILITY.base10}</capability></capabilities></hello>]]>]]>`;
      const get = `<rpc message-id="2" xmlns="${NS.base}"><get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><sessions/></netconf-state></filter></get></rpc>]]>]]>`;
      ssh.stdin.write(hello + get);
      await replied;
      ssh.stdin.end(`<rpc message-id="3" xmlns="${NS.base}"><close-session/></rpc>]]>]]>`);
      const code = await exited;
      clearTimeout(timer);
      assert.match(stdout, /<hello[\s\S]*<session-id>\d+<\/session-id>/, stderr);
      assert.match(stdout, /<rpc-reply[^>]*message-id="2"[\s\S]*<username>robot<\/username>/, `${stdout}\n${stderr}`);
      assert.equal(code, 0, stderr);
    });
  });

  describe('interop: ncclient (paramiko) falling back from a key to a password', function () {
    let server: TestServer | undefined;
    before(async function () {
      requireNcclient(this);
      server = await startServer({ config: { netconf: { users: [{ name: 'admin', password: SECRET, level: 3 }] } } });
    });
    after(() => server?.stop());

    it('a key the server does not know, then the password: paramiko asks for ssh-userauth again (RFC 4253 section 10) and gets in', async () => {
      assert.ok(server);
      const dir = mkdtempSync(join(tmpdir(), 'ncbgp-ncclient-'));
      try {
        const keyFile = join(dir, 'id_ed25519');
        writeFileSync(keyFile, ed25519KeyPair().private, { mode: 0o600 });
        const script = [
          'import sys',
          'from ncclient import manager',
          "with manager.connect(host='127.0.0.1', port=int(sys.argv[1]), username='admin', password=sys.argv[2], key_filename=sys.argv[3],",
          '                     look_for_keys=False, allow_agent=False, hostkey_verify=False, timeout=20) as m:',
          '    print(m.session_id)',
        ].join('\n');
        const run = spawnSync(PYTHON, ['-c', script, String(server.port), SECRET, keyFile], { encoding: 'utf8', timeout: 60_000 });
        assert.match(run.stdout.trim(), /^[0-9]+$/, run.stderr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
