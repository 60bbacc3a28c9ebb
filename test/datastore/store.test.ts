// The datastores in process: change subscribers, persistence across restarts
// (snapshot + journal), the confirmed-commit rollback point.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor, Applied, CommittedChange, Datastores, EditRequest } from '../../src/datastore/store';
import { createLogger } from '../../src/log';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../src/model/rpc-error';
import { parseXml, serialize, XmlElement } from '../../src/model/xml';
import { SchemaRegistry } from '../../src/yang/registry';

const schema = SchemaRegistry.load();
const log = createLogger({}, () => undefined);
const admin: Actor = { username: 'admin', sessionId: 1, sourceHost: '127.0.0.1' };
const MERGE: EditRequest = { defaultOperation: 'merge', errorOption: 'rollback-on-error', testOption: 'test-then-set' };
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';

const config = (xml: string): XmlElement[] => parseXml(`<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">${xml}</config>`).children;
const bgp = (inner: string): XmlElement[] => config(`<bgp xmlns="${BGP}"><local-as>65000</local-as><router-id>192.0.2.1</router-id>${inner}</bgp>`);
/** The change in effect and on disk. */
const saved = async (change: Promise<Applied>): Promise<void> => (await change).saved;
const text = (nodes: readonly XmlElement[]): string => nodes.map((n) => serialize(n)).join('');
const rules = (names: string[]): XmlElement[] =>
  config(`<nacm xmlns="${NACM}"><rule-list><name>l</name><group>g</group>${names.map((n) => `<rule><name>${n}</name><module-name>*</module-name><action>permit</action></rule>`).join('')}</rule-list></nacm>`);

describe('datastore/store', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'ncbgp-store-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a subscriber gets the typed diff of its subtree before the reply; a refusal undoes the change everywhere', async () => {
    const store = await Datastores.open({ schema, log });
    await store.edit('running', bgp(''), MERGE, admin);
    const seen: CommittedChange[] = [];
    store.subscribe(BGP, 'bgp', (c) => {
      seen.push(c);
    });
    store.subscribe(NACM, 'nacm', () => undefined);
    let refuse = false;
    store.subscribe(BGP, 'bgp', () => {
      if (refuse) throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.operationFailed, message: 'engine says no' });
    });
    await store.edit('running', bgp('<peer><address>10.0.0.1</address></peer>'), MERGE, admin);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].changes.map((c) => [c.op, c.path, c.schema.kind]), [['create', "/bgp:bgp/bgp:peer[bgp:address='10.0.0.1']", 'list']]);

    refuse = true;
    const before = text(store.get('running'));
    await assert.rejects(store.edit('running', bgp('<peer><address>10.0.0.2</address></peer>'), MERGE, admin), /engine says no/);
    assert.equal(text(store.get('running')), before);
    // the first subscriber took the change, then was handed its reverse
    assert.deepEqual(seen.slice(1).map((c) => c.changes.map((x) => [x.op, x.path])), [[['create', "/bgp:bgp/bgp:peer[bgp:address='10.0.0.2']"]], [['delete', "/bgp:bgp/bgp:peer[bgp:address='10.0.0.2']"]]]);
  });

  it('running survives a restart through snapshot and journal, ordered-by user entries in their order', async () => {
    const a = await Datastores.open({ schema, stateDir: dir, log });
    await saved(a.edit('running', bgp(''), MERGE, admin));
    await saved(a.edit('running', rules(['r1', 'r2', 'r3']), MERGE, admin));
    for (let i = 1; i <= 30; i++) await a.edit('running', bgp(`<peer><address>10.0.0.${i}</address></peer>`), MERGE, admin);
    await saved(a.edit('running', config(`<bgp xmlns="${BGP}"><peer xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"><address>10.0.0.5</address></peer></bgp>`), MERGE, admin));
    // move r3 first
    await saved(a.edit('running', config(`<nacm xmlns="${NACM}"><rule-list><name>l</name><rule xmlns:yang="urn:ietf:params:xml:ns:yang:1" yang:insert="first"><name>r3</name></rule></rule-list></nacm>`), MERGE, admin));
    const expected = text(a.get('running'));
    assert.match(expected, /r3.*r1.*r2/);
    // no close(): as if the process died here
    const b = await Datastores.open({ schema, stateDir: dir, log });
    assert.equal(text(b.get('running')), expected);
    for (const f of fs.readdirSync(dir)) assert.equal(fs.statSync(join(dir, f)).mode & 0o777, 0o600, f);
    await b.close();
  });

  it('a crash between a new snapshot and the journal truncation replays the journal over it harmlessly', async () => {
    const a = await Datastores.open({ schema, stateDir: dir, log });
    await saved(a.edit('running', bgp('<peer><address>10.0.0.1</address></peer>'), MERGE, admin));
    await saved(a.edit('running', rules(['r1', 'r2']), MERGE, admin));
    await saved(a.edit('running', config(`<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><description>x</description></peer></bgp>`), MERGE, admin));
    const journal = fs.readFileSync(join(dir, 'running.journal'));
    const expected = text(a.get('running'));
    await a.close();
    const b = await Datastores.open({ schema, stateDir: dir, log }); // compacts: snapshot has it all, journal empty
    await b.close();
    fs.writeFileSync(join(dir, 'running.journal'), journal); // the truncation never happened
    const c = await Datastores.open({ schema, stateDir: dir, log });
    assert.equal(text(c.get('running')), expected);
    await c.close();
  });

  it('a confirmed commit pending at a crash is rolled back at the next start', async () => {
    const a = await Datastores.open({ schema, stateDir: dir, log });
    await saved(a.edit('running', bgp(''), MERGE, admin));
    const committed = text(a.get('running'));
    await saved(a.edit('candidate', bgp('<peer><address>10.0.0.1</address></peer>'), MERGE, admin));
    await saved(a.commit({ confirmed: true, confirmTimeoutS: 600, persist: 'x' }, admin));
    assert.notEqual(text(a.get('running')), committed);
    const b = await Datastores.open({ schema, stateDir: dir, log });
    assert.equal(text(b.get('running')), committed);
    await b.close();
    const c = await Datastores.open({ schema, stateDir: dir, log });
    assert.equal(text(c.get('running')), committed);
    await c.close();
    await a.close();
  });

  it('initial content is loaded on the first start only; startup is loaded when no running was saved', async () => {
    const a = await Datastores.open({ schema, stateDir: dir, initial: () => bgp(''), log });
    await saved(a.edit('running', bgp('<peer><address>10.0.0.1</address></peer>'), MERGE, admin));
    await a.copy('running', 'startup', admin);
    await saved(a.edit('running', bgp('<peer><address>10.0.0.2</address></peer>'), MERGE, admin));
    await a.close();
    const b = await Datastores.open({ schema, stateDir: dir, initial: () => bgp('<peer><address>10.9.9.9</address></peer>'), log });
    assert.doesNotMatch(text(b.get('running')), /10\.9\.9\.9/);
    assert.match(text(b.get('running')), /10\.0\.0\.2/);
    await b.close();
    fs.rmSync(join(dir, 'running.xml'));
    fs.rmSync(join(dir, 'running.journal'));
    const c = await Datastores.open({ schema, stateDir: dir, initial: () => bgp(''), log });
    assert.equal(text(c.get('running')), text(c.get('startup')));
    assert.doesNotMatch(text(c.get('running')), /10\.0\.0\.2/);
    await c.close();
  });
});
