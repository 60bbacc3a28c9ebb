// Issue 11 ("nothing lost"): a torn journal tail is cut, damage before the
// end of the journal or in a snapshot refuses the start and changes nothing
// on disk, `ncbgp state check|recover` report and recover knowingly, and the
// state directory's own failure modes each say what is wrong.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecords } from '../../src/datastore/journal';
import { stateFiles } from '../../src/datastore/state-dir';
import { StateCorruptError, StateDirError } from '../../src/datastore/state-errors';
import { Actor, Datastores, EditRequest } from '../../src/datastore/store';
import { createLogger } from '../../src/log';
import { parseXml, XmlElement } from '../../src/model/xml';
import { SchemaRegistry } from '../../src/yang/registry';
import { ncbgp } from '../helpers/lab';
import { USERS } from '../helpers/server';

const schema = SchemaRegistry.load();
const admin: Actor = { username: 'admin', sessionId: 1, sourceHost: '127.0.0.1' };
const MERGE: EditRequest = { defaultOperation: 'merge', errorOption: 'rollback-on-error', testOption: 'test-then-set' };
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
/** commits in the journal of each state directory built here */
const N = 10;

/** Commit i adds peer 10.0.0.i. */
const peerEdit = (i: number): XmlElement[] =>
  parseXml(`<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><bgp xmlns="${BGP}"><local-as>65000</local-as><router-id>192.0.2.1</router-id><peer><address>10.0.0.${i}</address></peer></bgp></config>`).children;
const range = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`);

async function open(dir: string, lines: string[] = []): Promise<Datastores> {
  return Datastores.open({ schema, stateDir: dir, log: createLogger({}, (l) => lines.push(l)) });
}

function peers(store: Datastores): string[] {
  const bgp = store.get('running').find((n) => n.ns === BGP && n.name === 'bgp');
  return (bgp?.children ?? []).filter((c) => c.name === 'peer').map((p) => p.children.find((c) => c.name === 'address')?.text ?? '');
}

/** A state directory whose snapshot holds nothing and whose journal holds N commits. */
async function build(dir: string): Promise<void> {
  const store = await open(dir);
  for (let i = 1; i <= N; i++) await (await store.edit('running', peerEdit(i), MERGE, admin)).saved;
  await store.close();
  assert.equal(decodeRecords(fs.readFileSync(stateFiles(dir).journal)).payloads.length, N);
}

/** Byte offsets of the journal's records. */
function offsets(file: string): number[] {
  const buf = fs.readFileSync(file);
  const out: number[] = [];
  for (let at = 0; at < buf.length; at += 8 + buf.readUInt32BE(at)) out.push(at);
  return out;
}

/** Flips one bit `into` octets into record k (1-based). */
function flip(file: string, k: number, into: number): void {
  const buf = fs.readFileSync(file);
  buf[offsets(file)[k - 1] + into] ^= 0x10;
  fs.writeFileSync(file, buf);
}

/** sha256 of every file under dir, by relative path. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = join(dir, name);
    if (fs.statSync(full).isFile()) out[name] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
  }
  return out;
}

describe('datastore/corruption (issue 11)', function () {
  this.timeout(60_000);
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = fs.mkdtempSync(join(tmpdir(), 'ncbgp-corrupt-'));
    dir = join(root, 'state');
    await build(dir);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const refused: [string, number, number][] = [
    ['a payload bit of record 1', 1, 20],
    ['a payload bit of record 5', 5, 20],
    [`a payload bit of record ${N - 1}`, N - 1, 20],
    ['a length bit of record 5', 5, 2],
    ['a CRC bit of record 5', 5, 5],
  ];
  for (const [what, k, into] of refused) {
    it(`${what} of ${N}: the start is refused naming the journal, record ${k} and last good commit ${k - 1}; every file byte-identical`, async () => {
      const file = stateFiles(dir).journal;
      flip(file, k, into);
      const before = fingerprint(dir);
      await assert.rejects(open(dir), (e: unknown) => {
        assert.ok(e instanceof StateCorruptError);
        assert.equal(e.file, file);
        assert.equal(e.journal?.record, k);
        assert.equal(e.journal?.offset, offsets(file)[k - 1]);
        assert.match(e.message, new RegExp(`^${file}: journal record ${k} at byte \\d+ is damaged \\(.+\\) and valid records follow it .*; last good commit: ${k === 1 ? 'none \\(the snapshot alone\\)' : `record ${k - 1}`}; nothing was changed on disk`));
        return true;
      });
      assert.deepEqual(fingerprint(dir), before);
    });
  }

  const torn: [string, (file: string) => void, number][] = [
    [`a bit flipped in record ${N}, the last`, (f) => flip(f, N, 20), N - 1],
    ['a cut in the middle of the last record', (f) => fs.truncateSync(f, offsets(f)[N - 1] + 20), N - 1],
    ['a cut in the middle of the last header', (f) => fs.truncateSync(f, offsets(f)[N - 1] + 5), N - 1],
    ['garbage appended', (f) => fs.appendFileSync(f, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 251))), N],
    ['zeros appended (a file extended by a crash)', (f) => fs.appendFileSync(f, Buffer.alloc(4096)), N],
  ];
  for (const [what, damage, kept] of torn) {
    it(`${what}: a torn tail, cut with a warning; ${kept} commits load`, async () => {
      damage(stateFiles(dir).journal);
      const lines: string[] = [];
      const store = await open(dir, lines);
      assert.deepEqual(peers(store), range(kept));
      await store.close();
      assert.ok(lines.some((l) => l.includes('"warn"') && l.includes('cut a torn tail off the journal')), lines.join(''));
    });
  }

  it('a snapshot that does not parse: the start is refused naming it; every file byte-identical', async () => {
    // a snapshot with content: reopen compacts the journal into it
    await (await open(dir)).close();
    const { running } = stateFiles(dir);
    fs.truncateSync(running, fs.statSync(running).size >> 1);
    const before = fingerprint(dir);
    await assert.rejects(open(dir), (e: unknown) => e instanceof StateCorruptError && e.file === running && e.message.startsWith(`${running}: `) && !e.journal);
    assert.deepEqual(fingerprint(dir), before);
  });

  describe('the state directory itself', () => {
    it('under a file: refused, naming the path', async () => {
      const file = join(root, 'file');
      fs.writeFileSync(file, '');
      await assert.rejects(open(join(file, 'state')), (e: unknown) => e instanceof StateDirError && e.message === `state directory ${join(file, 'state')}: a component of the path is not a directory`);
    });

    it('a file: refused, naming it', async () => {
      const file = join(root, 'file');
      fs.writeFileSync(file, '');
      await assert.rejects(open(file), (e: unknown) => e instanceof StateDirError && e.message === `state directory ${file}: not a directory`);
    });

    it('missing, parents too: created mode 0700 and logged', async () => {
      const fresh = join(root, 'a', 'b');
      const lines: string[] = [];
      await (await open(fresh, lines)).close();
      assert.equal(fs.statSync(fresh).mode & 0o777, 0o700);
      assert.ok(lines.some((l) => l.includes('created the state directory') && l.includes(fresh)));
    });

    it('open to group or others: set to 0700 with a warning', async () => {
      fs.chmodSync(dir, 0o755);
      const lines: string[] = [];
      await (await open(dir, lines)).close();
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.ok(lines.some((l) => l.includes('"warn"') && l.includes('set to mode 0700') && l.includes('755')));
    });
  });

  describe('ncbgp state check|recover', () => {
    it('check: exit 0 for a sound directory and for a torn tail (reported with its offset), nothing changed', async () => {
      const { journal } = stateFiles(dir);
      let r = await ncbgp(['state', 'check', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`${journal}: ${N} records, \\d+ bytes, ok\\n`));
      assert.match(r.stdout, /the server would start\n$/);
      const cutAt = offsets(journal)[N - 1] + 20;
      fs.truncateSync(journal, cutAt);
      const before = fingerprint(dir);
      r = await ncbgp(['state', 'check', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`${journal}: ${N - 1} records; torn tail of 20 bytes at byte ${offsets(journal)[N - 1]} (length past the end of the file): a start cuts it off\n`), r.stdout);
      assert.deepEqual(fingerprint(dir), before);
    });

    it('check: exit 1 naming the record and the last good commit; recover without --to-last-good is a usage error; recover keeps a byte-identical copy and leaves exactly the first k-1 commits', async () => {
      const { journal } = stateFiles(dir);
      flip(journal, 4, 20);
      const damaged = fs.readFileSync(journal);
      const record4 = offsets(journal)[3];
      let r = await ncbgp(['state', 'check', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, new RegExp(`${journal}: ${damaged.length} bytes; journal record 4 at byte ${record4} is damaged \\(CRC mismatch\\) and valid records follow it \\(from byte ${offsets(journal)[4]}\\); last good commit: record 3\\n`));
      assert.match(r.stdout, /the server would refuse to start/);
      r = await ncbgp(['state', 'recover', dir]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--to-last-good/);
      assert.deepEqual(fs.readFileSync(journal), damaged);
      r = await ncbgp(['state', 'recover', dir, '--to-last-good']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /running\.journal: kept records 1-3 \(\d+ bytes\); dropped record 4 and everything after it/);
      const copies = fs.readdirSync(dir).filter((n) => n.startsWith('damaged-'));
      assert.equal(copies.length, 1);
      assert.equal(fs.statSync(join(dir, copies[0])).mode & 0o777, 0o700);
      assert.deepEqual(fs.readFileSync(join(dir, copies[0], 'running.journal')), damaged);
      assert.deepEqual(fs.readFileSync(journal), damaged.subarray(0, record4));
      r = await ncbgp(['state', 'check', dir]);
      assert.equal(r.code, 0, r.stdout);
      const store = await open(dir);
      assert.deepEqual(peers(store), range(3));
      await store.close();
    });

    it('a damaged snapshot: check exit 1 naming it; recover moves it and the journal aside, byte-identical, and the server starts from the initial content', async () => {
      await (await open(dir)).close();
      const writer = await open(dir);
      await (await writer.edit('running', peerEdit(N + 1), MERGE, admin)).saved;
      await writer.close();
      const { running, journal } = stateFiles(dir);
      fs.truncateSync(running, 30);
      const before = { running: fs.readFileSync(running), journal: fs.readFileSync(journal) };
      let r = await ncbgp(['state', 'check', dir]);
      assert.equal(r.code, 1);
      assert.ok(r.stdout.startsWith(`${running}: damaged: `), r.stdout);
      r = await ncbgp(['state', 'recover', dir, '--to-last-good']);
      assert.equal(r.code, 0, r.stderr);
      const [copy] = fs.readdirSync(dir).filter((n) => n.startsWith('damaged-'));
      assert.deepEqual(fs.readFileSync(join(dir, copy, 'running.xml')), before.running);
      assert.deepEqual(fs.readFileSync(join(dir, copy, 'running.journal')), before.journal);
      assert.match(r.stdout, /moved running\.xml to .*: running starts from startup\.xml/);
      const store = await open(dir);
      assert.deepEqual(peers(store), []);
      await store.close();
    });

    it('recover with nothing to recover changes nothing; --help; usage errors exit 2', async () => {
      const before = fingerprint(dir);
      let r = await ncbgp(['state', 'recover', dir, '--to-last-good']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /nothing to recover/);
      assert.deepEqual(fingerprint(dir), before);
      r = await ncbgp(['state', '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /ncbgp state recover DIR --to-last-good/);
      for (const args of [['state'], ['state', 'check'], ['state', 'fix', dir], ['state', 'check', dir, '--to-last-good']]) {
        r = await ncbgp(args);
        assert.equal(r.code, 2, args.join(' '));
      }
      r = await ncbgp(['state', 'check', join(root, 'nothing')]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `ncbgp state check: state directory ${join(root, 'nothing')}: no such directory\n`);
    });

    it('ncbgp serve on a corrupted state directory exits 1 naming the journal and the record; the state files stay byte-identical', async () => {
      const { journal } = stateFiles(dir);
      flip(journal, 6, 20);
      const config = join(root, 'config.yaml');
      fs.writeFileSync(config, JSON.stringify({ 'state-dir': dir, netconf: { listen: { address: '127.0.0.1', port: 0 }, users: [USERS.admin] } }));
      const before = fingerprint(dir);
      const r = await ncbgp(['serve', '--config', config]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^ncbgp: ${journal}: journal record 6 at byte \\d+ is damaged .*; last good commit: record 5; nothing was changed on disk`, 'm'));
      assert.deepEqual(fingerprint(dir), before);
    });

    it('ncbgp serve with a state-dir that is a file, or under one, exits 1 saying so', async () => {
      const file = join(root, 'not-a-dir');
      fs.writeFileSync(file, 'x');
      for (const [stateDir, message] of [
        [file, `state directory ${file}: not a directory`],
        [join(file, 'state'), `state directory ${join(file, 'state')}: a component of the path is not a directory`],
      ]) {
        const config = join(root, 'config.yaml');
        fs.writeFileSync(config, JSON.stringify({ 'state-dir': stateDir, netconf: { listen: { address: '127.0.0.1', port: 0 }, users: [USERS.admin] } }));
        const r = await ncbgp(['serve', '--config', config]);
        assert.equal(r.code, 1, r.stderr);
        assert.ok(r.stderr.includes(message), r.stderr);
      }
    });
  });
});
