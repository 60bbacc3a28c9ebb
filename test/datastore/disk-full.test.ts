// Issue 11: a commit whose journal record cannot be written (the state
// directory's file system is full) is refused with resource-denied and undone;
// the server keeps serving, and commits work again once there is room. The
// state directory is a small tmpfs mounted for the test (the tests run as root).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { XmlElement } from '../../src/netconf/xml';
import { requireCheck } from '../helpers/interop';
import { connect, startServer, TestServer } from '../helpers/server';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const peer = (description: string): string =>
  `<config><bgp xmlns="${BGP}"><local-as>65000</local-as><router-id>192.0.2.254</router-id><peer><address>192.0.2.1</address><remote-as>65001</remote-as><description>${description}</description></peer></bgp></config>`;
// larger than a page: tmpfs hands out whole pages, and the journal's last one may have room for a small record
const SECOND = `second ${'x'.repeat(8192)}`;
const editCandidate = (description: string): string => `<edit-config><target><candidate/></target>${peer(description)}</edit-config>`;

function descriptionOf(reply: XmlElement): string | undefined {
  const find = (el: XmlElement): string | undefined => (el.name === 'description' && el.ns === BGP ? el.text : el.children.map(find).find((d) => d !== undefined));
  return find(reply);
}

async function runningDescription(c: NetconfClient): Promise<string | undefined> {
  return descriptionOf(await c.rpc(`<get-config><source><running/></source><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get-config>`));
}

async function ok(c: NetconfClient, op: string): Promise<void> {
  const reply = await c.rpc(op);
  assert.deepEqual(replyErrors(reply).map((e) => `${e.tag} ${e.path ?? ""}: ${e.message ?? ""}`), [], op);
}

/** Writes zeros to `file` until the file system is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      try {
        writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        // the last partial chunk's worth, a byte at a time
        for (;;) writeSync(fd, chunk, 0, 1);
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

describe('state directory: disk full on commit', function () {
  this.timeout(30_000);
  let dir: string;
  let stateDir: string;
  let mounted = false;
  let server: TestServer | undefined;
  const sessions: NetconfClient[] = [];

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-diskfull-'));
    stateDir = join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', stateDir], { encoding: 'utf8' });
    mounted = r.status === 0;
    requireCheck(this, mounted, `cannot mount a tmpfs for the state directory (${(r.stderr || r.error?.message || '').trim()})`);
  });

  after(async () => {
    await server?.stop();
    if (mounted) spawnSync('umount', [stateDir]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function session(): Promise<NetconfClient> {
    if (!server) throw new Error('no server');
    const c = await connect(server);
    sessions.push(c);
    return c;
  }

  it('refuses the commit with resource-denied, keeps running and serving, and commits again once there is room', async () => {
    server = await startServer({ dir });
    const a = await session();
    await ok(a, editCandidate('first'));
    await ok(a, '<commit/>');
    assert.equal(await runningDescription(a), 'first');

    const filler = join(stateDir, 'filler');
    fill(filler);
    const journal = join(stateDir, 'running.journal');
    const journalBytes = statSync(journal).size;

    await ok(a, editCandidate(SECOND));
    const errors = replyErrors(await a.rpc('<commit/>'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].type, 'application');
    assert.equal(errors[0].tag, 'resource-denied');
    assert.match(errors[0].message ?? '', new RegExp(`cannot save running to ${stateDir}: .*\\(ENOSPC\\); the change was not applied`));
    assert.equal(await runningDescription(a), 'first');
    // the candidate keeps the change, to be committed again
    assert.equal(descriptionOf(await a.rpc(`<get-config><source><candidate/></source><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get-config>`)), SECOND);
    assert.equal(statSync(journal).size, journalBytes, 'nothing of the failed record stays in the journal');

    // pipelined edits of running that share the failed write all fail, and all are undone
    const editRunning = (d: string): string => `<edit-config><target><running/></target>${peer(d)}</edit-config>`;
    const replies = await Promise.all([a.rpc(editRunning(`p1 ${SECOND}`)), a.rpc(editRunning(`p2 ${SECOND}`))]);
    assert.deepEqual(replies.map((r) => replyErrors(r).map((e) => e.tag)), [['resource-denied'], ['resource-denied']]);
    assert.equal(await runningDescription(a), 'first');
    assert.equal(statSync(journal).size, journalBytes);

    // another session is served meanwhile
    const b = await session();
    const got = await b.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get>`);
    assert.deepEqual(replyErrors(got), []);
    assert.equal(descriptionOf(got), 'first');

    rmSync(filler);
    await ok(a, '<commit/>');
    assert.equal(await runningDescription(a), SECOND);
    await ok(a, editCandidate('third'));
    await ok(a, '<commit/>');

    // a restart brings back exactly the acknowledged commits
    server.proc.kill('SIGKILL');
    await server.stop();
    server = await startServer({ dir });
    const c = await session();
    assert.equal(await runningDescription(c), 'third');
  });
});
