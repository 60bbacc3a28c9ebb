// RFC 6241 section 7.2 <edit-config> applied to a datastore's content: the
// "operation" attribute (merge, replace, create, delete, remove, none) on any
// element, default-operation and error-option; lists matched by their keys,
// leaf-lists by value; ordered-by user entries placed by the YANG "insert",
// "key" and "value" attributes (RFC 7950 sections 7.7.9, 7.8.6); creating a
// node of one case of a choice deletes the nodes of its other cases (RFC 7950
// section 7.9). Pure: the input trees are never mutated; the result shares
// every subtree the edit did not touch (copy-on-write along changed paths).
//
// What is checked here is what the edit itself can get wrong: element names
// and namespaces, values against their types (stored in canonical form, RFC
// 7950 section 9), list keys, existence for create/delete/none, attributes.
// Whole-datastore constraints (mandatory, unique, leafref, when, must,
// min/max-elements) belong to validation of the result.
//
// Errors (RFC 6241 Appendix A), each with error-path in the form of
// src/yang/validate.ts (module prefixes, key predicates):
// - about the <config> data, error-type application: unknown-element,
//   unknown-namespace, invalid-value, missing-element (a list entry without a
//   key), data-exists, data-missing, bad-element (a node given twice, two
//   cases of one choice, or a config false node: <config> holds configuration
//   data only (RFC 6241 section 7.2) and the node is known but may not stand
//   there, which bad-element names in its error-info).
// - about the operation, insert, key and value attributes, error-type
//   protocol: bad-attribute, missing-attribute, unknown-attribute; an insert
//   point that names no entry is bad-attribute with app-tag missing-instance
//   (RFC 7950 section 15.7).
//
// Choices made where the RFCs leave room:
// - default-operation replace replaces each top-level node the <config>
//   holds; top-level nodes it does not mention are left alone (as netopeer2
//   does), so replacing the bgp configuration does not wipe NACM.
// - stop-on-error leaves the content unchanged, like rollback-on-error (RFC
//   6241 only asks that processing stop); continue-on-error skips the
//   element in error with its subtree and applies the rest.
// - A node whose operation is none must exist (data-missing otherwise), as
//   RFC 6241 section 7.2 says of default-operation none; a non-presence
//   container always counts as existing.
// - Inside delete and remove only list keys are read; the rest of the subtree
//   is not examined. An unqualified "operation" attribute is taken as the
//   NETCONF one. Content never holds an empty non-presence container.
// - Access control (RFC 8341 section 3.4.5): the caller's guard checks the
//   changes the edit makes once it is done; an answer that would tell whether
//   a node exists (data-exists, data-missing, a remove that finds nothing, an
//   insert point that names no entry) is given only after the guard has
//   permitted the change asked for at that node (create for create and none,
//   delete for delete and remove, update for a move), so a user who may not
//   make it is told access-denied whatever exists.
//
// Cost: list entries and leaf-list values are found through a Map from their
// identity (keys or value) to the element, kept per child array in a WeakMap,
// built on first use and handed on to the next version of the array when an
// edit replaces it; so finding one entry among 10,000 is O(1). Replacing the
// array itself (copy-on-write) is a native pointer copy plus an indexOf,
// some microseconds for 10,000 siblings; past about 16,000 (128 KiB of
// pointers) V8 allocates the copy in large-object space and it costs ~1 ms.
import { keptEnds } from '../model/array-ends';
import { NS } from '../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { resolvePrefix, serialize, XmlElement } from '../model/xml';
import { canonicalValue, isXPath } from '../yang/canonical';
import { Frame, keyPredicate, leafListPredicate, pathOf } from '../yang/instance-path';
import { dataChild } from '../yang/schema';
import type { AnySchema, CaseSchema, ChoiceSchema, ContainerSchema, DataNodeSchema, LeafListSchema, LeafSchema, ListSchema, YangType } from '../yang/schema';
import type { SchemaRegistry } from '../yang/registry';
import { checkValue, PrefixResolver } from '../yang/validate';
import type { DiffEntry, WriteGuard } from './diff';

export type EditOperation = 'merge' | 'replace' | 'create' | 'delete' | 'remove' | 'none';

export interface EditOptions {
  defaultOperation: 'merge' | 'replace' | 'none';
  errorOption: 'stop-on-error' | 'continue-on-error' | 'rollback-on-error';
}

export interface Change {
  op: 'create' | 'delete' | 'modify';
  /** absolute XPath with module prefixes and key predicates, as src/yang/validate.ts builds */
  path: string;
}

export interface EditResult {
  /** the new top-level nodes; the input is never mutated */
  content: XmlElement[];
  /** what changed, topmost node created or deleted, each leaf modified, each entry moved */
  changes: Change[];
  /** continue-on-error collects them; otherwise at most one, and content is unchanged */
  errors: NetconfRpcError[];
}

const YANG_NS = 'urn:ietf:params:xml:ns:yang:1';
const OPERATIONS: readonly string[] = ['merge', 'replace', 'create', 'delete', 'remove', 'none'] satisfies EditOperation[];
const INSERTS: readonly string[] = ['first', 'last', 'before', 'after'];

/** Applies the children of <config> to `content` (RFC 6241 section 7.2); `guard` as in the header. */
export function applyEdit(schema: SchemaRegistry, content: readonly XmlElement[], config: readonly XmlElement[], opts: EditOptions, guard?: WriteGuard): EditResult {
  const ctx: Ctx = { registry: schema, continueOnError: opts.errorOption === 'continue-on-error', errors: [], changes: [], moves: [], guard };
  const table = topTable(schema);
  const top = new Siblings(content, table, schema);
  try {
    editChildren(ctx, top, table, config, '', opts.defaultOperation, undefined, undefined);
  } catch (e) {
    if (!(e instanceof NetconfRpcError)) throw e;
    return { content: [...content], changes: [], errors: [e] };
  }
  const next = top.result(ctx);
  for (const m of ctx.moves) handIndexOn(m);
  return { content: [...next], changes: ctx.changes, errors: ctx.errors };
}

interface Ctx {
  readonly registry: SchemaRegistry;
  readonly continueOnError: boolean;
  readonly errors: NetconfRpcError[];
  readonly changes: Change[];
  readonly moves: IndexMove[];
  readonly guard?: WriteGuard;
}

/** The content nodes above an edit element, innermost first (a new one as its name and keys): a DiffEntry's ancestors. */
interface Above {
  readonly up: Above | undefined;
  readonly el: XmlElement;
}

// ---------------------------------------------------------------------------
// Schema tables: the children a node may have, choices looked through

interface Slot {
  readonly node: Exclude<DataNodeSchema, ChoiceSchema>;
  readonly cases: readonly (readonly [ChoiceSchema, CaseSchema])[]; // outermost first
  readonly order: number; // list keys first (RFC 7950 section 7.8.5), then schema order
}
interface Table {
  readonly slots: ReadonlyMap<string, Slot>; // `${ns} ${name}`
  readonly prefixOf: ReadonlyMap<string, string>; // namespace -> prefix of the nodes here
}

const tables = new WeakMap<object, Table>();

function tableOf(children: readonly DataNodeSchema[], keys: readonly string[] = [], keyNs = ''): Table {
  let t = tables.get(children);
  if (t) return t;
  const slots = new Map<string, Slot>();
  const prefixOf = new Map<string, string>();
  let order = 0;
  const add = (nodes: readonly DataNodeSchema[], cases: readonly (readonly [ChoiceSchema, CaseSchema])[]): void => {
    for (const n of nodes) {
      prefixOf.set(n.namespace, n.prefix);
      if (n.kind === 'choice') {
        for (const c of n.cases) add(c.children, [...cases, [n, c] as const]);
      } else {
        const k = n.namespace === keyNs ? keys.indexOf(n.name) : -1;
        slots.set(`${n.namespace} ${n.name}`, { node: n, cases, order: k >= 0 ? k - keys.length : order++ });
      }
    }
  };
  add(children, []);
  t = { slots, prefixOf };
  tables.set(children, t);
  return t;
}

const childTable = (node: ContainerSchema | ListSchema): Table => (node.kind === 'list' ? tableOf(node.children, node.keys, node.namespace) : tableOf(node.children));

const topTables = new WeakMap<SchemaRegistry, Table>();

function topTable(registry: SchemaRegistry): Table {
  let t = topTables.get(registry);
  if (!t) {
    const tops = registry.modules().flatMap((m) => registry.moduleSchema(m.name, m.revision)?.children ?? []);
    t = tableOf(tops);
    topTables.set(registry, t);
  }
  return t;
}

const keyLeaves = new WeakMap<ListSchema, readonly LeafSchema[]>();

function keyLeavesOf(list: ListSchema): readonly LeafSchema[] {
  let k = keyLeaves.get(list);
  if (!k) {
    k = list.keys.map((name) => {
      const leaf = dataChild(list, name, list.namespace);
      if (leaf?.kind !== 'leaf') throw new Error(`list ${list.name}: key ${name} is no leaf`);
      return leaf;
    });
    keyLeaves.set(list, k);
  }
  return k;
}

// ---------------------------------------------------------------------------
// Values in canonical form (RFC 7950 section 9): src/yang/canonical.ts

/** Whether any value of `type` has a canonical form other than its text. */
function hasCanonicalForm(type: YangType): boolean {
  switch (type.base) {
    case 'string':
      return isXPath(type);
    case 'binary':
    case 'boolean':
    case 'enumeration':
    case 'empty':
      return false;
    case 'leafref':
      return type.target !== undefined && hasCanonicalForm(type.target);
    case 'union':
      return type.types.some(hasCanonicalForm);
    default:
      return true;
  }
}

const resolverAt = (el: XmlElement, ownNs: string): PrefixResolver => (p) => (p === undefined ? ownNs : resolvePrefix(el, p));

/** The canonical text of a value already in the content. */
function contentText(registry: SchemaRegistry, type: YangType, el: XmlElement, ownNs: string): string {
  if (!hasCanonicalForm(type)) return el.text;
  const resolve = resolverAt(el, ownNs);
  return checkValue(type, el.text, resolve) === undefined ? canonicalValue(registry, type, el.text, resolve).text : el.text;
}

// ---------------------------------------------------------------------------
// Identity of a node among its siblings

const ids = new WeakMap<XmlElement, string>();

function idOf(registry: SchemaRegistry, el: XmlElement, table: Table): string {
  let id = ids.get(el);
  if (id === undefined) {
    id = contentId(registry, el, table);
    ids.set(el, id);
  }
  return id;
}

function contentId(registry: SchemaRegistry, el: XmlElement, table: Table): string {
  const base = `${el.ns} ${el.name}`;
  const node = table.slots.get(base)?.node;
  if (node?.kind === 'list') {
    return listId(
      base,
      keyLeavesOf(node).map((k) => {
        const kel = el.children.find((c) => c.name === k.name && c.ns === k.namespace);
        return kel ? contentText(registry, k.type, kel, k.namespace) : '';
      }),
    );
  }
  if (node?.kind === 'leaf-list') return leafListId(base, contentText(registry, node.type, el, node.namespace));
  return base;
}

const listId = (base: string, keys: readonly string[]): string => base + keys.map((k) => '\u0000' + k).join('');
const leafListId = (base: string, value: string): string => `${base}\u0001${value}`;

// ---------------------------------------------------------------------------
// A child array under edit, copied on first write, with its index

/** Index arrays shorter than this are searched directly. */
const INDEX_FROM = 16;
/** Arrays shorter than this are compared entry by entry: their kept ends are not recorded. */
const ENDS_FROM = 64;
const indexes = new WeakMap<readonly XmlElement[], Map<string, XmlElement>>();

interface IndexMove {
  readonly from: readonly XmlElement[];
  readonly to: readonly XmlElement[];
  readonly overlay: ReadonlyMap<string, XmlElement | null>;
}

/** Hands the index of the old array on to the new one, updated (once the edit is kept). */
function handIndexOn(m: IndexMove): void {
  const index = indexes.get(m.from);
  if (!index) return;
  for (const [id, el] of m.overlay) {
    if (el) index.set(id, el);
    else index.delete(id);
  }
  indexes.delete(m.from);
  indexes.set(m.to, index);
}

type Position = { readonly where: 'first' | 'last' } | { readonly where: 'before' | 'after'; readonly ref: XmlElement };

class Siblings {
  private work: XmlElement[] | undefined;
  private readonly overlay = new Map<string, XmlElement | null>(); // id -> element now (null: removed)
  // entries of `work` known to be those of `base`: before index `first`, and the last `last` (array-ends.ts)
  private first = Infinity;
  private last = Infinity;

  constructor(
    private readonly base: readonly XmlElement[],
    private readonly table: Table,
    private readonly registry: SchemaRegistry,
  ) {}

  get current(): readonly XmlElement[] {
    return this.work ?? this.base;
  }

  get(id: string): XmlElement | undefined {
    const o = this.overlay.get(id);
    if (o !== undefined) return o ?? undefined;
    if (this.base.length < INDEX_FROM) return this.base.find((el) => this.id(el) === id);
    let index = indexes.get(this.base);
    if (!index) {
      index = new Map();
      for (const el of this.base) index.set(this.id(el), el);
      indexes.set(this.base, index);
    }
    return index.get(id);
  }

  id(el: XmlElement): string {
    return idOf(this.registry, el, this.table);
  }

  slot(el: XmlElement): Slot | undefined {
    return this.table.slots.get(`${el.ns} ${el.name}`);
  }

  // The first change makes a new array (slice and concat: native copies);
  // once the array is ours, changes are made in it: an edit that adds many
  // entries (an initial content, a saved snapshot) appends each, where a
  // copy per entry made it quadratic (minutes at 100,000 entries).
  replace(old: XmlElement, next: XmlElement, id: string): void {
    const w = this.work ?? this.base.slice();
    const i = w.indexOf(old);
    w[i] = next;
    this.work = w;
    this.touched(i, w.length - i - 1);
    this.overlay.set(id, next);
    ids.set(next, id);
  }

  remove(old: XmlElement, id: string): void {
    this.take(old);
    this.overlay.set(id, null);
  }

  insert(el: XmlElement, id: string, order: number, at: Position): void {
    this.put(el, this.indexFor(order, at));
    this.overlay.set(id, el);
    ids.set(el, id);
  }

  /** Moves an entry of an ordered-by user list; false when it was there already. */
  move(el: XmlElement, order: number, to: Position): boolean {
    if ('ref' in to && to.ref === el) return false;
    const from = this.take(el);
    const at = this.indexFor(order, to);
    this.put(el, at);
    return at !== from;
  }

  private take(el: XmlElement): number {
    const w = this.current;
    const i = w.indexOf(el);
    if (this.work) this.work.splice(i, 1);
    else this.work = w.slice(0, i).concat(w.slice(i + 1));
    this.touched(i, this.work.length - i);
    return i;
  }

  private put(el: XmlElement, at: number): void {
    if (this.work) this.work.splice(at, 0, el);
    else this.work = at === this.base.length ? this.base.concat([el]) : this.base.slice(0, at).concat([el], this.base.slice(at));
    this.touched(at, this.work.length - at - 1);
  }

  /** A change at index `at` of `work`, `after` entries after it left as they were. */
  private touched(at: number, after: number): void {
    this.first = Math.min(this.first, at);
    this.last = Math.min(this.last, after);
  }

  /** Removes, in one pass, every node `drop` picks; returns them. */
  removeWhere(drop: (el: XmlElement) => boolean): XmlElement[] {
    const removed: XmlElement[] = [];
    const kept = this.current.filter((el) => {
      if (!drop(el)) return true;
      removed.push(el);
      return false;
    });
    if (removed.length) {
      this.work = kept;
      this.touched(0, 0);
      for (const el of removed) this.overlay.set(this.id(el), null);
    }
    return removed;
  }

  /**
   * Where a node of schema order `order` goes: first/last among its own
   * kind (the other kinds keep schema order around it), or next to `ref`.
   */
  private indexFor(order: number, at: Position): number {
    const w = this.current;
    if (at.where === 'before') return w.indexOf(at.ref);
    if (at.where === 'after') return w.indexOf(at.ref) + 1;
    const ord = (el: XmlElement): number => this.slot(el)?.order ?? Number.MAX_SAFE_INTEGER;
    if (at.where === 'first') {
      let i = 0;
      while (i < w.length && ord(w[i]) < order) i++;
      return i;
    }
    let i = w.length;
    while (i > 0 && ord(w[i - 1]) > order) i--;
    return i;
  }

  /**
   * The array after the edit (the same one when nothing changed). An index
   * move is recorded only for an array that has an index: a move per new
   * entry (100,000 at a first start) made V8 allocate every later move in
   * old space (allocation-site pretenuring), where a dead one kept the
   * 10,000-entry array it names alive through young-generation collections.
   */
  result(ctx: Ctx): readonly XmlElement[] {
    if (!this.work) return this.base;
    if (this.base.length >= ENDS_FROM) keptEnds(this.base, this.work, this.first, this.last);
    if (indexes.has(this.base)) ctx.moves.push({ from: this.base, to: this.work, overlay: this.overlay });
    return this.work;
  }
}

// ---------------------------------------------------------------------------
// Error paths

interface Extra {
  appTag?: string;
  badElement?: string;
  badNamespace?: string;
  badAttribute?: string;
}

function fail(type: ErrorType, tag: ErrorTag, at: Frame | undefined, message: string, extra: Extra = {}): never {
  const { appTag, ...info } = extra;
  throw new NetconfRpcError({ type, tag, appTag, ...pathOf(at), info: Object.keys(info).length ? info : undefined, message });
}


/** The frame of a node already in the content. */
function contentFrame(sibs: Siblings, el: XmlElement, up: Frame | undefined): Frame {
  const node = sibs.slot(el)?.node;
  const frame: Frame = { up, prefix: node?.prefix ?? '', ns: el.ns, name: el.name };
  if (node?.kind === 'list') {
    return { ...frame, predicate: keyPredicate(node, node.keys.map((k) => el.children.find((c) => c.name === k && c.ns === node.namespace)?.text ?? '')) };
  }
  if (node?.kind === 'leaf-list') return { ...frame, predicate: leafListPredicate(el.text) };
  return frame;
}

const record = (ctx: Ctx, op: Change['op'], at: Frame): void => {
  ctx.changes.push({ op, path: pathOf(at).path });
};

// ---------------------------------------------------------------------------
// Attributes

interface Attributes {
  op?: EditOperation;
  insert?: 'first' | 'last' | 'before' | 'after';
  key?: string;
  value?: string;
}

function attributesOf(e: XmlElement, here: Frame): Attributes {
  const out: Attributes = {};
  for (const a of e.attrs) {
    if (a.ns === NS.base || (a.ns === '' && a.name === 'operation')) {
      if (a.name !== 'operation') fail(ErrorType.protocol, ErrorTag.unknownAttribute, here, `unknown NETCONF attribute "${a.name}"`, { badAttribute: a.name, badElement: e.name });
      if (!OPERATIONS.includes(a.value)) fail(ErrorType.protocol, ErrorTag.badAttribute, here, `operation "${a.value}" is not one of ${OPERATIONS.join(', ')} (RFC 6241 section 7.2)`, { badAttribute: 'operation', badElement: e.name });
      out.op = a.value as EditOperation;
    } else if (a.ns === YANG_NS) {
      if (a.name === 'insert') {
        if (!INSERTS.includes(a.value)) fail(ErrorType.protocol, ErrorTag.badAttribute, here, `insert "${a.value}" is not one of ${INSERTS.join(', ')} (RFC 7950 section 7.8.6)`, { badAttribute: 'insert', badElement: e.name });
        out.insert = a.value as Attributes['insert'];
      } else if (a.name === 'key') {
        out.key = a.value;
      } else if (a.name === 'value') {
        out.value = a.value;
      } else {
        fail(ErrorType.protocol, ErrorTag.unknownAttribute, here, `unknown YANG attribute "${a.name}"`, { badAttribute: a.name, badElement: e.name });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The edit

/** Applies edit elements to one child array; returns the identities they name, `claimed` (list keys) included. */
function editChildren(ctx: Ctx, sibs: Siblings, table: Table, edits: readonly XmlElement[], parentNs: string, inherited: EditOperation, frame: Frame | undefined, above: Above | undefined, claimed: Iterable<string> = []): Set<string> {
  const named = new Set<string>(claimed);
  const chosen = new Map<ChoiceSchema, CaseSchema>();
  for (const e of edits) {
    const marks = [ctx.changes.length, ctx.moves.length] as const;
    try {
      editOne(ctx, sibs, table, e, parentNs, inherited, frame, above, named, chosen);
    } catch (err) {
      if (!ctx.continueOnError || !(err instanceof NetconfRpcError)) throw err;
      ctx.changes.length = marks[0];
      ctx.moves.length = marks[1];
      ctx.errors.push(err);
    }
  }
  return named;
}

function editOne(ctx: Ctx, sibs: Siblings, table: Table, e: XmlElement, parentNs: string, inherited: EditOperation, frame: Frame | undefined, above: Above | undefined, named: Set<string>, chosen: Map<ChoiceSchema, CaseSchema>): void {
  const ns = e.ns || parentNs; // no namespace: the parent's
  const slot = table.slots.get(`${ns} ${e.name}`);
  if (!slot) {
    const prefix = table.prefixOf.get(ns) ?? (frame && ns === frame.ns ? frame.prefix : undefined);
    if (prefix === undefined) fail(ErrorType.application, ErrorTag.unknownNamespace, frame, `no element of namespace "${ns}" is expected here`, { badElement: e.name, badNamespace: ns });
    fail(ErrorType.application, ErrorTag.unknownElement, { up: frame, prefix, ns, name: e.name }, `unknown element "${e.name}"`, { badElement: e.name });
  }
  const node = slot.node;
  const here: Frame = { up: frame, prefix: node.prefix, ns: node.namespace, name: node.name };
  if (!node.config) fail(ErrorType.application, ErrorTag.badElement, here, `"${node.name}" is state data (config false): <config> holds configuration only (RFC 6241 section 7.2)`, { badElement: e.name });
  const attrs = attributesOf(e, here);
  const op = attrs.op ?? inherited;
  if (node.kind !== 'list' && node.kind !== 'leaf-list' && (attrs.insert !== undefined || attrs.key !== undefined || attrs.value !== undefined)) {
    fail(ErrorType.protocol, ErrorTag.badAttribute, here, `insert, key and value apply to lists and leaf-lists (RFC 7950 section 7.8.6)`, { badAttribute: attrs.insert !== undefined ? 'insert' : attrs.key !== undefined ? 'key' : 'value', badElement: e.name });
  }
  for (const [choice, kase] of slot.cases) {
    const prev = chosen.get(choice);
    if (prev && prev !== kase) fail(ErrorType.application, ErrorTag.badElement, here, `"${node.name}" is of case "${kase.name}" but case "${prev.name}" of choice "${choice.name}" is in the edit too`, { badElement: e.name });
    chosen.set(choice, kase);
  }
  const edit: NodeEdit = { ctx, sibs, slot, e, op, attrs, here, above, named };
  switch (node.kind) {
    case 'leaf':
      return editLeaf(edit, node);
    case 'leaf-list':
      return editLeafList(edit, node);
    case 'container':
      return editContainer(edit, node);
    case 'list':
      return editListEntry(edit, node);
    default:
      return editAny(edit, node);
  }
}

interface NodeEdit {
  readonly ctx: Ctx;
  readonly sibs: Siblings;
  readonly slot: Slot;
  readonly e: XmlElement;
  readonly op: EditOperation;
  readonly attrs: Attributes;
  readonly here: Frame;
  readonly above: Above | undefined;
  readonly named: Set<string>;
}

/** Claims an identity for this edit element: a node given twice in one edit is bad-element. */
function claim(x: NodeEdit, id: string, at: Frame): void {
  if (x.named.has(id)) fail(ErrorType.application, ErrorTag.badElement, at, `"${x.e.name}" appears more than once`, { badElement: x.e.name });
  x.named.add(id);
}

/**
 * delete, remove, and the existence checks of create and none. Returns true
 * when the operation is done with. `self` is the node the edit names (list
 * entries with their keys, leaf-list entries with their value); undefined
 * for the other kinds, which their name names.
 */
function removalOrCheck(x: NodeEdit, old: XmlElement | undefined, id: string, at: Frame, self: XmlElement | undefined, alwaysExists = false): boolean {
  switch (x.op) {
    case 'delete':
    case 'remove':
      if (old) {
        x.sibs.remove(old, id);
        record(x.ctx, 'delete', at);
      } else {
        mayWrite(x, 'delete', at, self);
        if (x.op === 'delete') fail(ErrorType.application, ErrorTag.dataMissing, at, `"${x.e.name}" does not exist: nothing to delete`);
      }
      return true;
    case 'create':
      if (old) {
        mayWrite(x, 'create', at, self);
        fail(ErrorType.application, ErrorTag.dataExists, at, `"${x.e.name}" already exists`);
      }
      return false;
    case 'none':
      if (!old && !alwaysExists) {
        mayWrite(x, 'create', at, self); // what merge would have done
        fail(ErrorType.application, ErrorTag.dataMissing, at, `"${x.e.name}" does not exist (operation none)`);
      }
      return false;
    default:
      return false;
  }
}

/**
 * RFC 8341 section 3.4.5, before an answer that tells whether the node at
 * `at` exists: the guard's access-denied for the change asked for there.
 */
function mayWrite(x: NodeEdit, op: DiffEntry['op'], at: Frame, self: XmlElement | undefined): void {
  const { guard } = x.ctx;
  if (!guard) return;
  const node = x.slot.node;
  const el = self ?? { ns: node.namespace, name: node.name, attrs: [], children: [], text: '' };
  const ancestors: XmlElement[] = [];
  for (let a = x.above; a; a = a.up) ancestors.unshift(a.el);
  const denied = guard([{ ...pathOf(at), op, schema: node, ancestors, ...(op === 'delete' ? { before: el } : { after: el }) }]);
  if (denied) throw denied;
}

/** Creating a node of one case deletes the nodes of the choice's other cases (RFC 7950 section 7.9). */
function dropOtherCases(x: NodeEdit): void {
  if (!x.slot.cases.length) return;
  const removed = x.sibs.removeWhere((el) => {
    const other = x.sibs.slot(el);
    return other !== undefined && x.slot.cases.some(([choice, kase]) => other.cases.some(([c, k]) => c === choice && k !== kase));
  });
  for (const el of removed) record(x.ctx, 'delete', contentFrame(x.sibs, el, x.here.up));
}

function storedLeaf(x: NodeEdit, node: LeafSchema | LeafListSchema): XmlElement {
  const { e, here } = x;
  if (e.children.length) fail(ErrorType.application, ErrorTag.invalidValue, here, `"${node.name}" is a ${node.kind}: it has no child elements`);
  const resolve = resolverAt(e, node.namespace);
  const bad = checkValue(node.type, e.text, resolve);
  if (bad) fail(ErrorType.application, ErrorTag.invalidValue, here, `invalid ${node.type.typedef ?? node.type.base} value for "${node.name}": ${bad.message}`, { appTag: bad.appTag });
  const v = canonicalValue(x.ctx.registry, node.type, e.text, resolve);
  const el: XmlElement = { ns: node.namespace, name: node.name, attrs: [], children: [], text: v.text };
  if (v.nsDecls) el.nsDecls = v.nsDecls;
  return el;
}

function editLeaf(x: NodeEdit, node: LeafSchema): void {
  const id = `${node.namespace} ${node.name}`;
  claim(x, id, x.here);
  const old = x.sibs.get(id);
  if (removalOrCheck(x, old, id, x.here, undefined) || x.op === 'none') return;
  const next = storedLeaf(x, node);
  if (old) {
    if (contentText(x.ctx.registry, node.type, old, node.namespace) === next.text) return;
    x.sibs.replace(old, next, id);
    record(x.ctx, 'modify', x.here);
  } else {
    dropOtherCases(x);
    x.sibs.insert(next, id, x.slot.order, { where: 'last' });
    record(x.ctx, 'create', x.here);
  }
}

function editLeafList(x: NodeEdit, node: LeafListSchema): void {
  const next = storedLeaf(x, node);
  const id = leafListId(`${node.namespace} ${node.name}`, next.text);
  const at: Frame = { ...x.here, predicate: leafListPredicate(next.text) };
  claim(x, id, at);
  const old = x.sibs.get(id);
  const position = insertPoint(x, node, at, old, next, (value) => {
    const resolve = resolverAt(x.e, node.namespace);
    if (checkValue(node.type, value, resolve)) return undefined;
    return leafListId(`${node.namespace} ${node.name}`, canonicalValue(x.ctx.registry, node.type, value, resolve).text);
  });
  if (removalOrCheck(x, old, id, at, next) || x.op === 'none') return;
  if (old) {
    if (position && x.sibs.move(old, x.slot.order, position)) record(x.ctx, 'modify', at);
  } else {
    dropOtherCases(x);
    x.sibs.insert(next, id, x.slot.order, position ?? { where: 'last' });
    record(x.ctx, 'create', at);
  }
}

function editContainer(x: NodeEdit, node: ContainerSchema): void {
  const id = `${node.namespace} ${node.name}`;
  claim(x, id, x.here);
  const old = x.sibs.get(id);
  if (removalOrCheck(x, old, id, x.here, undefined, !node.presence)) return;
  const children = editInside(x, node, old, old?.children ?? [], x.e.children, []);
  settle(x, node, old, id, children, !node.presence);
}

function editListEntry(x: NodeEdit, list: ListSchema): void {
  const { e, here, ctx } = x;
  const ns = e.ns || here.ns;
  const keys = keyLeavesOf(list);
  const keyEls = keys.map((k) => {
    const kel = e.children.find((c) => c.name === k.name && (c.ns || ns) === list.namespace);
    if (!kel) fail(ErrorType.application, ErrorTag.missingElement, here, `list entry has no key "${k.name}"`, { badElement: k.name });
    return kel;
  });
  const raw = keyPredicate(
    list,
    keyEls.map((k) => k.text),
  );
  const stored = keys.map((k, i) => {
    const kx: NodeEdit = { ...x, e: keyEls[i], here: { up: { ...here, predicate: raw }, prefix: k.prefix, ns: k.namespace, name: k.name } };
    const keyOp = attributesOf(keyEls[i], kx.here).op;
    // the keys identify the entry: they come and go with it alone
    if (keyOp && keyOp !== x.op && (keyOp === 'create' || keyOp === 'delete' || keyOp === 'remove')) {
      fail(ErrorType.protocol, ErrorTag.badAttribute, kx.here, `key "${k.name}" cannot be ${keyOp}d apart from its entry`, { badAttribute: 'operation', badElement: k.name });
    }
    return storedLeaf(kx, k);
  });
  const values = stored.map((s) => s.text);
  const id = listId(`${list.namespace} ${list.name}`, values);
  const at: Frame = { ...here, predicate: keyPredicate(list, values) };
  claim(x, id, at);
  const old = x.sibs.get(id);
  const self = withChildren(list, stored);
  const position = insertPoint(x, list, at, old, self, (key) => keyAttributeId(x, list, key));
  if (removalOrCheck(x, old, id, at, self)) return;
  const rest = e.children.filter((c) => !keyEls.includes(c));
  // a key given again is a leaf given twice, never a way to change the key
  const children = editInside({ ...x, here: at }, list, old, old?.children ?? stored, rest, keys.map((k) => `${k.namespace} ${k.name}`));
  if (old) {
    const next = settle({ ...x, here: at }, list, old, id, children, false);
    // an entry placed next to itself stays where it is
    if (position && next && !('ref' in position && position.ref === old) && x.sibs.move(next, x.slot.order, position)) record(ctx, 'modify', at);
  } else {
    dropOtherCases(x);
    x.sibs.insert(withChildren(list, children), id, x.slot.order, position ?? { where: 'last' });
    record(ctx, 'create', at);
  }
}

function editAny(x: NodeEdit, node: AnySchema): void {
  const id = `${node.namespace} ${node.name}`;
  claim(x, id, x.here);
  const old = x.sibs.get(id);
  if (removalOrCheck(x, old, id, x.here, undefined) || x.op === 'none') return;
  const next = copyAny(x.e, node.namespace, true);
  if (old) {
    if (serialize(old) === serialize(next)) return;
    x.sibs.replace(old, next, id);
    record(x.ctx, 'modify', x.here);
  } else {
    dropOtherCases(x);
    x.sibs.insert(next, id, x.slot.order, { where: 'last' });
    record(x.ctx, 'create', x.here);
  }
}

/** anydata/anyxml content as it came, minus the edit's own attributes on the node itself. */
function copyAny(e: XmlElement, ns: string, top: boolean): XmlElement {
  const attrs = top ? e.attrs.filter((a) => a.ns !== NS.base && a.ns !== YANG_NS && !(a.ns === '' && a.name === 'operation')) : e.attrs;
  const el: XmlElement = { ns: e.ns || ns, name: e.name, attrs, children: e.children.map((c) => copyAny(c, e.ns || ns, false)), text: e.text };
  if (e.nsDecls) el.nsDecls = e.nsDecls;
  return el;
}

/**
 * The children of a container or list entry after the edit: nested edits
 * applied over `base`; with replace, the children the edit does not name
 * (keys apart) are deleted. A node created here is one change, not one per
 * descendant.
 */
function editInside(x: NodeEdit, node: ContainerSchema | ListSchema, old: XmlElement | undefined, base: readonly XmlElement[], edits: readonly XmlElement[], keys: readonly string[]): readonly XmlElement[] {
  const { ctx } = x;
  const table = childTable(node);
  const inner = new Siblings(base, table, ctx.registry);
  const mark = ctx.changes.length;
  // a new node stands above its children as its name and keys (`base` holds them)
  const named = editChildren(ctx, inner, table, edits, x.e.ns || x.here.ns, x.op, x.here, { up: x.above, el: old ?? withChildren(node, base) }, keys);
  if (!old) {
    ctx.changes.length = mark;
  } else if (x.op === 'replace') {
    const removed = inner.removeWhere((el) => !named.has(inner.id(el)));
    for (const el of removed) record(ctx, 'delete', contentFrame(inner, el, x.here));
  }
  return inner.result(ctx);
}

/** Puts a container or an existing list entry back with its new children; returns the node now there. */
function settle(x: NodeEdit, node: ContainerSchema | ListSchema, old: XmlElement | undefined, id: string, children: readonly XmlElement[], dropWhenEmpty: boolean): XmlElement | undefined {
  if (old) {
    if (children === old.children) return old;
    if (!children.length && dropWhenEmpty) {
      x.sibs.remove(old, id); // a non-presence container without children is no data
      return undefined;
    }
    const next = withChildren(node, children);
    x.sibs.replace(old, next, id);
    return next;
  }
  if (!children.length && dropWhenEmpty) return undefined;
  const next = withChildren(node, children);
  dropOtherCases(x);
  x.sibs.insert(next, id, x.slot.order, { where: 'last' });
  record(x.ctx, 'create', x.here);
  return next;
}

function withChildren(node: ContainerSchema | ListSchema, children: readonly XmlElement[]): XmlElement {
  return { ns: node.namespace, name: node.name, attrs: [], children: children as XmlElement[], text: '' };
}

// ---------------------------------------------------------------------------
// Ordered-by user: insert, key, value (RFC 7950 sections 7.7.9, 7.8.6)

/** Where the attributes put the entry; undefined when they say nothing. */
function insertPoint(x: NodeEdit, node: ListSchema | LeafListSchema, at: Frame, old: XmlElement | undefined, self: XmlElement, refId: (attr: string) => string | undefined): Position | undefined {
  const { attrs, e } = x;
  const refName = node.kind === 'list' ? 'key' : 'value';
  const ref = node.kind === 'list' ? attrs.key : attrs.value;
  if (attrs.insert === undefined && ref === undefined) return undefined;
  if (x.op === 'delete' || x.op === 'remove' || x.op === 'none') return undefined; // nothing is placed
  if (node.orderedBy !== 'user') {
    fail(ErrorType.protocol, ErrorTag.badAttribute, at, `"${node.name}" is ordered-by system: insert applies to ordered-by user lists and leaf-lists (RFC 7950 section 7.8.6)`, { badAttribute: attrs.insert === undefined ? refName : 'insert', badElement: e.name });
  }
  const where = attrs.insert ?? 'last';
  if (where === 'first' || where === 'last') return { where };
  if (ref === undefined) fail(ErrorType.protocol, ErrorTag.missingAttribute, at, `insert "${where}" needs the "${refName}" attribute (RFC 7950 section 7.8.6)`, { badAttribute: refName, badElement: e.name });
  const id = refId(ref);
  if (id === undefined) fail(ErrorType.protocol, ErrorTag.badAttribute, at, `"${ref}" is not a ${refName} of "${node.name}"`, { badAttribute: refName, badElement: e.name });
  const entry = x.sibs.get(id);
  if (!entry) {
    mayWrite(x, old ? 'replace' : 'create', at, self);
    fail(ErrorType.protocol, ErrorTag.badAttribute, at, `${refName} "${ref}" names no existing entry`, { appTag: 'missing-instance', badAttribute: refName, badElement: e.name });
  }
  return { where, ref: entry };
}

const KEY_PREDICATE = /\s*\[\s*(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*\]\s*/y;

/** The identity of the entry a "key" attribute names, `[prefix:key='value']...` (RFC 7950 section 9.13). */
function keyAttributeId(x: NodeEdit, list: ListSchema, attr: string): string | undefined {
  const given = new Map<string, string>();
  KEY_PREDICATE.lastIndex = 0;
  while (KEY_PREDICATE.lastIndex < attr.length) {
    const m = KEY_PREDICATE.exec(attr);
    if (!m) return undefined;
    const ns = m[1] === undefined ? list.namespace : resolvePrefix(x.e, m[1]);
    if (ns !== list.namespace || given.has(m[2])) return undefined;
    given.set(m[2], m[3] ?? m[4] ?? '');
  }
  const values: string[] = [];
  for (const k of keyLeavesOf(list)) {
    const v = given.get(k.name);
    const resolve = resolverAt(x.e, k.namespace);
    if (v === undefined || checkValue(k.type, v, resolve)) return undefined;
    values.push(canonicalValue(x.ctx.registry, k.type, v, resolve).text);
  }
  return given.size === list.keys.length ? listId(`${list.namespace} ${list.name}`, values) : undefined;
}
