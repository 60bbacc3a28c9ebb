// XPath 1.0 syntax (W3C Recommendation, 1999, section 3; lexical structure,
// section 3.7) for YANG "when" and "must" expressions (RFC 7950 section 6.4):
// tokens, the expression tree and the parser. An expression is compiled once;
// syntax errors, unknown functions, wrong argument counts and unknown prefixes
// are found then.
//
// Limits, on purpose: no variables, no id(), lang() or text() (YANG data has
// no mixed content).
import type { XPathConstraint } from './schema';

export class XPathSyntaxError extends Error {}

// ---------------------------------------------------------------------------
// Syntax (XPath 1.0 section 3)

export type Axis = 'child' | 'parent' | 'self' | 'descendant' | 'descendant-or-self' | 'ancestor' | 'ancestor-or-self' | 'following-sibling' | 'preceding-sibling' | 'attribute';
const AXES: ReadonlySet<string> = new Set<Axis>(['child', 'parent', 'self', 'descendant', 'descendant-or-self', 'ancestor', 'ancestor-or-self', 'following-sibling', 'preceding-sibling', 'attribute']);

/** ns undefined: the default namespace (name test) or any namespace (the wildcard `*`). */
export type NodeTest = { readonly kind: 'name'; readonly ns?: string; readonly local: string } | { readonly kind: 'wildcard'; readonly ns?: string } | { readonly kind: 'node' };

export interface Step {
  readonly axis: Axis;
  readonly test: NodeTest;
  readonly preds: readonly Expr[];
}

type BinOp = 'or' | 'and' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | 'div' | 'mod' | '|';

export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'neg'; readonly a: Expr }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | { readonly k: 'path'; readonly from: 'root' | 'context' | Expr; readonly filter: readonly Expr[]; readonly steps: readonly Step[] };

export interface CompiledXPath {
  readonly source: string;
  readonly expr: Expr;
  /** prefix -> namespace in scope where the expression was written */
  readonly namespaces: ReadonlyMap<string, string>;
}

type Token =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'name'; readonly prefix?: string; readonly local: string } // local may be '*'
  | { readonly t: 'op'; readonly v: string };

const NAME = /[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*/y;
const NUMBER = /\d+(?:\.\d*)?|\.\d+/y;
const SYMBOLS = ['//', '..', '::', '!=', '<=', '>=', '/', '.', '(', ')', '[', ']', '@', ',', '|', '+', '-', '=', '<', '>', '*', '$'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new XPathSyntaxError(`${msg} at offset ${i} in "${src}"`);
  };
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(src);
    return m ? m[0] : undefined;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string literal');
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /[\d.]/.test(c) ? match(NUMBER) : undefined;
    if (num !== undefined) {
      out.push({ t: 'num', v: Number(num) });
      i += num.length;
      continue;
    }
    const name = match(NAME);
    if (name !== undefined) {
      i += name.length;
      // QName or prefix:* (no whitespace around the colon)
      if (src[i] === ':' && src[i + 1] !== ':') {
        i++;
        if (src[i] === '*') {
          i++;
          out.push({ t: 'name', prefix: name, local: '*' });
          continue;
        }
        const local = match(NAME);
        if (local === undefined) fail(`bad name after "${name}:"`);
        i += (local ?? '').length;
        out.push({ t: 'name', prefix: name, local: local ?? '' });
      } else {
        out.push({ t: 'name', local: name });
      }
      continue;
    }
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (sym === undefined) fail(`unexpected character '${c}'`);
    if (sym === '$') fail('variables are not available in YANG expressions');
    out.push({ t: 'op', v: sym ?? '' });
    i += (sym ?? '').length;
  }
  return out;
}

interface FunctionSpec {
  readonly min: number;
  readonly max: number;
}
const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(
  Object.entries({
    last: [0, 0],
    position: [0, 0],
    count: [1, 1],
    'local-name': [0, 1],
    'namespace-uri': [0, 1],
    name: [0, 1],
    string: [0, 1],
    concat: [2, Infinity],
    'starts-with': [2, 2],
    contains: [2, 2],
    'substring-before': [2, 2],
    'substring-after': [2, 2],
    substring: [2, 3],
    'string-length': [0, 1],
    'normalize-space': [0, 1],
    translate: [3, 3],
    boolean: [1, 1],
    not: [1, 1],
    true: [0, 0],
    false: [0, 0],
    number: [0, 1],
    sum: [1, 1],
    floor: [1, 1],
    ceiling: [1, 1],
    round: [1, 1],
    // RFC 7950 section 10
    current: [0, 0],
    're-match': [2, 2],
    deref: [1, 1],
    'derived-from': [2, 2],
    'derived-from-or-self': [2, 2],
    'enum-value': [1, 1],
    'bit-is-set': [2, 2],
  }).map(([k, [min, max]]) => [k, { min, max }]),
);
const NODE_TYPES = new Set(['node', 'text', 'comment', 'processing-instruction']);

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
    private readonly namespaces: ReadonlyMap<string, string>,
  ) {}

  fail(msg: string): never {
    throw new XPathSyntaxError(`${msg} in "${this.src}"`);
  }
  private peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  private isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.t === 'op' && t.v === v;
  }
  /** An operator name (and, or, div, mod, `*` as multiply): only where an operator may stand (XPath section 3.7). */
  private isOperatorName(v: string): boolean {
    const t = this.peek();
    return t?.t === 'name' && t.prefix === undefined && t.local === v;
  }
  private take(v: string): void {
    if (!this.isOp(v)) this.fail(`expected '${v}'`);
    this.i++;
  }

  parse(): Expr {
    if (!this.toks.length) this.fail('empty expression');
    const e = this.or();
    if (this.i < this.toks.length) this.fail('unexpected text after the expression');
    return e;
  }

  private binary(next: () => Expr, ops: readonly string[], names: readonly string[]): Expr {
    let a = next();
    for (;;) {
      const t = this.peek();
      let op: string | undefined;
      if (t?.t === 'op' && ops.includes(t.v)) op = t.v;
      else if (t?.t === 'name' && names.some((n) => this.isOperatorName(n))) op = t.local;
      if (op === undefined) return a;
      this.i++;
      a = { k: 'bin', op: op as BinOp, a, b: next() };
    }
  }
  private or = (): Expr => this.binary(this.and, [], ['or']);
  private and = (): Expr => this.binary(this.equality, [], ['and']);
  private equality = (): Expr => this.binary(this.relational, ['=', '!='], []);
  private relational = (): Expr => this.binary(this.additive, ['<', '<=', '>', '>='], []);
  private additive = (): Expr => this.binary(this.multiplicative, ['+', '-'], []);
  private multiplicative = (): Expr => this.binary(this.unary, ['*'], ['div', 'mod']);
  private unary = (): Expr => {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', a: this.unary() };
    }
    return this.union();
  };
  private union = (): Expr => this.binary(this.path, ['|'], []);

  private path = (): Expr => {
    const t = this.peek();
    if (!t) this.fail('expression ends too early');
    const startsFilter = t.t === 'num' || t.t === 'str' || (t.t === 'op' && t.v === '(') || (t.t === 'name' && t.local !== '*' && this.isOp('(', 1) && !NODE_TYPES.has(t.local));
    if (!startsFilter) return this.locationPath();
    const primary = this.primary();
    const filter: Expr[] = [];
    while (this.isOp('[')) filter.push(this.predicate());
    if (!this.isOp('/') && !this.isOp('//')) {
      if (!filter.length) return primary;
      return { k: 'path', from: primary, filter, steps: [] };
    }
    return { k: 'path', from: primary, filter, steps: this.relativeSteps(true) };
  };

  private primary(): Expr {
    const t = this.peek();
    this.i++;
    if (t?.t === 'num') return { k: 'num', v: t.v };
    if (t?.t === 'str') return { k: 'str', v: t.v };
    if (t?.t === 'op' && t.v === '(') {
      const e = this.or();
      this.take(')');
      return e;
    }
    if (t?.t === 'name') {
      if (t.prefix !== undefined) this.fail(`unknown function ${t.prefix}:${t.local}()`);
      const spec = FUNCTIONS.get(t.local);
      if (!spec) this.fail(`unknown function ${t.local}()`);
      this.take('(');
      const args: Expr[] = [];
      if (!this.isOp(')')) {
        args.push(this.or());
        while (this.isOp(',')) {
          this.i++;
          args.push(this.or());
        }
      }
      this.take(')');
      if (args.length < spec.min || args.length > spec.max) this.fail(`${t.local}() takes ${spec.min === spec.max ? spec.min : `${spec.min} to ${spec.max}`} arguments, not ${args.length}`);
      return { k: 'call', fn: t.local, args };
    }
    return this.fail('expected an expression');
  }

  private predicate(): Expr {
    this.take('[');
    const e = this.or();
    this.take(']');
    return e;
  }

  private locationPath(): Expr {
    if (this.isOp('/')) {
      this.i++;
      const t = this.peek();
      const stepFollows = t !== undefined && (t.t === 'name' || (t.t === 'op' && (t.v === '.' || t.v === '..' || t.v === '@' || t.v === '*')));
      return { k: 'path', from: 'root', filter: [], steps: stepFollows ? this.relativeSteps(false) : [] };
    }
    if (this.isOp('//')) return { k: 'path', from: 'root', filter: [], steps: this.relativeSteps(true) };
    return { k: 'path', from: 'context', filter: [], steps: this.relativeSteps(false) };
  }

  /** Steps separated by / or //; `leadingSeparator`: one comes first. */
  private relativeSteps(leadingSeparator: boolean): Step[] {
    const steps: Step[] = [];
    let sep = leadingSeparator;
    for (;;) {
      if (sep && this.isOp('//')) {
        this.i++;
        steps.push({ axis: 'descendant-or-self', test: { kind: 'node' }, preds: [] });
      } else if (sep) {
        this.take('/');
      }
      steps.push(this.step());
      if (!this.isOp('/') && !this.isOp('//')) return steps;
      sep = true;
    }
  }

  private step(): Step {
    if (this.isOp('.')) {
      this.i++;
      return { axis: 'self', test: { kind: 'node' }, preds: [] };
    }
    if (this.isOp('..')) {
      this.i++;
      return { axis: 'parent', test: { kind: 'node' }, preds: [] };
    }
    let axis: Axis = 'child';
    if (this.isOp('@')) {
      this.i++;
      axis = 'attribute';
    } else {
      const t = this.peek();
      if (t?.t === 'name' && t.prefix === undefined && this.isOp('::', 1)) {
        if (!AXES.has(t.local)) this.fail(`unsupported axis ${t.local}`);
        axis = t.local as Axis;
        this.i += 2;
      }
    }
    const test = this.nodeTest();
    const preds: Expr[] = [];
    while (this.isOp('[')) preds.push(this.predicate());
    return { axis, test, preds };
  }

  private nodeTest(): NodeTest {
    const t = this.peek();
    if (t?.t === 'op' && t.v === '*') {
      this.i++;
      return { kind: 'wildcard' };
    }
    if (t?.t !== 'name') return this.fail('expected a node test');
    this.i++;
    if (t.prefix === undefined && NODE_TYPES.has(t.local) && this.isOp('(')) {
      if (t.local !== 'node') this.fail(`${t.local}() is not available in YANG data trees`);
      this.take('(');
      this.take(')');
      return { kind: 'node' };
    }
    let ns: string | undefined;
    if (t.prefix !== undefined) {
      ns = this.namespaces.get(t.prefix);
      if (ns === undefined) this.fail(`unknown prefix "${t.prefix}"`);
    }
    return t.local === '*' ? { kind: 'wildcard', ns } : { kind: 'name', ns, local: t.local };
  }
}

/** Compiles an expression; throws XPathSyntaxError. */
export function compileExpression(source: string, namespaces: ReadonlyMap<string, string>): CompiledXPath {
  return { source, expr: new Parser(source, tokenize(source), namespaces).parse(), namespaces };
}

const compiled = new WeakMap<XPathConstraint, CompiledXPath>();

/** Compiles a `when` or `must` once; throws XPathSyntaxError. */
export function compileXPath(c: XPathConstraint): CompiledXPath {
  let x = compiled.get(c);
  if (!x) {
    x = compileExpression(c.expression, c.namespaces);
    compiled.set(c, x);
  }
  return x;
}
