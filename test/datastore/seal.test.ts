// A restart from a snapshot the server sealed skips the full check of running;
// anything else (edited by hand, saved unsealed, another schema) is checked
// in full, and refused when it is not valid, as before.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDatastore, loadSealedDatastore, saveDatastore } from '../../src/datastore/persist';
import { applyEdit } from '../../src/datastore/edit';
import { Actor, Datastores, EditRequest } from '../../src/datastore/store';
import { createLogger } from '../../src/log';
import { parseXml, XmlElement } from '../../src/model/xml';
import { DEFAULT_YANG_DIR, SchemaRegistry } from '../../src/yang/registry';

const schema = SchemaRegistry.load();
const admin: Actor = { username: 'admin', sessionId: 1 };
const MERGE: EditRequest = { defaultOperation: 'merge', errorOption: 'rollback-on-error', testOption: 'test-then-set' };
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';

const config = (xml: string): XmlElement[] => parseXml(`<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">${xml}</config>`).children;
/** Identityrefs with prefixes, leaf-lists, an ordered-by user list, nested lists, a leafref, mvpn-routes with `when`s. */
const CONTENT = config(
  `<bgp xmlns="${BGP}" xmlns:b="${BGP}"><local-as>65000</local-as><router-id>192.0.2.1</router-id>` +
    `<peer-group><name>g</name><type>external</type><remote-as>65001</remote-as></peer-group>` +
    `<peer><address>10.0.0.2</address><group>g</group><passive>true</passive><mvpn><import-policy>p</import-policy></mvpn></peer>` +
    `<policy><name>p</name><term><name>b</name><match><route-target>target:65000:2</route-target></match><action>accept</action></term>` +
    `<term><name>a</name><match><route-type>s-pmsi-ad</route-type><route-target>target:65000:1</route-target></match><action>reject</action></term></policy>` +
    `<mvpn-route><name>r1</name><route-type>s-pmsi-ad</route-type><route-distinguisher>192.0.2.1:1</route-distinguisher><originating-router>192.0.2.1</originating-router>` +
    `<multicast-source>*</multicast-source><multicast-group>232.0.0.1</multicast-group><route-target>target:65000:1</route-target><route-target>target:65000:2</route-target></mvpn-route>` +
    `<mvpn-route><name>r0</name><route-type>source-tree-join</route-type><route-distinguisher>192.0.2.1:2</route-distinguisher><source-as>65000</source-as>` +
    `<multicast-source>10.0.0.1</multicast-source><multicast-group>232.0.0.2</multicast-group></mvpn-route></bgp>` +
    `<nacm xmlns="${NACM}"><rule-list><name>l</name><group>g</group><rule><name>z</name><module-name>*</module-name><access-operations>read update</access-operations><action>permit</action></rule>` +
    `<rule><name>a</name><module-name>*</module-name><action>deny</action></rule></rule-list></nacm>`,
);

/** The log lines of a Datastores.open, parsed. */
function logged(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger({}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)), lines };
}

async function open(dir: string, registry = schema): Promise<{ store: Datastores; validated: unknown }> {
  const { log, lines } = logged();
  const store = await Datastores.open({ schema: registry, stateDir: dir, initial: () => CONTENT, log });
  return { store, validated: lines.find((l) => l.msg === 'datastores loaded')?.validated };
}

describe('datastore/seal (issue 14)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'ncbgp-seal-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const running = (): string => join(dir, 'running.xml');

  it('persist: a sealed save loads as sealed with its seal only, and not once a byte of it changes', async () => {
    const file = join(dir, 'd.xml');
    await saveDatastore(file, CONTENT, 'seal A');
    assert.equal(loadSealedDatastore(file, 'seal A')?.sealed, true);
    assert.equal(loadSealedDatastore(file, 'seal B')?.sealed, false);
    assert.equal(loadSealedDatastore(file, undefined)?.sealed, false);
    assert.deepEqual(loadSealedDatastore(file, 'seal A')?.content, loadDatastore(file));
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('65001', '65002'));
    assert.equal(loadSealedDatastore(file, 'seal A')?.sealed, false);
    fs.writeFileSync(file, text.replace(/sha256:[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')));
    assert.equal(loadSealedDatastore(file, 'seal A')?.sealed, false);
    await saveDatastore(file, CONTENT);
    assert.equal(loadSealedDatastore(file, 'seal A')?.sealed, false);
    assert.equal(loadSealedDatastore(join(dir, 'none.xml'), 'seal A'), undefined);
  });

  it('a restart from the sealed snapshot (and its journal) is not checked again and gives what the full path gives', async () => {
    const first = await open(dir);
    assert.equal(first.validated, true);
    await (await first.store.edit('running', config(`<bgp xmlns="${BGP}"><peer><address>10.0.0.3</address><remote-as>65003</remote-as></peer></bgp>`), MERGE, admin)).saved;
    const expected = first.store.get('running');
    await first.store.close();

    const again = await open(dir);
    assert.equal(again.validated, false);
    assert.deepEqual(again.store.get('running'), expected);
    // the slow path: the same file made canonical by an edit of nothing
    const slow = applyEdit(schema, [], loadDatastore(running()) ?? [], { defaultOperation: 'merge', errorOption: 'stop-on-error' });
    assert.deepEqual(slow.errors, []);
    assert.deepEqual(again.store.get('running'), slow.content);
    await again.store.close();
  });

  it('a sealed snapshot edited by hand is checked in full: a valid edit loads (and is sealed again), an invalid one is refused changing nothing', async () => {
    await (await open(dir)).store.close();
    const text = fs.readFileSync(running(), 'utf8');

    fs.writeFileSync(running(), text.replace('<remote-as>65001</remote-as>', '<remote-as>65009</remote-as>'));
    const edited = await open(dir);
    assert.equal(edited.validated, true);
    assert.match(JSON.stringify(edited.store.get('running')), /65009/);
    await edited.store.close();
    assert.equal((await open(dir)).validated, false);

    // a leafref to no peer-group: still a well-formed, typed document
    const invalid = text.replace('<address>10.0.0.2</address><group>g</group>', '<address>10.0.0.2</address><group>nope</group>');
    assert.notEqual(invalid, text);
    fs.writeFileSync(running(), invalid);
    const files = (): Record<string, string> => Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(join(dir, f), 'latin1')]));
    const before = files();
    await assert.rejects(open(dir), /the saved running configuration is not valid: .*group/);
    assert.deepEqual(files(), before);
  });

  it('a snapshot sealed under other YANG modules is checked in full', async () => {
    await (await open(dir)).store.close();
    const yang = fs.mkdtempSync(join(tmpdir(), 'ncbgp-seal-yang-'));
    try {
      for (const f of fs.readdirSync(DEFAULT_YANG_DIR, { recursive: true }) as string[]) {
        const from = join(DEFAULT_YANG_DIR, f);
        if (fs.statSync(from).isDirectory()) fs.mkdirSync(join(yang, f), { recursive: true });
        else fs.copyFileSync(from, join(yang, f));
      }
      const module = join(yang, 'ncbgp-bgp.yang');
      fs.writeFileSync(module, fs.readFileSync(module, 'utf8').replace('"Peer\'s address."', '"The peer\'s address."'));
      const other = SchemaRegistry.load(yang);
      assert.equal((await open(dir, other)).validated, true);
    } finally {
      fs.rmSync(yang, { recursive: true, force: true });
    }
  });
});
