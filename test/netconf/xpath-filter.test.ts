// The :xpath capability (RFC 6241 section 8.9): XPath filters in <get>,
// <get-config> and <create-subscription> (RFC 5277 section 3.6), end to end
// over SSH, with access control (RFC 8341 section 3.4.5) applied first.
import assert from 'node:assert/strict';
import { replyErrors } from '../../src/netconf/client';
import type { NetconfClient } from '../../src/netconf/client';
import { applyFilter, mayReach, notificationPasses, xpathFilter } from '../../src/netconf/filter';
import type { Filter } from '../../src/netconf/filter';
import { CAPABILITY } from '../../src/model/namespaces';
import { NetconfRpcError } from '../../src/model/rpc-error';
import { child, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { DEFAULT_YANG_DIR, SchemaRegistry } from '../../src/yang/registry';
import { event, field, inbox, sessionPool, subscribe } from '../helpers/netconf';
import { startServer, TestServer } from '../helpers/server';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const NCN = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications';
const PEERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

const INITIAL_CONTENT = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.1',
    listen: { port: 0 },
    peer: [
      { address: PEERS[0], 'remote-as': 65002 },
      { address: PEERS[1], 'remote-as': 65003, passive: true, description: 'three' },
      { address: PEERS[2], 'remote-as': 65004 },
    ],
  },
};

/** A <filter type="xpath"> with prefix b for ncbgp-bgp (and n for NACM) declared on it. */
const xpath = (select: string): string => `<filter type="xpath" xmlns:b="${BGP}" xmlns:n="${NACM}" select="${select}"/>`;

/** The <data> of a reply, serialized without whitespace, or the reply when it holds an error. */
function data(reply: XmlElement): string {
  const d = child(reply, 'data');
  assert.ok(d, serialize(reply));
  return d.children.map((c) => serialize(c)).join('');
}

/** The one rpc-error of a reply: tag and error-info children. */
function error(reply: XmlElement): { tag: string; info: Record<string, string>; message?: string } {
  const errs = replyErrors(reply);
  assert.equal(errs.length, 1, serialize(reply));
  const info: Record<string, string> = {};
  for (const c of errs[0].info?.children ?? []) info[c.name] = c.text;
  return { tag: errs[0].tag, info, message: errs[0].message };
}

const peer = (address: string, inner = ''): string => `<peer><address>${address}</address>${inner}</peer>`;
const bgp = (inner: string): string => `<bgp xmlns="${BGP}">${inner}</bgp>`;

describe('XPath filters (RFC 6241 section 8.9)', function () {
  this.timeout(30_000);
  let server: TestServer;
  const { session, closeAll } = sessionPool(() => server);
  let admin: NetconfClient;
  let viewer: NetconfClient;

  before(async () => {
    server = await startServer({ config: { 'initial-content': INITIAL_CONTENT, netconf: { 'replay-buffer-size': 100 } } });
    admin = await session();
    viewer = await session('viewer');
  });
  after(async () => {
    closeAll();
    await server.stop();
  });

  const getConfig = (c: NetconfClient, filter: string, rpcAttributes = ''): Promise<XmlElement> => c.rpc(`<get-config><source><running/></source>${filter}</get-config>`, rpcAttributes);

  it('the server advertises :xpath', () => {
    assert.ok(admin.serverCapabilities.includes(CAPABILITY.xpath));
  });

  it('get-config: a list entry by its key, with its whole subtree', async () => {
    const r = await getConfig(admin, xpath(`/b:bgp/b:peer[b:address='${PEERS[1]}']`));
    assert.equal(data(r), bgp(peer(PEERS[1], '<remote-as>65003</remote-as><passive>true</passive><description>three</description>')));
  });

  it('get-config: a leaf of every entry, each entry with its key', async () => {
    const r = await getConfig(admin, xpath('/b:bgp/b:peer/b:remote-as'));
    assert.equal(data(r), bgp(PEERS.map((a, i) => peer(a, `<remote-as>${65002 + i}</remote-as>`)).join('')));
  });

  it('get-config: a union of overlapping selections merges into one tree in document order', async () => {
    const r = await getConfig(admin, xpath(`/b:bgp/b:peer/b:remote-as | /b:bgp/b:peer[b:address='${PEERS[1]}'] | /b:bgp/b:local-as`));
    assert.equal(
      data(r),
      bgp(
        '<local-as>65000</local-as>' +
          peer(PEERS[0], '<remote-as>65002</remote-as>') +
          peer(PEERS[1], '<remote-as>65003</remote-as><passive>true</passive><description>three</description>') +
          peer(PEERS[2], '<remote-as>65004</remote-as>'),
      ),
    );
  });

  it('a predicate may test a default (the accessible tree), which is not put into the reply', async () => {
    const r = await getConfig(admin, xpath("/b:bgp/b:peer[b:passive='false']/b:address"));
    assert.equal(data(r), bgp(peer(PEERS[0]) + peer(PEERS[2])));
    const defaults = await getConfig(admin, xpath('/b:bgp/b:peer/b:remote-port'));
    assert.equal(data(defaults), '', 'remote-port is only a default');
  });

  it('get: predicates on state data; get-config has none', async () => {
    const notUp = await admin.rpc(`<get>${xpath("/b:bgp/b:peer[b:state/b:session-state!='established']/b:address")}</get>`);
    assert.equal(data(notUp), bgp(PEERS.map((a) => peer(a)).join('')), 'no peer is established');
    const up = await admin.rpc(`<get>${xpath("/b:bgp/b:peer[b:state/b:session-state='established']/b:address")}</get>`);
    assert.equal(data(up), '');
    const states = await admin.rpc(`<get>${xpath(`/b:bgp/b:peer[b:address='${PEERS[0]}']/b:state/b:session-state`)}</get>`);
    assert.match(data(states), new RegExp(`^${bgp(peer(PEERS[0], '<state><session-state>[a-z]+</session-state></state>'))}$`));
    const config = await getConfig(admin, xpath("/b:bgp/b:peer[b:state/b:session-state!='established']/b:address"));
    assert.equal(data(config), '');
  });

  it('namespaces: prefixes declared on <filter> or on an ancestor (<rpc>); unprefixed names are in no namespace', async () => {
    const expected = bgp(peer(PEERS[2]));
    const onFilter = await getConfig(admin, `<filter type="xpath" xmlns:x="${BGP}" select="/x:bgp/x:peer[x:remote-as=65004]/x:address"/>`);
    assert.equal(data(onFilter), expected);
    const onRpc = await getConfig(admin, '<filter type="xpath" select="/y:bgp/y:peer[y:remote-as=65004]/y:address"/>', `xmlns:y="${BGP}"`);
    assert.equal(data(onRpc), expected);
    // the innermost declaration of a prefix wins
    const shadowed = await getConfig(admin, `<filter type="xpath" xmlns:y="${BGP}" select="/y:bgp/y:local-as"/>`, 'xmlns:y="urn:example:other"');
    assert.equal(data(shadowed), bgp('<local-as>65000</local-as>'));
    // XPath 1.0 section 2.3: no default namespace applies to names in the expression
    const unprefixed = await getConfig(admin, `<nc:filter xmlns:nc="${NC}" xmlns="${BGP}" type="xpath" select="/bgp/peer"/>`);
    assert.equal(data(unprefixed), '');
    // a prefix declared nowhere may be an implemented module's name (RFC 7951 style), as ncclient sends it
    const byModule = await getConfig(admin, '<filter type="xpath" select="/ncbgp-bgp:bgp/ncbgp-bgp:peer[ncbgp-bgp:remote-as=65004]/ncbgp-bgp:address"/>');
    assert.equal(data(byModule), expected);
    const wildcard = await getConfig(admin, '<filter type="xpath" select="/*/*[local-name()=\'local-as\']"/>');
    assert.equal(data(wildcard), bgp('<local-as>65000</local-as>'));
  });

  it('errors: missing select, unknown type, unknown prefix, malformed, not a node-set, not evaluable', async () => {
    assert.deepEqual(error(await getConfig(admin, '<filter type="xpath"/>')), { tag: 'missing-attribute', info: { 'bad-attribute': 'select', 'bad-element': 'filter' }, message: 'an xpath filter needs a select attribute (RFC 6241 section 8.9)' });
    const type = error(await getConfig(admin, '<filter type="regex" select="x"/>'));
    assert.deepEqual([type.tag, type.info], ['bad-attribute', { 'bad-attribute': 'type', 'bad-element': 'filter' }]);
    const selectInfo = { 'bad-attribute': 'select', 'bad-element': 'filter' };
    for (const [select, message] of [
      ['/q:bgp', /unknown prefix "q"/],
      ['/b:bgp/b:peer[', /expression ends too early|expected/],
      ['/b:bgp/b:peer[b:address=', /expression ends too early|expected/],
      ['count(/b:bgp/b:peer)', /is no node-set/],
      ["/b:bgp/b:peer/b:address = '127.0.0.2'", /is no node-set/],
      ["'text'", /is no node-set/],
      ["/b:bgp[count('x') = 1]", /cannot be evaluated: count\(\) needs a node-set/],
    ] as const) {
      const e = error(await getConfig(admin, xpath(select)));
      assert.equal(e.tag, 'invalid-value', select);
      assert.deepEqual(e.info, selectInfo, select);
      assert.match(e.message ?? '', message, select);
    }
  });

  it('the root selects all the data the session may read', async () => {
    const all = await getConfig(admin, '');
    assert.equal(data(await getConfig(admin, xpath('/'))), data(all));
  });

  describe('access control first (RFC 8341 section 3.4.5)', () => {
    it('a level-1 user selects nothing it may not read', async () => {
      assert.match(data(await getConfig(admin, xpath('/n:nacm/n:rule-list/n:name'))), /<name>read-only<\/name>/);
      assert.equal(data(await getConfig(viewer, xpath('/n:nacm/n:rule-list/n:name'))), '');
      assert.equal(data(await viewer.rpc(`<get>${xpath('/n:nacm')}</get>`)), '');
      // every top-level node: the admin's include /nacm:nacm, the viewer's do not
      const names = (r: XmlElement): string[] => (child(r, 'data')?.children ?? []).map((c) => c.name);
      assert.ok(names(await getConfig(admin, xpath('/*'))).includes('nacm'));
      assert.deepEqual(names(await getConfig(viewer, xpath('/*'))), ['bgp']);
    });

    it('nor tests it: a predicate on NACM rules is false for a level-1 user', async () => {
      const select = "/b:bgp/b:local-as[/n:nacm/n:rule-list/n:name='read-only']";
      assert.equal(data(await getConfig(admin, xpath(select))), bgp('<local-as>65000</local-as>'));
      assert.equal(data(await getConfig(viewer, xpath(select))), '');
      const counted = "/b:bgp/b:local-as[count(//n:rule) = 0]";
      assert.equal(data(await getConfig(admin, xpath(counted))), '');
      assert.equal(data(await getConfig(viewer, xpath(counted))), bgp('<local-as>65000</local-as>'));
    });
  });

  it('create-subscription: only the events the expression selects something in', async () => {
    const c = await session();
    const box = inbox(c);
    const ok = await subscribe(c, `<filter type="xpath" xmlns:ncn="${NCN}" select="/ncn:netconf-session-start[ncn:username='viewer'] | /ncn:netconf-session-end[ncn:username='viewer']/ncn:termination-reason"/>`);
    assert.equal(replyErrors(ok).length, 0, serialize(ok));
    await new Promise((r) => setTimeout(r, 50));
    const a = await session(); // admin: filtered out
    const v = await session('viewer');
    await a.close();
    await v.close();
    const start = event(await box.next());
    assert.equal(start.name, 'netconf-session-start');
    assert.equal(field(start, 'session-id'), String(v.sessionId));
    const end = event(await box.next());
    assert.equal(end.name, 'netconf-session-end');
    assert.equal(field(end, 'session-id'), String(v.sessionId), 'the whole event, not only what was selected');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(box.all.length, 2, box.all.map((n) => serialize(n)).join('\n'));
  });

  it('create-subscription: a malformed expression is refused', async () => {
    const c = await session();
    const e = error(await subscribe(c, '<filter type="xpath" select="/ncn:netconf-session-start"/>'));
    assert.deepEqual([e.tag, e.info], ['invalid-value', { 'bad-attribute': 'select', 'bad-element': 'filter' }]);
  });
});

describe('filter.ts: mayReach, applyFilter, notificationPasses', () => {
  const schema = SchemaRegistry.load(DEFAULT_YANG_DIR);
  const scope = parseXml(`<rpc xmlns="${NC}" xmlns:n="${NACM}"><get><filter type="xpath" xmlns:b="${BGP}"/></get></rpc>`).children[0].children[0];
  const f = (select: string): Filter => xpathFilter(select, scope, schema);
  const DATA = parseXml(
    `<x><bgp xmlns="${BGP}"><local-as>65000</local-as>${PEERS.map((a, i) => `<peer><address>${a}</address><remote-as>${65002 + i}</remote-as></peer>`).join('')}</bgp>` +
      `<nacm xmlns="${NACM}"><rule-list><name>r</name><group>g</group></rule-list></nacm></x>`,
  ).children;

  // [expression, may reach /bgp:bgp, may reach /nacm:nacm]
  const REACH: readonly (readonly [string, boolean, boolean])[] = [
    ['/b:bgp/b:peer', true, false],
    ['b:bgp/b:peer/b:address', true, false],
    ['/b:bgp/b:peer[../b:local-as = 65000]', true, false],
    ['/b:bgp//b:address/..', true, false],
    ['/b:bgp[/n:nacm/n:rule-list]', true, true],
    ['/b:bgp | /n:nacm', true, true],
    ['/b:*', true, false],
    ['current()/b:bgp', true, false],
    ['/bgp', false, false],
    ['/*', true, true],
    ['/node()', true, true],
    ['//b:peer', true, true],
    ['/b:bgp/..', true, true],
    ['/b:bgp/following-sibling::*', true, true],
    ['/b:bgp/b:peer/ancestor::*', true, true],
    ['/b:bgp[string(current()) = "x"]', true, true],
    ['/', true, true],
  ];
  for (const [select, toBgp, toNacm] of REACH) {
    it(`${select}: reaches ${[toBgp && 'bgp', toNacm && 'nacm'].filter(Boolean).join(' and ') || 'nothing'}, and selects the same from the nodes it reaches alone`, () => {
      const filter = f(select);
      assert.deepEqual([mayReach(filter, BGP, 'bgp'), mayReach(filter, NACM, 'nacm')], [toBgp, toNacm]);
      const all = applyFilter(schema, filter, DATA).map((e) => serialize(e));
      const narrowed = applyFilter(schema, filter, DATA.filter((n) => mayReach(filter, n.ns, n.name))).map((e) => serialize(e));
      assert.deepEqual(narrowed, all);
    });
  }

  it('a subtree filter reaches the top-level nodes its roots name', () => {
    const subtree: Filter = { type: 'subtree', nodes: parseXml(`<filter><bgp xmlns="${BGP}"/><nacm/></filter>`).children };
    assert.deepEqual([mayReach(subtree, BGP, 'bgp'), mayReach(subtree, NACM, 'nacm'), mayReach(subtree, NACM, 'other')], [true, true, false]);
  });

  it('xpathFilter: errors name the element the expression came in', () => {
    const leaf = parseXml(`<xpath-filter xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-nmda">/b:bgp</xpath-filter>`);
    try {
      xpathFilter('/b:bgp', leaf, schema);
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof NetconfRpcError);
      assert.deepEqual([e.tag, e.info], ['invalid-value', { badElement: 'xpath-filter' }]);
    }
  });

  it('notificationPasses: an event passes when the expression selects something in it; an expression it cannot be evaluated on passes nothing', () => {
    const ev = parseXml(`<netconf-session-end xmlns="${NCN}"><username>a</username><termination-reason>killed</termination-reason></netconf-session-end>`);
    const scoped = (select: string): Filter => xpathFilter(select, parseXml(`<filter xmlns:e="${NCN}"/>`), schema);
    assert.equal(notificationPasses(schema, scoped("/e:netconf-session-end[e:termination-reason='killed']"), ev), true);
    assert.equal(notificationPasses(schema, scoped("/e:netconf-session-end[e:termination-reason='closed']"), ev), false);
    assert.equal(notificationPasses(schema, scoped('/e:netconf-session-start'), ev), false);
    assert.equal(notificationPasses(schema, scoped("/e:netconf-session-end[count('x')]"), ev), false);
    const subtree: Filter = { type: 'subtree', nodes: parseXml(`<filter><netconf-session-end xmlns="${NCN}"/></filter>`).children };
    assert.equal(notificationPasses(schema, subtree, ev), true);
  });
});
