import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LeafSchema } from '../../src/yang/schema';
import { IMPLEMENTED } from '../../src/yang/implemented';
import { SchemaRegistry } from '../../src/yang/registry';
import { xsdRegex } from '../../src/yang/compile';
import { parseYangStatements, YangSyntaxError } from '../../src/yang/statements';
import { knownYangJsComplaint } from '../../src/yang/yang-js-check';

const YANG_DIR = path.join(__dirname, '..', '..', 'yang');
const REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NOTIF = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

function yangFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? yangFilesUnder(full) : f.endsWith('.yang') ? [full] : [];
  });
}

/** name, namespace and newest revision read with plain regular expressions, independently of the loader. */
function scan(file: string): { name: string; namespace: string; revision: string } {
  const text = readFileSync(file, 'utf8');
  const name = /^\s*module\s+([\w.-]+)/m.exec(text)?.[1] ?? '';
  const namespace = /^\s*namespace\s+"?([^";\s]+)"?\s*;/m.exec(text)?.[1] ?? '';
  const revisions = [...text.matchAll(/^\s*revision\s+"?(\d{4}-\d{2}-\d{2})"?/gm)].map((m) => m[1]).sort();
  return { name, namespace, revision: revisions[revisions.length - 1] };
}

const leaf = (children: readonly { name: string }[], name: string): LeafSchema => {
  const n = children.find((c) => c.name === name);
  assert.ok(n, `no node ${name}`);
  return n as LeafSchema;
};

describe('yang/schema', function () {
  let registry: SchemaRegistry;
  before(() => {
    registry = SchemaRegistry.load();
  });

  describe('SchemaRegistry over yang/', () => {
    it('lists every module under yang/ with its namespace, revision and exact source', () => {
      const files = yangFilesUnder(YANG_DIR);
      assert.ok(files.length >= 2);
      for (const file of files) {
        const expected = scan(file);
        const info = registry.module(expected.name);
        assert.ok(info, `${expected.name} (${file}) is not listed`);
        assert.equal(info.namespace, expected.namespace);
        assert.equal(info.revision, expected.revision);
        assert.equal(info.file, file);
        assert.equal(info.source, readFileSync(file, 'utf8'));
        assert.equal(registry.moduleByNamespace(expected.namespace)?.name, expected.name);
      }
      assert.equal(registry.modules().length, files.length);
    });

    it('reads the metadata of ncbgp-refresh', () => {
      const info = registry.module('ncbgp-refresh');
      assert.ok(info);
      assert.equal(info.prefix, 'ncbgp-refresh');
      assert.equal(info.yangVersion, '1.1');
      assert.deepEqual(
        info.imports.map((i) => i.name),
        ['ietf-inet-types', 'ietf-yang-types', 'ncbgp-bgp'],
      );
      assert.equal(info.conformance, 'implement');
    });

    it('implements the modules of implemented.ts with their features, and imports the others (RFC 8525 section 3)', () => {
      for (const info of registry.modules()) {
        const features = IMPLEMENTED.get(info.name);
        assert.equal(info.conformance, features ? 'implement' : 'import', info.name);
        assert.deepEqual(info.supportedFeatures, features ?? [], info.name);
      }
      for (const name of IMPLEMENTED.keys()) assert.equal(registry.module(name)?.conformance, 'implement', name);
      for (const name of ['ietf-inet-types', 'ietf-yang-types', 'yuma-ncx']) assert.equal(registry.module(name)?.conformance, 'import', name);
    });

    it('has no data node of an import-only module: yuma-ncx lends notifications its extensions only', () => {
      const ncx = registry.module('yuma-ncx');
      assert.ok(ncx && ncx.conformance === 'import');
      assert.deepEqual(registry.moduleSchema('yuma-ncx')?.children, []);
      assert.equal(registry.topLevel(ncx.namespace, 'belongs-to'), undefined);
      assert.ok(!registry.topLevelNodes().some((n) => n.module === 'yuma-ncx'));
    });

    it('serves RFC 5277 create-subscription and /netconf/streams, and not the <notification> envelope (deviated not-supported)', () => {
      const notifications = registry.module('notifications');
      assert.ok(notifications);
      assert.deepEqual(notifications.deviations, ['ncbgp-deviations']);
      assert.ok(registry.rpc(NOTIF, 'create-subscription')?.input.children.some((c) => c.name === 'startTime'));
      assert.equal(registry.topLevel(NOTIF, 'notification'), undefined);
      assert.ok(registry.topLevel('urn:ietf:params:xml:ns:netmod:notification', 'netconf'));
    });

    it('leaves out what a feature the server does not support guards (ietf-netconf url)', () => {
      assert.ok(!registry.module('ietf-netconf')?.supportedFeatures.includes('url'));
      const edit = registry.rpc(NC, 'edit-config');
      const content = edit?.input.children.find((c) => c.name === 'edit-content');
      assert.ok(content?.kind === 'choice');
      assert.deepEqual(
        content.cases.map((c) => c.name),
        ['config'],
      );
      assert.ok(registry.rpc(NC, 'commit'), 'commit: if-feature candidate, supported');
    });

    it('lists the features a module defines', function () {
      const nc = registry.module('ietf-netconf');
      assert.ok(nc);
      assert.ok(nc.features.includes('candidate') && nc.features.includes('startup'));
    });

    it('exposes rpc refresh-bgp-mvpn with its input', () => {
      const rpc = registry.rpc(REFRESH, 'refresh-bgp-mvpn');
      assert.ok(rpc);
      assert.equal(rpc.kind, 'rpc');
      assert.equal(rpc.namespace, REFRESH);
      const [peers, direction] = rpc.input.children;
      assert.equal(peers.kind, 'choice');
      assert.ok(peers.kind === 'choice' && peers.mandatory);
      assert.deepEqual(
        peers.kind === 'choice' && peers.cases.map((c) => c.name),
        ['all', 'peer-address', 'group', 'external', 'internal'],
      );
      assert.equal(direction.kind, 'leaf');
      assert.ok(direction.kind === 'leaf' && direction.mandatory);
      assert.deepEqual(
        direction.kind === 'leaf' && direction.type.base === 'enumeration' && direction.type.enums.map((e) => e.name),
        ['import', 'export'],
      );
      assert.ok(rpc.output.children.some((c) => c.name === 'operation-id'));
    });

    it('resolves typedef chains across modules (ietf-inet-types)', () => {
      const rpc = registry.rpc(REFRESH, 'refresh-bgp-mvpn');
      assert.ok(rpc && rpc.input.children[0].kind === 'choice');
      const address = leaf(rpc.input.children[0].cases[1].children, 'peer-address');
      assert.equal(address.type.typedef, 'ietf-inet-types:ipv4-address-no-zone');
      assert.ok(address.type.base === 'string');
      // the pattern of ipv4-address and the one ipv4-address-no-zone adds
      assert.equal(address.type.patterns.length, 2);
    });

    it('resolves a leafref to its target leaf and type', () => {
      const rpc = registry.rpc(REFRESH, 'refresh-bgp-mvpn');
      assert.ok(rpc && rpc.input.children[0].kind === 'choice');
      const group = leaf(rpc.input.children[0].cases[2].children, 'group');
      assert.ok(group.type.base === 'leafref');
      assert.equal(group.type.targetPath, '/ncbgp-bgp:bgp/peer-group/name');
      assert.ok(group.type.requireInstance);
      assert.ok(group.type.target?.base === 'string');
      assert.deepEqual(group.type.target.length?.intervals, [{ min: 1, max: 47 }]);
    });

    it('resolves identityref bases to every derived identity', () => {
      const rpc = registry.rpc(REFRESH, 'refresh-bgp');
      assert.ok(rpc);
      const afi = leaf(rpc.input.children, 'afi-safi');
      assert.ok(afi.type.base === 'identityref');
      const [base] = afi.type.bases;
      assert.match(base, /^ncbgp-(bgp|refresh):afi-safi-type$/);
      assert.deepEqual(afi.type.identities.map((i) => i.name).sort(), ['ipv4-mvpn', 'ipv4-unicast']);
      const ns = registry.module(base.split(':')[0])?.namespace;
      assert.ok(afi.type.identities.every((i) => i.namespace === ns && i.bases.includes(base)));
      assert.equal(registry.identity(base)?.name, 'afi-safi-type');
    });

    it('finds top-level data nodes and notifications', () => {
      const bgp = registry.topLevel(BGP, 'bgp');
      assert.ok(bgp && bgp.kind === 'container');
      assert.ok(registry.topLevelNodes().includes(bgp));
      assert.equal(registry.topLevel(REFRESH, 'bgp'), undefined);
      const n = registry.notification(REFRESH, 'peer-refresh-complete');
      assert.ok(n && n.children.some((c) => c.name === 'operation-id'));
    });

    it('inherits config false and keeps list keys', () => {
      const bgp = registry.topLevel(BGP, 'bgp');
      assert.ok(bgp && bgp.kind === 'container' && bgp.config);
      const peer = bgp.children.find((c) => c.name === 'peer');
      assert.ok(peer && peer.kind === 'list');
      assert.deepEqual(peer.keys, ['address']);
      assert.ok(peer.config);
      const state = peer.children.find((c) => c.name === 'state');
      assert.ok(state && state.kind === 'container' && !state.config);
      assert.ok(state.children.every((c) => !c.config));
      assert.deepEqual(registry.listKeys(BGP, ['bgp', 'peer']), ['address']);
      assert.equal(registry.listKeys(BGP, ['bgp', 'listen']), undefined);
      assert.equal(registry.listKeys(REFRESH, ['bgp', 'peer']), undefined);
    });

    it('puts grouping nodes in the namespace of the module that uses them', () => {
      const bgp = registry.topLevel(BGP, 'bgp');
      assert.ok(bgp && bgp.kind === 'container');
      const peer = bgp.children.find((c) => c.name === 'peer');
      assert.ok(peer && peer.kind === 'list');
      const mvpn = peer.children.find((c) => c.name === 'mvpn');
      assert.equal(mvpn?.namespace, BGP);
      assert.equal(mvpn?.module, 'ncbgp-bgp');
    });

    it('applies augments of other modules (with-defaults on get-config)', function () {
      assert.ok(registry.module('ietf-netconf-with-defaults'));
      const gc = registry.rpc(NC, 'get-config');
      const wd = gc?.input.children.find((c) => c.name === 'with-defaults');
      assert.equal(wd?.namespace, 'urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults');
      assert.equal(wd?.prefix, 'ncwd');
    });

    it('is immutable', () => {
      const rpc = registry.rpc(REFRESH, 'refresh-bgp-mvpn');
      assert.ok(rpc);
      assert.ok(Object.isFrozen(rpc) && Object.isFrozen(rpc.input.children));
      assert.throws(() => (rpc.input.children as unknown[]).push({}));
    });

    it('compiles every module of yang/ with nothing unresolved', () => {
      const own = registry.diagnostics().filter((d) => d.source === 'ncbgp');
      assert.deepEqual(own, []);
    });

    it('leaves yang-js out unless asked for the cross-check', () => {
      assert.deepEqual(
        registry.diagnostics().filter((d) => d.source === 'yang-js'),
        [],
      );
    });

    it('reports what yang-js refuses, with the cross-check, and still compiles those modules', function () {
      const checked = SchemaRegistry.load(undefined, { crossCheck: true });
      const nn = checked.module('ietf-netconf-notifications');
      assert.ok(nn);
      const yangJs = checked.diagnostics().filter((d) => d.source === 'yang-js');
      // yang-js 0.24 refuses a shorthand case next to case statements (RFC 7950 allows it)
      assert.ok(yangJs.some((d) => d.module === 'ietf-netconf-notifications'));
      // and nothing else: what `ncbgp yang check` counts as known
      for (const d of yangJs) assert.ok(knownYangJsComplaint(d.module, d.message), `${d.module}: ${d.message}`);
      const change = checked.notification(nn.namespace, 'netconf-config-change');
      assert.ok(change?.children.some((c) => c.name === 'changed-by'));
      // no module of ours is among them
      assert.ok(!checked.diagnostics().some((d) => d.module?.startsWith('ncbgp-')));
      // the same schema as without the cross-check
      assert.deepEqual(checked.modules(), registry.modules());
      assert.deepEqual(
        checked.diagnostics().filter((d) => d.source === 'ncbgp'),
        [],
      );
    });
  });

  describe('SchemaRegistry over a directory of its own', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-yang-'));
      writeFileSync(
        path.join(dir, 'a.yang'),
        `module a {
          namespace "urn:a"; prefix a;
          revision 2020-01-01; revision 2021-02-03;
          typedef small { type uint8 { range "1..10"; } default 5; }
          grouping g {
            leaf x { type small; }
            choice c { leaf y { type string; } case z { leaf z1 { type empty; } } }
          }
          container top {
            uses g { refine x { mandatory true; } refine c { mandatory true; } augment c { case w { leaf w1 { type int8; } } } }
            container hidden { config false; leaf h { type string; } }
          }
          rpc go { input { leaf n { type small; } } }
        }`,
      );
      writeFileSync(
        path.join(dir, 'b.yang'),
        `module b {
          yang-version 1.1;
          namespace "urn:b"; prefix b;
          import a { prefix x; }
          feature fast;
          augment "/x:top" { if-feature fast; leaf extra { type x:small; } }
          augment "/x:go/x:input" { anydata blob; }
        }`,
      );
      writeFileSync(path.join(dir, 'broken.yang'), 'module broken { namespace "urn:broken"; prefix br; container c { ');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('compiles groupings with refine and augment, typedef defaults, and augments of another module', () => {
      const r = SchemaRegistry.load(dir);
      assert.equal(r.module('a')?.revision, '2021-02-03');
      assert.equal(r.module('b')?.conformance, 'implement');
      assert.deepEqual(r.module('b')?.features, ['fast']);
      const top = r.topLevel('urn:a', 'top');
      assert.ok(top && top.kind === 'container');
      const x = leaf(top.children, 'x');
      assert.equal(x.mandatory, true);
      assert.equal(x.default, '5');
      assert.equal(x.type.typedef, 'a:small');
      const c = top.children.find((n) => n.name === 'c');
      assert.ok(c && c.kind === 'choice' && c.mandatory);
      assert.deepEqual(
        c.cases.map((k) => k.name),
        ['y', 'z', 'w'],
      );
      const extra = leaf(top.children, 'extra');
      assert.equal(extra.namespace, 'urn:b');
      assert.deepEqual(extra.ifFeatures, ['b:fast']);
      const hidden = top.children.find((n) => n.name === 'hidden');
      assert.ok(hidden && hidden.kind === 'container' && !hidden.config && hidden.children.every((n) => !n.config));
      const go = r.rpc('urn:a', 'go');
      assert.deepEqual(
        go?.input.children.map((n) => `${n.kind} ${n.name} ${n.namespace}`),
        ['leaf n urn:a', 'anydata blob urn:b'],
      );
    });

    it('reports a file that does not parse and loads the others', () => {
      const r = SchemaRegistry.load(dir);
      const d = r.diagnostics().find((x) => x.file.endsWith('broken.yang'));
      assert.ok(d);
      assert.match(d.message, /not closed/);
      assert.equal(r.module('broken'), undefined);
      assert.ok(r.module('a'));
    });
  });

  describe('implemented and import-only modules, features and deviations (RFC 8525 section 3, RFC 7950 sections 5.6.5, 7.20)', () => {
    let dir = '';
    let r: SchemaRegistry;
    const module = (name: string, body: string, revision = '2024-01-01'): void =>
      writeFileSync(path.join(dir, `${name}.yang`), `module ${name} { yang-version 1.1; namespace "urn:${name}"; prefix ${name}; revision ${revision}; ${body} }`);
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-yang-implemented-'));
      module(
        'lib',
        `typedef t { type string { length "1..8"; } }
         grouping g { leaf gl { type t; } }
         identity base-id; identity other { base base-id; }
         feature f1;
         container lib-data { leaf x { type string; } }
         rpc lib-rpc;
         notification lib-note;`,
      );
      module(
        'app',
        `import lib { prefix l; }
         feature fast; feature slow; feature needs-slow { if-feature slow; }
         identity id-slow { if-feature slow; base l:base-id; }
         container top {
           uses l:g;
           leaf kind { type identityref { base l:base-id; } }
           leaf fast-leaf { if-feature fast; type string; }
           leaf slow-leaf { if-feature slow; type string; }
           leaf either { if-feature "slow or fast"; type string; }
           leaf both { if-feature "fast and not (slow or l:f1)"; type string; }
           leaf lib-feature { if-feature l:f1; type string; }
           choice ch { leaf a { if-feature slow; type string; } leaf b { type string; } }
           leaf e { type enumeration { enum on; enum off { if-feature slow; } } }
           container slow-box { if-feature slow; leaf ref { type leafref { path "../../missing"; } } }
           leaf gone { type string; }
           leaf b2 { type string; }
         }
         rpc go;
         rpc go-slow { if-feature slow; }`,
      );
      module('dev', `import app { prefix a; } deviation "/a:top/a:gone" { deviate not-supported; } deviation "/a:top/a:b2" { deviate replace { type int8; } }`);
      module('side', `import app { prefix a; } augment "/a:top" { leaf from-side { type string; } } deviation "/a:top/a:either" { deviate not-supported; } container side-data;`);
      module('old', 'container o;', '2020-01-01');
      writeFileSync(path.join(dir, 'old2.yang'), 'module old { namespace "urn:old"; prefix old; revision 2021-01-01; container o2; }');
      r = SchemaRegistry.load(dir, { implemented: new Map([['app', ['fast', 'needs-slow', 'nope']], ['dev', []], ['old', []], ['missing', []]]) });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('implements the listed modules and imports the others', () => {
      assert.deepEqual(
        r.modules().map((m) => `${m.name} ${m.conformance}`).sort(),
        ['app implement', 'dev implement', 'lib import', 'old implement', 'side import'],
      );
    });

    it('takes nothing but definitions from an import-only module: no data node, rpc, notification, augment or deviation', () => {
      assert.equal(r.topLevel('urn:lib', 'lib-data'), undefined);
      assert.equal(r.topLevel('urn:side', 'side-data'), undefined);
      assert.equal(r.rpc('urn:lib', 'lib-rpc'), undefined);
      assert.equal(r.notification('urn:lib', 'lib-note'), undefined);
      assert.equal(r.moduleByNamespace('urn:lib')?.name, 'lib', 'the namespace is still known');
      const top = r.topLevel('urn:app', 'top');
      assert.ok(top?.kind === 'container');
      const names = top.children.map((c) => c.name);
      assert.ok(!names.includes('from-side'), 'augment of an import-only module');
      assert.ok(names.includes('either'), 'deviation of an import-only module');
      // its grouping, typedef and identities serve the implementing module
      const gl = leaf(top.children, 'gl');
      assert.equal(gl.namespace, 'urn:app');
      assert.equal(gl.type.typedef, 'lib:t');
      const kind = leaf(top.children, 'kind');
      assert.deepEqual(kind.type.base === 'identityref' && kind.type.identities.map((i) => `${i.module}:${i.name}`), ['lib:other']);
    });

    it('supports the listed features only, and each only if its own if-features hold', () => {
      assert.deepEqual(r.module('app')?.supportedFeatures, ['fast']);
      assert.deepEqual(r.module('lib')?.supportedFeatures, []);
      const top = r.topLevel('urn:app', 'top');
      assert.ok(top?.kind === 'container');
      assert.deepEqual(
        top.children.map((c) => c.name),
        ['gl', 'kind', 'fast-leaf', 'either', 'both', 'ch', 'e', 'b2'],
      );
      const ch = top.children.find((c) => c.name === 'ch');
      assert.deepEqual(ch?.kind === 'choice' && ch.cases.map((c) => c.name), ['b']);
      const e = leaf(top.children, 'e');
      assert.deepEqual(e.type.base === 'enumeration' && e.type.enums.map((v) => v.name), ['on']);
      assert.ok(r.rpc('urn:app', 'go'));
      assert.equal(r.rpc('urn:app', 'go-slow'), undefined);
      assert.equal(r.identity('app:id-slow'), undefined);
    });

    it('applies deviate not-supported of an implemented module and lists it as a deviation of its target', () => {
      const top = r.topLevel('urn:app', 'top');
      assert.ok(top?.kind === 'container' && !top.children.some((c) => c.name === 'gone'));
      assert.deepEqual(r.module('app')?.deviations, ['dev']);
      assert.deepEqual(r.module('lib')?.deviations, []);
    });

    it('loads one revision of a module, the newest', () => {
      assert.equal(r.modules().filter((m) => m.name === 'old').length, 1);
      assert.equal(r.module('old')?.revision, '2021-01-01');
      assert.ok(r.topLevel('urn:old', 'o2'));
    });

    it('reports what it cannot do as told, and nothing of what is left out (the leafref in slow-box)', () => {
      assert.deepEqual(
        r.diagnostics().map((d) => `${d.module}: ${d.message.replace(dir, 'DIR')}`).sort(),
        [
          "app: feature 'needs-slow' is to be supported but its if-feature is false",
          "app: feature 'nope' is to be supported but the module does not define it",
          "dev: line 1: deviate replace of '/a:top/a:b2' is not applied",
          'missing: module missing is to be implemented but is not under DIR',
          `old: revision 2020-01-01 is not loaded: ${path.join(dir, 'old2.yang').replace(dir, 'DIR')} has 2021-01-01`,
        ],
      );
    });

    it('implements every module with every feature in a directory of its own when not told', () => {
      const all = SchemaRegistry.load(dir);
      assert.ok(all.modules().every((m) => m.conformance === 'implement'));
      assert.deepEqual(all.module('app')?.supportedFeatures, ['fast', 'slow', 'needs-slow']);
      assert.ok(all.topLevel('urn:lib', 'lib-data'));
    });
  });

  describe('parseYangStatements (RFC 7950 section 6)', () => {
    const cases: [string, string, string | undefined][] = [
      ['unquoted', 'description hello;', 'hello'],
      ['single-quoted, no escapes', "description 'a\\nb';", 'a\\nb'],
      ['double-quoted escapes', 'description "a\\tb\\"c\\\\d\\n";', 'a\tb"c\\d\n'],
      ['concatenation', 'description "ab" + \'cd\' +\n "ef";', 'abcdef'],
      ['indentation after the opening quote is removed', 'description "first\n             second\n               third";', 'first\nsecond\n  third'],
      ['trailing whitespace before a line break is removed', 'description "a   \n b";', 'a\nb'],
      ['comments are skipped', '/* c */ description // d\n x;', 'x'],
      ['no argument', 'presence;', undefined],
      ['path with slashes', 'augment /a:b/a:c;', '/a:b/a:c'],
    ];
    for (const [name, text, arg] of cases) {
      it(name, () => assert.equal(parseYangStatements(text).arg, arg));
    }

    it('keeps substatements in order with line numbers', () => {
      const s = parseYangStatements('module m {\n  leaf b { type string; }\n  ex:thing "v";\n  leaf a;\n}');
      assert.deepEqual(
        s.children.map((c) => `${c.keyword} ${c.arg} ${c.line}`),
        ['leaf b 2', 'ex:thing v 3', 'leaf a 4'],
      );
    });

    for (const bad of ['module m {', 'module m { leaf }', 'module "m" "x";', 'module m; extra;']) {
      it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseYangStatements(bad), YangSyntaxError));
    }
  });

  describe('xsdRegex (XSD regular expressions, anchored)', () => {
    const cases: [string, string[], string[]][] = [
      ['[0-9\\.]*', ['1.2.3.4', ''], ['1.2.3.4%eth0']],
      ['%[\\p{N}\\p{L}]+', ['%eth0', '%éth'], ['%', '%a-b']],
      ['a$b^', ['a$b^'], ['a', 'ab']],
      ['[a-z-[aeiou]]+', ['bcd'], ['bad']],
      ['\\d{2}', ['42', '٤٢'], ['4', 'ab']],
      ['\\i\\c*', ['x-1.y', '_a'], ['1x', '-a']],
      ['(ab|cd)\\-x', ['ab-x', 'cd-x'], ['abx']],
    ];
    for (const [xsd, good, bad] of cases) {
      it(xsd, () => {
        const re = xsdRegex(xsd);
        for (const g of good) assert.ok(re.test(g), `${xsd} should match ${g}`);
        for (const b of bad) assert.ok(!re.test(b), `${xsd} should not match ${b}`);
      });
    }
  });
});
