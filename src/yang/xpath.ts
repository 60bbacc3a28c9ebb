// XPath 1.0 (W3C Recommendation, 1999) for YANG "when" and "must"
// expressions (RFC 7950 section 6.4), over the accessible tree of section
// 6.4.1: every top-level node of the datastore, plus the default values of
// absent leaves and leaf-lists and the non-presence containers that exist
// implicitly wherever their parent exists.
//
// An expression is compiled once (syntax errors and unknown prefixes are
// found then) and evaluated against a context node. Datastore content is
// shared between versions, so elements carry no parent links: a node here is
// an element plus the chain of its ancestors (XPathNode).
//
// Limits, on purpose: no variables, no id(), lang() or text() (YANG data has
// no mixed content); the accessible tree adds defaults without looking at
// the `when` of the defaulted node; name() spells the prefix of the node's
// module.
import { resolvePrefix } from '../model/xml';
import type { XmlElement } from '../model/xml';
import { xsdRegex } from './schema';
import type { CaseSchema, ChoiceSchema, DataNodeSchema, SchemaRegistry, XPathConstraint, YangType } from './schema';

export class XPathSyntaxError extends Error {}
/** A well-formed expression that cannot be evaluated (a node-set function given a string, ...). */
export class XPathEvalError extends Error {}

// ---------------------------------------------------------------------------
// Schema index: each data node's children (choices and cases looked
// through, in schema order) and its parent

export type DataNode = Exclude<DataNodeSchema, ChoiceSchema>;
/** Choices a node is under, with the case it is in, outermost first. */
export type CaseChain = readonly (readonly [ChoiceSchema, CaseSchema])[];

export interface Slot {
  readonly node: DataNode;
  readonly cases: CaseChain;
  /** position among its siblings in schema order */
  readonly order: number;
}
export interface ChoiceSlot {
  readonly choice: ChoiceSchema;
  readonly cases: CaseChain; // choices around this one
  readonly order: number;
}
export class SlotTable {
  private readonly byName = new Map<string, Slot[]>();

  constructor(
    readonly slots: readonly Slot[],
    readonly choices: readonly ChoiceSlot[],
  ) {
    for (const s of slots) this.byName.set(s.node.name, [...(this.byName.get(s.node.name) ?? []), s]);
  }

  get(ns: string, name: string): Slot | undefined {
    const found = this.byName.get(name);
    if (!found) return undefined;
    for (const s of found) if (s.node.namespace === ns) return s;
    return undefined;
  }
}

const EMPTY_TABLE = new SlotTable([], []);

/** The data tree's schema, indexed; `null` stands for the root (the parent of top-level nodes). */
export class SchemaIndex {
  private readonly tables = new Map<DataNode | null, SlotTable>();
  private readonly parents = new Map<DataNode, DataNode | null>();

  constructor(readonly registry: SchemaRegistry) {
    const tops: DataNodeSchema[] = [];
    for (const info of registry.modules()) {
      if (registry.moduleByNamespace(info.namespace) !== info) continue;
      tops.push(...(registry.moduleSchema(info.name, info.revision)?.children ?? []));
    }
    this.build(null, tops);
  }

  private build(parent: DataNode | null, children: readonly DataNodeSchema[]): void {
    const slots: Slot[] = [];
    const choices: ChoiceSlot[] = [];
    let order = 0;
    const add = (nodes: readonly DataNodeSchema[], cases: CaseChain): void => {
      for (const n of nodes) {
        if (n.kind === 'choice') {
          choices.push({ choice: n, cases, order: order++ });
          for (const c of n.cases) add(c.children, [...cases, [n, c] as const]);
          continue;
        }
        const slot: Slot = { node: n, cases, order: order++ };
        slots.push(slot);
        this.parents.set(n, parent);
        if (n.kind === 'container' || n.kind === 'list') this.build(n, n.children);
      }
    };
    add(children, []);
    this.tables.set(parent, new SlotTable(slots, choices));
  }

  table(parent: DataNode | null): SlotTable {
    return this.tables.get(parent) ?? EMPTY_TABLE;
  }
  slot(parent: DataNode | null, ns: string, name: string): Slot | undefined {
    return this.table(parent).get(ns, name);
  }
  /** null for a top-level node, undefined for a node not in the data tree */
  parent(node: DataNode): DataNode | null | undefined {
    return this.parents.get(node);
  }
}

const indexes = new WeakMap<SchemaRegistry, SchemaIndex>();
export function schemaIndex(registry: SchemaRegistry): SchemaIndex {
  let ix = indexes.get(registry);
  if (!ix) {
    ix = new SchemaIndex(registry);
    indexes.set(registry, ix);
  }
  return ix;
}

// ---------------------------------------------------------------------------
// The accessible tree (RFC 7950 section 6.4.1)

export interface XPathNode {
  readonly el: XmlElement;
  /** undefined only for the root node */
  readonly parent?: XPathNode;
  /** undefined for the root and for elements the schema does not know */
  readonly schema?: DataNode;
  /** a default value or non-presence container that is not in the content */
  readonly implicit?: boolean;
  /** position among the parent's children (computed when needed); implicit nodes stand where schema order puts them (see position()) */
  index?: number;
}

/** A run of consecutive siblings with one name. */
export interface Run {
  readonly ns: string;
  readonly name: string;
  readonly start: number;
  readonly end: number;
}
// Content arrays are never mutated (new versions copy what they change), so
// what is derived from one can be kept as long as the array lives.
const runCache = new WeakMap<readonly XmlElement[], readonly Run[]>();
const implicitCache = new WeakMap<XmlElement, Map<Slot, readonly XmlElement[]>>();
/** implicit element -> its schema position */
const implicitOrder = new WeakMap<XmlElement, number>();

function implicitElement(n: DataNode, text: string, order: number): XmlElement {
  const el: XmlElement = { ns: n.namespace, name: n.name, attrs: [], children: [], text };
  implicitOrder.set(el, order);
  return el;
}

/** Runs of children[from, to). */
function scanRuns(children: readonly XmlElement[], from: number, to: number): Run[] {
  const out: Run[] = [];
  if (from >= to) return out;
  let start = from;
  let a = children[from];
  for (let i = from + 1; i < to; i++) {
    const b = children[i];
    if (b.name !== a.name || b.ns !== a.ns) {
      out.push({ ns: a.ns, name: a.name, start, end: i });
      start = i;
      a = b;
    }
  }
  out.push({ ns: a.ns, name: a.name, start, end: to });
  return out;
}

// A new version of a long child array (10,000 peers) is a new array holding
// the same elements but a few. Reading every element's name costs a cache
// miss each; comparing the array with the previous version of the same node
// pointer by pointer (a common prefix and suffix) and reading only the
// elements in between is exact and several times cheaper.
const REBASE_FROM = 1024;
const lastRuns = new Map<string, { readonly children: readonly XmlElement[]; readonly runs: readonly Run[] }>();

function rebaseRuns(old: readonly XmlElement[], oldRuns: readonly Run[], now: readonly XmlElement[]): Run[] {
  const max = Math.min(old.length, now.length);
  let pre = 0;
  while (pre < max && old[pre] === now[pre]) pre++;
  let suf = 0;
  while (suf < max - pre && old[old.length - 1 - suf] === now[now.length - 1 - suf]) suf++;
  const shift = now.length - old.length;
  const parts: Run[] = [];
  for (const r of oldRuns) if (r.start < pre) parts.push({ ns: r.ns, name: r.name, start: r.start, end: Math.min(r.end, pre) });
  parts.push(...scanRuns(now, pre, now.length - suf));
  const tail = old.length - suf;
  for (const r of oldRuns) if (r.end > tail) parts.push({ ns: r.ns, name: r.name, start: Math.max(r.start, tail) + shift, end: r.end + shift });
  const out: Run[] = [];
  for (const r of parts) {
    const last = out[out.length - 1];
    if (last && last.ns === r.ns && last.name === r.name && last.end === r.start) out[out.length - 1] = { ...last, end: r.end };
    else out.push(r);
  }
  return out;
}

/** Where a node stands in the tree, to find the previous version of its children. */
function lineageKey(node: XPathNode): string {
  let key = '';
  for (let x: XPathNode | undefined = node; x?.parent; x = x.parent) {
    let step = `/${x.el.ns} ${x.el.name}`;
    const s = x.schema;
    if (s?.kind === 'list') for (const k of s.keys) step += `[${x.el.children.find((c) => c.name === k)?.text ?? ''}]`;
    key = step + key;
  }
  return key;
}

function runsOf(node: XPathNode): readonly Run[] {
  const children = node.el.children;
  // short arrays: cheaper to scan again than to keep in a WeakMap
  if (children.length < 32) return scanRuns(children, 0, children.length);
  let runs = runCache.get(children);
  if (runs) return runs;
  if (children.length < REBASE_FROM) {
    runs = scanRuns(children, 0, children.length);
  } else {
    const key = lineageKey(node);
    const last = lastRuns.get(key);
    runs = last ? rebaseRuns(last.children, last.runs, children) : scanRuns(children, 0, children.length);
    lastRuns.delete(key);
    lastRuns.set(key, { children, runs });
    if (lastRuns.size > 64) lastRuns.delete(lastRuns.keys().next().value ?? '');
  }
  runCache.set(children, runs);
  return runs;
}

/** A leafref path as steps: up `up` levels (undefined: from the root), then down the target's schema path from that depth. */
interface LeafrefPlan {
  readonly up?: number;
  readonly steps: readonly { readonly ns: string; readonly name: string }[];
}

export class AccessibleTree {
  readonly root: XPathNode;
  readonly index: SchemaIndex;
  private readonly activeCache = new Map<XmlElement, ReadonlyMap<ChoiceSchema, CaseSchema>>();

  constructor(
    readonly registry: SchemaRegistry,
    content: readonly XmlElement[],
  ) {
    this.index = schemaIndex(registry);
    this.root = { el: { ns: '', name: '', attrs: [], children: content as XmlElement[], text: '' } };
  }

  /** The schema of a node's children: null for the root's. */
  private childSchemaOf(node: XPathNode): DataNode | null | undefined {
    if (!node.parent) return null;
    const s = node.schema;
    return s && (s.kind === 'container' || s.kind === 'list') ? s : undefined;
  }

  table(node: XPathNode): SlotTable {
    const s = this.childSchemaOf(node);
    return s === undefined ? EMPTY_TABLE : this.index.table(s);
  }

  /** The node's children as runs of one name. */
  runs(node: XPathNode): readonly Run[] {
    return runsOf(node);
  }

  /** The node's element children with this name, as nodes. */
  named(node: XPathNode, ns: string, name: string): XPathNode[] {
    const children = node.el.children;
    const out: XPathNode[] = [];
    if (children.length === 0) return out;
    let schema: DataNode | undefined;
    let looked = false;
    for (const r of runsOf(node)) {
      if (r.name !== name || r.ns !== ns) continue;
      if (!looked) {
        schema = this.table(node).get(ns, name)?.node;
        looked = true;
      }
      for (let i = r.start; i < r.end; i++) out.push({ el: children[i], parent: node, schema, index: i });
    }
    return out;
  }

  /** Every element child, as nodes. */
  elementChildren(node: XPathNode): XPathNode[] {
    const table = this.table(node);
    const children = node.el.children;
    const out: XPathNode[] = [];
    for (const r of runsOf(node)) {
      const schema = table.get(r.ns, r.name)?.node;
      for (let i = r.start; i < r.end; i++) out.push({ el: children[i], parent: node, schema, index: i });
    }
    return out;
  }

  /** How many element children have this name. */
  count(node: XPathNode, ns: string, name: string): number {
    let n = 0;
    for (const r of runsOf(node)) if (r.name === name && r.ns === ns) n += r.end - r.start;
    return n;
  }

  /** The case of each choice that has a node among the children (the first one seen). */
  activeCases(node: XPathNode): ReadonlyMap<ChoiceSchema, CaseSchema> {
    let active = this.activeCache.get(node.el);
    if (active) return active;
    const m = new Map<ChoiceSchema, CaseSchema>();
    const table = this.table(node);
    if (table.choices.length) {
      for (const r of runsOf(node)) {
        const slot = table.get(r.ns, r.name);
        if (slot) for (const [choice, kase] of slot.cases) if (!m.has(choice)) m.set(choice, kase);
      }
    }
    active = m;
    this.activeCache.set(node.el, active);
    return active;
  }

  /**
   * Whether nodes of these cases may exist implicitly here: each case is the
   * one present, or no case of its choice is present and it is the default
   * case (RFC 7950 section 7.9.3).
   */
  casesAllowImplicit(node: XPathNode, cases: CaseChain): boolean {
    if (!cases.length) return true;
    const active = this.activeCases(node);
    return cases.every(([choice, kase]) => {
      const a = active.get(choice);
      return a ? a === kase : choice.default === kase.name;
    });
  }

  /**
   * The implicit instances of a slot that has no element here: its default
   * value(s) (RFC 7950 sections 7.6.1, 7.7.2) or, for a non-presence
   * container, an empty container (section 6.4.1). Configuration nodes only.
   */
  implicit(node: XPathNode, slot: Slot): XPathNode[] {
    const n = slot.node;
    if (!n.config || (n.kind !== 'leaf' && n.kind !== 'leaf-list' && n.kind !== 'container')) return [];
    if (n.kind === 'container' && n.presence) return [];
    if (n.kind === 'leaf' && n.default === undefined) return [];
    if (n.kind === 'leaf-list' && n.defaults.length === 0) return [];
    let perParent = implicitCache.get(node.el);
    let els = perParent?.get(slot);
    if (!els) {
      if (!this.casesAllowImplicit(node, slot.cases)) els = [];
      else if (n.kind === 'leaf') els = [implicitElement(n, n.default ?? '', slot.order)];
      else if (n.kind === 'leaf-list') els = n.defaults.map((d) => implicitElement(n, d, slot.order));
      else els = [implicitElement(n, '', slot.order)];
      if (!perParent) implicitCache.set(node.el, (perParent = new Map()));
      perParent.set(slot, els);
    }
    return els.map((el) => ({ el, parent: node, schema: n, implicit: true }));
  }

  /** The slot's elements here, or its implicit instances when it has none. */
  instances(node: XPathNode, slot: Slot): XPathNode[] {
    const real = this.named(node, slot.node.namespace, slot.node.name);
    return real.length ? real : this.implicit(node, slot);
  }

  /** All children of a node in the accessible tree. */
  children(node: XPathNode): XPathNode[] {
    const out = this.elementChildren(node);
    for (const slot of this.table(node).slots) if (this.count(node, slot.node.namespace, slot.node.name) === 0) out.push(...this.implicit(node, slot));
    return out;
  }

  /**
   * Where a node of schema position `order` that is not among the children
   * stands: after the children that come before it in schema order
   * (fractional, so that it sorts between real children).
   */
  position(node: XPathNode, order: number): number {
    const table = this.table(node);
    let before = 0;
    for (const r of runsOf(node)) if ((table.get(r.ns, r.name)?.order ?? Infinity) < order) before += r.end - r.start;
    return before - 0.5 + order / 1e6;
  }

  /** Where a node stands among its siblings (computed on demand: finding it among 10,000 costs microseconds). */
  indexOf(node: XPathNode): number {
    if (node.index === undefined) {
      const order = implicitOrder.get(node.el);
      node.index = !node.parent ? 0 : order !== undefined ? this.position(node.parent, order) : node.parent.el.children.indexOf(node.el);
    }
    return node.index;
  }

  /**
   * The nodes a leafref's path leads to from `node` (RFC 7950 section 9.9.2),
   * predicates left out: up as many levels as the path's leading "..", then
   * down along the target's schema path.
   */
  leafrefTargets(node: XPathNode, type: YangType & { base: 'leafref' }): XPathNode[] {
    const plan = this.leafrefPlan(type);
    const start = plan && this.leafrefStart(node, plan);
    return start ? this.descend([start.node], start.steps) : [];
  }

  private readonly targetValues = new Map<object, Map<XmlElement, ReadonlySet<string>>>();

  /** The values a leafref at `node` may take: those of its targets (kept per starting node: every peer's group looks at the same groups). */
  leafrefValues(node: XPathNode, type: YangType & { base: 'leafref' }): ReadonlySet<string> {
    const plan = this.leafrefPlan(type);
    const start = plan && this.leafrefStart(node, plan);
    if (!plan || !start) return new Set();
    let perStart = this.targetValues.get(type);
    if (!perStart) this.targetValues.set(type, (perStart = new Map()));
    let values = perStart.get(start.node.el);
    if (!values) {
      values = new Set(this.descend([start.node], start.steps).map((t) => stringValue(t.el)));
      perStart.set(start.node.el, values);
    }
    return values;
  }

  private leafrefStart(node: XPathNode, plan: LeafrefPlan): { node: XPathNode; steps: readonly { ns: string; name: string }[] } | undefined {
    if (plan.up === undefined) return { node: this.root, steps: plan.steps };
    let depth = 0;
    for (let n = node; n.parent; n = n.parent) depth++;
    let start: XPathNode | undefined = node;
    for (let k = 0; k < plan.up && start; k++) start = start.parent;
    if (!start || depth - plan.up < 0) return undefined;
    return { node: start, steps: plan.steps.slice(depth - plan.up) };
  }

  private descend(from: XPathNode[], steps: readonly { ns: string; name: string }[]): XPathNode[] {
    let nodes = from;
    for (const step of steps) {
      const next: XPathNode[] = [];
      for (const n of nodes) {
        const slot = this.table(n).get(step.ns, step.name);
        next.push(...(slot ? this.instances(n, slot) : this.named(n, step.ns, step.name)));
      }
      nodes = next;
    }
    return nodes;
  }

  private readonly plans = new WeakMap<object, LeafrefPlan | null>();

  private leafrefPlan(type: YangType & { base: 'leafref' }): LeafrefPlan | null {
    let plan = this.plans.get(type);
    if (plan !== undefined) return plan;
    plan = null;
    if (type.targetPath) {
      const steps: { ns: string; name: string }[] = [];
      let ns: string | undefined;
      for (const part of type.targetPath.split('/').filter(Boolean)) {
        const k = part.indexOf(':');
        if (k >= 0) ns = this.registry.module(part.slice(0, k))?.namespace;
        if (ns === undefined) break;
        steps.push({ ns, name: part.slice(k + 1) });
      }
      const written = type.path.replace(/\s+/g, '');
      const up = written.startsWith('/') ? undefined : (/^(\.\.\/)*/.exec(written)?.[0].length ?? 0) / 3;
      plan = { up, steps };
    }
    this.plans.set(type, plan);
    return plan;
  }
}

/** The string-value of a node (XPath section 5): a leaf's text, else its descendants' text in document order. */
export function stringValue(el: XmlElement): string {
  if (el.children.length === 0) return el.text;
  let s = '';
  for (const c of el.children) s += stringValue(c);
  return s;
}

// ---------------------------------------------------------------------------
// Syntax (XPath 1.0 section 3)

type Axis = 'child' | 'parent' | 'self' | 'descendant' | 'descendant-or-self' | 'ancestor' | 'ancestor-or-self' | 'following-sibling' | 'preceding-sibling' | 'attribute';
const AXES: ReadonlySet<string> = new Set<Axis>(['child', 'parent', 'self', 'descendant', 'descendant-or-self', 'ancestor', 'ancestor-or-self', 'following-sibling', 'preceding-sibling', 'attribute']);

/** ns undefined: the default namespace (name test) or any namespace (the wildcard `*`). */
type NodeTest = { readonly kind: 'name'; readonly ns?: string; readonly local: string } | { readonly kind: 'wildcard'; readonly ns?: string } | { readonly kind: 'node' };

interface Step {
  readonly axis: Axis;
  readonly test: NodeTest;
  readonly preds: readonly Expr[];
}

type BinOp = 'or' | 'and' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | 'div' | 'mod' | '|';

export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'neg'; readonly a: Expr }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | { readonly k: 'path'; readonly from: 'root' | 'context' | Expr; readonly filter: readonly Expr[]; readonly steps: readonly Step[] };

export interface CompiledXPath {
  readonly source: string;
  readonly expr: Expr;
  /** prefix -> namespace in scope where the expression was written */
  readonly namespaces: ReadonlyMap<string, string>;
}

type Token =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'name'; readonly prefix?: string; readonly local: string } // local may be '*'
  | { readonly t: 'op'; readonly v: string };

const NAME = /[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*/y;
const NUMBER = /\d+(?:\.\d*)?|\.\d+/y;
const SYMBOLS = ['//', '..', '::', '!=', '<=', '>=', '/', '.', '(', ')', '[', ']', '@', ',', '|', '+', '-', '=', '<', '>', '*', '$'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new XPathSyntaxError(`${msg} at offset ${i} in "${src}"`);
  };
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(src);
    return m ? m[0] : undefined;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string literal');
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /[\d.]/.test(c) ? match(NUMBER) : undefined;
    if (num !== undefined) {
      out.push({ t: 'num', v: Number(num) });
      i += num.length;
      continue;
    }
    const name = match(NAME);
    if (name !== undefined) {
      i += name.length;
      // QName or prefix:* (no whitespace around the colon)
      if (src[i] === ':' && src[i + 1] !== ':') {
        i++;
        if (src[i] === '*') {
          i++;
          out.push({ t: 'name', prefix: name, local: '*' });
          continue;
        }
        const local = match(NAME);
        if (local === undefined) fail(`bad name after "${name}:"`);
        i += (local ?? '').length;
        out.push({ t: 'name', prefix: name, local: local ?? '' });
      } else {
        out.push({ t: 'name', local: name });
      }
      continue;
    }
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (sym === undefined) fail(`unexpected character '${c}'`);
    if (sym === '$') fail('variables are not available in YANG expressions');
    out.push({ t: 'op', v: sym ?? '' });
    i += (sym ?? '').length;
  }
  return out;
}

interface FunctionSpec {
  readonly min: number;
  readonly max: number;
}
const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(
  Object.entries({
    last: [0, 0],
    position: [0, 0],
    count: [1, 1],
    'local-name': [0, 1],
    'namespace-uri': [0, 1],
    name: [0, 1],
    string: [0, 1],
    concat: [2, Infinity],
    'starts-with': [2, 2],
    contains: [2, 2],
    'substring-before': [2, 2],
    'substring-after': [2, 2],
    substring: [2, 3],
    'string-length': [0, 1],
    'normalize-space': [0, 1],
    translate: [3, 3],
    boolean: [1, 1],
    not: [1, 1],
    true: [0, 0],
    false: [0, 0],
    number: [0, 1],
    sum: [1, 1],
    floor: [1, 1],
    ceiling: [1, 1],
    round: [1, 1],
    // RFC 7950 section 10
    current: [0, 0],
    're-match': [2, 2],
    deref: [1, 1],
    'derived-from': [2, 2],
    'derived-from-or-self': [2, 2],
    'enum-value': [1, 1],
    'bit-is-set': [2, 2],
  }).map(([k, [min, max]]) => [k, { min, max }]),
);
const NODE_TYPES = new Set(['node', 'text', 'comment', 'processing-instruction']);

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
    private readonly namespaces: ReadonlyMap<string, string>,
  ) {}

  fail(msg: string): never {
    throw new XPathSyntaxError(`${msg} in "${this.src}"`);
  }
  private peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  private isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.t === 'op' && t.v === v;
  }
  /** An operator name (and, or, div, mod, `*` as multiply): only where an operator may stand (XPath section 3.7). */
  private isOperatorName(v: string): boolean {
    const t = this.peek();
    return t?.t === 'name' && t.prefix === undefined && t.local === v;
  }
  private take(v: string): void {
    if (!this.isOp(v)) this.fail(`expected '${v}'`);
    this.i++;
  }

  parse(): Expr {
    if (!this.toks.length) this.fail('empty expression');
    const e = this.or();
    if (this.i < this.toks.length) this.fail('unexpected text after the expression');
    return e;
  }

  private binary(next: () => Expr, ops: readonly string[], names: readonly string[]): Expr {
    let a = next();
    for (;;) {
      const t = this.peek();
      let op: string | undefined;
      if (t?.t === 'op' && ops.includes(t.v)) op = t.v;
      else if (t?.t === 'name' && names.some((n) => this.isOperatorName(n))) op = t.local;
      if (op === undefined) return a;
      this.i++;
      a = { k: 'bin', op: op as BinOp, a, b: next() };
    }
  }
  private or = (): Expr => this.binary(this.and, [], ['or']);
  private and = (): Expr => this.binary(this.equality, [], ['and']);
  private equality = (): Expr => this.binary(this.relational, ['=', '!='], []);
  private relational = (): Expr => this.binary(this.additive, ['<', '<=', '>', '>='], []);
  private additive = (): Expr => this.binary(this.multiplicative, ['+', '-'], []);
  private multiplicative = (): Expr => this.binary(this.unary, ['*'], ['div', 'mod']);
  private unary = (): Expr => {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', a: this.unary() };
    }
    return this.union();
  };
  private union = (): Expr => this.binary(this.path, ['|'], []);

  private path = (): Expr => {
    const t = this.peek();
    if (!t) this.fail('expression ends too early');
    const startsFilter = t.t === 'num' || t.t === 'str' || (t.t === 'op' && t.v === '(') || (t.t === 'name' && t.local !== '*' && this.isOp('(', 1) && !NODE_TYPES.has(t.local));
    if (!startsFilter) return this.locationPath();
    const primary = this.primary();
    const filter: Expr[] = [];
    while (this.isOp('[')) filter.push(this.predicate());
    if (!this.isOp('/') && !this.isOp('//')) {
      if (!filter.length) return primary;
      return { k: 'path', from: primary, filter, steps: [] };
    }
    return { k: 'path', from: primary, filter, steps: this.relativeSteps(true) };
  };

  private primary(): Expr {
    const t = this.peek();
    this.i++;
    if (t?.t === 'num') return { k: 'num', v: t.v };
    if (t?.t === 'str') return { k: 'str', v: t.v };
    if (t?.t === 'op' && t.v === '(') {
      const e = this.or();
      this.take(')');
      return e;
    }
    if (t?.t === 'name') {
      if (t.prefix !== undefined) this.fail(`unknown function ${t.prefix}:${t.local}()`);
      const spec = FUNCTIONS.get(t.local);
      if (!spec) this.fail(`unknown function ${t.local}()`);
      this.take('(');
      const args: Expr[] = [];
      if (!this.isOp(')')) {
        args.push(this.or());
        while (this.isOp(',')) {
          this.i++;
          args.push(this.or());
        }
      }
      this.take(')');
      if (args.length < spec.min || args.length > spec.max) this.fail(`${t.local}() takes ${spec.min === spec.max ? spec.min : `${spec.min} to ${spec.max}`} arguments, not ${args.length}`);
      return { k: 'call', fn: t.local, args };
    }
    return this.fail('expected an expression');
  }

  private predicate(): Expr {
    this.take('[');
    const e = this.or();
    this.take(']');
    return e;
  }

  private locationPath(): Expr {
    if (this.isOp('/')) {
      this.i++;
      const t = this.peek();
      const stepFollows = t !== undefined && (t.t === 'name' || (t.t === 'op' && (t.v === '.' || t.v === '..' || t.v === '@' || t.v === '*')));
      return { k: 'path', from: 'root', filter: [], steps: stepFollows ? this.relativeSteps(false) : [] };
    }
    if (this.isOp('//')) return { k: 'path', from: 'root', filter: [], steps: this.relativeSteps(true) };
    return { k: 'path', from: 'context', filter: [], steps: this.relativeSteps(false) };
  }

  /** Steps separated by / or //; `leadingSeparator`: one comes first. */
  private relativeSteps(leadingSeparator: boolean): Step[] {
    const steps: Step[] = [];
    let sep = leadingSeparator;
    for (;;) {
      if (sep && this.isOp('//')) {
        this.i++;
        steps.push({ axis: 'descendant-or-self', test: { kind: 'node' }, preds: [] });
      } else if (sep) {
        this.take('/');
      }
      steps.push(this.step());
      if (!this.isOp('/') && !this.isOp('//')) return steps;
      sep = true;
    }
  }

  private step(): Step {
    if (this.isOp('.')) {
      this.i++;
      return { axis: 'self', test: { kind: 'node' }, preds: [] };
    }
    if (this.isOp('..')) {
      this.i++;
      return { axis: 'parent', test: { kind: 'node' }, preds: [] };
    }
    let axis: Axis = 'child';
    if (this.isOp('@')) {
      this.i++;
      axis = 'attribute';
    } else {
      const t = this.peek();
      if (t?.t === 'name' && t.prefix === undefined && this.isOp('::', 1)) {
        if (!AXES.has(t.local)) this.fail(`unsupported axis ${t.local}`);
        axis = t.local as Axis;
        this.i += 2;
      }
    }
    const test = this.nodeTest();
    const preds: Expr[] = [];
    while (this.isOp('[')) preds.push(this.predicate());
    return { axis, test, preds };
  }

  private nodeTest(): NodeTest {
    const t = this.peek();
    if (t?.t === 'op' && t.v === '*') {
      this.i++;
      return { kind: 'wildcard' };
    }
    if (t?.t !== 'name') return this.fail('expected a node test');
    this.i++;
    if (t.prefix === undefined && NODE_TYPES.has(t.local) && this.isOp('(')) {
      if (t.local !== 'node') this.fail(`${t.local}() is not available in YANG data trees`);
      this.take('(');
      this.take(')');
      return { kind: 'node' };
    }
    let ns: string | undefined;
    if (t.prefix !== undefined) {
      ns = this.namespaces.get(t.prefix);
      if (ns === undefined) this.fail(`unknown prefix "${t.prefix}"`);
    }
    return t.local === '*' ? { kind: 'wildcard', ns } : { kind: 'name', ns, local: t.local };
  }
}

/** Compiles an expression; throws XPathSyntaxError. */
export function compileExpression(source: string, namespaces: ReadonlyMap<string, string>): CompiledXPath {
  return { source, expr: new Parser(source, tokenize(source), namespaces).parse(), namespaces };
}

const compiled = new WeakMap<XPathConstraint, CompiledXPath>();

/** Compiles a `when` or `must` once; throws XPathSyntaxError. */
export function compileXPath(c: XPathConstraint): CompiledXPath {
  let x = compiled.get(c);
  if (!x) {
    x = compileExpression(c.expression, c.namespaces);
    compiled.set(c, x);
  }
  return x;
}

// ---------------------------------------------------------------------------
// Values (XPath section 4)

export type XPathValue = XPathNode[] | string | number | boolean;

const isNodeSet = (v: XPathValue): v is XPathNode[] => Array.isArray(v);

export function numberToString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n === 0 ? '0' : n.toFixed(0);
  const s = String(n);
  if (!s.includes('e')) return s;
  // no exponent in XPath: spell every digit
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

export function stringToNumber(s: string): number {
  const t = s.trim();
  return /^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(t) ? Number(t) : NaN;
}

export interface Evaluation {
  readonly tree: AccessibleTree;
  /** namespace of unprefixed names: the module of the node the expression belongs to (RFC 7950 section 6.4.1) */
  readonly defaultNs: string;
}

interface Env extends Evaluation {
  readonly current: XPathNode;
  readonly namespaces: ReadonlyMap<string, string>;
}
interface Ctx {
  readonly node: XPathNode;
  readonly pos: number;
  readonly size: number;
}

/** Evaluates an expression with `context` as context node and current() (RFC 7950 section 6.4.1). */
export function evaluateXPath(x: CompiledXPath, context: XPathNode, ev: Evaluation): XPathValue {
  const env: Env = { ...ev, current: context, namespaces: x.namespaces };
  return evaluate(x.expr, { node: context, pos: 1, size: 1 }, env);
}

/** boolean() of the result: how `when` and `must` are read. */
export function xpathTrue(x: CompiledXPath, context: XPathNode, ev: Evaluation): boolean {
  return toBoolean(evaluateXPath(x, context, ev));
}

export function toBoolean(v: XPathValue): boolean {
  if (isNodeSet(v)) return v.length > 0;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return v;
}
export function toStringValue(v: XPathValue): string {
  if (isNodeSet(v)) return v.length ? stringValue(v[0].el) : '';
  if (typeof v === 'number') return numberToString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v;
}
export function toNumber(v: XPathValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return stringToNumber(toStringValue(v));
}

function nodeSet(v: XPathValue, what: string): XPathNode[] {
  if (!isNodeSet(v)) throw new XPathEvalError(`${what} needs a node-set`);
  return v;
}

/** The path of child positions from the root, for document order. */
export function orderKey(tree: AccessibleTree, n: XPathNode): number[] {
  const key: number[] = [];
  for (let x: XPathNode | undefined = n; x?.parent; x = x.parent) key.push(tree.indexOf(x));
  return key.reverse();
}
export function compareKeys(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
function documentOrder(tree: AccessibleTree, nodes: XPathNode[]): XPathNode[] {
  if (nodes.length < 2) return nodes;
  const keyed = nodes.map((n) => ({ n, k: orderKey(tree, n) }));
  keyed.sort((a, b) => compareKeys(a.k, b.k));
  return keyed.map((x) => x.n);
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
    const next: XPathNode[] = [];
    const seen = new Set<XmlElement>();
    for (const n of nodes) {
      let cands = step.axis === 'child' && step.test.kind === 'name' ? namedChildren(n, step.test.ns ?? env.defaultNs, step.test.local, env.tree) : axis(step.axis, n, env.tree).filter((c) => matches(step.test, c, env));
      for (const p of step.preds) cands = applyPredicate(cands, p, env);
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

// ---------------------------------------------------------------------------
// Functions (XPath section 4, RFC 7950 section 10)

const regexCache = new Map<string, RegExp>();

function substring(s: string, start: number, len?: number): string {
  const chars = Array.from(s);
  const first = Math.round(start);
  const end = len === undefined ? Infinity : first + Math.round(len);
  let out = '';
  chars.forEach((c, i) => {
    const p = i + 1;
    if (p >= first && p < end) out += c;
  });
  return out;
}

function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  return Math.floor(x + 0.5);
}

function argValue(args: readonly Expr[], i: number, ctx: Ctx, env: Env): XPathValue {
  return evaluate(args[i], ctx, env);
}
/** The i-th argument as a string; absent, the context node's string-value. */
function argString(args: readonly Expr[], i: number, ctx: Ctx, env: Env): string {
  return i < args.length ? toStringValue(evaluate(args[i], ctx, env)) : stringValue(ctx.node.el);
}
/** The i-th argument as a node-set; absent, the context node. */
function argNodes(fn: string, args: readonly Expr[], i: number, ctx: Ctx, env: Env): XPathNode[] {
  return i < args.length ? nodeSet(evaluate(args[i], ctx, env), `${fn}()`) : [ctx.node];
}
function argFirst(fn: string, args: readonly Expr[], i: number, ctx: Ctx, env: Env): XPathNode | undefined {
  return documentOrder(env.tree, argNodes(fn, args, i, ctx, env))[0];
}

function call(fn: string, args: readonly Expr[], ctx: Ctx, env: Env): XPathValue {
  const arg = (i: number): XPathValue => argValue(args, i, ctx, env);
  const str = (i: number): string => argString(args, i, ctx, env);
  switch (fn) {
    case 'last':
      return ctx.size;
    case 'position':
      return ctx.pos;
    case 'count':
      return argNodes(fn, args, 0, ctx, env).length;
    case 'local-name': {
      const n = argFirst(fn, args, 0, ctx, env);
      return n?.parent ? n.el.name : '';
    }
    case 'namespace-uri': {
      const n = argFirst(fn, args, 0, ctx, env);
      return n?.parent ? n.el.ns : '';
    }
    case 'name': {
      const n = argFirst(fn, args, 0, ctx, env);
      if (!n?.parent) return '';
      const prefix = env.tree.registry.moduleByNamespace(n.el.ns)?.prefix;
      return prefix ? `${prefix}:${n.el.name}` : n.el.name;
    }
    case 'string':
      return str(0);
    case 'concat':
      return args.map((_, i) => str(i)).join('');
    case 'starts-with':
      return str(0).startsWith(str(1));
    case 'contains':
      return str(0).includes(str(1));
    case 'substring-before': {
      const s = str(0);
      const k = s.indexOf(str(1));
      return k < 0 ? '' : s.slice(0, k);
    }
    case 'substring-after': {
      const s = str(0);
      const t = str(1);
      const k = s.indexOf(t);
      return k < 0 ? '' : s.slice(k + t.length);
    }
    case 'substring':
      return substring(str(0), toNumber(arg(1)), args.length > 2 ? toNumber(arg(2)) : undefined);
    case 'string-length':
      return Array.from(str(0)).length;
    case 'normalize-space':
      return str(0).replace(/[ \t\r\n]+/g, ' ').trim();
    case 'translate': {
      const from = Array.from(str(1));
      const to = Array.from(str(2));
      return Array.from(str(0))
        .map((c) => {
          const k = from.indexOf(c);
          return k < 0 ? c : (to[k] ?? '');
        })
        .join('');
    }
    case 'boolean':
      return toBoolean(arg(0));
    case 'not':
      return !toBoolean(arg(0));
    case 'true':
      return true;
    case 'false':
      return false;
    case 'number':
      return args.length ? toNumber(arg(0)) : stringToNumber(stringValue(ctx.node.el));
    case 'sum':
      return argNodes(fn, args, 0, ctx, env).reduce((acc, n) => acc + stringToNumber(stringValue(n.el)), 0);
    case 'floor':
      return Math.floor(toNumber(arg(0)));
    case 'ceiling':
      return Math.ceil(toNumber(arg(0)));
    case 'round':
      return round(toNumber(arg(0)));
    case 'current':
      return [env.current];
    case 're-match': {
      const pattern = str(1);
      let re = regexCache.get(pattern);
      if (!re) {
        try {
          re = xsdRegex(pattern);
        } catch (err) {
          throw new XPathEvalError(`re-match(): bad pattern '${pattern}': ${(err as Error).message}`);
        }
        if (regexCache.size >= 1000) regexCache.clear(); // patterns taken from data must not grow it forever
        regexCache.set(pattern, re);
      }
      return re.test(str(0));
    }
    case 'deref': {
      const n = argFirst(fn, args, 0, ctx, env);
      return n ? deref(n, env) : [];
    }
    case 'derived-from':
    case 'derived-from-or-self': {
      const nodes = argNodes(fn, args, 0, ctx, env);
      const base = identityKey(str(1), (p) => (p === undefined ? env.defaultNs : env.namespaces.get(p)), env.tree.registry);
      if (base === undefined) return false;
      return nodes.some((n) => {
        const id = identityKey(stringValue(n.el).trim(), (p) => (p === undefined ? n.schema?.namespace : prefixAt(n, p)), env.tree.registry);
        return id !== undefined && ((fn === 'derived-from-or-self' && id === base) || derivesFrom(env.tree.registry, id, base, new Set()));
      });
    }
    case 'enum-value': {
      const n = argFirst(fn, args, 0, ctx, env);
      const s = n?.schema;
      if (!n || !s || (s.kind !== 'leaf' && s.kind !== 'leaf-list')) return NaN;
      return enumValue(s.type, stringValue(n.el)) ?? NaN;
    }
    case 'bit-is-set': {
      const n = argFirst(fn, args, 0, ctx, env);
      return n !== undefined && stringValue(n.el).split(/\s+/).includes(str(1));
    }
  }
  throw new XPathEvalError(`unknown function ${fn}()`);
}

/** The namespace a prefix means at a node: declared on it or on an ancestor (parsed elements also know their parents). */
export function prefixAt(n: XPathNode, prefix: string): string | undefined {
  for (let x: XPathNode | undefined = n; x; x = x.parent) {
    const uri = x.el.nsDecls?.[prefix];
    if (uri !== undefined) return uri;
  }
  return resolvePrefix(n.el.parent, prefix);
}

/** 'module:name' of an identity written `prefix:name`. */
function identityKey(value: string, resolve: (prefix: string | undefined) => string | undefined, registry: SchemaRegistry): string | undefined {
  const k = value.indexOf(':');
  const ns = resolve(k < 0 ? undefined : value.slice(0, k));
  const mod = ns === undefined ? undefined : registry.moduleByNamespace(ns);
  return mod ? `${mod.name}:${value.slice(k + 1)}` : undefined;
}

function derivesFrom(registry: SchemaRegistry, id: string, base: string, seen: Set<string>): boolean {
  const identity = registry.identity(id);
  if (!identity) return false;
  return identity.bases.some((b) => {
    if (b === base) return true;
    if (seen.has(b)) return false;
    seen.add(b);
    return derivesFrom(registry, b, base, seen);
  });
}

function enumValue(type: YangType, value: string): number | undefined {
  if (type.base === 'enumeration') return type.enums.find((e) => e.name === value)?.value;
  if (type.base === 'leafref') return type.target && enumValue(type.target, value);
  if (type.base === 'union') {
    for (const t of type.types) {
      const v = enumValue(t, value);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** RFC 7950 section 10.3.1: the nodes a leafref or instance-identifier refers to. */
function deref(n: XPathNode, env: Env): XPathNode[] {
  const s = n.schema;
  if (!s || (s.kind !== 'leaf' && s.kind !== 'leaf-list')) return [];
  const value = stringValue(n.el);
  const refs = (t: YangType): XPathNode[] => {
    if (t.base === 'leafref') return env.tree.leafrefTargets(n, t).filter((x) => stringValue(x.el) === value);
    if (t.base === 'instance-identifier') return instanceTargets(n, value, env.tree);
    if (t.base === 'union') {
      for (const m of t.types) {
        const r = refs(m);
        if (r.length) return r;
      }
    }
    return [];
  };
  return refs(s.type);
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
