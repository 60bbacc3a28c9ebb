import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiffEntry, diffConfig } from '../../src/datastore/diff';
import { applyEdit } from '../../src/datastore/edit';
import { AccessControl, NacmUser } from '../../src/netconf/nacm';
import { NetconfRpcError } from '../../src/model/rpc-error';
import { parseXml, serialize, XmlElement } from '../../src/model/xml';
import { factoryNacm, LEVEL_GROUPS, levelGroups } from '../../src/server/nacm-defaults';
import { DEFAULT_YANG_DIR, SchemaRegistry } from '../../src/yang/registry';
import { requireTool, runTool } from '../helpers/interop';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const ACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const NCM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring';
const NETMOD = 'urn:ietf:params:xml:ns:netmod:notification';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const NOTIFS = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications';
// RFC 8341 Appendix A's example modules
const ACME_NC = 'http://example.com/ns/netconf';
const ACME_ITF = 'http://example.com/ns/itf';
const ACME_SYS = 'http://example.com/ns/system';
// this test's own modules: default-deny extensions, an augment from another module
const NT = 'urn:ncbgp:test:nacm';
const NA = 'urn:ncbgp:test:nacm-aug';

const TEST_MODULES: Record<string, string> = {
  'acme-netconf.yang': `module acme-netconf {
    namespace "${ACME_NC}"; prefix acme;
    container acme-netconf { container config-parameters { leaf retries { type uint8; } } leaf banner { type string; } }
  }`,
  'acme-itf.yang': `module acme-itf {
    namespace "${ACME_ITF}"; prefix acme-itf;
    container interfaces { list interface { key name; leaf name { type string; } leaf mtu { type uint16; } } }
  }`,
  'acme-system.yang': `module acme-system {
    namespace "${ACME_SYS}"; prefix acme-sys;
    notification sys-config-change { leaf what { type string; } }
    notification sys-restart { leaf why { type string; } }
  }`,
  'nacm-test.yang': `module nacm-test {
    yang-version 1.1;
    namespace "${NT}"; prefix nt;
    import ietf-netconf-acm { prefix nacm; }
    container top {
      leaf open { type string; }
      leaf secret { type string; nacm:default-deny-all; }
      leaf locked { type string; nacm:default-deny-write; }
      list item { key id; leaf id { type string; } leaf note { type string; } leaf-list tag { type string; } container deep { leaf x { type string; } } }
    }
    rpc reboot { nacm:default-deny-all; }
    notification alarm { nacm:default-deny-all; leaf text { type string; } }
  }`,
  'nacm-aug.yang': `module nacm-aug {
    namespace "${NA}"; prefix na;
    import nacm-test { prefix nt; }
    augment "/nt:top/nt:item" { leaf extra { type string; } }
  }`,
};

let reg: SchemaRegistry;
let dir: string;

/** The children of an XML fragment. */
const nodes = (xml: string): XmlElement[] => parseXml(`<x>${xml.replace(/>\s+</g, '><').trim()}</x>`).children;
const one = (xml: string): XmlElement => nodes(xml)[0];
const show = (els: readonly XmlElement[]): string => els.map((e) => serialize(e)).join('');

/** A /nacm:nacm container as the running datastore stores it (canonical values, applyEdit). */
function stored(xml: string): XmlElement {
  const r = applyEdit(reg, [], nodes(xml), { defaultOperation: 'merge', errorOption: 'stop-on-error' });
  assert.deepEqual(
    r.errors.map((e) => e.message),
    [],
  );
  return r.content[0];
}

/**
 * A /nacm:nacm container as a client sent it, XML namespace declarations in
 * place: path rules' prefixes mean what those say (section 3.5.2,
 * node-instance-identifier).
 */
const sent = (xml: string): XmlElement => one(xml);

const user = (name: string, externalGroups: string[] = [], recovery = false): NacmUser => ({ name, externalGroups, recovery });

/** An AccessControl over a fixed /nacm:nacm element (or none). */
function acl(nacm: XmlElement | undefined): AccessControl {
  return new AccessControl(reg, () => nacm);
}

/** What the user's edit of `content` (merge) changes, checked by access control. */
function write(ac: AccessControl, u: NacmUser, content: string, edit: string, defaultOperation: 'merge' | 'replace' | 'none' = 'merge'): NetconfRpcError | undefined {
  const before = nodes(content);
  const r = applyEdit(reg, before, nodes(edit), { defaultOperation, errorOption: 'stop-on-error' });
  assert.deepEqual(
    r.errors.map((e) => e.message),
    [],
  );
  const changes = diffConfig(reg, before, r.content);
  assert.ok(changes.length > 0, 'the edit changes something');
  return ac.checkWrite(u, changes);
}

const NO = undefined;
/** The error-path of an access-denied error, or undefined when the write is permitted. */
function denied(err: NetconfRpcError | undefined): string | undefined {
  if (!err) return undefined;
  assert.equal(err.tag, 'access-denied');
  assert.equal(err.type, 'application');
  return err.path;
}

before(function () {
  this.timeout(60_000);
  dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-nacm-'));
  cpSync(DEFAULT_YANG_DIR, dir, { recursive: true });
  for (const [file, text] of Object.entries(TEST_MODULES)) writeFileSync(path.join(dir, file), text);
  reg = SchemaRegistry.load(dir);
  const problems = reg.diagnostics().filter((d) => Object.keys(TEST_MODULES).some((f) => d.file.endsWith(f)));
  assert.deepEqual(problems, []);
});
after(() => rmSync(dir, { recursive: true, force: true }));

// RFC 8341 Appendix A.2
const GROUPS = `
  <groups>
    <group><name>admin</name><user-name>admin</user-name><user-name>andy</user-name></group>
    <group><name>limited</name><user-name>wilma</user-name><user-name>bam-bam</user-name></group>
    <group><name>guest</name><user-name>guest</user-name><user-name>guest@example.com</user-name></group>
  </groups>`;

describe('RFC 8341 NACM (src/netconf/nacm.ts)', () => {
  describe('Appendix A.3: module rules', () => {
    const A3 = `<nacm xmlns="${ACM}">${GROUPS}
      <rule-list><name>guest-acl</name><group>guest</group>
        <rule><name>deny-ncm</name><module-name>ietf-netconf-monitoring</module-name><access-operations>*</access-operations><action>deny</action></rule>
      </rule-list>
      <rule-list><name>limited-acl</name><group>limited</group>
        <rule><name>permit-ncm</name><module-name>ietf-netconf-monitoring</module-name><access-operations>read</access-operations><action>permit</action></rule>
        <rule><name>permit-exec</name><module-name>*</module-name><access-operations>exec</access-operations><action>permit</action></rule>
      </rule-list>
      <rule-list><name>admin-acl</name><group>admin</group>
        <rule><name>permit-all</name><module-name>*</module-name><access-operations>*</access-operations><action>permit</action></rule>
      </rule-list>
    </nacm>`;
    const DATA = `<netconf-state xmlns="${NCM}"><capabilities><capability>urn:x</capability></capabilities></netconf-state><interfaces xmlns="${ACME_ITF}"><interface><name>eth0</name></interface></interfaces>`;

    const cases: { user: string; reads: string[]; ops: Record<string, boolean> }[] = [
      { user: 'guest', reads: ['interfaces'], ops: { 'get-schema': false, get: true, 'kill-session': false, 'close-session': true } },
      { user: 'guest@example.com', reads: ['interfaces'], ops: { 'get-schema': false } },
      { user: 'wilma', reads: ['netconf-state', 'interfaces'], ops: { 'get-schema': true, 'kill-session': true, 'delete-config': true } },
      { user: 'andy', reads: ['netconf-state', 'interfaces', 'nacm'], ops: { 'get-schema': true, 'kill-session': true, 'delete-config': true } },
      // in no group: only the defaults (3.4.4 step 5)
      { user: 'fred', reads: ['netconf-state', 'interfaces'], ops: { 'get-schema': true, get: true, 'kill-session': false, 'delete-config': false } },
    ];
    for (const c of cases) {
      it(`${c.user} reads ${c.reads.join(', ')}; operations ${JSON.stringify(c.ops)}`, () => {
        const nacm = stored(A3);
        const ac = acl(nacm);
        const got = ac.filterRead(user(c.user), [...nodes(DATA), nacm]).map((e) => e.name);
        assert.deepEqual(got, c.reads);
        for (const [op, allowed] of Object.entries(c.ops)) {
          const ns = op === 'get-schema' ? NCM : NC;
          assert.equal(ac.operationAllowed(user(c.user), ns, op), allowed, op);
        }
      });
    }
  });

  describe('Appendix A.4: protocol operation rules (exec-default deny)', () => {
    const A4 = `<nacm xmlns="${ACM}"><exec-default>deny</exec-default>${GROUPS}
      <rule-list><name>guest-limited-acl</name><group>limited</group><group>guest</group>
        <rule><name>deny-kill-session</name><module-name>ietf-netconf</module-name><rpc-name>kill-session</rpc-name><access-operations>exec</access-operations><action>deny</action></rule>
        <rule><name>deny-delete-config</name><module-name>ietf-netconf</module-name><rpc-name>delete-config</rpc-name><access-operations>exec</access-operations><action>deny</action></rule>
      </rule-list>
      <rule-list><name>limited-acl</name><group>limited</group>
        <rule><name>permit-edit-config</name><module-name>ietf-netconf</module-name><rpc-name>edit-config</rpc-name><access-operations>exec</access-operations><action>permit</action></rule>
      </rule-list>
      <rule-list><name>admin-acl</name><group>admin</group>
        <rule><name>permit-kill</name><module-name>ietf-netconf</module-name><rpc-name>kill-session</rpc-name><access-operations>exec</access-operations><action>permit</action></rule>
      </rule-list>
    </nacm>`;
    const table: [string, string, boolean][] = [
      ['bam-bam', 'edit-config', true],
      ['bam-bam', 'kill-session', false],
      ['bam-bam', 'delete-config', false],
      ['bam-bam', 'get', false],
      ['bam-bam', 'close-session', true], // 3.4.4 step 3
      ['guest', 'edit-config', false],
      ['guest', 'kill-session', false],
      ['admin', 'kill-session', true], // a rule opens what step 11 closes
      ['admin', 'delete-config', false],
      ['admin', 'get-config', false],
    ];
    for (const [u, op, allowed] of table) {
      it(`${u} ${allowed ? 'may' : 'may not'} ${op}`, () => {
        assert.equal(acl(stored(A4)).operationAllowed(user(u), NC, op), allowed);
      });
    }
  });

  describe('Appendix A.5: data node rules', () => {
    const A5 = `<nacm xmlns="${ACM}">${GROUPS}
      <rule-list><name>guest-acl</name><group>guest</group>
        <rule><name>deny-nacm</name><path xmlns:n="${ACM}">/n:nacm</path><access-operations>*</access-operations><action>deny</action></rule>
      </rule-list>
      <rule-list><name>limited-acl</name><group>limited</group>
        <rule><name>permit-acme-config</name><path xmlns:acme="${ACME_NC}">/acme:acme-netconf/acme:config-parameters</path><access-operations>read create update delete</access-operations><action>permit</action></rule>
      </rule-list>
      <rule-list><name>guest-limited-acl</name><group>guest</group><group>limited</group>
        <rule><name>permit-dummy-interface</name><path xmlns:acme="${ACME_ITF}">/acme:interfaces/acme:interface[acme:name='dummy']</path><access-operations>read update</access-operations><action>permit</action></rule>
      </rule-list>
      <rule-list><name>admin-acl</name><group>admin</group>
        <rule><name>permit-interface</name><path xmlns:acme="${ACME_ITF}">/acme:interfaces/acme:interface</path><access-operations>*</access-operations><action>permit</action></rule>
      </rule-list>
    </nacm>`;
    const ITFS = `<interfaces xmlns="${ACME_ITF}"><interface><name>dummy</name><mtu>1500</mtu></interface><interface><name>eth0</name><mtu>1500</mtu></interface></interfaces>`;
    const ACMECFG = `<acme-netconf xmlns="${ACME_NC}"><config-parameters><retries>3</retries></config-parameters></acme-netconf>`;
    const mtu = (name: string, v: number): string => `<interfaces xmlns="${ACME_ITF}"><interface><name>${name}</name><mtu>${v}</mtu></interface></interfaces>`;
    const newItf = `<interfaces xmlns="${ACME_ITF}"><interface><name>lo9</name><mtu>9000</mtu></interface></interfaces>`;
    const retries = `<acme-netconf xmlns="${ACME_NC}"><config-parameters><retries>5</retries></config-parameters></acme-netconf>`;
    const banner = `<acme-netconf xmlns="${ACME_NC}"><banner>hi</banner></acme-netconf>`;
    const ETH0 = "/acme-itf:interfaces/acme-itf:interface[acme-itf:name='eth0']/acme-itf:mtu";
    const LO9 = "/acme-itf:interfaces/acme-itf:interface[acme-itf:name='lo9']";

    const writes: [string, string, string, string | undefined][] = [
      ['guest', 'updates the dummy interface', mtu('dummy', 9000), NO],
      ['guest', 'updates eth0 (write-default deny)', mtu('eth0', 9000), ETH0],
      ['guest', 'creates an interface', newItf, LO9],
      ['wilma', 'updates the dummy interface', mtu('dummy', 1400), NO],
      ['wilma', 'updates acme config-parameters', retries, NO],
      ['wilma', 'creates the banner outside config-parameters', banner, '/acme:acme-netconf/acme:banner'],
      ['andy', 'creates an interface', newItf, NO],
      ['andy', 'updates eth0', mtu('eth0', 1280), NO],
      ['andy', 'updates acme config-parameters (no rule: write-default deny)', retries, '/acme:acme-netconf/acme:config-parameters/acme:retries'],
    ];
    for (const [u, what, edit, expect] of writes) {
      it(`${u} ${what}: ${expect ? 'access-denied' : 'permitted'}`, () => {
        const ac = acl(sent(A5));
        assert.equal(denied(write(ac, user(u), ITFS + ACMECFG, edit)), expect);
      });
    }

    it('guests read no /nacm (a path rule) and, like everyone without a rule, no more than the defaults', () => {
      const nacm = sent(A5);
      const ac = acl(nacm);
      const names = (u: string): string[] => ac.filterRead(user(u), [...nodes(ITFS + ACMECFG), nacm]).map((e) => e.name);
      assert.deepEqual(names('guest'), ['interfaces', 'acme-netconf']);
      assert.deepEqual(names('wilma'), ['interfaces', 'acme-netconf']); // nacm: default-deny-all
      assert.deepEqual(names('andy'), ['interfaces', 'acme-netconf']);
    });

    it('with read-default deny, a path rule with a key predicate selects one entry; its container must be readable too', () => {
      const rules = A5.replace(`<nacm xmlns="${ACM}">`, `<nacm xmlns="${ACM}"><read-default>deny</read-default>`);
      const withItfs = rules.replace(
        '<rule-list><name>admin-acl</name>',
        `<rule-list><name>guest-itfs</name><group>guest</group><rule><name>deny-other-itfs</name><path xmlns:acme="${ACME_ITF}">/acme:interfaces/acme:interface</path><access-operations>read</access-operations><action>deny</action></rule><rule><name>permit-itfs</name><path xmlns:acme="${ACME_ITF}">/acme:interfaces</path><access-operations>read</access-operations><action>permit</action></rule></rule-list><rule-list><name>admin-acl</name>`,
      );
      // 3.2.4: a node the user may not read goes with all its descendants
      assert.equal(show(acl(sent(rules)).filterRead(user('guest'), nodes(ITFS))), '');
      assert.equal(show(acl(sent(withItfs)).filterRead(user('guest'), nodes(ITFS))), show(nodes(`<interfaces xmlns="${ACME_ITF}"><interface><name>dummy</name><mtu>1500</mtu></interface></interfaces>`)));
    });
  });

  describe('Appendix A.6: notification rules', () => {
    const A6 = `<nacm xmlns="${ACM}">${GROUPS}
      <rule-list><name>sys-acl</name><group>limited</group><group>guest</group>
        <rule><name>deny-config-change</name><module-name>acme-system</module-name><notification-name>sys-config-change</notification-name><access-operations>read</access-operations><action>deny</action></rule>
      </rule-list>
    </nacm>`;
    const table: [string, string, string, boolean][] = [
      ['guest', ACME_SYS, 'sys-config-change', false],
      ['wilma', ACME_SYS, 'sys-config-change', false],
      ['wilma', ACME_SYS, 'sys-restart', true],
      ['andy', ACME_SYS, 'sys-config-change', true],
      ['guest', NETMOD, 'replayComplete', true],
      ['guest', NOTIFS, 'netconf-config-change', true],
      ['guest', NT, 'alarm', false], // nacm:default-deny-all on the notification
    ];
    for (const [u, ns, name, allowed] of table) {
      it(`${u} ${allowed ? 'receives' : 'does not receive'} ${name}`, () => {
        const ac = acl(stored(A6));
        assert.equal(ac.notificationAllowed(user(u), one(`<${name} xmlns="${ns}"/>`)), allowed);
        assert.equal(ac.counters.deniedNotifications, allowed ? 0 : 1);
      });
    }

    it('an rpc-name rule does not match a notification, nor a notification-name rule an operation', () => {
      const ac = acl(
        stored(`<nacm xmlns="${ACM}"><exec-default>permit</exec-default>${GROUPS}<rule-list><name>x</name><group>guest</group>
          <rule><name>r</name><rpc-name>*</rpc-name><access-operations>*</access-operations><action>deny</action></rule>
          <rule><name>n</name><notification-name>*</notification-name><access-operations>*</access-operations><action>deny</action></rule></rule-list></nacm>`),
      );
      assert.equal(ac.operationAllowed(user('guest'), NC, 'get'), false);
      assert.equal(ac.notificationAllowed(user('guest'), one(`<sys-restart xmlns="${ACME_SYS}"/>`)), false);
      // neither kind matches a data node
      assert.deepEqual(ac.filterRead(user('guest'), nodes(`<interfaces xmlns="${ACME_ITF}"/>`)).length, 1);
    });
  });

  describe('the factory rules per user level (src/server/nacm-defaults.ts)', () => {
    const DATA = `<bgp xmlns="${BGP}"><local-as>65001</local-as><peer><address>10.0.0.1</address><remote-as>65002</remote-as></peer></bgp><refresh-operations xmlns="${REFRESH}"/><netconf-state xmlns="${NCM}"/>`;
    const REFRESH_RPC = 'refresh-bgp-mvpn';
    const newPeer = `<bgp xmlns="${BGP}"><peer><address>10.0.0.9</address><remote-as>65009</remote-as></peer></bgp>`;
    const nacmEdit = `<nacm xmlns="${ACM}"><read-default>deny</read-default></nacm>`;
    const expect = [
      { level: 0, reads: ['netconf-state'], refresh: false, kill: false, bgpWrite: false, nacmWrite: false, peerNotif: false },
      { level: 1, reads: ['bgp', 'refresh-operations', 'netconf-state'], refresh: false, kill: false, bgpWrite: false, nacmWrite: false, peerNotif: true },
      { level: 2, reads: ['bgp', 'refresh-operations', 'netconf-state'], refresh: true, kill: false, bgpWrite: true, nacmWrite: false, peerNotif: true },
      { level: 3, reads: ['bgp', 'refresh-operations', 'netconf-state', 'nacm'], refresh: true, kill: true, bgpWrite: true, nacmWrite: true, peerNotif: true },
    ];
    for (const e of expect) {
      it(`level ${e.level} (${LEVEL_GROUPS[e.level]})`, () => {
        const nacm = stored(serialize(factoryNacm()));
        const ac = acl(nacm);
        const u = user('someone', levelGroups(e.level));
        const content = serialize(nacm);
        assert.deepEqual(
          ac.filterRead(u, [...nodes(DATA), nacm]).map((n) => n.name),
          e.reads,
        );
        assert.equal(ac.operationAllowed(u, REFRESH, REFRESH_RPC), e.refresh, REFRESH_RPC);
        assert.equal(ac.operationAllowed(u, NC, 'kill-session'), e.kill, 'kill-session');
        assert.equal(ac.operationAllowed(u, NC, 'delete-config'), e.kill, 'delete-config');
        for (const op of ['get', 'get-config', 'close-session']) assert.equal(ac.operationAllowed(u, NC, op), true, op);
        // the write-side operations are denied to levels 0 and 1 by rule (test/security/nacm.test.ts: every operation)
        for (const op of ['edit-config', 'commit', 'lock']) assert.equal(ac.operationAllowed(u, NC, op), e.level >= 2, op);
        // a refusal names no node below one the user may not read (level 0: bgp; levels 0-2: /nacm:nacm)
        assert.equal(denied(write(ac, u, DATA + content, newPeer)), e.bgpWrite ? NO : e.level === 0 ? '/bgp:bgp' : "/bgp:bgp/bgp:peer[bgp:address='10.0.0.9']");
        assert.equal(denied(write(ac, u, DATA + content, nacmEdit)), e.nacmWrite ? NO : '/nacm:nacm');
        assert.equal(ac.notificationAllowed(u, one(`<peer-refresh-complete xmlns="${REFRESH}"/>`)), e.peerNotif);
        assert.equal(ac.notificationAllowed(u, one(`<netconf-config-change xmlns="${NOTIFS}"/>`)), true);
      });
    }

    it('levelGroups names one group per level, none outside 0-3', () => {
      assert.deepEqual([0, 1, 2, 3, 4, -1].map(levelGroups), [['visit'], ['monitoring'], ['configuration'], ['management'], [], []]);
    });

    it('the factory container is valid ietf-netconf-acm data and survives storing unchanged', () => {
      const r = applyEdit(reg, [], [factoryNacm()], { defaultOperation: 'merge', errorOption: 'stop-on-error' });
      assert.deepEqual(r.errors, []);
      assert.equal(serialize(r.content[0]), serialize(factoryNacm()));
    });

    it('yanglint accepts the factory container against ietf-netconf-acm', async function () {
      requireTool(this, 'yanglint', 'validates the factory NACM rules');
      const file = path.join(dir, 'factory-nacm.xml');
      writeFileSync(file, serialize(factoryNacm()));
      const ietf = path.join(DEFAULT_YANG_DIR, 'ietf');
      const r = await runTool('yanglint', ['-p', ietf, '-f', 'xml', '-t', 'config', path.join(ietf, 'ietf-netconf-acm@2018-02-14.yang'), file], process.env, 30_000);
      assert.equal(r.code, 0, r.stderr + r.stdout);
    });
  });

  describe('default-deny extensions (3.4.5 steps 9, 10)', () => {
    // every write permitted by default: only the extensions deny
    const OPEN = `<nacm xmlns="${ACM}"><write-default>permit</write-default></nacm>`;
    const TOP = `<top xmlns="${NT}"><open>o</open><secret>s</secret><locked>l</locked></top>`;

    it('default-deny-all hides a node from reads; default-deny-write does not', () => {
      assert.equal(show(acl(stored(OPEN)).filterRead(user('u'), nodes(TOP))), show(nodes(`<top xmlns="${NT}"><open>o</open><locked>l</locked></top>`)));
    });

    const table: [string, string | undefined][] = [
      [`<top xmlns="${NT}"><open>p</open></top>`, NO],
      [`<top xmlns="${NT}"><locked>m</locked></top>`, `/nt:top/nt:locked`],
      [`<top xmlns="${NT}"><secret>t</secret></top>`, `/nt:top/nt:secret`],
    ];
    for (const [edit, expect] of table) {
      it(`writing ${edit}: ${expect ? 'denied' : 'permitted'}`, () => {
        assert.equal(denied(write(acl(stored(OPEN)), user('u'), TOP, edit)), expect);
      });
    }

    it('deleting the container that holds them is denied at the container', () => {
      const ac = acl(stored(OPEN));
      const err = write(ac, user('u'), TOP, `<top xmlns="${NT}" xmlns:nc="${NC}"><secret nc:operation="delete"/><open nc:operation="delete"/></top>`);
      assert.equal(denied(err), '/nt:top/nt:secret');
    });

    it('a rule overrides the extension; an rpc with default-deny-all is refused without one', () => {
      const ac = acl(stored(`<nacm xmlns="${ACM}"><groups><group><name>ops</name><user-name>op</user-name></group></groups><rule-list><name>l</name><group>ops</group><rule><name>r</name><module-name>nacm-test</module-name><action>permit</action></rule></rule-list></nacm>`));
      assert.equal(show(ac.filterRead(user('op'), nodes(TOP))), show(nodes(TOP)));
      assert.equal(denied(write(ac, user('op'), TOP, `<top xmlns="${NT}"><secret>t</secret></top>`)), NO);
      assert.equal(ac.operationAllowed(user('op'), NT, 'reboot'), true);
      assert.equal(ac.operationAllowed(user('other'), NT, 'reboot'), false);
      assert.equal(ac.notificationAllowed(user('op'), one(`<alarm xmlns="${NT}"/>`)), true);
    });

    it('the /nacm:nacm container itself is default-deny-all', () => {
      const nacm = stored(OPEN);
      assert.deepEqual(acl(nacm).filterRead(user('u'), [nacm]), []);
    });
  });

  describe('switches: enable-nacm, recovery session, enable-external-groups', () => {
    const DENY_ALL = `<nacm xmlns="${ACM}"><read-default>deny</read-default><exec-default>deny</exec-default></nacm>`;
    const DATA = `<top xmlns="${NT}"><open>o</open><secret>s</secret></top>`;

    it('enable-nacm false permits everything and counts nothing', () => {
      const ac = acl(stored(DENY_ALL.replace('<read-default>', '<enable-nacm>false</enable-nacm><read-default>')));
      const u = user('u');
      assert.equal(show(ac.filterRead(u, nodes(DATA))), show(nodes(DATA)));
      assert.equal(ac.operationAllowed(u, NC, 'kill-session'), true);
      assert.equal(ac.notificationAllowed(u, one(`<alarm xmlns="${NT}"/>`)), true);
      assert.equal(denied(write(ac, u, DATA, `<top xmlns="${NT}"><secret>x</secret></top>`)), NO);
      assert.deepEqual(ac.counters, { deniedOperations: 0, deniedDataWrites: 0, deniedNotifications: 0 });
    });

    it('a recovery session bypasses access control (3.3.3)', () => {
      const ac = acl(stored(DENY_ALL));
      const root = user('root', [], true);
      assert.equal(show(ac.filterRead(root, nodes(DATA))), show(nodes(DATA)));
      assert.equal(ac.operationAllowed(root, NC, 'delete-config'), true);
      assert.equal(denied(write(ac, root, DATA, `<top xmlns="${NT}"><secret>x</secret></top>`)), NO);
      // the same user without recovery
      assert.equal(ac.operationAllowed(user('root'), NC, 'get'), false);
    });

    it('enable-external-groups false ignores the groups the transport reports', () => {
      const rules = (ext: boolean): string =>
        `<nacm xmlns="${ACM}"><exec-default>deny</exec-default><enable-external-groups>${ext}</enable-external-groups><rule-list><name>l</name><group>management</group><rule><name>r</name><action>permit</action></rule></rule-list></nacm>`;
      const u = user('someone', ['management']);
      assert.equal(acl(stored(rules(true))).operationAllowed(u, NC, 'get'), true);
      assert.equal(acl(stored(rules(false))).operationAllowed(u, NC, 'get'), false);
    });

    it("a rule-list for group '*' applies to users in some group, not to users in none", () => {
      const ac = acl(stored(`<nacm xmlns="${ACM}"><rule-list><name>all</name><group>*</group><rule><name>r</name><rpc-name>get</rpc-name><action>deny</action></rule></rule-list></nacm>`));
      assert.equal(ac.operationAllowed(user('a', ['g']), NC, 'get'), false);
      assert.equal(ac.operationAllowed(user('b'), NC, 'get'), true);
    });

    it('no /nacm:nacm at all: the YANG defaults (read permit, write deny, exec permit)', () => {
      const ac = acl(undefined);
      assert.equal(show(ac.filterRead(user('u'), nodes(DATA))), show(nodes(`<top xmlns="${NT}"><open>o</open></top>`)));
      assert.equal(ac.operationAllowed(user('u'), NC, 'get'), true);
      assert.equal(denied(write(ac, user('u'), DATA, `<top xmlns="${NT}"><open>x</open></top>`)), '/nt:top/nt:open');
    });

    it('a new /nacm:nacm object is a new configuration', () => {
      let current = stored(`<nacm xmlns="${ACM}"><exec-default>permit</exec-default></nacm>`);
      const ac = new AccessControl(reg, () => current);
      assert.equal(ac.operationAllowed(user('u'), NC, 'get'), true);
      current = stored(`<nacm xmlns="${ACM}"><exec-default>deny</exec-default></nacm>`);
      assert.equal(ac.operationAllowed(user('u'), NC, 'get'), false);
    });
  });

  describe('access before existence: applyEdit with a guard (section 3.4.5)', () => {
    const ITEMS = `<top xmlns="${NT}"><item><id>a</id><note>na</note></item></top>`;
    const item = (op: string, id: string): string => `<top xmlns="${NT}" xmlns:nc="${NC}"><item nc:operation="${op}"><id>${id}</id></item></top>`;
    const at = (id: string): string => `/nt:top/nt:item[nt:id='${id}']`;
    // group g writes nacm-test; anyone else reads it (read-default permit) and writes nothing
    const RULES = `<nacm xmlns="${ACM}"><rule-list><name>l</name><group>g</group><rule><name>w</name><module-name>nacm-test</module-name><access-operations>create update delete</access-operations><action>permit</action></rule></rule-list></nacm>`;
    const writer = user('w', ['g']);
    const reader = user('r', ['other']);

    /** An edit as the datastore runs it: applyEdit with the guard, then the guard over the changes made. */
    function answer(ac: AccessControl, u: NacmUser, content: readonly XmlElement[], edit: string): string {
      const guard = (changes: readonly DiffEntry[]): NetconfRpcError | undefined => ac.checkWrite(u, changes);
      const r = applyEdit(reg, content, nodes(edit), { defaultOperation: 'merge', errorOption: 'stop-on-error' }, guard);
      const changes = r.errors.length ? [] : diffConfig(reg, content, r.content);
      const e = r.errors[0] ?? (changes.length ? guard(changes) : undefined);
      return e ? `${e.tag} ${e.path ?? ''}` : 'ok';
    }

    const table: [string, string, string, string][] = [
      ['create of an existing entry', item('create', 'a'), `data-exists ${at('a')}`, `access-denied ${at('a')}`],
      ['create of a missing entry', item('create', 'z'), 'ok', `access-denied ${at('z')}`],
      ['delete of a missing entry', item('delete', 'z'), `data-missing ${at('z')}`, `access-denied ${at('z')}`],
      ['delete of an existing entry', item('delete', 'a'), 'ok', `access-denied ${at('a')}`],
      ['remove of a missing entry', item('remove', 'z'), 'ok', `access-denied ${at('z')}`],
      ['none on a missing entry', item('none', 'z'), `data-missing ${at('z')}`, `access-denied ${at('z')}`],
    ];
    for (const [what, edit, byWriter, byReader] of table) {
      it(`${what}: ${byWriter} for a writer, ${byReader.split(' ')[0]} for a reader`, () => {
        const ac = acl(stored(RULES));
        assert.equal(answer(ac, writer, nodes(ITEMS), edit), byWriter);
        assert.equal(answer(ac, reader, nodes(ITEMS), edit), byReader);
      });
    }

    it('an insert point that names no entry (ordered-by user) is told only to who may place the entry', () => {
      const factory = stored(serialize(factoryNacm()));
      const edit = `<nacm xmlns="${ACM}" xmlns:yang="urn:ietf:params:xml:ns:yang:1"><rule-list yang:insert="after" yang:key="[name='nope']"><name>new</name><group>g</group></rule-list></nacm>`;
      const ac = acl(factory);
      assert.equal(answer(ac, user('admin', levelGroups(3)), [factory], edit), "bad-attribute /nacm:nacm/nacm:rule-list[nacm:name='new']");
      // level 2 may not read /nacm:nacm: the refusal names it, nothing below
      assert.equal(answer(ac, user('conf', levelGroups(2)), [factory], edit), 'access-denied /nacm:nacm');
    });
  });

  describe('netconf-config-change per subscriber (filterNotification, 3.4.6)', () => {
    const change = (...targets: string[]): XmlElement =>
      one(
        `<netconf-config-change xmlns="${NOTIFS}"><changed-by><server/></changed-by><datastore>running</datastore>${targets
          .map((t) => `<edit><target xmlns:nt="${NT}" xmlns:nacm="${ACM}">${t}</target><operation>merge</operation></edit>`)
          .join('')}</netconf-config-change>`,
      );
    const targets = (n: XmlElement | undefined): string[] | undefined => n?.children.filter((c) => c.name === 'edit').map((e) => e.children[0].text);
    const NOTE_A = "/nt:top/nt:item[nt:id='a']/nt:note";
    const NOTE_B = "/nt:top/nt:item[nt:id='b']/nt:note";
    const RULES = `<nacm xmlns="${ACM}"><rule-list><name>l</name><group>g</group><rule><name>r</name><path xmlns:t="${NT}">/t:top/t:item[t:id='b']</path><access-operations>read</access-operations><action>deny</action></rule></rule-list></nacm>`;
    const g = user('u', ['g']);

    it('keeps the edits the subscriber may read, the same object when that is all of them', () => {
      const ac = acl(sent(RULES));
      const all = change(NOTE_A, '/nt:top/nt:open');
      assert.equal(ac.filterNotification(g, all), all);
      assert.deepEqual(targets(ac.filterNotification(g, change(NOTE_A, NOTE_B))), [NOTE_A]);
    });

    it('removes edits below a node it may not read: an entry by key, a default-deny-all leaf, /nacm:nacm', () => {
      const ac = acl(sent(RULES));
      assert.deepEqual(targets(ac.filterNotification(g, change(NOTE_B, "/nt:top/nt:item[nt:id='b']", '/nt:top/nt:secret', "/nacm:nacm/nacm:rule-list[nacm:name='x']", '/nt:top/nt:open'))), ['/nt:top/nt:open']);
    });

    it('sends nothing when no edit is left, or none names a node this server knows', () => {
      const ac = acl(sent(RULES));
      assert.equal(ac.filterNotification(g, change(NOTE_B)), undefined);
      assert.equal(ac.filterNotification(g, change('/zz:nothing')), undefined);
      assert.equal(ac.counters.deniedNotifications, 0, 'the event type was not denied');
    });

    it('a recovery session and a denied event type: all of it, and nothing', () => {
      const all = change(NOTE_B);
      assert.equal(acl(sent(RULES)).filterNotification(user('root', [], true), all), all);
      const ac = acl(stored(`<nacm xmlns="${ACM}"><rule-list><name>l</name><group>g</group><rule><name>n</name><module-name>ietf-netconf-notifications</module-name><notification-name>netconf-config-change</notification-name><access-operations>read</access-operations><action>deny</action></rule></rule-list></nacm>`));
      assert.equal(ac.filterNotification(g, change(NOTE_A)), undefined);
      assert.equal(ac.counters.deniedNotifications, 1);
    });
  });

  describe('counters (section 3.5.2 config false leaves)', () => {
    it('count denied operations, denied write requests and dropped notifications', () => {
      const ac = acl(undefined);
      const u = user('u');
      ac.operationAllowed(u, NC, 'kill-session');
      ac.operationAllowed(u, NC, 'delete-config');
      ac.operationAllowed(u, NC, 'get');
      const TOP = `<top xmlns="${NT}"><open>o</open></top>`;
      // one request with two denied changes counts once
      assert.ok(write(ac, u, TOP, `<top xmlns="${NT}"><open>x</open><locked>y</locked></top>`));
      ac.notificationAllowed(u, one(`<alarm xmlns="${NT}"/>`));
      assert.deepEqual(ac.counters, { deniedOperations: 2, deniedDataWrites: 1, deniedNotifications: 1 });
      assert.equal(show(ac.stateLeaves()), `<denied-operations xmlns="${ACM}">2</denied-operations><denied-data-writes xmlns="${ACM}">1</denied-data-writes><denied-notifications xmlns="${ACM}">1</denied-notifications>`);
    });

    it('a decision remembered for the user object a session keeps: each denial counted, a new configuration followed', () => {
      let current = stored(`<nacm xmlns="${ACM}"><exec-default>deny</exec-default></nacm>`);
      const ac = new AccessControl(reg, () => current);
      const u = user('u');
      for (let i = 0; i < 3; i++) assert.equal(ac.operationAllowed(u, NC, 'get'), false);
      assert.equal(ac.operationAllowed(u, NC, 'no-such-operation'), false);
      assert.equal(ac.counters.deniedOperations, 4);
      current = stored(`<nacm xmlns="${ACM}"><exec-default>permit</exec-default></nacm>`);
      assert.equal(ac.operationAllowed(u, NC, 'get'), true);
      assert.equal(ac.operationAllowed(u, NC, 'kill-session'), false);
      assert.equal(ac.operationAllowed(user('u', [], true), NC, 'kill-session'), true, 'a recovery session');
      assert.equal(ac.counters.deniedOperations, 5);
    });
  });

  describe('path rules', () => {
    const ITEMS = `<top xmlns="${NT}"><item><id>a</id><note>na</note><tag>t1</tag><tag>t2</tag><deep><x>1</x></deep></item><item><id>b</id><note>nb</note><deep><x>2</x></deep></item></top>`;
    const rules = (...r: string[]): XmlElement =>
      sent(`<nacm xmlns="${ACM}"><write-default>permit</write-default><rule-list><name>l</name><group>g</group>${r.map((x, i) => `<rule><name>r${i}</name>${x}</rule>`).join('')}</rule-list></nacm>`);
    const deny = (p: string, ops = '*'): string => `<path xmlns:t="${NT}">${p}</path><access-operations>${ops}</access-operations><action>deny</action>`;
    const g = user('u', ['g']);

    const reads: [string, string, string][] = [
      ['an entry by key', "/t:top/t:item[t:id='b']", `<top xmlns="${NT}"><item><id>a</id><note>na</note><tag>t1</tag><tag>t2</tag><deep><x>1</x></deep></item></top>`],
      ['a leaf in every entry', '/t:top/t:item/t:note', `<top xmlns="${NT}"><item><id>a</id><tag>t1</tag><tag>t2</tag><deep><x>1</x></deep></item><item><id>b</id><deep><x>2</x></deep></item></top>`],
      ['a nested leaf of one entry', "/t:top/t:item[t:id='a']/t:deep/t:x", `<top xmlns="${NT}"><item><id>a</id><note>na</note><tag>t1</tag><tag>t2</tag><deep/></item><item><id>b</id><note>nb</note><deep><x>2</x></deep></item></top>`],
      ['a leaf-list value', "/t:top/t:item/t:tag[.='t2']", `<top xmlns="${NT}"><item><id>a</id><note>na</note><tag>t1</tag><deep><x>1</x></deep></item><item><id>b</id><note>nb</note><deep><x>2</x></deep></item></top>`],
      ['a list key: the entries go', '/t:top/t:item/t:id', `<top xmlns="${NT}"/>`],
      ['everything', '/', ''],
    ];
    for (const [what, p, expect] of reads) {
      it(`deny read of ${what} (${p})`, () => {
        assert.equal(show(acl(rules(deny(p, 'read'))).filterRead(g, nodes(ITEMS))), show(nodes(expect)));
      });
    }

    it('pruning copies only the path to what it removed; the rest is shared', () => {
      const data = nodes(ITEMS);
      const [top] = acl(rules(deny("/t:top/t:item[t:id='b']/t:note", 'read'))).filterRead(g, data);
      assert.notEqual(top, data[0]);
      assert.equal(top.children[0], data[0].children[0], 'entry a is the same object');
      const [same] = acl(rules(deny("/t:top/t:item[t:id='c']", 'read'))).filterRead(g, data);
      assert.equal(same, data[0], 'nothing pruned: the same object');
    });

    const writes: [string, string, string, string | undefined][] = [
      ['update in a denied entry', "/t:top/t:item[t:id='b']", `<top xmlns="${NT}"><item><id>b</id><note>x</note></item></top>`, "/nt:top/nt:item[nt:id='b']/nt:note"],
      ['update in another entry', "/t:top/t:item[t:id='b']", `<top xmlns="${NT}"><item><id>a</id><note>x</note></item></top>`, NO],
      // a created subtree needs create on every node in it
      ['create an entry with a denied leaf', '/t:top/t:item/t:deep/t:x', `<top xmlns="${NT}"><item><id>c</id><deep><x>3</x></deep></item></top>`, "/nt:top/nt:item[nt:id='c']/nt:deep/nt:x"],
      ['create an entry without it', '/t:top/t:item/t:deep/t:x', `<top xmlns="${NT}"><item><id>c</id><note>n</note></item></top>`, NO],
      // a deleted subtree needs delete on every node in it; the error names the node the client deleted
      ['delete an entry holding a denied leaf', '/t:top/t:item/t:deep/t:x', `<top xmlns="${NT}" xmlns:nc="${NC}"><item nc:operation="delete"><id>b</id></item></top>`, "/nt:top/nt:item[nt:id='b']"],
      ['a leaf-list value', "/t:top/t:item/t:tag[.='t3']", `<top xmlns="${NT}"><item><id>a</id><tag>t3</tag></item></top>`, "/nt:top/nt:item[nt:id='a']/nt:tag[.='t3']"],
    ];
    for (const [what, p, edit, expect] of writes) {
      it(`deny write ${p}: ${what}`, () => {
        assert.equal(denied(write(acl(rules(deny(p, 'create update delete'))), g, ITEMS, edit)), expect);
      });
    }

    it('access-operations select: a rule for create does not stop an update', () => {
      const ac = acl(rules(deny('/t:top', 'create')));
      assert.equal(denied(write(ac, g, ITEMS, `<top xmlns="${NT}"><item><id>a</id><note>x</note></item></top>`)), NO);
      assert.equal(denied(write(ac, g, ITEMS, `<top xmlns="${NT}"><open>x</open></top>`)), '/nt:top/nt:open');
    });

    it('rule order: the first matching rule decides', () => {
      const permit = `<path xmlns:t="${NT}">/t:top/t:item[t:id='a']</path><access-operations>read</access-operations><action>permit</action>`;
      const ac = acl(rules(permit, deny('/t:top/t:item', 'read')));
      assert.deepEqual(
        ac.filterRead(g, nodes(ITEMS))[0].children.map((c) => c.children[0].text),
        ['a'],
      );
    });

    it('module-name narrows a path rule; an augmenting module is its own module', () => {
      const AUG = `<top xmlns="${NT}"><item><id>a</id><note>n</note><extra xmlns="${NA}">e</extra></item></top>`;
      const byModule = `<module-name>nacm-aug</module-name><access-operations>read</access-operations><action>deny</action>`;
      assert.equal(show(acl(rules(byModule)).filterRead(g, nodes(AUG))), show(nodes(`<top xmlns="${NT}"><item><id>a</id><note>n</note></item></top>`)));
      const wrongModule = `<module-name>nacm-aug</module-name>${deny('/t:top/t:item/t:note', 'read')}`;
      assert.equal(show(acl(rules(wrongModule)).filterRead(g, nodes(AUG))), show(nodes(AUG)));
    });

    it('a path rule stored through edit-config keeps the meaning of its prefixes', () => {
      // the prefix "t" is no module name or YANG prefix: only its XML declaration says what it means
      const el = stored(`<nacm xmlns="${ACM}"><rule-list><name>l</name><group>g</group><rule><name>r</name>${deny("/t:top/t:item[t:id='b']", 'read')}</rule></rule-list></nacm>`);
      assert.equal(acl(el).filterRead(g, nodes(ITEMS))[0].children.length, 1);
    });

    it('prefixes stored without their XML declarations are read as module names, then as YANG prefixes', () => {
      for (const p of ["/nacm-test:top/nacm-test:item[nacm-test:id='b']", "/nt:top/nt:item[nt:id='b']"]) {
        const el = rules(`<path>${p}</path><access-operations>read</access-operations><action>deny</action>`);
        assert.equal(acl(el).filterRead(g, nodes(ITEMS))[0].children.length, 1, p);
      }
      // a path that does not resolve matches nothing
      const el = rules(`<path>/zz:top</path><access-operations>read</access-operations><action>deny</action>`);
      assert.equal(show(acl(el).filterRead(g, nodes(ITEMS))), show(nodes(ITEMS)));
    });
  });

  describe('cost', () => {
    it('filterRead over 10,000 peers (printed, not asserted)', function () {
      this.timeout(60_000);
      const peers = Array.from({ length: 10_000 }, (_, i) => `<peer><address>10.${(i >> 8) & 255}.${i & 255}.1</address><remote-as>${65000 + (i % 100)}</remote-as><description>p${i}</description></peer>`).join('');
      const data = [parseXml(`<bgp xmlns="${BGP}"><local-as>65001</local-as>${peers}</bgp>`), stored(serialize(factoryNacm()))];
      const time = (label: string, ac: AccessControl, u: NacmUser, expectPeers: number): void => {
        ac.filterRead(u, data);
        const runs = 200;
        const t0 = process.hrtime.bigint();
        let out: XmlElement[] = [];
        for (let i = 0; i < runs; i++) out = ac.filterRead(u, data);
        const us = Number(process.hrtime.bigint() - t0) / 1000 / runs;
        const bgp = out.find((e) => e.name === 'bgp');
        assert.equal(bgp?.children.filter((c) => c.name === 'peer').length ?? 0, expectPeers, label);
        console.log(`      filterRead, 10,000 peers, ${label}: ${us.toFixed(1)} µs`);
      };
      const factory = acl(data[1]);
      for (const level of [0, 1, 2, 3]) time(`factory rules, level ${level}`, factory, user('u', levelGroups(level)), level === 0 ? 0 : 10_000);
      const pathRule = acl(
        sent(`<nacm xmlns="${ACM}"><rule-list><name>l</name><group>g</group><rule><name>r</name><path xmlns:b="${BGP}">/b:bgp/b:peer/b:description</path><access-operations>read</access-operations><action>deny</action></rule></rule-list></nacm>`),
      );
      time('a path rule below every peer', pathRule, user('u', ['g']), 10_000);
    });
  });
});
