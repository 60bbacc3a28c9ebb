// RFC 6243 with-defaults: what a retrieval reports of default data. The
// datastores store what clients set and nothing else, so the server's basic
// mode is explicit (RFC 6243 section 2.3) and `explicit` returns the nodes as
// they are; report-all adds the default data (section 3.1), report-all-tagged
// also marks it with wd:default="true" (sections 3.4, 6), trim drops what
// equals its schema default (section 3.2). Config and state trees alike.
// Pure: the input is never mutated, unchanged subtrees are shared.
//
// Which defaults exist (RFC 7950 sections 7.6.1, 7.7.2, 7.9.3):
// - a leaf's default (a leaf-list's defaults, when it has no value) where
//   its parent exists; a non-presence container exists wherever its parent
//   does (section 7.5.1), so its default leaves are reported even when it is
//   absent, top-level ones included: with no ancestor but non-presence
//   containers "the default value MUST be used" (7.6.1), so report-all shows
//   e.g. /nacm's defaults on a server where nobody configured NACM. Top-level
//   nodes come from implemented modules only (RFC 8525 section 3).
// - in a choice, the defaults of the case that has nodes, or of the default
//   case when no case has nodes.
// - list keys have no default (RFC 7950 section 7.8.2).
// - a node with a `when` (leaf, leaf-list, container, choice, case) is not
//   defaulted: its condition needs XPath evaluation, which is not wired here.
//
// Choices made:
// - wd:default marks leaves and leaf-list values, the nodes that have a
//   schema default; a leaf-list's values are marked (and trimmed) only when
//   they are exactly its defaults.
// - trim drops a non-presence container that trimming left empty.
// - A default written with a prefix (identityref) is read with the prefixes
//   modules declare for themselves; the schema keeps no import prefixes of
//   the module that wrote the default.
import { NS } from '../model/namespaces';
import type { XmlAttribute, XmlElement } from '../model/xml';
import { dataChildren } from './schema';
import type { ChoiceSchema, ContainerSchema, DataNodeSchema, LeafListSchema, LeafSchema, ListSchema } from './schema';
import type { SchemaRegistry } from './registry';
import { canonicalValue, LeafValue } from './canonical';
import { checkValue, PrefixResolver } from './validate';

export type WithDefaultsMode = 'report-all' | 'report-all-tagged' | 'trim' | 'explicit';

export interface WithDefaultsOptions {
  /** <get-config>: configuration only, no defaults of config false nodes (RFC 6241 section 7.1) */
  readonly configOnly?: boolean;
}

/** The nodes as `mode` reports them (RFC 6243 section 3). */
export function withDefaults(schema: SchemaRegistry, nodes: readonly XmlElement[], mode: WithDefaultsMode, opts: WithDefaultsOptions = {}): XmlElement[] {
  const ctx: Ctx = { registry: schema, tagged: mode === 'report-all-tagged', configOnly: opts.configOnly === true };
  switch (mode) {
    case 'explicit':
      return [...nodes];
    case 'trim':
      return [...trimChildren(ctx, nodes, (el) => dataNode(schema.topLevel(el.ns, el.name)))];
    default:
      return [...report(ctx, topLevelSchema(schema), nodes, [])];
  }
}

interface Ctx {
  readonly registry: SchemaRegistry;
  readonly tagged: boolean;
  readonly configOnly: boolean;
}

type DataNode = Exclude<DataNodeSchema, ChoiceSchema>;
const dataNode = (n: DataNodeSchema | undefined): DataNode | undefined => (n && n.kind !== 'choice' ? n : undefined);
const WD_ATTR: XmlAttribute = { ns: NS.defaultAttribute, prefix: 'wd', name: 'default', value: 'true' };
const tag = (el: XmlElement): XmlElement => ({ ...el, attrs: [...el.attrs, WD_ATTR] });
const idOf = (el: XmlElement): string => `${el.ns} ${el.name}`;

const tops = new WeakMap<SchemaRegistry, readonly DataNodeSchema[]>();

function topLevelSchema(registry: SchemaRegistry): readonly DataNodeSchema[] {
  let t = tops.get(registry);
  if (!t) {
    t = registry
      .modules()
      .filter((m) => m.conformance === 'implement')
      .flatMap((m) => registry.moduleSchema(m.name, m.revision)?.children ?? []);
    tops.set(registry, t);
  }
  return t;
}

// ---------------------------------------------------------------------------
// Default values in the content's canonical form (RFC 7950 section 9)

type Value = LeafValue;

const defaultCache = new WeakMap<LeafSchema | LeafListSchema, readonly Value[]>();

/** The node's schema defaults, canonical; none when a default is not a valid value. */
function defaultsOf(registry: SchemaRegistry, node: LeafSchema | LeafListSchema): readonly Value[] {
  let d = defaultCache.get(node);
  if (!d) {
    const written = node.kind === 'leaf' ? (node.default === undefined ? [] : [node.default]) : node.defaults;
    const resolve: PrefixResolver = (p) => (p === undefined || p === node.prefix ? node.namespace : registry.modules().find((m) => m.prefix === p)?.namespace);
    const values = written.map((text) => (checkValue(node.type, text, resolve) === undefined ? canonicalValue(registry, node.type, text, resolve) : undefined));
    d = values.every((v): v is Value => v !== undefined) ? values : [];
    defaultCache.set(node, d);
  }
  return d;
}

function valueElement(node: LeafSchema | LeafListSchema, v: Value, tagged: boolean): XmlElement {
  const el: XmlElement = { ns: node.namespace, name: node.name, attrs: tagged ? [WD_ATTR] : [], children: [], text: v.text };
  if (v.nsDecls) el.nsDecls = v.nsDecls;
  return el;
}

const sameValues = (els: readonly XmlElement[], values: readonly Value[]): boolean => els.length === values.length && els.every((e, i) => e.text === values[i].text);

// ---------------------------------------------------------------------------
// report-all, report-all-tagged

/**
 * The children of one node as reported: each existing node (defaults added
 * inside), then the defaults of the absent ones, in schema order; the same
 * array when nothing is added or marked.
 */
function report(ctx: Ctx, kids: readonly DataNodeSchema[], els: readonly XmlElement[], keys: readonly string[]): readonly XmlElement[] {
  const byId = new Map<string, XmlElement[]>();
  for (const el of els) {
    const list = byId.get(idOf(el));
    if (list) list.push(el);
    else byId.set(idOf(el), [el]);
  }
  const r: Reporting = { ctx, byId, keys, out: [], used: 0, changed: false };
  reportAll(r, kids, true);
  if (!r.changed) return els;
  // nodes of no schema node here stay as they are, after the others
  if (r.used < els.length) for (const el of els) if (!r.out.includes(el)) r.out.push(el);
  return r.out;
}

interface Reporting {
  readonly ctx: Ctx;
  readonly byId: ReadonlyMap<string, readonly XmlElement[]>;
  readonly keys: readonly string[];
  readonly out: XmlElement[];
  used: number; // elements of byId reported
  changed: boolean;
}

function reportAll(r: Reporting, nodes: readonly DataNodeSchema[], allowDefaults: boolean): void {
  for (const node of nodes) {
    if (node.kind === 'choice') {
      const active = node.cases.find((c) => dataChildren(c).some((d) => r.byId.has(`${d.namespace} ${d.name}`)));
      const chosen = active ?? (node.when === undefined ? node.cases.find((c) => c.name === node.default) : undefined);
      for (const c of node.cases) reportAll(r, c.children, allowDefaults && c === chosen && c.when === undefined);
      continue;
    }
    const present = r.byId.get(`${node.namespace} ${node.name}`) ?? [];
    const next = reportNode(r.ctx, node, present, allowDefaults && node.when === undefined && !(r.ctx.configOnly && !node.config), r.keys);
    if (next !== present) r.changed = true;
    r.used += present.length;
    for (const el of next) r.out.push(el);
  }
}

/** The instances of one schema node as reported; `present` itself when nothing changes. */
function reportNode(ctx: Ctx, node: DataNode, present: readonly XmlElement[], allowDefaults: boolean, keys: readonly string[]): readonly XmlElement[] {
  switch (node.kind) {
    case 'leaf':
    case 'leaf-list': {
      if (node.kind === 'leaf' && node.namespace === present[0]?.ns && keys.includes(node.name)) return present;
      const values = defaultsOf(ctx.registry, node);
      if (!present.length) return allowDefaults ? values.map((v) => valueElement(node, v, ctx.tagged)) : present;
      return ctx.tagged && values.length && sameValues(present, values) ? present.map(tag) : present;
    }
    case 'container': {
      if (present.length) return mapSame(present, (el) => withChildren(el, report(ctx, node.children, el.children, [])));
      if (node.presence || !allowDefaults) return present;
      const children = report(ctx, node.children, [], []);
      return children.length ? [{ ns: node.namespace, name: node.name, attrs: [], children: [...children], text: '' }] : present;
    }
    case 'list':
      return mapSame(present, (el) => withChildren(el, report(ctx, node.children, el.children, node.keys)));
    default:
      return present;
  }
}

function withChildren(el: XmlElement, children: readonly XmlElement[]): XmlElement {
  return children === el.children ? el : { ...el, children: [...children] };
}

/** `els` mapped; the same array when every element maps to itself. */
function mapSame(els: readonly XmlElement[], f: (el: XmlElement) => XmlElement): readonly XmlElement[] {
  let out: XmlElement[] | undefined;
  els.forEach((el, i) => {
    const next = f(el);
    if (next !== el) (out ??= els.slice())[i] = next;
  });
  return out ?? els;
}

// ---------------------------------------------------------------------------
// trim

type Lookup = (el: XmlElement) => DataNode | undefined;

const lookups = new WeakMap<ContainerSchema | ListSchema, Lookup>();

function childLookup(node: ContainerSchema | ListSchema): Lookup {
  let l = lookups.get(node);
  if (!l) {
    const table = new Map<string, DataNode>();
    for (const c of dataChildren(node)) if (c.kind !== 'choice') table.set(`${c.namespace} ${c.name}`, c);
    l = (el) => table.get(idOf(el));
    lookups.set(node, l);
  }
  return l;
}

/** The children without the leaves (and leaf-lists) that hold their schema default; the same array when none does. */
function trimChildren(ctx: Ctx, els: readonly XmlElement[], lookup: Lookup, keys: readonly string[] = []): readonly XmlElement[] {
  const leafLists = new Map<LeafListSchema, XmlElement[]>();
  for (const el of els) {
    const node = lookup(el);
    if (node?.kind !== 'leaf-list') continue;
    const list = leafLists.get(node);
    if (list) list.push(el);
    else leafLists.set(node, [el]);
  }
  let out: XmlElement[] | undefined;
  els.forEach((el, i) => {
    const next = trimNode(ctx, el, lookup(el), keys, leafLists);
    if (next === el) {
      out?.push(el);
      return;
    }
    out ??= els.slice(0, i);
    if (next) out.push(next);
  });
  return out ?? els;
}

function trimNode(ctx: Ctx, el: XmlElement, node: DataNode | undefined, keys: readonly string[], leafLists: ReadonlyMap<LeafListSchema, readonly XmlElement[]>): XmlElement | undefined {
  switch (node?.kind) {
    case 'leaf': {
      if (keys.includes(node.name) && node.namespace === el.ns) return el;
      const [d] = defaultsOf(ctx.registry, node);
      return d !== undefined && d.text === el.text ? undefined : el;
    }
    case 'leaf-list': {
      const values = defaultsOf(ctx.registry, node);
      return values.length && sameValues(leafLists.get(node) ?? [], values) ? undefined : el;
    }
    case 'container': {
      const children = trimChildren(ctx, el.children, childLookup(node));
      if (children === el.children) return el;
      return children.length || node.presence ? { ...el, children: [...children] } : undefined;
    }
    case 'list':
      return withChildren(el, trimChildren(ctx, el.children, childLookup(node), node.keys));
    default:
      return el;
  }
}
