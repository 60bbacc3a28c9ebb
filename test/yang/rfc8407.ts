// The RFC 8407 points that `pyang --lint` checks (pyang's plugins/lint.py,
// with --lint-namespace-prefix, --lint-modulename-prefix and
// --lint-ensure-hyphenated-names, and the canonical statement order of its
// grammar.py that --lint turns on), plus its unused-import warning and the
// line rules of --ietf: Debian packages no pyang, so the project's own
// modules are checked with this. It reads the statement tree of one module
// (src/yang/statements.ts) and names each problem with its line.
import { parseYangStatements, sub, subArg, subs } from '../../src/yang/statements';
import type { Statement } from '../../src/yang/statements';

export interface LintOptions {
  /** the module name starts with `${modulePrefix}-` (RFC 8407 section 4.1) */
  readonly modulePrefix: string;
  /** the namespace is `${namespacePrefix}${module name}` (RFC 8407 section 4.9) */
  readonly namespacePrefix: string;
}

/** pyang --ietf's line length (RFC 8407 section 3.? leaves it to the document; 70 fits an RFC page with the indent). */
const MAX_LINE = 70;
/** RFC 8407 section 4.3 */
const MAX_IDENTIFIER = 64;

/** RFC 8407 sections 4.8, 4.14: statements that must have these substatements (pyang LINT_MISSING_REQUIRED_SUBSTMT; enum and bit are its recommended ones). */
const REQUIRED: Record<string, readonly string[]> = {
  module: ['contact', 'organization', 'description', 'revision'],
  revision: ['description', 'reference'],
  extension: ['description'],
  feature: ['description'],
  identity: ['description'],
  typedef: ['description'],
  grouping: ['description'],
  augment: ['description'],
  rpc: ['description'],
  action: ['description'],
  notification: ['description'],
  container: ['description'],
  leaf: ['description'],
  'leaf-list': ['description'],
  list: ['description'],
  choice: ['description'],
  anydata: ['description'],
  anyxml: ['description'],
  deviation: ['description'],
  enum: ['description'],
  bit: ['description'],
};

/** RFC 8407 section 4.4 (pyang LINT_EXPLICIT_DEFAULT): a statement given with its default value. */
const DEFAULTS = new Map([
  ['status', 'current'],
  ['mandatory', 'false'],
  ['min-elements', '0'],
  ['max-elements', 'unbounded'],
  ['config', 'true'],
  ['yin-element', 'false'],
]);

const DATA = ['container', 'leaf', 'leaf-list', 'list', 'choice', 'anydata', 'anyxml', 'uses'];
const INNER = ['typedef', 'grouping', ...DATA, 'action', 'notification'];
const one = (...keywords: string[]): string[][] => keywords.map((k) => [k]);
/**
 * The canonical order of substatements (RFC 7950 section 14, as pyang's
 * grammar.py has it): groups in order, the keywords of one group in any.
 */
const CANONICAL: Record<string, readonly (readonly string[])[]> = {
  module: [...one('yang-version', 'namespace', 'prefix', 'import', 'include', 'organization', 'contact', 'description', 'reference', 'revision'), ['extension', 'feature', 'identity', 'typedef', 'grouping', 'rpc', 'notification', 'deviation', 'augment', ...DATA]],
  import: one('prefix', 'revision-date', 'description', 'reference'),
  revision: one('description', 'reference'),
  extension: one('argument', 'status', 'description', 'reference'),
  feature: one('if-feature', 'status', 'description', 'reference'),
  identity: one('base', 'if-feature', 'status', 'description', 'reference'),
  typedef: one('type', 'units', 'default', 'status', 'description', 'reference'),
  type: [
    ['fraction-digits', 'length', 'path', 'enum', 'bit', 'base', 'type'],
    ['range', 'pattern', 'require-instance'],
  ],
  range: one('error-message', 'error-app-tag', 'description', 'reference'),
  length: one('error-message', 'error-app-tag', 'description', 'reference'),
  pattern: one('modifier', 'error-message', 'error-app-tag', 'description', 'reference'),
  must: one('error-message', 'error-app-tag', 'description', 'reference'),
  enum: one('value', 'if-feature', 'status', 'description', 'reference'),
  bit: one('position', 'if-feature', 'status', 'description', 'reference'),
  grouping: [...one('status', 'description', 'reference'), INNER],
  container: [...one('when', 'if-feature', 'must', 'presence', 'config', 'status', 'description', 'reference'), INNER],
  leaf: one('when', 'if-feature', 'type', 'units', 'must', 'default', 'config', 'mandatory', 'status', 'description', 'reference'),
  'leaf-list': one('when', 'if-feature', 'type', 'units', 'must', 'default', 'config', 'min-elements', 'max-elements', 'ordered-by', 'status', 'description', 'reference'),
  list: [...one('when', 'if-feature', 'must', 'key', 'unique', 'config', 'min-elements', 'max-elements', 'ordered-by', 'status', 'description', 'reference'), INNER],
  choice: [...one('when', 'if-feature', 'default', 'config', 'mandatory', 'status', 'description', 'reference'), ['case', 'choice', 'container', 'leaf', 'leaf-list', 'list', 'anydata', 'anyxml']],
  case: [...one('when', 'if-feature', 'status', 'description', 'reference'), DATA],
  anydata: one('when', 'if-feature', 'must', 'config', 'mandatory', 'status', 'description', 'reference'),
  anyxml: one('when', 'if-feature', 'must', 'config', 'mandatory', 'status', 'description', 'reference'),
  uses: one('when', 'if-feature', 'status', 'description', 'reference', 'refine', 'augment'),
  refine: one('must', 'if-feature', 'presence', 'default', 'config', 'mandatory', 'min-elements', 'max-elements', 'description', 'reference'),
  augment: [...one('when', 'if-feature', 'status', 'description', 'reference'), ['case', ...DATA, 'action', 'notification']],
  when: one('description', 'reference'),
  rpc: [...one('if-feature', 'status', 'description', 'reference'), ['typedef', 'grouping'], ['input'], ['output']],
  action: [...one('if-feature', 'status', 'description', 'reference'), ['typedef', 'grouping'], ['input'], ['output']],
  input: [['must'], ['typedef', 'grouping', ...DATA]],
  output: [['must'], ['typedef', 'grouping', ...DATA]],
  notification: [...one('if-feature', 'must', 'status', 'description', 'reference'), ['typedef', 'grouping', ...DATA]],
  deviation: one('description', 'reference', 'deviate'),
  deviate: one('type', 'units', 'must', 'unique', 'default', 'config', 'mandatory', 'min-elements', 'max-elements'),
};

/** Statements whose argument is an identifier (or an enum name) that pyang checks for length and hyphenation. */
const NAMED = new Set(['module', 'feature', 'identity', 'typedef', 'grouping', 'container', 'leaf', 'leaf-list', 'list', 'choice', 'case', 'anydata', 'anyxml', 'rpc', 'action', 'notification', 'extension', 'enum', 'bit', 'prefix']);

/** Every problem of one module, `line N: ...`; none when it is clean. */
export function lintModule(text: string, opts: LintOptions): string[] {
  const problems: string[] = [];
  const at = (line: number, message: string): void => void problems.push(`line ${line}: ${message}`);
  text.split('\n').forEach((l, k) => {
    if (l.includes('\t')) at(k + 1, 'a tab');
    if (/\s$/.test(l)) at(k + 1, 'trailing whitespace');
    if (l.length > MAX_LINE) at(k + 1, `longer than ${MAX_LINE} characters`);
  });
  const mod = parseYangStatements(text);
  const name = mod.arg ?? '';
  if (!name.startsWith(`${opts.modulePrefix}-`)) at(mod.line, `module name does not start with "${opts.modulePrefix}-" (RFC 8407 section 4.1)`);
  const ns = sub(mod, 'namespace');
  if (ns?.arg !== `${opts.namespacePrefix}${name}`) at(ns?.line ?? mod.line, `namespace is not "${opts.namespacePrefix}${name}" (RFC 8407 section 4.9)`);

  const walk = (s: Statement, parent: Statement | undefined): void => {
    for (const r of REQUIRED[s.keyword] ?? []) if (!sub(s, r)) at(s.line, `${s.keyword} "${s.arg ?? ''}" has no ${r} (RFC 8407 sections 4.8, 4.14)`);
    if (DEFAULTS.get(s.keyword) === s.arg && s.arg !== undefined && parent?.keyword !== 'refine') at(s.line, `${s.keyword} ${s.arg} is the default (RFC 8407 section 4.4)`);
    if (NAMED.has(s.keyword) && s.arg !== undefined && s.arg !== '*') {
      if (s.arg.length > MAX_IDENTIFIER) at(s.line, `identifier ${s.arg} is longer than ${MAX_IDENTIFIER} characters (RFC 8407 section 4.3)`);
      if (s.arg !== s.arg.toLowerCase() || s.arg.includes('_')) at(s.line, `${s.arg} is not lower case and hyphenated`);
    }
    const order = CANONICAL[s.keyword];
    if (order) {
      let rank = 0;
      for (const c of s.children) {
        const r = order.findIndex((group) => group.includes(c.keyword));
        if (r < 0) continue;
        if (r < rank) at(c.line, `${c.keyword} is out of the canonical order of ${s.keyword} (RFC 7950 section 14)`);
        rank = Math.max(rank, r);
      }
    }
    for (const c of s.children) walk(c, s);
  };
  walk(mod, undefined);

  // RFC 8407 section 4.10 (pyang LINT_TOP_MANDATORY): no top-level node is mandatory
  const groupings = new Map<string, Statement>();
  const collect = (s: Statement): void => {
    for (const c of s.children) {
      if (c.keyword === 'grouping' && c.arg) groupings.set(c.arg, c);
      collect(c);
    }
  };
  collect(mod);
  const mandatory = (s: Statement, seen: ReadonlySet<Statement>): boolean => {
    switch (s.keyword) {
      case 'leaf':
      case 'choice':
      case 'anydata':
      case 'anyxml':
        return subArg(s, 'mandatory') === 'true';
      case 'list':
      case 'leaf-list':
        return Number(subArg(s, 'min-elements') ?? '0') > 0;
      case 'container':
        return !sub(s, 'presence') && s.children.some((c) => mandatory(c, seen));
      case 'uses': {
        const g = groupings.get(s.arg ?? '');
        return g !== undefined && !seen.has(g) && g.children.some((c) => mandatory(c, new Set([...seen, g])));
      }
      default:
        return false;
    }
  };
  for (const top of mod.children) if (mandatory(top, new Set())) at(top.line, `top-level ${top.keyword} ${top.arg} is mandatory (RFC 8407 section 4.10)`);

  // pyang UNUSED_IMPORT
  const uses = (s: Statement, prefix: string): boolean =>
    s.keyword.startsWith(`${prefix}:`) || (s.keyword !== 'prefix' && new RegExp(`(^|[^\\w.-])${prefix.replace(/[.-]/g, '\\$&')}:`).test(s.arg ?? '')) || s.children.some((c) => uses(c, prefix));
  for (const imp of subs(mod, 'import')) {
    const prefix = subArg(imp, 'prefix') ?? '';
    if (!mod.children.some((c) => c !== imp && uses(c, prefix))) at(imp.line, `import ${imp.arg} is not used`);
  }
  return problems;
}
