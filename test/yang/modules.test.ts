// The YANG contract (DESIGN.md section 2) checked by two independent
// validators, yanglint (libyang 2.1) and yangdump (yuma123 2.13), and by
// yanglint on instance data: configuration, state, the refresh RPCs, their
// replies and notifications as they go on the wire.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseYangStatements, subArg } from '../../src/yang/statements';
import { requireTool } from '../helpers/interop';
import { yanglint } from '../helpers/yanglint';
import { lintModule, LintOptions } from './rfc8407';

const YANG_DIR = path.join(__dirname, '..', '..', 'yang');
const IETF_DIR = path.join(YANG_DIR, 'ietf');
const OWN_MODULES = ['ncbgp-bgp', 'ncbgp-refresh', 'ncbgp-deviations'];

/** The standard modules the server implements or imports, as name@revision. */
const IETF_MODULES = [
  'ietf-netconf@2011-06-01',
  'ietf-netconf-monitoring@2010-10-04',
  'ietf-netconf-notifications@2012-02-06',
  'ietf-netconf-with-defaults@2011-06-01',
  'ietf-netconf-acm@2018-02-14',
  'ietf-inet-types@2013-07-15',
  'ietf-yang-types@2013-07-15',
  'ietf-yang-library@2019-01-04',
  'ietf-datastores@2018-02-14',
  // RFC 8526 NMDA operations and RFC 8342 origin, with the metadata extension origin uses (RFC 7952)
  'ietf-netconf-nmda@2019-01-07',
  'ietf-origin@2018-02-14',
  'ietf-yang-metadata@2016-08-05',
  // RFC 8639 subscribed notifications, and what it imports (import-only)
  'ietf-subscribed-notifications@2019-09-09',
  'ietf-restconf@2017-01-26',
  'ietf-network-instance@2019-01-21',
  'ietf-yang-schema-mount@2019-01-14',
  'ietf-interfaces@2018-02-20',
  'ietf-ip@2018-02-22',
  // RFC 8641 YANG-Push, and the YANG Patch it imports (RFC 8072, import-only)
  'ietf-yang-push@2019-09-09',
  'ietf-yang-patch@2017-02-22',
  // RFC 9196: which nodes support on-change, and the periods the server takes
  'ietf-system-capabilities@2022-02-17',
  'ietf-notification-capabilities@2022-02-17',
  'notifications@2008-07-14',
  'nc-notifications@2008-07-14',
  // yuma123's extension module, imported by its RFC 5277 "notifications" module
  'yuma-ncx@2012-01-13',
];

/** Where Debian's libyang2 and libyuma-base packages keep the originals. */
const REFERENCE_DIRS = ['/usr/share/yang/modules/libyang', '/usr/share/yuma/modules', '/usr/share/yuma/nmda-modules'];

/**
 * Modules no Debian package ships, as their RFCs publish them (taken from
 * the modules/ directory of CESNET/netopeer2, whose copies are the RFC
 * text): SHA-256 of the file, so a copy never drifts from what was checked.
 */
const RFC_ONLY: Readonly<Record<string, string>> = {
  'ietf-subscribed-notifications@2019-09-09': '22b32d6411d42a2c9cb88731ee91564bd317b81a3eeb928ee7a7cda1f7a8e85f',
  'ietf-restconf@2017-01-26': 'e757021148926cc9b39b593598a2bd8f212423c68ea1cbb1ed1b65532d091297',
  'ietf-network-instance@2019-01-21': '347ae9aa1c85c8d78076c60e9ddaa8b823053cb49d14aa1dca502e76f86ae678',
  'ietf-yang-schema-mount@2019-01-14': '3de4d3517243aa805a49d88b42cfd8e4ada59b9500852fb3a4aab8ae7fcdb997',
  'ietf-yang-push@2019-09-09': 'c6d91f834c1f24175999fda6081c376a290c8afc2ffb439bc1d6d17f17105e74',
  'ietf-yang-patch@2017-02-22': '69cb8502718e0960d068bc2a5ea03daf8b5579b4a08b80146f4c11b875e465e9',
  'ietf-system-capabilities@2022-02-17': '142b6a2a8d43cef78456b75794fe161b8d390e38539b74f602a90e986712290e',
  'ietf-notification-capabilities@2022-02-17': '6f49cebd51d3c15a52d87147295d3099d09f938d1977d9b35097dbf4618710ba',
};

interface Run {
  status: number | null;
  output: string;
}

function run(command: string, args: string[], cwd?: string): Run {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, cwd });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const SEARCH_PATH = ['-p', YANG_DIR, '-p', IETF_DIR];

let scratch = '';
/** Writes `text` to a scratch file and returns its path. */
function file(name: string, text: string): string {
  const p = path.join(scratch, name);
  writeFileSync(p, text);
  return p;
}

/** yanglint over instance data of `type` against both ncbgp modules; `flags`: further data files by flag (-O, -R) and their content. */
function yanglintData(type: string, xml: string, flags: Record<string, string> = {}): Run {
  return yanglint({ type, modules: ['yang/ncbgp-bgp.yang', 'yang/ncbgp-refresh.yang'], file: `${type}.xml`, data: xml, flags, dir: scratch });
}

function moduleHeader(text: string): { name: string; revision: string } {
  const name = /^\s*module\s+([A-Za-z0-9_.-]+)/m.exec(text);
  const revision = /\brevision\s+"?(\d{4}-\d{2}-\d{2})/.exec(text);
  assert.ok(name && revision, 'module name and revision');
  return { name: name[1], revision: revision[1] };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const NS_REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NS_BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NS_NOTIF = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

const CONFIG = `<bgp xmlns="${NS_BGP}">
  <local-as>65000</local-as>
  <router-id>192.0.2.100</router-id>
  <listen><address>127.0.0.1</address><port>1179</port></listen>
  <peer-group>
    <name>core</name>
    <type>internal</type>
    <remote-as>65000</remote-as>
    <mvpn><keep-all-routes>true</keep-all-routes></mvpn>
  </peer-group>
  <peer>
    <address>192.0.2.1</address>
    <group>core</group>
    <timers><hold-time>90</hold-time><keepalive>30</keepalive></timers>
    <mvpn><import-policy>mvpn-in</import-policy></mvpn>
  </peer>
  <peer>
    <address>192.0.2.2</address>
    <remote-as>65001</remote-as>
    <remote-port>1179</remote-port>
    <passive>true</passive>
    <enhanced-route-refresh>false</enhanced-route-refresh>
  </peer>
  <policy>
    <name>mvpn-in</name>
    <term>
      <name>c-multicast</name>
      <match>
        <route-type>shared-tree-join</route-type>
        <route-type>source-tree-join</route-type>
        <route-distinguisher>65000:100</route-distinguisher>
        <route-target>target:192.0.2.100:7</route-target>
      </match>
      <action>accept</action>
    </term>
    <default-action>reject</default-action>
  </policy>
  <mvpn-route>
    <name>i-pmsi</name>
    <route-type>intra-as-i-pmsi-ad</route-type>
    <route-distinguisher>65000:100</route-distinguisher>
    <originating-router>192.0.2.100</originating-router>
    <route-target>target:65000:100</route-target>
  </mvpn-route>
  <mvpn-route>
    <name>inter-as</name>
    <route-type>inter-as-i-pmsi-ad</route-type>
    <route-distinguisher>4200000000:1</route-distinguisher>
    <source-as>65000</source-as>
  </mvpn-route>
  <mvpn-route>
    <name>s-pmsi-wildcard</name>
    <route-type>s-pmsi-ad</route-type>
    <route-distinguisher>192.0.2.100:1</route-distinguisher>
    <originating-router>192.0.2.100</originating-router>
    <multicast-source>*</multicast-source>
    <multicast-group>232.1.1.1</multicast-group>
  </mvpn-route>
  <mvpn-route>
    <name>leaf</name>
    <route-type>leaf-ad</route-type>
    <originating-router>192.0.2.100</originating-router>
    <route-key>
      <route-type>s-pmsi-ad</route-type>
      <route-distinguisher>65000:200</route-distinguisher>
      <originating-router>192.0.2.7</originating-router>
      <multicast-source>10.0.0.1</multicast-source>
      <multicast-group>232.1.1.1</multicast-group>
    </route-key>
  </mvpn-route>
  <mvpn-route>
    <name>source-active</name>
    <route-type>source-active-ad</route-type>
    <route-distinguisher>65000:100</route-distinguisher>
    <multicast-source>10.0.0.1</multicast-source>
    <multicast-group>232.1.1.1</multicast-group>
  </mvpn-route>
  <mvpn-route>
    <name>shared-join</name>
    <route-type>shared-tree-join</route-type>
    <route-distinguisher>65000:100</route-distinguisher>
    <source-as>65000</source-as>
    <multicast-source>10.0.0.254</multicast-source>
    <multicast-group>239.1.1.1</multicast-group>
  </mvpn-route>
  <mvpn-route>
    <name>source-join</name>
    <route-type>source-tree-join</route-type>
    <route-distinguisher>65000:100</route-distinguisher>
    <source-as>65000</source-as>
    <multicast-source>10.0.0.1</multicast-source>
    <multicast-group>232.1.1.1</multicast-group>
  </mvpn-route>
</bgp>
`;

const rpc = (body: string, name = 'refresh-bgp-mvpn'): string =>
  `<rpc xmlns="${NS_BASE}" message-id="101">
  <${name} xmlns="${NS_REFRESH}">${body}</${name}>
</rpc>
`;

const notification = (body: string): string =>
  `<notification xmlns="${NS_NOTIF}">
  <eventTime>2026-11-25T10:00:02Z</eventTime>
  ${body}
</notification>
`;

const PEER_REFRESH_COMPLETE = `<peer-refresh-complete xmlns="${NS_REFRESH}">
    <operation-id>7</operation-id>
    <peer-address>192.0.2.1</peer-address>
    <afi-safi xmlns:bgp="${NS_BGP}">bgp:ipv4-mvpn</afi-safi>
    <direction>import</direction>
    <status>completed</status>
    <completion>eorr</completion>
    <routes>42</routes>
    <start-time>2026-11-25T10:00:00Z</start-time>
    <end-time>2026-11-25T10:00:01.25Z</end-time>
  </peer-refresh-complete>`;

describe('YANG modules', function () {
  before(function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'ncbgp-yang-'));
  });
  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('yang/ietf', function () {
    it('holds exactly the standard modules, each file named after its module and newest revision', function () {
      assert.deepEqual(
        readdirSync(IETF_DIR).sort(),
        IETF_MODULES.map((m) => `${m}.yang`).sort(),
      );
      for (const m of IETF_MODULES) {
        const { name, revision } = moduleHeader(readFileSync(path.join(IETF_DIR, `${m}.yang`), 'utf8'));
        assert.equal(`${name}@${revision}`, m);
      }
    });

    it('keeps the IETF Trust license notice in every ietf-* module', function () {
      for (const m of IETF_MODULES.filter((n) => n.startsWith('ietf-'))) {
        const text = readFileSync(path.join(IETF_DIR, `${m}.yang`), 'utf8');
        assert.match(text, /Copyright \(c\) [\d -]+ IETF Trust/, m);
        // RFCs since the IETF Trust Legal Provisions of 2021 name it the Revised BSD License
        assert.match(text, /(Simplified|Revised)\s+BSD\s+License/, m);
      }
    });

    it('are byte-for-byte copies of the Debian-packaged originals', function () {
      requireTool(this, 'yanglint', 'package libyang2-tools brings the libyang copies');
      requireTool(this, 'yangdump', 'package yangdump brings the yuma123 copies');
      const originals = REFERENCE_DIRS.flatMap(filesUnder).filter((f) => f.endsWith('.yang'));
      for (const m of IETF_MODULES.filter((n) => RFC_ONLY[n] === undefined)) {
        const copy = readFileSync(path.join(IETF_DIR, `${m}.yang`));
        const name = m.split('@')[0];
        const candidates = originals.filter((f) => [`${m}.yang`, `${name}.yang`].includes(path.basename(f)));
        assert.ok(
          candidates.some((f) => copy.equals(readFileSync(f))),
          `${m}.yang matches none of: ${candidates.join(', ') || '(no original found)'}`,
        );
      }
    });
  });

  it('the modules no Debian package ships are the RFC text as taken', function () {
    for (const [m, digest] of Object.entries(RFC_ONLY)) {
      assert.ok(IETF_MODULES.includes(m), m);
      assert.equal(createHash('sha256').update(readFileSync(path.join(IETF_DIR, `${m}.yang`))).digest('hex'), digest, m);
    }
  });

  describe('yanglint (libyang)', function () {
    before(function () {
      requireTool(this, 'yanglint', 'package libyang2-tools');
    });

    for (const m of OWN_MODULES) {
      // -D: no module from the working directory; a warning fails as an error does
      it(`${m} compiles with no error and no warning`, function () {
        const r = run('yanglint', ['-D', ...SEARCH_PATH, path.join(YANG_DIR, `${m}.yang`)]);
        assert.equal(r.output, '');
        assert.equal(r.status, 0);
      });
    }

    it('our modules compile together, printed back as YANG with no warning', function () {
      const r = run('yanglint', ['-D', ...SEARCH_PATH, '-f', 'yang', '-o', '/dev/null', ...OWN_MODULES.map((m) => path.join(YANG_DIR, `${m}.yang`))]);
      assert.equal(r.output, '');
      assert.equal(r.status, 0);
    });

    it('every module in yang/ietf compiles with no error', function () {
      for (const m of IETF_MODULES) {
        const r = run('yanglint', ['-p', IETF_DIR, path.join(IETF_DIR, `${m}.yang`)]);
        assert.equal(r.status, 0, `${m}: ${r.output}`);
        assert.doesNotMatch(r.output, /err/i, m);
      }
    });

    describe('configuration', function () {
      it('accepts a configuration using every list and MVPN route type', function () {
        const r = yanglintData('config', CONFIG);
        assert.equal(r.output, '');
        assert.equal(r.status, 0);
      });

      const invalid: { name: string; edit: [string, string]; error: RegExp }[] = [
        {
          name: 'a wildcard source outside an S-PMSI A-D route',
          edit: ['<multicast-source>10.0.0.254</multicast-source>', '<multicast-source>*</multicast-source>'],
          error: /wildcard source is only allowed in an S-PMSI A-D route/,
        },
        {
          name: 'an RD on a leaf A-D route',
          edit: [
            '<route-type>leaf-ad</route-type>',
            '<route-type>leaf-ad</route-type><route-distinguisher>1:1</route-distinguisher>',
          ],
          error: /When condition .* not satisfied/,
        },
        {
          name: 'an intra-AS I-PMSI A-D route without its originating router',
          edit: ['<originating-router>192.0.2.100</originating-router>\n    <route-target>', '<route-target>'],
          error: /Mandatory node "originating-router"/,
        },
        {
          name: 'a 4-octet-AS RD with a number above 65535',
          edit: ['4200000000:1', '4200000000:70000'],
          error: /route-distinguisher/,
        },
        {
          name: 'a route target without the target: prefix',
          edit: ['target:65000:100', '65000:100'],
          error: /route-target/,
        },
        {
          name: 'a hold time of 2 seconds',
          edit: ['<hold-time>90</hold-time>', '<hold-time>2</hold-time>'],
          error: /hold-time/,
        },
        {
          name: 'a peer group name of 48 characters',
          edit: ['<name>core</name>', `<name>${'g'.repeat(48)}</name>`],
          error: /length/,
        },
        {
          name: 'an import policy that is not configured',
          edit: ['<import-policy>mvpn-in</import-policy>', '<import-policy>nope</import-policy>'],
          error: /no target instance/,
        },
        {
          name: 'a peer in a group that is not configured',
          edit: ['<group>core</group>', '<group>Core</group>'],
          error: /no target instance/,
        },
      ];
      for (const c of invalid) {
        it(`rejects ${c.name}`, function () {
          assert.ok(CONFIG.includes(c.edit[0]), 'fixture contains the text to edit');
          const r = yanglintData('config', CONFIG.replace(c.edit[0], c.edit[1]));
          assert.notEqual(r.status, 0);
          assert.match(r.output, c.error);
        });
      }
    });

    it('accepts operational state: peer session, counters and recent refresh operations', function () {
      const state = `<state>
      <session-state>established</session-state>
      <uptime>3600</uptime>
      <negotiated>
        <afi-safi xmlns:bgp="${NS_BGP}">bgp:ipv4-mvpn</afi-safi>
        <afi-safi xmlns:bgp="${NS_BGP}">bgp:ipv4-unicast</afi-safi>
        <route-refresh>true</route-refresh>
        <enhanced-route-refresh>true</enhanced-route-refresh>
        <four-octet-as>true</four-octet-as>
        <hold-time>90</hold-time>
      </negotiated>
      <mvpn><received>10</received><accepted>8</accepted><advertised>7</advertised></mvpn>
      <last-refresh><import>2026-11-25T10:00:01Z</import></last-refresh>
    </state>
  </peer>`;
      const operations = `<refresh-operations xmlns="${NS_REFRESH}">
  <operation>
    <operation-id>7</operation-id>
    <afi-safi xmlns:bgp="${NS_BGP}">bgp:ipv4-mvpn</afi-safi>
    <selector><group>since-deleted</group></selector>
    <direction>import</direction>
    <start-time>2026-11-25T10:00:00Z</start-time>
    <end-time>2026-11-25T10:00:01Z</end-time>
    <counts><selected>2</selected><completed>1</completed><skipped>1</skipped><failed>0</failed></counts>
    <peer>
      <peer-address>192.0.2.1</peer-address>
      <status>completed</status>
      <completion>local</completion>
      <routes>10</routes>
    </peer>
    <peer>
      <peer-address>192.0.2.2</peer-address>
      <status>skipped</status>
      <reason>session not established</reason>
    </peer>
  </operation>
</refresh-operations>
`;
      const data = CONFIG.replace('</mvpn>\n  </peer>', `</mvpn>\n    ${state}`) + operations;
      assert.notEqual(data, CONFIG + operations, 'state inserted');
      const r = yanglintData('data', data);
      assert.equal(r.output, '');
      assert.equal(r.status, 0);
    });

    describe('refresh RPCs (nc-rpc: as received inside <rpc>)', function () {
      const valid: { name: string; request: string; operational?: boolean }[] = [
        { name: 'all import', request: rpc('<all/><direction>import</direction>') },
        {
          name: 'one peer export',
          request: rpc('<peer-address>192.0.2.1</peer-address><direction>export</direction>'),
        },
        {
          name: 'a configured group',
          request: rpc('<group>core</group><direction>import</direction>'),
          operational: true,
        },
        { name: 'external', request: rpc('<external/><direction>export</direction>') },
        { name: 'internal', request: rpc('<internal/><direction>import</direction>') },
        {
          name: 'generic refresh-bgp for ipv4-unicast',
          request: rpc(
            `<afi-safi xmlns:bgp="${NS_BGP}">bgp:ipv4-unicast</afi-safi><all/><direction>export</direction>`,
            'refresh-bgp',
          ),
        },
      ];
      for (const c of valid) {
        it(`accepts ${c.name}`, function () {
          const r = yanglintData('nc-rpc', c.request, c.operational ? { '-O': CONFIG } : {});
          assert.equal(r.output, '');
          assert.equal(r.status, 0);
        });
      }

      const invalid: { name: string; body: string; error: RegExp }[] = [
        {
          name: 'two cases of the peers choice',
          body: '<all/><peer-address>192.0.2.1</peer-address><direction>import</direction>',
          error: /Data for both cases "all" and "peer-address" exist/,
        },
        { name: 'no peers selector', body: '<direction>import</direction>', error: /Mandatory choice "peers"/ },
        { name: 'no direction', body: '<all/>', error: /Mandatory node "direction"/ },
        { name: 'direction both', body: '<all/><direction>both</direction>', error: /Invalid enumeration value "both"/ },
        {
          name: 'an IPv6 peer address',
          body: '<peer-address>2001:db8::1</peer-address><direction>import</direction>',
          error: /Unsatisfied pattern/,
        },
        {
          name: 'a group that is not configured',
          body: '<group>core</group><direction>import</direction>',
          error: /no target instance/,
        },
        {
          name: 'an unknown element',
          body: '<all/><direction>import</direction><soft/>',
          error: /Node "soft" not found/,
        },
      ];
      for (const c of invalid) {
        it(`rejects ${c.name}`, function () {
          const r = yanglintData('nc-rpc', rpc(c.body));
          assert.notEqual(r.status, 0);
          assert.match(r.output, c.error);
        });
      }

      it('accepts a reply with operation-id, selected and skipped peers', function () {
        const request = rpc('<all/><direction>import</direction>');
        const reply = `<rpc-reply xmlns="${NS_BASE}" message-id="101">
  <operation-id xmlns="${NS_REFRESH}">7</operation-id>
  <selected-peer xmlns="${NS_REFRESH}"><peer-address>192.0.2.1</peer-address></selected-peer>
  <skipped-peer xmlns="${NS_REFRESH}">
    <peer-address>192.0.2.2</peer-address>
    <reason>peer does not support route-refresh</reason>
  </skipped-peer>
</rpc-reply>
`;
        const r = yanglintData('nc-reply', reply, { '-R': request });
        assert.equal(r.output, '');
        assert.equal(r.status, 0);
      });
    });

    describe('notifications (nc-notif: inside <notification> with eventTime)', function () {
      it('accepts peer-refresh-complete', function () {
        const r = yanglintData('nc-notif', notification(PEER_REFRESH_COMPLETE));
        assert.equal(r.output, '');
        assert.equal(r.status, 0);
      });

      it('accepts refresh-complete with its counts', function () {
        const body = `<refresh-complete xmlns="${NS_REFRESH}">
    <operation-id>7</operation-id>
    <selected>3</selected><completed>1</completed><skipped>1</skipped><failed>1</failed>
  </refresh-complete>`;
        const r = yanglintData('nc-notif', notification(body));
        assert.equal(r.output, '');
        assert.equal(r.status, 0);
      });

      const invalid: { name: string; edit: [string, string]; error: RegExp }[] = [
        { name: 'status done', edit: ['>completed<', '>done<'], error: /Invalid enumeration value "done"/ },
        { name: 'an unknown address family', edit: ['bgp:ipv4-mvpn', 'bgp:l2vpn-evpn'], error: /identity not found/ },
        { name: 'a bad end-time', edit: ['2026-11-25T10:00:01.25Z', 'yesterday'], error: /end-time/ },
      ];
      for (const c of invalid) {
        it(`rejects peer-refresh-complete with ${c.name}`, function () {
          assert.ok(PEER_REFRESH_COMPLETE.includes(c.edit[0]), 'fixture contains the text to edit');
          const r = yanglintData('nc-notif', notification(PEER_REFRESH_COMPLETE.replace(c.edit[0], c.edit[1])));
          assert.notEqual(r.status, 0);
          assert.match(r.output, c.error);
        });
      }
    });
  });

  describe('RFC 8407 guidelines (the points pyang --lint checks)', function () {
    const LINT: LintOptions = { modulePrefix: 'ncbgp', namespacePrefix: 'urn:ncbgp:yang:' };

    for (const m of OWN_MODULES) {
      it(`${m} follows them`, function () {
        assert.deepEqual(lintModule(readFileSync(path.join(YANG_DIR, `${m}.yang`), 'utf8'), LINT), []);
      });
    }

    it('every module under yang/ has a prefix of its own (RFC 8407 section 4.2)', function () {
      const prefixes = [...OWN_MODULES.map((m) => path.join(YANG_DIR, `${m}.yang`)), ...readdirSync(IETF_DIR).map((f) => path.join(IETF_DIR, f))].map((f) => subArg(parseYangStatements(readFileSync(f, 'utf8')), 'prefix'));
      assert.deepEqual(
        prefixes.filter((p, i) => prefixes.indexOf(p) !== i),
        [],
      );
    });

    it('finds each problem in a module that has them (the check can fail)', function () {
      const bad = `module bgp_Extra {
	namespace "urn:other:bgp_Extra";
  prefix x;
  import ietf-yang-types { prefix yang; }
  contact "c";
  description "d";
  revision 2026-01-01 { description "r"; }
  typedef t { type string; }
  container top {
    description "t";
    config true;
    leaf a { mandatory true; type string; description "a"; }
  }
  leaf b { type enumeration { enum on; } }
  leaf ${'n'.repeat(65)} { type string; description "n"; }
}
`;
      assert.deepEqual(lintModule(bad, LINT), [
        'line 2: a tab',
        'line 15: longer than 70 characters',
        'line 1: module name does not start with "ncbgp-" (RFC 8407 section 4.1)',
        'line 2: namespace is not "urn:ncbgp:yang:bgp_Extra" (RFC 8407 section 4.9)',
        'line 1: module "bgp_Extra" has no organization (RFC 8407 sections 4.8, 4.14)',
        'line 1: bgp_Extra is not lower case and hyphenated',
        'line 7: revision "2026-01-01" has no reference (RFC 8407 sections 4.8, 4.14)',
        'line 8: typedef "t" has no description (RFC 8407 sections 4.8, 4.14)',
        'line 11: config is out of the canonical order of container (RFC 7950 section 14)',
        'line 11: config true is the default (RFC 8407 section 4.4)',
        'line 12: type is out of the canonical order of leaf (RFC 7950 section 14)',
        'line 14: leaf "b" has no description (RFC 8407 sections 4.8, 4.14)',
        'line 14: enum "on" has no description (RFC 8407 sections 4.8, 4.14)',
        `line 15: identifier ${'n'.repeat(65)} is longer than 64 characters (RFC 8407 section 4.3)`,
        'line 9: top-level container top is mandatory (RFC 8407 section 4.10)',
        'line 4: import ietf-yang-types is not used',
      ]);
    });
  });

  describe('yangdump (yuma123)', function () {
    // yangdump 2.13 counts one warning it never prints for each revision
    // statement, even of a minimal clean module; that count is measured here
    // (for one revision, and what each further one adds) and is the floor.
    let floor = 0;
    let perRevision = 0;

    function yangdump(module: string): { errors: number; warnings: number; output: string } {
      const r = run('yangdump', [`--modpath=${YANG_DIR}:${IETF_DIR}`, `--module=${module}`], scratch);
      const summary = /\*\*\* (\d+) Errors, (\d+) Warnings/.exec(r.output);
      assert.ok(summary, `yangdump printed no summary:\n${r.output}`);
      return { errors: Number(summary[1]), warnings: Number(summary[2]), output: r.output };
    }

    before(function () {
      requireTool(this, 'yangdump', 'package yangdump');
      // the file name is the module name, or yangdump counts a warning for that too
      const minimal = (revisions: number): string =>
        file(
          'minimal.yang',
          `module minimal {
  yang-version 1.1;
  namespace "urn:minimal";
  prefix m;
  organization "o";
  contact "c";
  description "d";
${['2026-11-25', '2026-11-24', '2026-11-23'].slice(0, revisions).map((d) => `  revision ${d} { description "r"; }`).join('\n')}
  leaf a { type string; description "a"; }
}
`,
        );
      const revisions = [1, 2, 3].map((n) => yangdump(minimal(n)).warnings);
      floor = revisions[0];
      perRevision = revisions[1] - revisions[0];
      assert.equal(revisions[2] - revisions[1], perRevision, 'yangdump counts the same for every revision');
    });

    for (const m of OWN_MODULES) {
      it(`${m} compiles with no error and no warning`, function () {
        const r = yangdump(path.join(YANG_DIR, `${m}.yang`));
        assert.equal(r.errors, 0, r.output);
        assert.doesNotMatch(r.output, /warning\(\d+\)|error\(\d+\)|^(Warning|Error):/im);
        const revisions = (readFileSync(path.join(YANG_DIR, `${m}.yang`), 'utf8').match(/^\s*revision\s/gm) ?? []).length;
        assert.equal(r.warnings, floor + (revisions - 1) * perRevision, r.output);
      });
    }

    it('reports a warning where there is one (the check can fail)', function () {
      const r = yangdump(
        file(
          'warns.yang',
          `module warns {
  namespace "urn:warns";
  prefix w;
  container c {
    leaf a { type string; mandatory true; }
  }
}
`,
        ),
      );
      assert.match(r.output, /warning\(448\)/);
      assert.ok(r.warnings > floor);
    });
  });
});
