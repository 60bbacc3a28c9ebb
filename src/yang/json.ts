// The JSON encoding of YANG data (RFC 7951) to and from the XML element trees
// the datastores hold, checked against the schema.
//
// Accepted on input beyond RFC 7951 section 6.1: int64, uint64 and decimal64
// given as JSON numbers (as a YAML config file writes them) when exact.
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { elem, resolvePrefix, XmlElement } from '../model/xml';
import { dataChild, DataNodeSchema, YangType } from './schema';
import { SchemaRegistry } from './registry';
import { checkValue, PrefixResolver } from './validate';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Step {
  readonly prefix: string;
  readonly ns: string;
  readonly name: string;
  readonly predicate?: string;
}

function fail(tag: ErrorTag, steps: readonly Step[], message: string, badElement?: string): never {
  const pathNamespaces: Record<string, string> = {};
  for (const s of steps) pathNamespaces[s.prefix] = s.ns;
  const path = '/' + steps.map((s) => `${s.prefix}:${s.name}${s.predicate ?? ''}`).join('/');
  throw new NetconfRpcError({ type: ErrorType.application, tag, path, pathNamespaces, info: badElement === undefined ? undefined : { badElement }, message });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonKind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : JSON.stringify(v));

function splitMember(member: string): [string | undefined, string] {
  const k = member.indexOf(':');
  return k < 0 ? [undefined, member] : [member.slice(0, k), member.slice(k + 1)];
}

// ---------------------------------------------------------------------------
// JSON -> XML

/** Converts RFC 7951 JSON (top-level members `module:name`) into top-level XML data nodes. */
export function jsonToXml(registry: SchemaRegistry, json: unknown): XmlElement[] {
  if (!isObject(json)) fail(ErrorTag.invalidValue, [], `YANG data in JSON is an object, not ${jsonKind(json)}`);
  const out: XmlElement[] = [];
  for (const [member, value] of Object.entries(json)) {
    const [moduleName, name] = splitMember(member);
    const mod = moduleName === undefined ? undefined : registry.module(moduleName);
    if (!mod) fail(ErrorTag.unknownElement, [], `top-level member "${member}" names no loaded module (RFC 7951 section 4: "module:name")`, name);
    const node = registry.topLevel(mod.namespace, name);
    if (!node) fail(ErrorTag.unknownElement, [{ prefix: mod.prefix, ns: mod.namespace, name }], `module ${mod.name} has no top-level data node "${name}"`, name);
    out.push(...encode(registry, node, value, []));
  }
  return out;
}

function encode(registry: SchemaRegistry, node: DataNodeSchema, value: unknown, up: readonly Step[]): XmlElement[] {
  const steps = [...up, { prefix: node.prefix, ns: node.namespace, name: node.name }];
  switch (node.kind) {
    case 'container':
      if (!isObject(value)) fail(ErrorTag.invalidValue, steps, `container "${node.name}" is a JSON object, not ${jsonKind(value)}`);
      return [elem(node.namespace, node.name, members(registry, node, value, steps))];
    case 'list': {
      if (!Array.isArray(value)) fail(ErrorTag.invalidValue, steps, `list "${node.name}" is a JSON array, not ${jsonKind(value)}`);
      return value.map((entry: unknown) => {
        if (!isObject(entry)) fail(ErrorTag.invalidValue, steps, `an entry of list "${node.name}" is a JSON object, not ${jsonKind(entry)}`);
        let predicate = '';
        for (const key of node.keys) {
          const k = entry[key];
          if (k === undefined) fail(ErrorTag.missingElement, steps, `an entry of list "${node.name}" has no key "${key}"`, key);
          predicate += `[${node.prefix}:${key}='${String(k)}']`;
        }
        const children = members(registry, node, entry, [...up, { ...steps[steps.length - 1], predicate }]);
        // RFC 7950 section 7.8.5: the keys first, in key order
        const keyed = node.keys.map((k) => children.find((c) => c.name === k && c.ns === node.namespace)).filter((c): c is XmlElement => c !== undefined);
        return elem(node.namespace, node.name, [...keyed, ...children.filter((c) => !keyed.includes(c))]);
      });
    }
    case 'leaf':
      return [leafElement(registry, node.type, node, value, steps)];
    case 'leaf-list':
      if (!Array.isArray(value)) fail(ErrorTag.invalidValue, steps, `leaf-list "${node.name}" is a JSON array, not ${jsonKind(value)}`);
      return value.map((v: unknown) => leafElement(registry, node.type, node, v, steps));
    case 'anydata':
    case 'anyxml':
      return anyToXml(registry, node.namespace, node.name, value, node.module);
    case 'choice':
      return []; // not reached: members are looked up through choices
  }
}

function members(registry: SchemaRegistry, parent: DataNodeSchema, obj: Record<string, unknown>, steps: readonly Step[]): XmlElement[] {
  const out: XmlElement[] = [];
  for (const [member, value] of Object.entries(obj)) {
    const [moduleName, name] = splitMember(member);
    const mod = registry.module(moduleName ?? parent.module);
    const child = mod && dataChild(parent, name, mod.namespace);
    if (!child) fail(ErrorTag.unknownElement, steps, `"${parent.name}" has no member "${member}"`, name);
    out.push(...encode(registry, child, value, steps));
  }
  return out;
}

function leafElement(registry: SchemaRegistry, type: YangType, node: DataNodeSchema, value: unknown, steps: readonly Step[]): XmlElement {
  const text = jsonText(type, value);
  if (text === undefined) fail(ErrorTag.invalidValue, steps, `${jsonKind(value)} is not the JSON encoding of a ${type.typedef ?? type.base} (RFC 7951 section 6)`);
  const resolve: PrefixResolver = (p) => (p === undefined ? node.namespace : registry.module(p)?.namespace);
  const bad = checkValue(type, text, resolve);
  if (bad) fail(ErrorTag.invalidValue, steps, `invalid value for "${node.name}": ${bad.message}`);
  const el = elem(node.namespace, node.name, text);
  const ref = isIdentityref(type, text, resolve);
  if (ref) {
    // RFC 7950 section 9.10.3: the XML value carries an XML prefix of the identity's module
    const k = text.indexOf(':');
    const mod = k < 0 ? registry.moduleByNamespace(node.namespace) : registry.module(text.slice(0, k));
    if (mod) {
      el.text = `${mod.prefix}:${text.slice(k + 1)}`;
      el.nsDecls = { [mod.prefix]: mod.namespace };
    }
  }
  return el;
}

/** The identityref a value is taken as (a union member too). */
function isIdentityref(type: YangType, text: string, resolve: PrefixResolver): boolean {
  if (type.base === 'identityref') return true;
  if (type.base === 'leafref') return type.target !== undefined && isIdentityref(type.target, text, resolve);
  if (type.base !== 'union') return false;
  const member = type.types.find((t) => checkValue(t, text, resolve) === undefined);
  return member !== undefined && isIdentityref(member, text, resolve);
}

/** The lexical value a JSON value stands for under `type` (RFC 7951 section 6), or undefined when its JSON type is wrong. */
function jsonText(type: YangType, value: unknown): string | undefined {
  switch (type.base) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return typeof value === 'number' && Number.isInteger(value) ? String(value) : undefined;
    case 'int64':
    case 'uint64':
      return typeof value === 'string' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined;
    case 'decimal64':
      return typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 2 ** 53 ? String(value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : undefined;
    case 'empty':
      return Array.isArray(value) && value.length === 1 && value[0] === null ? '' : undefined;
    case 'leafref':
      return type.target ? jsonText(type.target, value) : typeof value === 'string' ? value : undefined;
    case 'union':
      for (const t of type.types) {
        const text = jsonText(t, value);
        if (text !== undefined && checkValue(t, text, () => undefined) === undefined) return text;
      }
      // identityref members need prefix resolution: fall back to the first that takes the JSON type
      for (const t of type.types) {
        const text = jsonText(t, value);
        if (text !== undefined) return text;
      }
      return undefined;
    default:
      return typeof value === 'string' ? value : undefined;
  }
}

/** anydata/anyxml content with no schema: members name elements, in the parent's namespace unless `module:` says otherwise. */
function anyToXml(registry: SchemaRegistry, ns: string, name: string, value: unknown, module: string): XmlElement[] {
  if (Array.isArray(value) && !(value.length === 1 && value[0] === null)) return value.flatMap((v: unknown) => anyToXml(registry, ns, name, v, module));
  if (isObject(value)) {
    const children: XmlElement[] = [];
    for (const [member, v] of Object.entries(value)) {
      const [moduleName, local] = splitMember(member);
      const mod = moduleName === undefined ? undefined : registry.module(moduleName);
      children.push(...anyToXml(registry, mod ? mod.namespace : ns, local, v, mod ? mod.name : module));
    }
    return [elem(ns, name, children)];
  }
  if (Array.isArray(value) || value === null) return [elem(ns, name, '')];
  return [elem(ns, name, String(value))];
}

// ---------------------------------------------------------------------------
// XML -> JSON

/** Converts top-level XML data nodes into RFC 7951 JSON. */
export function xmlToJson(registry: SchemaRegistry, elements: readonly XmlElement[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const el of elements) {
    const node = registry.topLevel(el.ns, el.name);
    if (!node) {
      const mod = registry.moduleByNamespace(el.ns);
      if (!mod) fail(ErrorTag.unknownNamespace, [], `no module has namespace "${el.ns}"`, el.name);
      fail(ErrorTag.unknownElement, [{ prefix: mod.prefix, ns: el.ns, name: el.name }], `module ${mod.name} has no top-level data node "${el.name}"`, el.name);
    }
    put(out, `${node.module}:${node.name}`, node, toJson(registry, node, el, []));
  }
  return out;
}

function put(obj: Record<string, Json>, key: string, node: DataNodeSchema, value: Json): void {
  if (node.kind === 'list' || node.kind === 'leaf-list') {
    const arr = obj[key];
    if (Array.isArray(arr)) arr.push(value);
    else obj[key] = [value];
  } else {
    obj[key] = value;
  }
}

function toJson(registry: SchemaRegistry, node: DataNodeSchema, el: XmlElement, up: readonly Step[]): Json {
  const steps = [...up, { prefix: node.prefix, ns: node.namespace, name: node.name }];
  switch (node.kind) {
    case 'container':
    case 'list': {
      const obj: Record<string, Json> = {};
      for (const c of el.children) {
        const ns = c.ns || el.ns;
        const child = dataChild(node, c.name, ns);
        if (!child) fail(ErrorTag.unknownElement, steps, `"${node.name}" has no child "${c.name}"`, c.name);
        put(obj, child.module === node.module ? child.name : `${child.module}:${child.name}`, child, toJson(registry, child, c, steps));
      }
      return obj;
    }
    case 'leaf':
    case 'leaf-list': {
      const resolve: PrefixResolver = (p) => (p === undefined ? node.namespace : resolvePrefix(el, p));
      const bad = checkValue(node.type, el.text, resolve);
      if (bad) fail(ErrorTag.invalidValue, steps, `invalid value for "${node.name}": ${bad.message}`);
      return jsonValue(registry, node.type, el.text, resolve);
    }
    default:
      return anyToJson(registry, el, node.namespace);
  }
}

function jsonValue(registry: SchemaRegistry, type: YangType, text: string, resolve: PrefixResolver): Json {
  switch (type.base) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return Number(text);
    case 'boolean':
      return text === 'true';
    case 'empty':
      return [null];
    case 'identityref': {
      const k = text.indexOf(':');
      const ns = resolve(k < 0 ? undefined : text.slice(0, k));
      const mod = ns === undefined ? undefined : registry.moduleByNamespace(ns);
      return mod ? `${mod.name}:${text.slice(k + 1)}` : text;
    }
    case 'leafref':
      return type.target ? jsonValue(registry, type.target, text, resolve) : text;
    case 'union': {
      const member = type.types.find((t) => checkValue(t, text, resolve) === undefined);
      return member ? jsonValue(registry, member, text, resolve) : text;
    }
    default:
      return text; // strings, enumerations, bits, binary, int64, uint64, decimal64 (RFC 7951 section 6.1)
  }
}

function anyToJson(registry: SchemaRegistry, el: XmlElement, parentNs: string): Json {
  if (!el.children.length) return el.text;
  const obj: Record<string, Json> = {};
  for (const c of el.children) {
    const mod = c.ns && c.ns !== parentNs ? registry.moduleByNamespace(c.ns) : undefined;
    const key = mod ? `${mod.name}:${c.name}` : c.name;
    const v = anyToJson(registry, c, c.ns || parentNs);
    const prev = obj[key];
    obj[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return obj;
}
