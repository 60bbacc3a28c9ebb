// The accessible tree of YANG XPath (RFC 7950 section 6.4.1): every top-level
// node of the datastore, plus the default values of absent leaves and
// leaf-lists and the non-presence containers that exist implicitly wherever
// their parent exists; the schema index it is read through; and document
// order (XPath 1.0 section 5).
//
// Datastore content is shared between versions, so elements carry no parent
// links: a node here is an element plus the chain of its ancestors (XPathNode).
// Limit, on purpose: defaults are added without looking at the `when` of the
// defaulted node.
import { sharedEnds } from '../model/array-ends';
import type { XmlElement } from '../model/xml';
import type { CaseSchema, ChoiceSchema, DataNodeSchema, YangType } from './schema';
import type { SchemaRegistry } from './registry';

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
  /** a stand-in's schema position (standIn()) */
  readonly order?: number;
}

/**
 * The nodes this module and validation make. A class, not object literals:
 * V8 pretenures the objects of a literal whose objects survived young
 * collections (a full validation holds the nodes of 10,000 peers), and a
 * commit's nodes, then made in the old generation, kept the version they
 * point into (its 80 KB peer array) alive until a full collection. Objects
 * made by `new` are never pretenured.
 */
export class TreeNode implements XPathNode {
  constructor(
    readonly el: XmlElement,
    readonly parent: XPathNode | undefined,
    readonly schema: DataNode | undefined,
    public index?: number,
    readonly implicit?: boolean,
    readonly order?: number,
  ) {}
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

/**
 * A node of schema position `order` under `parent` that is not there, as a
 * `when` of that node is evaluated on it (RFC 7950 section 7.21.5): where it
 * would stand is worked out only if asked.
 */
export function standIn(node: DataNode, parent: XPathNode, order: number): XPathNode {
  return new TreeNode({ ns: node.namespace, name: node.name, attrs: [], children: [], text: '' }, parent, node, undefined, false, order);
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
// pointer by pointer (a common prefix and suffix, or the ends the edit that
// made it kept: model/array-ends.ts) and reading only the elements in between
// is exact and several times cheaper.
const REBASE_FROM = 1024;
const lastRuns = new Map<string, { readonly children: readonly XmlElement[]; readonly runs: readonly Run[] }>();

function rebaseRuns(old: readonly XmlElement[], oldRuns: readonly Run[], now: readonly XmlElement[]): Run[] {
  const max = Math.min(old.length, now.length);
  let { prefix: pre, suffix: suf } = sharedEnds(old, now);
  while (pre < max && old[pre] === now[pre]) pre++;
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
    this.root = new TreeNode({ ns: '', name: '', attrs: [], children: content as XmlElement[], text: '' }, undefined, undefined);
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
    // a list entry's leaves (a `when` reading a sibling): looked at directly, without runs
    if (children.length < 32) {
      for (let i = 0; i < children.length; i++) {
        const c = children[i];
        if (c.name !== name || c.ns !== ns) continue;
        if (!looked) {
          schema = this.table(node).get(ns, name)?.node;
          looked = true;
        }
        out.push(new TreeNode(c, node, schema, i));
      }
      return out;
    }
    for (const r of runsOf(node)) {
      if (r.name !== name || r.ns !== ns) continue;
      if (!looked) {
        schema = this.table(node).get(ns, name)?.node;
        looked = true;
      }
      for (let i = r.start; i < r.end; i++) out.push(new TreeNode(children[i], node, schema, i));
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
      for (let i = r.start; i < r.end; i++) out.push(new TreeNode(children[i], node, schema, i));
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
    return els.map((el) => new TreeNode(el, node, n, undefined, true));
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
      const order = node.order ?? implicitOrder.get(node.el);
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
// Document order (XPath section 5)

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
export function documentOrder(tree: AccessibleTree, nodes: XPathNode[]): XPathNode[] {
  if (nodes.length < 2) return nodes;
  const keyed = nodes.map((n) => ({ n, k: orderKey(tree, n) }));
  keyed.sort((a, b) => compareKeys(a.k, b.k));
  return keyed.map((x) => x.n);
}
