// The one XML element tree every part of the server speaks, its safe parser
// (libxml2 through libxmljs2's SAX2 interface: no DTD, no entity expansion
// beyond the predefined ones, no network) and its serializer.
import * as libxml from 'libxmljs2';

export interface XmlAttribute {
  ns: string; // '' for an unqualified attribute
  prefix?: string; // the prefix it came with, kept so an echo reads the same
  name: string;
  value: string;
}

export interface XmlElement {
  ns: string; // namespace URI, '' for none
  name: string; // local name
  attrs: XmlAttribute[];
  children: XmlElement[];
  text: string; // the element's own character data (leaf value)
  nsDecls?: Record<string, string>; // prefix -> URI declared on this element
  parent?: XmlElement;
}

export class XmlParseError extends Error {}

/** Bounds on one document, each checked while it is parsed. */
export interface XmlLimits {
  /** element nesting */
  readonly maxDepth: number;
  /** attributes on one element, namespace declarations included */
  readonly maxAttributesPerElement: number;
  /** attributes in the whole document, namespace declarations included */
  readonly maxAttributes: number;
  readonly maxElements: number;
  /** characters in an element or attribute name, prefix included */
  readonly maxNameLength: number;
}

/** The limits of `ncbgp serve` without configuration (DESIGN.md section 2, netconf.max-xml-*). */
export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxAttributesPerElement: 256, maxAttributes: 1048576, maxElements: 1048576, maxNameLength: 1024 };

// libxml2's SAX2 interface: no DOM is built (so no native memory outlives
// the call), and the handler has no entity or DTD callbacks. Only the five
// predefined entities and character references are ever expanded.
type SaxAttribute = [name: string, prefix: string, uri: string, value: string];
type SaxNamespace = [prefix: string | null, uri: string];

interface ParseState {
  root?: XmlElement;
  stack: XmlElement[];
  error?: string;
  maxDepth: number;
}

let state: ParseState = { stack: [], maxDepth: 0 };
const sax = new libxml.SaxParser();
sax.on('startElementNS', (name: string, attrs: SaxAttribute[], _prefix: string | null, uri: string | null, nsDecls: SaxNamespace[]) => {
  const parent = state.stack[state.stack.length - 1];
  if (state.error) return;
  if (state.stack.length >= state.maxDepth) {
    state.error = `XML nested deeper than ${state.maxDepth} elements`;
    return;
  }
  const el: XmlElement = { ns: uri ?? '', name, attrs: [], children: [], text: '', parent };
  for (const [prefix, href] of nsDecls) if (prefix) (el.nsDecls ??= {})[prefix] = href;
  for (const [aname, aprefix, auri, value] of attrs) el.attrs.push(auri ? { ns: auri, prefix: aprefix || undefined, name: aname, value } : { ns: '', name: aname, value });
  if (parent) parent.children.push(el);
  else state.root = el;
  state.stack.push(el);
});
sax.on('endElementNS', () => {
  const el = state.stack.pop();
  if (el && el.children.length > 0 && el.text.trim() === '') el.text = '';
});
const characters = (text: string): void => {
  const el = state.stack[state.stack.length - 1];
  if (el) el.text += text;
};
sax.on('characters', characters);
sax.on('cdata', characters);
sax.on('error', (message: string) => {
  state.error ??= message.trim();
});

/** Parses one XML document; refuses DTDs outright (RFC 6241 has no use for them). */
export function parseXml(text: string, limits: Pick<XmlLimits, 'maxDepth'> = { maxDepth: 64 }): XmlElement {
  // XML allows entity declarations only in a DTD, and a DTD only after <!DOCTYPE
  // libxmljs2 aborts the process on an empty string instead of reporting it
  if (text.trim() === '') throw new XmlParseError('empty message: no root element');
  if (text.includes('<!DOCTYPE') || text.includes('<!ENTITY')) throw new XmlParseError('document type declarations are not allowed');
  state = { stack: [], maxDepth: limits.maxDepth };
  sax.parseString(text);
  const { root, error } = state;
  state = { stack: [], maxDepth: 0 };
  if (error) throw new XmlParseError(error.startsWith('XML nested') ? error : `not well-formed XML: ${error}`);
  if (!root) throw new XmlParseError('no root element');
  return root;
}

/** Builds an element; `content` is child elements or a leaf value. */
export function elem(ns: string, name: string, content: XmlElement[] | string | number | boolean = [], attrs: XmlAttribute[] = []): XmlElement {
  if (Array.isArray(content)) return { ns, name, attrs, children: content, text: '' };
  return { ns, name, attrs, children: [], text: String(content) };
}

/** The namespace URI a prefix means where `el` stands (for identityref and instance-identifier values). */
export function resolvePrefix(el: XmlElement | undefined, prefix: string): string | undefined {
  for (let e = el; e; e = e.parent) {
    const uri = e.nsDecls?.[prefix];
    if (uri !== undefined) return uri;
  }
  return undefined;
}

export function child(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeText(s).replace(/"/g, '&quot;');

/** Serializes with a default namespace declared wherever it changes. */
export function serialize(el: XmlElement, parentNs = ''): string {
  let out = '<' + el.name;
  if (el.ns !== parentNs) out += ` xmlns="${escapeAttr(el.ns)}"`;
  if (el.nsDecls) for (const [p, uri] of Object.entries(el.nsDecls)) out += ` xmlns:${p}="${escapeAttr(uri)}"`;
  let generated = 0;
  for (const a of el.attrs) {
    if (a.ns === '') {
      out += ` ${a.name}="${escapeAttr(a.value)}"`;
    } else {
      const p = a.ns === XML_NS ? 'xml' : (a.prefix ?? `a${generated++}`);
      if (p !== 'xml' && el.nsDecls?.[p] !== a.ns) out += ` xmlns:${p}="${escapeAttr(a.ns)}"`;
      out += ` ${p}:${a.name}="${escapeAttr(a.value)}"`;
    }
  }
  if (el.children.length === 0 && el.text === '') return out + '/>';
  out += '>';
  if (el.children.length > 0) for (const c of el.children) out += serialize(c, el.ns);
  else out += escapeText(el.text);
  return out + '</' + el.name + '>';
}
