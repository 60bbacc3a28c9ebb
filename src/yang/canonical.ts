// Values in canonical form (RFC 7950 section 9), as the datastores store
// them and as defaults are compared with them.
import type { YangType } from './schema';
import type { SchemaRegistry } from './registry';
import { checkValue, PrefixResolver } from './validate';

export interface LeafValue {
  readonly text: string;
  readonly nsDecls?: Record<string, string>;
}

const DECIMAL = /^([-+]?)([0-9]+)(?:\.([0-9]+))?$/;

/**
 * Strings that are XPath expressions or paths (RFC 6991 xpath1.0, RFC 8341
 * node-instance-identifier): their prefixes are XML namespace prefixes of
 * the document they came in, so they are kept with their declarations.
 */
const XPATH_TYPEDEFS = new Set(['ietf-yang-types:xpath1.0', 'ietf-netconf-acm:node-instance-identifier']);
export const isXPath = (type: YangType): boolean => type.typedef !== undefined && XPATH_TYPEDEFS.has(type.typedef);

/** 9.13.2: prefixes mean what they meant in the request. */
function withPrefixes(text: string, resolve: PrefixResolver): LeafValue {
  const nsDecls: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Za-z_][\w.-]*):/g)) {
    const ns = resolve(m[1]);
    if (ns !== undefined) nsDecls[m[1]] = ns;
  }
  return Object.keys(nsDecls).length ? { text, nsDecls } : { text };
}

/** The canonical form of a value that `checkValue` accepted. */
export function canonicalValue(registry: SchemaRegistry, type: YangType, text: string, resolve: PrefixResolver): LeafValue {
  switch (type.base) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return { text: BigInt(text).toString() }; // 9.2.2: no "+", no leading zeros
    case 'decimal64': {
      // 9.3.2: no "+", no leading or trailing zeros, a digit on each side of the point
      const m = DECIMAL.exec(text);
      if (!m) return { text };
      const int = m[2].replace(/^0+(?=.)/, '');
      const frac = (m[3] ?? '').replace(/0+$/, '') || '0';
      const zero = /^0*$/.test(m[2] + (m[3] ?? ''));
      return { text: `${m[1] === '-' && !zero ? '-' : ''}${int}.${frac}` };
    }
    case 'bits': {
      // 9.7.2: in position order, one space apart
      const names = text.split(/\s+/).filter(Boolean);
      const position = (n: string): number => type.bits.find((b) => b.name === n)?.position ?? 0;
      return { text: names.sort((a, b) => position(a) - position(b)).join(' ') };
    }
    case 'identityref': {
      // 9.10.3: prefixed with the XML prefix of the identity's module, declared where it is used
      const k = text.indexOf(':');
      const ns = resolve(k < 0 ? undefined : text.slice(0, k));
      const mod = ns === undefined ? undefined : registry.moduleByNamespace(ns);
      return mod ? { text: `${mod.prefix}:${text.slice(k + 1)}`, nsDecls: { [mod.prefix]: mod.namespace } } : { text };
    }
    case 'instance-identifier':
      return withPrefixes(text, resolve);
    case 'string':
      return isXPath(type) ? withPrefixes(text, resolve) : { text };
    case 'leafref':
      return type.target ? canonicalValue(registry, type.target, text, resolve) : { text };
    case 'union': {
      const member = type.types.find((t) => checkValue(t, text, resolve) === undefined);
      return member ? canonicalValue(registry, member, text, resolve) : { text };
    }
    case 'empty':
      return { text: '' };
    default:
      return { text };
  }
}

