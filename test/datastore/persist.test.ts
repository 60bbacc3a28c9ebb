import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDatastore, removeStaleTemporaries, saveDatastore } from '../../src/datastore/persist';
import { StateCorruptError } from '../../src/datastore/state-errors';
import { elem, parseXml, serialize, XmlElement } from '../../src/model/xml';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const PERSIST = path.resolve(__dirname, '../../src/datastore/persist.ts');
const XML = path.resolve(__dirname, '../../src/model/xml.ts');

const text = (els: readonly XmlElement[] | undefined): string => (els ?? []).map((e) => serialize(e)).join('');

/** The content the crash child saves as number `n`: big enough that a kill often lands mid-write. */
const CONTENT_OF = `(n) => [elem(${JSON.stringify(BGP)}, 'bgp', [elem(${JSON.stringify(BGP)}, 'local-as', String(n)), ...Array.from({ length: 2000 }, (_, i) => elem(${JSON.stringify(BGP)}, 'peer', [elem(${JSON.stringify(BGP)}, 'address', '10.' + (i >> 8) + '.' + (i & 255) + '.1'), elem(${JSON.stringify(BGP)}, 'description', 'save ' + n + ' peer ' + i)]))])]`;
const contentOf = new Function('elem', `return ${CONTENT_OF}`)(elem) as (n: number) => XmlElement[];

describe('datastore/persist', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-persist-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round trip: what is saved loads back the same, namespaces, prefixes and escapes included', async () => {
    const file = path.join(dir, 'running.xml');
    const content = parseXml(
      `<data xmlns="urn:x"><bgp xmlns="${BGP}"><local-as>65001</local-as><peer><address>192.0.2.1</address>` +
        `<description>a &lt;b&gt; &amp; "c" 'd' \u00e9\u4e2d</description></peer></bgp>` +
        `<nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm"><enable-nacm>true</enable-nacm></nacm>` +
        `<x xmlns="urn:y"><afi xmlns:bgp="${BGP}">bgp:ipv4-mvpn</afi><empty/></x></data>`,
    ).children;
    await saveDatastore(file, content);
    const loaded = loadDatastore(file);
    assert.equal(text(loaded), text(content));
    assert.deepEqual(loaded?.[2].children[0].nsDecls, { bgp: BGP });
    assert.ok(loaded?.every((e) => e.parent === undefined), 'loaded top-level nodes stand alone');
    const onDisk = parseXml(readFileSync(file, 'utf8'));
    assert.equal(onDisk.ns, 'urn:ietf:params:xml:ns:netconf:base:1.0');
    assert.equal(onDisk.name, 'data');
  });

  it('an empty datastore round-trips as no nodes', async () => {
    const file = path.join(dir, 'startup.xml');
    await saveDatastore(file, []);
    assert.deepEqual(loadDatastore(file), []);
  });

  it('the file is written with mode 0600, replacing an older file with wider permissions', async () => {
    const file = path.join(dir, 'running.xml');
    writeFileSync(file, '<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>', { mode: 0o644 });
    await saveDatastore(file, contentOf(1));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(text(loadDatastore(file)), text(contentOf(1)));
  });

  it('removeStaleTemporaries removes temporary files a killed writer left, its own pid too, and no other file; load removes nothing', async () => {
    const file = path.join(dir, 'running.xml');
    await saveDatastore(file, contentOf(1));
    for (const name of [`running.xml.tmp-${process.pid}-7`, 'running.xml.tmp-1-0', 'startup.xml.tmp-1-0', 'running.xml.bak', 'running.xml.tmp-x']) writeFileSync(path.join(dir, name), '<partial');
    const before = readdirSync(dir).sort();
    assert.equal(text(loadDatastore(file)), text(contentOf(1)));
    assert.deepEqual(readdirSync(dir).sort(), before);
    removeStaleTemporaries(file);
    assert.deepEqual(readdirSync(dir).sort(), ['running.xml', 'running.xml.bak', 'running.xml.tmp-x', 'startup.xml.tmp-1-0']);
  });

  it('no file: undefined', () => {
    assert.equal(loadDatastore(path.join(dir, 'nothing.xml')), undefined);
    assert.equal(loadDatastore(path.join(dir, 'no-dir', 'nothing.xml')), undefined);
  });

  const broken: [string, string, RegExp][] = [
    ['not well-formed', '<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><bgp>', /not well-formed|premature|end/i],
    ['truncated to nothing', '', /the file is empty/],
    ['another root element', '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>', /root element is not <data>/],
    ['a DTD', '<!DOCTYPE data [<!ENTITY x "y">]><data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>', /document type/],
  ];
  for (const [name, body, reason] of broken) {
    it(`a file that is ${name} throws StateCorruptError naming the file`, () => {
      const file = path.join(dir, 'running.xml');
      writeFileSync(file, body);
      assert.throws(
        () => loadDatastore(file),
        (e: Error) => e instanceof StateCorruptError && e.file === file && e.message.startsWith(`${file}: `) && reason.test(e.message),
      );
    });
  }

  it('saves of one file issued together run in order: the last one wins, all resolve', async () => {
    const file = path.join(dir, 'running.xml');
    const saves = Array.from({ length: 12 }, (_, n) => saveDatastore(file, contentOf(n)));
    await Promise.all(saves);
    assert.equal(text(loadDatastore(file)), text(contentOf(11)));
    assert.deepEqual(readdirSync(dir), ['running.xml'], 'no temporary file is left');
  });

  it('a failed save rejects, leaves the file as it was, and does not stop the saves queued after it', async () => {
    const file = path.join(dir, 'running.xml');
    await saveDatastore(file, contentOf(1));
    const bad = path.join(dir, 'missing-dir', 'running.xml');
    await assert.rejects(saveDatastore(bad, contentOf(2)), { code: 'ENOENT' });
    // same file, failing first: a directory where the file should be renamed to
    const blocked = path.join(dir, 'blocked');
    mkdirSync(blocked);
    mkdirSync(path.join(blocked, 'x.xml'));
    writeFileSync(path.join(blocked, 'x.xml', 'keep'), '');
    const first = saveDatastore(path.join(blocked, 'x.xml'), contentOf(3));
    const second = saveDatastore(file, contentOf(4));
    await assert.rejects(first);
    await second;
    assert.equal(text(loadDatastore(file)), text(contentOf(4)));
    assert.deepEqual(readdirSync(blocked), ['x.xml'], 'the failed save removed its temporary file');
  });

  it('killed with SIGKILL at random moments while saving, 20 times: the file always holds one whole saved content', async function () {
    this.timeout(180_000);
    const file = path.join(dir, 'running.xml');
    const script = path.join(dir, 'saver.ts');
    writeFileSync(
      script,
      `import { saveDatastore } from ${JSON.stringify(PERSIST)};
import { elem } from ${JSON.stringify(XML)};
const contentOf = ${CONTENT_OF};
const file = process.argv[2];
let n = Number(process.argv[3]);
(async () => {
  for (;;) {
    await saveDatastore(file, contentOf(n));
    process.stdout.write(n + '\\n');
    n++;
  }
})();
`,
    );
    let partialOrTorn = 0;
    let killedMidSave = 0;
    for (let round = 0; round < 20; round++) {
      const start = round * 1_000_000;
      const child = spawn(process.execPath, ['--import', 'tsx', script, file, String(start)], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const confirmed: number[] = [];
      await firstConfirmation(child, confirmed);
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      const last = confirmed[confirmed.length - 1];
      assert.ok(last !== undefined, `round ${round}: the child saved nothing: ${stderr}`);

      if (readdirSync(dir).some((f) => f.startsWith('running.xml.tmp-'))) killedMidSave++;
      const loaded = loadDatastore(file);
      assert.ok(loaded, `round ${round}: the datastore file is gone`);
      const n = Number(loaded[0]?.children[0]?.text);
      // a save that resolved is on disk; the one in flight may or may not be
      assert.ok(n === last || n === last + 1, `round ${round}: the file holds save ${n}, the child had confirmed ${last}`);
      if (text(loaded) !== text(contentOf(n))) partialOrTorn++;
      // nothing beside it can be taken for the datastore, and what a killed writer left goes
      removeStaleTemporaries(file);
      assert.deepEqual(readdirSync(dir).sort(), ['running.xml', 'saver.ts']);
    }
    console.log(`      ${killedMidSave} of 20 kills left a temporary file behind (killed mid-save)`);
    assert.equal(partialOrTorn, 0, 'every file read back equals one saved content exactly');
  });
});

/** Resolves once the child has reported its first completed save; collects every report. */
function firstConfirmation(child: ChildProcess, confirmed: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) confirmed.push(Number(l));
      if (confirmed.length) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`saver exited (${code ?? signal}) before saving`)));
  });
}
