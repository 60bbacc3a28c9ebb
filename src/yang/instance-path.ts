// Instance paths as error-path (RFC 6241 section 4.3) and the config-change
// notification's target (RFC 6470 section 2.3) write them: an absolute XPath
// over the instance data, every step prefixed with its module's prefix, list
// entries with key predicates, leaf-list entries with [.='value'].
import type { InstancePath } from '../model/rpc-error';
import type { ListSchema } from './schema';

/** One step of a path, linked to its parent step. */
export interface Frame {
  readonly up?: Frame;
  readonly prefix: string;
  readonly ns: string;
  readonly name: string;
  readonly predicate?: string;
}

export function pathOf(f: Frame | undefined): InstancePath {
  const steps: string[] = [];
  const pathNamespaces: Record<string, string> = {};
  for (let x = f; x; x = x.up) {
    steps.unshift(`${x.prefix}:${x.name}${x.predicate ?? ''}`);
    pathNamespaces[x.prefix] = x.ns;
  }
  return { path: '/' + steps.join('/'), pathNamespaces };
}

/** An XPath string literal (XPath 1.0 has no escapes: pick the other quote). */
export const xpathLiteral = (s: string): string => (s.includes("'") ? `"${s}"` : `'${s}'`);

/** `[p:k1='v1'][p:k2='v2']` for a list entry with these key values. */
export function keyPredicate(list: ListSchema, values: readonly string[]): string {
  return list.keys.map((k, i) => `[${list.prefix}:${k}=${xpathLiteral(values[i] ?? '')}]`).join('');
}

export const leafListPredicate = (value: string): string => `[.=${xpathLiteral(value)}]`;
