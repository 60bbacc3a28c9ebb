import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyEdit } from '../../src/datastore/edit';
import { parseXml, serialize, XmlElement } from '../../src/model/xml';
import { withDefaults, WithDefaultsMode } from '../../src/yang/defaults';
import { NS } from '../../src/model/namespaces';
import { SchemaRegistry } from '../../src/yang/registry';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const ACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const DF = 'urn:ncbgp:test:defaults';

const MODULE = `module defaults-test {
  yang-version 1.1;
  namespace "${DF}";
  prefix df;
  identity base-id;
  identity one { base base-id; }
  container top {
    leaf dec { type decimal64 { fraction-digits 2; } default "01.50"; }
    leaf kind { type identityref { base base-id; } default "df:one"; }
    leaf-list ll { type uint8; default 1; default 2; }
    leaf guarded { when "../dec = 1.5"; type string; default "w"; }
    choice ch {
      default b;
      case a { leaf a1 { type string; default "a1"; } leaf a2 { type string; } }
      case b { leaf b1 { type string; default "b1"; } container bc { leaf b2 { type string; default "b2"; } } }
    }
    choice nodefault { leaf n1 { type string; default "n1"; } leaf n2 { type string; default "n2"; } }
    list entry { key k; leaf k { type string; default "never"; } leaf v { type uint8; default 7; } }
    container state { config false; leaf s { type string; default "s"; } }
  }
}`;

/** The children of an XML fragment, whitespace between elements dropped. */
const nodes = (xml: string): XmlElement[] => parseXml(`<x>${xml.replace(/>\s+</g, '><').trim()}</x>`).children;
const show = (els: readonly XmlElement[]): string => els.map((e) => serialize(e)).join('');
/** The stored form: what an edit of nothing keeps. */
const stored = (r: SchemaRegistry, xml: string): XmlElement[] => {
  const res = applyEdit(r, [], nodes(xml), { defaultOperation: 'merge', errorOption: 'stop-on-error' });
  assert.deepEqual(res.errors, []);
  return res.content;
};
const WD = `xmlns:wd="${NS.defaultAttribute}" wd:default="true"`;

let dir: string;
let t: SchemaRegistry;
let bgp: SchemaRegistry;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-defaults-'));
  writeFileSync(path.join(dir, 'defaults-test.yang'), MODULE);
  t = SchemaRegistry.load(dir);
  bgp = SchemaRegistry.load();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('yang/defaults (RFC 6243)', () => {
  const NACM_DEFAULTS = `<nacm xmlns="${ACM}"><enable-nacm>true</enable-nacm><read-default>permit</read-default><write-default>deny</write-default><exec-default>permit</exec-default><enable-external-groups>true</enable-external-groups></nacm>`;
  const PEER = `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.1</router-id>
    <peer><address>10.0.0.1</address><remote-as>65002</remote-as><passive>false</passive><timers><hold-time>30</hold-time></timers></peer></bgp>`;

  interface Case {
    name: string;
    registry: () => SchemaRegistry;
    content: string;
    mode: WithDefaultsMode;
    configOnly?: boolean;
    state?: string; // state data in the first node
    expect: string;
  }
  const cases: Case[] = [
    { name: 'explicit: as stored', registry: () => bgp, content: PEER, mode: 'explicit', expect: PEER },
    {
      name: 'report-all: ncbgp-bgp defaults where their parents exist, NACM defaults at top level',
      registry: () => bgp,
      content: PEER,
      mode: 'report-all',
      configOnly: true,
      expect:
        NACM_DEFAULTS +
        `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.1</router-id><listen><address>127.0.0.1</address><port>1179</port></listen><refresh-timing><quiet-period>1000</quiet-period><borr-wait>5000</borr-wait><timeout>120</timeout></refresh-timing>
          <peer><address>10.0.0.1</address><remote-as>65002</remote-as><remote-port>179</remote-port><passive>false</passive>
            <timers><hold-time>30</hold-time><connect-retry>120</connect-retry></timers><route-refresh>true</route-refresh><enhanced-route-refresh>true</enhanced-route-refresh></peer></bgp>`,
    },
    {
      name: 'report-all-tagged: defaults and explicit values equal to them are marked',
      registry: () => bgp,
      content: PEER,
      mode: 'report-all-tagged',
      configOnly: true,
      expect:
        `<nacm xmlns="${ACM}"><enable-nacm ${WD}>true</enable-nacm><read-default ${WD}>permit</read-default><write-default ${WD}>deny</write-default><exec-default ${WD}>permit</exec-default><enable-external-groups ${WD}>true</enable-external-groups></nacm>` +
        `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.1</router-id><listen><address ${WD}>127.0.0.1</address><port ${WD}>1179</port></listen><refresh-timing><quiet-period ${WD}>1000</quiet-period><borr-wait ${WD}>5000</borr-wait><timeout ${WD}>120</timeout></refresh-timing>
          <peer><address>10.0.0.1</address><remote-as>65002</remote-as><remote-port ${WD}>179</remote-port><passive ${WD}>false</passive>
            <timers><hold-time>30</hold-time><connect-retry ${WD}>120</connect-retry></timers><route-refresh ${WD}>true</route-refresh><enhanced-route-refresh ${WD}>true</enhanced-route-refresh></peer></bgp>`,
    },
    {
      name: 'trim: values equal to their default go, a container left empty goes too',
      registry: () => bgp,
      content: `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.1</router-id><listen><port>1179</port></listen>
        <peer><address>10.0.0.1</address><remote-port>179</remote-port><passive>true</passive><timers><hold-time>90</hold-time><connect-retry>60</connect-retry></timers></peer></bgp>
        <nacm xmlns="${ACM}"><enable-nacm>true</enable-nacm><read-default>deny</read-default></nacm>`,
      mode: 'trim',
      expect: `<nacm xmlns="${ACM}"><read-default>deny</read-default></nacm><bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.1</router-id>
        <peer><address>10.0.0.1</address><passive>true</passive><timers><connect-retry>60</connect-retry></timers></peer></bgp>`,
    },
    { name: 'report-all of nothing: the top-level non-presence container of an implemented module', registry: () => bgp, content: '', mode: 'report-all', configOnly: true, expect: NACM_DEFAULTS },
    {
      name: 'report-all: canonical defaults (decimal64, identityref), leaf-list defaults, the default case, no defaults for keys or when',
      registry: () => t,
      content: `<top xmlns="${DF}"><entry><k>x</k></entry></top>`,
      mode: 'report-all',
      configOnly: true,
      expect: `<top xmlns="${DF}"><dec>1.5</dec><kind xmlns:df="${DF}">df:one</kind><ll>1</ll><ll>2</ll><b1>b1</b1><bc><b2>b2</b2></bc><entry><k>x</k><v>7</v></entry></top>`,
    },
    {
      name: 'report-all: the case that has nodes gives its defaults, not the default case',
      registry: () => t,
      content: `<top xmlns="${DF}"><a2>x</a2><n2>y</n2></top>`,
      mode: 'report-all',
      configOnly: true,
      expect: `<top xmlns="${DF}"><dec>1.5</dec><kind xmlns:df="${DF}">df:one</kind><ll>1</ll><ll>2</ll><a1>a1</a1><a2>x</a2><n2>y</n2></top>`,
    },
    {
      name: 'report-all with state: config false defaults too',
      registry: () => t,
      content: `<top xmlns="${DF}"><a2>x</a2></top>`,
      mode: 'report-all',
      expect: `<top xmlns="${DF}"><dec>1.5</dec><kind xmlns:df="${DF}">df:one</kind><ll>1</ll><ll>2</ll><a1>a1</a1><a2>x</a2><state><s>s</s></state></top>`,
    },
    {
      name: 'report-all-tagged: a leaf-list is marked when its values are its defaults',
      registry: () => t,
      content: `<top xmlns="${DF}"><dec>1.5</dec><ll>1</ll><ll>2</ll><a1>other</a1></top>`,
      mode: 'report-all-tagged',
      configOnly: true,
      expect: `<top xmlns="${DF}"><dec ${WD}>1.5</dec><kind xmlns:df="${DF}" ${WD}>df:one</kind><ll ${WD}>1</ll><ll ${WD}>2</ll><a1>other</a1></top>`,
    },
    {
      name: 'trim: canonical comparison, leaf-lists equal to their defaults, keys kept',
      registry: () => t,
      content: `<top xmlns="${DF}"><dec>1.50</dec><kind xmlns:x="${DF}">x:one</kind><ll>2</ll><ll>1</ll><entry><k>never</k><v>7</v></entry></top>`,
      state: `<state xmlns="${DF}"><s>s</s></state>`,
      mode: 'trim',
      expect: `<top xmlns="${DF}"><ll>2</ll><ll>1</ll><entry><k>never</k></entry></top>`,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = c.registry();
      const input = stored(r, c.content);
      // state data comes from the server, not from an edit
      if (c.state) input[0] = { ...input[0], children: [...input[0].children, ...nodes(c.state)] };
      const before = show(input);
      const out = withDefaults(r, input, c.mode, { configOnly: c.configOnly });
      assert.equal(show(out), show(nodes(c.expect)));
      assert.equal(show(input), before, 'input unchanged');
    });
  }

  it('the wd attribute is declared where it is used: the output parses, with wd:default in its namespace', () => {
    const out = withDefaults(bgp, stored(bgp, PEER), 'report-all-tagged', { configOnly: true });
    const back = parseXml(`<data>${show(out)}</data>`);
    const port = back.children[1].children.find((c) => c.name === 'listen')?.children.find((c) => c.name === 'port');
    assert.deepEqual(port?.attrs.map((a) => [a.ns, a.name, a.value]), [[NS.defaultAttribute, 'default', 'true']]);
  });

  it('unchanged subtrees are shared', () => {
    const input = stored(t, `<top xmlns="${DF}"><entry><k>x</k><v>1</v></entry><entry><k>y</k><v>2</v></entry></top>`);
    const out = withDefaults(t, input, 'trim');
    assert.equal(out[0], input[0], 'nothing to trim: the same node');
    const all = withDefaults(t, input, 'report-all', { configOnly: true });
    const entries = (els: readonly XmlElement[]): XmlElement[] => els[0].children.filter((c) => c.name === 'entry');
    assert.equal(entries(all)[0], entries(input)[0]);
    assert.equal(entries(all)[1], entries(input)[1]);
    assert.deepEqual(withDefaults(t, input, 'explicit'), input);
  });

  it('report-all of 10,000 peers', function () {
    this.timeout(20_000);
    const peers = Array.from({ length: 10_000 }, (_, i) => `<peer><address>10.0.${i >> 8}.${i & 255}</address><remote-as>65002</remote-as></peer>`).join('');
    const input = stored(bgp, `<bgp xmlns="${BGP}"><local-as>65001</local-as><router-id>192.0.2.1</router-id>${peers}</bgp>`);
    const out = withDefaults(bgp, input, 'report-all', { configOnly: true });
    const last = out[1].children[out[1].children.length - 1];
    assert.equal(show([last]), show(nodes(`<peer xmlns="${BGP}"><address>10.0.39.15</address><remote-as>65002</remote-as><remote-port>179</remote-port><passive>false</passive><timers><hold-time>90</hold-time><connect-retry>120</connect-retry></timers><route-refresh>true</route-refresh><enhanced-route-refresh>true</enhanced-route-refresh></peer>`)));
  });
});
