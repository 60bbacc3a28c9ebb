// The operational view (RFC 8342 section 5.3) as <get> returns it: the
// running configuration with the state data merged in, node by node.
import { childLookup, idOf, isDataNode, type DataNode, type Lookup } from '../yang/data-tree';
import type { SchemaRegistry } from '../yang/registry';
import type { XmlElement } from '../model/xml';

/**
 * Configuration and state data in one tree (RFC 6241 section 7.7): a node
 * that has both is one node, merged down the schema: containers by name,
 * list entries by their keys (/bgp/peer[address=X] holds its configuration
 * and its `state`). A state node that matches no configuration node is
 * added, except an empty top-level one (a provider with nothing to report
 * adds no presence container).
 */
export function withState(schema: SchemaRegistry, config: readonly XmlElement[], state: readonly XmlElement[]): XmlElement[] {
  const reported = state.filter((s) => s.children.length > 0 || config.some((c) => c.ns === s.ns && c.name === s.name));
  if (config.length === 0) return reported;
  return mergeState(config, reported, (el) => {
    const node = schema.topLevel(el.ns, el.name);
    return node && isDataNode(node) ? node : undefined;
  });
}

function mergeState(config: readonly XmlElement[], state: readonly XmlElement[], schemaOf: Lookup): XmlElement[] {
  if (state.length === 0) return [...config];
  const out = [...config];
  // one node in both: its identity among its siblings (idOf: list entries by their keys); no schema: by name, as a container
  const identity = (el: XmlElement, node: DataNode | undefined): string => (node ? idOf(node, el) : `${el.ns} ${el.name}`);
  const index = new Map<string, number>();
  out.forEach((c, i) => {
    const id = identity(c, schemaOf(c));
    if (!index.has(id)) index.set(id, i);
  });
  for (const s of state) {
    const node = schemaOf(s);
    const i = index.get(identity(s, node));
    if (i === undefined) {
      out.push(s);
      continue;
    }
    // a leaf (a list key the state repeats) or a leaf-list value: the configuration has it
    if (node && node.kind !== 'container' && node.kind !== 'list') continue;
    const c = out[i];
    out[i] = { ...c, children: mergeState(c.children, s.children, node ? childLookup(node) : () => undefined) };
  }
  return out;
}
