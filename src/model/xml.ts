// The one XML element tree every part of the server speaks, its parser and
// its serializer. The parser is our own, one pass over the text: XML 1.0
// (fifth edition) and Namespaces in XML 1.0, UTF-8 only (RFC 6241 section 3),
// no DTD and no entities but the five predefined ones, every bound of
// XmlLimits checked as the item is read.
import { isAscii, isUtf8, transcode } from 'node:buffer';

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
export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxAttributesPerElement: 256, maxAttributes: 262144, maxElements: 262144, maxNameLength: 1024 };

/** For XML a server wrote (our datastore files and journal, replies our client reads): as deep as a schema goes, bounded by its size only. */
export const SERVER_XML_LIMITS: XmlLimits = { ...DEFAULT_XML_LIMITS, maxDepth: 256, maxAttributesPerElement: Number.MAX_SAFE_INTEGER, maxAttributes: Number.MAX_SAFE_INTEGER, maxElements: Number.MAX_SAFE_INTEGER };

/**
 * Parses one XML document. A Buffer must be UTF-8 without a byte-order mark;
 * anything not well-formed, a DTD, an undefined entity, an undeclared prefix
 * or a bound of `limits` exceeded throws XmlParseError, and nothing else.
 */
/**
 * `parents: false` leaves the parent links out (a datastore's content, whose
 * versions share subtrees): deleting them afterwards would turn every element
 * into a slow dictionary-mode object.
 */
export function parseXml(input: Buffer | string, limits: XmlLimits = DEFAULT_XML_LIMITS, { parents = true }: { readonly parents?: boolean } = {}): XmlElement {
  let text = typeof input === 'string' ? input : decode(input);
  // XML 1.0 section 2.11: CR LF and a lone CR read as LF (split and join: a regular expression takes far longer per line)
  if (typeof input === 'string' && text.indexOf('\r') >= 0) text = text.split('\r\n').join('\n').split('\r').join('\n');
  return new Parser(text, limits, parents).document();
}

const BOM = 'not UTF-8 / byte-order mark at the start (RFC 6241 section 3)';

/** RFC 6241 section 3: UTF-8 only; XML 1.0 appendix F names what the first bytes show instead. */
function decode(bytes: Buffer): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  const b2 = bytes[2];
  const b3 = bytes[3];
  if ((b0 === 0xef && b1 === 0xbb && b2 === 0xbf) || (b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) throw new XmlParseError(BOM);
  if (b0 === 0 || b1 === 0) throw new XmlParseError('not UTF-8: UTF-16 or UTF-32 without a byte-order mark (RFC 6241 section 3)');
  bytes = newlines(bytes);
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw new XmlParseError('not UTF-8: invalid byte sequence (RFC 6241 section 3)');
  // ICU's converter decodes several times faster than toString('utf8')
  return transcode(bytes, 'utf8', 'utf16le').toString('utf16le');
}

/** XML 1.0 section 2.11: CR LF and a lone CR read as LF; a CR byte is never part of a longer UTF-8 sequence. */
function newlines(bytes: Buffer): Buffer {
  let r = bytes.indexOf(CR);
  if (r < 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  bytes.copy(out, 0, 0, r);
  let w = r;
  for (const n = bytes.length; r < n; r++) {
    const c = bytes[r];
    if (c !== CR) out[w++] = c;
    else {
      out[w++] = LF;
      if (bytes[r + 1] === LF) r++;
    }
  }
  return out.subarray(0, w);
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOT = 0x22;
const HASH = 0x23;
const AMP = 0x26;
const APOS = 0x27;
const SLASH = 0x2f;
const COLON = 0x3a;
const SEMI = 0x3b;
const LT = 0x3c;
const EQ = 0x3d;
const GT = 0x3e;
const QUESTION = 0x3f;
const BANG = 0x21;
const RSQB = 0x5d;

// XML 1.0 section 2.3 for ASCII, colon aside (Namespaces in XML 1.0 section 3 splits on it)
const NAME_START = 1;
const NAME_CHAR = 2;
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) ASCII_NAME[c] = NAME_START | NAME_CHAR;
  else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e) ASCII_NAME[c] = NAME_CHAR;
}

// XML 1.0 section 2.3, NameStartChar beyond ASCII, in the BMP (surrogate pairs are all name characters)
const isWideNameStart = (c: number): boolean =>
  (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) ||
  c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff) ||
  (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd);
const isWideNameChar = (c: number): boolean => isWideNameStart(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;

// XML 1.0 section 2.2, Char
const isChar = (c: number): boolean => c === TAB || c === LF || c === CR || (c >= SPACE && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

// XML 1.0 section 2.8, XMLDecl (S without CR: it is normalized away)
const XML_DECL = /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]+\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\4)?[ \t\n]*\?>/y;

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

// XML 1.0 section 4.6, with the semicolon that ends each reference
const PREDEFINED: readonly (readonly [string, string])[] = [['amp;', '&'], ['lt;', '<'], ['gt;', '>'], ['quot;', '"'], ['apos;', "'"]];

/** Names and values quoted in an error message, cut short. */
const clip = (s: string): string => (s.length > 40 ? s.slice(0, 40) + '...' : s);

const hex = (c: number): string => 'U+' + c.toString(16).toUpperCase().padStart(4, '0');

/**
 * Names and namespace URIs read before, in a direct-mapped cache: documents
 * repeat them, and a datastore's tree then holds each once. A slot is found
 * from a few characters and checked in place: a hit allocates nothing.
 */
const INTERN_SLOTS = 1024;
const MAX_INTERNED_LENGTH = 128;
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

/** One document, read once from start to end. */
class Parser {
  private i = 0;
  private readonly n: number;
  private readonly stack: XmlElement[] = [];
  private readonly tags: string[] = []; // each open element's name as written, for its end tag
  private readonly marks: number[] = []; // the undo log's length when each open element began
  // the pieces of character data of the open elements, joined at each end tag: no chain of concatenations
  private readonly parts: string[] = [];
  private partsEnd = 0;
  private readonly partsFrom: number[] = []; // where each open element's pieces begin
  // Namespaces in XML 1.0 section 6.1: the bindings in scope, and how to undo each declaration
  private readonly prefixes = new Map<string, string>().set('xml', XML_NS);
  private defaultNs = '';
  private readonly undoPrefix: (string | null)[] = []; // null: the default namespace
  private readonly undoUri: (string | undefined)[] = [];
  private elements = 0;
  private attributes = 0;
  private root: XmlElement | undefined;
  // the start tag being read: its attributes as written
  private readonly names: string[] = [];
  private readonly colons: number[] = [];
  private readonly values: string[] = [];
  private colon = -1; // where the colon of the last name read stands, -1 for none
  private units?: Uint16Array; // scratch for normalized attribute values, made when first needed

  constructor(
    private readonly s: string,
    private readonly limits: XmlLimits,
    private readonly parents: boolean,
  ) {
    this.n = s.length;
  }

  /** XML 1.0 section 2.1: document ::= prolog element Misc* */
  document(): XmlElement {
    const s = this.s;
    if (this.n === 0) throw new XmlParseError('empty message: no root element');
    if (s.charCodeAt(0) === 0xfeff) throw new XmlParseError(BOM);
    if (s.startsWith('<?xml') && !this.nameCharAt(5)) this.declaration();
    for (;;) {
      this.space();
      if (this.i >= this.n) break;
      if (s.charCodeAt(this.i) !== LT) this.fail(this.root ? 'text after the root element' : 'text before the root element');
      const c = s.charCodeAt(this.i + 1);
      if (c === BANG) this.bang(false);
      else if (c === QUESTION) this.pi();
      else if (this.root) this.fail('a second root element');
      else this.element();
    }
    if (!this.root) this.fail('no root element');
    return this.root;
  }

  /** XML 1.0 section 3: the root element and everything inside it. */
  private element(): void {
    const s = this.s;
    const stack = this.stack;
    this.startTag();
    while (stack.length > 0) {
      const start = this.i;
      this.text();
      if (this.i > start) this.parts[this.partsEnd++] = this.copy(start, this.i);
      if (this.i >= this.n) this.fail(`unclosed element <${clip(this.tags[this.tags.length - 1])}> at the end of the message`);
      if (s.charCodeAt(this.i) === AMP) {
        this.parts[this.partsEnd++] = this.reference();
        continue;
      }
      const c = s.charCodeAt(this.i + 1);
      if (c === SLASH) this.endTag();
      else if (c === BANG) this.bang(true);
      else if (c === QUESTION) this.pi();
      else this.startTag();
    }
  }

  /** XML 1.0 section 3.1: '<' Name (S Attribute)* S? ('>' | '/>') */
  private startTag(): void {
    const s = this.s;
    const limits = this.limits;
    const at = this.i;
    if (this.stack.length >= limits.maxDepth) this.fail(`XML nested deeper than ${limits.maxDepth} elements (netconf.max-xml-depth)`);
    if (++this.elements > limits.maxElements) this.fail(`more than ${limits.maxElements} elements (netconf.max-xml-elements)`);
    this.i++;
    this.name('element');
    const tag = this.intern(at + 1, this.i);
    const colon = this.colon - at - 1;
    const { names, colons, values } = this;
    let count = 0;
    let c: number;
    for (;;) {
      const spaced = this.space();
      c = s.charCodeAt(this.i);
      if (c === GT || c === SLASH) break;
      if (!spaced) this.unexpected('in a start tag');
      if (++count > limits.maxAttributesPerElement) this.fail(`element has more than ${limits.maxAttributesPerElement} attributes (netconf.max-xml-attributes-per-element)`, at);
      if (++this.attributes > limits.maxAttributes) this.fail(`more than ${limits.maxAttributes} attributes (netconf.max-xml-attributes)`);
      const start = this.i;
      this.name('attribute');
      const attrName = (names[count - 1] = this.intern(start, this.i));
      colons[count - 1] = this.colon - start;
      this.space();
      if (s.charCodeAt(this.i) !== EQ) this.unexpected('after an attribute name');
      this.i++;
      this.space();
      // a namespace URI is kept once, as names are
      values[count - 1] = this.attrValue(attrName === 'xmlns' || (colons[count - 1] === 5 && attrName.startsWith('xmlns')));
    }
    if (c === SLASH && s.charCodeAt(this.i + 1) !== GT) this.unexpected('in a start tag', this.i + 1);
    this.i += c === SLASH ? 2 : 1;

    // Namespaces in XML 1.0 sections 3 and 6: declarations first, then names
    const mark = this.undoPrefix.length;
    let nsDecls: Record<string, string> | undefined;
    for (let k = 0; k < count; k++) {
      if (names[k] === 'xmlns') this.declare(null, values[k], at);
      else if (colons[k] === 5 && names[k].startsWith('xmlns')) {
        const prefix = names[k].slice(6);
        this.declare(prefix, values[k], at);
        // an own property even for a prefix such as __proto__ (plain assignment would set the prototype)
        Object.defineProperty((nsDecls ??= {}), prefix, { value: values[k], enumerable: true, writable: true, configurable: true });
      }
    }
    if (count > 1) this.unique(names, count, at);
    const ns = colon < 0 ? this.defaultNs : this.resolve(tag.slice(0, colon), at);
    let attrs: XmlAttribute[] = [];
    let qualified = 0;
    for (let k = 0; k < count; k++) {
      const name = names[k];
      const p = colons[k];
      let a: XmlAttribute;
      if (p < 0) {
        if (name === 'xmlns') continue;
        a = { ns: '', name, value: values[k] };
      } else if (p !== 5 || !name.startsWith('xmlns')) {
        const prefix = name.slice(0, p);
        a = { ns: this.resolve(prefix, at), prefix, name: name.slice(p + 1), value: values[k] };
        qualified++;
      } else continue;
      // an array grown by push holds room for 17: most elements have one attribute or none
      if (attrs.length === 0) attrs = [a];
      else attrs.push(a);
    }
    if (qualified > 1) this.uniqueExpanded(attrs, at);

    const parent = this.stack.length > 0 ? this.stack[this.stack.length - 1] : undefined;
    const name = colon < 0 ? tag : tag.slice(colon + 1);
    const el: XmlElement = this.parents ? { ns, name, attrs, children: [], text: '', parent } : { ns, name, attrs, children: [], text: '' };
    if (nsDecls) el.nsDecls = nsDecls;
    // as for attributes: a first child gets an array of one
    if (!parent) this.root = el;
    else if (parent.children.length === 0) parent.children = [el];
    else parent.children.push(el);
    if (c !== SLASH) {
      this.stack.push(el);
      this.tags.push(tag);
      this.marks.push(mark);
      this.partsFrom.push(this.partsEnd);
    } else if (this.undoPrefix.length > mark) this.undo(mark);
  }

  /** XML 1.0 section 3.1: '</' Name S? '>', the name of the start tag. */
  private endTag(): void {
    const s = this.s;
    const top = this.stack.length - 1;
    const tag = this.tags[top];
    const at = this.i;
    this.i += 2;
    if (!s.startsWith(tag, this.i) || this.nameCharAt(this.i + tag.length)) {
      this.name('element');
      this.fail(`end tag </${clip(s.slice(at + 2, this.i))}> does not match <${clip(tag)}>`, at);
    }
    this.i += tag.length;
    this.space();
    if (s.charCodeAt(this.i) !== GT) this.unexpected('in an end tag');
    this.i++;
    const el = this.stack[top];
    const from = this.partsFrom[top];
    // whitespace between child elements is not the element's value
    if (this.partsEnd > from && (el.children.length === 0 || !this.blank(from))) el.text = this.partsEnd - from === 1 ? this.parts[from] : this.parts.slice(from, this.partsEnd).join('');
    this.partsEnd = from;
    if (this.undoPrefix.length > this.marks[top]) this.undo(this.marks[top]);
    this.stack.pop();
    this.tags.pop();
    this.marks.pop();
    this.partsFrom.pop();
  }

  /** Whether the pieces from `from` on are all white space. */
  private blank(from: number): boolean {
    for (let k = from; k < this.partsEnd; k++) if (this.parts[k].trim() !== '') return false;
    return true;
  }

  /** Namespaces in XML 1.0 section 3: what a declaration may bind. */
  private declare(prefix: string | null, uri: string, at: number): void {
    if (uri === XMLNS_NS || (uri === XML_NS) !== (prefix === 'xml')) this.fail(`namespace ${clip(uri)} cannot be bound to ${prefix === null ? 'the default namespace' : `prefix ${clip(prefix)}`}`, at);
    if (prefix === null) {
      this.undoPrefix.push(null);
      this.undoUri.push(this.defaultNs);
      this.defaultNs = uri;
      return;
    }
    if (prefix === 'xmlns') this.fail('the prefix xmlns cannot be declared', at);
    if (uri === '') this.fail(`xmlns:${clip(prefix)}="" undeclares a prefix, which Namespaces in XML 1.0 does not allow`, at);
    this.undoPrefix.push(prefix);
    this.undoUri.push(this.prefixes.get(prefix));
    this.prefixes.set(prefix, uri);
  }

  private undo(mark: number): void {
    const { undoPrefix, undoUri } = this;
    // pop, not a length set: that takes a slow path
    while (undoPrefix.length > mark) {
      const prefix = undoPrefix.pop() as string | null;
      const uri = undoUri.pop();
      if (prefix === null) this.defaultNs = uri ?? '';
      else if (uri === undefined) this.prefixes.delete(prefix);
      else this.prefixes.set(prefix, uri);
    }
  }

  private resolve(prefix: string, at: number): string {
    const uri = this.prefixes.get(prefix);
    if (uri === undefined) this.fail(`undeclared namespace prefix ${clip(prefix)} (Namespaces in XML 1.0 section 5)`, at);
    return uri;
  }

  /** XML 1.0 section 3.1, Unique Att Spec: pairwise for a few, a Set for more. */
  private unique(names: string[], count: number, at: number): void {
    if (count <= 8) {
      for (let a = 1; a < count; a++) for (let b = 0; b < a; b++) if (names[a] === names[b]) this.fail(`duplicate attribute ${clip(names[a])}`, at);
      return;
    }
    const seen = new Set<string>();
    for (let a = 0; a < count; a++) {
      if (seen.has(names[a])) this.fail(`duplicate attribute ${clip(names[a])}`, at);
      seen.add(names[a]);
    }
  }

  /** Namespaces in XML 1.0 section 6.3: two prefixes for one namespace make a duplicate too. */
  private uniqueExpanded(attrs: XmlAttribute[], at: number): void {
    const seen = new Set<string>();
    for (const a of attrs) {
      if (a.ns === '') continue;
      const key = a.ns + '\0' + a.name; // no Char is NUL: the key is unambiguous
      if (seen.has(key)) this.fail(`duplicate attribute {${clip(a.ns)}}${clip(a.name)}`, at);
      seen.add(key);
    }
  }

  /** XML 1.0 section 3.1 and 3.3.3: a quoted value, references expanded, white space as spaces. */
  private attrValue(intern: boolean): string {
    const s = this.s;
    const n = this.n;
    const q = s.charCodeAt(this.i);
    if (q !== QUOT && q !== APOS) this.unexpected('where an attribute value should start');
    const start = this.i + 1;
    let plain = true;
    let i = start;
    for (; ; i++) {
      if (i >= n) this.fail('unterminated attribute value', start - 1);
      const c = s.charCodeAt(i);
      if (c === q) break;
      if (c <= LT) {
        if (c === LT) this.fail("'<' in an attribute value (XML 1.0 section 3.1)", i);
        if (c === AMP || c === TAB || c === LF) plain = false;
        else if (c < SPACE) this.badChar(i);
      } else if (c >= 0xd800) i = this.wide(i, c);
    }
    const value = plain ? (intern ? this.intern(start, i) : this.copy(start, i)) : this.normalize(start, i);
    this.i = i + 1;
    return value;
  }

  /**
   * XML 1.0 section 3.3.3: the value in [start, end) with each tab and LF a
   * space and references expanded, built in code units (never longer than the
   * text it comes from), not by one concatenation or replacement per change.
   */
  private normalize(start: number, end: number): string {
    const s = this.s;
    if (!this.units || this.units.length < end - start) this.units = new Uint16Array(Math.max(end - start, 2 * (this.units?.length ?? 128)));
    const units = this.units;
    let w = 0;
    for (let j = start; j < end; j++) {
      const c = s.charCodeAt(j);
      if (c === TAB || c === LF) units[w++] = SPACE;
      else if (c !== AMP) units[w++] = c;
      else {
        this.i = j;
        const r = this.reference();
        for (let k = 0; k < r.length; k++) units[w++] = r.charCodeAt(k);
        j = this.i - 1;
      }
    }
    let value = '';
    // fromCharCode.apply reads any array-like; 8,192 arguments at a time stay well inside the stack
    for (let k = 0; k < w; k += 8192) value += String.fromCharCode.apply(null, units.subarray(k, Math.min(w, k + 8192)) as unknown as number[]);
    return value;
  }

  /** XML 1.0 section 2.4: character data up to the next '<' or '&'. */
  private text(): void {
    const s = this.s;
    const n = this.n;
    const start = this.i;
    let i = start;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c <= GT) {
        if (c === LT || c === AMP) break;
        if (c < SPACE) {
          if (c !== TAB && c !== LF) this.badChar(i);
        } else if (c === GT && i - start >= 2 && s.charCodeAt(i - 1) === RSQB && s.charCodeAt(i - 2) === RSQB) {
          this.fail("']]>' in text (XML 1.0 section 2.4)", i - 2);
        }
      } else if (c >= 0xd800) i = this.wide(i, c);
    }
    this.i = i;
  }

  /** XML 1.0 section 4.1: a character reference or one of the five predefined entities (section 4.6). */
  private reference(): string {
    const s = this.s;
    const at = this.i;
    let i = at + 1;
    if (s.charCodeAt(i) === HASH) {
      const radix = s.charCodeAt(i + 1) === 0x78 ? 16 : 10;
      i += radix === 16 ? 2 : 1;
      const digits = i;
      let cp = 0;
      for (; ; i++) {
        const c = s.charCodeAt(i);
        const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : radix === 16 && c >= 0x61 && c <= 0x66 ? c - 0x57 : radix === 16 && c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
        if (d < 0) break;
        cp = cp * radix + d;
        if (cp > 0x10ffff) this.fail('character reference beyond U+10FFFF', at);
      }
      if (i === digits || s.charCodeAt(i) !== SEMI) this.fail('malformed character reference', at);
      if (!isChar(cp)) this.fail(`character reference to ${hex(cp)}, not an XML character (XML 1.0 section 2.2)`, at);
      this.i = i + 1;
      return String.fromCodePoint(cp);
    }
    for (const [name, char] of PREDEFINED) {
      if (s.startsWith(name, i)) {
        this.i = i + name.length;
        return char;
      }
    }
    this.i = i;
    this.name('entity');
    if (s.charCodeAt(this.i) !== SEMI) this.fail('malformed entity reference', at);
    this.fail(`undefined entity &${clip(s.slice(i, this.i))}; (no DTD: only the five predefined entities)`, at);
  }

  /** '<!': a comment, a CDATA section (in content only) or a refused markup declaration. */
  private bang(inContent: boolean): void {
    const s = this.s;
    const at = this.i;
    if (s.startsWith('<!--', at)) {
      // XML 1.0 section 2.5: '--' only as the end
      const end = s.indexOf('--', at + 4);
      if (end < 0) this.fail('unterminated comment', at);
      if (s.charCodeAt(end + 2) !== GT) this.fail("'--' in a comment (XML 1.0 section 2.5)", end);
      this.chars(at + 4, end);
      this.i = end + 3;
    } else if (s.startsWith('<![CDATA[', at)) {
      // XML 1.0 section 2.7
      if (!inContent) this.fail('CDATA section outside the root element', at);
      const end = s.indexOf(']]>', at + 9);
      if (end < 0) this.fail('unterminated CDATA section', at);
      this.chars(at + 9, end);
      this.parts[this.partsEnd++] = this.copy(at + 9, end);
      this.i = end + 3;
    } else {
      // RFC 6241 has no use for DTDs: no internal subset, no external one, no entity declarations
      this.fail('document type declarations are not allowed', at);
    }
  }

  /** XML 1.0 section 2.6: '<?' PITarget (S chars)? '?>', skipped. */
  private pi(): void {
    const s = this.s;
    const at = this.i;
    this.i += 2;
    this.name('processing instruction target');
    const target = s.slice(at + 2, this.i);
    if (target.toLowerCase() === 'xml') this.fail('XML declaration not at the start of the message (XML 1.0 section 2.8)', at);
    if (this.colon >= 0) this.fail('colon in a processing instruction target (Namespaces in XML 1.0 section 7)', at);
    const end = s.indexOf('?>', this.i);
    if (end < 0) this.fail('unterminated processing instruction', at);
    if (end > this.i && !this.space()) this.unexpected('after a processing instruction target');
    this.chars(this.i, end);
    this.i = end + 2;
  }

  /** XML 1.0 section 2.8: the declaration, UTF-8 if it names an encoding (RFC 6241 section 3). */
  private declaration(): void {
    XML_DECL.lastIndex = 0;
    const m = XML_DECL.exec(this.s);
    if (!m) this.fail('malformed XML declaration (XML 1.0 section 2.8)', 0);
    if (m[3] !== undefined && m[3].toLowerCase() !== 'utf-8') this.fail(`encoding "${clip(m[3])}" is not UTF-8 (RFC 6241 section 3)`, 0);
    this.i = XML_DECL.lastIndex;
  }

  /** XML 1.0 section 2.3 and Namespaces in XML 1.0 section 3: a Name with at most one colon, neither first nor last. */
  private name(what: string): void {
    const s = this.s;
    const max = this.limits.maxNameLength;
    const start = this.i;
    let i = start;
    let need = true; // a NameStartChar is due: first, and after the colon
    this.colon = -1;
    for (;;) {
      const c = s.charCodeAt(i);
      let width = 1;
      let ok: boolean;
      if (c < 0x80) ok = (ASCII_NAME[c] & (need ? NAME_START : NAME_CHAR)) !== 0;
      else if (c >= 0xd800 && c <= 0xdb7f) {
        // a surrogate pair for U+10000 to U+EFFFF
        const d = s.charCodeAt(i + 1);
        ok = d >= 0xdc00 && d <= 0xdfff;
        width = 2;
      } else ok = need ? isWideNameStart(c) : isWideNameChar(c);
      if (ok) {
        i += width;
        need = false;
      } else if (c === COLON && !need && this.colon < 0) {
        this.colon = i++;
        need = true;
      } else break;
      if (i - start > max) this.fail(`${what} name longer than ${max} characters (netconf.max-xml-name-length)`, start);
    }
    if (need) this.unexpected(i === start ? `where the ${what} name should start` : `after the colon of the ${what} name ${clip(s.slice(start, i))}`, i);
    this.i = i;
  }

  /**
   * The text of [from, to) as a string of its own: V8 keeps a slice of 13
   * characters or more as a view of the message, which would hold all of it
   * alive as long as the tree (a datastore's content) keeps the value.
   */
  private copy(from: number, to: number): string {
    const s = this.s;
    return to - from < 13 ? s.slice(from, to) : [s.slice(from, from + 1), s.slice(from + 1, to)].join('');
  }

  /** The text of [from, to) as copy() gives it, the same string each time for a short one (a name, a namespace URI). */
  private intern(from: number, to: number): string {
    const s = this.s;
    const length = to - from;
    if (length < 13 || length > MAX_INTERNED_LENGTH) return this.copy(from, to);
    const slot = (length * 31 + s.charCodeAt(from + 8) * 7 + s.charCodeAt(to - 1) * 131 + s.charCodeAt(to - 5) * 1031 + s.charCodeAt(from + (length >> 1))) & (INTERN_SLOTS - 1);
    const known = interned[slot];
    if (known !== undefined && known.length === length && s.startsWith(known, from)) return known;
    return (interned[slot] = this.copy(from, to));
  }

  private nameCharAt(i: number): boolean {
    const c = this.s.charCodeAt(i);
    return c < 0x80 ? (ASCII_NAME[c] & NAME_CHAR) !== 0 || c === COLON : (c >= 0xd800 && c <= 0xdb7f) || isWideNameChar(c);
  }

  /** XML 1.0 section 2.3, S: skips white space, says whether it skipped some. */
  private space(): boolean {
    const s = this.s;
    const start = this.i;
    let i = start;
    for (let c = s.charCodeAt(i); c === SPACE || c === LF || c === TAB; c = s.charCodeAt(++i));
    this.i = i;
    return i > start;
  }

  /** XML 1.0 section 2.2: every character of [from, to) is a Char. */
  private chars(from: number, to: number): void {
    const s = this.s;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c < SPACE) {
        if (c !== TAB && c !== LF) this.badChar(i);
      } else if (c >= 0xd800) i = this.wide(i, c);
    }
  }

  /** A code unit from U+D800 up: a whole surrogate pair (returns its second half) or a BMP Char. */
  private wide(i: number, c: number): number {
    if (c <= 0xdbff) {
      const d = this.s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return i + 1;
      this.badChar(i);
    }
    if (c <= 0xdfff || c >= 0xfffe) this.badChar(i);
    return i;
  }

  private badChar(i: number): never {
    this.fail(`character ${hex(this.s.charCodeAt(i))} is not allowed in XML (XML 1.0 section 2.2)`, i);
  }

  private unexpected(where: string, at = this.i): never {
    if (at >= this.n) this.fail(`unexpected end of the message ${where}`, at);
    const c = this.s.charCodeAt(at);
    this.fail(`unexpected ${c > SPACE && c < 0x7f ? `'${String.fromCharCode(c)}'` : hex(c)} ${where}`, at);
  }

  /** Throws, saying where: line and column (in characters) of `at`. */
  private fail(message: string, at = this.i): never {
    const s = this.s;
    const to = Math.min(at, this.n);
    let line = 1;
    let lineStart = 0;
    for (let nl = s.indexOf('\n'); nl >= 0 && nl < to; nl = s.indexOf('\n', nl + 1)) {
      line++;
      lineStart = nl + 1;
    }
    throw new XmlParseError(`${message} at line ${line}, column ${to - lineStart + 1}`);
  }
}

/** Builds an element; `content` is child elements or a leaf value. */
export function elem(ns: string, name: string, content: XmlElement[] | string | number | boolean = [], attrs: XmlAttribute[] = []): XmlElement {
  if (Array.isArray(content)) return { ns, name, attrs, children: content, text: '' };
  return { ns, name, attrs, children: [], text: String(content) };
}

/** The namespace URI a prefix means where `el` stands (for identityref and instance-identifier values). */
/** The prefixes declared on an element and around it, the innermost declaration of each (Namespaces in XML 1.0 section 6.1). */
export function inScopeNamespaces(el: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (let e: XmlElement | undefined = el; e; e = e.parent) for (const [p, uri] of Object.entries(e.nsDecls ?? {})) if (!Object.hasOwn(out, p)) out[p] = uri;
  return out;
}

export function resolvePrefix(el: XmlElement | undefined, prefix: string): string | undefined {
  for (let e = el; e; e = e.parent) {
    if (e.nsDecls && Object.hasOwn(e.nsDecls, prefix)) return e.nsDecls[prefix];
  }
  return undefined;
}

export function child(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeChar = (c: string): string => ESCAPES[c];
// most values need no escaping: one test, no new string
const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&<>"]/;
const escapeText = (s: string): string => (TEXT_SPECIAL.test(s) ? s.replace(/[&<>]/g, escapeChar) : s);
const escapeAttr = (s: string): string => (ATTR_SPECIAL.test(s) ? s.replace(/[&<>"]/g, escapeChar) : s);

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
