import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { caught } from '../helpers/netconf';
import { parseXml, serialize, XmlElement } from '../../src/model/xml';
import { jsonToXml, xmlToJson } from '../../src/yang/json';
import { SchemaRegistry } from '../../src/yang/registry';
import { requireTool } from '../helpers/interop';
import { complaints, yanglint } from '../helpers/yanglint';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';

const CONFIG = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.254',
    listen: { address: '127.0.0.1', port: 1179 },
    'peer-group': [
      { name: 'core', type: 'internal', 'remote-as': 65000, mvpn: { enabled: true, 'keep-all-routes': true, 'import-policy': 'only-rt' } },
      { name: 'edge', type: 'external' },
    ],
    peer: [
      { address: '192.0.2.1', 'remote-as': 65000, group: 'core', passive: false, description: 'route reflector', timers: { 'hold-time': 30 }, mvpn: { 'export-policy': 'only-rt' } },
      { address: '192.0.2.2', 'remote-as': 65010, group: 'edge', 'route-refresh': true, 'enhanced-route-refresh': false },
    ],
    policy: [
      {
        name: 'only-rt',
        term: [{ name: 'rt', match: { 'route-type': ['intra-as-i-pmsi-ad'], 'route-target': ['target:65000:1', 'target:192.0.2.1:7'] }, action: 'accept' }],
        'default-action': 'reject',
      },
    ],
  },
};

const named = (els: readonly XmlElement[], name: string): XmlElement[] => els.filter((e) => e.name === name);

describe('yang/json (RFC 7951)', () => {
  let registry: SchemaRegistry;
  before(() => {
    registry = SchemaRegistry.load();
  });

  describe('an ncbgp-bgp configuration with peers and groups', () => {
    it('becomes XML in the module namespace, list keys first', () => {
      const [bgp, ...rest] = jsonToXml(registry, CONFIG);
      assert.equal(rest.length, 0);
      assert.equal(bgp.ns, BGP);
      assert.equal(bgp.name, 'bgp');
      assert.equal(named(bgp.children, 'local-as')[0].text, '65000');
      const peers = named(bgp.children, 'peer');
      assert.deepEqual(
        peers.map((p) => p.children[0].name + '=' + p.children[0].text),
        ['address=192.0.2.1', 'address=192.0.2.2'],
      );
      assert.ok(peers.every((p) => p.children.every((c) => c.ns === BGP)));
      assert.equal(named(named(peers[0].children, 'timers')[0].children, 'hold-time')[0].text, '30');
      assert.equal(named(peers[1].children, 'enhanced-route-refresh')[0].text, 'false');
      const term = named(named(bgp.children, 'policy')[0].children, 'term')[0];
      assert.deepEqual(
        named(named(term.children, 'match')[0].children, 'route-target').map((e) => e.text),
        ['target:65000:1', 'target:192.0.2.1:7'],
      );
    });

    it('round-trips JSON -> XML -> JSON', () => {
      assert.deepEqual(xmlToJson(registry, jsonToXml(registry, CONFIG)), CONFIG);
    });

    it('round-trips XML text -> JSON -> XML', () => {
      const xml = serialize(jsonToXml(registry, CONFIG)[0]);
      const back = jsonToXml(registry, xmlToJson(registry, [parseXml(xml)]));
      assert.equal(serialize(back[0]), xml);
    });

    it('is configuration data that yanglint accepts', function () {
      requireTool(this, 'yanglint', 'independent check of the XML encoding');
      const r = yanglint({ type: 'config', modules: ['yang/ncbgp-bgp.yang'], file: 'config.xml', data: serialize(jsonToXml(registry, CONFIG)[0]) });
      assert.equal(complaints(r), '');
    });
  });

  describe('value encodings (RFC 7951 section 6)', () => {
    it('uint64 as a string, empty as [null], identityref as module:identity', () => {
      const afi = registry.rpc('urn:ncbgp:yang:ncbgp-refresh', 'refresh-bgp')?.input.children.find((c) => c.name === 'afi-safi');
      assert.ok(afi && afi.kind === 'leaf' && afi.type.base === 'identityref');
      const identityModule = afi.type.bases[0].split(':')[0];
      const state = {
        'ncbgp-refresh:refresh-operations': {
          operation: [{ 'operation-id': '18446744073709551615', 'afi-safi': `${identityModule}:ipv4-mvpn`, selector: { all: [null] }, direction: 'import', counts: { selected: 3, completed: 2 } }],
        },
      };
      const [ops] = jsonToXml(registry, state);
      const op = named(ops.children, 'operation')[0];
      assert.equal(named(op.children, 'operation-id')[0].text, '18446744073709551615');
      assert.equal(named(named(op.children, 'selector')[0].children, 'all')[0].text, '');
      const afiEl = named(op.children, 'afi-safi')[0];
      const mod = registry.module(identityModule);
      assert.ok(mod);
      assert.equal(afiEl.text, `${mod.prefix}:ipv4-mvpn`);
      assert.deepEqual(afiEl.nsDecls, { [mod.prefix]: mod.namespace });
      assert.deepEqual(xmlToJson(registry, [ops]), state);
    });

    it('takes int64/uint64 given as exact JSON numbers and gives them back as strings', () => {
      const [ops] = jsonToXml(registry, { 'ncbgp-refresh:refresh-operations': { operation: [{ 'operation-id': 7 }] } });
      assert.deepEqual(xmlToJson(registry, [ops]), { 'ncbgp-refresh:refresh-operations': { operation: [{ 'operation-id': '7' }] } });
    });

    const bad: [string, unknown, string, string][] = [
      ['unknown member', { 'ncbgp-bgp:bgp': { 'local-as': 1, colour: 'red' } }, 'unknown-element', '/bgp:bgp'],
      ['top-level member without a module', { bgp: {} }, 'unknown-element', '/'],
      ['top-level member of no module', { 'nowhere:bgp': {} }, 'unknown-element', '/'],
      ['unknown top-level node', { 'ncbgp-bgp:bgpp': {} }, 'unknown-element', '/bgp:bgpp'],
      ['bad IPv4 peer address', { 'ncbgp-bgp:bgp': { peer: [{ address: '300.1.1.1' }] } }, 'invalid-value', "/bgp:bgp/bgp:peer[bgp:address='300.1.1.1']/bgp:address"],
      ['uint32 given as a string', { 'ncbgp-bgp:bgp': { 'local-as': '65000' } }, 'invalid-value', '/bgp:bgp/bgp:local-as'],
      ['uint16 out of range', { 'ncbgp-bgp:bgp': { listen: { port: 70000 } } }, 'invalid-value', '/bgp:bgp/bgp:listen/bgp:port'],
      ['boolean given as a string', { 'ncbgp-bgp:bgp': { peer: [{ address: '192.0.2.1', passive: 'true' }] } }, 'invalid-value', "/bgp:bgp/bgp:peer[bgp:address='192.0.2.1']/bgp:passive"],
      ['list given as an object', { 'ncbgp-bgp:bgp': { peer: { address: '192.0.2.1' } } }, 'invalid-value', '/bgp:bgp/bgp:peer'],
      ['list entry without its key', { 'ncbgp-bgp:bgp': { peer: [{ 'remote-as': 1 }] } }, 'missing-element', '/bgp:bgp/bgp:peer'],
      ['container given as a string', { 'ncbgp-bgp:bgp': 'on' }, 'invalid-value', '/bgp:bgp'],
      ['group name of 48 characters', { 'ncbgp-bgp:bgp': { 'peer-group': [{ name: 'g'.repeat(48) }] } }, 'invalid-value', `/bgp:bgp/bgp:peer-group[bgp:name='${'g'.repeat(48)}']/bgp:name`],
      ['not an object', [1, 2], 'invalid-value', '/'],
    ];
    for (const [name, json, tag, errorPath] of bad) {
      it(`refuses ${name}`, () => {
        const e = caught(() => jsonToXml(registry, json));
        assert.equal(e.tag, tag);
        assert.equal(e.path, errorPath.replace(/\bbgp:/g, `${registry.module('ncbgp-bgp')?.prefix}:`));
      });
    }

    it('refuses XML that names no schema node', () => {
      assert.equal(caught(() => xmlToJson(registry, [parseXml(`<bgp xmlns="${BGP}"><colour>red</colour></bgp>`)])).tag, 'unknown-element');
      assert.equal(caught(() => xmlToJson(registry, [parseXml('<bgp xmlns="urn:nowhere"/>')])).tag, 'unknown-namespace');
    });
  });

  describe('modules augmenting others, anydata, unions', () => {
    let dir = '';
    let r: SchemaRegistry;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-json-mods-'));
      writeFileSync(
        path.join(dir, 'a.yang'),
        `module a { namespace "urn:a"; prefix a;
          identity animal; identity dog { base animal; }
          container top {
            leaf n { type union { type int32; type string; } }
            leaf d { type decimal64 { fraction-digits 3; } }
            leaf-list flags { type bits { bit x; bit y; } }
            anydata blob;
          }
        }`,
      );
      writeFileSync(
        path.join(dir, 'b.yang'),
        `module b { namespace "urn:b"; prefix bb; import a { prefix a; }
          augment /a:top { leaf pet { type identityref { base a:animal; } } container more { leaf m { type empty; } } }
        }`,
      );
      r = SchemaRegistry.load(dir);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('names members of another module with its prefix and round-trips', () => {
      const json = { 'a:top': { n: 5, d: '1.250', flags: ['x y'], 'b:pet': 'a:dog', 'b:more': { m: [null] }, blob: { anything: { goes: ['1', '2'] } } } };
      const [top] = jsonToXml(r, json);
      const pet = named(top.children, 'pet')[0];
      assert.equal(pet.ns, 'urn:b');
      assert.equal(pet.text, 'a:dog');
      assert.equal(named(top.children, 'more')[0].children[0].ns, 'urn:b');
      assert.equal(serialize(named(top.children, 'blob')[0]), '<blob xmlns="urn:a"><anything><goes>1</goes><goes>2</goes></anything></blob>');
      assert.deepEqual(xmlToJson(r, [top]), json);
    });

    it('gives a union value back as the first member type that takes it', () => {
      const [top] = jsonToXml(r, { 'a:top': { n: '5' } });
      // XML cannot tell: on the way back the first member that takes "5" (int32) wins
      assert.deepEqual(xmlToJson(r, [top]), { 'a:top': { n: 5 } });
      assert.deepEqual(xmlToJson(r, jsonToXml(r, { 'a:top': { n: 'five' } })), { 'a:top': { n: 'five' } });
    });

    it('refuses an identity of the wrong base and a member of an unknown module', () => {
      assert.equal(caught(() => jsonToXml(r, { 'a:top': { 'b:pet': 'a:animal' } })).tag, 'invalid-value');
      assert.equal(caught(() => jsonToXml(r, { 'a:top': { 'c:pet': 'a:dog' } })).tag, 'unknown-element');
      assert.equal(caught(() => jsonToXml(r, { 'a:top': { d: '1.2345' } })).tag, 'invalid-value');
    });
  });
});
