// The XML parser (src/model/xml.ts): table-driven well-formed documents
// with the tree expected, malformed ones each refused with XmlParseError
// (encodings, DTDs, entities, characters, names, namespaces, limits),
// NETCONF messages round-tripped through serialize, and seeded mutations of
// a message that must end in a tree or an XmlParseError, nothing else; trees
// that hold no view of the message they came from.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_XML_LIMITS, parseXml, resolvePrefix, serialize, SERVER_XML_LIMITS, XML_NS, XmlAttribute, XmlElement, XmlLimits, XmlParseError } from '../../src/model/xml';
import { prng } from '../helpers/prng';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';


/** An element as compared: no parent links. */
interface Plain {
  ns: string;
  name: string;
  attrs: XmlAttribute[];
  children: Plain[];
  text: string;
  nsDecls?: Record<string, string>;
}

const plain = (el: XmlElement): Plain => ({ ns: el.ns, name: el.name, attrs: el.attrs, children: el.children.map(plain), text: el.text, ...(el.nsDecls ? { nsDecls: el.nsDecls } : {}) });

const E = (ns: string, name: string, more: Partial<Omit<Plain, 'ns' | 'name'>> = {}): Plain => ({ ns, name, attrs: more.attrs ?? [], children: more.children ?? [], text: more.text ?? '', ...(more.nsDecls ? { nsDecls: more.nsDecls } : {}) });

const utf16le = (s: string, bom = false): Buffer => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(s, 'utf16le')]);
const utf16be = (s: string, bom = false): Buffer => Buffer.concat([Buffer.from(bom ? [0xfe, 0xff] : []), Buffer.from(s, 'utf16le').swap16()]);

interface Good {
  name: string;
  input: string | Buffer; // a string is parsed both as it is and as UTF-8 bytes
  tree: Plain;
}

const GOOD: Good[] = [
  // Namespaces in XML 1.0
  { name: 'a default namespace', input: `<rpc message-id="1" xmlns="${NC}"><get/></rpc>`, tree: E(NC, 'rpc', { attrs: [{ ns: '', name: 'message-id', value: '1' }], children: [E(NC, 'get')] }) },
  {
    name: 'a prefixed namespace, on elements and attributes',
    input: `<nc:rpc xmlns:nc="${NC}" nc:a="1" b="2"><nc:get/></nc:rpc>`,
    tree: E(NC, 'rpc', { nsDecls: { nc: NC }, attrs: [{ ns: NC, prefix: 'nc', name: 'a', value: '1' }, { ns: '', name: 'b', value: '2' }], children: [E(NC, 'get')] }),
  },
  { name: 'no namespace at all', input: '<a><b/></a>', tree: E('', 'a', { children: [E('', 'b')] }) },
  { name: 'the default namespace undeclared with xmlns=""', input: '<a xmlns="urn:a"><b xmlns=""><c/></b><d/></a>', tree: E('urn:a', 'a', { children: [E('', 'b', { children: [E('', 'c')] }), E('urn:a', 'd')] }) },
  {
    name: 'a prefix redeclared inside, in scope only there',
    input: '<a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c/></p:b><p:d/></a>',
    tree: E('', 'a', { nsDecls: { p: 'urn:1' }, children: [E('urn:2', 'b', { nsDecls: { p: 'urn:2' }, children: [E('urn:2', 'c')] }), E('urn:1', 'd')] }),
  },
  { name: 'a declaration after the attribute that uses it', input: '<a p:x="1" xmlns:p="urn:p"/>', tree: E('', 'a', { nsDecls: { p: 'urn:p' }, attrs: [{ ns: 'urn:p', prefix: 'p', name: 'x', value: '1' }] }) },
  { name: 'the xml prefix is predefined', input: '<a xml:lang="en"/>', tree: E('', 'a', { attrs: [{ ns: XML_NS, prefix: 'xml', name: 'lang', value: 'en' }] }) },
  { name: 'an unknown namespace is only a string', input: '<x xmlns="http://nowhere.invalid/?q=1&amp;r=2"/>', tree: E('http://nowhere.invalid/?q=1&r=2', 'x') },
  { name: 'the same local name in two namespaces', input: '<a xmlns:p="urn:p" x="1" p:x="2"/>', tree: E('', 'a', { nsDecls: { p: 'urn:p' }, attrs: [{ ns: '', name: 'x', value: '1' }, { ns: 'urn:p', prefix: 'p', name: 'x', value: '2' }] }) },
  // XML 1.0 section 4.1 and 4.6: references
  { name: 'the five predefined entities and character references', input: '<a>&lt;&gt;&amp;&apos;&quot; &#65;&#x42;&#x1F600;&#0000067;</a>', tree: E('', 'a', { text: `<>&'" AB😀C` }) },
  // XML 1.0 section 3.3.3: attribute values
  {
    name: 'attribute values: white space normalized, references expanded',
    input: `<a b="x&#9;y\tz\n w" c='"q"' d="&lt;&#10;" e=""/>`,
    tree: E('', 'a', { attrs: [{ ns: '', name: 'b', value: 'x\ty z  w' }, { ns: '', name: 'c', value: '"q"' }, { ns: '', name: 'd', value: '<\n' }, { ns: '', name: 'e', value: '' }] }),
  },
  // XML 1.0 section 2.7
  { name: 'CDATA sections are text', input: '<a>x<![CDATA[<b>&amp;]]]]>y<![CDATA[]]></a>', tree: E('', 'a', { text: 'x<b>&amp;]]y' }) },
  // XML 1.0 sections 2.5, 2.6, 2.8
  {
    name: 'declaration, comments and processing instructions skipped',
    input: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!-- c --><?pi data?>\n<a><!-- in --><?p?>t<!---->u<?xml-stylesheet href="x"?></a><!-- after -->\n<?after?>\n',
    tree: E('', 'a', { text: 'tu' }),
  },
  { name: "a declaration in single quotes, encoding in lower case", input: "<?xml version='1.0' encoding='utf-8' ?><a/>", tree: E('', 'a') },
  { name: 'a declaration without encoding', input: '<?xml version="1.0"?>\n<a/>', tree: E('', 'a') },
  // the element's text: its own character data; white space between children is not
  { name: 'white space between children dropped', input: '<a>\n  <b> x </b>\n  <c/>\n</a>', tree: E('', 'a', { children: [E('', 'b', { text: ' x ' }), E('', 'c')] }) },
  { name: 'mixed content keeps all its text', input: '<a> x <b/> y </a>', tree: E('', 'a', { text: ' x  y ', children: [E('', 'b')] }) },
  { name: 'a leaf of white space keeps it', input: '<a>   </a>', tree: E('', 'a', { text: '   ' }) },
  // XML 1.0 section 2.11
  { name: 'CR LF and CR read as LF', input: '<a b="1\r\n2\r3">1\r\n2\r3</a>', tree: E('', 'a', { attrs: [{ ns: '', name: 'b', value: '1 2 3' }], text: '1\n2\n3' }) },
  { name: 'a character reference to CR is kept', input: '<a>&#13;</a>', tree: E('', 'a', { text: '\r' }) },
  { name: 'white space inside tags', input: '<a\n  b = "1"\t></a >', tree: E('', 'a', { attrs: [{ ns: '', name: 'b', value: '1' }] }) },
  { name: 'non-ASCII names and text, as UTF-8', input: Buffer.from('<données xmlns="urn:é">grüße 日本 😀</données>'), tree: E('urn:é', 'données', { text: 'grüße 日本 😀' }) },
  { name: 'a name with a character beyond the BMP', input: '<a𐀀 x·y="1"/>', tree: E('', 'a𐀀', { attrs: [{ ns: '', name: 'x·y', value: '1' }] }) },
  { name: 'names with digits, dots, dashes and underscores', input: '<_a.b-c1 x_1.y-z="v"/>', tree: E('', '_a.b-c1', { attrs: [{ ns: '', name: 'x_1.y-z', value: 'v' }] }) },
  { name: "'>' and ']]' alone in text", input: '<a>a > b ]] c ]]&gt;</a>', tree: E('', 'a', { text: 'a > b ]] c ]]>' }) },
  { name: 'U+FEFF inside text is a character', input: '<a>\ufeff</a>', tree: E('', 'a', { text: '\ufeff' }) },
];

interface Bad {
  name: string;
  input: string | Buffer;
  error: RegExp;
  limits?: XmlLimits;
}

const BIG_ATTRIBUTES = `<rpc xmlns="${NC}"><get ${Array.from({ length: 1_000_000 }, (_, i) => `a${i}="x"`).join(' ')}/></rpc>`;
const LAUGHS = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
const DTD_RPC = `<!DOCTYPE rpc [<!ENTITY x "xxxxxxxx">]><rpc message-id="1" xmlns="${NC}"><get>&x;</get></rpc>`;
const small = (limits: Partial<XmlLimits>): XmlLimits => ({ ...DEFAULT_XML_LIMITS, ...limits });

const BAD: Bad[] = [
  // RFC 6241 section 3: UTF-8 only
  { name: 'UTF-16LE without BOM', input: utf16le(`<rpc xmlns="${NC}"/>`), error: /not UTF-8/ },
  { name: 'UTF-16LE with BOM', input: utf16le(`<rpc xmlns="${NC}"/>`, true), error: /byte-order mark/ },
  { name: 'UTF-16BE without BOM', input: utf16be(`<rpc xmlns="${NC}"/>`), error: /not UTF-8/ },
  { name: 'UTF-16BE with BOM', input: utf16be(`<rpc xmlns="${NC}"/>`, true), error: /byte-order mark/ },
  { name: 'UTF-32BE with BOM', input: Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x3c]), error: /byte-order mark/ },
  { name: 'UTF-32LE with BOM', input: Buffer.from([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0]), error: /byte-order mark/ },
  { name: 'UTF-8 BOM', input: Buffer.from('\ufeff<a/>'), error: /byte-order mark/ },
  { name: 'a BOM at the start of a string', input: '\ufeff<a/>', error: /byte-order mark/ },
  { name: 'encoding="UTF-16" declared', input: '<?xml version="1.0" encoding="UTF-16"?><a/>', error: /encoding "UTF-16" is not UTF-8/ },
  { name: 'encoding="ISO-8859-1" declared', input: '<?xml version="1.0" encoding="ISO-8859-1"?><a/>', error: /encoding "ISO-8859-1" is not UTF-8/ },
  { name: 'an invalid UTF-8 byte', input: Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), error: /not UTF-8: invalid/ },
  { name: 'a truncated UTF-8 sequence', input: Buffer.concat([Buffer.from('<a>'), Buffer.from([0xc3]), Buffer.from('</a>')]), error: /not UTF-8: invalid/ },
  { name: 'an overlong UTF-8 encoding of <', input: Buffer.concat([Buffer.from('<a>'), Buffer.from([0xc0, 0xbc]), Buffer.from('</a>')]), error: /not UTF-8: invalid/ },
  { name: 'a surrogate encoded in UTF-8', input: Buffer.concat([Buffer.from('<a>'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('</a>')]), error: /not UTF-8: invalid/ },
  // XML 1.0 section 2.2: characters
  { name: 'NUL in text', input: '<a>x\u0000y</a>', error: /U\+0000 is not allowed/ },
  { name: 'NUL in a name', input: '<a\u0000b/>', error: /U\+0000/ },
  { name: 'NUL in an attribute value', input: '<a b="\u0000"/>', error: /U\+0000 is not allowed/ },
  { name: 'a C0 control in text', input: '<a>\u0001</a>', error: /U\+0001 is not allowed/ },
  { name: 'U+FFFE in text', input: '<a>\ufffe</a>', error: /U\+FFFE is not allowed/ },
  { name: 'U+FFFF in a comment', input: '<a><!--\uffff--></a>', error: /U\+FFFF is not allowed/ },
  { name: 'a lone high surrogate', input: '<a>\ud800x</a>', error: /U\+D800 is not allowed/ },
  { name: 'a lone low surrogate', input: '<a>\udc00</a>', error: /U\+DC00 is not allowed/ },
  { name: 'a character reference to NUL', input: '<a>&#0;</a>', error: /U\+0000, not an XML character/ },
  { name: 'a character reference to a surrogate', input: '<a b="&#xD800;"/>', error: /U\+D800, not an XML character/ },
  { name: 'a character reference beyond U+10FFFF', input: '<a>&#x110000;</a>', error: /beyond U\+10FFFF/ },
  { name: 'a character reference with no digits', input: '<a>&#;</a>', error: /malformed character reference/ },
  { name: 'a character reference with no semicolon', input: '<a>&#65 </a>', error: /malformed character reference/ },
  // no DTD, no entities
  { name: '<!DOCTYPE with an internal subset', input: DTD_RPC, error: /document type declarations are not allowed/ },
  { name: '<!DOCTYPE with an internal subset, UTF-16LE with BOM', input: utf16le(DTD_RPC, true), error: /byte-order mark/ },
  { name: '<!DOCTYPE with an internal subset, UTF-16LE without BOM', input: utf16le(DTD_RPC), error: /not UTF-8/ },
  { name: '<!DOCTYPE with an internal subset, UTF-16BE with BOM', input: utf16be(DTD_RPC, true), error: /byte-order mark/ },
  { name: '<!DOCTYPE with an external subset', input: '<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', error: /document type declarations are not allowed/ },
  { name: '<!DOCTYPE after the declaration', input: '<?xml version="1.0"?>\n<!DOCTYPE a><a/>', error: /document type declarations are not allowed at line 2/ },
  { name: '<!ENTITY inside the root element', input: '<a><!ENTITY x "y"></a>', error: /document type declarations are not allowed/ },
  { name: 'billion laughs', input: LAUGHS, error: /document type declarations are not allowed/ },
  { name: 'billion laughs without its DTD', input: '<lolz>&lol9;</lolz>', error: /undefined entity &lol9;/ },
  { name: 'an undefined entity', input: '<a>&ent;</a>', error: /undefined entity &ent;/ },
  { name: 'an undefined entity in an attribute', input: '<a b="&ent;"/>', error: /undefined entity &ent;/ },
  { name: 'an entity reference without semicolon', input: '<a>&amp </a>', error: /malformed entity reference/ },
  { name: 'a bare ampersand', input: '<a>a & b</a>', error: /entity name should start/ },
  // markup
  { name: 'an unterminated CDATA section', input: '<a><![CDATA[x</a>', error: /unterminated CDATA section/ },
  { name: 'CDATA outside the root element', input: '<![CDATA[x]]><a/>', error: /CDATA section outside the root element/ },
  { name: "']]>' in text", input: '<a>x]]>y</a>', error: /']]>' in text/ },
  { name: "'--' in a comment", input: '<a><!-- a -- b --></a>', error: /'--' in a comment/ },
  { name: 'a comment ending in --->', input: '<a><!-- a ---></a>', error: /'--' in a comment/ },
  { name: 'an unterminated comment', input: '<a><!-- x</a>', error: /unterminated comment/ },
  { name: 'an unterminated processing instruction', input: '<a><?pi x</a>', error: /unterminated processing instruction/ },
  { name: 'a processing instruction named xml inside', input: '<a><?xml version="1.0"?></a>', error: /XML declaration not at the start/ },
  { name: 'a processing instruction named XmL', input: '<a/><?XmL x?>', error: /XML declaration not at the start/ },
  { name: 'the declaration after white space', input: ' <?xml version="1.0"?><a/>', error: /XML declaration not at the start/ },
  { name: 'two declarations', input: '<?xml version="1.0"?><?xml version="1.0"?><a/>', error: /XML declaration not at the start/ },
  { name: 'a declaration without version', input: '<?xml encoding="UTF-8"?><a/>', error: /malformed XML declaration/ },
  { name: 'a declaration of version 2.0', input: '<?xml version="2.0"?><a/>', error: /malformed XML declaration/ },
  { name: 'a declaration with standalone="maybe"', input: '<?xml version="1.0" standalone="maybe"?><a/>', error: /malformed XML declaration/ },
  { name: 'a colon in a processing instruction target', input: '<a><?p:q x?></a>', error: /colon in a processing instruction target/ },
  // document structure
  { name: 'empty input', input: '', error: /empty message/ },
  { name: 'empty buffer', input: Buffer.alloc(0), error: /empty message/ },
  { name: 'white space only', input: ' \n ', error: /no root element/ },
  { name: 'a comment only', input: '<!-- x -->', error: /no root element/ },
  { name: 'text only', input: 'hello there', error: /text before the root element/ },
  { name: 'two root elements', input: '<a/><b/>', error: /a second root element/ },
  { name: 'text after the root element', input: '<a/>x', error: /text after the root element/ },
  { name: 'a reference after the root element', input: '<a/>&amp;', error: /text after the root element/ },
  { name: 'a tag mismatch', input: '<a><b></a></b>', error: /end tag <\/a> does not match <b>/ },
  { name: 'an end tag longer than its start tag', input: '<a></ab>', error: /end tag <\/ab> does not match <a>/ },
  { name: 'an end tag with another prefix', input: '<p:a xmlns:p="u" xmlns:q="u"></q:a>', error: /does not match/ },
  { name: 'an unclosed element', input: `<rpc message-id="7" xmlns="${NC}"><get></rpc>`, error: /does not match/ },
  { name: 'an element left open at the end', input: '<a><b/>', error: /unclosed element <a> at the end/ },
  { name: 'an end tag before any start tag', input: '</a>', error: /element name should start/ },
  { name: 'an unterminated start tag', input: '<a b="1"', error: /unexpected end of the message in a start tag/ },
  { name: 'an unterminated attribute value', input: '<a b="1/>', error: /unterminated attribute value/ },
  { name: "'<' in an attribute value", input: '<a b="<"/>', error: /'<' in an attribute value/ },
  { name: 'an attribute without a value', input: '<a b/>', error: /after an attribute name/ },
  { name: 'an unquoted attribute value', input: '<a b=1/>', error: /attribute value should start/ },
  { name: 'no space between attributes', input: '<a b="1"c="2"/>', error: /unexpected 'c' in a start tag/ },
  { name: 'a duplicate attribute', input: '<a x="1" x="2"/>', error: /duplicate attribute x/ },
  { name: 'a duplicate attribute among many', input: `<a ${Array.from({ length: 20 }, (_, i) => `x${i}="1"`).join(' ')} x7="2"/>`, error: /duplicate attribute x7/ },
  { name: 'a duplicate attribute through two prefixes for one namespace', input: '<a xmlns:p="urn:u" xmlns:q="urn:u" p:x="1" q:x="2"/>', error: /duplicate attribute \{urn:u\}x/ },
  { name: 'a duplicate namespace declaration', input: '<a xmlns:p="urn:1" xmlns:p="urn:2"/>', error: /duplicate attribute xmlns:p/ },
  { name: 'a duplicate default namespace declaration', input: '<a xmlns="urn:1" xmlns="urn:2"/>', error: /duplicate attribute xmlns/ },
  { name: 'a self-closing tag with a space before >', input: '<a/ >', error: /unexpected ' '|U\+0020/ },
  // names
  { name: 'a name starting with a digit', input: '<1a/>', error: /element name should start/ },
  { name: 'a name starting with a dash', input: '<a><-b/></a>', error: /element name should start/ },
  { name: 'a name starting with a colon', input: '<:a/>', error: /element name should start/ },
  { name: 'a name ending with a colon', input: '<a:/>', error: /after the colon of the element name a:/ },
  { name: 'a name with two colons', input: '<a:b:c xmlns:a="u"/>', error: /unexpected ':'/ },
  { name: 'a 64 KB element name', input: `<${'a'.repeat(65536)}/>`, error: /element name longer than 1024 characters \(netconf.max-xml-name-length\)/ },
  { name: 'a long attribute name', input: `<a ${'b'.repeat(2000)}="1"/>`, error: /attribute name longer than 1024 characters/ },
  { name: 'a long entity name', input: `<a>&${'b'.repeat(2000)};</a>`, error: /entity name longer than 1024 characters/ },
  { name: 'a name longer than a small limit', input: '<abcdefghijklmnopq/>', error: /longer than 16 characters/, limits: small({ maxNameLength: 16 }) },
  // Namespaces in XML 1.0
  { name: 'an undeclared element prefix', input: `<rpc message-id="7" xmlns="${NC}"><x:get/></rpc>`, error: /undeclared namespace prefix x/ },
  { name: 'an undeclared attribute prefix', input: '<a x:b="1"/>', error: /undeclared namespace prefix x/ },
  { name: 'a prefix used outside its scope', input: '<a><b xmlns:p="u"/><p:c/></a>', error: /undeclared namespace prefix p/ },
  { name: 'the xmlns prefix on an element', input: '<xmlns:a/>', error: /undeclared namespace prefix xmlns/ },
  { name: 'a prefix undeclared with xmlns:p=""', input: '<a xmlns:p=""/>', error: /undeclares a prefix/ },
  { name: 'the xmlns prefix declared', input: '<a xmlns:xmlns="http://www.w3.org/2000/xmlns/"/>', error: /cannot be bound/ },
  { name: 'the xml prefix bound elsewhere', input: '<a xmlns:xml="urn:x"/>', error: /cannot be bound to prefix xml/ },
  { name: 'another prefix bound to the XML namespace', input: `<a xmlns:x="${XML_NS}"/>`, error: /cannot be bound to prefix x/ },
  { name: 'the default namespace bound to the XML namespace', input: `<a xmlns="${XML_NS}"/>`, error: /cannot be bound to the default namespace/ },
  // limits, each checked as the item is read
  { name: '10,000 namespace declarations', input: `<a ${Array.from({ length: 10000 }, (_, i) => `xmlns:p${i}="urn:p${i}"`).join(' ')}/>`, error: /element has more than 256 attributes \(netconf.max-xml-attributes-per-element\)/ },
  { name: '1,000,000 attributes on one element', input: BIG_ATTRIBUTES, error: /element has more than 256 attributes \(netconf.max-xml-attributes-per-element\)/ },
  { name: 'attributes per element at a small limit', input: '<a b="1" c="2" xmlns:p="u"/>', error: /element has more than 2 attributes/, limits: small({ maxAttributesPerElement: 2 }) },
  { name: 'total attributes', input: '<a b="1"><c d="2"/><e f="3" g="4"/></a>', error: /more than 3 attributes \(netconf.max-xml-attributes\)/, limits: small({ maxAttributes: 3 }) },
  { name: 'namespace declarations count as attributes', input: '<a xmlns="u"><c xmlns:p="v"/><e xmlns:q="w" g="4"/></a>', error: /more than 3 attributes/, limits: small({ maxAttributes: 3 }) },
  { name: 'element count', input: '<a><b/><c/><d/></a>', error: /more than 3 elements \(netconf.max-xml-elements\)/, limits: small({ maxElements: 3 }) },
  { name: 'depth', input: '<a><b><c/></b></a>', error: /nested deeper than 2 elements \(netconf.max-xml-depth\)/, limits: small({ maxDepth: 2 }) },
  { name: 'depth 100,000', input: '<a>'.repeat(100000) + '</a>'.repeat(100000), error: /nested deeper than 64 elements/ },
];

/** Parses, failing the test on anything thrown but XmlParseError. */
function parseError(input: string | Buffer, limits?: XmlLimits): XmlParseError | undefined {
  try {
    parseXml(input, limits);
  } catch (e) {
    assert.ok(e instanceof XmlParseError, `expected XmlParseError, got ${String(e)}`);
    return e;
  }
  return undefined;
}

describe('model/xml', () => {
  describe('well-formed documents', () => {
    for (const c of GOOD) {
      it(c.name, () => {
        assert.deepEqual(plain(parseXml(c.input)), c.tree);
        if (typeof c.input === 'string') assert.deepEqual(plain(parseXml(Buffer.from(c.input))), c.tree);
      });
    }

    it('each element links to its parent; the root has none', () => {
      const root = parseXml('<a><b><c/></b><d/></a>');
      assert.equal(root.parent, undefined);
      const [b, d] = root.children;
      assert.equal(b.parent, root);
      assert.equal(d.parent, root);
      assert.equal(b.children[0].parent, b);
    });

    it('prefixes named like Object members are plain prefixes: declared ones resolve, undeclared ones do not', () => {
      const root = parseXml('<a xmlns:__proto__="urn:p"><b/></a>');
      assert.equal(resolvePrefix(root.children[0], '__proto__'), 'urn:p');
      assert.equal(resolvePrefix(root.children[0], 'constructor'), undefined);
      assert.equal(resolvePrefix(root, 'toString'), undefined);
    });
  });

  describe('malformed documents: XmlParseError', () => {
    for (const c of BAD) {
      it(c.name, () => {
        const e = parseError(c.input, c.limits);
        assert.ok(e, 'expected XmlParseError, parsed');
        assert.match(e.message, c.error);
        assert.ok(e.message.length < 200, `a short message: ${e.message.slice(0, 300)}`);
      });
    }

    it('an error says where: line and column', () => {
      assert.match(parseError('<a>\n  <b>\n  </c>\n</a>')?.message ?? '', /at line 3, column 3$/);
    });
  });

  describe('limits', () => {
    it('exactly at each limit parses', () => {
      const limits: XmlLimits = { maxDepth: 2, maxAttributesPerElement: 2, maxAttributes: 3, maxElements: 3, maxNameLength: 7 };
      assert.equal(parseXml('<abc x="1" xmlns:p="u"><b y="1"/><c/></abc>', limits).children.length, 2);
    });

    it('the stored limits have no count bounds', () => {
      const attrs = Array.from({ length: 1000 }, (_, i) => `a${i}="x"`).join(' ');
      assert.equal(parseXml(`<a ${attrs}>${'<b/>'.repeat(10)}</a>`, SERVER_XML_LIMITS).attrs.length, 1000);
      assert.equal(SERVER_XML_LIMITS.maxDepth, 256);
    });
  });

  describe('round trip: serialize(parseXml(x)) is x', () => {
    const messages = [
      `<hello xmlns="${NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>`,
      `<rpc xmlns="${NC}" message-id="101"><get><filter type="subtree"><bgp xmlns="urn:b"><peers/></bgp></filter></get></rpc>`,
      `<rpc xmlns="${NC}" message-id="102"><edit-config><target><candidate/></target><config><bgp xmlns="urn:b"><peer xmlns:nc="${NC}" nc:operation="delete"><address>10.0.0.1</address></peer><description>a &amp; b &lt; c</description></bgp></config></edit-config></rpc>`,
      `<rpc-reply xmlns="${NC}" message-id="103"><rpc-error><error-type>rpc</error-type><error-tag>malformed-message</error-tag><error-severity>error</error-severity><error-message xml:lang="en">bad</error-message></rpc-error></rpc-reply>`,
    ];
    for (const m of messages) {
      it(m.slice(0, 60), () => {
        assert.equal(serialize(parseXml(m)), m);
        assert.equal(serialize(parseXml(Buffer.from(m))), m);
      });
    }
  });

  it('a tree keeps no view of its message: 40 messages of 4 MB kept as trees take little memory', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const before = used();
    const kept: XmlElement[] = [];
    for (let k = 0; k < 20; k++) {
      const message = `<a xmlns="urn:example:a-namespace-of-some-length" b="a value longer than thirteen"><!-- ${'x'.repeat(4_000_000)} -->a text longer than thirteen</a>`;
      kept.push(parseXml(message), parseXml(Buffer.from(message)));
    }
    assert.equal(kept[39].text, 'a text longer than thirteen');
    assert.ok(used() - before < 40_000_000, `${((used() - before) / 1e6).toFixed(0)} MB kept`);
  });

  describe('mutations of a message: a tree or XmlParseError, nothing else', () => {
    const message = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<rpc message-id="1" xmlns="${NC}" xmlns:nc="${NC}"><edit-config><target><running/></target>` +
        `<config><bgp xmlns="urn:b"><peer nc:operation="merge" xml:lang="en"><address>10.0.0.1</address><d>&lt;é&#x1F600;<![CDATA[x]]></d><!-- c --><?p i?></peer></bgp></config></edit-config></rpc>`,
    );
    const bytes = [0x00, 0x0d, 0x20, 0x22, 0x26, 0x2f, 0x3a, 0x3b, 0x3c, 0x3e, 0x3f, 0x21, 0x5d, 0x80, 0xc3, 0xff];
    for (const seed of [1, 2, 3]) {
      it(`seed ${seed}: 3,000 truncations, byte changes, insertions and deletions`, () => {
        const random = prng(seed);
        for (let k = 0; k < 3000; k++) {
          const at = Math.floor(random() * message.length);
          const kind = k % 4;
          const b = bytes[Math.floor(random() * bytes.length)];
          const m =
            kind === 0 ? message.subarray(0, at)
            : kind === 1 ? Buffer.concat([message.subarray(0, at), Buffer.from([b]), message.subarray(at + 1)])
            : kind === 2 ? Buffer.concat([message.subarray(0, at), Buffer.from([b]), message.subarray(at)])
            : Buffer.concat([message.subarray(0, at), message.subarray(at + 1 + Math.floor(random() * 8))]);
          parseError(m);
          parseError(m.toString('latin1'));
        }
      });
    }
  });
});
