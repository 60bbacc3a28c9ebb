// NETCONF subtree filtering (RFC 6241 section 6), also applied to event
// notifications (RFC 5277 section 3.6). Pure: no I/O.
//
// Evaluation first computes a Selection over the data (which children of
// which nodes are selected), then builds the output once from it. So data the
// filter does not select is only walked, never copied, and several filter
// subtrees that select the same data merge without duplicates (RFC 6241 6.1).
import { NS } from '../model/namespaces';
import { XmlElement } from '../model/xml';

export interface SubtreeFilterOptions {
  /**
   * Key leaf names of the list that a data node at `path` (local names from the
   * top-level data node down to it) in namespace `ns` is an entry of, or
   * undefined when it is no list entry.
   */
  listKeys?: (ns: string, path: readonly string[]) => readonly string[] | undefined;
  /** RFC 8526 section 3.1.1 max-depth of the selected nodes; undefined: unbounded */
  maxDepth?: number;
}

/** `true`: the whole data subtree; a map: the selected children by index. */
export type Selection = true | Map<number, Selection>;

/** A filter node's children sorted by RFC 6241 6.2 node type. */
interface SiblingSet {
  contentMatch: XmlElement[]; // 6.2.5: leaf with non-whitespace text
  byName: Map<string, XmlElement[]>; // 6.2.3 containment and 6.2.4 selection nodes
}

interface Context {
  readonly listKeys: SubtreeFilterOptions['listKeys'];
  readonly siblingSets: Map<readonly XmlElement[], SiblingSet>;
  readonly keyCache: Map<string, readonly string[] | undefined>;
}

/** Selects from `data` (top-level data nodes of a datastore or of state) what the filter's children select. */
export function applySubtreeFilter(filter: readonly XmlElement[], data: readonly XmlElement[], opts: SubtreeFilterOptions = {}): XmlElement[] {
  const selection = selectTop(filter, data, newContext(opts.listKeys));
  return selection ? buildSelection(data, selection, opts) : [];
}

/**
 * The selected top-level nodes of `data`, built fresh in document order.
 * With `maxDepth` (RFC 8526 section 3.1.1), `maxDepth` levels of each
 * selected node: 1 is the node alone, a list entry with its keys (listKeys).
 */
export function buildSelection(data: readonly XmlElement[], selection: Map<number, Selection>, opts: SubtreeFilterOptions = {}): XmlElement[] {
  const depth: Depth | undefined = opts.maxDepth === undefined ? undefined : { levels: opts.maxDepth, listKeys: opts.listKeys, path: [] };
  const out: XmlElement[] = [];
  for (const [i, sel] of sortedEntries(selection)) out.push(build(data[i], sel, undefined, depth, Infinity));
  return out;
}

/**
 * Tells whether a notification's content passes the filter (RFC 5277 section
 * 3.6: the same subtree semantics applied to the notification content). Given
 * the RFC 5277 <notification> wrapper, the content is its children other than
 * <eventTime>; given any other element, that element is the content. Like an
 * empty <get> filter (RFC 6241 6.4.2), a filter with no elements passes
 * nothing; a subscription without a filter is for the caller to handle.
 */
export function notificationMatches(filter: readonly XmlElement[], notification: XmlElement): boolean {
  const content =
    notification.ns === NS.notification && notification.name === 'notification'
      ? notification.children.filter((c) => !(c.ns === NS.notification && c.name === 'eventTime'))
      : [notification];
  return selectTop(filter, content, newContext(undefined)) !== undefined;
}

function newContext(listKeys: SubtreeFilterOptions['listKeys']): Context {
  return { listKeys, siblingSets: new Map(), keyCache: new Map() };
}

/**
 * RFC 6241 6.3: the root elements of the filter form one sibling set. Its
 * content match nodes are conditions on top-level data leaves, ANDed with the
 * rest; the other root elements select independently (a union). There is no
 * parent data node here, so a root set holding only content match nodes selects
 * just the leaves it matched, not the whole datastore.
 */
function selectTop(filter: readonly XmlElement[], data: readonly XmlElement[], ctx: Context): Map<number, Selection> | undefined {
  if (filter.length === 0) return undefined; // 6.4.2: an empty filter selects nothing
  const set = siblingSet(filter, ctx);
  if (!allContentMatch(set, data)) return undefined;
  return selectChildren(set, data, [], '', false, ctx);
}

/** RFC 6241 6.2.1: does filter node `f` name a data node (ns, name)? Without a namespace it names it in any. Attributes aside. */
export function namesNode(f: XmlElement, ns: string, name: string): boolean {
  return f.name === name && (f.ns === '' || f.ns === ns);
}

/** RFC 6241 6.2.1 namespace selection and 6.2.2 attribute match expressions. */
function nodeMatches(f: XmlElement, d: XmlElement): boolean {
  if (!namesNode(f, d.ns, d.name)) return false;
  // The namespace wildcard does not apply to attributes (6.2.1).
  return f.attrs.every((fa) => d.attrs.some((da) => da.name === fa.name && da.ns === fa.ns && da.value === fa.value));
}

/** 6.2.5: exact match, leading and trailing whitespace ignored; a node with children is no leaf. */
function contentMatches(f: XmlElement, d: XmlElement): boolean {
  return d.children.length === 0 && nodeMatches(f, d) && d.text.trim() === f.text.trim();
}

/** Sorts a filter sibling set by node type, once per filter node and call. */
function siblingSet(filterChildren: readonly XmlElement[], ctx: Context): SiblingSet {
  let set = ctx.siblingSets.get(filterChildren);
  if (set) return set;
  set = { contentMatch: [], byName: new Map() };
  for (const f of filterChildren) {
    // 6.2.5: a content match node holds non-whitespace text and no elements;
    // an empty or whitespace-only leaf is a selection node (6.2.4).
    if (f.children.length === 0 && f.text.trim() !== '') {
      set.contentMatch.push(f);
    } else {
      const same = set.byName.get(f.name);
      if (same) same.push(f);
      else set.byName.set(f.name, [f]);
    }
  }
  ctx.siblingSets.set(filterChildren, set);
  return set;
}

/** Applies filter node `f` to data node `d` that it matches; `path` holds the local names down to `d`. */
function selectNode(f: XmlElement, d: XmlElement, path: string[], ctx: Context): Selection | undefined {
  if (f.children.length === 0) return true; // 6.2.4: a selection node selects the whole subtree
  const set = siblingSet(f.children, ctx);
  if (!allContentMatch(set, d.children)) return undefined;
  // 6.2.5: only content match nodes, all true: every node at this level.
  if (set.byName.size === 0) return true;
  // Key leaves of a list entry selected through containment: RFC 6241 6.2.5
  // lets a server include instance identifier components (list keys) beside
  // the selected nodes. Given listKeys we do, as most servers do, so every
  // returned entry can be told apart; they go only into an entry that
  // something else in the filter selected.
  return selectChildren(set, d.children, path, d.ns, true, ctx);
}

/** 6.2.5: content match nodes are ANDed; one false excludes the whole sibling set. */
function allContentMatch(set: SiblingSet, dataChildren: readonly XmlElement[]): boolean {
  return set.contentMatch.every((c) => dataChildren.some((d) => contentMatches(c, d)));
}

/**
 * One pass over the data children in document order: each is selected by a
 * matching content match node, selection node or containment node (merged
 * when several select it). Undefined when nothing is selected.
 */
function selectChildren(
  set: SiblingSet,
  dataChildren: readonly XmlElement[],
  path: string[], // a stack: names down to the parent of dataChildren
  ns: string,
  entry: boolean, // the parent may be a list entry, whose keys come along
  ctx: Context,
): Map<number, Selection> | undefined {
  const selected = new Map<number, Selection>();
  let anySelected = false;
  let keys: readonly string[] | undefined | null = entry ? null : undefined; // null: not looked up yet
  for (let i = 0; i < dataChildren.length; i++) {
    const d = dataChildren[i];
    let sel: Selection | undefined = set.contentMatch.some((c) => contentMatches(c, d)) ? true : undefined;
    const candidates = set.byName.get(d.name);
    if (candidates && sel !== true) {
      path.push(d.name);
      for (const f of candidates) {
        if (!nodeMatches(f, d)) continue;
        const r = selectNode(f, d, path, ctx);
        if (r !== undefined) sel = sel === undefined ? r : merge(sel, r);
        if (sel === true) break;
      }
      path.pop();
    }
    if (sel !== undefined) {
      anySelected = true;
      selected.set(i, sel);
    } else if (d.ns === ns && keys !== undefined && (keys ??= listKeysOf(ns, path, ctx))?.includes(d.name)) {
      selected.set(i, true);
    }
  }
  return anySelected ? selected : undefined;
}

function listKeysOf(ns: string, path: readonly string[], ctx: Context): readonly string[] | undefined {
  if (!ctx.listKeys) return undefined;
  const cacheKey = `${ns} ${path.join('/')}`;
  if (ctx.keyCache.has(cacheKey)) return ctx.keyCache.get(cacheKey);
  const keys = ctx.listKeys(ns, path.slice());
  ctx.keyCache.set(cacheKey, keys);
  return keys;
}

/** Union of two selections of the same data node (RFC 6241 6.1: no duplicates). */
function merge(a: Selection, b: Selection): Selection {
  if (a === true || b === true) return true;
  for (const [i, s] of b) {
    const prev = a.get(i);
    a.set(i, prev === undefined ? s : merge(prev, s));
  }
  return a;
}

/** The selection in document order (a merge may have added indexes out of order). */
function sortedEntries(m: Map<number, Selection>): Iterable<[number, Selection]> {
  let last = -1;
  for (const i of m.keys()) {
    if (i < last) return [...m].sort((x, y) => x[0] - y[0]);
    last = i;
  }
  return m;
}

/** Builds the fresh output element for data node `d` under `sel`, in document order. */
/** max-depth: the levels, the list keys to keep at the last one, the names down to the node built */
interface Depth {
  readonly levels: number;
  readonly listKeys: SubtreeFilterOptions['listKeys'];
  readonly path: string[];
}

/** `left`: the levels of a selected subtree still to build (Infinity: all, or not in a selected node yet). */
function build(d: XmlElement, sel: Selection, parent: XmlElement | undefined, depth: Depth | undefined, left: number): XmlElement {
  const out: XmlElement = { ns: d.ns, name: d.name, attrs: d.attrs.length === 0 ? [] : d.attrs.map((a) => ({ ...a })), children: [], text: '' };
  if (d.nsDecls) out.nsDecls = { ...d.nsDecls };
  if (parent) out.parent = parent;
  depth?.path.push(d.name);
  if (sel === true) {
    out.text = d.text;
    const here = depth && left === Infinity ? depth.levels : left;
    if (here > 1) for (const c of d.children) out.children.push(build(c, true, out, depth, here - 1));
    else if (depth && d.children.length > 0) {
      const keys = depth.listKeys?.(d.ns, depth.path.slice());
      for (const c of d.children) if (keys?.includes(c.name) && c.ns === d.ns) out.children.push(build(c, true, out, depth, 1));
    }
  } else {
    for (const [i, s] of sortedEntries(sel)) out.children.push(build(d.children[i], s, out, depth, left));
  }
  depth?.path.pop();
  return out;
}
