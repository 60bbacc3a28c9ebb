// Issue 11: a commit whose journal record cannot be written is refused and
// undone: resource-denied when the state directory's file system is full,
// operation-failed for another write error (a file system gone read-only).
// Running and the BGP engine stay as they were, the server keeps serving, and
// commits work again once the file system takes writes. The state directory
// is a small file system mounted for the test (the tests run as root): a
// tmpfs to fill, or an ext4 image on a loop device to make read-only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { child, XmlElement } from '../../src/model/xml';
import { requireCheck } from '../helpers/interop';
import { connect, startServer, TestServer } from '../helpers/server';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const PEER1 = '192.0.2.1';
// the peer the failed commits add (TEST-NET-2: not this host, whatever its address)
const PEER2 = '198.51.100.2';
const peerEntry = (address: string, remoteAs: number, description?: string): string =>
  `<peer><address>${address}</address><remote-as>${remoteAs}</remote-as>${description === undefined ? '' : `<description>${description}</description>`}</peer>`;
const bgpConfig = (...peers: string[]): string => `<config><bgp xmlns="${BGP}"><local-as>65000</local-as><router-id>192.0.2.254</router-id>${peers.join('')}</bgp></config>`;
const peer = (description: string): string => bgpConfig(peerEntry(PEER1, 65001, description));
/** Peer 1 with `description`, and a second peer. */
const twoPeers = (description: string): string => bgpConfig(peerEntry(PEER1, 65001, description), peerEntry(PEER2, 65002));
// larger than a page: tmpfs hands out whole pages, and the journal's last one may have room for a small record
const SECOND = `second ${'x'.repeat(8192)}`;
const editCandidate = (description: string): string => `<edit-config><target><candidate/></target>${peer(description)}</edit-config>`;
const editCandidateTwoPeers = (description: string): string => `<edit-config><target><candidate/></target>${twoPeers(description)}</edit-config>`;
const editRunning = (description: string): string => `<edit-config><target><running/></target>${peer(description)}</edit-config>`;

function find(el: XmlElement, name: string): XmlElement | undefined {
  return el.name === name && el.ns === BGP ? el : el.children.map((c) => find(c, name)).find((d) => d !== undefined);
}

function descriptionOf(reply: XmlElement): string | undefined {
  return find(reply, 'description')?.text;
}

async function runningDescription(c: NetconfClient): Promise<string | undefined> {
  return descriptionOf(await c.rpc(`<get-config><source><running/></source><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get-config>`));
}

/** The peers `<get>` shows under /bgp, each with its session-state (absent: the engine has no state for it). */
async function peersInGet(c: NetconfClient): Promise<Record<string, string | undefined>> {
  const reply = await c.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get>`);
  assert.deepEqual(replyErrors(reply), []);
  const bgp = find(reply, 'bgp');
  const peers: Record<string, string | undefined> = {};
  for (const p of bgp?.children.filter((e) => e.name === 'peer' && e.ns === BGP) ?? []) {
    const state = child(p, 'state', BGP);
    peers[child(p, 'address', BGP)?.text ?? '?'] = state && child(state, 'session-state', BGP)?.text;
  }
  return peers;
}

const SESSION_STATES = /^(idle|connect|active|opensent|openconfirm|established)$/;

/** Peer 1 alone, with the engine's state for it. */
async function onlyPeer1(c: NetconfClient): Promise<void> {
  const peers = await peersInGet(c);
  assert.deepEqual(Object.keys(peers), [PEER1], 'the engine runs peer 1 only');
  assert.match(peers[PEER1] ?? '(no state)', SESSION_STATES);
}

/** Both peers, each with the engine's state for it. */
async function bothPeers(c: NetconfClient): Promise<void> {
  const peers = await peersInGet(c);
  assert.deepEqual(Object.keys(peers).sort(), [PEER1, PEER2].sort(), 'the engine runs both peers');
  for (const address of [PEER1, PEER2]) assert.match(peers[address] ?? '(no state)', SESSION_STATES, address);
}

async function ok(c: NetconfClient, op: string): Promise<void> {
  const reply = await c.rpc(op);
  assert.deepEqual(replyErrors(reply).map((e) => `${e.tag} ${e.path ?? ""}: ${e.message ?? ""}`), [], op);
}

/** The server's JSON log lines (fields as logged). */
type LogLine = Record<string, unknown>;

function logLines(server: TestServer): LogLine[] {
  return server.stderrLines().flatMap((l) => {
    try {
      const j: unknown = JSON.parse(l);
      return typeof j === 'object' && j !== null && !Array.isArray(j) ? [j as LogLine] : [];
    } catch {
      return [];
    }
  });
}

/** The index of the first log line from `from` on that `match` takes, once it is there (stderr and the reply come on different pipes). */
async function logged(server: TestServer, match: (l: LogLine) => boolean, from = 0, ms = 5000): Promise<number> {
  for (const end = Date.now() + ms; ; ) {
    const i = logLines(server).findIndex((l, at) => at >= from && match(l));
    if (i >= 0) return i;
    if (Date.now() > end) assert.fail(`no such log line within ${ms} ms:\n${server.stderrLines().slice(from).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
    for (const c of sessions.splice(0)) c.destroy();
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

  it('refuses the commit with resource-denied, keeps running, the engine and serving, and commits again once there is room', async () => {
    server = await startServer({ dir });
    const a = await session();
    await ok(a, editCandidate('first'));
    await ok(a, '<commit/>');
    assert.equal(await runningDescription(a), 'first');
    await onlyPeer1(a);

    const filler = join(stateDir, 'filler');
    fill(filler);
    const journal = join(stateDir, 'running.journal');
    const journalBytes = statSync(journal).size;

    // the failed commit changes peer 1 and adds a second peer
    await ok(a, editCandidateTwoPeers(SECOND));
    const logFrom = server.stderrLines().length;
    const errors = replyErrors(await a.rpc('<commit/>'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].type, 'application');
    assert.equal(errors[0].tag, 'resource-denied');
    assert.match(errors[0].message ?? '', new RegExp(`cannot save running to ${stateDir}: .*\\(ENOSPC\\); the change was not applied`));
    assert.equal(await runningDescription(a), 'first');
    // the engine does not run the second peer: <get> has no entry for it, neither configuration nor state
    await onlyPeer1(a);
    // the candidate keeps the change, to be committed again
    assert.equal(descriptionOf(await a.rpc(`<get-config><source><candidate/></source><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get-config>`)), SECOND);
    assert.equal(statSync(journal).size, journalBytes, 'nothing of the failed record stays in the journal');

    // the log tells the change was undone; the engine, which took the change
    // before its record failed, took the second peer out again
    const undone = await logged(server, (l) => l.msg === 'changes to running could not be saved: undone', logFrom);
    assert.equal(logLines(server)[undone].level, 'error');
    assert.equal(logLines(server)[undone].dir, stateDir);
    const removed = await logged(server, (l) => l.peer === PEER2, undone);
    assert.deepEqual(
      { msg: logLines(server)[removed].msg, reason: logLines(server)[removed].reason },
      { msg: 'BGP session reset by configuration', reason: 'peer deconfigured' },
    );

    // pipelined edits of running that share the failed write all fail, and all are undone
    const replies = await Promise.all([a.rpc(editRunning(`p1 ${SECOND}`)), a.rpc(editRunning(`p2 ${SECOND}`))]);
    assert.deepEqual(replies.map((r) => replyErrors(r).map((e) => e.tag)), [['resource-denied'], ['resource-denied']]);
    assert.equal(await runningDescription(a), 'first');
    assert.equal(statSync(journal).size, journalBytes);

    // another session is served meanwhile
    const b = await session();
    const got = await b.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get>`);
    assert.deepEqual(replyErrors(got), []);
    assert.equal(descriptionOf(got), 'first');
    await onlyPeer1(b);
    // nothing of the second peer in the log since it was taken out: no connection attempt, no state change
    assert.deepEqual(logLines(server).slice(removed + 1).filter((l) => l.peer === PEER2), []);

    rmSync(filler);
    await ok(a, '<commit/>');
    assert.equal(await runningDescription(a), SECOND);
    await bothPeers(a);
    await ok(a, editCandidate('third'));
    await ok(a, '<commit/>');

    // a restart brings back exactly the acknowledged commits
    server.proc.kill('SIGKILL');
    await server.stop();
    server = await startServer({ dir });
    const c = await session();
    assert.equal(await runningDescription(c), 'third');
    await bothPeers(c);
  });
});

// A file system cannot be remounted read-only under the server: the journal
// stays open for writing (journal.ts) and the kernel refuses with EBUSY. It
// goes read-only on its own when it finds an error, though: ext4 mounted
// errors=remount-ro does, under open files, and stays so until unmounted.
// /sys/fs/ext4/DEV/trigger_fs_error reports such an error.
describe('state directory: read-only file system on commit', function () {
  this.timeout(30_000);
  let dir: string;
  let stateDir: string;
  let image: string;
  let trigger = '';
  let mounted = false;
  let server: TestServer | undefined;
  const sessions: NetconfClient[] = [];

  function mountState(): void {
    const r = spawnSync('mount', ['-t', 'ext4', '-o', 'loop,errors=remount-ro', image, stateDir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot mount ${image} on ${stateDir}: ${(r.stderr || r.error?.message || '').trim()}`);
    mounted = true;
  }

  function unmountState(): void {
    const r = spawnSync('umount', [stateDir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot unmount ${stateDir}: ${(r.stderr || r.error?.message || '').trim()}`);
    mounted = false;
  }

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-readonly-'));
    stateDir = join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    image = join(dir, 'state.ext4');
    const fd = openSync(image, 'w');
    ftruncateSync(fd, 16 * 1024 * 1024);
    closeSync(fd);
    const mkfs = spawnSync('mkfs.ext4', ['-q', '-F', image], { encoding: 'utf8' });
    requireCheck(this, mkfs.status === 0, `cannot make an ext4 file system (${(mkfs.stderr || mkfs.error?.message || '').trim()})`);
    try {
      mountState();
    } catch (e) {
      requireCheck(this, false, (e as Error).message);
    }
    chmodSync(stateDir, 0o700);
    const source = spawnSync('findmnt', ['-n', '-o', 'SOURCE', stateDir], { encoding: 'utf8' }).stdout.trim();
    trigger = `/sys/fs/ext4/${basename(source)}/trigger_fs_error`;
    requireCheck(this, source !== '' && existsSync(trigger), `no ${trigger} to report a file system error with`);
  });

  after(async () => {
    for (const c of sessions.splice(0)) c.destroy();
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

  it('refuses commits with operation-failed (EROFS), keeps running, the engine and serving; a restart on the checked file system has the acknowledged commits', async () => {
    server = await startServer({ dir });
    const a = await session();
    await ok(a, editCandidate('first'));
    await ok(a, '<commit/>');
    await ok(a, editCandidate('second'));
    await ok(a, '<commit/>');
    await onlyPeer1(a);

    writeFileSync(trigger, 'ncbgp test: a file system error');
    assert.throws(() => writeFileSync(join(stateDir, 'probe'), ''), { code: 'EROFS' }, 'the file system has gone read-only');

    // the failed commit changes peer 1 and adds a second peer
    await ok(a, editCandidateTwoPeers('third'));
    const logFrom = server.stderrLines().length;
    const refusedAsReadOnly = (reply: XmlElement): void => {
      const errors = replyErrors(reply);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0].type, 'application');
      assert.equal(errors[0].tag, 'operation-failed');
      assert.match(errors[0].message ?? '', new RegExp(`^cannot save running to ${stateDir}: .*\\(EROFS\\); the change was not applied$`));
    };
    refusedAsReadOnly(await a.rpc('<commit/>'));
    assert.equal(await runningDescription(a), 'second');
    await onlyPeer1(a);
    await logged(server, (l) => l.msg === 'changes to running could not be saved: undone' && l.dir === stateDir, logFrom);

    // another session is served meanwhile, and refused the same way while the file system stays read-only
    const b = await session();
    const got = await b.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get>`);
    assert.deepEqual(replyErrors(got), []);
    assert.equal(descriptionOf(got), 'second');
    refusedAsReadOnly(await b.rpc(editRunning('by b')));
    assert.equal(await runningDescription(b), 'second');
    await onlyPeer1(b);

    // ext4 stays read-only until unmounted: the server stops (as a crash would
    // stop it), the file system is checked and mounted again
    server.proc.kill('SIGKILL');
    await server.stop();
    unmountState();
    const fsck = spawnSync('e2fsck', ['-f', '-y', image], { encoding: 'utf8' });
    // 0: no errors, 1: errors corrected (the error reported above is one)
    assert.ok(fsck.status === 0 || fsck.status === 1, `e2fsck exited ${fsck.status}: ${fsck.stdout}${fsck.stderr}`);
    mountState();

    // exactly the acknowledged commits are back, and commits work again
    server = await startServer({ dir });
    const c = await session();
    assert.equal(await runningDescription(c), 'second');
    await onlyPeer1(c);
    await ok(c, editCandidateTwoPeers('third'));
    await ok(c, '<commit/>');
    assert.equal(await runningDescription(c), 'third');
    await bothPeers(c);

    server.proc.kill('SIGKILL');
    await server.stop();
    server = await startServer({ dir });
    const d = await session();
    assert.equal(await runningDescription(d), 'third');
    await bothPeers(d);
  });
});
