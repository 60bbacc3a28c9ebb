// Reading operation parameters. Operation children are accepted in the
// NETCONF base namespace or in none (as ncclient sends them).
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { resolvePrefix, XmlElement } from '../../model/xml';

export function param(op: XmlElement, name: string, ns: string = NS.base): XmlElement | undefined {
  return op.children.find((c) => c.name === name && (c.ns === ns || c.ns === ''));
}

export function requiredParam(op: XmlElement, name: string, ns: string = NS.base): XmlElement {
  const p = param(op, name, ns);
  if (!p) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingElement, info: { badElement: name }, message: `<${op.name}> needs <${name}>` });
  return p;
}

/** An optional parameter that is one of `allowed`, `fallback` without it; invalid-value otherwise. */
export function choice<T extends string>(op: XmlElement, name: string, allowed: readonly T[], fallback: T, ns: string = NS.base): T {
  const p = param(op, name, ns);
  if (!p) return fallback;
  const v = p.text.trim();
  if (!(allowed as readonly string[]).includes(v)) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: name }, message: `${name} is one of ${allowed.join(', ')}` });
  return v as T;
}

/**
 * The datastore a parameter names: a <source>/<target> by its one child
 * element (<running/>), or by RFC 8526's <datastore> leaf (section 3.3);
 * <get-data> and <edit-data> by their own <datastore> leaf (sections 3.1,
 * 3.2). The leaf is an identity of ietf-datastores, its prefix resolved
 * through the namespace declarations in scope (RFC 7950 section 9.10.3).
 */
export function datastoreParam(op: XmlElement, name: 'source' | 'target' | 'datastore'): string {
  const identity = (leaf: XmlElement): string => {
    const value = leaf.text.trim();
    const colon = value.indexOf(':');
    if (colon < 0 || resolvePrefix(leaf, value.slice(0, colon)) !== NS.datastores) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'datastore' }, message: `"${value}" is no datastore identity of ietf-datastores` });
    }
    return value.slice(colon + 1);
  };
  if (name === 'datastore') return identity(requiredParam(op, name, NS.nmda));
  const p = requiredParam(op, name);
  if (p.children.length !== 1) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingElement, info: { badElement: name }, message: `<${name}> names one datastore` });
  const ds = p.children[0];
  return ds.ns === NS.nmda && ds.name === 'datastore' ? identity(ds) : ds.name;
}
