// `ncbgp serve` as an operator meets it: host key, state directory, logins,
// the netconf subsystem only, config errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, utils } from 'ssh2';
import { NetconfClient } from '../../src/netconf/client';
import { connect, ed25519KeyPair, REPO_ROOT, startServer, TestServer } from '../helpers/server';

const robotKey = ed25519KeyPair();
const strangerKey = ed25519KeyPair();

/** Opens an SSH connection as admin and asks for a channel of the given kind. */
function sshRequest(port: number, kind: 'sftp' | 'exec' | 'shell'): Promise<string> {
  return new Promise((resolve) => {
    const c = new Client();
    c.on('ready', () => {
      const done = (err: Error | undefined): void => {
        c.end();
        resolve(err ? 'refused' : 'accepted');
      };
      if (kind === 'sftp') c.sftp((err) => done(err));
      else if (kind === 'exec') c.exec('id', (err) => done(err));
      else c.shell((err) => done(err));
    });
    c.on('error', (e) => resolve(`error: ${e.message}`));
    c.connect({ host: '127.0.0.1', port, username: 'admin', password: 'admin' });
  });
}

describe('ncbgp serve', function () {
  let server: TestServer;
  before(async () => {
    server = await startServer({ config: { netconf: { users: [{ name: 'admin', password: 'admin', level: 3 }, { name: 'robot', 'authorized-keys': [robotKey.public], level: 2 }] } } });
  });
  after(() => server.stop());

  it('creates its state directory 0700 and an ed25519 host key 0600', () => {
    assert.equal(statSync(server.stateDir).mode & 0o777, 0o700);
    const key = join(server.stateDir, 'ssh_host_ed25519_key');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const parsed = utils.parseKey(readFileSync(key));
    assert.ok(!(parsed instanceof Error));
    assert.equal((Array.isArray(parsed) ? parsed[0] : parsed).type, 'ssh-ed25519');
  });

  it('keeps its host key across restarts', async () => {
    const seen: string[] = [];
    const hostVerifier = (key: Buffer): boolean => {
      seen.push(key.toString('base64'));
      return true;
    };
    const config = { 'state-dir': server.stateDir };
    const again = await startServer({ config });
    const other = await startServer({ config });
    try {
      for (const s of [again, other]) (await NetconfClient.connect({ host: '127.0.0.1', port: s.port, username: 'admin', password: 'admin', hostVerifier })).destroy();
    } finally {
      await again.stop();
      await other.stop();
    }
    assert.equal(seen.length, 2);
    assert.equal(seen[0], seen[1]);
  });

  it('accepts an authorized public key and refuses another', async () => {
    const c = await NetconfClient.connect({ host: '127.0.0.1', port: server.port, username: 'robot', privateKey: robotKey.private });
    assert.ok(c.sessionId > 0);
    c.destroy();
    await assert.rejects(NetconfClient.connect({ host: '127.0.0.1', port: server.port, username: 'robot', privateKey: strangerKey.private }));
  });

  it('refuses a wrong password and logs the attempt without the password', async () => {
    const secret = 'not-the-Password-42';
    await assert.rejects(connect(server, 'admin', secret));
    await assert.rejects(connect(server, 'admin', secret));
    const failed = (): number => server.stderrLines().filter((l) => l.includes('authentication failed') && l.includes('"user":"admin"')).length;
    // the log line may reach us after the answer did
    for (let wait = 0; wait < 100 && failed() < 2; wait++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(failed(), 2);
    const lines = server.stderrLines();
    assert.ok(!lines.some((l) => l.includes(secret)), 'the password never reaches the log');
    // below the lockout threshold the right password gets in
    (await connect(server)).destroy();
  });

  for (const kind of ['sftp', 'exec', 'shell'] as const) {
    it(`refuses ${kind}: only the netconf subsystem is served`, async () => {
      assert.equal(await sshRequest(server.port, kind), 'refused');
    });
  }

  const badConfigs: [string, string, RegExp][] = [
    ['an unknown key', 'netconf:\n  listen: { adress: 127.0.0.1 }\n', /netconf\.listen\.adress: unknown key/],
    ['a level out of range', 'netconf:\n  users: [ { name: a, password: b, level: 7 } ]\n', /users\[0\]\.level/],
    ['a user with no credential', 'netconf:\n  users: [ { name: a } ]\n', /needs password, password-hash or authorized-keys/],
    ['a bad password hash', "netconf:\n  users: [ { name: a, password-hash: '$1$abc$def', level: 1 } ]\n", /password-hash/],
    ['initial content the schema refuses', 'initial-content:\n  ncbgp-bgp:bgp: { local-as: banana }\n', /local-as/],
  ];
  for (const [name, yaml, message] of badConfigs) {
    it(`exits non-zero on ${name}, naming it`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'ncbgp-cfg-'));
      try {
        const file = join(dir, 'c.yaml');
        writeFileSync(file, `state-dir: ${join(dir, 'state')}\n${yaml}`);
        const r = spawnSync(join(REPO_ROOT, 'bin', 'ncbgp'), ['serve', '--config', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20000 });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, message);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
