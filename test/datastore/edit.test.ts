import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyEdit, Change, EditOptions, EditResult } from '../../src/datastore/edit';
import { NetconfRpcError } from '../../src/model/rpc-error';
import { elem, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { SchemaRegistry } from '../../src/yang/registry';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const YANG = 'urn:ietf:params:xml:ns:yang:1';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const ACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const ET = 'urn:ncbgp:test:edit';

const MERGE: EditOptions = { defaultOperation: 'merge', errorOption: 'stop-on-error' };

/** The children of an XML fragment (prefixes nc, yang, b and et declared around it). */
function nodes(xml: string): XmlElement[] {
  return parseXml(`<x xmlns:nc="${NC}" xmlns:yang="${YANG}" xmlns:b="${BGP}" xmlns:et="${ET}">${xml}</x>`).children;
}
/** Deep-frozen: any mutation throws. */
function frozen(els: XmlElement[]): XmlElement[] {
  const freeze = (e: XmlElement): void => {
    e.children.forEach(freeze);
    Object.freeze(e.attrs);
    Object.freeze(e.children);
    if (e.nsDecls) Object.freeze(e.nsDecls);
    Object.freeze(e);
  };
  els.forEach(freeze);
  return Object.freeze(els) as XmlElement[];
}
const show = (els: readonly XmlElement[]): string => els.map((e) => serialize(e)).join('');
/** The same data written in another layout: whitespace between elements dropped. */
const same = (xml: string): string => show(nodes(xml.replace(/>\s+</g, '><').trim()));

// A running configuration of the ncbgp-bgp module, plus NACM beside it.
const BASE = `
<bgp xmlns="${BGP}">
  <local-as>65001</local-as>
  <router-id>192.0.2.254</router-id>
  <peer-group><name>core</name><type>internal</type></peer-group>
  <peer><address>10.0.0.1</address><remote-as>65001</remote-as><group>core</group><description>first</description><timers><hold-time>30</hold-time><keepalive>10</keepalive></timers></peer>
  <peer><address>10.0.0.2</address><remote-as>65002</remote-as></peer>
  <policy><name>pol</name>
    <term><name>t1</name><action>accept</action></term>
    <term><name>t2</name><action>reject</action></term>
    <term><name>t3</name><action>accept</action></term>
    <default-action>reject</default-action>
  </policy>
</bgp>
<nacm xmlns="${ACM}"><enable-nacm>true</enable-nacm></nacm>`;

const P1 = "/bgp:bgp/bgp:peer[bgp:address='10.0.0.1']";
const P2 = "/bgp:bgp/bgp:peer[bgp:address='10.0.0.2']";
const POL = "/bgp:bgp/bgp:policy[bgp:name='pol']";

/** BASE with its policy terms in another order. */
const withTerms = (...terms: string[]): string =>
  BASE.replace(/<term>.*<\/term>/s, terms.map((t) => (t.startsWith('<') ? t : `<term><name>${t}</name><action>${{ t1: 'accept', t2: 'reject', t3: 'accept' }[t] ?? 'accept'}</action></term>`)).join(''));

interface Case {
  name: string;
  content?: string; // BASE unless given
  edit: string;
  opts?: Partial<EditOptions>;
  expect: string; // the content after the edit
  changes: Change[];
}

interface ErrorCase {
  name: string;
  content?: string;
  edit: string;
  opts?: Partial<EditOptions>;
  error: { type: string; tag: string; appTag?: string; path: string; info?: Record<string, unknown> };
}

const wire = (e: NetconfRpcError): ErrorCase['error'] => {
  const w: ErrorCase['error'] = { type: e.type, tag: e.tag, path: e.path ?? '' };
  if (e.appTag !== undefined) w.appTag = e.appTag;
  if (e.info !== undefined) w.info = { ...e.info };
  return w;
};

describe('datastore/edit', () => {
  let registry: SchemaRegistry;
  before(() => {
    registry = SchemaRegistry.load();
  });

  /** Runs an edit over frozen inputs and checks that the inputs read the same afterwards. */
  function run(content: string, edit: string, opts: Partial<EditOptions> = {}): EditResult {
    const before = frozen(nodes(content));
    const config = frozen(nodes(edit));
    const [contentText, configText] = [show(before), show(config)];
    const r = applyEdit(registry, before, config, { ...MERGE, ...opts });
    assert.equal(show(before), contentText, 'the content given is not changed');
    assert.equal(show(config), configText, 'the edit given is not changed');
    return r;
  }

  describe('operations (RFC 6241 section 7.2)', () => {
    const cases: Case[] = [
      {
        name: 'merge creates a leaf in an existing entry',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.2</address><description>second</description></peer></bgp>`,
        expect: BASE.replace('<remote-as>65002</remote-as>', '<remote-as>65002</remote-as><description>second</description>'),
        changes: [{ op: 'create', path: `${P2}/bgp:description` }],
      },
      {
        name: 'merge modifies a leaf',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><timers><hold-time>90</hold-time></timers></peer></bgp>`,
        expect: BASE.replace('<hold-time>30</hold-time>', '<hold-time>90</hold-time>'),
        changes: [{ op: 'modify', path: `${P1}/bgp:timers/bgp:hold-time` }],
      },
      {
        name: 'merge of what is there already changes nothing',
        edit: `<bgp xmlns="${BGP}"><local-as>65001</local-as><peer><address>10.0.0.1</address><remote-as>65001</remote-as><timers><keepalive>10</keepalive></timers></peer></bgp>`,
        expect: BASE,
        changes: [],
      },
      {
        name: 'merge compares values in canonical form and stores them so (RFC 7950 section 9.2.2)',
        edit: `<bgp xmlns="${BGP}"><local-as>+065001</local-as><peer><address>10.0.0.2</address><remote-port>0179</remote-port></peer></bgp>`,
        expect: BASE.replace('<remote-as>65002</remote-as>', '<remote-as>65002</remote-as><remote-port>179</remote-port>'),
        changes: [{ op: 'create', path: `${P2}/bgp:remote-port` }],
      },
      {
        name: 'merge creates a list entry, after the last entry of its list, keys first',
        edit: `<bgp xmlns="${BGP}"><peer><remote-as>65003</remote-as><address>10.0.0.3</address></peer></bgp>`,
        expect: BASE.replace('<policy>', '<peer><address>10.0.0.3</address><remote-as>65003</remote-as></peer><policy>'),
        changes: [{ op: 'create', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.3']" }],
      },
      {
        name: 'merge creates a container with its leaves: one change for the subtree',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.2</address><mvpn><enabled>true</enabled><keep-all-routes>true</keep-all-routes></mvpn></peer></bgp>`,
        expect: BASE.replace('<remote-as>65002</remote-as>', '<remote-as>65002</remote-as><mvpn><enabled>true</enabled><keep-all-routes>true</keep-all-routes></mvpn>'),
        changes: [{ op: 'create', path: `${P2}/bgp:mvpn` }],
      },
      {
        name: 'merge accepts children in no namespace as the parent’s (as ncclient sends them)',
        edit: `<bgp xmlns="${BGP}"><peer-group xmlns=""><name>edge</name><type>external</type></peer-group></bgp>`,
        expect: BASE.replace('<peer>', '<peer-group><name>edge</name><type>external</type></peer-group><peer>'),
        changes: [{ op: 'create', path: "/bgp:bgp/bgp:peer-group[bgp:name='edge']" }],
      },
      {
        name: 'merge into an empty datastore creates the presence container',
        content: '',
        edit: `<bgp xmlns="${BGP}"><local-as>1</local-as></bgp>`,
        expect: `<bgp xmlns="${BGP}"><local-as>1</local-as></bgp>`,
        changes: [{ op: 'create', path: '/bgp:bgp' }],
      },
      {
        name: 'replace on a list entry: the children it does not name are deleted, keys kept',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="replace"><address>10.0.0.1</address><remote-as>65009</remote-as><timers><hold-time>30</hold-time></timers></peer></bgp>`,
        expect: BASE.replace(/<peer><address>10\.0\.0\.1<\/address>.*?<\/peer>/, '<peer><address>10.0.0.1</address><remote-as>65009</remote-as><timers><hold-time>30</hold-time></timers></peer>'),
        changes: [
          { op: 'modify', path: `${P1}/bgp:remote-as` },
          { op: 'delete', path: `${P1}/bgp:timers/bgp:keepalive` },
          { op: 'delete', path: `${P1}/bgp:group` },
          { op: 'delete', path: `${P1}/bgp:description` },
        ],
      },
      {
        name: 'replace with the same content changes nothing (idempotent)',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="replace"><address>10.0.0.2</address><remote-as>65002</remote-as></peer></bgp>`,
        expect: BASE,
        changes: [],
      },
      {
        name: 'replace of a missing entry creates it',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="replace"><address>10.0.0.9</address><passive>true</passive></peer></bgp>`,
        expect: BASE.replace('<policy>', '<peer><address>10.0.0.9</address><passive>true</passive></peer><policy>'),
        changes: [{ op: 'create', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.9']" }],
      },
      {
        name: 'replace on a leaf sets it',
        edit: `<bgp xmlns="${BGP}"><router-id nc:operation="replace">192.0.2.1</router-id></bgp>`,
        expect: BASE.replace('192.0.2.254', '192.0.2.1'),
        changes: [{ op: 'modify', path: '/bgp:bgp/bgp:router-id' }],
      },
      {
        name: 'create of a new entry',
        edit: `<bgp xmlns="${BGP}"><peer-group nc:operation="create"><name>edge</name></peer-group></bgp>`,
        expect: BASE.replace('<peer>', '<peer-group><name>edge</name></peer-group><peer>'),
        changes: [{ op: 'create', path: "/bgp:bgp/bgp:peer-group[bgp:name='edge']" }],
      },
      {
        name: 'create of a missing leaf',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.2</address><passive nc:operation="create">true</passive></peer></bgp>`,
        expect: BASE.replace('<remote-as>65002</remote-as>', '<remote-as>65002</remote-as><passive>true</passive>'),
        changes: [{ op: 'create', path: `${P2}/bgp:passive` }],
      },
      {
        name: 'delete of an entry',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="delete"><address>10.0.0.1</address></peer></bgp>`,
        expect: BASE.replace(/<peer><address>10\.0\.0\.1<\/address>.*?<\/peer>/, ''),
        changes: [{ op: 'delete', path: P1 }],
      },
      {
        name: 'delete of a leaf (its value is not read)',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><description nc:operation="delete">anything</description></peer></bgp>`,
        expect: BASE.replace('<description>first</description>', ''),
        changes: [{ op: 'delete', path: `${P1}/bgp:description` }],
      },
      {
        name: 'delete of the last leaf of a non-presence container removes the container too',
        content: BASE.replace('<keepalive>10</keepalive>', ''),
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><timers><hold-time nc:operation="delete"/></timers></peer></bgp>`,
        expect: BASE.replace('<timers><hold-time>30</hold-time><keepalive>10</keepalive></timers>', ''),
        changes: [{ op: 'delete', path: `${P1}/bgp:timers/bgp:hold-time` }],
      },
      {
        name: 'delete of the presence container',
        edit: `<bgp xmlns="${BGP}" nc:operation="delete"/>`,
        expect: `<nacm xmlns="${ACM}"><enable-nacm>true</enable-nacm></nacm>`,
        changes: [{ op: 'delete', path: '/bgp:bgp' }],
      },
      {
        name: 'remove of an entry',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="remove"><address>10.0.0.2</address></peer></bgp>`,
        expect: BASE.replace('<peer><address>10.0.0.2</address><remote-as>65002</remote-as></peer>', ''),
        changes: [{ op: 'delete', path: P2 }],
      },
      {
        name: 'remove of what is not there: no error, no change',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="remove"><address>10.0.0.7</address></peer><peer><address>10.0.0.2</address><description nc:operation="remove"/></peer></bgp>`,
        expect: BASE,
        changes: [],
      },
      {
        name: 'none on a path leaves it alone: only the nested operation acts',
        edit: `<bgp xmlns="${BGP}" nc:operation="none"><local-as>1</local-as><peer><address>10.0.0.1</address><remote-as>7</remote-as><description nc:operation="merge">changed</description></peer></bgp>`,
        expect: BASE.replace('<description>first</description>', '<description>changed</description>'),
        changes: [{ op: 'modify', path: `${P1}/bgp:description` }],
      },
      {
        name: 'default-operation none: delete without creating the path',
        opts: { defaultOperation: 'none' },
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><timers><keepalive nc:operation="delete"/></timers></peer></bgp>`,
        expect: BASE.replace('<keepalive>10</keepalive>', ''),
        changes: [{ op: 'delete', path: `${P1}/bgp:timers/bgp:keepalive` }],
      },
      {
        name: 'default-operation none: a non-presence container counts as existing',
        opts: { defaultOperation: 'none' },
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.2</address><timers><hold-time nc:operation="create">60</hold-time></timers></peer></bgp>`,
        expect: BASE.replace('<remote-as>65002</remote-as>', '<remote-as>65002</remote-as><timers><hold-time>60</hold-time></timers>'),
        changes: [{ op: 'create', path: `${P2}/bgp:timers` }],
      },
      {
        name: 'default-operation replace: each top-level node given is replaced, the others stay',
        opts: { defaultOperation: 'replace' },
        edit: `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.254</router-id><peer><address>10.0.0.2</address><remote-as>65002</remote-as></peer></bgp>`,
        expect: `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.254</router-id><peer><address>10.0.0.2</address><remote-as>65002</remote-as></peer></bgp><nacm xmlns="${ACM}"><enable-nacm>true</enable-nacm></nacm>`,
        changes: [
          { op: 'delete', path: "/bgp:bgp/bgp:peer-group[bgp:name='core']" },
          { op: 'delete', path: P1 },
          { op: 'delete', path: POL },
        ],
      },
      {
        name: 'default-operation replace with a nested merge keeps what the merge does not name',
        opts: { defaultOperation: 'replace' },
        edit: `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.254</router-id><peer-group nc:operation="merge"><name>core</name></peer-group></bgp>`,
        expect: `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.254</router-id><peer-group><name>core</name><type>internal</type></peer-group></bgp><nacm xmlns="${ACM}"><enable-nacm>true</enable-nacm></nacm>`,
        changes: [
          { op: 'delete', path: P1 },
          { op: 'delete', path: P2 },
          { op: 'delete', path: POL },
        ],
      },
      {
        name: 'an edit of two modules at once',
        edit: `<nacm xmlns="${ACM}"><read-default>deny</read-default></nacm><bgp xmlns="${BGP}"><local-as>65100</local-as></bgp>`,
        expect: BASE.replace('<local-as>65001</local-as>', '<local-as>65100</local-as>').replace('<enable-nacm>true</enable-nacm>', '<enable-nacm>true</enable-nacm><read-default>deny</read-default>'),
        changes: [
          { op: 'create', path: '/nacm:nacm/nacm:read-default' },
          { op: 'modify', path: '/bgp:bgp/bgp:local-as' },
        ],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const r = run(c.content ?? BASE, c.edit, c.opts);
        assert.deepEqual(r.errors, []);
        assert.equal(show(r.content), same(c.expect));
        assert.deepEqual(r.changes, c.changes);
      });
    }

    it('shares what the edit did not touch (copy-on-write)', () => {
      const before = frozen(nodes(BASE));
      const r = applyEdit(registry, before, nodes(`<bgp xmlns="${BGP}"><peer><address>10.0.0.2</address><description>x</description></peer></bgp>`), MERGE);
      const [bgp] = r.content;
      assert.notEqual(bgp, before[0]);
      assert.equal(r.content[1], before[1], 'nacm is the same object');
      const peer1 = (els: readonly XmlElement[]): XmlElement | undefined => els.find((e) => e.name === 'peer' && e.children[0].text === '10.0.0.1');
      assert.equal(peer1(bgp.children), peer1(before[0].children), 'the other peer is the same object');
    });
  });

  describe('ordered-by user: insert, key and value (RFC 7950 section 7.8.6)', () => {
    const term = (name: string, attrs = ''): string => `<term ${attrs}><name>${name}</name><action>accept</action></term>`;
    const polEdit = (terms: string): string => `<bgp xmlns="${BGP}"><policy><name>pol</name>${terms}</policy></bgp>`;
    const T = (name: string): string => `${POL}/bgp:term[bgp:name='${name}']`;
    const cases: Case[] = [
      { name: 'a new entry goes last by default', edit: polEdit(term('t4')), expect: withTerms('t1', 't2', 't3', 't4'), changes: [{ op: 'create', path: T('t4') }] },
      { name: 'insert="first"', edit: polEdit(term('t4', 'yang:insert="first"')), expect: withTerms('t4', 't1', 't2', 't3'), changes: [{ op: 'create', path: T('t4') }] },
      { name: 'insert="last"', edit: polEdit(term('t4', 'yang:insert="last"')), expect: withTerms('t1', 't2', 't3', 't4'), changes: [{ op: 'create', path: T('t4') }] },
      { name: 'insert="before" key', edit: polEdit(term('t4', `yang:insert="before" yang:key="[b:name='t2']"`)), expect: withTerms('t1', 't4', 't2', 't3'), changes: [{ op: 'create', path: T('t4') }] },
      { name: 'insert="after" key (double quotes, spaces)', edit: polEdit(term('t4', `yang:insert="after" yang:key='[ b:name = "t2" ]'`)), expect: withTerms('t1', 't2', 't4', 't3'), changes: [{ op: 'create', path: T('t4') }] },
      { name: 'insert="after" the last entry', edit: polEdit(term('t4', `yang:insert="after" yang:key="[b:name='t3']"`)), expect: withTerms('t1', 't2', 't3', 't4'), changes: [{ op: 'create', path: T('t4') }] },
      { name: 'merge with insert moves an existing entry', edit: polEdit(`<term yang:insert="first"><name>t3</name></term>`), expect: withTerms('t3', 't1', 't2'), changes: [{ op: 'modify', path: T('t3') }] },
      { name: 'move after another', edit: polEdit(`<term yang:insert="after" yang:key="[b:name='t3']"><name>t1</name></term>`), expect: withTerms('t2', 't3', 't1'), changes: [{ op: 'modify', path: T('t1') }] },
      { name: 'move to where it is: no change', edit: polEdit(`<term yang:insert="before" yang:key="[b:name='t3']"><name>t2</name></term>`), expect: BASE, changes: [] },
      { name: 'placed next to itself: no change', edit: polEdit(`<term yang:insert="after" yang:key="[b:name='t2']"><name>t2</name></term>`), expect: BASE, changes: [] },
      {
        name: 'replace with insert replaces and moves',
        edit: polEdit(`<term nc:operation="replace" yang:insert="first"><name>t2</name><action>accept</action></term>`),
        expect: withTerms('<term><name>t2</name><action>accept</action></term>', 't1', 't3'),
        changes: [
          { op: 'modify', path: `${T('t2')}/bgp:action` },
          { op: 'modify', path: T('t2') },
        ],
      },
      {
        name: 'insert points see the entries created before them in the same edit',
        edit: polEdit(term('a', 'yang:insert="first"') + term('b', `yang:insert="after" yang:key="[b:name='a']"`)),
        expect: withTerms('a', 'b', 't1', 't2', 't3'),
        changes: [
          { op: 'create', path: T('a') },
          { op: 'create', path: T('b') },
        ],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const r = run(c.content ?? BASE, c.edit, c.opts);
        assert.deepEqual(r.errors, []);
        assert.equal(show(r.content), same(c.expect));
        assert.deepEqual(r.changes, c.changes);
      });
    }
  });

  describe('errors: each tag with its error-path', () => {
    const cases: ErrorCase[] = [
      {
        name: 'create of an existing entry: data-exists',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="create"><address>10.0.0.1</address></peer></bgp>`,
        error: { type: 'application', tag: 'data-exists', path: P1 },
      },
      {
        name: 'create of an existing leaf: data-exists',
        edit: `<bgp xmlns="${BGP}"><local-as nc:operation="create">1</local-as></bgp>`,
        error: { type: 'application', tag: 'data-exists', path: '/bgp:bgp/bgp:local-as' },
      },
      {
        name: 'delete of a missing entry: data-missing',
        edit: `<bgp xmlns="${BGP}"><peer nc:operation="delete"><address>10.0.0.9</address></peer></bgp>`,
        error: { type: 'application', tag: 'data-missing', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.9']" },
      },
      {
        name: 'delete of a missing leaf: data-missing',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.2</address><description nc:operation="delete"/></peer></bgp>`,
        error: { type: 'application', tag: 'data-missing', path: `${P2}/bgp:description` },
      },
      {
        name: 'delete of a missing top-level node: data-missing',
        content: '',
        edit: `<bgp xmlns="${BGP}" nc:operation="delete"/>`,
        error: { type: 'application', tag: 'data-missing', path: '/bgp:bgp' },
      },
      {
        name: 'default-operation none and a missing entry on the path: data-missing',
        opts: { defaultOperation: 'none' },
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.9</address><description nc:operation="remove"/></peer></bgp>`,
        error: { type: 'application', tag: 'data-missing', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.9']" },
      },
      {
        name: 'default-operation none and a missing presence container: data-missing',
        content: '',
        opts: { defaultOperation: 'none' },
        edit: `<bgp xmlns="${BGP}"><local-as nc:operation="merge">1</local-as></bgp>`,
        error: { type: 'application', tag: 'data-missing', path: '/bgp:bgp' },
      },
      {
        name: 'a list entry without its key: missing-element',
        edit: `<bgp xmlns="${BGP}"><peer><remote-as>1</remote-as></peer></bgp>`,
        error: { type: 'application', tag: 'missing-element', path: '/bgp:bgp/bgp:peer', info: { badElement: 'address' } },
      },
      {
        name: 'delete of an entry without its key: missing-element',
        edit: `<bgp xmlns="${BGP}"><policy><name>pol</name><term nc:operation="delete"/></policy></bgp>`,
        error: { type: 'application', tag: 'missing-element', path: `${POL}/bgp:term`, info: { badElement: 'name' } },
      },
      {
        name: 'an unknown element: unknown-element',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><colour>blue</colour></peer></bgp>`,
        error: { type: 'application', tag: 'unknown-element', path: `${P1}/bgp:colour`, info: { badElement: 'colour' } },
      },
      {
        name: 'an unknown top-level element of a known module: unknown-element',
        edit: `<routing xmlns="${BGP}"/>`,
        error: { type: 'application', tag: 'unknown-element', path: '/bgp:routing', info: { badElement: 'routing' } },
      },
      {
        name: 'an element of an unknown namespace: unknown-namespace',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><x xmlns="urn:example:other"/></peer></bgp>`,
        error: { type: 'application', tag: 'unknown-namespace', path: P1, info: { badElement: 'x', badNamespace: 'urn:example:other' } },
      },
      {
        name: 'a top-level element of an unknown namespace: unknown-namespace',
        edit: `<bgp xmlns="urn:example:other"/>`,
        error: { type: 'application', tag: 'unknown-namespace', path: '/', info: { badElement: 'bgp', badNamespace: 'urn:example:other' } },
      },
      {
        name: 'a top-level element in no namespace: unknown-namespace',
        edit: `<bgp/>`,
        error: { type: 'application', tag: 'unknown-namespace', path: '/', info: { badElement: 'bgp', badNamespace: '' } },
      },
      {
        name: 'a value its type refuses: invalid-value',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><remote-as>sixty</remote-as></peer></bgp>`,
        error: { type: 'application', tag: 'invalid-value', path: `${P1}/bgp:remote-as` },
      },
      {
        name: 'a value out of range: invalid-value',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><timers><hold-time>2</hold-time></timers></peer></bgp>`,
        error: { type: 'application', tag: 'invalid-value', path: `${P1}/bgp:timers/bgp:hold-time` },
      },
      {
        name: 'a key its type refuses: invalid-value',
        edit: `<bgp xmlns="${BGP}"><peer><address>300.0.0.1</address></peer></bgp>`,
        error: { type: 'application', tag: 'invalid-value', path: "/bgp:bgp/bgp:peer[bgp:address='300.0.0.1']/bgp:address" },
      },
      {
        name: 'a leaf with child elements: invalid-value',
        edit: `<bgp xmlns="${BGP}"><local-as><x/></local-as></bgp>`,
        error: { type: 'application', tag: 'invalid-value', path: '/bgp:bgp/bgp:local-as' },
      },
      {
        name: 'config false data in the edit: bad-element',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><state><session-state>idle</session-state></state></peer></bgp>`,
        error: { type: 'application', tag: 'bad-element', path: `${P1}/bgp:state`, info: { badElement: 'state' } },
      },
      {
        name: 'a config false top-level node: bad-element',
        edit: `<netconf-state xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"/>`,
        error: { type: 'application', tag: 'bad-element', path: '/ncm:netconf-state', info: { badElement: 'netconf-state' } },
      },
      {
        name: 'a leaf given twice: bad-element',
        edit: `<bgp xmlns="${BGP}"><local-as>1</local-as><local-as>2</local-as></bgp>`,
        error: { type: 'application', tag: 'bad-element', path: '/bgp:bgp/bgp:local-as', info: { badElement: 'local-as' } },
      },
      {
        name: 'an entry given twice: bad-element',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.5</address></peer><peer><address>10.0.0.5</address></peer></bgp>`,
        error: { type: 'application', tag: 'bad-element', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.5']", info: { badElement: 'peer' } },
      },
      {
        name: 'a key given twice in an entry: bad-element, the key is not changed',
        edit: `<bgp xmlns="${BGP}"><peer><address>10.0.0.1</address><address>10.0.0.9</address></peer></bgp>`,
        error: { type: 'application', tag: 'bad-element', path: `${P1}/bgp:address`, info: { badElement: 'address' } },
      },
      {
        name: 'an unknown operation: bad-attribute',
        edit: `<bgp xmlns="${BGP}"><local-as nc:operation="purge">1</local-as></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', path: '/bgp:bgp/bgp:local-as', info: { badAttribute: 'operation', badElement: 'local-as' } },
      },
      {
        name: 'an unknown NETCONF attribute: unknown-attribute',
        edit: `<bgp xmlns="${BGP}"><local-as nc:opration="delete">1</local-as></bgp>`,
        error: { type: 'protocol', tag: 'unknown-attribute', path: '/bgp:bgp/bgp:local-as', info: { badAttribute: 'opration', badElement: 'local-as' } },
      },
      {
        name: 'a key deleted apart from its entry: bad-attribute',
        edit: `<bgp xmlns="${BGP}"><peer><address nc:operation="delete">10.0.0.1</address></peer></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', path: `${P1}/bgp:address`, info: { badAttribute: 'operation', badElement: 'address' } },
      },
      {
        name: 'insert on an ordered-by system list: bad-attribute',
        edit: `<bgp xmlns="${BGP}"><peer yang:insert="first"><address>10.0.0.5</address></peer></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.5']", info: { badAttribute: 'insert', badElement: 'peer' } },
      },
      {
        name: 'insert on a leaf: bad-attribute',
        edit: `<bgp xmlns="${BGP}"><local-as yang:insert="first">1</local-as></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', path: '/bgp:bgp/bgp:local-as', info: { badAttribute: 'insert', badElement: 'local-as' } },
      },
      {
        name: 'an unknown insert value: bad-attribute',
        edit: `<bgp xmlns="${BGP}"><policy><name>pol</name><term yang:insert="middle"><name>t9</name></term></policy></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', path: `${POL}/bgp:term`, info: { badAttribute: 'insert', badElement: 'term' } },
      },
      {
        name: 'insert="before" without key: missing-attribute',
        edit: `<bgp xmlns="${BGP}"><policy><name>pol</name><term yang:insert="before"><name>t9</name><action>accept</action></term></policy></bgp>`,
        error: { type: 'protocol', tag: 'missing-attribute', path: `${POL}/bgp:term[bgp:name='t9']`, info: { badAttribute: 'key', badElement: 'term' } },
      },
      {
        name: 'a key attribute naming no entry: bad-attribute, missing-instance (RFC 7950 section 15.7)',
        edit: `<bgp xmlns="${BGP}"><policy><name>pol</name><term yang:insert="after" yang:key="[b:name='t7']"><name>t9</name><action>accept</action></term></policy></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', appTag: 'missing-instance', path: `${POL}/bgp:term[bgp:name='t9']`, info: { badAttribute: 'key', badElement: 'term' } },
      },
      {
        name: 'a malformed key attribute: bad-attribute',
        edit: `<bgp xmlns="${BGP}"><policy><name>pol</name><term yang:insert="after" yang:key="t1"><name>t9</name><action>accept</action></term></policy></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', path: `${POL}/bgp:term[bgp:name='t9']`, info: { badAttribute: 'key', badElement: 'term' } },
      },
      {
        name: 'a key attribute in another namespace: bad-attribute',
        edit: `<bgp xmlns="${BGP}"><policy><name>pol</name><term yang:insert="after" yang:key="[nc:name='t1']"><name>t9</name><action>accept</action></term></policy></bgp>`,
        error: { type: 'protocol', tag: 'bad-attribute', path: `${POL}/bgp:term[bgp:name='t9']`, info: { badAttribute: 'key', badElement: 'term' } },
      },
    ];
    for (const errorOption of ['stop-on-error', 'rollback-on-error'] as const) {
      for (const c of cases) {
        it(`${errorOption}: ${c.name}`, () => {
          const content = c.content ?? BASE;
          const r = run(content, c.edit, { ...c.opts, errorOption });
          assert.equal(r.errors.length, 1);
          assert.deepEqual(wire(r.errors[0]), c.error);
          assert.ok(r.errors[0].message.length > 0);
          assert.equal(show(r.content), same(content), 'content unchanged');
          assert.deepEqual(r.changes, []);
        });
      }
    }

    it('error-path namespaces name every prefix used', () => {
      const r = run(BASE, `<nacm xmlns="${ACM}"><groups><group><name>g</name><colour/></group></groups></nacm>`);
      assert.equal(r.errors[0].path, "/nacm:nacm/nacm:groups/nacm:group[nacm:name='g']/nacm:colour");
      assert.deepEqual(r.errors[0].pathNamespaces, { nacm: ACM });
    });
  });

  describe('error-option', () => {
    const edit = `<bgp xmlns="${BGP}">
      <local-as>65100</local-as>
      <peer><address>10.0.0.2</address><remote-as>bad</remote-as><description>kept</description></peer>
      <peer nc:operation="create"><address>10.0.0.1</address></peer>
      <peer-group><name>edge</name></peer-group>
    </bgp>`;
    for (const errorOption of ['stop-on-error', 'rollback-on-error'] as const) {
      it(`${errorOption}: the first error only, and nothing applied`, () => {
        const r = run(BASE, edit, { errorOption });
        assert.deepEqual(
          r.errors.map((e) => [e.tag, e.path]),
          [['invalid-value', `${P2}/bgp:remote-as`]],
        );
        assert.equal(show(r.content), same(BASE));
        assert.deepEqual(r.changes, []);
      });
    }
    it('continue-on-error: every error, and everything else applied', () => {
      const r = run(BASE, edit, { errorOption: 'continue-on-error' });
      assert.deepEqual(
        r.errors.map((e) => [e.tag, e.path]),
        [
          ['invalid-value', `${P2}/bgp:remote-as`],
          ['data-exists', P1],
        ],
      );
      assert.equal(
        show(r.content),
        same(
          BASE.replace('<local-as>65001</local-as>', '<local-as>65100</local-as>')
            .replace('<remote-as>65002</remote-as>', '<remote-as>65002</remote-as><description>kept</description>')
            .replace('<peer>', '<peer-group><name>edge</name></peer-group><peer>'),
        ),
      );
      assert.deepEqual(r.changes, [
        { op: 'modify', path: '/bgp:bgp/bgp:local-as' },
        { op: 'create', path: `${P2}/bgp:description` },
        { op: 'create', path: "/bgp:bgp/bgp:peer-group[bgp:name='edge']" },
      ]);
    });
    it('continue-on-error: a replace keeps what it could not replace', () => {
      const r = run(BASE, `<bgp xmlns="${BGP}"><peer nc:operation="replace"><address>10.0.0.1</address><remote-as>x</remote-as></peer></bgp>`, { errorOption: 'continue-on-error' });
      assert.deepEqual(
        r.errors.map((e) => e.tag),
        ['invalid-value'],
      );
      assert.equal(show(r.content), same(BASE.replace('<group>core</group><description>first</description><timers><hold-time>30</hold-time><keepalive>10</keepalive></timers>', '')));
    });
  });

  describe('a test module: choice, leaf-list ordered-by user, canonical forms, anydata', () => {
    let dir: string;
    let t: SchemaRegistry;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-edit-'));
      writeFileSync(
        path.join(dir, 'edit-test.yang'),
        `module edit-test {
          yang-version 1.1;
          namespace "${ET}";
          prefix et;
          identity base-id;
          identity one { base base-id; }
          container top {
            leaf-list ordered { type string; ordered-by user; }
            leaf-list plain { type uint8; }
            leaf dec { type decimal64 { fraction-digits 3; } }
            leaf flags { type bits { bit a { position 0; } bit b { position 1; } bit c { position 2; } } }
            leaf kind { type identityref { base base-id; } }
            choice transport {
              case tcp { leaf tcp-port { type uint16; } leaf nodelay { type boolean; } }
              case udp { leaf udp-port { type uint16; } }
            }
            anydata blob;
            container pres { presence "on"; leaf b { type string; } }
            list multi { key "x y"; ordered-by user; leaf x { type string; } leaf y { type uint8; } leaf v { type string; } }
          }
        }`,
      );
      t = SchemaRegistry.load(dir);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const top = (inner: string): string => `<top xmlns="${ET}">${inner}</top>`;
    const TOP = '/et:top';
    function runT(content: string, edit: string, opts: Partial<EditOptions> = {}): EditResult {
      const before = frozen(nodes(content));
      const r = applyEdit(t, before, frozen(nodes(edit)), { ...MERGE, ...opts });
      return r;
    }
    const cases: Case[] = [
      {
        name: 'leaf-list ordered-by user: insert before a value',
        content: top('<ordered>a</ordered><ordered>c</ordered>'),
        edit: top(`<ordered yang:insert="before" yang:value="c">b</ordered>`),
        expect: top('<ordered>a</ordered><ordered>b</ordered><ordered>c</ordered>'),
        changes: [{ op: 'create', path: `${TOP}/et:ordered[.='b']` }],
      },
      {
        name: 'leaf-list ordered-by user: move a value first',
        content: top('<ordered>a</ordered><ordered>b</ordered><ordered>c</ordered>'),
        edit: top(`<ordered yang:insert="first">c</ordered>`),
        expect: top('<ordered>c</ordered><ordered>a</ordered><ordered>b</ordered>'),
        changes: [{ op: 'modify', path: `${TOP}/et:ordered[.='c']` }],
      },
      {
        name: 'leaf-list: entries matched by canonical value, deleted by value',
        content: top('<plain>1</plain><plain>2</plain>'),
        edit: top(`<plain>01</plain><plain nc:operation="delete">+2</plain><plain>3</plain>`),
        expect: top('<plain>1</plain><plain>3</plain>'),
        changes: [
          { op: 'delete', path: `${TOP}/et:plain[.='2']` },
          { op: 'create', path: `${TOP}/et:plain[.='3']` },
        ],
      },
      {
        name: 'leaf-list: replace on the parent leaves exactly the values given',
        content: top('<plain>1</plain><plain>2</plain><dec>1.5</dec>'),
        edit: top(`<plain>2</plain><plain>5</plain>`),
        opts: { defaultOperation: 'replace' },
        expect: top('<plain>2</plain><plain>5</plain>'),
        changes: [
          { op: 'create', path: `${TOP}/et:plain[.='5']` },
          { op: 'delete', path: `${TOP}/et:plain[.='1']` },
          { op: 'delete', path: `${TOP}/et:dec` },
        ],
      },
      {
        name: 'decimal64, bits and identityref are stored in canonical form (RFC 7950 sections 9.3.2, 9.7.2, 9.10.3)',
        content: '',
        edit: `<top xmlns="${ET}" xmlns:x="${ET}"><dec>+007.250</dec><flags> c  a </flags><kind>x:one</kind></top>`,
        expect: `<top xmlns="${ET}"><dec>7.25</dec><flags>a c</flags><kind xmlns:et="${ET}">et:one</kind></top>`,
        changes: [{ op: 'create', path: TOP }],
      },
      {
        name: 'an identityref given with another prefix is the same value',
        content: `<top xmlns="${ET}"><kind xmlns:et="${ET}">et:one</kind></top>`,
        edit: `<top xmlns="${ET}" xmlns:other="${ET}"><kind>other:one</kind><dec>0</dec></top>`,
        expect: `<top xmlns="${ET}"><dec>0.0</dec><kind xmlns:et="${ET}">et:one</kind></top>`,
        changes: [{ op: 'create', path: `${TOP}/et:dec` }],
      },
      {
        name: 'creating a node of one case deletes the other cases (RFC 7950 section 7.9)',
        content: top('<tcp-port>80</tcp-port><nodelay>true</nodelay>'),
        edit: top('<udp-port>53</udp-port>'),
        expect: top('<udp-port>53</udp-port>'),
        changes: [
          { op: 'delete', path: `${TOP}/et:tcp-port` },
          { op: 'delete', path: `${TOP}/et:nodelay` },
          { op: 'create', path: `${TOP}/et:udp-port` },
        ],
      },
      {
        name: 'another node of the same case leaves the case alone',
        content: top('<tcp-port>80</tcp-port>'),
        edit: top('<nodelay>false</nodelay>'),
        expect: top('<tcp-port>80</tcp-port><nodelay>false</nodelay>'),
        changes: [{ op: 'create', path: `${TOP}/et:nodelay` }],
      },
      {
        name: 'anydata is set as a whole',
        content: top('<blob><a>1</a></blob>'),
        edit: top('<blob><b x="y">2</b></blob>'),
        expect: top('<blob><b x="y">2</b></blob>'),
        changes: [{ op: 'modify', path: `${TOP}/et:blob` }],
      },
      {
        name: 'an empty presence container exists',
        content: top(''),
        edit: top('<pres/>'),
        expect: top('<pres/>'),
        changes: [{ op: 'create', path: `${TOP}/et:pres` }],
      },
      {
        name: 'a list with two keys: matched on both, key attribute with both',
        content: top('<multi><x>a</x><y>1</y></multi><multi><x>a</x><y>2</y></multi>'),
        edit: top(`<multi><y>02</y><x>a</x><v>two</v></multi><multi yang:insert="before" yang:key="[et:x='a'][et:y='2']"><x>b</x><y>0</y></multi>`),
        expect: top('<multi><x>a</x><y>1</y></multi><multi><x>b</x><y>0</y></multi><multi><x>a</x><y>2</y><v>two</v></multi>'),
        changes: [
          { op: 'create', path: `${TOP}/et:multi[et:x='a'][et:y='2']/et:v` },
          { op: 'create', path: `${TOP}/et:multi[et:x='b'][et:y='0']` },
        ],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const r = runT(c.content ?? '', c.edit, c.opts);
        assert.deepEqual(r.errors, []);
        assert.equal(show(r.content), same(c.expect));
        assert.deepEqual(r.changes, c.changes);
      });
    }

    const errors: ErrorCase[] = [
      {
        name: 'two cases of one choice in one edit: bad-element',
        content: top(''),
        edit: top('<tcp-port>1</tcp-port><udp-port>2</udp-port>'),
        error: { type: 'application', tag: 'bad-element', path: `${TOP}/et:udp-port`, info: { badElement: 'udp-port' } },
      },
      {
        name: 'a value attribute naming no value: bad-attribute, missing-instance',
        content: top('<ordered>a</ordered>'),
        edit: top(`<ordered yang:insert="after" yang:value="z">b</ordered>`),
        error: { type: 'protocol', tag: 'bad-attribute', appTag: 'missing-instance', path: `${TOP}/et:ordered[.='b']`, info: { badAttribute: 'value', badElement: 'ordered' } },
      },
      {
        name: 'a key attribute without every key: bad-attribute',
        content: top('<multi><x>a</x><y>1</y></multi>'),
        edit: top(`<multi yang:insert="after" yang:key="[et:x='a']"><x>b</x><y>0</y></multi>`),
        error: { type: 'protocol', tag: 'bad-attribute', path: `${TOP}/et:multi[et:x='b'][et:y='0']`, info: { badAttribute: 'key', badElement: 'multi' } },
      },
      {
        name: 'create of an existing leaf-list value: data-exists',
        content: top('<plain>7</plain>'),
        edit: top(`<plain nc:operation="create">007</plain>`),
        error: { type: 'application', tag: 'data-exists', path: `${TOP}/et:plain[.='7']` },
      },
      {
        name: 'a leaf-list value its type refuses: invalid-value',
        content: top(''),
        edit: top(`<plain>256</plain>`),
        error: { type: 'application', tag: 'invalid-value', path: `${TOP}/et:plain` },
      },
      {
        name: 'an identityref naming no identity: invalid-value',
        content: top(''),
        edit: top(`<kind>et:two</kind>`),
        error: { type: 'application', tag: 'invalid-value', path: `${TOP}/et:kind` },
      },
    ];
    for (const c of errors) {
      it(c.name, () => {
        const r = runT(c.content ?? '', c.edit, c.opts);
        assert.equal(r.errors.length, 1, r.errors.map((e) => e.message).join('; '));
        assert.deepEqual(wire(r.errors[0]), c.error);
        assert.equal(show(r.content), same(c.content ?? ''));
      });
    }
  });

  describe('one entry at a time in a 10,000-entry list (its speed: npm run bench -- config)', () => {
    const peer = (i: number, description = `peer ${i}`): XmlElement =>
      elem(BGP, 'peer', [elem(BGP, 'address', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`), elem(BGP, 'remote-as', String(64512 + (i % 1000))), elem(BGP, 'description', description)]);
    const datastore = (n: number): XmlElement[] => [elem(BGP, 'bgp', [elem(BGP, 'local-as', '65001'), elem(BGP, 'router-id', '192.0.2.1'), ...Array.from({ length: n }, (_, i) => peer(i))])];
    const address = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const edits = (n: number, count: number): XmlElement[][] =>
      Array.from({ length: count }, (_, k) => {
        const i = (k * 7919) % n;
        switch (k % 4) {
          case 0: // modify one leaf of an existing entry
            return [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(i)), elem(BGP, 'description', `edit ${k}`)])])];
          case 1: // create a new entry
            return [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(n + k)), elem(BGP, 'remote-as', '65010')], [{ ns: NC, name: 'operation', value: 'create' }])])];
          case 2: // delete an entry
            return [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(i))], [{ ns: NC, name: 'operation', value: 'remove' }])])];
          default: // replace an entry
            return [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(i + 1)), elem(BGP, 'remote-as', '65011')], [{ ns: NC, name: 'operation', value: 'replace' }])])];
        }
      });
    it('1,000 single-entry edits (modify, create, remove, replace) against 10,000 entries keep the list whole', function () {
      this.timeout(60_000);
      let content = datastore(10_000);
      for (const config of edits(10_000, 1_000)) {
        const r = applyEdit(registry, content, config, MERGE);
        assert.deepEqual(r.errors, []);
        content = r.content;
      }
      // 250 entries created, at most 250 removed, some recreated by merge or replace
      const peers = content[0].children.filter((c) => c.name === 'peer').length;
      assert.ok(peers >= 10_000 && peers <= 10_500, `${peers} peers`);
      assert.equal(new Set(content[0].children.filter((c) => c.name === 'peer').map((c) => c.children[0].text)).size, peers, 'no duplicate keys');
    });

    it('the index stays right across versions: an old version edited again sees its own entries', () => {
      const v0 = datastore(100);
      const v1 = applyEdit(registry, v0, [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(5))], [{ ns: NC, name: 'operation', value: 'delete' }])])], MERGE);
      assert.deepEqual(v1.errors, []);
      // v0 still has peer 5; v1 does not
      const again = applyEdit(registry, v0, [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(5))], [{ ns: NC, name: 'operation', value: 'delete' }])])], MERGE);
      assert.deepEqual(again.errors, []);
      const inV1 = applyEdit(registry, v1.content, [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(5))], [{ ns: NC, name: 'operation', value: 'delete' }])])], MERGE);
      assert.deepEqual(
        inV1.errors.map((e) => e.tag),
        ['data-missing'],
      );
      const recreated = applyEdit(registry, v1.content, [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(5))], [{ ns: NC, name: 'operation', value: 'create' }])])], MERGE);
      assert.deepEqual(recreated.errors, []);
      const failed = applyEdit(registry, recreated.content, [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(6))], [{ ns: NC, name: 'operation', value: 'delete' }]), elem(BGP, 'local-as', 'x')])], MERGE);
      assert.equal(failed.errors.length, 1);
      // the failed edit handed nothing on: peer 6 is still found in the version it failed on
      const after = applyEdit(registry, recreated.content, [elem(BGP, 'bgp', [elem(BGP, 'peer', [elem(BGP, 'address', address(6))], [{ ns: NC, name: 'operation', value: 'create' }])])], MERGE);
      assert.deepEqual(
        after.errors.map((e) => e.tag),
        ['data-exists'],
      );
    });
  });
});
