// The XPath function library: the core functions of XPath 1.0 section 4, with
// the conversions to boolean, number and string defined there, and the YANG
// functions of RFC 7950 section 10 (current(), re-match(), deref(),
// derived-from(), derived-from-or-self(), enum-value(), bit-is-set()).
// Arguments are evaluated on demand by the evaluator that xpath.ts hands in
// with the environment (Env), so that imports go one way.
//
// Limit, on purpose: name() spells the prefix of the node's module.
import { resolvePrefix } from '../model/xml';
import { documentOrder, stringValue } from './accessible-tree';
import type { AccessibleTree, XPathNode } from './accessible-tree';
import { xsdRegex } from './compile';
import type { YangType } from './schema';
import type { SchemaRegistry } from './registry';
import type { Expr } from './xpath-parse';

/** A well-formed expression that cannot be evaluated (a node-set function given a string, ...). */
export class XPathEvalError extends Error {}

// ---------------------------------------------------------------------------
// Values (XPath section 4)

export type XPathValue = XPathNode[] | string | number | boolean;

export const isNodeSet = (v: XPathValue): v is XPathNode[] => Array.isArray(v);

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

export interface Env extends Evaluation {
  readonly current: XPathNode;
  readonly namespaces: ReadonlyMap<string, string>;
  /** the evaluator (xpath.ts), handed in so that this module need not import it */
  readonly evaluate: (e: Expr, ctx: Ctx, env: Env) => XPathValue;
  readonly instanceTargets: (n: XPathNode, value: string, tree: AccessibleTree) => XPathNode[];
}
export interface Ctx {
  readonly node: XPathNode;
  readonly pos: number;
  readonly size: number;
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

export function nodeSet(v: XPathValue, what: string): XPathNode[] {
  if (!isNodeSet(v)) throw new XPathEvalError(`${what} needs a node-set`);
  return v;
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
  return env.evaluate(args[i], ctx, env);
}
/** The i-th argument as a string; absent, the context node's string-value. */
function argString(args: readonly Expr[], i: number, ctx: Ctx, env: Env): string {
  return i < args.length ? toStringValue(env.evaluate(args[i], ctx, env)) : stringValue(ctx.node.el);
}
/** The i-th argument as a node-set; absent, the context node. */
function argNodes(fn: string, args: readonly Expr[], i: number, ctx: Ctx, env: Env): XPathNode[] {
  return i < args.length ? nodeSet(env.evaluate(args[i], ctx, env), `${fn}()`) : [ctx.node];
}
function argFirst(fn: string, args: readonly Expr[], i: number, ctx: Ctx, env: Env): XPathNode | undefined {
  return documentOrder(env.tree, argNodes(fn, args, i, ctx, env))[0];
}

export function call(fn: string, args: readonly Expr[], ctx: Ctx, env: Env): XPathValue {
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
    if (t.base === 'instance-identifier') return env.instanceTargets(n, value, env.tree);
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
