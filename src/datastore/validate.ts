// Validation of a whole configuration datastore (RFC 7950 section 8.3.3):
// the constraints an edit cannot see alone — mandatory nodes and choices,
// min-elements and max-elements, unique, leafref and instance-identifier
// require-instance, when and must — plus the values' types again (content
// read from a startup file or given to copy-config comes from outside).
//
// Errors, error-type application, every one found (at most MAX_ERRORS), in
// document order; error-path is the instance path of the offending node, or
// of the node that should be there:
// - unique: operation-failed, app-tag data-not-unique (RFC 7950 section 15.1),
//   at the later of two entries; the message names the leaves.
// - max-elements / min-elements: operation-failed, too-many-elements /
//   too-few-elements, error-path the list or leaf-list (15.2, 15.3).
// - must: operation-failed, app-tag the must's error-app-tag or
//   must-violation, error-message the must's error-message (15.4).
// - leafref or instance-identifier to no instance: data-missing,
//   instance-required, at the referring leaf (15.5).
// - mandatory choice with no case: data-missing, missing-choice, error-path
//   the choice's parent, error-info <missing-choice> (15.6).
// - mandatory leaf or anydata missing (sections 7.6.5, 8.3.3 name no error):
//   missing-element with error-info <bad-element>, as RFC 6241 Appendix A
//   describes "an expected element is missing", at the missing node's path.
// - a node present whose `when` is false: unknown-element (section 8.3.2).
// - a value its type refuses: invalid-value; an element the schema does not
//   know: unknown-element; two cases of a choice or a repeated node:
//   bad-element (section 8.3.1); a list entry without a key: missing-element.
// - an expression that cannot be evaluated: operation-failed.
// Configuration false nodes are not configuration: they are not looked at.
//
// Incremental mode (`changes`, the diff from a valid version to `content`)
// gives the verdict full mode would give, at a cost that follows the size of
// the changes, not of the datastore. A "unit" is a list entry or the root;
// a unit's own nodes are the ones not inside a nested list entry. Re-checked:
// - each created subtree, in full;
// - for a change that is not a list entry, the own nodes of its unit;
// - count and unique constraints of the lists whose entries were created,
//   deleted or changed;
// - when/must expressions reading into nested list entries, at each unit
//   above a change ("down" constraints), and those reading outside their own
//   unit (absolute paths, ".." past the entry, deref()) wherever a changed
//   top-level node is one they read ("global" constraints);
// - the leafrefs to a leaf whose value was deleted or replaced, found
//   through a table from target leaf to referring leaves, at the instances
//   holding that value.
// It assumes the version the changes start from was valid. One cost does
// follow the datastore: finding a leafref's targets among a node's children
// scans them once per version (a pointer comparison each: about 20 us for
// 10,000 peers), because a new version's child array is a new array.
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import type { ErrorInfo, NetconfRpcErrorFields } from '../model/rpc-error';
import { child, type XmlElement } from '../model/xml';
import { AccessibleTree, compareKeys, orderKey, schemaIndex, standIn, stringValue, TreeNode } from '../yang/accessible-tree';
import type { DataNode, Run as SiblingRun, SchemaIndex, Slot, XPathNode } from '../yang/accessible-tree';
import { Frame, keyPredicate, leafListPredicate, pathOf } from '../yang/instance-path';
import type { CaseSchema, ChoiceSchema, DataNodeSchema, LeafListSchema, LeafSchema, ListSchema, XPathConstraint, YangType } from '../yang/schema';
import type { SchemaRegistry } from '../yang/registry';
import { checkValue, PrefixResolver } from '../yang/validate';
import { instanceTargets, schemaReach, xpathTrue } from '../yang/xpath';
import { prefixAt, XPathEvalError } from '../yang/xpath-functions';
import { compileXPath, XPathSyntaxError } from '../yang/xpath-parse';
import type { DiffEntry } from './diff';

export const MAX_ERRORS = 100;

/** Every violation in `content`; with `changes` (from a valid version to `content`) only what they can have broken is looked at. */
export function validateConfig(schema: SchemaRegistry, content: readonly XmlElement[], changes?: readonly DiffEntry[]): NetconfRpcError[] {
  const run = new Run(schema, content);
  if (changes) run.incremental(changes);
  else run.walkChildren(run.tree.root, true);
  return run.errors();
}

// ---------------------------------------------------------------------------
// Per schema: which constraints reach where

type Unit = ListSchema | null; // null: the root

/** What to re-check: a node's own constraints at each instance, or a node's children (their when, counts, mandatory nodes). */
type Watch = { readonly kind: 'node'; readonly node: DataNode } | { readonly kind: 'children'; readonly parent: DataNode | null };

interface Plan {
  readonly index: SchemaIndex;
  /** constraints reading outside their unit, with the top-level nodes they read ('all' for every node) */
  readonly global: readonly { readonly watch: Watch; readonly tops: ReadonlySet<DataNode> | 'all' }[];
  /** per unit: constraints of its own nodes reading into nested list entries */
  readonly down: ReadonlyMap<Unit, readonly Watch[]>;
  /** leafref target leaf -> the leaves referring to it */
  readonly referrers: ReadonlyMap<DataNode, readonly (LeafSchema | LeafListSchema)[]>;
  /** target leaves and their ancestors, to find deleted target values without walking other subtrees */
  readonly holdsTargets: ReadonlySet<DataNode>;
  /** unique statements resolved to the slots of each step */
  readonly uniques: ReadonlyMap<ListSchema, readonly UniqueSpec[]>;
}

const plans = new WeakMap<SchemaRegistry, Plan>();

function planFor(registry: SchemaRegistry): Plan {
  let plan = plans.get(registry);
  if (!plan) {
    plan = buildPlan(registry);
    plans.set(registry, plan);
  }
  return plan;
}

function buildPlan(registry: SchemaRegistry): Plan {
  const index = schemaIndex(registry);
  const unitOf = (n: DataNode | null): Unit => {
    for (let x: DataNode | null | undefined = n; x; x = index.parent(x)) if (x.kind === 'list') return x;
    return null;
  };
  const topOf = (n: DataNode): DataNode => {
    let x = n;
    for (let up = index.parent(x); up; up = index.parent(x)) x = up;
    return x;
  };
  const unitWithin = (inner: Unit, outer: Unit): boolean => {
    for (let u: Unit = inner; ; u = unitOf(index.parent(u) ?? null)) {
      if (u === outer) return true;
      if (u === null) return false;
    }
  };
  const global: { watch: Watch; tops: Set<DataNode> | 'all' }[] = [];
  const down = new Map<Unit, Watch[]>();
  const referrers = new Map<DataNode, (LeafSchema | LeafListSchema)[]>();
  const uniques = new Map<ListSchema, UniqueSpec[]>();

  /** Files a constraint evaluated at `context` (for a `when`, the dummy node or the parent), owned by unit `owner`. */
  const classify = (c: XPathConstraint, context: DataNode | null, defaultNs: string, owner: Unit, watch: Watch): void => {
    let reach: Set<DataNode | null> | 'anywhere';
    try {
      reach = schemaReach(compileXPath(c), context, index, defaultNs);
    } catch {
      reach = 'anywhere'; // reported when evaluated
    }
    if (reach !== 'anywhere' && [...reach].every((p) => unitOf(p) === owner)) return;
    if (reach !== 'anywhere' && [...reach].every((p) => unitWithin(unitOf(p), owner))) {
      const list = down.get(owner) ?? [];
      list.push(watch);
      down.set(owner, list);
      return;
    }
    const tops = reach === 'anywhere' || reach.has(null) ? 'all' : new Set([...reach].map((p) => topOf(p as DataNode)));
    global.push({ watch, tops });
  };

  const visit = (parent: DataNode | null): void => {
    const table = index.table(parent);
    const childrenWatch: Watch = { kind: 'children', parent };
    const childOwner = unitOf(parent);
    for (const { choice, cases } of table.choices) {
      const enclosing = cases.length ? cases[cases.length - 1][1] : undefined;
      if (!choice.config || (enclosing && !enclosing.config)) continue;
      if (choice.when) classify(choice.when, parent, choice.namespace, childOwner, childrenWatch);
      for (const k of choice.cases) if (k.when) classify(k.when, parent, k.namespace, childOwner, childrenWatch);
    }
    for (const { node } of table.slots) {
      if (!node.config) continue;
      if (node.when) classify(node.when, node, node.namespace, childOwner, childrenWatch);
      for (const m of node.musts) classify(m, node, node.namespace, unitOf(node), { kind: 'node', node });
      if (node.kind === 'leaf' || node.kind === 'leaf-list') {
        for (const ref of references(node.type)) {
          if (ref.base === 'instance-identifier') {
            if (ref.requireInstance) global.push({ watch: { kind: 'node', node }, tops: 'all' });
            continue;
          }
          const target = ref.requireInstance ? leafrefTarget(index, registry, ref.targetPath) : undefined;
          if (target) referrers.set(target, [...(referrers.get(target) ?? []), node]);
        }
      }
      if (node.kind === 'list' && node.uniques.length) uniques.set(node, uniqueSpecs(index, node));
      if (node.kind === 'container' || node.kind === 'list') visit(node);
    }
  };
  visit(null);

  const holdsTargets = new Set<DataNode>();
  for (const t of referrers.keys()) for (let x: DataNode | null | undefined = t; x; x = index.parent(x)) holdsTargets.add(x);
  return { index, global, down, referrers, holdsTargets, uniques };
}

/** The leafref and instance-identifier types in a type (union members too). */
function references(t: YangType): (YangType & { base: 'leafref' | 'instance-identifier' })[] {
  if (t.base === 'leafref' || t.base === 'instance-identifier') return [t];
  if (t.base === 'union') return t.types.flatMap(references);
  return [];
}

function leafrefTarget(index: SchemaIndex, registry: SchemaRegistry, targetPath: string): DataNode | undefined {
  let node: DataNode | null = null;
  let ns: string | undefined;
  for (const part of targetPath.split('/').filter(Boolean)) {
    const k = part.indexOf(':');
    if (k >= 0) ns = registry.module(part.slice(0, k))?.namespace;
    if (ns === undefined) return undefined;
    const slot: Slot | undefined = index.slot(node, ns, part.slice(k + 1));
    if (!slot) return undefined;
    node = slot.node;
  }
  return node ?? undefined;
}

// ---------------------------------------------------------------------------
/** A unique statement (RFC 7950 section 7.8.3): its text, and the slots of each of its descendant leaves from the list entry. */
interface UniqueSpec {
  readonly text: string;
  readonly leaves: readonly (readonly Slot[])[];
}

/** The list's unique statements with their steps resolved once; a statement naming no node here is dropped (no entry could have its leaves). */
function uniqueSpecs(index: SchemaIndex, list: ListSchema): UniqueSpec[] {
  const slotsOf = (descendant: string): Slot[] | undefined => {
    const slots: Slot[] = [];
    let parent: DataNode = list;
    for (const step of descendant.split('/')) {
      const slot: Slot | undefined = index.table(parent).slots.find((x) => x.node.name === step);
      if (!slot) return undefined;
      slots.push(slot);
      parent = slot.node;
    }
    return slots;
  };
  return list.uniques.flatMap((u) => {
    const leaves = u.map(slotsOf);
    return leaves.every((l): l is Slot[] => l !== undefined) ? [{ text: u.join(' '), leaves }] : [];
  });
}

// One validation

interface Violation {
  /** document order: child positions from the root, then a rank */
  readonly key: readonly number[];
  readonly fields: NetconfRpcErrorFields;
}

// ranks of the errors about one node, in the order full mode finds them
const RANK = { when: 0, value: 1, reference: 2, unique: 3, must: 10 } as const;

class Run {
  readonly tree: AccessibleTree;
  private readonly plan: Plan;
  private readonly violations: Violation[] = [];
  private readonly seen = new Set<string>();
  private readonly whens = new Map<XmlElement, Map<object, boolean>>();

  constructor(
    private readonly registry: SchemaRegistry,
    content: readonly XmlElement[],
  ) {
    this.tree = new AccessibleTree(registry, content);
    this.plan = planFor(registry);
  }

  errors(): NetconfRpcError[] {
    const sorted = this.violations.map((v, i) => ({ v, i })).sort((a, b) => compareKeys(a.v.key, b.v.key) || a.i - b.i);
    return sorted.slice(0, MAX_ERRORS).map(({ v }) => new NetconfRpcError(v.fields));
  }

  private report(key: readonly number[], tag: ErrorTag, at: Frame | undefined, message: string, extra: { appTag?: string } & Pick<ErrorInfo, 'badElement' | 'missingChoice' | 'nonUnique'> = {}): void {
    const { path, pathNamespaces } = pathOf(at);
    const id = `${key.join(',')}|${tag}|${extra.appTag ?? ''}|${path}|${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const { appTag, ...rest } = extra;
    const info = Object.keys(rest).length ? rest : undefined;
    this.violations.push({ key, fields: { type: ErrorType.application, tag, appTag, path, pathNamespaces, info, message } });
  }

  // -- positions and paths

  private keyOf(n: XPathNode): number[] {
    return orderKey(this.tree, n);
  }
  /** Key of an error about the node itself. */
  private own(n: XPathNode, rank: number): number[] {
    return [...this.keyOf(n), -1, rank];
  }
  /** Key of an error about something missing among a node's children, at a schema position. */
  private among(p: XPathNode, order: number, rank = 0): number[] {
    return [...this.keyOf(p), this.tree.position(p, order), rank];
  }

  private frame(n: XPathNode): Frame | undefined {
    if (!n.parent) return undefined;
    const up = this.frame(n.parent);
    const s = n.schema;
    if (!s) {
      const prefix = this.registry.moduleByNamespace(n.el.ns)?.prefix ?? 'unknown';
      return { up, prefix, ns: n.el.ns, name: n.el.name };
    }
    let predicate: string | undefined;
    if (s.kind === 'list') predicate = keyPredicate(s, s.keys.map((k) => child(n.el, k, s.namespace)?.text ?? ''));
    else if (s.kind === 'leaf-list') predicate = leafListPredicate(n.el.text);
    return { up, prefix: s.prefix, ns: s.namespace, name: s.name, predicate };
  }
  private childFrame(p: XPathNode, s: DataNode | ChoiceSchema): Frame {
    return { up: this.frame(p), prefix: s.prefix, ns: s.namespace, name: s.name };
  }

  // -- when (RFC 7950 section 7.21.5)

  /** Evaluates a constraint; an expression that cannot be evaluated is reported and counts as true. */
  private holds(c: XPathConstraint, context: XPathNode, defaultNs: string, where: () => [number[], Frame | undefined]): boolean {
    try {
      return xpathTrue(compileXPath(c), context, { tree: this.tree, defaultNs });
    } catch (e) {
      if (!(e instanceof XPathSyntaxError || e instanceof XPathEvalError)) throw e;
      const [key, at] = where();
      this.report(key, ErrorTag.operationFailed, at, `cannot evaluate "${c.expression}": ${e.message}`);
      return true;
    }
  }

  private cachedWhen(p: XPathNode, holder: object, evaluate: () => boolean): boolean {
    let m = this.whens.get(p.el);
    if (!m) this.whens.set(p.el, (m = new Map()));
    let v = m.get(holder);
    if (v === undefined) {
      v = evaluate();
      m.set(holder, v);
    }
    return v;
  }

  /** Whether these choices and cases have true `when`s (their context is the parent, RFC 7950 section 7.21.5). */
  private holdersHold(p: XPathNode, holders: readonly (ChoiceSchema | CaseSchema)[], order: number): boolean {
    for (const holder of holders) if (holder.when && !this.holderHolds(p, holder, holder.when, order)) return false;
    return true;
  }
  private holderHolds(p: XPathNode, holder: ChoiceSchema | CaseSchema, w: XPathConstraint, order: number): boolean {
    return this.cachedWhen(p, holder, () => this.holds(w, p, holder.namespace, () => [this.among(p, order), this.frame(p)]));
  }

  /** Whether a node of this slot may exist under `p`: its `when`, evaluated on a dummy node in its place, and those of its choices and cases. */
  private whenHolds(p: XPathNode, slot: Slot): boolean {
    for (const [choice, kase] of slot.cases) {
      if (choice.when && !this.holderHolds(p, choice, choice.when, slot.order)) return false;
      if (kase.when && !this.holderHolds(p, kase, kase.when, slot.order)) return false;
    }
    const w = slot.node.when;
    if (!w) return true;
    const s = slot.node;
    return this.cachedWhen(p, slot, () => {
      return this.holds(w, standIn(s, p, slot.order), s.namespace, () => [this.among(p, slot.order), this.childFrame(p, s)]);
    });
  }

  // -- the walk

  /**
   * Checks the children of an existing node. `deep`: list entries too, with
   * their keys and unique constraints; otherwise only the own nodes of the
   * unit and the lists' counts.
   */
  walkChildren(p: XPathNode, deep: boolean): void {
    const table = this.tree.table(p);
    const groups: (SiblingRun[] | undefined)[] = []; // by schema order
    const chosen = new Map<ChoiceSchema, CaseSchema>(); // the first case seen of each choice
    for (const run of this.tree.runs(p)) {
      const slot = table.get(run.ns, run.name);
      if (!slot) {
        for (let i = run.start; i < run.end; i++) this.report(this.own(nodeAt(p, i), RANK.when), ErrorTag.unknownElement, this.frame(nodeAt(p, i)), `unknown element "${run.name}" (namespace "${run.ns}")`, { badElement: run.name });
        continue;
      }
      if (!slot.node.config) continue;
      if (slot.cases.some(([choice, kase]) => (chosen.get(choice) ?? kase) !== kase)) {
        for (let i = run.start; i < run.end; i++) this.report(this.own(nodeAt(p, i, slot.node), RANK.when), ErrorTag.badElement, this.frame(nodeAt(p, i, slot.node)), `"${run.name}" is in another case of a choice than a node before it`, { badElement: run.name });
        continue;
      }
      for (const [choice, kase] of slot.cases) chosen.set(choice, kase);
      const g = groups[slot.order];
      if (g) g.push(run);
      else groups[slot.order] = [run];
    }

    for (const slot of table.slots) {
      const s = slot.node;
      if (!s.config) continue;
      const runs = groups[slot.order];
      if (runs) {
        if (!this.whenHolds(p, slot)) {
          for (const n of nodesOf(p, runs, s)) this.whenFalse(n, s);
          continue;
        }
        if (s.kind === 'list' || s.kind === 'leaf-list') this.counts(p, slot, runs.reduce((a, r) => a + r.end - r.start, 0));
        if (s.kind === 'list') {
          if (!deep) continue;
          const entries = nodesOf(p, runs, s);
          this.keys(s, entries);
          for (const n of entries) this.checkNode(n, true);
          this.unique(s, entries);
        } else if (s.kind === 'leaf-list') {
          for (const n of nodesOf(p, runs, s)) this.checkNode(n, deep);
        } else {
          const [first, ...repeated] = nodesOf(p, runs, s);
          for (const n of repeated) this.report(this.own(n, RANK.when), ErrorTag.badElement, this.frame(n), `"${s.name}" appears more than once`, { badElement: s.name });
          this.checkNode(first, deep);
        }
        continue;
      }
      if (!this.whenHolds(p, slot)) continue;
      // RFC 7950 sections 7.6.5, 7.7.5: inside a case, required only when the case is there
      const required = slot.cases.every(([choice, kase]) => chosen.get(choice) === kase);
      if ((s.kind === 'list' || s.kind === 'leaf-list') && required) this.counts(p, slot, 0);
      if ((s.kind === 'leaf' || s.kind === 'anydata' || s.kind === 'anyxml') && s.mandatory && required) {
        this.report(this.among(p, slot.order), ErrorTag.missingElement, this.childFrame(p, s), `mandatory "${s.name}" is missing`, { badElement: s.name });
      }
      if (implicitMatters(s)) for (const n of this.tree.implicit(p, slot)) this.checkNode(n, deep);
    }

    // RFC 7950 section 7.9.4
    for (const { choice, cases, order } of table.choices) {
      if (!choice.mandatory || !choice.config || chosen.has(choice)) continue;
      if (!cases.every(([c, k]) => chosen.get(c) === k)) continue;
      if (!this.holdersHold(p, [...cases.flat(), choice], order)) continue;
      this.report(this.among(p, order), ErrorTag.dataMissing, this.frame(p), `mandatory choice "${choice.name}" has none of its cases`, { appTag: 'missing-choice', missingChoice: choice.name });
    }
  }

  private whenFalse(n: XPathNode, s: DataNode): void {
    this.report(this.own(n, RANK.when), ErrorTag.unknownElement, this.frame(n), `"${s.name}" is present but its "when" condition (or its choice's or case's) is false`, { badElement: s.name });
  }

  /** A node that exists here (its `when` already holds): its value, references and musts, then its children. */
  private checkNode(n: XPathNode, deep: boolean): void {
    const s = n.schema;
    if (!s) return;
    if ((s.kind === 'leaf' || s.kind === 'leaf-list') && !n.implicit) this.checkValue(n, s);
    this.checkMusts(n, s);
    if (s.kind === 'container' || s.kind === 'list') this.walkChildren(n, deep);
  }

  /** RFC 7950 section 15.4: operation-failed, the must's error-app-tag (must-violation) and error-message. */
  private checkMusts(n: XPathNode, s: DataNode): void {
    s.musts.forEach((m, i) => {
      if (!this.holds(m, n, s.namespace, () => [this.own(n, RANK.must + i), this.frame(n)])) {
        this.report(this.own(n, RANK.must + i), ErrorTag.operationFailed, this.frame(n), m.errorMessage ?? `must "${m.expression}" is false`, { appTag: m.errorAppTag ?? 'must-violation' });
      }
    });
  }

  private checkValue(n: XPathNode, s: LeafSchema | LeafListSchema): void {
    if (n.el.children.length) {
      this.report(this.own(n, RANK.value), ErrorTag.invalidValue, this.frame(n), `"${s.name}" is a leaf: it has no child elements`);
      return;
    }
    const value = n.el.text;
    const resolve = resolverAt(n, s.namespace);
    const bad = checkValue(s.type, value, resolve);
    if (bad) {
      this.report(this.own(n, RANK.value), ErrorTag.invalidValue, this.frame(n), `invalid ${s.type.typedef ?? s.type.base} value for "${s.name}": ${bad.message}`, { appTag: bad.appTag });
      return;
    }
    this.checkReference(n, s, resolve);
  }

  /** RFC 7950 sections 9.9, 9.13: require-instance. */
  private checkReference(n: XPathNode, s: LeafSchema | LeafListSchema, resolve: PrefixResolver): void {
    const value = n.el.text;
    const ref = referenceFor(s.type, value, resolve);
    if (!ref || !ref.requireInstance) return;
    const found = ref.base === 'leafref' ? this.tree.leafrefValues(n, ref).has(value) : instanceTargets(n, value, this.tree).length > 0;
    if (!found) {
      const what = ref.base === 'leafref' ? (ref.targetPath || ref.path) : 'an instance';
      this.report(this.own(n, RANK.reference), ErrorTag.dataMissing, this.frame(n), `"${value}" refers to no ${what}`, { appTag: 'instance-required' });
    }
  }

  /** RFC 7950 sections 7.7.5, 7.7.6, 7.8.2 (min-elements, max-elements). */
  private counts(p: XPathNode, slot: Slot, count: number): void {
    const s = slot.node;
    if (s.kind !== 'list' && s.kind !== 'leaf-list') return;
    if (count < s.minElements) this.report(this.among(p, slot.order, 1), ErrorTag.operationFailed, this.childFrame(p, s), `"${s.name}" needs at least ${s.minElements} entries, has ${count}`, { appTag: 'too-few-elements' });
    if (count > s.maxElements) this.report(this.among(p, slot.order, 1), ErrorTag.operationFailed, this.childFrame(p, s), `"${s.name}" allows at most ${s.maxElements} entries, has ${count}`, { appTag: 'too-many-elements' });
  }

  /** Every key present, and no two entries with the same keys (RFC 7950 section 7.8.2). */
  private keys(s: ListSchema, entries: readonly XPathNode[]): void {
    if (!s.keys.length) return;
    const ids = new Set<string>();
    for (const n of entries) {
      let id = '';
      for (const k of s.keys) {
        const el = child(n.el, k, s.namespace);
        if (!el) this.report(this.own(n, RANK.when), ErrorTag.missingElement, this.frame(n), `list entry has no key "${k}"`, { badElement: k });
        id += (el?.text ?? '') + '\u0000';
      }
      if (ids.has(id)) this.report(this.own(n, RANK.when), ErrorTag.badElement, this.frame(n), `a second "${s.name}" entry with the same key`, { badElement: s.name });
      ids.add(id);
    }
  }

  /** RFC 7950 section 7.8.3: leaves with default values count; entries missing one of the leaves do not. */
  private unique(s: ListSchema, entries: readonly XPathNode[]): void {
    const specs = this.plan.uniques.get(s);
    if (!specs) return;
    for (const spec of specs) {
      const firstWith = new Map<string, XPathNode>();
      for (const n of entries) {
        const leaves: XPathNode[] = [];
        for (const steps of spec.leaves) {
          let at: XPathNode | undefined = n;
          for (const slot of steps) at = at && this.tree.instances(at, slot)[0];
          if (!at) break;
          leaves.push(at);
        }
        if (leaves.length < spec.leaves.length) continue;
        const id = JSON.stringify(leaves.map((l) => stringValue(l.el)));
        const first = firstWith.get(id);
        if (!first) {
          firstWith.set(id, n);
          continue;
        }
        this.report(this.own(n, RANK.unique), ErrorTag.operationFailed, this.frame(n), `unique "${spec.text}" is violated: the same values as ${pathOf(this.frame(first)).path}`, {
          appTag: 'data-not-unique',
          nonUnique: leaves.map((l) => pathOf(this.frame(l))),
        });
      }
    }
  }

  // -- incremental mode

  incremental(changes: readonly DiffEntry[]): void {
    const walkedUnits = new Set<XmlElement>();
    const listsChecked = new Set<string>();
    const touchedTops = new Set<DataNode>();
    const removed = new Map<DataNode, Set<string>>();
    const downDone = new Set<string>();

    const checkList = (p: XPathNode, slot: Slot): void => {
      const s = slot.node;
      if (s.kind !== 'list') return;
      const bounded = s.minElements > 0 || s.maxElements !== Infinity;
      if (!bounded && !this.plan.uniques.has(s)) return;
      const id = `${this.keyOf(p).join(',')}|${s.namespace} ${s.name}`;
      if (listsChecked.has(id)) return;
      listsChecked.add(id);
      if (!this.whenHolds(p, slot)) return;
      const entries = this.tree.named(p, s.namespace, s.name);
      if (bounded && (entries.length || slot.cases.every(([c, k]) => this.tree.activeCases(p).get(c) === k))) this.counts(p, slot, entries.length);
      this.unique(s, entries);
    };

    for (const c of changes) {
      const chain = this.chainOf(c.ancestors);
      const p = chain[chain.length - 1];
      const slot = this.tree.table(p).get(c.schema.namespace, c.schema.name);
      if (!slot || !c.schema.config) continue;
      touchedTops.add(chain.length > 1 && chain[1].schema ? chain[1].schema : c.schema);
      if (c.before && c.op !== 'create' && !(c.op === 'replace' && (c.schema.kind === 'list' || c.schema.kind === 'leaf-list'))) this.collectTargets(c.before, c.schema, removed);

      if (c.schema.kind === 'list') {
        if (c.op === 'create' && c.after) {
          const n: XPathNode = new TreeNode(c.after, p, c.schema);
          if (this.whenHolds(p, slot)) this.checkNode(n, true);
          else this.whenFalse(n, c.schema);
        }
        if (c.op !== 'replace') checkList(p, slot);
        // the units above a created or deleted entry start at its parent's
        this.downAbove(chain, chain.length - 1, downDone);
      } else {
        let u = chain.length - 1;
        while (u > 0 && chain[u].schema?.kind !== 'list') u--;
        const unitNode = chain[u];
        if (!walkedUnits.has(unitNode.el)) {
          walkedUnits.add(unitNode.el);
          if (u > 0) {
            const up = chain[u - 1];
            const us = this.tree.table(up).get(unitNode.el.ns, unitNode.el.name);
            if (us) {
              checkList(up, us);
              this.checkNode(unitNode, false);
            }
          } else {
            this.walkChildren(unitNode, false);
          }
        }
        if (c.op === 'create' && c.after) {
          const n: XPathNode = new TreeNode(c.after, p, c.schema);
          if (this.whenHolds(p, slot)) this.checkNode(n, true);
        }
        this.downAbove(chain, u - 1, downDone);
      }
    }

    for (const { watch, tops } of this.plan.global) {
      if (tops === 'all' ? touchedTops.size > 0 : [...tops].some((t) => touchedTops.has(t))) this.runWatch(watch, this.tree.root, null);
    }
    for (const [target, values] of removed) {
      for (const r of this.plan.referrers.get(target) ?? []) {
        for (const n of this.instancesOf(this.tree.root, null, r)) {
          if (values.has(n.el.text) && !n.implicit) this.checkReference(n, r, resolverAt(n, r.namespace));
        }
      }
    }
  }

  /** Nodes for the ancestors of a change, from the root; a non-presence container the diff holds empty is the implicit one. */
  private chainOf(ancestors: readonly XmlElement[]): XPathNode[] {
    const chain: XPathNode[] = [this.tree.root];
    for (const a of ancestors) {
      const p = chain[chain.length - 1];
      const slot = this.tree.table(p).get(a.ns, a.name);
      let n: XPathNode = new TreeNode(a, p, slot?.node);
      if (slot?.node.kind === 'container' && !slot.node.presence && a.children.length === 0) n = this.tree.instances(p, slot)[0] ?? n;
      chain.push(n);
    }
    return chain;
  }

  /** Down constraints of each unit at or above chain[from] (list entries on the chain, then the root). */
  private downAbove(chain: readonly XPathNode[], from: number, done: Set<string>): void {
    for (let i = from; i >= 0; i--) {
      const n = chain[i];
      const s = n.schema;
      let unit: Unit;
      if (i === 0) unit = null;
      else if (s?.kind === 'list') unit = s;
      else continue;
      const watches = this.plan.down.get(unit);
      if (!watches) continue;
      const id = this.keyOf(n).join(',');
      if (done.has(id)) continue;
      done.add(id);
      for (const w of watches) this.runWatch(w, n, unit);
    }
  }

  /** Re-checks a watched constraint at every instance under `from` (an instance of `unit`). */
  private runWatch(w: Watch, from: XPathNode, unit: Unit): void {
    if (w.kind === 'node') {
      for (const n of this.instancesOf(from, unit, w.node)) {
        const s = n.schema;
        if (!s) continue;
        if (s.kind === 'list' || s.kind === 'container') {
          this.checkMusts(n, s);
        } else {
          this.checkNode(n, false);
        }
      }
      return;
    }
    const parents = w.parent === null || w.parent === unit ? [from] : this.instancesOf(from, unit, w.parent);
    for (const p of parents) this.walkChildren(p, false);
  }

  /** The instances of `target` under `from` (an instance of `unit`), skipping nodes whose `when` is false. */
  private instancesOf(from: XPathNode, unit: Unit, target: DataNode): XPathNode[] {
    const index = this.plan.index;
    const steps: DataNode[] = [];
    for (let x: DataNode | null | undefined = target; x && x !== unit; x = index.parent(x)) steps.unshift(x);
    let nodes = [from];
    for (const s of steps) {
      const next: XPathNode[] = [];
      for (const n of nodes) {
        const slot = this.tree.table(n).get(s.namespace, s.name);
        if (!slot || !this.whenHolds(n, slot)) continue;
        next.push(...this.tree.instances(n, slot));
      }
      nodes = next;
    }
    return nodes;
  }

  /** Values of leafref targets inside a deleted or replaced subtree. */
  private collectTargets(el: XmlElement, s: DataNode, out: Map<DataNode, Set<string>>): void {
    if (!this.plan.holdsTargets.has(s)) return;
    if (s.kind === 'leaf' || s.kind === 'leaf-list') {
      const values = out.get(s) ?? new Set<string>();
      values.add(el.text);
      out.set(s, values);
      return;
    }
    for (const c of el.children) {
      const slot = this.plan.index.slot(s, c.ns, c.name);
      if (slot) this.collectTargets(c, slot.node, out);
    }
  }
}

/** Prefixes of a value (identityref, instance-identifier) mean what they are declared as where it stands; none: the leaf's module. */
function resolverAt(n: XPathNode, ownNs: string): PrefixResolver {
  return (prefix) => (prefix === undefined ? ownNs : prefixAt(n, prefix));
}

function nodeAt(p: XPathNode, i: number, schema?: DataNode): XPathNode {
  return new TreeNode(p.el.children[i], p, schema, i);
}

function nodesOf(p: XPathNode, runs: readonly SiblingRun[], schema: DataNode): XPathNode[] {
  const out: XPathNode[] = [];
  for (const r of runs) for (let i = r.start; i < r.end; i++) out.push(nodeAt(p, i, schema));
  return out;
}

const matters = new WeakMap<DataNode, boolean>();

/**
 * Whether an implicit instance (a default, a non-presence container) has
 * anything to check: a must, or below a container a mandatory node, a
 * min-elements or a must.
 */
function implicitMatters(n: DataNode): boolean {
  let m = matters.get(n);
  if (m !== undefined) return m;
  m = n.musts.length > 0;
  if (!m && n.kind === 'container') {
    const inside = (nodes: readonly DataNodeSchema[]): boolean =>
      nodes.some((c) => {
        if (c.kind === 'choice') return c.mandatory || c.cases.some((k) => inside(k.children));
        if (c.kind === 'leaf' || c.kind === 'anydata' || c.kind === 'anyxml') return c.mandatory || c.musts.length > 0;
        if (c.kind === 'list' || c.kind === 'leaf-list') return c.minElements > 0 || c.musts.length > 0;
        return implicitMatters(c);
      });
    m = inside(n.children);
  }
  matters.set(n, m);
  return m;
}

/** The leafref or instance-identifier that applies to a value (for a union, the member type the value is of). */
function referenceFor(t: YangType, value: string, resolve: PrefixResolver): (YangType & { base: 'leafref' | 'instance-identifier' }) | undefined {
  if (t.base === 'leafref' || t.base === 'instance-identifier') return t;
  if (t.base !== 'union') return undefined;
  const member = t.types.find((m) => checkValue(m, value, resolve) === undefined);
  return member && referenceFor(member, value, resolve);
}
