// Reading operation parameters. Operation children are accepted in the
// NETCONF base namespace or in none (as ncclient sends them).
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { XmlElement } from '../../model/xml';

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

/** The datastore named by a <source>/<target> parameter: its one child element. */
export function datastoreParam(op: XmlElement, name: 'source' | 'target'): string {
  const p = requiredParam(op, name);
  if (p.children.length !== 1) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingElement, info: { badElement: name }, message: `<${name}> names one datastore` });
  return p.children[0].name;
}

/**
 * RFC 6241 section 6.1: the subtree filter's selection nodes, or undefined
 * when there is no filter (everything is selected).
 */
export function subtreeFilter(op: XmlElement, ns: string = NS.base): readonly XmlElement[] | undefined {
  const f = param(op, 'filter', ns);
  if (!f) return undefined;
  const type = f.attrs.find((a) => a.name === 'type' && (a.ns === '' || a.ns === NS.base))?.value ?? 'subtree';
  if (type !== 'subtree') {
    throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.badAttribute, info: { badAttribute: 'type', badElement: 'filter' }, message: `filter type "${type}" is not supported (no :xpath capability)` });
  }
  return f.children;
}
