// The one XML element tree every part of the server speaks, its safe parser
// (libxmljs2 with entity expansion, DTD loading and network access off) and
// its serializer.
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

export interface ParseLimits {
  maxDepth: number;
}

const PARSE_OPTIONS = {
  noent: false, // never substitute entities (XXE)
  dtdload: false,
  dtdattr: false,
  dtdvalid: false,
  nonet: true,
  huge: false,
  noblanks: false,
  nocdata: false,
} as const;

/** Parses one XML document; refuses DTDs outright (RFC 6241 has no use for them). */
export function parseXml(text: string, limits: ParseLimits = { maxDepth: 64 }): XmlElement {
  if (/<!DOCTYPE/i.test(text)) throw new XmlParseError('document type declarations are not allowed');
  if (/<!ENTITY/i.test(text)) throw new XmlParseError('entity declarations are not allowed');
  let doc: libxml.Document;
  try {
    doc = libxml.parseXml(text, PARSE_OPTIONS);
  } catch (e) {
    throw new XmlParseError(`not well-formed XML: ${(e as Error).message.trim()}`);
  }
  if (doc.getDtd()) throw new XmlParseError('document type declarations are not allowed');
  const root = doc.root();
  if (!root) throw new XmlParseError('no root element');
  return convert(root, undefined, 1, limits.maxDepth);
}

function convert(node: libxml.Element, parent: XmlElement | undefined, depth: number, maxDepth: number): XmlElement {
  if (depth > maxDepth) throw new XmlParseError(`XML nested deeper than ${maxDepth} elements`);
  const ns = node.namespace();
  const el: XmlElement = { ns: ns ? ns.href() : '', name: node.name(), attrs: [], children: [], text: '', parent };
  for (const decl of node.namespaces(true)) {
    const prefix = decl.prefix();
    if (prefix) (el.nsDecls ??= {})[prefix] = decl.href();
  }
  for (const a of node.attrs()) {
    const ans = a.namespace();
    el.attrs.push(ans ? { ns: ans.href(), prefix: ans.prefix() ?? undefined, name: a.name(), value: a.value() } : { ns: '', name: a.name(), value: a.value() });
  }
  for (const child of node.childNodes()) {
    const type: string = child.type();
    if (type === 'element') el.children.push(convert(child as libxml.Element, el, depth + 1, maxDepth));
    else if (type === 'text' || type === 'cdata') el.text += (child as libxml.Text).text();
  }
  if (el.children.length > 0 && el.text.trim() === '') el.text = '';
  return el;
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
