// XPath 1.0 (W3C Recommendation, 1999) evaluation for YANG "when" and "must"
// expressions (RFC 7950 section 6.4), over the accessible tree of section
// 6.4.1 (accessible-tree.ts).
//
// An expression is compiled once (xpath-parse.ts) and evaluated here against
// a context node: operators and comparisons (XPath section 3), location paths
// and axes (section 2), functions from xpath-functions.ts. Also here: the
// nodes an instance-identifier selects (RFC 7950 section 9.13), and what an
// expression can read, found on the schema.
import type { XmlElement } from '../model/xml';
import { documentOrder, stringValue } from './accessible-tree';
import type { AccessibleTree, DataNode, SchemaIndex, XPathNode } from './accessible-tree';
import { call, isNodeSet, nodeSet, stringToNumber, toBoolean, toNumber } from './xpath-functions';
import type { Ctx, Env, Evaluation, XPathValue } from './xpath-functions';
import { compileExpression } from './xpath-parse';
import type { Axis, CompiledXPath, Expr, NodeTest, Step } from './xpath-parse';

// ---------------------------------------------------------------------------
// Evaluation (XPath sections 2, 3)

/** Evaluates an expression with `context` as context node and current() (RFC 7950 section 6.4.1). */
export function evaluateXPath(x: CompiledXPath, context: XPathNode, ev: Evaluation): XPathValue {
  // fields named, not spread: a spread of `ev` cost more than the evaluation of a simple `when`
  const env: Env = { tree: ev.tree, defaultNs: ev.defaultNs, current: context, namespaces: x.namespaces, evaluate, instanceTargets };
  return evaluate(x.expr, { node: context, pos: 1, size: 1 }, env);
}

/** boolean() of the result: how `when` and `must` are read. */
export function xpathTrue(x: CompiledXPath, context: XPathNode, ev: Evaluation): boolean {
  return toBoolean(evaluateXPath(x, context, ev));
}

function evaluate(e: Expr, ctx: Ctx, env: Env): XPathValue {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'str':
      return e.v;
    case 'neg':
      return -toNumber(evaluate(e.a, ctx, env));
    case 'call':
      return call(e.fn, e.args, ctx, env);
    case 'path':
      return evaluatePath(e, ctx, env);
    case 'bin':
      break;
  }
  switch (e.op) {
    case 'or':
      return toBoolean(evaluate(e.a, ctx, env)) || toBoolean(evaluate(e.b, ctx, env));
    case 'and':
      return toBoolean(evaluate(e.a, ctx, env)) && toBoolean(evaluate(e.b, ctx, env));
    case '|': {
      const a = nodeSet(evaluate(e.a, ctx, env), "'|'");
      const b = nodeSet(evaluate(e.b, ctx, env), "'|'");
      const seen = new Set(a.map((n) => n.el));
      return documentOrder(env.tree, [...a, ...b.filter((n) => !seen.has(n.el))]);
    }
    case '+':
    case '-':
    case '*':
    case 'div':
    case 'mod': {
      const a = toNumber(evaluate(e.a, ctx, env));
      const b = toNumber(evaluate(e.b, ctx, env));
      return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : e.op === 'div' ? a / b : a % b;
    }
    default:
      return compare(e.op, evaluate(e.a, ctx, env), evaluate(e.b, ctx, env));
  }
}

type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
const FLIP: Record<CmpOp, CmpOp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function compareAtoms(op: CmpOp, a: string | number | boolean, b: string | number | boolean): boolean {
  if (op === '=' || op === '!=') {
    let eq: boolean;
    if (typeof a === 'boolean' || typeof b === 'boolean') eq = toBoolean(a) === toBoolean(b);
    else if (typeof a === 'number' || typeof b === 'number') eq = toNumber(a) === toNumber(b);
    else eq = a === b;
    return op === '=' ? eq : !eq;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/** XPath section 3.4: a node-set compares true when some member does. */
function compare(op: CmpOp, a: XPathValue, b: XPathValue): boolean {
  if (isNodeSet(a) && isNodeSet(b)) {
    const bs = b.map((n) => stringValue(n.el));
    if (op === '=' || op === '!=') return a.some((n) => bs.some((s) => compareAtoms(op, stringValue(n.el), s)));
    const bn = bs.map(stringToNumber);
    return a.some((n) => bn.some((y) => compareAtoms(op, stringToNumber(stringValue(n.el)), y)));
  }
  if (isNodeSet(b)) return compare(FLIP[op], b, a);
  if (isNodeSet(a)) {
    if (typeof b === 'boolean') return compareAtoms(op, a.length > 0, b);
    if (typeof b === 'number') return a.some((n) => compareAtoms(op, stringToNumber(stringValue(n.el)), b));
    return a.some((n) => compareAtoms(op, stringValue(n.el), b));
  }
  return compareAtoms(op, a, b);
}

function evaluatePath(e: Expr & { k: 'path' }, ctx: Ctx, env: Env): XPathValue {
  let nodes: XPathNode[];
  if (e.from === 'root') nodes = [env.tree.root];
  else if (e.from === 'context') nodes = [ctx.node];
  else {
    const v = evaluate(e.from, ctx, env);
    if (!e.filter.length && !e.steps.length) return v;
    nodes = nodeSet(v, 'a path step');
    for (const p of e.filter) nodes = applyPredicate(nodes, p, env);
  }
  for (const step of e.steps) {
    if (nodes.length === 1 && (step.axis === 'child' || step.axis === 'parent' || step.axis === 'self')) {
      // one node's children (or parent, or self) are distinct and in document order already
      nodes = candidates(step, nodes[0], env);
      continue;
    }
    const next: XPathNode[] = [];
    const seen = new Set<XmlElement>();
    for (const n of nodes) {
      const cands = candidates(step, n, env);
      for (const c of cands) {
        if (seen.has(c.el)) continue;
        seen.add(c.el);
        next.push(c);
      }
    }
    nodes = nodes.length > 1 && step.axis !== 'child' && step.axis !== 'parent' && step.axis !== 'self' && step.axis !== 'attribute' ? documentOrder(env.tree, next) : next;
  }
  return nodes;
}

/** The nodes a step selects from one node, its predicates applied. */
function candidates(step: Step, n: XPathNode, env: Env): XPathNode[] {
  let cands = step.axis === 'child' && step.test.kind === 'name' ? namedChildren(n, step.test.ns ?? env.defaultNs, step.test.local, env.tree) : axis(step.axis, n, env.tree).filter((c) => matches(step.test, c, env));
  for (const p of step.preds) cands = applyPredicate(cands, p, env);
  return cands;
}

/** Children with one name: the elements, or the implicit instances of that schema node. */
function namedChildren(n: XPathNode, ns: string, name: string, tree: AccessibleTree): XPathNode[] {
  const real = tree.named(n, ns, name);
  if (real.length) return real;
  const slot = tree.table(n).get(ns, name);
  return slot ? tree.implicit(n, slot) : [];
}

function applyPredicate(nodes: XPathNode[], p: Expr, env: Env): XPathNode[] {
  const size = nodes.length;
  return nodes.filter((node, i) => {
    const v = evaluate(p, { node, pos: i + 1, size }, env);
    return typeof v === 'number' ? v === i + 1 : toBoolean(v);
  });
}

function matches(test: NodeTest, n: XPathNode, env: Env): boolean {
  if (!n.parent) return test.kind === 'node';
  if (test.kind === 'node') return true;
  if (test.kind === 'wildcard') return test.ns === undefined || n.el.ns === test.ns;
  return n.el.name === test.local && n.el.ns === (test.ns ?? env.defaultNs);
}

function axis(a: Axis, n: XPathNode, tree: AccessibleTree): XPathNode[] {
  switch (a) {
    case 'child':
      return tree.children(n);
    case 'parent':
      return n.parent ? [n.parent] : [];
    case 'self':
      return [n];
    case 'attribute':
      return []; // YANG data nodes are elements only
    case 'ancestor':
    case 'ancestor-or-self': {
      const out: XPathNode[] = a === 'ancestor-or-self' ? [n] : [];
      for (let x = n.parent; x; x = x.parent) out.push(x);
      return out; // reverse axis: nearest first, as positions count
    }
    case 'descendant':
    case 'descendant-or-self': {
      const out: XPathNode[] = a === 'descendant-or-self' ? [n] : [];
      const walk = (x: XPathNode): void => {
        for (const c of tree.children(x)) {
          out.push(c);
          walk(c);
        }
      };
      walk(n);
      return out;
    }
    case 'following-sibling':
    case 'preceding-sibling': {
      if (!n.parent) return [];
      const sibs = tree.children(n.parent);
      const i = sibs.findIndex((s) => s.el === n.el);
      return a === 'following-sibling' ? sibs.slice(i + 1) : sibs.slice(0, i).reverse();
    }
  }
}

/** The nodes an instance-identifier value selects; its prefixes are the ones declared where it stands. */
export function instanceTargets(n: XPathNode, value: string, tree: AccessibleTree): XPathNode[] {
  const namespaces = new Map<string, string>();
  for (let x: XPathNode | undefined = n; x; x = x.parent) for (const [p, uri] of Object.entries(x.el.nsDecls ?? {})) if (!namespaces.has(p)) namespaces.set(p, uri);
  let x: CompiledXPath;
  try {
    x = compileExpression(value, namespaces);
  } catch {
    return [];
  }
  const v = evaluateXPath(x, tree.root, { tree, defaultNs: n.schema?.namespace ?? '' });
  return isNodeSet(v) ? v : [];
}

// ---------------------------------------------------------------------------
// What an expression can read, found on the schema

/**
 * The schema nodes an expression may read when evaluated at an instance of
 * `context` (null: the root), walking its location paths over the schema;
 * 'anywhere' when that cannot be known (deref(), ancestor and sibling axes).
 */
export function schemaReach(x: CompiledXPath, context: DataNode | null, index: SchemaIndex, defaultNs: string): Set<DataNode | null> | 'anywhere' {
  const read = new Set<DataNode | null>();
  let anywhere = false;
  type Pos = DataNode | null;
  const children = (p: Pos): DataNode[] => (p === null || p.kind === 'container' || p.kind === 'list' ? index.table(p).slots.map((s) => s.node) : []);
  const descendants = (p: Pos, out: Set<Pos>): void => {
    for (const c of children(p)) {
      out.add(c);
      descendants(c, out);
    }
  };
  const stepFrom = (p: Pos, step: Step): Pos[] => {
    const out = new Set<Pos>();
    switch (step.axis) {
      case 'child':
        for (const c of children(p)) if (testMatches(step.test, c)) out.add(c);
        break;
      case 'parent':
        if (p !== null) {
          const up = index.parent(p);
          if (up !== undefined) out.add(up);
        }
        break;
      case 'self':
        out.add(p);
        break;
      case 'attribute':
        break;
      case 'descendant':
      case 'descendant-or-self':
        if (step.axis === 'descendant-or-self') out.add(p);
        descendants(p, out);
        break;
      default:
        anywhere = true;
    }
    return [...out];
  };
  const testMatches = (test: NodeTest, n: DataNode): boolean => {
    if (test.kind === 'node') return true;
    if (test.kind === 'wildcard') return test.ns === undefined || test.ns === n.namespace;
    return n.name === test.local && n.namespace === (test.ns ?? defaultNs);
  };
  const visit = (e: Expr, at: readonly Pos[]): Pos[] => {
    switch (e.k) {
      case 'num':
      case 'str':
        return [];
      case 'neg':
        visit(e.a, at);
        return [];
      case 'bin': {
        const a = visit(e.a, at);
        const b = visit(e.b, at);
        return e.op === '|' ? [...a, ...b] : [];
      }
      case 'call':
        if (e.fn === 'deref') anywhere = true;
        if (e.fn === 'current') {
          read.add(context);
          return [context];
        }
        for (const a of e.args) visit(a, at);
        return [];
      case 'path': {
        let nodes: Pos[] = e.from === 'root' ? [null] : e.from === 'context' ? [...at] : visit(e.from, at);
        for (const p of e.filter) visit(p, nodes);
        for (const step of e.steps) {
          const next = new Set<Pos>();
          for (const p of nodes) for (const q of stepFrom(p, step)) next.add(q);
          nodes = [...next];
          for (const q of nodes) read.add(q);
          for (const p of step.preds) visit(p, nodes);
        }
        return nodes;
      }
    }
  };
  visit(x.expr, [context]);
  return anywhere ? 'anywhere' : read;
}
