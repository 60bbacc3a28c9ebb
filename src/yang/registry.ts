// The schema registry: every YANG module (RFC 7950) under a directory tree,
// parsed into statement trees (statements.ts), ordered so that imports come
// first (section 7.1.5), compiled into one schema tree (compile.ts) and
// frozen; on request also handed to yang-js (yang-js-check.ts, whose
// failures are reported in diagnostics()). A module is implemented or
// import-only as the caller says (RFC 8525 section 3, implemented.ts): an
// import-only module lends its typedefs, groupings, identities, extensions
// and features to the others, and its data nodes, operations, notifications,
// augments and deviations are not in the schema (RFC 7950 section 5.6.5).
// Lookups by module, namespace, rpc, notification, top-level data node and
// identity.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileRpc, Compiler, scopeOf, splitName } from './compile';
import type { Lex, ModCtx, Owner } from './compile';
import { IMPLEMENTED } from './implemented';
import { dataChildren } from './schema';
import type { DataNodeSchema, Diagnostic, Identity, ModuleInfo, ModuleSchema, NotificationSchema, RpcSchema, SchemaParent } from './schema';
import { parseYangStatements, subArg, subs } from './statements';
import type { Statement } from './statements';
import { yangJsCheck } from './yang-js-check';

// ---------------------------------------------------------------------------
// Registry

export const DEFAULT_YANG_DIR = path.resolve(__dirname, '../../yang');

export interface LoadOptions {
  /** Compile every module with yang-js too (yang-js-check.ts): for the tests and `ncbgp yang check`, not for the server. */
  readonly crossCheck?: boolean;
  /**
   * The modules implemented, each with the features of it supported (RFC
   * 8525 section 3); every other module is import-only. Default: the
   * server's (IMPLEMENTED) for its own yang/, and for any other directory
   * every module with every feature it defines, as yanglint loads the
   * modules it is given.
   */
  readonly implemented?: ReadonlyMap<string, readonly string[]>;
}

/** Code-unit order (file names, revision dates): localeCompare would load ICU's collation data, 2.5 MB resident. */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function yangFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodeUnits(a.name, b.name))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yangFiles(full));
    else if (e.isFile() && e.name.endsWith('.yang')) out.push(full);
  }
  return out;
}

interface Parsed {
  readonly stmt: Statement;
  readonly source: string;
  readonly file: string;
}

/** The newest revision date of a module ('' when it has none). */
function revisionOf(stmt: Statement): string {
  return subs(stmt, 'revision')
    .map((r) => r.arg ?? '')
    .sort(byCodeUnits)
    .pop() ?? '';
}

/** Prefix -> module name where a module's own statements stand (RFC 7950 section 7.1.4). */
function prefixesOf(stmt: Statement): Map<string, string> {
  const prefixes = new Map<string, string>([[subArg(stmt, 'prefix') ?? '', stmt.arg ?? '']]);
  for (const imp of subs(stmt, 'import')) prefixes.set(subArg(imp, 'prefix') ?? '', imp.arg ?? '');
  return prefixes;
}

function moduleInfo(p: Parsed, conformance: ModuleInfo['conformance'], deviations: readonly string[]): ModuleInfo {
  const { stmt } = p;
  return {
    name: stmt.arg ?? '',
    revision: revisionOf(stmt) || undefined,
    namespace: subArg(stmt, 'namespace') ?? '',
    prefix: subArg(stmt, 'prefix') ?? '',
    yangVersion: subArg(stmt, 'yang-version') === '1.1' ? '1.1' : '1',
    features: subs(stmt, 'feature').map((f) => f.arg ?? ''),
    imports: subs(stmt, 'import').map((i) => ({ name: i.arg ?? '', revision: subArg(i, 'revision-date') })),
    source: p.source,
    file: p.file,
    conformance,
    supportedFeatures: [], // filled once the features' own if-features are known
    deviations,
  };
}

/** The schema node a schema node identifier (RFC 7950 section 6.5) names from the top of its module: data node, rpc, notification, or below. */
function schemaNodeAt(compiler: Compiler, lex: Lex, id: string): SchemaParent | undefined {
  const [first, ...rest] = id.split('/').filter(Boolean);
  const [prefix, name] = splitName(first ?? '');
  const target = compiler.moduleOfPrefix(lex, prefix);
  const top = target && (target.schema.children.find((c) => c.name === name) ?? target.schema.rpcs.find((r) => r.name === name) ?? target.schema.notifications.find((n) => n.name === name));
  return top && (rest.length ? compiler.descend(top, rest.join('/'), lex) : top);
}

/** RFC 7950 section 7.20.3.2, deviate not-supported: the target is taken out of its parent. */
function removeNode(compiler: Compiler, ctx: ModCtx, deviation: Statement): boolean {
  const lex: Lex = { mod: ctx, scope: ctx.top };
  const id = deviation.arg ?? '';
  const node = schemaNodeAt(compiler, lex, id);
  const steps = id.split('/').filter(Boolean);
  const parent = steps.length > 1 ? schemaNodeAt(compiler, lex, steps.slice(0, -1).join('/')) : compiler.moduleOfPrefix(lex, splitName(steps[0] ?? '')[0])?.schema;
  if (!node || !parent) return false;
  const lists = [
    'children' in parent ? parent.children : [],
    'cases' in parent ? parent.cases : [],
    'rpcs' in parent ? parent.rpcs : [],
    'notifications' in parent ? parent.notifications : [],
  ] as object[][];
  for (const list of lists) if (list.includes(node)) list.splice(list.indexOf(node), 1);
  compiler.drop(node);
  return true;
}

function deepFreeze(o: unknown, seen = new Set<unknown>()): void {
  if (o === null || typeof o !== 'object' || seen.has(o) || o instanceof RegExp) return;
  seen.add(o);
  for (const v of Object.values(o)) deepFreeze(v, seen);
  Object.freeze(o);
}

export class SchemaRegistry {
  private readonly byName = new Map<string, ModuleSchema[]>();
  private readonly byNs = new Map<string, ModuleSchema>();
  private readonly rpcs = new Map<string, RpcSchema>();
  private readonly notifs = new Map<string, NotificationSchema>();
  private readonly tops = new Map<string, DataNodeSchema>();
  private readonly topList: DataNodeSchema[] = [];
  private readonly identityMap: ReadonlyMap<string, Identity>;

  private constructor(
    private readonly schemas: readonly ModuleSchema[],
    identities: Map<string, Identity>,
    private readonly diags: readonly Diagnostic[],
  ) {
    this.identityMap = identities;
    for (const m of schemas) {
      const list = this.byName.get(m.name) ?? [];
      list.push(m);
      list.sort((a, b) => byCodeUnits(b.info.revision ?? '', a.info.revision ?? ''));
      this.byName.set(m.name, list);
      if (!this.byNs.has(m.namespace) || m.info.conformance === 'implement') this.byNs.set(m.namespace, m);
      for (const r of m.rpcs) this.rpcs.set(`${m.namespace} ${r.name}`, r);
      for (const n of m.notifications) this.notifs.set(`${m.namespace} ${n.name}`, n);
      for (const t of m.children) {
        const add = (d: DataNodeSchema): void => {
          if (d.kind === 'choice') d.cases.forEach((c) => c.children.forEach(add));
          else {
            this.tops.set(`${d.namespace} ${d.name}`, d);
            this.topList.push(d);
          }
        };
        add(t);
      }
    }
  }

  /**
   * Loads every `.yang` file under `dir` (recursively), one revision of each
   * module (the newest), implemented or import-only as `implemented` says.
   * With `crossCheck`, yang-js compiles every module too and what it refuses
   * is among the diagnostics (source 'yang-js'); without, yang-js is not
   * even loaded.
   */
  static load(dir: string = DEFAULT_YANG_DIR, opts: LoadOptions = {}): SchemaRegistry {
    const diags: Diagnostic[] = [];
    const files: Parsed[] = [];
    for (const file of yangFiles(dir)) {
      const source = fs.readFileSync(file, 'utf8');
      let stmt: Statement;
      try {
        stmt = parseYangStatements(source);
      } catch (e) {
        diags.push({ file, source: 'ncbgp', message: (e as Error).message });
        continue;
      }
      if (stmt.keyword !== 'module') {
        diags.push({ file, module: stmt.arg, source: 'ncbgp', message: `${stmt.keyword} is not supported (only modules)` });
        continue;
      }
      files.push({ stmt, source, file });
    }
    // RFC 7950 section 5.6.5: a module is implemented in one revision; the compiler holds one revision of each, the newest
    const newest = new Map<string, Parsed>();
    for (const f of files) {
      const name = f.stmt.arg ?? '';
      const other = newest.get(name);
      const [keep, skip] = !other || revisionOf(f.stmt) > revisionOf(other.stmt) ? [f, other] : [other, f];
      newest.set(name, keep);
      if (skip) diags.push({ file: skip.file, module: name, source: 'ncbgp', message: `revision ${revisionOf(skip.stmt)} is not loaded: ${keep.file} has ${revisionOf(keep.stmt)}` });
    }
    const kept = files.filter((f) => newest.get(f.stmt.arg ?? '') === f);
    const implemented = opts.implemented ?? (path.resolve(dir) === DEFAULT_YANG_DIR ? IMPLEMENTED : new Map(kept.map((f) => [f.stmt.arg ?? '', subs(f.stmt, 'feature').map((s) => s.arg ?? '')])));
    for (const name of implemented.keys()) if (!newest.has(name)) diags.push({ file: dir, module: name, source: 'ncbgp', message: `module ${name} is to be implemented but is not under ${dir}` });
    // RFC 8525 `deviation`: the modules an implemented module deviates, by the prefix of each deviation's target
    const deviatedBy = new Map<string, string[]>();
    for (const f of kept) {
      if (!implemented.has(f.stmt.arg ?? '')) continue;
      const prefixes = prefixesOf(f.stmt);
      for (const d of subs(f.stmt, 'deviation')) {
        const [prefix] = splitName((d.arg ?? '').split('/').filter(Boolean)[0] ?? '');
        const target = prefix === undefined ? (f.stmt.arg ?? '') : (prefixes.get(prefix) ?? '');
        const by = deviatedBy.get(target) ?? [];
        if (!by.includes(f.stmt.arg ?? '')) by.push(f.stmt.arg ?? '');
        deviatedBy.set(target, by);
      }
    }
    const parsed = kept.map((f) => ({ stmt: f.stmt, info: moduleInfo(f, implemented.has(f.stmt.arg ?? '') ? 'implement' : 'import', deviatedBy.get(f.stmt.arg ?? '') ?? []) }));

    // dependency order: imports first
    const order: { stmt: Statement; info: ModuleInfo }[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const byName = new Map(parsed.map((p) => [p.info.name, p]));
    const visit = (p: { stmt: Statement; info: ModuleInfo }): void => {
      if (state.get(p.info.name)) return;
      state.set(p.info.name, 'visiting');
      for (const imp of p.info.imports) {
        const dep = byName.get(imp.name);
        if (!dep) diags.push({ file: p.info.file, module: p.info.name, source: 'ncbgp', message: `imported module '${imp.name}' not found` });
        else if (state.get(imp.name) !== 'visiting') visit(dep);
      }
      state.set(p.info.name, 'done');
      order.push(p);
    };
    parsed.forEach(visit);

    if (opts.crossCheck) {
      for (const [name, message] of yangJsCheck(order.map((p) => p.info))) {
        const info = byName.get(name)?.info;
        diags.push({ file: info?.file ?? '', module: name, source: 'yang-js', message });
      }
    }

    const compiler = new Compiler();
    for (const p of order) {
      const schema: ModuleSchema = { kind: 'module', info: p.info, name: p.info.name, namespace: p.info.namespace, prefix: p.info.prefix, children: [], rpcs: [], notifications: [], identities: [] };
      const top = scopeOf(p.stmt, { typedefs: new Map(), groupings: new Map() });
      const ctx: ModCtx = { info: p.info, stmt: p.stmt, prefixes: prefixesOf(p.stmt), top, schema };
      compiler.mods.set(p.info.name, ctx);
      compiler.registerScopes(p.stmt, { mod: ctx, scope: top });
    }
    // RFC 7950 section 7.20.1: the features listed for an implemented module are supported, unless their own if-feature is false
    const listed: { name: string; stmt: Statement; ctx: ModCtx }[] = [];
    for (const ctx of compiler.mods.values()) {
      if (ctx.info.conformance !== 'implement') continue;
      for (const name of implemented.get(ctx.info.name) ?? []) {
        const stmt = subs(ctx.stmt, 'feature').find((f) => f.arg === name);
        if (!stmt) compiler.note(ctx, `feature '${name}' is to be supported but the module does not define it`);
        else {
          listed.push({ name, stmt, ctx });
          compiler.supported.add(`${ctx.info.name}:${name}`);
        }
      }
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const f of listed) {
        const q = `${f.ctx.info.name}:${f.name}`;
        if (!compiler.supported.has(q) || compiler.enabled(f.stmt, { mod: f.ctx, scope: f.ctx.top })) continue;
        compiler.supported.delete(q);
        compiler.note(f.ctx, `feature '${f.name}' is to be supported but its if-feature is false`);
        changed = true;
      }
    }
    for (const f of listed) if (compiler.supported.has(`${f.ctx.info.name}:${f.name}`)) (f.ctx.info.supportedFeatures as string[]).push(f.name);
    for (const ctx of compiler.mods.values()) {
      const lex: Lex = { mod: ctx, scope: ctx.top };
      // RFC 7950 section 7.18.2: an identity whose if-feature is false is not there
      for (const id of subs(ctx.stmt, 'identity').filter((i) => compiler.enabled(i, lex))) {
        const identity: Identity = { module: ctx.info.name, namespace: ctx.info.namespace, name: id.arg ?? '', bases: subs(id, 'base').map((b) => compiler.qualify(lex, b.arg ?? '')) };
        compiler.identities.set(`${identity.module}:${identity.name}`, identity);
        (ctx.schema.identities as Identity[]).push(identity);
      }
    }
    // what an implemented module puts in the schema; an import-only one puts nothing
    const implementing = [...compiler.mods.values()].filter((ctx) => ctx.info.conformance === 'implement');
    const at = (ctx: ModCtx): { lex: Lex; owner: Owner } => ({ lex: { mod: ctx, scope: ctx.top }, owner: { module: ctx.info.name, namespace: ctx.info.namespace, prefix: ctx.info.prefix } });
    for (const ctx of implementing) {
      const { lex, owner } = at(ctx);
      (ctx.schema.children as DataNodeSchema[]).push(...compiler.dataDefs(ctx.stmt.children, lex, owner, true, ctx.schema));
      for (const r of subs(ctx.stmt, 'rpc')) (ctx.schema.rpcs as RpcSchema[]).push(compileRpc(compiler, r, lex, owner));
      for (const n of subs(ctx.stmt, 'notification')) {
        const nl: Lex = { mod: ctx, scope: scopeOf(n, ctx.top) };
        const children: DataNodeSchema[] = [];
        const node: NotificationSchema = { kind: 'notification', ...compiler.common(n, nl, owner, false), children };
        children.push(...compiler.dataDefs(n.children, nl, owner, false, node));
        (ctx.schema.notifications as NotificationSchema[]).push(node);
      }
    }
    for (const ctx of implementing) {
      const { lex, owner } = at(ctx);
      for (const a of subs(ctx.stmt, 'augment')) compiler.augmentInto(schemaNodeAt(compiler, lex, a.arg ?? ''), a, lex, owner);
    }
    for (const ctx of implementing) {
      for (const d of subs(ctx.stmt, 'deviation')) {
        for (const how of subs(d, 'deviate')) {
          if (how.arg !== 'not-supported') compiler.note(ctx, `line ${how.line}: deviate ${how.arg} of '${d.arg}' is not applied`);
          else if (!removeNode(compiler, ctx, d)) compiler.note(ctx, `line ${d.line}: deviation target '${d.arg}' not found`);
        }
      }
    }
    for (const ctx of implementing) compiler.pruneDisabled(ctx.schema);
    compiler.reportUnsupported();
    compiler.finishIdentities();
    compiler.finishLeafrefs();
    const schemas = order.map((p) => compiler.mods.get(p.info.name)?.schema).filter((s): s is ModuleSchema => s !== undefined);
    deepFreeze(schemas);
    return new SchemaRegistry(schemas, compiler.identities, [...diags, ...compiler.diagnostics]);
  }

  modules(): readonly ModuleInfo[] {
    return this.schemas.map((s) => s.info);
  }
  module(name: string, revision?: string): ModuleInfo | undefined {
    return this.moduleSchema(name, revision)?.info;
  }
  /** The newest revision unless one is asked for. */
  moduleSchema(name: string, revision?: string): ModuleSchema | undefined {
    const list = this.byName.get(name);
    return revision === undefined ? list?.[0] : list?.find((m) => m.info.revision === revision);
  }
  moduleByNamespace(ns: string): ModuleInfo | undefined {
    return this.byNs.get(ns)?.info;
  }
  rpc(ns: string, name: string): RpcSchema | undefined {
    return this.rpcs.get(`${ns} ${name}`);
  }
  notification(ns: string, name: string): NotificationSchema | undefined {
    return this.notifs.get(`${ns} ${name}`);
  }
  topLevel(ns: string, name: string): DataNodeSchema | undefined {
    return this.tops.get(`${ns} ${name}`);
  }
  topLevelNodes(): readonly DataNodeSchema[] {
    return this.topList;
  }
  /**
   * Key leaf names of the list at `path` (local names from a top-level data
   * node down to it) whose namespace is `ns`; undefined when it is no list.
   */
  listKeys(ns: string, path: readonly string[]): readonly string[] | undefined {
    if (!path.length) return undefined;
    let nodes = this.topList.filter((t) => t.name === path[0]);
    for (const name of path.slice(1)) nodes = nodes.flatMap((n) => dataChildren(n).filter((c) => c.name === name));
    const list = nodes.find((n) => n.namespace === ns);
    return list?.kind === 'list' ? list.keys : undefined;
  }

  /** 'module:name' */
  identity(qname: string): Identity | undefined {
    return this.identityMap.get(qname);
  }
  /** Problems found while loading: files that did not parse, unresolved references, and what yang-js rejected (when cross-checked). */
  diagnostics(): readonly Diagnostic[] {
    return this.diags;
  }
}
