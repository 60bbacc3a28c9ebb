// The difference between two versions of a datastore's content, node by
// node: what a commit hands to its subscribers, to access control (RFC 8341
// section 3.4.5) and to the netconf-config-change notification (RFC 6470
// section 2.3).
import { sharedEnds } from '../model/array-ends';
import type { InstancePath, NetconfRpcError } from '../model/rpc-error';
import { serialize, XmlElement } from '../model/xml';
import { childLookup, frameOf, idOf, isDataNode, type DataNode, type Lookup } from '../yang/data-tree';
import { Frame, pathOf } from '../yang/instance-path';
import type { SchemaRegistry } from '../yang/registry';

/** Access control of writes (RFC 8341 section 3.4.5): the error when a change is not allowed. */
export type WriteGuard = (changes: readonly DiffEntry[]) => NetconfRpcError | undefined;

export interface DiffEntry extends InstancePath {
  /**
   * create: the node and its subtree are new; delete: the node and its
   * subtree are gone (reported at the topmost node only, never for its
   * descendants); replace: a leaf's or anydata's value changed, or an
   * ordered-by user entry or value moved.
   */
  readonly op: 'create' | 'delete' | 'replace';
  readonly schema: DataNode;
  readonly before?: XmlElement;
  readonly after?: XmlElement;
  /** the node's ancestors from the top-level node down to its parent, as they are in the new content */
  readonly ancestors: readonly XmlElement[];
}

// diffConfig walks both versions together. Subtrees that are the same object
// in both (applyEdit copies only the path it changed) are skipped unlooked-at;
// in a child array, the common prefix and suffix of identical objects are
// skipped (known from the edit that made the array, else one pointer
// comparison each), and only the rest (the entries an edit touched) is
// matched by identity, then by key or value.
//
// Choices made:
// - A non-presence container is never created or deleted (RFC 7950 section
//   7.5.1: it exists whenever its parent does); its children are. When its
//   last child goes, the ancestors of those deletes hold it empty, as it is
//   (conceptually) in the new content.
// - An ordered-by user entry or value that moved is one replace; when its
//   content changed too, the changes inside follow it (access control checks
//   each changed node, RFC 8341 section 3.4.5).
// - Moves are the fewest that explain the new order: the entries outside a
//   longest common subsequence of the old and new order.
// - Nodes without a schema (a module no longer loaded) are not reported: no
//   edit can put them in the content, and a DiffEntry names a schema node.

/** The changes that turn `before` into `after`, in document order of `after`, deletions where they were. */
export function diffConfig(schema: SchemaRegistry, before: readonly XmlElement[], after: readonly XmlElement[]): DiffEntry[] {
  const out: DiffEntry[] = [];
  diffChildren(out, before, after, undefined, [], (el) => topLevel(schema, el));
  return out;
}

function topLevel(schema: SchemaRegistry, el: XmlElement): DataNode | undefined {
  const n = schema.topLevel(el.ns, el.name);
  return n && isDataNode(n) ? n : undefined;
}

interface Side {
  readonly el: XmlElement;
  readonly node: DataNode;
  partner?: number; // index of the matching node on the other side
  moved?: boolean;
}

function diffChildren(out: DiffEntry[], before: readonly XmlElement[], after: readonly XmlElement[], up: Frame | undefined, ancestors: readonly XmlElement[], lookup: Lookup): void {
  if (before === after) return;
  const nb = before.length;
  const na = after.length;
  // an edit's new array: the ends it kept are known, not looked at again
  let { prefix: p, suffix: s } = sharedEnds(before, after);
  while (p < nb && p < na && before[p] === after[p]) p++;
  while (s < nb - p && s < na - p && before[nb - 1 - s] === after[na - 1 - s]) s++;
  if (p + s === nb && p + s === na) return;
  const side = (el: XmlElement): Side[] => {
    const node = lookup(el);
    return node ? [{ el, node }] : [];
  };
  const bs = before.slice(p, nb - s).flatMap(side);
  const as = after.slice(p, na - s).flatMap(side);
  match(bs, as);
  markMoves(as);
  // after's order; deletions where they stood, before what was created in their place
  const nextPartner: number[] = new Array<number>(as.length);
  for (let j = as.length - 1, k = bs.length; j >= 0; j--) nextPartner[j] = k = as[j].partner ?? k;
  let next = 0;
  const deletionsUpTo = (end: number): void => {
    for (; next < end; next++) {
      const b = bs[next];
      if (b.partner === undefined) removed(out, b.node, b.el, up, ancestors);
    }
  };
  for (const [j, a] of as.entries()) {
    deletionsUpTo(nextPartner[j]);
    if (a.partner === undefined) {
      created(out, a.node, a.el, up, ancestors);
      continue;
    }
    const b = bs[a.partner];
    const frame = frameOf(a.node, a.el, up);
    if (a.moved) out.push({ op: 'replace', ...pathOf(frame), schema: a.node, before: b.el, after: a.el, ancestors });
    if (b.el !== a.el) changed(out, a.node, b.el, a.el, frame, ancestors);
  }
  deletionsUpTo(bs.length);
}

/** Pairs the nodes of both sides: the same object first, then the same identity. */
function match(bs: Side[], as: Side[]): void {
  const byEl = new Map<XmlElement, number>();
  bs.forEach((b, i) => byEl.set(b.el, i));
  const rest: number[] = [];
  as.forEach((a, j) => {
    const i = byEl.get(a.el);
    if (i === undefined) {
      rest.push(j);
    } else {
      a.partner = i;
      bs[i].partner = j;
    }
  });
  if (!rest.length) return;
  const byId = new Map<string, number>();
  bs.forEach((b, i) => {
    if (b.partner === undefined) byId.set(idOf(b.node, b.el), i);
  });
  for (const j of rest) {
    const i = byId.get(idOf(as[j].node, as[j].el));
    if (i !== undefined && bs[i].node === as[j].node) {
      as[j].partner = i;
      bs[i].partner = j;
    }
  }
}

/** Marks the ordered-by user entries and values whose relative order changed: those outside a longest increasing run of old positions. */
function markMoves(as: readonly Side[]): void {
  const groups = new Map<DataNode, Side[]>();
  for (const a of as) {
    if (a.partner === undefined || (a.node.kind !== 'list' && a.node.kind !== 'leaf-list') || a.node.orderedBy !== 'user') continue;
    const g = groups.get(a.node);
    if (g) g.push(a);
    else groups.set(a.node, [a]);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const keep = longestIncreasing(g.map((a) => a.partner ?? 0));
    g.forEach((a, k) => {
      if (!keep.has(k)) a.moved = true;
    });
  }
}

/** Indexes of one longest strictly increasing subsequence of `xs` (patience sorting, O(n log n)). */
function longestIncreasing(xs: readonly number[]): Set<number> {
  const tails: number[] = []; // index in xs of the smallest tail of a run of each length
  const prev: number[] = new Array<number>(xs.length).fill(-1);
  xs.forEach((x, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]] < x) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  });
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = prev[i]) keep.add(i);
  return keep;
}

function created(out: DiffEntry[], node: DataNode, el: XmlElement, up: Frame | undefined, ancestors: readonly XmlElement[]): void {
  const frame = frameOf(node, el, up);
  if (node.kind === 'container' && !node.presence) diffChildren(out, [], el.children, frame, [...ancestors, el], childLookup(node));
  else out.push({ op: 'create', ...pathOf(frame), schema: node, after: el, ancestors });
}

function removed(out: DiffEntry[], node: DataNode, el: XmlElement, up: Frame | undefined, ancestors: readonly XmlElement[]): void {
  const frame = frameOf(node, el, up);
  if (node.kind === 'container' && !node.presence) diffChildren(out, el.children, [], frame, [...ancestors, { ns: el.ns, name: el.name, attrs: [], children: [], text: '' }], childLookup(node));
  else out.push({ op: 'delete', ...pathOf(frame), schema: node, before: el, ancestors });
}

/** Two versions of one node (different objects). */
function changed(out: DiffEntry[], node: DataNode, before: XmlElement, after: XmlElement, frame: Frame, ancestors: readonly XmlElement[]): void {
  switch (node.kind) {
    case 'leaf':
      if (before.text !== after.text) out.push({ op: 'replace', ...pathOf(frame), schema: node, before, after, ancestors });
      return;
    case 'leaf-list':
      return; // matched by value: the same value
    case 'anydata':
    case 'anyxml':
      if (serialize(before) !== serialize(after)) out.push({ op: 'replace', ...pathOf(frame), schema: node, before, after, ancestors });
      return;
    default:
      diffChildren(out, before.children, after.children, frame, [...ancestors, after], childLookup(node));
  }
}
