import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiffEntry, diffConfig } from '../../src/datastore/diff';
import { applyEdit, EditOptions } from '../../src/datastore/edit';
import { elem, parseXml, serialize, XmlAttribute, XmlElement } from '../../src/model/xml';
import { keyPredicate } from '../../src/yang/instance-path';
import { dataChild, DataNodeSchema } from '../../src/yang/schema';
import { SchemaRegistry } from '../../src/yang/registry';
import { prng } from '../helpers/prng';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const YANG = 'urn:ietf:params:xml:ns:yang:1';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const DT = 'urn:ncbgp:test:diff';
const MERGE: EditOptions = { defaultOperation: 'merge', errorOption: 'stop-on-error' };

const MODULE = `module diff-test {
  yang-version 1.1;
  namespace "${DT}";
  prefix dt;
  container top {
    leaf a { type string; }
    leaf-list sys { type string; }
    leaf-list ord { type string; ordered-by user; }
    list multi {
      key "x y";
      leaf x { type string; }
      leaf y { type uint8; }
      leaf v { type string; }
      container inner { leaf w { type string; } }
      list nested { key n; leaf n { type string; } leaf m { type string; } }
    }
    list ulist { key k; ordered-by user; leaf k { type string; } leaf v { type string; } }
    container np { leaf x { type string; } container deeper { leaf y { type string; } } }
    container pres { presence "on"; leaf b { type string; } }
    choice transport {
      case tcp { leaf tcp-port { type uint16; } leaf nodelay { type boolean; } }
      case udp { leaf udp-port { type uint16; } }
    }
    anydata blob;
  }
  leaf top-leaf { type string; }
}`;

/** The children of an XML fragment, whitespace between elements dropped. */
function nodes(xml: string): XmlElement[] {
  return parseXml(`<x xmlns:nc="${NC}" xmlns:yang="${YANG}">${xml.replace(/>\s+</g, '><').trim()}</x>`).children;
}
const top = (inner: string): string => `<top xmlns="${DT}">${inner}</top>`;
const T = '/dt:top';
const M = (x: string, y: number): string => `${T}/dt:multi[dt:x='${x}'][dt:y='${y}']`;
const U = (k: string): string => `${T}/dt:ulist[dt:k='${k}']`;
const ulist = (...ks: string[]): string => ks.map((k) => `<ulist><k>${k}</k><v>${k}</v></ulist>`).join('');
const ord = (...vs: string[]): string => vs.map((v) => `<ord>${v}</ord>`).join('');

const brief = (d: readonly DiffEntry[]): string[] => d.map((e) => `${e.op} ${e.path}`);

let dir: string;
let t: SchemaRegistry;
let bgp: SchemaRegistry;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-diff-'));
  writeFileSync(path.join(dir, 'diff-test.yang'), MODULE);
  t = SchemaRegistry.load(dir);
  bgp = SchemaRegistry.load();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('datastore/diff', () => {
  interface Case {
    name: string;
    before: string;
    after: string;
    expect: string[];
  }
  const cases: Case[] = [
    { name: 'identical content -> nothing', before: top('<a>1</a><multi><x>p</x><y>1</y></multi>'), after: top('<a>1</a><multi><x>p</x><y>1</y></multi>'), expect: [] },
    { name: 'both empty', before: '', after: '', expect: [] },
    { name: 'leaf created', before: top('<sys>s</sys>'), after: top('<a>1</a><sys>s</sys>'), expect: [`create ${T}/dt:a`] },
    { name: 'leaf changed', before: top('<a>1</a>'), after: top('<a>2</a>'), expect: [`replace ${T}/dt:a`] },
    { name: 'leaf deleted', before: top('<a>1</a><sys>s</sys>'), after: top('<sys>s</sys>'), expect: [`delete ${T}/dt:a`] },
    { name: 'top-level leaf', before: '', after: `<top-leaf xmlns="${DT}">x</top-leaf>`, expect: ['create /dt:top-leaf'] },
    {
      name: 'a non-presence container appearing: its children are created, not it (RFC 7950 section 7.5.1)',
      before: '',
      after: top('<a>1</a><np><deeper><y>2</y></deeper></np>'),
      expect: [`create ${T}/dt:a`, `create ${T}/dt:np/dt:deeper/dt:y`],
    },
    { name: 'a non-presence container going: its children are deleted', before: top('<a>1</a><np><x>1</x><deeper><y>2</y></deeper></np>'), after: top('<a>1</a>'), expect: [`delete ${T}/dt:np/dt:x`, `delete ${T}/dt:np/dt:deeper/dt:y`] },
    { name: 'a presence container appearing is create', before: top('<a>1</a>'), after: top('<a>1</a><pres><b>x</b></pres>'), expect: [`create ${T}/dt:pres`] },
    { name: 'an empty presence container appearing is create', before: top('<a>1</a>'), after: top('<a>1</a><pres/>'), expect: [`create ${T}/dt:pres`] },
    { name: 'a presence container going is one delete', before: top('<a>1</a><pres><b>x</b></pres>'), after: top('<a>1</a>'), expect: [`delete ${T}/dt:pres`] },
    { name: 'inside a presence container', before: top('<pres><b>x</b></pres>'), after: top('<pres><b>y</b></pres>'), expect: [`replace ${T}/dt:pres/dt:b`] },
    {
      name: 'multi-key list: an entry created whole, one deleted whole',
      before: top('<multi><x>p</x><y>1</y><v>a</v></multi><multi><x>p</x><y>2</y><inner><w>1</w></inner></multi>'),
      after: top('<multi><x>p</x><y>1</y><v>a</v></multi><multi><x>q</x><y>2</y><nested><n>1</n></nested></multi>'),
      expect: [`delete ${M('p', 2)}`, `create ${M('q', 2)}`],
    },
    {
      name: 'multi-key list: entries matched on both keys, changes inside',
      before: top('<multi><x>p</x><y>1</y><v>a</v></multi><multi><x>p</x><y>2</y><v>b</v></multi>'),
      after: top('<multi><x>p</x><y>1</y><v>a</v></multi><multi><x>p</x><y>2</y><v>c</v><inner><w>1</w></inner></multi>'),
      expect: [`replace ${M('p', 2)}/dt:v`, `create ${M('p', 2)}/dt:inner/dt:w`],
    },
    {
      name: 'nested lists',
      before: top('<multi><x>p</x><y>1</y><nested><n>a</n><m>1</m></nested><nested><n>b</n></nested></multi>'),
      after: top('<multi><x>p</x><y>1</y><nested><n>a</n><m>2</m></nested><nested><n>c</n></nested></multi>'),
      expect: [`replace ${M('p', 1)}/dt:nested[dt:n='a']/dt:m`, `delete ${M('p', 1)}/dt:nested[dt:n='b']`, `create ${M('p', 1)}/dt:nested[dt:n='c']`],
    },
    { name: 'ordered-by system list: order is no change', before: top('<multi><x>a</x><y>1</y></multi><multi><x>b</x><y>1</y></multi>'), after: top('<multi><x>b</x><y>1</y></multi><multi><x>a</x><y>1</y></multi>'), expect: [] },
    {
      name: 'leaf-list: values created and deleted',
      before: top('<sys>a</sys><sys>b</sys><sys>c</sys>'),
      after: top('<sys>a</sys><sys>c</sys><sys>d</sys>'),
      expect: [`delete ${T}/dt:sys[.='b']`, `create ${T}/dt:sys[.='d']`],
    },
    { name: 'leaf-list ordered-by system: order is no change', before: top('<sys>a</sys><sys>b</sys>'), after: top('<sys>b</sys><sys>a</sys>'), expect: [] },
    { name: 'leaf-list ordered-by user: a value moved first', before: top(ord('a', 'b', 'c')), after: top(ord('c', 'a', 'b')), expect: [`replace ${T}/dt:ord[.='c']`] },
    { name: 'leaf-list ordered-by user: a value moved last', before: top(ord('a', 'b', 'c')), after: top(ord('b', 'c', 'a')), expect: [`replace ${T}/dt:ord[.='a']`] },
    { name: 'leaf-list ordered-by user: a value inserted is no move', before: top(ord('a', 'c')), after: top(ord('a', 'b', 'c')), expect: [`create ${T}/dt:ord[.='b']`] },
    { name: 'ordered-by user list: an entry moved', before: top(ulist('a', 'b', 'c', 'd')), after: top(ulist('a', 'c', 'd', 'b')), expect: [`replace ${U('b')}`] },
    { name: 'ordered-by user list: reversed, the fewest moves', before: top(ulist('a', 'b', 'c')), after: top(ulist('c', 'b', 'a')), expect: [`replace ${U('c')}`, `replace ${U('b')}`] },
    {
      name: 'ordered-by user list: moved and changed (the changes inside follow the move)',
      before: top(ulist('a', 'b')),
      after: top('<ulist><k>b</k><v>new</v></ulist><ulist><k>a</k><v>a</v></ulist>'),
      expect: [`replace ${U('b')}`, `replace ${U('b')}/dt:v`],
    },
    { name: 'ordered-by user list: deleting one is no move of the others', before: top(ulist('a', 'b', 'c')), after: top(ulist('a', 'c')), expect: [`delete ${U('b')}`] },
    {
      name: 'choice: a case switch deletes the old case, then creates the new one',
      before: top('<a>1</a><tcp-port>80</tcp-port><nodelay>true</nodelay>'),
      after: top('<a>1</a><udp-port>53</udp-port>'),
      expect: [`delete ${T}/dt:tcp-port`, `delete ${T}/dt:nodelay`, `create ${T}/dt:udp-port`],
    },
    { name: 'anydata: compared by content', before: top('<blob><q>1</q></blob>'), after: top('<blob><q>2</q></blob>'), expect: [`replace ${T}/dt:blob`] },
    { name: 'anydata: the same content is no change', before: top('<blob><q x="1">1</q></blob>'), after: top('<blob><q x="1">1</q></blob>'), expect: [] },
    { name: 'nodes without a schema are not reported', before: '<zz xmlns="urn:nowhere">1</zz>', after: '<zz xmlns="urn:nowhere">2</zz>', expect: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = nodes(c.before);
      const a = nodes(c.after);
      assert.deepEqual(brief(diffConfig(t, b, a)), c.expect);
      // and backwards: creates become deletes and the other way round
      const back = diffConfig(t, a, b);
      assert.equal(back.length >= c.expect.length - c.expect.filter((e) => e.startsWith('replace')).length, true);
      assert.deepEqual(new Set(back.filter((e) => e.op !== 'replace').map((e) => `${e.op === 'create' ? 'delete' : 'create'} ${e.path}`)), new Set(c.expect.filter((e) => !e.startsWith('replace'))));
    });
  }

  it('the same object in both versions is never looked into', () => {
    const shared = nodes(top('<a>1</a>'))[0];
    const trap = new Proxy(shared, {
      get(target, p) {
        if (p === 'children' || p === 'text') throw new Error('looked into a shared subtree');
        return Reflect.get(target, p);
      },
    });
    assert.deepEqual(diffConfig(t, [trap], [trap]), []);
    const leaf = nodes(`<top-leaf xmlns="${DT}">x</top-leaf>`)[0];
    assert.deepEqual(brief(diffConfig(t, [trap], [trap, leaf])), ['create /dt:top-leaf']);
  });

  it('before, after, schema and ancestors (the nodes of the new content)', () => {
    const b = nodes(top('<multi><x>p</x><y>1</y><v>a</v></multi><np><x>1</x></np>'));
    const a = nodes(top('<multi><x>p</x><y>1</y><v>b</v></multi>'));
    const [v, x] = diffConfig(t, b, a);
    const entry = a[0].children[0];
    assert.equal(v.before, b[0].children[0].children[2]);
    assert.equal(v.after, entry.children[2]);
    assert.equal(v.schema.kind, 'leaf');
    assert.equal(v.schema.name, 'v');
    assert.equal(v.ancestors.length, 2);
    assert.equal(v.ancestors[0], a[0]);
    assert.equal(v.ancestors[1], entry);
    assert.deepEqual(v.pathNamespaces, { dt: DT });
    // np is gone from the new content: its ancestors hold it empty
    assert.equal(x.op, 'delete');
    assert.equal(x.after, undefined);
    assert.equal(x.ancestors[0], a[0]);
    assert.deepEqual({ ...x.ancestors[1] }, { ns: DT, name: 'np', attrs: [], children: [], text: '' });
  });

  it('a moved entry is a replace with both versions', () => {
    const b = nodes(top(ulist('a', 'b')));
    const a = [elem(DT, 'top', [b[0].children[1], b[0].children[0]])];
    const d = diffConfig(t, b, a);
    assert.deepEqual(brief(d), [`replace ${U('b')}`]);
    assert.equal(d[0].before, b[0].children[1]);
    assert.equal(d[0].after, b[0].children[1]);
  });

  describe('ncbgp-bgp', () => {
    const BASE = `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.1</router-id>
      <peer><address>10.0.0.1</address><remote-as>65001</remote-as></peer>
      <peer><address>10.0.0.2</address><remote-as>65002</remote-as><timers><hold-time>30</hold-time></timers></peer>
      <policy><name>p</name><term><name>t1</name><action>accept</action></term><term><name>t2</name><action>reject</action></term></policy></bgp>`;
    const P = (a: string): string => `/bgp:bgp/bgp:peer[bgp:address='${a}']`;
    const edit = (config: string): { before: XmlElement[]; after: XmlElement[] } => {
      const before = applyEdit(bgp, [], nodes(BASE), MERGE).content;
      const r = applyEdit(bgp, before, nodes(config), MERGE);
      assert.deepEqual(r.errors, []);
      return { before, after: r.content };
    };
    const table: { name: string; edit: string; expect: string[] }[] = [
      { name: 'a peer added', edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.3</address><remote-as>65003</remote-as></peer></bgp>`, expect: [`create ${P('10.0.0.3')}`] },
      { name: 'a peer removed', edit: `<bgp xmlns="${BGP}"><peer nc:operation="delete"><address>10.0.0.1</address></peer></bgp>`, expect: [`delete ${P('10.0.0.1')}`] },
      { name: 'a timer set', edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><timers><keepalive>10</keepalive></timers></peer></bgp>`, expect: [`create ${P('10.0.0.1')}/bgp:timers/bgp:keepalive`] },
      { name: 'the last timer removed', edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.2</address><timers><hold-time nc:operation="delete"/></timers></peer></bgp>`, expect: [`delete ${P('10.0.0.2')}/bgp:timers/bgp:hold-time`] },
      { name: 'a term moved', edit: `<bgp xmlns="${BGP}"><policy><name>p</name><term yang:insert="first"><name>t2</name></term></policy></bgp>`, expect: [`replace /bgp:bgp/bgp:policy[bgp:name='p']/bgp:term[bgp:name='t2']`] },
      { name: 'bgp removed: one delete', edit: `<bgp xmlns="${BGP}" nc:operation="delete"/>`, expect: ['delete /bgp:bgp'] },
      { name: 'nacm set beside bgp', edit: `<nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm"><enable-nacm>false</enable-nacm></nacm>`, expect: ['create /nacm:nacm/nacm:enable-nacm'] },
    ];
    for (const c of table) {
      it(c.name, () => {
        const { before, after } = edit(c.edit);
        assert.deepEqual(brief(diffConfig(bgp, before, after)), c.expect);
      });
    }
    it('bgp created: one create', () => {
      const after = applyEdit(bgp, [], nodes(BASE), MERGE).content;
      assert.deepEqual(brief(diffConfig(bgp, [], after)), ['create /bgp:bgp']);
    });
  });

  describe('one change among 10,000 peers (its speed: npm run bench -- config)', () => {
    const address = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const peer = (i: number): XmlElement => elem(BGP, 'peer', [elem(BGP, 'address', address(i)), elem(BGP, 'remote-as', String(64512 + (i % 1000))), elem(BGP, 'description', `peer ${i}`)]);
    const datastore = (n: number): XmlElement[] => [elem(BGP, 'bgp', [elem(BGP, 'local-as', '65001'), elem(BGP, 'router-id', '192.0.2.1'), ...Array.from({ length: n }, (_, i) => peer(i))])];

    const table: { name: string; config: (k: number, n: number) => XmlElement[]; expect: (k: number, n: number) => string }[] = [
      { name: 'one peer added', config: (k, n) => [elem(BGP, 'bgp', [peer(n + k)])], expect: (k, n) => `create /bgp:bgp/bgp:peer[bgp:address='${address(n + k)}']` },
      {
        name: 'one leaf of one peer changed',
        config: (k, n) => [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address((k * 7919) % n)), elem(BGP, 'description', 'x')])])],
        expect: (k, n) => `replace /bgp:bgp/bgp:peer[bgp:address='${address((k * 7919) % n)}']/bgp:description`,
      },
      {
        name: 'one peer removed',
        config: (k, n) => [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address((k * 7919) % n))], [{ ns: NC, name: 'operation', value: 'delete' }])])],
        expect: (k, n) => `delete /bgp:bgp/bgp:peer[bgp:address='${address((k * 7919) % n)}']`,
      },
    ];
    for (const c of table) {
      it(c.name, () => {
        const before = datastore(10_000);
        for (const k of [0, 1, 199]) assert.deepEqual(brief(diffConfig(bgp, before, applyEdit(bgp, before, c.config(k, 10_000), MERGE).content)), [c.expect(k, 10_000)]);
      });
    }
  });

  describe('property: random edits, then the diff turned into edits rebuilds the new content', () => {
    const op = (value: string): XmlAttribute => ({ ns: NC, name: 'operation', value });
    const yang = (name: string, value: string): XmlAttribute => ({ ns: YANG, name, value });

    function randomEdit(r: () => number, content: readonly XmlElement[]): XmlElement[] {
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
      const name = (): string => pick(['a', 'b', 'c', 'd', 'e']);
      const existing = (n: string): string[] => (content[0]?.children ?? []).filter((c) => c.name === n).map((c) => (n === 'ulist' ? c.children[0].text : c.text));
      const place = (n: string): XmlAttribute[] => {
        const there = existing(n);
        const where = pick(['first', 'last', 'before', 'after', 'none']);
        if (where === 'none') return [];
        if ((where === 'before' || where === 'after') && !there.length) return [];
        const ref = pick(there);
        return where === 'first' || where === 'last' ? [yang('insert', where)] : [yang('insert', where), n === 'ulist' ? yang('key', `[dt:k='${ref}']`) : yang('value', ref)];
      };
      const inTop = (...c: XmlElement[]): XmlElement[] => [{ ...elem(DT, 'top', c), nsDecls: { dt: DT } }];
      switch (Math.floor(r() * 12)) {
        case 0:
          return inTop(r() < 0.3 ? elem(DT, 'a', '', [op('remove')]) : elem(DT, 'a', name()));
        case 1:
          return inTop(elem(DT, 'sys', name(), r() < 0.4 ? [op('remove')] : []));
        case 2:
          return inTop(elem(DT, 'ord', name(), r() < 0.3 ? [op('remove')] : place('ord')));
        case 3:
          return inTop(elem(DT, 'ulist', [elem(DT, 'k', name()), ...(r() < 0.5 ? [elem(DT, 'v', name())] : [])], r() < 0.3 ? [op('remove')] : place('ulist')));
        case 4: {
          const key = [elem(DT, 'x', name()), elem(DT, 'y', String(Math.floor(r() * 3)))];
          const body = pick([[elem(DT, 'v', name())], [elem(DT, 'inner', [elem(DT, 'w', name())])], [elem(DT, 'nested', [elem(DT, 'n', name()), elem(DT, 'm', name())])], [elem(DT, 'nested', [elem(DT, 'n', name())], [op('remove')])], [elem(DT, 'inner', [elem(DT, 'w', '', [op('remove')])])]]);
          return inTop(elem(DT, 'multi', r() < 0.2 ? key : [...key, ...body], r() < 0.2 ? [op('remove')] : []));
        }
        case 5:
          return inTop(elem(DT, 'np', r() < 0.5 ? [elem(DT, 'x', name(), r() < 0.3 ? [op('remove')] : [])] : [elem(DT, 'deeper', [elem(DT, 'y', name(), r() < 0.3 ? [op('remove')] : [])])]));
        case 6:
          return inTop(r() < 0.3 ? elem(DT, 'pres', [], [op('remove')]) : elem(DT, 'pres', r() < 0.5 ? [] : [elem(DT, 'b', name())]));
        case 7:
          return inTop(pick([elem(DT, 'tcp-port', String(Math.floor(r() * 3))), elem(DT, 'nodelay', 'true'), elem(DT, 'udp-port', String(Math.floor(r() * 3)))]));
        case 8:
          return inTop(elem(DT, 'blob', [elem(DT, 'q', name())]));
        case 9:
          return [elem(DT, 'top-leaf', name(), r() < 0.3 ? [op('remove')] : [])];
        case 10:
          return inTop(elem(DT, 'ulist', [elem(DT, 'k', name())], place('ulist')));
        default:
          return [elem(DT, 'top', [], [op('remove')])];
      }
    }

    // The schema node of an element of the content, found from the top.
    function schemaPath(registry: SchemaRegistry, chain: readonly XmlElement[]): DataNodeSchema[] {
      const out: DataNodeSchema[] = [];
      for (const [i, el] of chain.entries()) {
        const s = i === 0 ? registry.topLevel(el.ns, el.name) : dataChild(out[i - 1], el.name, el.ns);
        assert.ok(s, `schema of ${el.name}`);
        out.push(s);
      }
      return out;
    }
    const keysOf = (s: DataNodeSchema, el: XmlElement): XmlElement[] => (s.kind === 'list' ? s.keys.map((k) => el.children.find((c) => c.name === k) as XmlElement) : []);

    /** One entry as an edit: remove what was deleted, replace what was created or changed, placed as in the new content. */
    function asEdit(registry: SchemaRegistry, e: DiffEntry, content: readonly XmlElement[]): XmlElement[] {
      const node = e.schema;
      let el: XmlElement;
      if (e.op === 'delete') {
        const b = e.before as XmlElement;
        el = { ns: b.ns, name: b.name, attrs: [op('remove')], children: keysOf(node, b), text: node.kind === 'leaf-list' ? b.text : '' };
      } else {
        const a = e.after as XmlElement;
        const siblings = e.ancestors.length ? e.ancestors[e.ancestors.length - 1].children : content;
        const attrs = [op('replace')];
        if ((node.kind === 'list' || node.kind === 'leaf-list') && node.orderedBy === 'user') {
          const same = siblings.filter((c) => c.name === a.name && c.ns === a.ns);
          const prev = same[same.indexOf(a) - 1];
          if (!prev) attrs.push(yang('insert', 'first'));
          else if (node.kind === 'leaf-list') attrs.push(yang('insert', 'after'), yang('value', prev.text));
          else attrs.push(yang('insert', 'after'), yang('key', keyPredicate(node, keysOf(node, prev).map((k) => k.text))));
        }
        el = { ...a, attrs };
        if (attrs.length > 1) el.nsDecls = { ...a.nsDecls, [node.prefix]: node.namespace }; // for the key attribute
      }
      const chain = schemaPath(registry, e.ancestors);
      for (let i = e.ancestors.length - 1; i >= 0; i--) el = elem(e.ancestors[i].ns, e.ancestors[i].name, [...keysOf(chain[i], e.ancestors[i]), el]);
      return [el];
    }

    /** Order that carries no meaning (ordered-by system entries and values) made the same on both sides. */
    function normalized(registry: SchemaRegistry, els: readonly XmlElement[], up?: DataNodeSchema): string {
      const keyed = els.map((el, i) => {
        const s = up ? dataChild(up, el.name, el.ns) : registry.topLevel(el.ns, el.name);
        const user = (s?.kind === 'list' || s?.kind === 'leaf-list') && s.orderedBy === 'user';
        const id = s?.kind === 'list' ? keysOf(s, el).map((k) => k.text).join('\u0000') : s?.kind === 'leaf-list' ? el.text : '';
        const inner = s && (s.kind === 'container' || s.kind === 'list') ? `<${el.name}>${normalized(registry, el.children, s)}</${el.name}>` : serialize(el);
        return { sort: `${el.name}\u0001${user ? String(i).padStart(6, '0') : id}`, inner };
      });
      return keyed
        .sort((x, y) => (x.sort < y.sort ? -1 : x.sort > y.sort ? 1 : 0))
        .map((k) => k.inner)
        .join('');
    }

    it('1,000 random edits: each diff redone from the old content gives the new one; structure sharing changes nothing', () => {
      const r = prng(20261125);
      let content: readonly XmlElement[] = [];
      let checked = 0;
      for (let step = 0; step < 1_000; step++) {
        const res = applyEdit(t, content, randomEdit(r, content), MERGE);
        if (res.errors.length) continue;
        const d = diffConfig(t, content, res.content);
        assert.equal(d.length === 0, normalized(t, content) === normalized(t, res.content), `step ${step}: an empty diff exactly when nothing changed`);
        let rebuilt = content;
        for (const e of d) {
          const x = applyEdit(t, rebuilt, asEdit(t, e, res.content), MERGE);
          assert.deepEqual(x.errors, [], `step ${step}: ${e.op} ${e.path}`);
          rebuilt = x.content;
        }
        assert.equal(normalized(t, rebuilt), normalized(t, res.content), `step ${step}: ${brief(d).join(', ')}`);
        // a copy sharing nothing gives the same changes (moves may pick other entries, never more)
        const copy = nodes(res.content.map((e) => serialize(e)).join(''));
        const d2 = diffConfig(t, content, copy);
        assert.deepEqual(new Set(brief(d2.filter((e) => !isMove(e)))), new Set(brief(d.filter((e) => !isMove(e)))), `step ${step}`);
        assert.equal(d2.filter(isMove).length, d.filter(isMove).length, `step ${step}: moves`);
        for (const e of d) assert.equal(e.path.startsWith('/dt:'), true);
        checked++;
        content = res.content;
      }
      assert.ok(checked > 500, `${checked} edits applied`);
    });
    const isMove = (e: DiffEntry): boolean => e.op === 'replace' && (e.schema.kind === 'list' || e.schema.kind === 'leaf-list');
  });
});
