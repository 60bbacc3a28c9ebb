import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { diffConfig } from '../../src/datastore/diff';
import { applyEdit, EditOptions } from '../../src/datastore/edit';
import { MAX_ERRORS, validateConfig } from '../../src/datastore/validate';
import { NetconfRpcError } from '../../src/model/rpc-error';
import { elem, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { SchemaRegistry } from '../../src/yang/registry';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const VT = 'urn:ncbgp:test:vt';
const MERGE: EditOptions = { defaultOperation: 'merge', errorOption: 'rollback-on-error' };

/** The children of an XML fragment (prefixes nc and vt declared around it), whitespace between elements dropped. */
const nodes = (xml: string): XmlElement[] => parseXml(`<x xmlns:nc="${NC}" xmlns:vt="${VT}">${xml.replace(/>\s+</g, '><').trim()}</x>`).children;

/** What a client sees of an error. */
interface Seen {
  tag: string;
  appTag?: string;
  path: string;
  info?: Record<string, unknown>;
  message?: string;
}
const seen = (e: NetconfRpcError, withMessage = false): Seen => {
  const s: Seen = { tag: e.tag, path: e.path ?? '' };
  assert.equal(e.type, 'application');
  if (e.appTag !== undefined) s.appTag = e.appTag;
  if (e.info !== undefined) s.info = { ...e.info };
  if (withMessage) s.message = e.message;
  return s;
};

// A valid ncbgp-bgp configuration; the cases below change one thing in it.
const BASE = `
<bgp xmlns="${BGP}">
  <local-as>65001</local-as>
  <router-id>192.0.2.1</router-id>
  <peer-group><name>core</name><type>internal</type></peer-group>
  <peer><address>10.0.0.1</address><remote-as>65001</remote-as><group>core</group><mvpn><import-policy>pol</import-policy></mvpn></peer>
  <peer><address>10.0.0.2</address><remote-as>65002</remote-as></peer>
  <policy><name>pol</name><term><name>t1</name><action>accept</action></term></policy>
  <mvpn-route><name>r1</name><route-type>intra-as-i-pmsi-ad</route-type><route-distinguisher>65001:1</route-distinguisher><originating-router>192.0.2.1</originating-router></mvpn-route>
  <mvpn-route><name>r2</name><route-type>leaf-ad</route-type><originating-router>192.0.2.1</originating-router>
    <route-key><route-type>s-pmsi-ad</route-type><route-distinguisher>65001:2</route-distinguisher><originating-router>192.0.2.9</originating-router><multicast-source>*</multicast-source><multicast-group>232.1.1.1</multicast-group></route-key></mvpn-route>
</bgp>`;

const P1 = "/bgp:bgp/bgp:peer[bgp:address='10.0.0.1']";
const R1 = "/bgp:bgp/bgp:mvpn-route[bgp:name='r1']";
const R2 = "/bgp:bgp/bgp:mvpn-route[bgp:name='r2']";

// A test module for what ncbgp-bgp does not use: unique, min/max-elements,
// a mandatory choice, a must with an absolute path, a must on a container
// reading list entries, a leafref inside a nested list, a `when` with an
// absolute path, a top-level leaf with a must.
const VT_MODULE = `module vt {
  yang-version 1.1;
  namespace "${VT}";
  prefix vt;
  container top {
    leaf mode { type enumeration { enum a; enum b; } default a; }
    leaf limit { type uint8; default 3; }
    list item {
      key "id";
      unique "port";
      max-elements 4;
      must "count(../item) <= ../limit" { error-message "more items than the limit"; error-app-tag "over-limit"; }
      leaf id { type uint8; }
      leaf port { type uint16; }
      leaf ref { type leafref { path "/vt:top/vt:group/vt:name"; } }
      leaf extra { when "/vt:top/vt:mode = 'b'"; type string; }
      leaf kind { type enumeration { enum x; enum y; } default y; }
      leaf x-only { when "../kind = 'x'"; mandatory true; type string; }
      leaf-list tag { type string; max-elements 2; }
      list sub {
        key "n";
        leaf n { type uint8; }
        leaf port-ref { type leafref { path "../../port"; } }
      }
    }
    list group {
      key "name";
      min-elements 1;
      must "count(member) < 3" { error-message "a group has at most two members"; }
      leaf name { type string; }
      leaf-list member { type leafref { path "../../item/id"; } }
    }
    choice ch {
      mandatory true;
      leaf c1 { type string; }
      container c2 { presence "c2"; leaf v { type string; mandatory true; } }
    }
    container dn {
      must "not(../item[port = 7])" { error-message "port 7 is reserved"; }
      leaf z { type string; }
    }
  }
  leaf flag { type boolean; must ". = 'false' or /vt:top/vt:item" { error-message "flag needs an item"; } }
}
`;

const VT_BASE = `<top xmlns="${VT}"><group><name>g0</name></group><c1>on</c1></top>`;
const T = '/vt:top';

describe('datastore/validate', function () {
  let registry: SchemaRegistry;
  let vt: SchemaRegistry;
  let dir: string;

  before(() => {
    registry = SchemaRegistry.load();
    dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-validate-'));
    writeFileSync(path.join(dir, 'vt.yang'), VT_MODULE);
    vt = SchemaRegistry.load(dir);
    assert.deepEqual(vt.diagnostics(), []);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Full validation, then incremental validation of the same content against BASE: the verdicts agree. */
  function check(schema: SchemaRegistry, base: string, content: string): NetconfRpcError[] {
    const before = nodes(base);
    const after = nodes(content);
    const full = validateConfig(schema, after);
    assert.deepEqual(validateConfig(schema, before), [], 'the base is valid');
    const incremental = validateConfig(schema, after, diffConfig(schema, before, after));
    assert.deepEqual(
      incremental.map((e) => seen(e, true)),
      full.map((e) => seen(e, true)),
      'incremental and full validation agree',
    );
    return full;
  }

  describe('ncbgp-bgp', () => {
    it('accepts a valid configuration, and an empty one', () => {
      assert.deepEqual(validateConfig(registry, nodes(BASE)), []);
      assert.deepEqual(validateConfig(registry, []), []);
    });

    const cases: { name: string; from: string; to: string; errors: Seen[] }[] = [
      {
        name: 'a mandatory leaf missing: missing-element at its path (RFC 6241 Appendix A)',
        from: '<router-id>192.0.2.1</router-id>',
        to: '',
        errors: [{ tag: 'missing-element', path: '/bgp:bgp/bgp:router-id', info: { badElement: 'router-id' } }],
      },
      {
        name: 'a leafref to no peer-group: data-missing, instance-required (RFC 7950 section 15.5)',
        from: '<group>core</group>',
        to: '<group>edge</group>',
        errors: [{ tag: 'data-missing', appTag: 'instance-required', path: `${P1}/bgp:group` }],
      },
      {
        name: 'the referred peer-group deleted',
        from: '<peer-group><name>core</name><type>internal</type></peer-group>',
        to: '',
        errors: [{ tag: 'data-missing', appTag: 'instance-required', path: `${P1}/bgp:group` }],
      },
      {
        name: 'the referred policy renamed',
        from: '<policy><name>pol</name>',
        to: '<policy><name>pol2</name>',
        errors: [{ tag: 'data-missing', appTag: 'instance-required', path: `${P1}/bgp:mvpn/bgp:import-policy` }],
      },
      {
        name: 'a mandatory leaf of a list entry',
        from: '<term><name>t1</name><action>accept</action></term>',
        to: '<term><name>t1</name></term>',
        errors: [{ tag: 'missing-element', path: "/bgp:bgp/bgp:policy[bgp:name='pol']/bgp:term[bgp:name='t1']/bgp:action", info: { badElement: 'action' } }],
      },
      {
        name: 'a node present whose when is false: unknown-element (RFC 7950 section 8.3.2)',
        from: '<route-type>leaf-ad</route-type><originating-router>192.0.2.1</originating-router>',
        to: '<route-type>leaf-ad</route-type><route-distinguisher>65001:3</route-distinguisher><originating-router>192.0.2.1</originating-router>',
        errors: [{ tag: 'unknown-element', path: `${R2}/bgp:route-distinguisher`, info: { badElement: 'route-distinguisher' } }],
      },
      {
        name: 'a mandatory leaf whose when became true',
        from: '<route-type>intra-as-i-pmsi-ad</route-type>',
        to: '<route-type>inter-as-i-pmsi-ad</route-type>',
        errors: [
          { tag: 'unknown-element', path: `${R1}/bgp:originating-router`, info: { badElement: 'originating-router' } },
          { tag: 'missing-element', path: `${R1}/bgp:source-as`, info: { badElement: 'source-as' } },
        ],
      },
      {
        name: "a non-presence container's mandatory leaves, required when its when holds",
        from: '<route-key><route-type>s-pmsi-ad</route-type><route-distinguisher>65001:2</route-distinguisher><originating-router>192.0.2.9</originating-router><multicast-source>*</multicast-source><multicast-group>232.1.1.1</multicast-group></route-key>',
        to: '',
        errors: [
          { tag: 'missing-element', path: `${R2}/bgp:route-key/bgp:route-type`, info: { badElement: 'route-type' } },
          { tag: 'missing-element', path: `${R2}/bgp:route-key/bgp:route-distinguisher`, info: { badElement: 'route-distinguisher' } },
        ],
      },
      {
        name: 'a must with error-message (RFC 7950 section 15.4)',
        from: '<originating-router>192.0.2.1</originating-router></mvpn-route>',
        to: '<originating-router>192.0.2.1</originating-router></mvpn-route><mvpn-route><name>r3</name><route-type>source-active-ad</route-type><route-distinguisher>1:1</route-distinguisher><multicast-source>*</multicast-source><multicast-group>232.0.0.1</multicast-group></mvpn-route>',
        errors: [{ tag: 'operation-failed', appTag: 'must-violation', path: "/bgp:bgp/bgp:mvpn-route[bgp:name='r3']/bgp:multicast-source" }],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        assert.ok(BASE.includes(c.from), 'the case applies to BASE');
        const errors = check(registry, BASE, BASE.replace(c.from, c.to));
        assert.deepEqual(
          errors.map((e) => seen(e)),
          c.errors,
        );
      });
    }

    it("a must's error-message is the error-message", () => {
      const route = '<mvpn-route><name>r4</name><route-type>source-active-ad</route-type><route-distinguisher>1:1</route-distinguisher><multicast-source>10.1.1.1</multicast-source><multicast-group>*</multicast-group></mvpn-route>';
      const errors = validateConfig(registry, nodes(BASE.replace('</bgp>', `${route}</bgp>`)));
      assert.deepEqual(
        errors.map((e) => [e.path, e.message]),
        [["/bgp:bgp/bgp:mvpn-route[bgp:name='r4']/bgp:multicast-group", 'A wildcard group is only allowed in an S-PMSI A-D route.']],
      );
    });

    it('re-checks values against their types in full mode (content from outside)', () => {
      const errors = validateConfig(registry, nodes(BASE.replace('<remote-as>65002</remote-as>', '<remote-as>x</remote-as><color>blue</color>')));
      assert.deepEqual(
        errors.map((e) => seen(e)),
        [
          { tag: 'invalid-value', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.2']/bgp:remote-as" },
          { tag: 'unknown-element', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.2']/bgp:color", info: { badElement: 'color' } },
        ],
      );
    });

    it(`returns every violation in document order, at most ${MAX_ERRORS}`, () => {
      const peers = Array.from({ length: 150 }, (_, i) => `<peer><address>10.1.0.${i}</address><group>g${i}</group></peer>`).join('');
      const errors = validateConfig(registry, nodes(`<bgp xmlns="${BGP}"><local-as>1</local-as>${peers}</bgp>`));
      assert.equal(errors.length, MAX_ERRORS);
      assert.deepEqual(seen(errors[0]), { tag: 'missing-element', path: '/bgp:bgp/bgp:router-id', info: { badElement: 'router-id' } });
      assert.deepEqual(
        errors.slice(1, 4).map((e) => e.path),
        [0, 1, 2].map((i) => `/bgp:bgp/bgp:peer[bgp:address='10.1.0.${i}']/bgp:group`),
      );
      assert.equal(errors[99].path, "/bgp:bgp/bgp:peer[bgp:address='10.1.0.98']/bgp:group");
    });
  });

  describe('unique, min/max-elements, choice, must and when across the tree (test module)', () => {
    const item = (id: number, inner = ''): string => `<item><id>${id}</id>${inner}</item>`;
    const top = (inner: string, rest = '<group><name>g0</name></group><c1>on</c1>'): string => `<top xmlns="${VT}">${inner}${rest}</top>`;

    const cases: { name: string; content: string; errors: Seen[] }[] = [
      {
        name: 'unique: data-not-unique at the later entry (RFC 7950 section 15.1)',
        content: top(item(1, '<port>80</port>') + item(2, '<port>81</port>') + item(3, '<port>80</port>')),
        errors: [
          {
            tag: 'operation-failed',
            appTag: 'data-not-unique',
            path: `${T}/vt:item[vt:id='3']`,
            info: { nonUnique: [{ path: `${T}/vt:item[vt:id='3']/vt:port`, pathNamespaces: { vt: VT } }] },
          },
        ],
      },
      {
        name: 'unique ignores entries without the leaf',
        content: top(item(1) + item(2)),
        errors: [],
      },
      {
        name: 'max-elements: too-many-elements at the list (RFC 7950 section 15.2), and a must with an absolute count',
        content: top('<limit>9</limit>' + [1, 2, 3, 4, 5].map((i) => item(i)).join('')),
        errors: [{ tag: 'operation-failed', appTag: 'too-many-elements', path: `${T}/vt:item` }],
      },
      {
        name: 'min-elements: too-few-elements at the list (RFC 7950 section 15.3)',
        content: top('', '<c1>on</c1>'),
        errors: [{ tag: 'operation-failed', appTag: 'too-few-elements', path: `${T}/vt:group` }],
      },
      {
        name: 'a leaf-list over max-elements',
        content: top(item(1, '<tag>a</tag><tag>b</tag><tag>c</tag>')),
        errors: [{ tag: 'operation-failed', appTag: 'too-many-elements', path: `${T}/vt:item[vt:id='1']/vt:tag` }],
      },
      {
        name: "a must reading the parent's leaf (default 3) with its own error-app-tag",
        content: top([1, 2, 3, 4].map((i) => item(i)).join('')),
        errors: [1, 2, 3, 4].map((i) => ({ tag: 'operation-failed', appTag: 'over-limit', path: `${T}/vt:item[vt:id='${i}']` })),
      },
      {
        name: 'a mandatory choice with no case: data-missing, missing-choice (RFC 7950 section 15.6)',
        content: top('', '<group><name>g0</name></group>'),
        errors: [{ tag: 'data-missing', appTag: 'missing-choice', path: T, info: { missingChoice: 'ch' } }],
      },
      {
        name: 'a presence container in a case with its mandatory leaf missing',
        content: top('', '<group><name>g0</name></group><c2/>'),
        errors: [{ tag: 'missing-element', path: `${T}/vt:c2/vt:v`, info: { badElement: 'v' } }],
      },
      {
        name: 'two cases of one choice: bad-element',
        content: top('', '<group><name>g0</name></group><c1>on</c1><c2><v>1</v></c2>'),
        errors: [{ tag: 'bad-element', path: `${T}/vt:c2`, info: { badElement: 'c2' } }],
      },
      {
        name: 'a must on an absent non-presence container is evaluated (RFC 7950 sections 6.4.1, 7.5.3)',
        content: top(item(1, '<port>7</port>')),
        errors: [{ tag: 'operation-failed', appTag: 'must-violation', path: `${T}/vt:dn` }],
      },
      {
        name: 'a when with an absolute path',
        content: top(item(1, '<extra>e</extra>')),
        errors: [{ tag: 'unknown-element', path: `${T}/vt:item[vt:id='1']/vt:extra`, info: { badElement: 'extra' } }],
      },
      {
        name: 'a mandatory leaf under a when that holds',
        content: top(item(1, '<kind>x</kind>')),
        errors: [{ tag: 'missing-element', path: `${T}/vt:item[vt:id='1']/vt:x-only`, info: { badElement: 'x-only' } }],
      },
      {
        name: 'leafrefs: absolute, relative to the entry, and in a leaf-list',
        content: top(item(1, '<port>5</port><ref>g9</ref><sub><n>0</n><port-ref>6</port-ref></sub><sub><n>1</n><port-ref>5</port-ref></sub>'), '<group><name>g0</name><member>1</member><member>2</member></group><c1>on</c1>'),
        errors: [
          { tag: 'data-missing', appTag: 'instance-required', path: `${T}/vt:item[vt:id='1']/vt:ref` },
          { tag: 'data-missing', appTag: 'instance-required', path: `${T}/vt:item[vt:id='1']/vt:sub[vt:n='0']/vt:port-ref` },
          { tag: 'data-missing', appTag: 'instance-required', path: `${T}/vt:group[vt:name='g0']/vt:member[.='2']` },
        ],
      },
      {
        name: 'a top-level leaf with a must reading another top-level node',
        content: top('') + `<flag xmlns="${VT}">true</flag>`,
        errors: [{ tag: 'operation-failed', appTag: 'must-violation', path: '/vt:flag' }],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const errors = check(vt, VT_BASE, c.content);
        assert.deepEqual(
          errors.map((e) => seen(e)),
          c.errors,
        );
      });
    }

    it('names the non-unique leaves in error-info, as instance-identifiers with their namespaces (RFC 7950 section 15.1)', () => {
      const [error] = check(vt, VT_BASE, top(item(1, '<port>80</port>') + item(3, '<port>80</port>')));
      const info = serialize(error.toElement()).replace(/.*<error-info>|<\/error-info>.*/g, '');
      assert.equal(info, `<non-unique xmlns="urn:ietf:params:xml:ns:yang:1" xmlns:vt="${VT}">${T}/vt:item[vt:id='3']/vt:port</non-unique>`);
    });
  });

  describe('incremental mode', () => {
    it('gives the full verdict for random edits (property test)', () => {
      // a small deterministic generator (xorshift)
      let seed = 0x2545f491;
      const rnd = (n: number): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
      };
      const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)];
      const some = (xs: readonly string[]): string => xs.filter(() => rnd(2) === 0).join('');
      const op = (): string => pick(['merge', 'merge', 'replace', 'create', 'remove']);
      const edits: (() => string)[] = [
        () => {
          const id = rnd(6);
          const body = some([`<port>${pick([1, 2, 3, 7])}</port>`, `<ref>${pick(['g0', 'g1', 'g2'])}</ref>`, `<kind>${pick(['x', 'y'])}</kind>`, '<x-only>v</x-only>', '<extra>e</extra>', '<tag>t1</tag>', '<tag>t2</tag>', '<tag>t3</tag>', `<sub><n>${rnd(3)}</n><port-ref>${pick([1, 2, 3])}</port-ref></sub>`]);
          return `<item nc:operation="${op()}"><id>${id}</id>${body}</item>`;
        },
        () => `<item nc:operation="remove"><id>${rnd(6)}</id></item>`,
        () => `<item><id>${rnd(6)}</id><${pick(['port', 'x-only', 'kind', 'ref', 'extra'])} nc:operation="remove"/></item>`,
        () => `<group nc:operation="${op()}"><name>${pick(['g0', 'g1', 'g2'])}</name>${some(['<member>0</member>', '<member>1</member>', '<member>2</member>', '<member>3</member>'])}</group>`,
        () => `<group nc:operation="remove"><name>${pick(['g0', 'g1', 'g2'])}</name></group>`,
        () => `<mode>${pick(['a', 'b'])}</mode>`,
        () => `<limit nc:operation="${pick(['merge', 'remove'])}">${pick([2, 3, 4, 5])}</limit>`,
        () => pick(['<c1>on</c1>', '<c2><v>1</v></c2>', '<c2/>', '<c1 nc:operation="remove"/>']),
        () => `<dn><z>${rnd(3)}</z></dn>`,
      ];
      let state = nodes(VT_BASE);
      let accepted = 0;
      let rejected = 0;
      for (let step = 0; step < 1500; step++) {
        const edit = rnd(8) === 0 ? `<flag xmlns="${VT}" nc:operation="${pick(['merge', 'remove'])}">${pick(['true', 'false'])}</flag>` : `<top xmlns="${VT}">${pick(edits)()}</top>`;
        const r = applyEdit(vt, state, nodes(edit), MERGE);
        if (r.errors.length) continue;
        const full = validateConfig(vt, r.content);
        const incremental = validateConfig(vt, r.content, diffConfig(vt, state, r.content));
        assert.deepEqual(
          incremental.map((e) => seen(e, true)),
          full.map((e) => seen(e, true)),
          `step ${step}: ${edit}`,
        );
        if (full.length === 0) {
          state = r.content;
          accepted++;
        } else {
          rejected++;
        }
      }
      // the walk went somewhere: both verdicts occurred many times
      assert.ok(accepted > 200 && rejected > 200, `accepted ${accepted}, rejected ${rejected}`);
    });

    it('finds a leafref broken by deleting its target, and nothing when no change was made', () => {
      const before = nodes(BASE);
      const r = applyEdit(registry, before, nodes(`<bgp xmlns="${BGP}"><peer-group nc:operation="delete"><name>core</name></peer-group></bgp>`), MERGE);
      assert.deepEqual(r.errors, []);
      const errors = validateConfig(registry, r.content, diffConfig(registry, before, r.content));
      assert.deepEqual(
        errors.map((e) => seen(e)),
        [{ tag: 'data-missing', appTag: 'instance-required', path: `${P1}/bgp:group` }],
      );
      assert.deepEqual(validateConfig(registry, before, []), []);
    });
  });

  describe('10,000 peers', () => {
    const addr = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const peer = (i: number): XmlElement => elem(BGP, 'peer', [elem(BGP, 'address', addr(i)), elem(BGP, 'remote-as', 65000 + (i % 100)), elem(BGP, 'group', 'core'), elem(BGP, 'mvpn', [elem(BGP, 'import-policy', 'pol')])]);
    const N = 10_000;
    const content = (): XmlElement[] => [
      elem(BGP, 'bgp', [elem(BGP, 'local-as', 65001), elem(BGP, 'router-id', '192.0.2.1'), elem(BGP, 'peer-group', [elem(BGP, 'name', 'core')]), ...Array.from({ length: N }, (_, i) => peer(i)), elem(BGP, 'policy', [elem(BGP, 'name', 'pol')])]),
    ];

    it('validate in full, then peer by peer incrementally (their speed: npm run bench -- config)', () => {
      const base = content();
      assert.deepEqual(validateConfig(registry, base), []);
      let state = base;
      for (let k = 0; k < 300; k++) {
        const r = applyEdit(registry, state, [elem(BGP, 'bgp', [peer(N + k)])], MERGE);
        assert.deepEqual(validateConfig(registry, r.content, diffConfig(registry, state, r.content)), []);
        state = r.content;
      }
      // an added peer with a group that does not exist is found incrementally
      const bad = applyEdit(registry, state, [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', '10.200.0.1'), elem(BGP, 'group', 'none')])])], MERGE);
      assert.deepEqual(
        validateConfig(registry, bad.content, diffConfig(registry, state, bad.content)).map((e) => e.path),
        ["/bgp:bgp/bgp:peer[bgp:address='10.200.0.1']/bgp:group"],
      );
    });
  });
});
