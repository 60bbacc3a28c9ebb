import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseXml, XmlElement } from '../../src/model/xml';
import { SchemaRegistry } from '../../src/yang/registry';
import { AccessibleTree, DataNode, schemaIndex, TreeNode, XPathNode } from '../../src/yang/accessible-tree';
import { evaluateXPath, schemaReach, xpathTrue } from '../../src/yang/xpath';
import { toStringValue } from '../../src/yang/xpath-functions';
import { compileExpression, compileXPath, XPathSyntaxError } from '../../src/yang/xpath-parse';

const XT = 'urn:ncbgp:test:xpath';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';

// A module with a default, a non-presence container, a choice with a
// default case, identities, an enumeration, bits and a leafref.
const MODULE = `module xt {
  yang-version 1.1;
  namespace "${XT}";
  prefix xt;
  identity transport;
  identity tcp { base transport; }
  identity mptcp { base tcp; }
  container top {
    leaf name { type string; }
    leaf count { type uint8; default 5; }
    container np { leaf inner { type string; default "deep"; } }
    container pres { presence "p"; leaf x { type string; default "no"; } }
    list item {
      key "id";
      leaf id { type uint8; }
      leaf weight { type int16; }
      leaf color { type enumeration { enum red { value 3; } enum blue { value 7; } } }
      leaf flags { type bits { bit a; bit b; bit c; } }
      leaf proto { type identityref { base transport; } }
      leaf next { type leafref { path "../../item/id"; } }
      leaf-list tag { type string; }
    }
    choice ch {
      default one;
      case one { leaf first { type string; default "f"; } }
      case two { leaf second { type string; default "s"; } }
    }
  }
}
`;

const DOC = `<data xmlns="${XT}" xmlns:xt="${XT}">
  <top>
    <name>alpha</name>
    <item><id>1</id><weight>10</weight><color>red</color><flags>a c</flags><proto>xt:mptcp</proto><next>2</next><tag>x</tag><tag>y</tag></item>
    <item><id>2</id><weight>-4</weight><color>blue</color><proto>xt:tcp</proto><next>9</next></item>
    <item><id>3</id><weight>30</weight></item>
  </top>
</data>`;

describe('yang/xpath', () => {
  let dir: string;
  let registry: SchemaRegistry;
  let tree: AccessibleTree;
  const ns = new Map([['xt', XT]]);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-xpath-'));
    writeFileSync(path.join(dir, 'xt.yang'), MODULE);
    registry = SchemaRegistry.load(dir);
    assert.deepEqual(registry.diagnostics(), []);
    tree = new AccessibleTree(registry, parseXml(DOC.replace(/>\s+</g, '><')).children);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const evalAt = (expr: string, context?: XPathNode): ReturnType<typeof evaluateXPath> => evaluateXPath(compileExpression(expr, ns), context ?? tree.root, { tree, defaultNs: XT });
  /** The value as a test reads it: node-sets as their string-values. */
  const show = (v: ReturnType<typeof evaluateXPath>): unknown => (Array.isArray(v) ? v.map((n) => toStringValue([n])) : v);
  /** The node that `expr` (absolute) selects first. */
  const node = (expr: string): XPathNode => {
    const v = evalAt(expr);
    assert.ok(Array.isArray(v) && v.length > 0, `${expr} selects nothing`);
    return v[0];
  };

  describe('evaluation (XPath 1.0, RFC 7950 section 10)', () => {
    const cases: [string, unknown][] = [
      // location paths, predicates, unions
      ['/xt:top/xt:name', ['alpha']],
      ['/xt:top/xt:item/xt:id', ['1', '2', '3']],
      ['/xt:top/xt:item[xt:weight > 0]/xt:id', ['1', '3']],
      ["/xt:top/xt:item[xt:color = 'blue']/xt:id", ['2']],
      ['/xt:top/xt:item[2]/xt:id', ['2']],
      ['/xt:top/xt:item[last()]/xt:id', ['3']],
      ['/xt:top/xt:item[position() < 3]/xt:id', ['1', '2']],
      ['/xt:top/xt:item[xt:id = 3]/xt:id | /xt:top/xt:item[xt:id = 1]/xt:id', ['1', '3']],
      ['/xt:top/xt:item[xt:id = 2]/../xt:name', ['alpha']],
      ['//xt:id', ['1', '2', '3']],
      ['count(/xt:top/*)', 7], // name, 3 items, and the implicit count, np and first (default case); no pres
      ['count(/xt:top/xt:item/xt:tag)', 2],
      ['/xt:top/xt:item/descendant::xt:tag', ['x', 'y']],
      ['/xt:top/xt:item[1]/xt:tag[2]/preceding-sibling::xt:tag', ['x']],
      ['count(/xt:top/xt:item[1]/ancestor::*)', 1],
      // defaults and implicit containers (RFC 7950 section 6.4.1)
      ['/xt:top/xt:count', ['5']],
      ['/xt:top/xt:np/xt:inner', ['deep']],
      ['count(/xt:top/xt:pres)', 0],
      ['/xt:top/xt:first', ['f']],
      ['count(/xt:top/xt:second)', 0],
      // comparisons: node-set against number, string, boolean, node-set
      ['/xt:top/xt:item/xt:weight = 30', true],
      ['/xt:top/xt:item/xt:weight != 30', true],
      ['/xt:top/xt:item/xt:weight < -5', false],
      ['/xt:top/xt:item/xt:weight <= -4', true],
      ["/xt:top/xt:item/xt:color = 'red'", true],
      ["/xt:top/xt:item/xt:color = 'green'", false],
      ['/xt:top/xt:nothing = false()', true],
      ['/xt:top/xt:item/xt:next = /xt:top/xt:item/xt:id', true],
      ['/xt:top/xt:item[xt:id = 3]/xt:next = /xt:top/xt:item/xt:id', false],
      ['/xt:top/xt:nothing != 1', false],
      ["'10' = 10.0", true],
      ["'abc' = 'abd'", false],
      ['true() = 1', true],
      // arithmetic
      ['1 + 2 * 3', 7],
      ['7 div 2', 3.5],
      ['7 mod 3', 1],
      ['-7 mod 3', -1],
      ['- - 2', 2],
      ['1 div 0', Infinity],
      ['sum(/xt:top/xt:item/xt:weight)', 36],
      ['number(/xt:top/xt:name)', NaN],
      ['floor(-1.5)', -2],
      ['ceiling(1.2)', 2],
      ['round(2.5)', 3],
      ['round(-2.5)', -2],
      // booleans
      ['not(/xt:top/xt:pres)', true],
      ['boolean(/xt:top/xt:item)', true],
      ["1 = 1 and 'a' = 'b' or 2 > 1", true],
      // strings
      ["concat('a', 1, true())", 'a1true'],
      ["string(1 div 3 > 0)", 'true'],
      ['string(0.5)', '0.5'],
      ['string(-0)', '0'],
      ["starts-with('ncbgp', 'nc')", true],
      ["contains('ncbgp', 'bg')", true],
      ["substring-before('10.0.0.1', '.')", '10'],
      ["substring-after('10.0.0.1', '.')", '0.0.1'],
      ["substring('12345', 2, 3)", '234'],
      ["substring('12345', 1.5, 2.6)", '234'],
      ["substring('12345', 0, 3)", '12'],
      ["string-length('héllo')", 5],
      ["normalize-space('  a   b ')", 'a b'],
      ["translate('bar', 'abc', 'AB')", 'BAr'],
      ['string(/xt:top/xt:item)', '110reda cxt:mptcp2xy'],
      ['name(/xt:top/xt:item[1]/xt:id)', 'xt:id'],
      ['local-name(/xt:top/xt:item[1])', 'item'],
      ['namespace-uri(/xt:top)', XT],
      // YANG functions (RFC 7950 section 10)
      ["re-match('10.1.2.3', '\\d+(\\.\\d+){3}')", true],
      ["re-match('x10', '\\d+')", false],
      ["derived-from(/xt:top/xt:item/xt:proto, 'xt:tcp')", true],
      ["derived-from(/xt:top/xt:item[xt:id = 2]/xt:proto, 'xt:tcp')", false],
      ["derived-from-or-self(/xt:top/xt:item[xt:id = 2]/xt:proto, 'xt:tcp')", true],
      ["derived-from(/xt:top/xt:item/xt:proto, 'transport')", true],
      ['enum-value(/xt:top/xt:item[xt:id = 2]/xt:color)', 7],
      ['enum-value(/xt:top/xt:item[xt:id = 3]/xt:color)', NaN],
      ["bit-is-set(/xt:top/xt:item[1]/xt:flags, 'c')", true],
      ["bit-is-set(/xt:top/xt:item[1]/xt:flags, 'b')", false],
      ['deref(/xt:top/xt:item[1]/xt:next)/../xt:weight', ['-4']],
      ['count(deref(/xt:top/xt:item[2]/xt:next))', 0],
    ];
    for (const [expr, expected] of cases) {
      it(`${expr} -> ${JSON.stringify(expected)}`, () => {
        const v = show(evalAt(expr));
        if (typeof expected === 'number' && Number.isNaN(expected)) assert.ok(Number.isNaN(v));
        else assert.deepEqual(v, expected);
      });
    }

    it('resolves unprefixed names in the default namespace, and current() to the context node', () => {
      const item2 = node('/xt:top/xt:item[xt:id = 2]');
      const ev = { tree, defaultNs: XT };
      assert.deepEqual(show(evaluateXPath(compileExpression('../item[id = current()/next]/weight', ns), node('/xt:top/xt:item[1]/xt:weight'), ev)), []);
      assert.deepEqual(show(evaluateXPath(compileExpression('../../item[id = current()/../next]/weight', ns), node('/xt:top/xt:item[1]/xt:weight'), ev)), ['-4']);
      assert.equal(xpathTrue(compileExpression('weight < 0 and color = "blue"', ns), item2, ev), true);
      // in another default namespace the same names select nothing
      assert.equal(xpathTrue(compileExpression('weight < 0', ns), item2, { tree, defaultNs: BGP }), false);
    });

    it('compiles a constraint once', () => {
      const c = { expression: '../a = 1', namespaces: ns };
      assert.equal(compileXPath(c), compileXPath(c));
    });
  });

  describe('syntax errors found when compiling', () => {
    const bad: [string, RegExp][] = [
      ['', /empty expression/],
      ['foo(1)', /unknown function foo\(\)/],
      ['count()', /count\(\) takes 1 arguments, not 0/],
      ['substring("a")', /takes 2 to 3 arguments/],
      ['/xt:top[', /ends too early|expected/],
      ['bad:name', /unknown prefix "bad"/],
      ['a b', /unexpected text/],
      ['$var', /variables/],
      ["'open", /unterminated string/],
      ['text()', /text\(\) is not available/],
      ['1 +', /ends too early/],
      ['a # b', /unexpected character '#'/],
      ['(1 + 2', /expected '\)'/],
      ['namespace::x', /unsupported axis namespace/],
    ];
    for (const [expr, message] of bad) {
      it(JSON.stringify(expr), () => {
        assert.throws(
          () => compileExpression(expr, ns),
          (e: unknown) => e instanceof XPathSyntaxError && message.test(e.message),
        );
      });
    }
  });

  describe('schemaReach: what an expression reads, on the schema', () => {
    const at = (...names: string[]): DataNode => {
      const ix = schemaIndex(registry);
      let n: DataNode | null = null;
      for (const name of names) {
        const slot = ix.slot(n, XT, name);
        assert.ok(slot, name);
        n = slot.node;
      }
      assert.ok(n);
      return n;
    };
    const reach = (expr: string, context: DataNode | null): string[] | 'anywhere' => {
      const r = schemaReach(compileExpression(expr, ns), context, schemaIndex(registry), XT);
      return r === 'anywhere' ? r : [...r].map((n) => (n === null ? '/' : n.name)).sort();
    };
    const cases: [string, string[], string[] | 'anywhere'][] = [
      ['../weight > 0', ['top', 'item', 'id'], ['item', 'weight']],
      ['current()/../next = ../id', ['top', 'item', 'id'], ['id', 'item', 'next']],
      ['/xt:top/xt:name', ['top', 'item', 'id'], ['name', 'top']],
      ['count(item[weight > 0])', ['top'], ['item', 'weight']],
      ['deref(../next)', ['top', 'item', 'id'], 'anywhere'],
      ['preceding-sibling::*', ['top', 'item', 'id'], 'anywhere'],
      ['.//xt:tag', ['top', 'item'], ['flags', 'color', 'id', 'item', 'next', 'proto', 'tag', 'weight'].sort()],
    ];
    for (const [expr, where, expected] of cases) {
      it(`${expr} at ${where.join('/')}`, () => {
        const names = where.slice(0, -1);
        const context = where.length === 1 ? at(where[0]) : at(...names, where[where.length - 1]);
        assert.deepEqual(reach(expr, context), expected);
      });
    }
  });

  it('finds the runs of a new version of a long child array by comparing it with the last one', () => {
    // a long array of three kinds; each version inserts, deletes or replaces a few elements
    const mk = (name: string): XmlElement => ({ ns: XT, name, attrs: [], children: [], text: '' });
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let children: XmlElement[] = [mk('name'), ...Array.from({ length: 3000 }, () => mk('item')), mk('first')];
    const scan = (els: readonly XmlElement[]): [string, number][] => {
      const out: [string, number][] = [];
      for (const el of els) {
        const last = out[out.length - 1];
        if (last && last[0] === el.name) last[1]++;
        else out.push([el.name, 1]);
      }
      return out;
    };
    for (let v = 0; v < 40; v++) {
      const next = [...children];
      for (let k = rnd(4); k >= 0; k--) {
        const at = rnd(next.length);
        const what = rnd(3);
        if (what === 0) next.splice(at, 0, mk(['item', 'name', 'first'][rnd(3)]));
        else if (what === 1) next.splice(at, 1);
        else next[at] = mk(['item', 'name'][rnd(2)]);
      }
      children = next;
      const t = new AccessibleTree(registry, [{ ns: XT, name: 'top', attrs: [], children, text: '' }]);
      const top = t.named(t.root, XT, 'top')[0];
      assert.deepEqual(
        t.runs(top).map((r): [string, number] => [r.name, r.end - r.start]),
        scan(children),
        `version ${v}`,
      );
      assert.equal(t.count(top, XT, 'item'), children.filter((c) => c.name === 'item').length);
    }
  });

  it('finds children by name and counts them among 10,000 siblings', () => {
    const big: XmlElement[] = [parseXml(`<top xmlns="${XT}"><name>n</name>${'<item><id>1</id></item>'.repeat(10000)}</top>`)].map((t) => ({ ...t, parent: undefined }));
    const t = new AccessibleTree(registry, big);
    const top = t.named(t.root, XT, 'top')[0];
    assert.equal(t.count(top, XT, 'item'), 10000);
    assert.deepEqual(
      t.named(top, XT, 'name').map((n) => n.el.text),
      ['n'],
    );
  });

  it('makes its nodes with `new` (TreeNode), never as object literals, which V8 may pretenure', () => {
    const top = tree.named(tree.root, XT, 'top')[0];
    const made = [tree.root, top, ...tree.children(top), ...tree.elementChildren(top)];
    for (const n of made) assert.ok(n instanceof TreeNode, n.el.name);
  });
});
