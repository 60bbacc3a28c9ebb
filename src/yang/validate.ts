// Validation of RPC input and notification content (XML encoding, RFC 7950
// section 7.14, 7.16) against the compiled schema, walking the schema.
//
// Which error for which violation:
// - found while parsing the payload (RFC 7950 section 8.3.1): error-type
//   'protocol', the RFC 6241 Appendix A tag: unknown-element, unknown-namespace
//   (bad-element and bad-namespace in error-info), bad-element (a second case
//   of one choice, a repeated leaf), invalid-value (a value its type refuses),
//   missing-element (a missing mandatory leaf, anydata/anyxml, list key, or a
//   missing non-presence container holding mandatory nodes, a mandatory
//   choice with none of its cases: the expected element is absent, as RFC
//   6241 Appendix A words it; for the choice also app-tag missing-choice and
//   error-info <missing-choice>, as RFC 7950 section 15.6 names it).
// - constraints of the validation phase (RFC 7950 section 8.3.3), errors of
//   RFC 7950 section 15, error-type 'application': a leafref to no
//   instance is data-missing with app-tag instance-required (15.5), too many
//   or too few list entries are operation-failed with too-many-elements /
//   too-few-elements (15.2, 15.3).
// error-path is an absolute XPath over the instance data, every step prefixed
// with its module's prefix, the rpc's children directly under the rpc node (as
// RFC 7950 section 7.14.2 encodes input), list entries with key predicates.
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { resolvePrefix, XmlElement } from '../model/xml';
import { Frame, pathOf, xpathLiteral } from './instance-path';
import { INT_BOUNDS } from './schema';
import type { CaseSchema, ChoiceSchema, DataNodeSchema, ListSchema, NotificationSchema, RpcSchema, YangType } from './schema';

export interface ValidateOptions {
  /**
   * Whether a leafref's target instance exists: `targetPath` is the target
   * leaf's absolute schema path in the RFC 7951 section 6.11 form
   * (`/ncbgp-bgp:bgp/peer-group/name`). Without it require-instance is not checked.
   */
  leafrefExists?: (targetPath: string, value: string) => boolean;
}

/** Throws NetconfRpcError for the first violation in an RPC's input. */
export function validateRpcInput(rpc: RpcSchema, op: XmlElement, opts: ValidateOptions = {}): void {
  const frame: Frame = { prefix: rpc.prefix, ns: rpc.namespace, name: rpc.name };
  walk(rpc.input.children, op, op.ns || rpc.namespace, frame, opts);
}

/** Throws NetconfRpcError for the first violation in a notification's content element. */
export function validateNotification(schema: NotificationSchema, el: XmlElement, opts: ValidateOptions = {}): void {
  const frame: Frame = { prefix: schema.prefix, ns: schema.namespace, name: schema.name };
  walk(schema.children, el, el.ns || schema.namespace, frame, opts);
}

// ---------------------------------------------------------------------------
// Values (RFC 7950 section 9)

export interface ValueViolation {
  message: string;
  appTag?: string;
}

/** Maps a prefix of an identityref value to a namespace; no prefix means the leaf's own module. */
export type PrefixResolver = (prefix: string | undefined) => string | undefined;

const INTEGER_TEXT = /^[-+]?[0-9]+$/;
const DECIMAL_TEXT = /^([-+]?)([0-9]+)(?:\.([0-9]+))?$/;
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

const inIntervals = <T extends number | bigint>(v: T, intervals: readonly { min: T; max: T }[]): boolean => intervals.some((r) => v >= r.min && v <= r.max);

/** Why `value` is not a lexical value of `type`, or undefined when it is one. */
export function checkValue(type: YangType, value: string, resolve: PrefixResolver): ValueViolation | undefined {
  switch (type.base) {
    case 'string': {
      if (type.length && !inIntervals(codePoints(value), type.length.intervals)) {
        return { message: type.length.errorMessage ?? `length of "${value}" is outside ${show(type.length.intervals)}`, appTag: type.length.errorAppTag };
      }
      for (const p of type.patterns) {
        if (p.regex.test(value) === p.invert) return { message: p.errorMessage ?? `"${value}" does not match pattern '${p.source}'${p.invert ? ' (invert-match)' : ''}`, appTag: p.errorAppTag };
      }
      return undefined;
    }
    case 'binary': {
      const b64 = value.replace(/\s+/g, '');
      if (!BASE64_TEXT.test(b64)) return { message: 'not base64 (RFC 4648 section 4)' };
      if (type.length) {
        const bytes = (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
        if (!inIntervals(bytes, type.length.intervals)) return { message: type.length.errorMessage ?? `${bytes} octets is outside ${show(type.length.intervals)}`, appTag: type.length.errorAppTag };
      }
      return undefined;
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : { message: `"${value}" is not true or false` };
    case 'empty':
      return value.trim() === '' ? undefined : { message: 'a leaf of type empty has no value' };
    case 'enumeration':
      return type.enums.some((e) => e.name === value) ? undefined : { message: `"${value}" is not one of ${type.enums.map((e) => e.name).join(', ')}` };
    case 'bits': {
      const names = value.split(/\s+/).filter(Boolean);
      const bad = names.find((n, i) => !type.bits.some((b) => b.name === n) || names.indexOf(n) !== i);
      return bad === undefined ? undefined : { message: `"${bad}" is not a bit of ${type.bits.map((b) => b.name).join(', ')} or is repeated` };
    }
    case 'decimal64': {
      const m = DECIMAL_TEXT.exec(value);
      if (!m || (m[3]?.length ?? 0) > type.fractionDigits) return { message: `"${value}" is not a decimal64 with at most ${type.fractionDigits} fraction digits` };
      const scaled = BigInt(m[2] + (m[3] ?? '').padEnd(type.fractionDigits, '0')) * (m[1] === '-' ? -1n : 1n);
      if (!inIntervals(scaled, [{ min: INT_BOUNDS.int64[0], max: INT_BOUNDS.int64[1] }])) return { message: `"${value}" is outside decimal64` };
      if (type.range && !inIntervals(scaled, type.range.intervals)) return { message: type.range.errorMessage ?? `"${value}" is outside the range`, appTag: type.range.errorAppTag };
      return undefined;
    }
    case 'identityref': {
      const k = value.indexOf(':');
      const ns = resolve(k < 0 ? undefined : value.slice(0, k));
      const name = value.slice(k + 1);
      if (ns !== undefined && type.identities.some((i) => i.namespace === ns && i.name === name)) return undefined;
      return { message: `"${value}" is not an identity derived from ${type.bases.join(', ')}` };
    }
    case 'instance-identifier':
      // RFC 7950 section 9.13: checked for its form only
      return value.startsWith('/') ? undefined : { message: `"${value}" is not an instance-identifier` };
    case 'leafref':
      return type.target ? checkValue(type.target, value, resolve) : undefined;
    case 'union':
      return type.types.some((t) => checkValue(t, value, resolve) === undefined) ? undefined : { message: `"${value}" matches no member type of the union` };
    default: {
      if (!INTEGER_TEXT.test(value)) return { message: `"${value}" is not an integer` };
      const v = BigInt(value);
      const [lo, hi] = INT_BOUNDS[type.base];
      if (v < lo || v > hi) return { message: `${value} is outside ${type.base}` };
      if (type.range && !inIntervals(v, type.range.intervals)) return { message: type.range.errorMessage ?? `${value} is outside ${show(type.range.intervals)}`, appTag: type.range.errorAppTag };
      return undefined;
    }
  }
}

function show(intervals: readonly { min: number | bigint; max: number | bigint }[]): string {
  return intervals.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}..${r.max === Infinity ? 'max' : r.max}`)).join(' | ');
}

/** The leafref inside `type` (a union member too) that `value` is valid for, with its target path. */
function leafrefOf(type: YangType, value: string, resolve: PrefixResolver): (YangType & { base: 'leafref' }) | undefined {
  if (type.base === 'leafref') return type;
  if (type.base !== 'union') return undefined;
  const member = type.types.find((t) => checkValue(t, value, resolve) === undefined);
  return member && leafrefOf(member, value, resolve);
}

// ---------------------------------------------------------------------------
// Walking the schema

/** One step of the error path. */
function fail(type: ErrorType, tag: ErrorTag, at: Frame, message: string, extra: { appTag?: string; badElement?: string; badNamespace?: string; missingChoice?: string } = {}): never {
  const info = extra.missingChoice !== undefined ? { missingChoice: extra.missingChoice } : extra.badElement !== undefined ? { badElement: extra.badElement, badNamespace: extra.badNamespace } : undefined;
  throw new NetconfRpcError({ type, tag, appTag: extra.appTag, ...pathOf(at), info, message });
}

interface Entry {
  readonly node: DataNodeSchema;
  readonly cases: readonly (readonly [ChoiceSchema, CaseSchema])[]; // choices the node is under, outermost first
}
interface Table {
  readonly byKey: ReadonlyMap<string, Entry>;
  readonly prefixOf: ReadonlyMap<string, string>; // namespace -> prefix of the nodes here
}

const tables = new WeakMap<readonly DataNodeSchema[], Table>();

function tableFor(children: readonly DataNodeSchema[]): Table {
  let t = tables.get(children);
  if (t) return t;
  const byKey = new Map<string, Entry>();
  const prefixOf = new Map<string, string>();
  const add = (nodes: readonly DataNodeSchema[], cases: readonly (readonly [ChoiceSchema, CaseSchema])[]): void => {
    for (const n of nodes) {
      prefixOf.set(n.namespace, n.prefix);
      if (n.kind === 'choice') for (const c of n.cases) add(c.children, [...cases, [n, c] as const]);
      else byKey.set(`${n.namespace} ${n.name}`, { node: n, cases });
    }
  };
  add(children, []);
  t = { byKey, prefixOf };
  tables.set(children, t);
  return t;
}

/** Walks the children of `el` (whose namespace is `ns`) against `children`. */
function walk(children: readonly DataNodeSchema[], el: XmlElement, ns: string, frame: Frame, opts: ValidateOptions): void {
  const table = tableFor(children);
  const count = new Map<DataNodeSchema, number>();
  const chosen = new Map<ChoiceSchema, CaseSchema>();
  for (const c of el.children) {
    const cns = c.ns || ns; // no namespace: the parent's (as ncclient sends operation parameters)
    const entry = table.byKey.get(`${cns} ${c.name}`);
    if (!entry) {
      const prefix = table.prefixOf.get(cns) ?? (cns === ns ? frame.prefix : undefined);
      if (prefix === undefined) fail(ErrorType.protocol, ErrorTag.unknownNamespace, frame, `no element of namespace "${cns}" is expected here`, { badElement: c.name, badNamespace: cns });
      fail(ErrorType.protocol, ErrorTag.unknownElement, { up: frame, prefix, ns: cns, name: c.name }, `unknown element "${c.name}"`, { badElement: c.name });
    }
    const node = entry.node;
    const here: Frame = { up: frame, prefix: node.prefix, ns: node.namespace, name: node.name };
    for (const [choice, kase] of entry.cases) {
      const prev = chosen.get(choice);
      if (prev && prev !== kase) fail(ErrorType.protocol, ErrorTag.badElement, here, `"${c.name}" is of case "${kase.name}" but case "${prev.name}" of choice "${choice.name}" is already present`, { badElement: c.name });
      chosen.set(choice, kase);
    }
    const n = (count.get(node) ?? 0) + 1;
    count.set(node, n);
    if (n > 1 && node.kind !== 'list' && node.kind !== 'leaf-list') fail(ErrorType.protocol, ErrorTag.badElement, here, `"${c.name}" appears more than once`, { badElement: c.name });
    switch (node.kind) {
      case 'leaf':
      case 'leaf-list':
        checkLeaf(node.type, c, node.namespace, here, opts);
        break;
      case 'container':
        walk(node.children, c, cns, here, opts);
        break;
      case 'list':
        walk(node.children, c, cns, listEntryFrame(node, c, cns, here), opts);
        break;
      default: // anydata, anyxml: whatever content
    }
  }
  checkPresent(children, count, chosen, frame);
}

/** The entry's frame with key predicates; a missing key is missing-element (RFC 7950 section 8.3.1). */
function listEntryFrame(list: ListSchema, entry: XmlElement, ns: string, frame: Frame): Frame {
  let predicate = '';
  for (const key of list.keys) {
    const k = entry.children.find((c) => c.name === key && (c.ns || ns) === list.namespace);
    if (!k) fail(ErrorType.protocol, ErrorTag.missingElement, frame, `list entry has no key "${key}"`, { badElement: key });
    predicate += `[${list.prefix}:${key}=${xpathLiteral(k.text)}]`;
  }
  return { ...frame, predicate };
}

function checkLeaf(type: YangType, el: XmlElement, leafNs: string, here: Frame, opts: ValidateOptions): void {
  if (el.children.length) fail(ErrorType.protocol, ErrorTag.invalidValue, here, `"${el.name}" is a leaf: it has no child elements`);
  const value = el.text;
  const resolve: PrefixResolver = (p) => (p === undefined ? leafNs : resolvePrefix(el, p));
  const bad = checkValue(type, value, resolve);
  if (bad) fail(ErrorType.protocol, ErrorTag.invalidValue, here, `invalid ${type.typedef ?? type.base} value for "${el.name}": ${bad.message}`, { appTag: bad.appTag });
  if (!opts.leafrefExists) return;
  const ref = leafrefOf(type, value, resolve);
  if (ref && ref.requireInstance && ref.targetPath && !opts.leafrefExists(ref.targetPath, value)) {
    fail(ErrorType.application, ErrorTag.dataMissing, here, `"${value}" refers to no ${ref.targetPath}`, { appTag: 'instance-required' });
  }
}

const mandatoryInside = new WeakMap<DataNodeSchema | CaseSchema, boolean>();

/** Whether a node, absent, leaves mandatory nodes missing (RFC 7950 section 3, "mandatory node"). */
function hasMandatory(n: DataNodeSchema | CaseSchema): boolean {
  const cached = mandatoryInside.get(n);
  if (cached !== undefined) return cached;
  let m: boolean;
  switch (n.kind) {
    case 'leaf':
    case 'anydata':
    case 'anyxml':
    case 'choice':
      m = n.mandatory;
      break;
    case 'list':
    case 'leaf-list':
      m = n.minElements > 0;
      break;
    case 'container':
      m = !n.presence && n.children.some(hasMandatory);
      break;
    case 'case':
      m = n.children.some(hasMandatory);
  }
  mandatoryInside.set(n, m);
  return m;
}

function checkPresent(children: readonly DataNodeSchema[], count: ReadonlyMap<DataNodeSchema, number>, chosen: ReadonlyMap<ChoiceSchema, CaseSchema>, frame: Frame): void {
  for (const n of children) {
    const at: Frame = { up: frame, prefix: n.prefix, ns: n.namespace, name: n.name };
    const seen = count.get(n) ?? 0;
    switch (n.kind) {
      case 'choice': {
        const kase = chosen.get(n);
        if (kase) checkPresent(kase.children, count, chosen, frame);
        else if (n.mandatory) fail(ErrorType.protocol, ErrorTag.missingElement, frame, `mandatory choice "${n.name}" has none of its cases`, { appTag: 'missing-choice', missingChoice: n.name });
        break;
      }
      case 'list':
      case 'leaf-list':
        if (seen < n.minElements) fail(ErrorType.application, ErrorTag.operationFailed, at, `"${n.name}" needs at least ${n.minElements} entries`, { appTag: 'too-few-elements' });
        if (seen > n.maxElements) fail(ErrorType.application, ErrorTag.operationFailed, at, `"${n.name}" allows at most ${n.maxElements} entries`, { appTag: 'too-many-elements' });
        break;
      case 'container':
        if (!seen && hasMandatory(n)) fail(ErrorType.protocol, ErrorTag.missingElement, at, `"${n.name}" is missing`, { badElement: n.name });
        break;
      default:
        if (!seen && n.mandatory) fail(ErrorType.protocol, ErrorTag.missingElement, at, `mandatory "${n.name}" is missing`, { badElement: n.name });
    }
  }
}
