// RFC 8526 NETCONF extensions for the NMDA (RFC 8342): <get-data> and
// <edit-data> on the datastores of RFC 8342 section 5, and the origin
// annotation of <operational> (RFC 8342 section 5.3.4).
import type { DatastoreName } from '../../datastore/store';
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { elem, resolvePrefix, type XmlAttribute, type XmlElement } from '../../model/xml';
import { childLookup, isDataNode, type DataNode, type Lookup } from '../../yang/data-tree';
import { withDefaults, type WithDefaultsMode } from '../../yang/defaults';
import type { SchemaRegistry } from '../../yang/registry';
import { applyFilter, narrow, xpathFilter, type Filter } from '../filter';
import { withState } from '../operational';
import { ORIGINS, type NetconfServer, type Origin } from '../server';
import { choice, datastoreParam, param, requiredParam } from './args';
import { WITH_DEFAULTS } from './base';
import { actorOf, whenSaved } from './config';

const N = NS.nmda;

/** RFC 8342 section 5.1.4: <intended> is <running> here, which holds no inactive configuration and no templates. */
const CONVENTIONAL: ReadonlyMap<string, DatastoreName> = new Map<string, DatastoreName>([
  ['running', 'running'],
  ['candidate', 'candidate'],
  ['startup', 'startup'],
  ['intended', 'running'],
]);

/**
 * RFC 8342 section 5.3.4: where each node of <operational> comes from. State
 * is its provider's (StateProvider.origin), the server's own when it says none.
 */
const ORIGIN = {
  /** configuration in <intended> */
  configuration: 'intended',
  /** a value there only because the schema gives a default (RFC 7950 section 7.6.1) */
  schemaDefault: 'default',
  /** state the server makes itself: monitoring, the YANG library, NACM counters, streams */
  state: 'system',
} as const satisfies Record<string, Origin>;

/** <get-data> input (RFC 8526 section 3.1.1). */
interface GetData {
  readonly datastore: 'operational' | DatastoreName;
  readonly filter?: Filter;
  /** config-filter: true, config true nodes only; false, config false nodes only */
  readonly configFilter?: boolean;
  /** origin-filter / negated-origin-filter: the origins a configuration node may have */
  readonly origins?: ReadonlySet<Origin>;
  /** undefined: unbounded */
  readonly maxDepth?: number;
  readonly withOrigin: boolean;
  readonly withDefaults: WithDefaultsMode;
}

const invalid = (badElement: string, message: string): NetconfRpcError => new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement }, message });

export function registerNmda(server: NetconfServer): void {
  const { schema, datastores, access } = server;

  /** The datastore's content, <operational>'s with every node's origin when `origins` (an or:origin attribute; none on schema defaults added later). */
  const content = (r: GetData, origins: boolean): readonly XmlElement[] => {
    if (r.datastore !== 'operational') return datastores.get(r.datastore);
    const running = narrow(r.filter, datastores.get('running'));
    const state = server.state(r.filter);
    if (!origins) return withState(schema, running, state);
    return withState(
      schema,
      running.map((el) => originated(el, ORIGIN.configuration)),
      state.map((el) => originated(el, server.stateOrigin(el.ns, el.name) ?? ORIGIN.state)),
    );
  };

  // RFC 8526 section 3.1.1 <get-data>: the filters are ANDed (NACM first, RFC 8341 section 3.4.5)
  server.registerOperation(N, 'get-data', (op, ctx) => {
    const r = getData(op, schema);
    const origins = r.withOrigin || r.origins !== undefined;
    let nodes = content(r, origins);
    if (r.withDefaults !== 'explicit') nodes = withDefaults(schema, nodes, r.withDefaults, { configOnly: r.datastore !== 'operational' });
    nodes = access.filterRead(ctx.session, narrow(r.filter, nodes));
    nodes = applyFilter(schema, r.filter, nodes, r.maxDepth);
    const configFilter = r.configFilter;
    if (configFilter !== undefined) nodes = pick(schema, nodes, (_el, node) => (node?.config ?? true) === configFilter);
    const allowed = r.origins;
    // system state nodes are not affected by origin filters (RFC 8526 section 3.1.1)
    if (allowed) nodes = pick(schema, nodes, (el, node) => node?.config === false || allowed.has(originOf(el)));
    if (origins) nodes = inherited(nodes, undefined, r.withOrigin);
    return [elem(N, 'data', [...nodes])];
  });

  // RFC 8526 section 3.2 <edit-data>: edit-config's path; an error leaves the datastore as it was (rollback-on-error)
  server.registerOperation(N, 'edit-data', async (op, ctx) => {
    const into = datastoreParam(op, 'datastore');
    if (into !== 'running' && into !== 'candidate') throw invalid('datastore', `edit-data writes running or candidate, not ${into}`);
    const config = requiredParam(op, 'config', N);
    const applied = await datastores.edit(
      into,
      config.children,
      { defaultOperation: choice(op, 'default-operation', ['merge', 'replace', 'none'], 'merge', N), testOption: 'test-then-set', errorOption: 'rollback-on-error' },
      actorOf(ctx),
      access.writeGuard(ctx.session),
    );
    return whenSaved(applied);
  });
}

/** The <get-data> parameters, checked beyond what the input validation checks. */
function getData(op: XmlElement, schema: SchemaRegistry): GetData {
  const name = datastoreParam(op, 'datastore');
  const datastore = name === 'operational' ? name : CONVENTIONAL.get(name);
  if (!datastore) throw invalid('datastore', `datastore ${name} is not supported`);
  const operational = datastore === 'operational';
  const subtree = param(op, 'subtree-filter', N);
  const xpath = param(op, 'xpath-filter', N);
  const filter: Filter | undefined = subtree ? { type: 'subtree', nodes: subtree.children } : xpath ? xpathFilter(xpath.text, xpath, schema) : undefined;
  const configFilter = param(op, 'config-filter', N)?.text.trim();
  const depth = param(op, 'max-depth', N)?.text.trim();
  const withOrigin = param(op, 'with-origin', N) !== undefined;
  // the `when` of with-origin and origin-filters: <operational> only
  if (withOrigin && !operational) throw invalid('with-origin', 'with-origin is for the operational datastore only');
  return {
    datastore,
    filter,
    configFilter: configFilter === undefined ? undefined : configFilter === 'true',
    origins: originFilter(op, operational),
    maxDepth: depth === undefined || depth === 'unbounded' ? undefined : Number(depth),
    withOrigin,
    withDefaults: choice(op, 'with-defaults', WITH_DEFAULTS, 'explicit', N),
  };
}

/**
 * origin-filter (a configuration node's origin is derived from or equal to
 * one of the identities) or negated-origin-filter (from none of them): the
 * origins allowed; undefined without either. The origins given here are
 * ietf-origin's own, each derived from or:origin alone, which origin-ref
 * leaves out (RFC 8342 section 7.4): derived-from-or-self is equality, and
 * an identity of another module matches none.
 */
function originFilter(op: XmlElement, operational: boolean): ReadonlySet<Origin> | undefined {
  const positive = op.children.filter((c) => c.name === 'origin-filter' && (c.ns === N || c.ns === ''));
  const negated = op.children.filter((c) => c.name === 'negated-origin-filter' && (c.ns === N || c.ns === ''));
  const given = positive.length ? positive : negated;
  if (!given.length) return undefined;
  if (!operational) throw invalid(given[0].name, `${given[0].name} is for the operational datastore only`);
  const named = new Set(given.map(namedOrigin));
  return new Set(ORIGINS.filter((o) => named.has(o) === (given === positive)));
}

/** The ietf-origin identity an origin-ref value names, its prefix resolved where it stands. */
function namedOrigin(el: XmlElement): Origin | undefined {
  const value = el.text.trim();
  const colon = value.indexOf(':');
  if (colon < 0 || resolvePrefix(el, value.slice(0, colon)) !== NS.origin) return undefined;
  return ORIGINS.find((o) => o === value.slice(colon + 1));
}

// ---------------------------------------------------------------------------
// The origin annotation (RFC 7952 metadata, ietf-origin of RFC 8342 section 7.4)

/**
 * An or:origin attribute for `el`: serialize declares its prefix on the
 * element, and the value uses the same (another if `el` binds `or` itself).
 */
function originAttribute(origin: Origin, el?: XmlElement): XmlAttribute {
  const bound = el?.nsDecls?.or;
  const prefix = bound === undefined || bound === NS.origin ? 'or' : 'origin';
  return { ns: NS.origin, prefix, name: 'origin', value: `${prefix}:${origin}` };
}

const isOrigin = (a: XmlAttribute): boolean => a.ns === NS.origin && a.name === 'origin';

/** A copy of the subtree with every node annotated `origin`. */
function originated(el: XmlElement, origin: Origin): XmlElement {
  return { ...el, attrs: [...el.attrs, originAttribute(origin)], children: el.children.map((c) => originated(c, origin)) };
}

/** A node's own origin: the one it was built with; none, a schema default with-defaults added. */
function originOf(el: XmlElement): Origin {
  const value = el.attrs.find(isOrigin)?.value;
  return ORIGINS.find((o) => value === `or:${o}`) ?? ORIGIN.schemaDefault;
}

/**
 * ietf-origin: a node without the annotation has its parent's origin, so it
 * stays only where the origin changes (on every top-level node); none at all
 * without with-origin.
 */
function inherited(nodes: readonly XmlElement[], parent: Origin | undefined, withOrigin: boolean): XmlElement[] {
  return nodes.map((el) => {
    const origin = originOf(el);
    const attrs = el.attrs.filter((a) => !isOrigin(a));
    if (withOrigin && origin !== parent) attrs.push(originAttribute(origin, el));
    return { ...el, attrs, children: inherited(el.children, origin, withOrigin) };
  });
}

// ---------------------------------------------------------------------------
// Selection by node (config-filter, origin filters) and max-depth

const topLevel =
  (schema: SchemaRegistry): Lookup =>
  (el) => {
    const node = schema.topLevel(el.ns, el.name);
    return node && isDataNode(node) ? node : undefined;
  };

const childrenOf = (node: DataNode | undefined): Lookup => (node && (node.kind === 'container' || node.kind === 'list') ? childLookup(node) : () => undefined);

/** The keys of a list entry among its children. */
const isKey = (node: DataNode | undefined, el: XmlElement, c: XmlElement): boolean => node?.kind === 'list' && c.ns === el.ns && node.keys.includes(c.name);

/** A node's children as `keep` keeps them, with the keys of a list entry always; undefined when nothing but keys is kept and `bare` is false. */
function keptChildren(el: XmlElement, node: DataNode | undefined, keep: (c: XmlElement, lookup: Lookup) => XmlElement | undefined, bare: boolean): XmlElement | undefined {
  const lookup = childrenOf(node);
  let any = false;
  const children: XmlElement[] = [];
  for (const c of el.children) {
    const k = keep(c, lookup);
    if (k) any = true;
    const kept = k ?? (isKey(node, el, c) ? c : undefined);
    if (kept) children.push(kept);
  }
  return any || bare ? { ...el, children } : undefined;
}

/**
 * The nodes `selected` picks, with their ancestors and the keys of the list
 * entries among them (RFC 8526 section 3.1.1). A list entry or presence
 * container picked stays, with its picked descendants; a non-presence
 * container goes when nothing in it is picked.
 */
function pick(schema: SchemaRegistry, nodes: readonly XmlElement[], selected: (el: XmlElement, node: DataNode | undefined) => boolean): XmlElement[] {
  const keep = (el: XmlElement, lookup: Lookup): XmlElement | undefined => {
    const node = lookup(el);
    const own = selected(el, node);
    if (el.children.length === 0) return own ? el : undefined;
    return keptChildren(el, node, keep, own && (node?.kind === 'list' || (node?.kind === 'container' && node.presence)));
  };
  return defined(nodes.map((el) => keep(el, topLevel(schema))));
}

const defined = (els: readonly (XmlElement | undefined)[]): XmlElement[] => els.filter((e): e is XmlElement => e !== undefined);
