// Instance data over the schema tree: the schema of a child element, a
// node's identity among its siblings and its step in an instance path (what
// the datastore's diff, access control and <get> need alike).
import type { XmlElement } from '../model/xml';
import { keyPredicate, leafListPredicate, type Frame } from './instance-path';
import { dataChildren, type ChoiceSchema, type ContainerSchema, type DataNodeSchema, type ListSchema } from './schema';

/** A schema node that stands for instance data (a choice or case does not). */
export type DataNode = Exclude<DataNodeSchema, ChoiceSchema>;

export type Lookup = (el: XmlElement) => DataNode | undefined;

export const isDataNode = (n: DataNodeSchema): n is DataNode => n.kind !== 'choice';

const childTables = new WeakMap<ContainerSchema | ListSchema, ReadonlyMap<string, DataNode>>();

/** The schema of a child element of `node` (choices looked through), by a table made once per schema node. */
export function childLookup(node: ContainerSchema | ListSchema): Lookup {
  let t = childTables.get(node);
  if (!t) {
    t = new Map(dataChildren(node).filter(isDataNode).map((c) => [`${c.namespace} ${c.name}`, c]));
    childTables.set(node, t);
  }
  const table = t;
  return (el) => table.get(`${el.ns} ${el.name}`);
}

const keyText = (list: ListSchema, entry: XmlElement, key: string): string => entry.children.find((c) => c.name === key && c.ns === list.namespace)?.text ?? '';

/** A node's identity among its siblings: list entries by keys, leaf-list values by value (both canonical in the content). */
export function idOf(node: DataNode, el: XmlElement): string {
  const base = `${el.ns} ${el.name}`;
  if (node.kind === 'list') return base + node.keys.map((k) => '\u0000' + keyText(node, el, k)).join('');
  if (node.kind === 'leaf-list') return `${base}\u0001${el.text}`;
  return base;
}

/** A node's step in an instance path: list entries with their keys, leaf-list values with their value. */
export function frameOf(node: DataNode, el: XmlElement, up: Frame | undefined): Frame {
  const frame: Frame = { up, prefix: node.prefix, ns: node.namespace, name: node.name };
  if (node.kind === 'list') return { ...frame, predicate: keyPredicate(node, node.keys.map((k) => keyText(node, el, k))) };
  if (node.kind === 'leaf-list') return { ...frame, predicate: leafListPredicate(el.text) };
  return frame;
}
