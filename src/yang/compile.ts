// Compiles YANG statement trees (statements.ts) into the schema tree of
// schema.ts (RFC 7950): typedef chains resolved and restrictions applied
// (section 9), XSD patterns translated to JS RegExps (section 9.4.5),
// groupings expanded where used, with their refines and augments (sections
// 7.12, 7.13), augments applied (section 7.17), identities and leafrefs
// resolved (sections 7.18, 9.9), config inherited (section 7.21.1).
//
// The schema tree is compiled here from the statement tree rather than taken
// from yang-js, because yang-js keeps substatements grouped by keyword
// (document order lost), merges typedef restrictions into the type statement,
// builds pattern RegExps without the `u` flag (so `\p{L}` does not work), and
// refuses valid modules (anydata in a choice, a shorthand case next to `case`
// statements).
import { sub, subArg, subs } from './statements';
import type { Statement } from './statements';
import { dataChild, INT_BOUNDS } from './schema';
import type { CaseSchema, DataNodeSchema, Diagnostic, Identity, IntegerBase, LeafListSchema, LeafSchema, ModuleInfo, ModuleSchema, NacmDefault, NodeCommon, NotificationSchema, Pattern, RpcSchema, SchemaParent, XPathConstraint, YangType } from './schema';

// ---------------------------------------------------------------------------
// XSD regular expressions (RFC 7950 section 9.4.5, XML Schema Part 2 Appendix F)

const XSD_NAME_START = 'A-Z_a-z:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const XSD_NAME_CHAR = XSD_NAME_START + '\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040';

/**
 * Translates an XSD regex into an anchored JS RegExp: `^` and `$` are plain
 * characters in XSD, `\d` is any Unicode digit, `\i`/`\c` are XML name
 * characters, and character-class subtraction `[a-z-[aeiou]]` becomes the
 * `v` flag's `--`.
 */
export function xsdRegex(xsd: string): RegExp {
  const subtraction = /-\[/.test(xsd.replace(/\\./g, ''));
  let out = '';
  const starts: number[] = []; // where each open class's body begins in `out`
  const cls = (body: string): string => (starts.length ? body : `[${body}]`);
  for (let k = 0; k < xsd.length; k++) {
    const c = xsd[k];
    const depth = starts.length;
    if (c === '\\') {
      const e = xsd[++k] ?? '';
      if (e === 'd') out += '\\p{Nd}';
      else if (e === 'D') out += '\\P{Nd}';
      else if (e === 'i') out += cls(XSD_NAME_START);
      else if (e === 'c') out += cls(XSD_NAME_CHAR);
      else if (e === 'I' || e === 'C') out += `[^${e === 'I' ? XSD_NAME_START : XSD_NAME_CHAR}]`;
      else if ((e === 'p' || e === 'P') && xsd[k + 1] === '{') {
        const end = xsd.indexOf('}', k);
        const prop = xsd.slice(k + 2, end);
        k = end;
        // block escapes (\p{IsBasicLatin}) have no JS form: let any character through
        out += prop.startsWith('Is') ? cls('\\s\\S') : `\\${e}{${prop}}`;
      } else if (e === '-' && depth === 0) out += '-';
      else out += '\\' + e;
    } else if (c === '[') {
      if (depth > 0 && out.endsWith('-')) {
        // [base-[sub]] is [[base]--[sub]] with the v flag
        const start = starts[depth - 1];
        out = out.slice(0, start) + '[' + out.slice(start, -1) + ']--';
      }
      out += '[';
      starts.push(out.length);
    } else if (c === ']') {
      starts.pop();
      out += ']';
    } else if (depth === 0 && (c === '^' || c === '$')) {
      out += '\\' + c; // XSD has no anchors
    } else if (depth > 0 && subtraction && '(){}/|'.includes(c)) {
      out += '\\' + c; // syntax characters inside a `v` class
    } else {
      out += c;
    }
  }
  return new RegExp(`^(?:${out})$`, subtraction ? 'v' : 'u');
}

// ---------------------------------------------------------------------------
// Compilation

interface Scope {
  readonly parent?: Scope;
  readonly typedefs: Map<string, Statement>;
  readonly groupings: Map<string, Statement>;
}

export interface ModCtx {
  readonly info: ModuleInfo;
  readonly stmt: Statement;
  readonly prefixes: Map<string, string>; // prefix -> module name
  readonly top: Scope;
  readonly schema: ModuleSchema;
}

/** Where a statement is written: its module (for prefixes) and lexical scope. */
export interface Lex {
  readonly mod: ModCtx;
  readonly scope: Scope;
}
/** Whose namespace compiled nodes take (RFC 7950 section 7.13: the using module's). */
export interface Owner {
  readonly module: string;
  readonly namespace: string;
  readonly prefix: string;
}

const BUILTIN = new Set(['binary', 'bits', 'boolean', 'decimal64', 'empty', 'enumeration', 'identityref', 'instance-identifier', 'leafref', 'string', 'union', ...Object.keys(INT_BOUNDS)]);
export const DATA_DEF = new Set(['container', 'leaf', 'leaf-list', 'list', 'choice', 'anydata', 'anyxml', 'uses']);

export function scopeOf(stmt: Statement, parent: Scope): Scope {
  const typedefs = subs(stmt, 'typedef');
  const groupings = subs(stmt, 'grouping');
  if (!typedefs.length && !groupings.length) return parent;
  return {
    parent,
    typedefs: new Map(typedefs.map((t) => [t.arg ?? '', t])),
    groupings: new Map(groupings.map((g) => [g.arg ?? '', g])),
  };
}

export function splitName(qname: string): [string | undefined, string] {
  const k = qname.indexOf(':');
  return k < 0 ? [undefined, qname] : [qname.slice(0, k), qname.slice(k + 1)];
}

export class Compiler {
  readonly diagnostics: Diagnostic[] = [];
  readonly mods = new Map<string, ModCtx>(); // by module name
  /** scope each typedef/grouping statement was defined in */
  private readonly defScope = new WeakMap<Statement, Lex>();
  private readonly typedefCache = new Map<Statement, YangType>();
  private readonly resolving = new Set<Statement>();
  private readonly parents = new WeakMap<object, SchemaParent>();
  private readonly identityrefs: { type: YangType & { base: 'identityref' }; bases: string[] }[] = [];
  private readonly leafrefs: { type: YangType & { base: 'leafref' }; leaf: LeafSchema | LeafListSchema; lex: Lex }[] = [];
  private readonly dropped = new WeakSet<object>();
  /** What is not compiled, noted unless its parent turns out to be no part of the schema. */
  private readonly unsupported: { parent: SchemaParent; mod: ModCtx; message: string }[] = [];
  readonly identities = new Map<string, Identity>(); // 'module:name'
  /** The features the server supports, 'module:feature' (RFC 7950 section 7.20.1). */
  readonly supported = new Set<string>();

  note(mod: ModCtx, message: string): void {
    this.diagnostics.push({ file: mod.info.file, module: mod.info.name, source: 'ncbgp', message });
  }

  registerScopes(stmt: Statement, lex: Lex): void {
    for (const c of stmt.children) {
      if (c.keyword === 'typedef' || c.keyword === 'grouping') this.defScope.set(c, lex);
      if (c.children.length) {
        const scope = scopeOf(c, lex.scope);
        this.registerScopes(c, scope === lex.scope ? lex : { mod: lex.mod, scope });
      }
    }
  }

  /** Module a prefix names where `lex` stands. */
  moduleOfPrefix(lex: Lex, prefix: string | undefined): ModCtx | undefined {
    if (prefix === undefined) return lex.mod;
    const name = lex.mod.prefixes.get(prefix);
    return name === undefined ? undefined : this.mods.get(name);
  }

  private lookupDef(lex: Lex, qname: string, what: 'typedefs' | 'groupings'): Statement | undefined {
    const [prefix, name] = splitName(qname);
    const mod = this.moduleOfPrefix(lex, prefix);
    if (!mod) return undefined;
    if (mod === lex.mod) {
      for (let s: Scope | undefined = lex.scope; s; s = s.parent) {
        const found = s[what].get(name);
        if (found) return found;
      }
      return undefined;
    }
    return mod.top[what].get(name);
  }

  qualify(lex: Lex, qname: string): string {
    const [prefix, name] = splitName(qname);
    const mod = this.moduleOfPrefix(lex, prefix);
    return `${mod ? mod.info.name : (prefix ?? lex.mod.info.name)}:${name}`;
  }

  private ifFeatures(stmt: Statement, lex: Lex): string[] {
    const ops = new Set(['and', 'or', 'not']);
    return subs(stmt, 'if-feature').map((f) => (f.arg ?? '').replace(/([A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*/g, (m) => (ops.has(m) ? m : this.qualify(lex, m))));
  }

  /** RFC 7950 section 7.20.2: every if-feature of `stmt` is true of the supported features. */
  enabled(stmt: Statement, lex: Lex): boolean {
    return this.ifFeatures(stmt, lex).every((e) => ifFeatureTrue(e, this.supported));
  }

  /** RFC 7950 section 7.20.2: the nodes under `parent` whose if-feature is false are not in the schema. */
  pruneDisabled(parent: SchemaParent): void {
    const keep = <T extends DataNodeSchema | CaseSchema | RpcSchema | NotificationSchema>(list: readonly T[]): void => {
      for (const n of list) if (!n.ifFeatures.every((e) => ifFeatureTrue(e, this.supported))) this.drop(n);
      (list as T[]).splice(0, list.length, ...list.filter((n) => !this.dropped.has(n)));
      for (const n of list) this.pruneDisabled(n);
    };
    if ('kind' in parent && parent.kind === 'module') {
      keep(parent.children);
      keep(parent.rpcs);
      keep(parent.notifications);
    } else if ('kind' in parent && parent.kind === 'rpc') {
      keep(parent.input.children);
      keep(parent.output.children);
    } else if ('kind' in parent && parent.kind === 'choice') keep(parent.cases);
    else if ('children' in parent) keep(parent.children);
  }

  /** Notes what is not compiled where the schema has it. */
  reportUnsupported(): void {
    for (const u of this.unsupported) if (!this.isDropped(u.parent)) this.note(u.mod, u.message);
  }

  /** Marks a node the schema no longer has (RFC 7950 sections 7.20.2, 7.20.3.2): its leafrefs are not resolved. */
  drop(node: object): void {
    this.dropped.add(node);
  }

  private isDropped(node: object): boolean {
    for (let n: object | undefined = node; n; n = this.parents.get(n)) if (this.dropped.has(n)) return true;
    return false;
  }

  // -- types (RFC 7950 section 9)

  resolveType(typeStmt: Statement, lex: Lex): YangType {
    const qname = typeStmt.arg ?? '';
    let base: YangType;
    let typedef: string | undefined;
    if (BUILTIN.has(qname)) {
      base = this.builtin(qname, typeStmt, lex);
      if (qname === 'union' || qname === 'enumeration' || qname === 'bits' || qname === 'identityref' || qname === 'leafref' || qname === 'decimal64') return base;
    } else {
      const def = this.lookupDef(lex, qname, 'typedefs');
      if (!def) {
        this.note(lex.mod, `line ${typeStmt.line}: unknown type '${qname}'`);
        return { base: 'string', patterns: [] };
      }
      base = this.typedefType(def);
      typedef = this.qualify(lex, qname);
    }
    const restricted = this.restrict(base, typeStmt, lex);
    return typedef && !restricted.typedef ? { ...restricted, typedef } : restricted;
  }

  private typedefType(def: Statement): YangType {
    const cached = this.typedefCache.get(def);
    if (cached) return cached;
    const lex = this.defScope.get(def);
    const typeStmt = sub(def, 'type');
    if (!lex || !typeStmt || this.resolving.has(def)) {
      if (lex) this.note(lex.mod, `line ${def.line}: typedef '${def.arg}' has no type or refers to itself`);
      return { base: 'string', patterns: [] };
    }
    this.resolving.add(def);
    const t = this.resolveType(typeStmt, lex);
    this.resolving.delete(def);
    const named: YangType = { ...t, typedef: `${lex.mod.info.name}:${def.arg}` };
    this.typedefCache.set(def, named);
    return named;
  }

  private builtin(name: string, s: Statement, lex: Lex): YangType {
    switch (name) {
      case 'string':
        return { base: 'string', patterns: [] };
      case 'binary':
        return { base: 'binary' };
      case 'boolean':
        return { base: 'boolean' };
      case 'empty':
        return { base: 'empty' };
      case 'decimal64': {
        const fd = Number(subArg(s, 'fraction-digits') ?? '');
        if (!(fd >= 1 && fd <= 18)) this.note(lex.mod, `line ${s.line}: decimal64 needs fraction-digits 1..18`);
        const t: YangType = { base: 'decimal64', fractionDigits: fd >= 1 && fd <= 18 ? fd : 1 };
        return this.restrict(t, s, lex);
      }
      case 'enumeration': {
        let next = 0;
        const enums = subs(s, 'enum').flatMap((e) => {
          const v = subArg(e, 'value');
          const value = v === undefined ? next : Number(v);
          next = value + 1;
          // RFC 7950 section 9.6.4.2: an enum whose if-feature is false is not a value
          return this.enabled(e, lex) ? [{ name: e.arg ?? '', value }] : [];
        });
        return { base: 'enumeration', enums };
      }
      case 'bits': {
        let next = 0;
        const bits = subs(s, 'bit').flatMap((b) => {
          const p = subArg(b, 'position');
          const position = p === undefined ? next : Number(p);
          next = position + 1;
          // RFC 7950 section 9.7.4.2
          return this.enabled(b, lex) ? [{ name: b.arg ?? '', position }] : [];
        });
        return { base: 'bits', bits };
      }
      case 'identityref': {
        const bases = subs(s, 'base').map((b) => this.qualify(lex, b.arg ?? ''));
        const t = { base: 'identityref' as const, bases, identities: [] as Identity[] };
        this.identityrefs.push({ type: t, bases });
        return t;
      }
      case 'leafref': {
        const p = subArg(s, 'path') ?? '';
        return { base: 'leafref', path: p, targetPath: '', requireInstance: subArg(s, 'require-instance') !== 'false' };
      }
      case 'instance-identifier':
        return { base: 'instance-identifier', requireInstance: subArg(s, 'require-instance') !== 'false' };
      case 'union':
        return { base: 'union', types: subs(s, 'type').map((t) => this.resolveType(t, lex)) };
      default:
        return { base: name as IntegerBase };
    }
  }

  /** Applies length/pattern/range/enum/bit restrictions of a derived type statement. */
  private restrict(t: YangType, s: Statement, lex: Lex): YangType {
    const lengthStmt = sub(s, 'length');
    const rangeStmt = sub(s, 'range');
    const patterns = subs(s, 'pattern');
    const errs = (r: Statement): { errorMessage?: string; errorAppTag?: string } => ({ errorMessage: subArg(r, 'error-message'), errorAppTag: subArg(r, 'error-app-tag') });
    switch (t.base) {
      case 'string':
      case 'binary': {
        let length = t.length;
        if (lengthStmt) {
          const outer = length?.intervals ?? [{ min: 0, max: Infinity }];
          const intervals = this.intervals(lengthStmt, lex, outer[0].min, outer[outer.length - 1].max, (x) => {
            const v = Number(x);
            if (!Number.isInteger(v) || v < 0) throw new Error(x);
            return v;
          });
          length = { intervals, ...errs(lengthStmt) };
        }
        if (t.base === 'binary') return { ...t, length };
        const compiled = patterns.map((p) => this.pattern(p, lex)).filter((p): p is Pattern => p !== undefined);
        return { ...t, length, patterns: [...t.patterns, ...compiled] };
      }
      case 'decimal64': {
        if (!rangeStmt) return t;
        const outer = t.range?.intervals ?? [{ min: INT_BOUNDS.int64[0], max: INT_BOUNDS.int64[1] }];
        const intervals = this.intervals(rangeStmt, lex, outer[0].min, outer[outer.length - 1].max, (x) => {
          const v = decimalToScaled(x, t.fractionDigits);
          if (v === undefined) throw new Error(x);
          return v;
        });
        return { ...t, range: { intervals, ...errs(rangeStmt) } };
      }
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64':
      case 'uint8':
      case 'uint16':
      case 'uint32':
      case 'uint64': {
        if (!rangeStmt) return t;
        const outer = t.range?.intervals ?? [{ min: INT_BOUNDS[t.base][0], max: INT_BOUNDS[t.base][1] }];
        const intervals = this.intervals(rangeStmt, lex, outer[0].min, outer[outer.length - 1].max, (x) => BigInt(x));
        return { ...t, range: { intervals, ...errs(rangeStmt) } };
      }
      case 'enumeration': {
        const own = subs(s, 'enum');
        if (!own.length) return t;
        const names = new Set(own.filter((e) => this.enabled(e, lex)).map((e) => e.arg));
        return { ...t, enums: t.enums.filter((e) => names.has(e.name)) };
      }
      case 'bits': {
        const own = subs(s, 'bit');
        if (!own.length) return t;
        const names = new Set(own.filter((b) => this.enabled(b, lex)).map((b) => b.arg));
        return { ...t, bits: t.bits.filter((b) => names.has(b.name)) };
      }
      case 'leafref':
      case 'instance-identifier': {
        // RFC 7950 sections 9.9.3, 9.13.2: a derived type may set require-instance
        const requireInstance = subArg(s, 'require-instance');
        return requireInstance === undefined ? t : { ...t, requireInstance: requireInstance !== 'false' };
      }
      default:
        return t;
    }
  }

  private intervals<T extends number | bigint>(r: Statement, lex: Lex, min: T, max: T, parse: (x: string) => T): { min: T; max: T }[] {
    const bound = (x: string): T => (x === 'min' ? min : x === 'max' ? max : parse(x));
    try {
      return (r.arg ?? '').split('|').map((part) => {
        const [lo, hi] = part.split('..').map((x) => x.trim());
        return { min: bound(lo), max: bound(hi ?? lo) };
      });
    } catch {
      this.note(lex.mod, `line ${r.line}: bad ${r.keyword} '${r.arg}'`);
      return [{ min, max }];
    }
  }

  private pattern(p: Statement, lex: Lex): Pattern | undefined {
    const source = p.arg ?? '';
    try {
      return {
        source,
        regex: xsdRegex(source),
        invert: subArg(p, 'modifier') === 'invert-match',
        errorMessage: subArg(p, 'error-message'),
        errorAppTag: subArg(p, 'error-app-tag'),
      };
    } catch (e) {
      this.note(lex.mod, `line ${p.line}: pattern '${source}' not usable: ${(e as Error).message}`);
      return undefined;
    }
  }

  // -- data definitions (RFC 7950 section 7)

  common(s: Statement, lex: Lex, owner: Owner, config: boolean): NodeCommon {
    const c = subArg(s, 'config');
    return {
      name: s.arg ?? '',
      module: owner.module,
      namespace: owner.namespace,
      prefix: owner.prefix,
      config: c === undefined ? config : config && c === 'true',
      ifFeatures: this.ifFeatures(s, lex),
      description: subArg(s, 'description'),
      when: subs(s, 'when').map((w) => this.constraint(w, lex))[0],
      musts: subs(s, 'must').map((m) => this.constraint(m, lex)),
      nacm: this.nacmDefault(s, lex),
    };
  }

  private constraint(s: Statement, lex: Lex): XPathConstraint {
    const namespaces = new Map<string, string>();
    for (const [prefix, module] of lex.mod.prefixes) {
      const ns = this.mods.get(module)?.info.namespace;
      if (ns) namespaces.set(prefix, ns);
    }
    return { expression: s.arg ?? '', namespaces, errorMessage: subArg(s, 'error-message'), errorAppTag: subArg(s, 'error-app-tag') };
  }

  private nacmDefault(s: Statement, lex: Lex): NacmDefault | undefined {
    for (const c of s.children) {
      const [prefix, name] = splitName(c.keyword);
      if (prefix !== undefined && (name === 'default-deny-write' || name === 'default-deny-all') && this.moduleOfPrefix(lex, prefix)?.info.name === 'ietf-netconf-acm') return name;
    }
    return undefined;
  }

  dataDefs(stmts: readonly Statement[], lex: Lex, owner: Owner, config: boolean, parent: SchemaParent): DataNodeSchema[] {
    const out: DataNodeSchema[] = [];
    for (const s of stmts) {
      if (s.keyword === 'uses') out.push(...this.uses(s, lex, owner, config, parent));
      else if (DATA_DEF.has(s.keyword)) out.push(this.dataDef(s, lex, owner, config, parent));
      else if ((s.keyword === 'action' || s.keyword === 'notification') && !('kind' in parent && parent.kind === 'module') && this.enabled(s, lex)) this.unsupported.push({ parent, mod: lex.mod, message: `line ${s.line}: nested ${s.keyword} '${s.arg}' is not supported` });
    }
    return out;
  }

  private dataDef(s: Statement, outerLex: Lex, owner: Owner, config: boolean, parent: SchemaParent): DataNodeSchema {
    const scope = scopeOf(s, outerLex.scope);
    const lex = scope === outerLex.scope ? outerLex : { mod: outerLex.mod, scope };
    const common = this.common(s, lex, owner, config);
    const minMax = (): { minElements: number; maxElements: number } => {
      const max = subArg(s, 'max-elements');
      return { minElements: Number(subArg(s, 'min-elements') ?? 0), maxElements: max === undefined || max === 'unbounded' ? Infinity : Number(max) };
    };
    let node: DataNodeSchema;
    switch (s.keyword) {
      case 'container': {
        const children: DataNodeSchema[] = [];
        node = { kind: 'container', ...common, presence: sub(s, 'presence') !== undefined, children };
        children.push(...this.dataDefs(s.children, lex, owner, common.config, node));
        break;
      }
      case 'list': {
        const children: DataNodeSchema[] = [];
        const keys = (subArg(s, 'key') ?? '').split(/\s+/).filter(Boolean).map((k) => splitName(k)[1]);
        const uniques = subs(s, 'unique').map((u) => (u.arg ?? '').split(/\s+/).filter(Boolean).map((id) => id.split('/').map((step) => splitName(step)[1]).join('/')));
        node = { kind: 'list', ...common, keys, orderedBy: subArg(s, 'ordered-by') === 'user' ? 'user' : 'system', ...minMax(), uniques, children };
        children.push(...this.dataDefs(s.children, lex, owner, common.config, node));
        break;
      }
      case 'leaf': {
        const typeStmt = sub(s, 'type');
        const type = this.ownLeafrefs(typeStmt ? this.resolveType(typeStmt, lex) : this.missingType(s, lex));
        const leaf: LeafSchema = { kind: 'leaf', ...common, type, mandatory: subArg(s, 'mandatory') === 'true', default: subArg(s, 'default') ?? (typeStmt ? this.typedefDefault(typeStmt, lex) : undefined), units: subArg(s, 'units') };
        this.noteLeafref(type, leaf, lex);
        node = leaf;
        break;
      }
      case 'leaf-list': {
        const typeStmt = sub(s, 'type');
        const type = this.ownLeafrefs(typeStmt ? this.resolveType(typeStmt, lex) : this.missingType(s, lex));
        const own = subs(s, 'default').map((d) => d.arg ?? '');
        const inherited = typeStmt ? this.typedefDefault(typeStmt, lex) : undefined;
        const leafList: LeafListSchema = { kind: 'leaf-list', ...common, type, defaults: own.length ? own : inherited !== undefined ? [inherited] : [], orderedBy: subArg(s, 'ordered-by') === 'user' ? 'user' : 'system', ...minMax(), units: subArg(s, 'units') };
        this.noteLeafref(type, leafList, lex);
        node = leafList;
        break;
      }
      case 'choice': {
        const cases: CaseSchema[] = [];
        node = { kind: 'choice', ...common, cases, mandatory: subArg(s, 'mandatory') === 'true', default: subArg(s, 'default') };
        for (const c of s.children) {
          if (c.keyword === 'case') cases.push(this.caseNode(c, lex, owner, common.config, node));
          else if (DATA_DEF.has(c.keyword) && c.keyword !== 'uses') cases.push(this.shorthandCase(c, lex, owner, common.config, node));
        }
        break;
      }
      default:
        node = { kind: s.keyword === 'anydata' ? 'anydata' : 'anyxml', ...common, mandatory: subArg(s, 'mandatory') === 'true' };
    }
    this.parents.set(node, parent);
    return node;
  }

  private missingType(s: Statement, lex: Lex): YangType {
    this.note(lex.mod, `line ${s.line}: ${s.keyword} '${s.arg}' has no type`);
    return { base: 'string', patterns: [] };
  }

  /** A typedef's default applies to leaves of that type (RFC 7950 section 7.3.4). */
  private typedefDefault(typeStmt: Statement, lex: Lex): string | undefined {
    for (let ts: Statement | undefined = typeStmt, l: Lex | undefined = lex; ts && l; ) {
      if (BUILTIN.has(ts.arg ?? '')) return undefined;
      const def = this.lookupDef(l, ts.arg ?? '', 'typedefs');
      if (!def) return undefined;
      const d = subArg(def, 'default');
      if (d !== undefined) return d;
      ts = sub(def, 'type');
      l = this.defScope.get(def);
    }
    return undefined;
  }

  /** Leafref types are resolved per leaf (relative paths differ): give each leaf its own copy. */
  private ownLeafrefs(t: YangType): YangType {
    if (t.base === 'leafref') return { ...t };
    if (t.base === 'union' && t.types.some((m) => m.base === 'leafref' || m.base === 'union')) return { ...t, types: t.types.map((m) => this.ownLeafrefs(m)) };
    return t;
  }

  private noteLeafref(type: YangType, leaf: LeafSchema | LeafListSchema, lex: Lex): void {
    if (type.base === 'leafref') this.leafrefs.push({ type, leaf, lex });
    else if (type.base === 'union') for (const t of type.types) this.noteLeafref(t, leaf, lex);
  }

  caseNode(s: Statement, outerLex: Lex, owner: Owner, config: boolean, parent: SchemaParent): CaseSchema {
    const scope = scopeOf(s, outerLex.scope);
    const lex = scope === outerLex.scope ? outerLex : { mod: outerLex.mod, scope };
    const children: DataNodeSchema[] = [];
    const node: CaseSchema = { kind: 'case', ...this.common(s, lex, owner, config), children };
    this.parents.set(node, parent);
    children.push(...this.dataDefs(s.children, lex, owner, node.config, node));
    return node;
  }

  shorthandCase(s: Statement, lex: Lex, owner: Owner, config: boolean, parent: SchemaParent): CaseSchema {
    const children: DataNodeSchema[] = [];
    // the case is there when its node is (RFC 7950 section 7.9.2)
    const node: CaseSchema = { kind: 'case', name: s.arg ?? '', module: owner.module, namespace: owner.namespace, prefix: owner.prefix, config, ifFeatures: this.ifFeatures(s, lex), musts: [], children };
    this.parents.set(node, parent);
    children.push(this.dataDef(s, lex, owner, config, node));
    return node;
  }

  /** RFC 7950 section 7.13: the grouping's nodes, in the using module's namespace, refined and augmented. */
  private uses(s: Statement, lex: Lex, owner: Owner, config: boolean, parent: SchemaParent): DataNodeSchema[] {
    const def = this.lookupDef(lex, s.arg ?? '', 'groupings');
    const defLex = def && this.defScope.get(def);
    if (!def || !defLex) {
      this.note(lex.mod, `line ${s.line}: unknown grouping '${s.arg}'`);
      return [];
    }
    if (this.resolving.has(def)) {
      this.note(lex.mod, `line ${s.line}: grouping '${s.arg}' uses itself`);
      return [];
    }
    this.resolving.add(def);
    const scope = scopeOf(def, defLex.scope);
    const nodes = this.dataDefs(def.children, { mod: defLex.mod, scope }, owner, config, parent);
    this.resolving.delete(def);
    const features = this.ifFeatures(s, lex);
    if (features.length) for (const n of nodes) Object.assign(n, { ifFeatures: [...n.ifFeatures, ...features] });
    const holder = { children: nodes };
    for (const r of subs(s, 'refine')) {
      const target = this.descend(holder, r.arg ?? '', lex);
      if (!target) {
        this.note(lex.mod, `line ${r.line}: refine target '${r.arg}' not found`);
        continue;
      }
      this.refine(target, r, lex);
    }
    for (const a of subs(s, 'augment')) this.augmentInto(this.descend(holder, a.arg ?? '', lex), a, lex, owner);
    return nodes;
  }

  private refine(target: object, r: Statement, lex: Lex): void {
    const set: Record<string, unknown> = {};
    for (const c of r.children) {
      switch (c.keyword) {
        case 'mandatory':
          set.mandatory = c.arg === 'true';
          break;
        case 'presence':
          set.presence = true;
          break;
        case 'description':
          set.description = c.arg;
          break;
        case 'min-elements':
          set.minElements = Number(c.arg);
          break;
        case 'max-elements':
          set.maxElements = c.arg === 'unbounded' ? Infinity : Number(c.arg);
          break;
        case 'if-feature':
          set.ifFeatures = [...((target as NodeCommon).ifFeatures ?? []), ...this.ifFeatures(r, lex)];
          break;
        case 'config':
          if (c.arg === 'false') setConfigFalse(target as DataNodeSchema);
          break;
      }
    }
    const defaults = subs(r, 'default').map((d) => d.arg ?? '');
    if (defaults.length) {
      const kind = (target as DataNodeSchema).kind;
      if (kind === 'leaf-list') set.defaults = defaults;
      else set.default = defaults[0];
    }
    Object.assign(target, set);
  }

  /** Follows a schema node identifier (RFC 7950 section 6.5) from `start`. */
  descend(start: SchemaParent | { children: DataNodeSchema[] } | undefined, id: string, lex: Lex): SchemaParent | undefined {
    let node: SchemaParent | { children: DataNodeSchema[] } | undefined = start;
    for (const step of id.split('/').filter(Boolean)) {
      if (!node) return undefined;
      const [prefix, name] = splitName(step.trim());
      const mod = this.moduleOfPrefix(lex, prefix);
      if (!mod) return undefined;
      node = childByName(node, name, mod.info.namespace);
    }
    return node as SchemaParent | undefined;
  }

  /** Adds an augment's nodes (RFC 7950 section 7.17) to its target. */
  augmentInto(target: SchemaParent | undefined, a: Statement, outerLex: Lex, owner: Owner): void {
    if (!target) {
      this.note(outerLex.mod, `line ${a.line}: augment target '${a.arg}' not found`);
      return;
    }
    const scope = scopeOf(a, outerLex.scope);
    const lex = scope === outerLex.scope ? outerLex : { mod: outerLex.mod, scope };
    const features = this.ifFeatures(a, lex);
    const config = 'config' in target ? target.config : false;
    const added: (DataNodeSchema | CaseSchema)[] = [];
    if ('kind' in target && target.kind === 'choice') {
      const cases = target.cases as CaseSchema[];
      for (const c of a.children) {
        if (c.keyword === 'case') added.push(this.caseNode(c, lex, owner, config, target));
        else if (DATA_DEF.has(c.keyword) && c.keyword !== 'uses') added.push(this.shorthandCase(c, lex, owner, config, target));
      }
      cases.push(...(added as CaseSchema[]));
    } else if ('children' in target && (!('kind' in target) || target.kind !== 'module')) {
      const nodes = this.dataDefs(a.children, lex, owner, config, target);
      (target.children as DataNodeSchema[]).push(...nodes);
      added.push(...nodes);
    } else {
      this.note(outerLex.mod, `line ${a.line}: cannot augment '${a.arg}'`);
      return;
    }
    if (features.length) for (const n of added) Object.assign(n, { ifFeatures: [...n.ifFeatures, ...features] });
  }

  // -- after every module is compiled

  finishIdentities(): void {
    const derives = (id: Identity, base: string, seen = new Set<string>()): boolean =>
      id.bases.some((b) => {
        if (b === base) return true;
        if (seen.has(b)) return false;
        seen.add(b);
        const parent = this.identities.get(b);
        return parent !== undefined && derives(parent, base, seen);
      });
    for (const { type, bases } of this.identityrefs) {
      const all = [...this.identities.values()].filter((id) => bases.every((b) => derives(id, b)));
      (type.identities as Identity[]).push(...all);
    }
  }

  finishLeafrefs(): void {
    const pending = new Set(this.leafrefs.filter((ref) => !this.isDropped(ref.leaf)));
    // a leafref may point at another leafref: resolve in passes
    for (let pass = 0; pass < 8 && pending.size; pass++) {
      for (const ref of pending) {
        const found = this.leafrefTarget(ref.type.path, ref.leaf, ref.lex);
        if (!found) continue;
        const t = found.leaf.type;
        if (t.base === 'leafref' && !t.target) continue;
        Object.assign(ref.type, { target: t.base === 'leafref' ? t.target : t, targetPath: found.path });
        pending.delete(ref);
      }
    }
    for (const ref of pending) this.note(ref.lex.mod, `leafref path '${ref.type.path}' of '${ref.leaf.name}' does not lead to a leaf`);
  }

  private leafrefTarget(p: string, leaf: LeafSchema | LeafListSchema, lex: Lex): { leaf: LeafSchema | LeafListSchema; path: string } | undefined {
    const steps = stripPredicates(p).split('/');
    let node: SchemaParent | undefined;
    let i = 0;
    if (steps[0] === '') {
      i = 1;
    } else {
      node = leaf;
    }
    for (; i < steps.length; i++) {
      const step = steps[i].trim();
      if (step === '' || step === '.') continue;
      if (step === '..') {
        if (!node) return undefined;
        node = this.dataParent(node);
        continue;
      }
      const [prefix, name] = splitName(step);
      // unprefixed names take the namespace of the leaf (RFC 7950 section 6.4.1)
      const ns = prefix === undefined ? leaf.namespace : this.moduleOfPrefix(lex, prefix)?.info.namespace;
      if (ns === undefined) return undefined;
      node = node ? dataChild(node, name, ns) : this.topNode(name, ns);
      if (!node) return undefined;
    }
    if (!node || !('kind' in node) || (node.kind !== 'leaf' && node.kind !== 'leaf-list')) return undefined;
    return { leaf: node, path: this.dataPath(node) };
  }

  /** RFC 7951 section 6.11 style path: module name where it changes, no predicates. */
  private dataPath(node: DataNodeSchema): string {
    const chain: DataNodeSchema[] = [];
    for (let n: SchemaParent | undefined = node; n && 'kind' in n && n.kind !== 'module' && n.kind !== 'rpc' && n.kind !== 'notification'; n = this.dataParent(n)) {
      if (n.kind !== 'choice' && n.kind !== 'case') chain.unshift(n);
    }
    let out = '';
    let mod = '';
    for (const n of chain) {
      out += '/' + (n.module !== mod ? `${n.module}:` : '') + n.name;
      mod = n.module;
    }
    return out;
  }

  private dataParent(node: SchemaParent): SchemaParent | undefined {
    let p = this.parents.get(node);
    while (p && 'kind' in p && (p.kind === 'choice' || p.kind === 'case')) p = this.parents.get(p);
    return p;
  }

  private topNode(name: string, ns: string): SchemaParent | undefined {
    for (const m of this.mods.values()) {
      if (m.info.namespace !== ns) continue;
      const found = dataChild(m.schema, name, ns) ?? m.schema.rpcs.find((r) => r.name === name)?.input;
      if (found) return found;
    }
    return undefined;
  }

  setParent(child: object, parent: SchemaParent): void {
    this.parents.set(child, parent);
  }
}

function setConfigFalse(node: DataNodeSchema | CaseSchema): void {
  Object.assign(node, { config: false });
  if (node.kind === 'choice') node.cases.forEach(setConfigFalse);
  else if ('children' in node) node.children.forEach(setConfigFalse);
}

function stripPredicates(p: string): string {
  let out = '';
  let depth = 0;
  for (const c of p) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (depth === 0 && c !== ' ' && c !== '\n' && c !== '\t') out += c;
  }
  return out;
}

/** A child in a schema node identifier: choices and cases are steps of their own. */
function childByName(node: SchemaParent | { children: DataNodeSchema[] }, name: string, ns: string): SchemaParent | undefined {
  if ('kind' in node && node.kind === 'rpc') return name === 'input' ? node.input : name === 'output' ? node.output : undefined;
  if ('kind' in node && node.kind === 'choice') return node.cases.find((c) => c.name === name && c.namespace === ns);
  if ('children' in node) return node.children.find((c) => c.name === name && c.namespace === ns);
  return undefined;
}


/**
 * An if-feature expression (RFC 7950 section 7.20.2, grammar in section 14:
 * `not`, `and`, `or`, parentheses; names qualified 'module:feature') over
 * the supported features.
 */
function ifFeatureTrue(expr: string, supported: ReadonlySet<string>): boolean {
  const tokens = expr.match(/[()]|[^\s()]+/g) ?? [];
  let i = 0;
  const factor = (): boolean => {
    const t = tokens[i++];
    if (t === 'not') return !factor();
    if (t !== '(') return t !== undefined && supported.has(t);
    const v = or();
    i++; // ')'
    return v;
  };
  const and = (): boolean => {
    let v = factor();
    while (tokens[i] === 'and') {
      i++;
      v = factor() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (tokens[i] === 'or') {
      i++;
      v = and() || v;
    }
    return v;
  };
  return or();
}

function decimalToScaled(x: string, fd: number): bigint | undefined {
  const m = /^([-+]?)(\d+)(?:\.(\d+))?$/.exec(x.trim());
  if (!m || (m[3]?.length ?? 0) > fd) return undefined;
  const v = BigInt(m[2] + (m[3] ?? '').padEnd(fd, '0'));
  return m[1] === '-' ? -v : v;
}

export function compileRpc(compiler: Compiler, r: Statement, outerLex: Lex, owner: Owner): RpcSchema {
  const scope = scopeOf(r, outerLex.scope);
  const lex: Lex = { mod: outerLex.mod, scope };
  const input: DataNodeSchema[] = [];
  const output: DataNodeSchema[] = [];
  const rpc: RpcSchema = { kind: 'rpc', ...compiler.common(r, lex, owner, false), input: { children: input }, output: { children: output } };
  for (const [kw, list, body] of [
    ['input', input, rpc.input],
    ['output', output, rpc.output],
  ] as const) {
    compiler.setParent(body, rpc);
    const s = sub(r, kw);
    if (!s) continue;
    const ioScope = scopeOf(s, scope);
    list.push(...compiler.dataDefs(s.children, { mod: lex.mod, scope: ioScope }, owner, false, body));
  }
  return rpc;
}
