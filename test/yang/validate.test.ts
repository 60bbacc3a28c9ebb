import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NetconfRpcError } from '../../src/model/rpc-error';
import { parseXml } from '../../src/model/xml';
import { RpcSchema } from '../../src/yang/schema';
import { SchemaRegistry } from '../../src/yang/registry';
import { validateNotification, validateRpcInput, ValidateOptions } from '../../src/yang/validate';
import { caught } from '../helpers/netconf';

const R = 'urn:ncbgp:yang:ncbgp-refresh';
const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const WD = 'urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults';
const REFRESH_PATH = '/ncbgp-refresh:refresh-bgp-mvpn';

/** What a client sees of an rpc-error. */
function wire(e: NetconfRpcError): Record<string, unknown> {
  return { type: e.type, tag: e.tag, appTag: e.appTag, path: e.path, info: e.info };
}

const refresh = (inner: string): string => `<refresh-bgp-mvpn xmlns="${R}">${inner}</refresh-bgp-mvpn>`;

describe('yang/validate', () => {
  let registry: SchemaRegistry;
  let rpc: RpcSchema;
  const groups = new Set(['core', 'g'.repeat(47)]);
  const opts: ValidateOptions = { leafrefExists: (target, value) => target === '/ncbgp-bgp:bgp/peer-group/name' && groups.has(value) };
  before(() => {
    registry = SchemaRegistry.load();
    const r = registry.rpc(R, 'refresh-bgp-mvpn');
    assert.ok(r);
    rpc = r;
  });
  const check = (xml: string, o: ValidateOptions = opts): void => validateRpcInput(rpc, parseXml(xml), o);

  describe('refresh-bgp-mvpn: valid requests', () => {
    const valid: [string, string][] = [
      ['all import', refresh('<all/><direction>import</direction>')],
      ['peer export', refresh('<peer-address>192.0.2.1</peer-address><direction>export</direction>')],
      ['group', refresh('<group>core</group><direction>import</direction>')],
      ['group of 47 characters', refresh(`<group>${'g'.repeat(47)}</group><direction>import</direction>`)],
      ['external', refresh('<external/><direction>export</direction>')],
      ['internal', refresh('<internal/><direction>import</direction>')],
      ['direction first', refresh('<direction>import</direction><internal/>')],
      ['children in no namespace (ncclient)', `<refresh-bgp-mvpn xmlns="${R}"><all xmlns=""/><direction xmlns="">import</direction></refresh-bgp-mvpn>`],
      ['prefixed elements', `<r:refresh-bgp-mvpn xmlns:r="${R}"><r:all/><r:direction>export</r:direction></r:refresh-bgp-mvpn>`],
    ];
    for (const [name, xml] of valid) it(name, () => check(xml));

    it('a group is not looked up when no leafrefExists is given', () => check(refresh('<group>unknown</group><direction>import</direction>'), {}));
  });

  describe('refresh-bgp-mvpn: the first violation as an rpc-error', () => {
    const p = (leaf: string): string => `${REFRESH_PATH}/ncbgp-refresh:${leaf}`;
    const cases: [string, string, Record<string, unknown>][] = [
      ['IPv4 address out of range', refresh('<peer-address>300.1.1.1</peer-address><direction>import</direction>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('peer-address'), info: undefined }],
      ['IPv4 address with three parts', refresh('<peer-address>1.2.3</peer-address><direction>import</direction>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('peer-address'), info: undefined }],
      ['IPv4 address with a zone', refresh('<peer-address>192.0.2.1%eth0</peer-address><direction>import</direction>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('peer-address'), info: undefined }],
      ['unknown direction', refresh('<all/><direction>sideways</direction>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('direction'), info: undefined }],
      ['group name of 0 characters', refresh('<group></group><direction>import</direction>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('group'), info: undefined }],
      ['group name of 48 characters', refresh(`<group>${'g'.repeat(48)}</group><direction>import</direction>`), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('group'), info: undefined }],
      ['empty leaf with a value', refresh('<all>yes</all><direction>import</direction>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('all'), info: undefined }],
      ['no direction', refresh('<all/>'), { type: 'protocol', tag: 'missing-element', appTag: undefined, path: p('direction'), info: { badElement: 'direction', badNamespace: undefined } }],
      // RFC 7950 section 15.6 for a mandatory choice with no case
      ['no peer selector', refresh('<direction>import</direction>'), { type: 'protocol', tag: 'missing-element', appTag: 'missing-choice', path: REFRESH_PATH, info: { missingChoice: 'peers' } }],
      ['two cases of the choice', refresh('<all/><external/><direction>import</direction>'), { type: 'protocol', tag: 'bad-element', appTag: undefined, path: p('external'), info: { badElement: 'external', badNamespace: undefined } }],
      ['two cases, second one a peer', refresh('<internal/><direction>import</direction><peer-address>192.0.2.1</peer-address>'), { type: 'protocol', tag: 'bad-element', appTag: undefined, path: p('peer-address'), info: { badElement: 'peer-address', badNamespace: undefined } }],
      ['unknown element', refresh('<all/><force/><direction>import</direction>'), { type: 'protocol', tag: 'unknown-element', appTag: undefined, path: p('force'), info: { badElement: 'force', badNamespace: undefined } }],
      ['element of an unknown namespace', refresh('<all/><force xmlns="urn:example:nothing"/><direction>import</direction>'), { type: 'protocol', tag: 'unknown-namespace', appTag: undefined, path: REFRESH_PATH, info: { badElement: 'force', badNamespace: 'urn:example:nothing' } }],
      ['duplicated leaf', refresh('<all/><direction>import</direction><direction>export</direction>'), { type: 'protocol', tag: 'bad-element', appTag: undefined, path: p('direction'), info: { badElement: 'direction', badNamespace: undefined } }],
      ['group that is not configured', refresh('<group>edge</group><direction>import</direction>'), { type: 'application', tag: 'data-missing', appTag: 'instance-required', path: p('group'), info: undefined }],
      ['leaf with child elements', refresh('<all/><direction><import/></direction>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: p('direction'), info: undefined }],
    ];
    for (const [name, xml, expected] of cases) {
      it(name, () => {
        const e = caught(() => check(xml));
        assert.deepEqual(wire(e), expected);
        assert.deepEqual(e.pathNamespaces, { 'ncbgp-refresh': R });
        assert.ok(e.message.length > 0);
      });
    }

    it('reports the first violation in document order', () => {
      const e = caught(() => check(refresh('<peer-address>1.2.3</peer-address><direction>sideways</direction>')));
      assert.equal(e.path, p('peer-address'));
    });

    it('the rpc-error serializes with error-path prefixes declared', () => {
      const e = caught(() => check(refresh('<all/><direction>sideways</direction>')));
      const errorPath = e.toElement().children.find((c) => c.name === 'error-path');
      assert.equal(errorPath?.nsDecls?.['ncbgp-refresh'], R);
    });
  });

  describe('base operations of ietf-netconf', () => {
    const nc = (name: string, inner: string): string => `<${name} xmlns="${NC}">${inner}</${name}>`;
    const run = (xml: string): void => {
      const el = parseXml(xml);
      const schema = registry.rpc(el.ns, el.name);
      assert.ok(schema, `no rpc ${el.name}`);
      validateRpcInput(schema, el);
    };
    before(function () {
      assert.ok(registry.module('ietf-netconf'));
    });

    const valid: [string, string][] = [
      ['get-config running', nc('get-config', '<source><running/></source>')],
      ['get-config with a subtree filter in no namespace', nc('get-config', '<source><running/></source><filter xmlns="" type="subtree"><bgp xmlns="urn:ncbgp:yang:ncbgp-bgp"/></filter>')],
      ['get', nc('get', '')],
      ['lock running', nc('lock', '<target><running/></target>')],
      ['edit-config', nc('edit-config', '<target><running/></target><default-operation>merge</default-operation><config><anything xmlns="urn:x"/></config>')],
      ['close-session', nc('close-session', '')],
      ['kill-session', nc('kill-session', '<session-id>4</session-id>')],
    ];
    for (const [name, xml] of valid) it(`accepts ${name}`, () => run(xml));

    const bad: [string, string, Record<string, unknown>][] = [
      ['get-config without source', nc('get-config', ''), { type: 'protocol', tag: 'missing-element', appTag: undefined, path: '/nc:get-config/nc:source', info: { badElement: 'source', badNamespace: undefined } }],
      ['lock with an unknown target', nc('lock', '<target><nowhere/></target>'), { type: 'protocol', tag: 'unknown-element', appTag: undefined, path: '/nc:lock/nc:target/nc:nowhere', info: { badElement: 'nowhere', badNamespace: undefined } }],
      ['lock with an empty target', nc('lock', '<target/>'), { type: 'protocol', tag: 'missing-element', appTag: 'missing-choice', path: '/nc:lock/nc:target', info: { missingChoice: 'config-target' } }],
      ['lock without target', nc('lock', ''), { type: 'protocol', tag: 'missing-element', appTag: undefined, path: '/nc:lock/nc:target', info: { badElement: 'target', badNamespace: undefined } }],
      ['edit-config with two cases of the config-target choice', nc('edit-config', '<target><running/><candidate/></target><config/>'), { type: 'protocol', tag: 'bad-element', appTag: undefined, path: '/nc:edit-config/nc:target/nc:candidate', info: { badElement: 'candidate', badNamespace: undefined } }],
      // RFC 7950 section 7.20.2: feature url is not supported (no :url), so the schema has no <url>
      ['edit-config with a url', nc('edit-config', '<target><running/></target><url>file:///x</url>'), { type: 'protocol', tag: 'unknown-element', appTag: undefined, path: '/nc:edit-config/nc:url', info: { badElement: 'url', badNamespace: undefined } }],
      ['edit-config with a bad default-operation', nc('edit-config', '<target><running/></target><default-operation>smash</default-operation><config/>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: '/nc:edit-config/nc:default-operation', info: undefined }],
      ['kill-session with session-id 0', nc('kill-session', '<session-id>0</session-id>'), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: '/nc:kill-session/nc:session-id', info: undefined }],
    ];
    for (const [name, xml, expected] of bad) {
      it(`refuses ${name}`, () => assert.deepEqual(wire(caught(() => run(xml))), expected));
    }

    it('validates leaves augmented by another module (with-defaults)', function () {
      assert.ok(registry.module('ietf-netconf-with-defaults'));
      run(nc('get', `<with-defaults xmlns="${WD}">report-all</with-defaults>`));
      const e = caught(() => run(nc('get', `<with-defaults xmlns="${WD}">everything</with-defaults>`)));
      assert.deepEqual(wire(e), { type: 'protocol', tag: 'invalid-value', appTag: undefined, path: '/nc:get/ncwd:with-defaults', info: undefined });
      assert.deepEqual(e.pathNamespaces, { nc: NC, ncwd: WD });
    });
  });

  describe('validateNotification', () => {
    const note = (inner: string): string => `<peer-refresh-complete xmlns="${R}">${inner}</peer-refresh-complete>`;
    const afi = (): string => {
      const rpcAfi = registry.rpc(R, 'refresh-bgp')?.input.children.find((c) => c.name === 'afi-safi');
      assert.ok(rpcAfi && rpcAfi.kind === 'leaf' && rpcAfi.type.base === 'identityref');
      return rpcAfi.type.bases[0].split(':')[0];
    };
    const run = (xml: string): void => {
      const schema = registry.notification(R, 'peer-refresh-complete');
      assert.ok(schema);
      validateNotification(schema, parseXml(xml));
    };

    it('accepts a complete notification with a prefixed identity', () => {
      const mod = registry.module(afi());
      assert.ok(mod);
      run(note(`<operation-id>18446744073709551615</operation-id><peer-address>192.0.2.1</peer-address><afi-safi xmlns:m="${mod.namespace}">m:ipv4-mvpn</afi-safi><direction>import</direction><status>completed</status><completion>eorr</completion><routes>12</routes><start-time>2024-01-01T00:00:00Z</start-time>`));
    });

    const bad: [string, string, string, string][] = [
      ['operation-id beyond uint64', '<operation-id>18446744073709551616</operation-id>', 'invalid-value', 'operation-id'],
      ['identity of no module in scope', '<operation-id>1</operation-id><afi-safi>nope:ipv4-mvpn</afi-safi>', 'invalid-value', 'afi-safi'],
      ['identity not derived from the base', '<operation-id>1</operation-id><afi-safi xmlns:x="urn:ncbgp:yang:ncbgp-bgp">x:afi-safi-type</afi-safi>', 'invalid-value', 'afi-safi'],
      ['date-and-time without a zone', '<operation-id>1</operation-id><start-time>2024-01-01T00:00:00</start-time>', 'invalid-value', 'start-time'],
      ['no operation-id', '<status>completed</status>', 'missing-element', 'operation-id'],
    ];
    for (const [name, inner, tag, leafName] of bad) {
      it(`refuses ${name}`, () => {
        const e = caught(() => run(note(inner)));
        assert.equal(e.tag, tag);
        assert.equal(e.path, `/ncbgp-refresh:peer-refresh-complete/ncbgp-refresh:${leafName}`);
      });
    }
  });

  describe('types (RFC 7950 section 9) on a module of its own', () => {
    let dir = '';
    let t: RpcSchema;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-types-'));
      writeFileSync(
        path.join(dir, 't.yang'),
        `module t {
          yang-version 1.1;
          namespace "urn:t"; prefix t;
          identity animal; identity dog { base animal; } identity puppy { base dog; } identity rock;
          typedef percent { type uint8 { range "0..100"; } }
          typedef code { type string { length "2..4"; pattern "[A-Z]+" { error-app-tag bad-code; error-message "upper case only"; } } }
          rpc check {
            input {
              leaf i8 { type int8 { range "-10..-1 | 1..10"; } }
              leaf u64 { type uint64; }
              leaf pct { type percent; }
              leaf dec { type decimal64 { fraction-digits 2; range "-1.5..100"; } }
              leaf flag { type boolean; }
              leaf code { type code; }
              leaf no-x { type string { pattern "x.*" { modifier invert-match; } } }
              leaf smile { type string { length "1"; } }
              leaf color { type enumeration { enum red; enum green { value 5; } } }
              leaf perms { type bits { bit read; bit write; } }
              leaf blob { type binary { length "1..3"; } }
              leaf either { type union { type percent; type enumeration { enum none; } } }
              leaf pet { type identityref { base animal; } }
              leaf where { type instance-identifier; }
              leaf-list tags { type code; max-elements 2; }
              list item { key "id"; leaf id { type uint8; } leaf note { type string; } }
              anyxml extra;
              container opts { presence "options given"; leaf deep { type int8; mandatory true; } }
            }
          }
        }`,
      );
      const r = SchemaRegistry.load(dir);
      const c = r.rpc('urn:t', 'check');
      assert.ok(c);
      t = c;
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const run = (inner: string): void => validateRpcInput(t, parseXml(`<check xmlns="urn:t">${inner}</check>`));

    const good = [
      '<i8>-10</i8>',
      '<i8>+7</i8>',
      '<u64>18446744073709551615</u64>',
      '<pct>100</pct>',
      '<dec>-1.5</dec>',
      '<dec>100.00</dec>',
      '<dec>3</dec>',
      '<flag>false</flag>',
      '<code>ABCD</code>',
      '<no-x>yes</no-x>',
      '<smile>😀</smile>',
      '<color>green</color>',
      '<perms>write read</perms>',
      '<perms></perms>',
      '<blob>AQID</blob>',
      '<either>42</either>',
      '<either>none</either>',
      '<pet xmlns:t="urn:t">t:puppy</pet>',
      '<pet>dog</pet>',
      '<pet xmlns:z="urn:t">z:dog</pet>',
      '<where>/t:a/t:b</where>',
      '<tags>AB</tags><tags>CD</tags>',
      '<item><id>1</id></item><item><id>2</id><note>n</note></item>',
      '<extra><whatever xmlns="urn:nothing"><at-all/></whatever></extra>',
      '<opts><deep>1</deep></opts>',
    ];
    for (const inner of good) it(`accepts ${inner}`, () => run(inner));

    const bad: [string, string, string?][] = [
      ['<i8>0</i8>', 'invalid-value'],
      ['<i8>11</i8>', 'invalid-value'],
      ['<i8>1.0</i8>', 'invalid-value'],
      ['<i8>0x1</i8>', 'invalid-value'],
      ['<u64>-1</u64>', 'invalid-value'],
      ['<u64>18446744073709551616</u64>', 'invalid-value'],
      ['<pct>101</pct>', 'invalid-value'],
      ['<dec>100.01</dec>', 'invalid-value'],
      ['<dec>1.234</dec>', 'invalid-value'],
      ['<dec>-1.51</dec>', 'invalid-value'],
      ['<flag>yes</flag>', 'invalid-value'],
      ['<flag>True</flag>', 'invalid-value'],
      ['<code>A</code>', 'invalid-value'],
      ['<code>abc</code>', 'invalid-value', 'bad-code'],
      ['<no-x>xylophone</no-x>', 'invalid-value'],
      ['<smile>ab</smile>', 'invalid-value'],
      ['<color>blue</color>', 'invalid-value'],
      ['<color>5</color>', 'invalid-value'],
      ['<perms>read exec</perms>', 'invalid-value'],
      ['<perms>read read</perms>', 'invalid-value'],
      ['<blob>AQIDBA==</blob>', 'invalid-value'],
      ['<blob>not base64!</blob>', 'invalid-value'],
      ['<either>nothing</either>', 'invalid-value'],
      ['<pet>rock</pet>', 'invalid-value'],
      ['<pet>animal</pet>', 'invalid-value'],
      ['<pet>q:dog</pet>', 'invalid-value'],
      ['<where>a/b</where>', 'invalid-value'],
      ['<tags>AB</tags><tags>CD</tags><tags>EF</tags>', 'operation-failed', 'too-many-elements'],
      ['<item><note>n</note></item>', 'missing-element'],
      ['<opts/>', 'missing-element'],
    ];
    for (const [inner, tag, appTag] of bad) {
      it(`refuses ${inner}`, () => {
        const e = caught(() => run(inner));
        assert.equal(e.tag, tag);
        if (appTag) assert.equal(e.appTag, appTag);
      });
    }

    it('takes the message of error-message', () => assert.equal(caught(() => run('<code>abc</code>')).message.endsWith('upper case only'), true));

    it('names list entries by their keys in the path', () => {
      const e = caught(() => run('<item><id>7</id><note><b/></note></item>'));
      assert.equal(e.path, "/t:check/t:item[t:id='7']/t:note");
    });
  });

});
