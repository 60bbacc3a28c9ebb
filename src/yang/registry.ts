// The schema registry: every YANG module (RFC 7950) under a directory tree,
// parsed into statement trees (statements.ts), ordered so that imports come
// first (section 7.1.5), compiled into one schema tree (compile.ts) and
// frozen; on request also handed to yang-js (yang-js-check.ts, whose
// failures are reported in diagnostics()). Lookups by module, namespace, rpc,
// notification, top-level data node and identity; module conformance per
// RFC 8525 section 3.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileRpc, Compiler, DATA_DEF, scopeOf, splitName } from './compile';
import type { Lex, ModCtx, Owner } from './compile';
import { dataChildren } from './schema';
import type { DataNodeSchema, Diagnostic, Identity, ModuleInfo, ModuleSchema, NotificationSchema, RpcSchema } from './schema';
import { parseYangStatements, subArg, subs } from './statements';
import type { Statement } from './statements';
import { yangJsCheck } from './yang-js-check';

// ---------------------------------------------------------------------------
// Registry

export const DEFAULT_YANG_DIR = path.resolve(__dirname, '../../yang');

export interface LoadOptions {
  /** Compile every module with yang-js too (yang-js-check.ts): for the tests and `ncbgp yang check`, not for the server. */
  readonly crossCheck?: boolean;
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

function moduleInfo(stmt: Statement, source: string, file: string, conformance: ModuleInfo['conformance']): ModuleInfo {
  const revisions = subs(stmt, 'revision')
    .map((r) => r.arg ?? '')
    .sort();
  return {
    name: stmt.arg ?? '',
    revision: revisions[revisions.length - 1],
    namespace: subArg(stmt, 'namespace') ?? '',
    prefix: subArg(stmt, 'prefix') ?? '',
    yangVersion: subArg(stmt, 'yang-version') === '1.1' ? '1.1' : '1',
    features: subs(stmt, 'feature').map((f) => f.arg ?? ''),
    imports: subs(stmt, 'import').map((i) => ({ name: i.arg ?? '', revision: subArg(i, 'revision-date') })),
    source,
    file,
    conformance,
  };
}

/** RFC 8525 section 3: modules whose nodes, operations, augments, deviations or identities the server implements. */
function conformanceOf(stmt: Statement): ModuleInfo['conformance'] {
  const implementing = new Set([...DATA_DEF, 'rpc', 'notification', 'augment', 'deviation', 'identity']);
  return stmt.children.some((c) => implementing.has(c.keyword)) ? 'implement' : 'import';
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
   * Loads every `.yang` file under `dir` (recursively). With `crossCheck`,
   * yang-js compiles every module too and what it refuses is among the
   * diagnostics (source 'yang-js'); without, yang-js is not even loaded.
   */
  static load(dir: string = DEFAULT_YANG_DIR, opts: LoadOptions = {}): SchemaRegistry {
    const diags: Diagnostic[] = [];
    const parsed: { stmt: Statement; info: ModuleInfo }[] = [];
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
      parsed.push({ stmt, info: moduleInfo(stmt, source, file, conformanceOf(stmt)) });
    }
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
      const prefixes = new Map<string, string>([[p.info.prefix, p.info.name]]);
      for (const imp of subs(p.stmt, 'import')) prefixes.set(subArg(imp, 'prefix') ?? '', imp.arg ?? '');
      const top = scopeOf(p.stmt, { typedefs: new Map(), groupings: new Map() });
      const ctx: ModCtx = { info: p.info, stmt: p.stmt, prefixes, top, schema };
      compiler.mods.set(p.info.name, ctx);
      compiler.registerScopes(p.stmt, { mod: ctx, scope: top });
      for (const id of subs(p.stmt, 'identity')) {
        const identity: Identity = { module: p.info.name, namespace: p.info.namespace, name: id.arg ?? '', bases: subs(id, 'base').map((b) => compiler.qualify({ mod: ctx, scope: top }, b.arg ?? '')) };
        compiler.identities.set(`${identity.module}:${identity.name}`, identity);
        (schema.identities as Identity[]).push(identity);
      }
    }
    for (const p of order) {
      const ctx = compiler.mods.get(p.info.name);
      if (!ctx) continue;
      const lex: Lex = { mod: ctx, scope: ctx.top };
      const owner: Owner = { module: p.info.name, namespace: p.info.namespace, prefix: p.info.prefix };
      (ctx.schema.children as DataNodeSchema[]).push(...compiler.dataDefs(p.stmt.children, lex, owner, true, ctx.schema));
      for (const r of subs(p.stmt, 'rpc')) (ctx.schema.rpcs as RpcSchema[]).push(compileRpc(compiler, r, lex, owner));
      for (const n of subs(p.stmt, 'notification')) {
        const scope = scopeOf(n, ctx.top);
        const nl: Lex = { mod: ctx, scope };
        const children: DataNodeSchema[] = [];
        const node: NotificationSchema = { kind: 'notification', ...compiler.common(n, nl, owner, false), children };
        children.push(...compiler.dataDefs(n.children, nl, owner, false, node));
        (ctx.schema.notifications as NotificationSchema[]).push(node);
      }
      if (subs(p.stmt, 'deviation').length) compiler.note(ctx, 'deviations are not applied');
    }
    for (const p of order) {
      const ctx = compiler.mods.get(p.info.name);
      if (!ctx) continue;
      const lex: Lex = { mod: ctx, scope: ctx.top };
      const owner: Owner = { module: p.info.name, namespace: p.info.namespace, prefix: p.info.prefix };
      for (const a of subs(p.stmt, 'augment')) {
        const [first, ...rest] = (a.arg ?? '').split('/').filter(Boolean);
        const [prefix, name] = splitName(first ?? '');
        const target = compiler.moduleOfPrefix(lex, prefix);
        const top = target && (target.schema.children.find((c) => c.name === name) ?? target.schema.rpcs.find((r) => r.name === name) ?? target.schema.notifications.find((nn) => nn.name === name));
        compiler.augmentInto(top ? compiler.descend(top, rest.join('/'), lex) : undefined, a, lex, owner);
      }
    }
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
