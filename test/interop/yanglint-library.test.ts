// The server's YANG library tells the truth: every module it announces
// (implemented and import-only, RFC 8525) fetched with <get-schema> into an
// empty directory, libyang's schema context built from nothing but that
// library (yanglint -Y: its modules, features and deviations), and the whole
// <get> an administrator reads valid in it, strictly (unknown data and
// missing mandatory nodes refused). No module is announced twice as
// implemented, and what an import-only module defines as data cannot be
// written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NS } from '../../src/model/namespaces';
import { child, serialize, XmlElement } from '../../src/model/xml';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { parseYangStatements, subArg } from '../../src/yang/statements';
import { requireTool } from '../helpers/interop';
import { connect, startServer, TestServer } from '../helpers/server';

const L = NS.yangLibrary;
const M = NS.monitoring;

/** libyang's warning about RFC 6470's own text (`../confirm-event`), not about our data. */
const RFC6470_WARNING = /^libyang warn: Schema node "confirm-event" .*\n?/gm;

interface Announced {
  name: string;
  revision: string;
  namespace: string;
}

const text = (e: XmlElement, name: string): string => child(e, name, L)?.text ?? '';
const entries = (set: XmlElement, name: string): Announced[] =>
  set.children.filter((c) => c.name === name && c.ns === L).map((m) => ({ name: text(m, 'name'), revision: text(m, 'revision'), namespace: text(m, 'namespace') }));

describe('the YANG library, as yanglint reads it', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;
  let admin: NetconfClient;
  let data: XmlElement[];
  let implemented: Announced[];
  let importOnly: Announced[];

  /** yanglint in `dir`, never the working directory (-D); stdout and stderr, and the exit status. */
  const yanglint = (args: string[]): { status: number | null; output: string } => {
    const r = spawnSync('yanglint', ['-D', '-p', dir, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}`.replace(RFC6470_WARNING, '') };
  };

  before(async function () {
    requireTool(this, 'yanglint', 'libyang2-tools');
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-yanglint-library-'));
    server = await startServer({
      config: {
        'initial-content': {
          'ncbgp-bgp:bgp': {
            'local-as': 65000,
            'router-id': '192.0.2.1',
            'peer-group': [{ name: 'core', type: 'internal' }],
            peer: [{ address: '127.0.0.2', 'remote-as': 65001 }, { address: '127.0.0.3', group: 'core' }],
          },
        },
      },
    });
    admin = await connect(server);
    const reply = await admin.rpc('<get/>');
    data = (child(reply, 'data', NS.base) as XmlElement).children;
    const moduleSet = child(data.find((e) => e.name === 'yang-library' && e.ns === L) as XmlElement, 'module-set', L) as XmlElement;
    implemented = entries(moduleSet, 'module');
    importOnly = entries(moduleSet, 'import-only-module');
    for (const m of [...implemented, ...importOnly]) {
      const schema = await admin.rpc(`<get-schema xmlns="${M}"><identifier>${m.name}</identifier><version>${m.revision}</version><format>yang</format></get-schema>`);
      const source = child(schema, 'data', M);
      assert.ok(source, `get-schema ${m.name}@${m.revision}: ${serialize(schema)}`);
      writeFileSync(join(dir, `${m.name}@${m.revision}.yang`), source.text);
    }
    writeFileSync(join(dir, 'library.xml'), data.filter((e) => e.ns === L).map((e) => serialize(e)).join('\n'));
    writeFileSync(join(dir, 'get.xml'), data.map((e) => serialize(e)).join('\n'));
  });
  after(async () => {
    admin?.destroy();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('announces no module twice as implemented, and no import-only revision twice', () => {
    assert.ok(implemented.length > 5 && importOnly.length > 0);
    const names = implemented.map((m) => m.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
    );
    const revisions = importOnly.map((m) => `${m.name}@${m.revision}`);
    assert.deepEqual(
      revisions.filter((n, i) => revisions.indexOf(n) !== i),
      [],
    );
  });

  it('lists the modules that only lend definitions as import-only, here and in /modules-state', () => {
    const importNames = importOnly.map((m) => m.name);
    for (const name of ['ietf-inet-types', 'ietf-yang-types', 'yuma-ncx']) assert.ok(importNames.includes(name), name);
    const state = data.find((e) => e.name === 'modules-state' && e.ns === L) as XmlElement;
    const conformance = new Map(state.children.filter((c) => c.name === 'module').map((m) => [`${text(m, 'name')}@${text(m, 'revision')}`, text(m, 'conformance-type')]));
    for (const m of importOnly) assert.equal(conformance.get(`${m.name}@${m.revision}`), 'import', m.name);
    for (const m of implemented) assert.equal(conformance.get(`${m.name}@${m.revision}`), 'implement', m.name);
    assert.equal(conformance.size, implemented.length + importOnly.length);
  });

  it('builds in libyang the context it announces, every module from what get-schema gave', () => {
    const r = yanglint(['-Y', 'library.xml', '-l']);
    assert.equal(r.status, 0, r.output);
    const listed = new Map([...r.output.matchAll(/^\s+([iI]) (\S+)@(\S+)$/gm)].map((m) => [`${m[2]}@${m[3]}`, m[1]]));
    for (const m of implemented) assert.equal(listed.get(`${m.name}@${m.revision}`), 'I', m.name);
    // libyang 2.1 also implements a module that a leafref of a disabled node points into (ietf-interfaces from
    // ietf-subscribed-notifications' source-interface, if-feature interface-designation), which RFC 7950 section
    // 5.6.5 asks only for nodes the server supports: an import-only module is loaded, implemented or not
    for (const m of importOnly) assert.ok(listed.has(`${m.name}@${m.revision}`), m.name);
  });

  it('the full <get> of an administrator is valid in exactly those modules, strictly', () => {
    const names = data.map((e) => e.name);
    for (const name of ['bgp', 'modules-state', 'nacm', 'netconf', 'netconf-state', 'yang-library']) assert.ok(names.includes(name), name);
    const r = yanglint(['-Y', 'library.xml', '-t', 'data', 'get.xml']);
    assert.equal(r.output, '');
    assert.equal(r.status, 0);
  });

  it('the check can fail: a node no announced module defines is refused', () => {
    writeFileSync(join(dir, 'extra.xml'), [...data.map((e) => serialize(e)), '<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-12-03T00:00:00Z</eventTime></notification>'].join('\n'));
    const r = yanglint(['-Y', 'library.xml', '-t', 'data', 'extra.xml']);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /notification/);
  });

  it('refuses an edit of any top-level data node of an import-only module (unknown-namespace or unknown-element)', async () => {
    const nodes: { module: string; name: string; namespace: string }[] = [];
    for (const m of importOnly) {
      const source = (await admin.rpc(`<get-schema xmlns="${M}"><identifier>${m.name}</identifier><version>${m.revision}</version></get-schema>`)).children[0]?.text ?? '';
      const stmt = parseYangStatements(source);
      for (const s of stmt.children) if (['container', 'leaf', 'leaf-list', 'list', 'anydata', 'anyxml'].includes(s.keyword)) nodes.push({ module: m.name, name: s.arg ?? '', namespace: subArg(stmt, 'namespace') ?? '' });
    }
    assert.ok(nodes.some((n) => n.module === 'yuma-ncx'), 'yuma-ncx defines top-level leaves');
    for (const n of nodes) {
      const reply = await admin.rpc(`<edit-config><target><candidate/></target><config><${n.name} xmlns="${n.namespace}"/></config></edit-config>`);
      const errors = replyErrors(reply);
      assert.equal(errors.length, 1, `${n.module}:${n.name}: ${serialize(reply)}`);
      assert.ok(['unknown-namespace', 'unknown-element'].includes(errors[0].tag), `${n.module}:${n.name}: ${serialize(reply)}`);
    }
  });
});
