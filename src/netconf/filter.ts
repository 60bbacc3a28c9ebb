// NETCONF filters: the one model of <filter> that <get>, <get-config> (RFC
// 6241 sections 6 and 8.9) and <create-subscription> (RFC 5277 section 3.6)
// read, and its application. Subtree filters are subtree-filter.ts; an XPath
// filter is evaluated by the YANG XPath evaluator over the accessible tree
// of the data (yang/xpath.ts, yang/accessible-tree.ts), with the root as
// context node and the prefixes declared where the expression stands.
import { NS } from '../model/namespaces';
import { ErrorInfo, ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { inScopeNamespaces, type XmlElement } from '../model/xml';
import { AccessibleTree } from '../yang/accessible-tree';
import type { XPathNode } from '../yang/accessible-tree';
import type { SchemaRegistry } from '../yang/registry';
import { evaluateXPath } from '../yang/xpath';
import { nodeSet, XPathEvalError } from '../yang/xpath-functions';
import { compileExpression, XPathSyntaxError } from '../yang/xpath-parse';
import type { CompiledXPath, Expr, NodeTest, Step } from '../yang/xpath-parse';
import { param } from './operations/args';
import { applySubtreeFilter, buildSelection, namesNode, notificationMatches } from './subtree-filter';
import type { Selection } from './subtree-filter';

/** A <filter> as read: a subtree filter's selection nodes (RFC 6241 section 6), or an XPath expression compiled (section 8.9). */
export type Filter =
  | { readonly type: 'subtree'; readonly nodes: readonly XmlElement[] }
  | {
      readonly type: 'xpath';
      readonly source: string;
      readonly expression: CompiledXPath;
      /** the top-level nodes the expression can select or read (name tests), 'anywhere' when not known */
      readonly reach: readonly NodeTest[] | 'anywhere';
      /** error-info of an expression that cannot be evaluated */
      readonly info: ErrorInfo;
    };

type XPathFilter = Filter & { readonly type: 'xpath' };

const attribute = (el: XmlElement, name: string): string | undefined => el.attrs.find((a) => a.name === name && (a.ns === '' || a.ns === NS.base))?.value;

/** <filter type="subtree|xpath" select="..."> (RFC 6241 6.1, 8.9): undefined without one; bad-attribute/missing-attribute/invalid-value errors as RFC 6241 says. */
export function readFilter(op: XmlElement, schema: SchemaRegistry, ns: string = NS.base): Filter | undefined {
  const f = param(op, 'filter', ns);
  if (!f) return undefined;
  const type = attribute(f, 'type') ?? 'subtree';
  if (type === 'subtree') return { type, nodes: f.children };
  if (type !== 'xpath') {
    throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.badAttribute, info: { badAttribute: 'type', badElement: 'filter' }, message: `filter type "${type}" is neither subtree nor xpath` });
  }
  const select = attribute(f, 'select');
  if (select === undefined) {
    throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingAttribute, info: { badAttribute: 'select', badElement: 'filter' }, message: 'an xpath filter needs a select attribute (RFC 6241 section 8.9)' });
  }
  return compile(select, f, schema, { badAttribute: 'select', badElement: 'filter' });
}

/** An XPath filter from an expression and the element whose in-scope namespace declarations resolve its prefixes (RFC 8526 xpath-filter leaf, RFC 8639 stream-xpath-filter). Malformed: NetconfRpcError invalid-value with a clear message. */
export function xpathFilter(expression: string, scope: XmlElement, schema: SchemaRegistry): Filter {
  return compile(expression, scope, schema, { badElement: scope.name });
}

/**
 * The data nodes the filter selects, with their ancestors and list keys (RFC
 * 6241 6.2 / 8.9); all of `data` without a filter. `maxDepth`: RFC 8526
 * section 3.1.1, levels of each selected node.
 */
export function applyFilter(schema: SchemaRegistry, filter: Filter | undefined, data: readonly XmlElement[], maxDepth?: number): XmlElement[] {
  const opts = { listKeys: listKeys(schema), maxDepth };
  if (!filter) return maxDepth === undefined ? [...data] : buildSelection(data, everything(data), opts);
  if (filter.type === 'subtree') return applySubtreeFilter(filter.nodes, data, opts);
  const tree = new AccessibleTree(schema, data);
  let nodes: XPathNode[];
  try {
    nodes = evaluate(filter, tree);
  } catch (e) {
    if (!(e instanceof XPathEvalError)) throw e;
    throw invalid(filter.info, `the XPath filter "${filter.source}" cannot be evaluated: ${e.message}`);
  }
  const selection = new Map<number, Selection>();
  for (const n of nodes) {
    // the root: all the data
    if (!n.parent) return buildSelection(data, everything(data), opts);
    mark(tree, n, selection);
  }
  return buildSelection(data, selection, opts);
}

const everything = (data: readonly XmlElement[]): Map<number, Selection> => new Map(data.map((_, i) => [i, true]));

/** May a top-level node (ns, name) hold anything the filter selects or tests? (used to skip building/checking nodes; true when unsure) */
export function mayReach(filter: Filter, ns: string, name: string): boolean {
  if (filter.type === 'subtree') return filter.nodes.some((f) => namesNode(f, ns, name));
  return filter.reach === 'anywhere' || filter.reach.some((t) => t.kind === 'node' || (t.kind === 'wildcard' ? t.ns === undefined || t.ns === ns : t.local === name && t.ns === ns));
}

/**
 * May what the filter selects include the node at `path` (local names from
 * a top-level node down, all in `ns`) or a node above it? Found from the
 * filter's form alone (a selection node or content match node at or above
 * it in a subtree filter, RFC 6241 6.2; a location path of child steps at or
 * above it in an XPath filter); true when unsure. Without a filter, the
 * whole datastore is selected.
 */
export function mayInclude(filter: Filter | undefined, ns: string, path: readonly string[]): boolean {
  if (!filter) return true;
  if (filter.type === 'subtree') return subtreeIncludes(filter.nodes, ns, path);
  return xpathIncludes(filter.expression.expr, ns, path);
}

function subtreeIncludes(siblings: readonly XmlElement[], ns: string, path: readonly string[]): boolean {
  const [name, ...below] = path;
  if (name === undefined) return true;
  // 6.2.5: a sibling set of content match nodes only selects all the siblings
  if (siblings.length > 0 && siblings.every((f) => f.children.length === 0 && f.text.trim() !== '')) return true;
  return siblings.some((f) => namesNode(f, ns, name) && (f.children.length === 0 || subtreeIncludes(f.children, ns, below)));
}

function xpathIncludes(e: Expr, ns: string, path: readonly string[]): boolean {
  if (e.k === 'bin' && e.op === '|') return xpathIncludes(e.a, ns, path) || xpathIncludes(e.b, ns, path);
  if (e.k !== 'path' || e.from !== 'root' || e.filter.length > 0) return true;
  if (e.steps.some((s) => s.axis !== 'child')) return true;
  // child steps select at, above or inside the node when each step they share with `path` names its node
  return e.steps.every((s, i) => {
    const name = path[i];
    return name === undefined || s.test.kind === 'node' || (s.test.kind === 'wildcard' ? s.test.ns === undefined || s.test.ns === ns : s.test.local === name && s.test.ns === ns);
  });
}

/** The top-level nodes the filter can select or test: the others need no access check, defaults or filtering. */
export function narrow(filter: Filter | undefined, nodes: readonly XmlElement[]): readonly XmlElement[] {
  return filter ? nodes.filter((n) => mayReach(filter, n.ns, n.name)) : nodes;
}

/** Does a notification's content element pass the filter (RFC 5277 section 3.6)? An XPath filter passes it when it selects something. */
export function notificationPasses(schema: SchemaRegistry, filter: Filter, content: XmlElement): boolean {
  if (filter.type === 'subtree') return notificationMatches(filter.nodes, content);
  try {
    return evaluate(filter, new AccessibleTree(schema, [content])).some((n) => !n.implicit);
  } catch (e) {
    if (e instanceof XPathEvalError) return false; // an event it cannot be evaluated on does not pass
    throw e;
  }
}

// ---------------------------------------------------------------------------
// XPath filters (RFC 6241 section 8.9)

/** The selected nodes; throws XPathEvalError. Unprefixed names are in no namespace (XPath 1.0 section 2.3), so they name no data node. */
function evaluate(filter: XPathFilter, tree: AccessibleTree): XPathNode[] {
  return nodeSet(evaluateXPath(filter.expression, tree.root, { tree, defaultNs: '' }), 'an XPath filter');
}

/**
 * Adds a selected node to the selection: the node with its subtree, its
 * ancestors, and the key leaves of the list entries among them (as subtree
 * filtering returns them, RFC 6241 6.2.5). A node that is only implicit in
 * the accessible tree (a default, a non-presence container) is not in the
 * data and adds nothing.
 */
function mark(tree: AccessibleTree, n: XPathNode, selection: Map<number, Selection>): void {
  const chain: XPathNode[] = [];
  for (let x: XPathNode | undefined = n; x?.parent; x = x.parent) {
    if (x.implicit) return;
    chain.push(x);
  }
  let m = selection;
  for (let k = chain.length - 1; k >= 0; k--) {
    const x = chain[k];
    const i = tree.indexOf(x);
    const prev = m.get(i);
    if (prev === true) return;
    if (k === 0) {
      m.set(i, true);
      return;
    }
    if (prev) {
      m = prev;
      continue;
    }
    const entry = new Map<number, Selection>();
    m.set(i, entry);
    if (x.schema?.kind === 'list') {
      const children = x.el.children;
      for (const key of x.schema.keys) {
        const j = children.findIndex((c) => c.name === key && c.ns === x.el.ns);
        if (j >= 0) entry.set(j, true);
      }
    }
    m = entry;
  }
}

interface Compiled {
  readonly expression: CompiledXPath;
  readonly reach: readonly NodeTest[] | 'anywhere';
}

// compiled expressions by schema, source and prefix bindings: clients repeat the same few
const MAX_COMPILED = 64;
const compiledCaches = new WeakMap<SchemaRegistry, { readonly modules: ReadonlyMap<string, string>; readonly compiled: Map<string, Compiled> }>();

/**
 * Prefixes are those declared where the expression stands (RFC 6241 section
 * 8.9); a prefix declared nowhere may be an implemented module's name, as in
 * RFC 7951 and RESTCONF paths (`/ncbgp-bgp:bgp/ncbgp-bgp:peer`), the form
 * clients such as ncclient send without declarations.
 */
function compile(source: string, scope: XmlElement, schema: SchemaRegistry, info: ErrorInfo): XPathFilter {
  let cache = compiledCaches.get(schema);
  if (!cache) {
    cache = { modules: new Map(schema.modules().filter((m) => m.conformance === 'implement').map((m) => [m.name, m.namespace])), compiled: new Map() };
    compiledCaches.set(schema, cache);
  }
  const compiledCache = cache.compiled;
  const declared = new Map(Object.entries(inScopeNamespaces(scope)));
  const namespaces = new Map([...cache.modules, ...declared]);
  const key = `${source}\n${[...declared].join('\n')}`;
  let c = compiledCache.get(key);
  if (c) {
    compiledCache.delete(key);
  } else {
    let expression: CompiledXPath;
    try {
      expression = compileExpression(source, namespaces);
    } catch (e) {
      if (!(e instanceof XPathSyntaxError)) throw e;
      const hint = e.message.startsWith('unknown prefix') ? " (prefixes are those declared on the element or its ancestors, or an implemented module's name)" : '';
      throw invalid(info, `${e.message}${hint}`);
    }
    if (!yieldsNodeSet(expression.expr)) throw invalid(info, `"${source}" is no node-set (RFC 6241 section 8.9: the expression selects nodes)`);
    c = { expression, reach: topLevelReach(expression.expr) };
    if (compiledCache.size >= MAX_COMPILED) compiledCache.delete(compiledCache.keys().next().value ?? '');
  }
  compiledCache.set(key, c);
  return { type: 'xpath', source, expression: c.expression, reach: c.reach, info };
}

const invalid = (info: ErrorInfo, message: string): NetconfRpcError => new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info, message });

/** Whether an expression's value is a node-set, known from its form (XPath 1.0 sections 3.3, 4). */
function yieldsNodeSet(e: Expr): boolean {
  if (e.k === 'path') return e.from === 'root' || e.from === 'context' || yieldsNodeSet(e.from);
  if (e.k === 'bin') return e.op === '|' && yieldsNodeSet(e.a) && yieldsNodeSet(e.b);
  return e.k === 'call' && (e.fn === 'current' || e.fn === 'deref');
}

/** How deep below the root the nodes of a path stand: `min`, exactly or at least. */
interface Depth {
  readonly min: number;
  readonly exact: boolean;
}
const ROOT: Depth = { min: 0, exact: true };
const isRoot = (d: Depth): boolean => d.exact && d.min === 0;
// XPath 1.0 section 4: functions that take the context node's string-value without an argument
const READS_CONTEXT: ReadonlySet<string> = new Set(['string', 'string-length', 'normalize-space', 'number']);

/**
 * The name tests of the top-level nodes an expression evaluated at the root
 * can select or read, found from its location paths alone: 'anywhere' when
 * a path can reach the root's descendants at any depth, climbs to the root
 * from an unknown depth, moves among top-level siblings, takes the root's
 * value, or follows deref().
 */
function topLevelReach(expr: Expr): readonly NodeTest[] | 'anywhere' {
  const tests: NodeTest[] = [];
  let anywhere = false;
  const depth = (min: number, exact: boolean): Depth => ({ min, exact });
  const step = (d: Depth, s: Step): Depth | undefined => {
    const root = isRoot(d);
    switch (s.axis) {
      case 'child':
        if (root) tests.push(s.test);
        return depth(d.min + 1, d.exact);
      case 'self':
        return d;
      case 'attribute':
        return undefined;
      case 'descendant':
      case 'descendant-or-self':
        if (root) anywhere = true;
        return depth(s.axis === 'descendant' ? d.min + 1 : d.min, false);
      case 'parent':
        if (root) return undefined;
        if (!d.exact && d.min < 2) anywhere = true;
        return depth(d.min - 1, d.exact);
      case 'following-sibling':
      case 'preceding-sibling':
        if (root) return undefined;
        if (d.min < 2) anywhere = true;
        return d;
      case 'ancestor':
      case 'ancestor-or-self':
        if (root) return s.axis === 'ancestor' ? undefined : d;
        anywhere = true;
        return undefined;
    }
  };
  /** The depths of a node-set expression's nodes (none for other values). */
  const visit = (e: Expr, at: readonly Depth[]): Depth[] => {
    switch (e.k) {
      case 'num':
      case 'str':
        return [];
      case 'neg':
        value(e.a, at);
        return [];
      case 'bin':
        if (e.op === '|') return [...visit(e.a, at), ...visit(e.b, at)];
        value(e.a, at);
        value(e.b, at);
        return [];
      case 'call':
        // deref() goes anywhere; string() and the like without arguments read the context node
        if (e.fn === 'deref' || (e.args.length === 0 && READS_CONTEXT.has(e.fn) && at.some(isRoot))) anywhere = true;
        for (const a of e.args) value(a, at);
        return e.fn === 'current' ? [ROOT] : [];
      case 'path': {
        let nodes = e.from === 'root' ? [ROOT] : e.from === 'context' ? [...at] : visit(e.from, at);
        for (const p of e.filter) value(p, nodes);
        for (const s of e.steps) {
          const next: Depth[] = [];
          for (const d of nodes) {
            const n = step(d, s);
            if (n && !next.some((x) => x.min === n.min && x.exact === n.exact)) next.push(n);
          }
          nodes = next;
          for (const p of s.preds) value(p, nodes);
        }
        return nodes;
      }
    }
  };
  /** An expression whose value is used: the root's value is all the data. */
  const value = (e: Expr, at: readonly Depth[]): void => {
    if (visit(e, at).some(isRoot)) anywhere = true;
  };
  value(expr, [ROOT]);
  return anywhere ? 'anywhere' : tests;
}

// list keys by namespace and path, per schema (RFC 6241 6.2.5: the keys of returned entries)
const MAX_CACHED_PATHS = 4096;
const keyLookups = new WeakMap<SchemaRegistry, (ns: string, path: readonly string[]) => readonly string[] | undefined>();

function listKeys(schema: SchemaRegistry): (ns: string, path: readonly string[]) => readonly string[] | undefined {
  let lookup = keyLookups.get(schema);
  if (!lookup) {
    // the schema does not change: a path's list keys are looked up once
    const keys = new Map<string, readonly string[] | undefined>();
    lookup = (ns, path) => {
      const id = `${ns} ${path.join('/')}`;
      if (!keys.has(id)) {
        if (keys.size >= MAX_CACHED_PATHS) keys.clear();
        keys.set(id, schema.listKeys(ns, path));
      }
      return keys.get(id);
    };
    keyLookups.set(schema, lookup);
  }
  return lookup;
}
