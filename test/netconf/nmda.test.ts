// NMDA over NETCONF end to end over SSH (RFC 8526, RFC 8342): <get-data> of
// every datastore with each parameter, the origin annotation of
// <operational>, <edit-data>, the datastore leaf of <lock>/<unlock>/<validate>,
// NACM, and yanglint on the replies as sent.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { child, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { IMPLEMENTED } from '../../src/yang/implemented';
import { requireTool } from '../helpers/interop';
import { event, field, inbox, sessionPool, subscribe } from '../helpers/netconf';
import { REPO_ROOT, startServer, TestServer, USERS } from '../helpers/server';
import { complaints, yanglint } from '../helpers/yanglint';

const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-nmda';
const DS = 'urn:ietf:params:xml:ns:yang:ietf-datastores';
const OR = 'urn:ietf:params:xml:ns:yang:ietf-origin';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const ACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const NCM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring';
const YL = 'urn:ietf:params:xml:ns:yang:ietf-yang-library';
const WD_ATTR = 'urn:ietf:params:xml:ns:netconf:default:1.0';

const PEER = '127.0.0.2';
const INITIAL = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.1',
    listen: { address: '127.0.0.1', port: 0 },
    peer: [{ address: PEER, 'remote-as': 65002, passive: true }],
  },
};

const getData = (datastore: string, params = ''): string => `<get-data xmlns="${NM}" xmlns:ds="${DS}"><datastore>ds:${datastore}</datastore>${params}</get-data>`;
const editData = (datastore: string, config: string, params = ''): string => `<edit-data xmlns="${NM}" xmlns:ds="${DS}"><datastore>ds:${datastore}</datastore>${params}<config>${config}</config></edit-data>`;
const subtree = (inner: string): string => `<subtree-filter>${inner}</subtree-filter>`;
const BGP_ONLY = subtree(`<bgp xmlns="${BGP}"/>`);
const peerConfig = (address: string, remoteAs: string | number = 65001): string => `<bgp xmlns="${BGP}"><peer><address>${address}</address><remote-as>${remoteAs}</remote-as></peer></bgp>`;
const withDefaults = (mode: string): string => `<with-defaults>${mode}</with-defaults>`;
const originFilter = (name: string, ...origins: string[]): string => origins.map((o) => `<${name} xmlns:or="${OR}">or:${o}</${name}>`).join('');

/** The <data> of a get-data reply; fails on an rpc-error. */
function data(reply: XmlElement): XmlElement {
  assert.deepEqual(replyErrors(reply), [], serialize(reply));
  const d = child(reply, 'data', NM);
  assert.ok(d, serialize(reply));
  return d;
}

/** The one rpc-error of a reply. */
function error(reply: XmlElement): { tag: string; type: string; info?: XmlElement } {
  const errors = replyErrors(reply);
  assert.equal(errors.length, 1, serialize(reply));
  return errors[0];
}

function ok(reply: XmlElement): void {
  assert.deepEqual(replyErrors(reply), [], serialize(reply));
  assert.ok(child(reply, 'ok', BASE), serialize(reply));
}

/** Follows local names from `el` (the first match at each step). */
function at(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  return names.reduce<XmlElement | undefined>((e, n) => e && child(e, n), el);
}

const names = (el: XmlElement | undefined): string[] => (el?.children ?? []).map((c) => c.name);
const peers = (d: XmlElement): string[] => (child(d, 'bgp', BGP)?.children ?? []).filter((c) => c.name === 'peer').map((p) => child(p, 'address')?.text ?? '');

/** The or:origin annotation of a node: its value with the prefix resolved where it stands. */
function origin(el: XmlElement | undefined): string | undefined {
  const a = el?.attrs.find((x) => x.ns === OR && x.name === 'origin');
  if (!a || !el) return undefined;
  const [prefix, name] = a.value.split(':');
  assert.equal(el.nsDecls?.[prefix], OR, `prefix ${prefix} of ${a.value} is not declared on <${el.name}>`);
  return name;
}

/** Every or:origin annotation in a tree. */
const annotations = (els: readonly XmlElement[]): number => els.reduce((n, e) => n + (origin(e) ? 1 : 0) + annotations(e.children), 0);

describe('NMDA over NETCONF (RFC 8526)', function () {
  this.timeout(60_000);
  let server: TestServer;
  const { session, closeAll } = sessionPool(() => server);

  before(async () => {
    server = await startServer({ config: { 'initial-content': INITIAL } });
  });
  afterEach(() => closeAll());
  after(async () => {
    await server?.stop();
  });

  it('advertises :with-operational-defaults and ietf-netconf-nmda (origin, with-defaults); the YANG library lists the five datastores', async () => {
    const c = await session();
    assert.ok(c.serverCapabilities.some((u) => u.startsWith('urn:ietf:params:netconf:capability:with-operational-defaults:1.0')), c.serverCapabilities.join('\n'));
    const lib = child(data(await c.rpc(getData('operational', subtree(`<yang-library xmlns="${YL}"/>`)))), 'yang-library', YL);
    const nmda = at(lib, 'module-set')?.children.find((m) => m.name === 'module' && field(m, 'name') === 'ietf-netconf-nmda');
    assert.ok(nmda, serialize(lib as XmlElement));
    assert.deepEqual(nmda.children.filter((f) => f.name === 'feature').map((f) => f.text).sort(), ['origin', 'with-defaults']);
    const datastores = (lib?.children ?? []).filter((d) => d.name === 'datastore');
    assert.deepEqual(datastores.map((d) => field(d, 'name')), ['ds:running', 'ds:candidate', 'ds:startup', 'ds:intended', 'ds:operational']);
    for (const d of datastores) assert.equal(field(d, 'schema'), 'all');
  });

  it('get-data of running, candidate and startup is what get-config returns; intended is running', async () => {
    const c = await session();
    ok(await c.rpc(`<copy-config><target><startup/></target><source><running/></source></copy-config>`));
    ok(await c.rpc(`<edit-config><target><candidate/></target><config>${peerConfig('10.1.0.1')}</config></edit-config>`));
    try {
      const getConfig = async (source: string): Promise<string> => serialize({ ...(child(await c.rpc(`<get-config><source><${source}/></source></get-config>`), 'data', BASE) as XmlElement), ns: NM });
      for (const [ds, source] of [['running', 'running'], ['candidate', 'candidate'], ['startup', 'startup'], ['intended', 'running']]) {
        assert.equal(serialize(data(await c.rpc(getData(ds)))), await getConfig(source), ds);
      }
      assert.deepEqual(peers(data(await c.rpc(getData('candidate', BGP_ONLY)))), [PEER, '10.1.0.1']);
      assert.deepEqual(peers(data(await c.rpc(getData('intended', BGP_ONLY)))), [PEER]);
    } finally {
      ok(await c.rpc('<discard-changes/>'));
    }
  });

  it('get-data of operational is the running configuration with the state merged in, as <get> gives it', async () => {
    const c = await session();
    const op = data(await c.rpc(getData('operational')));
    const get = child(await c.rpc('<get/>'), 'data', BASE) as XmlElement;
    assert.deepEqual(names(op), names(get));
    const filtered = data(await c.rpc(getData('operational', BGP_ONLY)));
    assert.equal(serialize(child(filtered, 'bgp', BGP) as XmlElement), serialize(child(child(await c.rpc(`<get><filter><bgp xmlns="${BGP}"/></filter></get>`), 'data', BASE) as XmlElement, 'bgp', BGP) as XmlElement));
    const peer = at(filtered, 'bgp', 'peer');
    assert.equal(field(peer as XmlElement, 'remote-as'), '65002');
    assert.ok(at(peer, 'state', 'session-state'), serialize(filtered));
    assert.ok(child(op, 'netconf-state', NCM));
  });

  it('subtree-filter and xpath-filter select as <get> does; an empty subtree-filter selects nothing', async () => {
    const c = await session();
    const bySubtree = data(await c.rpc(getData('operational', subtree(`<bgp xmlns="${BGP}"><peer><address>${PEER}</address><remote-as/></peer></bgp>`))));
    assert.equal(serialize(child(bySubtree, 'bgp', BGP) as XmlElement), `<bgp xmlns="${BGP}"><peer><address>${PEER}</address><remote-as>65002</remote-as></peer></bgp>`);
    const byXpath = data(await c.rpc(getData('running', `<xpath-filter xmlns:b="${BGP}">/b:bgp/b:peer[b:address='${PEER}']/b:remote-as</xpath-filter>`)));
    assert.equal(serialize(child(byXpath, 'bgp', BGP) as XmlElement), `<bgp xmlns="${BGP}"><peer><address>${PEER}</address><remote-as>65002</remote-as></peer></bgp>`);
    assert.deepEqual(names(data(await c.rpc(getData('operational', subtree(''))))), []);
  });

  it('config-filter: true keeps config true nodes; false keeps config false nodes with their ancestors and list keys', async () => {
    const c = await session();
    const config = data(await c.rpc(getData('operational', '<config-filter>true</config-filter>')));
    assert.equal(child(config, 'netconf-state', NCM), undefined);
    assert.deepEqual(names(at(config, 'bgp', 'peer')), ['address', 'remote-as', 'passive']);
    assert.equal(at(config, 'bgp', 'update-groups'), undefined);
    assert.deepEqual(names(at(config, 'nacm')).filter((n) => n.startsWith('denied-')), []);

    const state = data(await c.rpc(getData('operational', '<config-filter>false</config-filter>')));
    assert.ok(child(state, 'netconf-state', NCM));
    assert.deepEqual(names(child(state, 'bgp', BGP)), ['peer', 'update-groups']);
    assert.deepEqual(names(at(state, 'bgp', 'peer')), ['address', 'state']);
    assert.deepEqual(names(child(state, 'nacm', ACM)), ['denied-operations', 'denied-data-writes', 'denied-notifications']);
    // the configuration datastores hold no config false node
    assert.deepEqual(names(data(await c.rpc(getData('running', '<config-filter>false</config-filter>')))), []);
    assert.ok(child(data(await c.rpc(getData('running', '<config-filter>true</config-filter>'))), 'bgp', BGP));
  });

  it('max-depth: the levels kept below each selected node, list entries with their keys', async () => {
    const c = await session();
    const top = data(await c.rpc(getData('operational', '<max-depth>1</max-depth>')));
    assert.ok(top.children.length > 3);
    for (const t of top.children) assert.deepEqual(t.children, [], t.name);
    const peersOnly = subtree(`<bgp xmlns="${BGP}"><peer/></bgp>`);
    assert.equal(serialize(child(data(await c.rpc(getData('running', `${peersOnly}<max-depth>1</max-depth>`))), 'bgp', BGP) as XmlElement), `<bgp xmlns="${BGP}"><peer><address>${PEER}</address></peer></bgp>`);
    const two = at(data(await c.rpc(getData('operational', `${peersOnly}<max-depth>2</max-depth>`))), 'bgp', 'peer');
    assert.deepEqual(names(two), ['address', 'remote-as', 'passive', 'state']);
    assert.deepEqual(at(two, 'state')?.children, []);
    const unbounded = at(data(await c.rpc(getData('operational', `${peersOnly}<max-depth>unbounded</max-depth>`))), 'bgp', 'peer', 'state');
    assert.ok(child(unbounded as XmlElement, 'session-state'));
    // a content match sibling set selects its parent: depth counts from the peer
    const matched = at(data(await c.rpc(getData('running', `${subtree(`<bgp xmlns="${BGP}"><peer><address>${PEER}</address></peer></bgp>`)}<max-depth>1</max-depth>`))), 'bgp', 'peer');
    assert.deepEqual(names(matched), ['address']);
    // an XPath filter: depth counts from each node it selects
    const byXPath = at(data(await c.rpc(getData('operational', `<xpath-filter xmlns:b="${BGP}">/b:bgp/b:peer[b:address='${PEER}']</xpath-filter><max-depth>2</max-depth>`))), 'bgp', 'peer');
    assert.deepEqual(names(byXPath), ['address', 'remote-as', 'passive', 'state']);
    assert.deepEqual(at(byXPath, 'state')?.children, []);
    const leaf = at(data(await c.rpc(getData('operational', `<xpath-filter xmlns:b="${BGP}">/b:bgp/b:peer/b:state</xpath-filter><max-depth>1</max-depth>`))), 'bgp', 'peer');
    assert.deepEqual(names(leaf), ['address', 'state']);
    assert.deepEqual(at(leaf, 'state')?.children, []);
  });

  it('with-origin: or:intended configuration, or:learned BGP state, or:system server state, or:default schema defaults, inherited below', async () => {
    const c = await session();
    const filter = subtree(`<bgp xmlns="${BGP}"/><nacm xmlns="${ACM}"/><netconf-state xmlns="${NCM}"><statistics/></netconf-state>`);
    const d = data(await c.rpc(getData('operational', `${filter}<with-origin/>${withDefaults('report-all')}`)));
    const bgp = child(d, 'bgp', BGP);
    assert.equal(origin(bgp), 'intended');
    assert.equal(origin(child(bgp as XmlElement, 'local-as')), undefined, 'inherited from bgp');
    const peer = at(d, 'bgp', 'peer');
    assert.equal(origin(peer), undefined);
    assert.equal(origin(child(peer as XmlElement, 'remote-as')), undefined);
    assert.equal(origin(child(peer as XmlElement, 'remote-port')), 'default');
    assert.equal(origin(child(peer as XmlElement, 'state')), 'learned');
    assert.equal(origin(at(peer, 'state', 'session-state')), undefined, 'inherited from state');
    assert.equal(origin(at(d, 'bgp', 'update-groups')), 'learned');
    assert.equal(origin(at(d, 'bgp', 'listen', 'address')), undefined, 'set in running');
    assert.equal(origin(at(d, 'bgp', 'refresh-timing')), 'default');
    assert.equal(origin(at(d, 'bgp', 'refresh-timing', 'timeout')), undefined, 'inherited from refresh-timing');
    assert.equal(origin(child(d, 'nacm', ACM)), 'intended');
    assert.equal(origin(at(d, 'nacm', 'denied-operations')), 'system');
    assert.equal(origin(child(d, 'netconf-state', NCM)), 'system');
    assert.equal(origin(at(d, 'netconf-state', 'statistics', 'in-rpcs')), undefined);
    // without with-origin, no annotation at all
    assert.equal(annotations(data(await c.rpc(getData('operational', `${filter}${withDefaults('report-all')}`))).children), 0);
  });

  it('origin-filter and negated-origin-filter select configuration by origin; state is not filtered', async () => {
    const c = await session();
    const get = async (params: string): Promise<XmlElement> => data(await c.rpc(getData('operational', `${BGP_ONLY}${withDefaults('report-all')}${params}`)));
    const intended = await get(originFilter('origin-filter', 'intended'));
    assert.ok(at(intended, 'bgp', 'local-as'));
    assert.equal(at(intended, 'bgp', 'peer', 'remote-port'), undefined);
    assert.ok(at(intended, 'bgp', 'peer', 'state', 'session-state'), 'state stays');
    const defaults = await get(originFilter('origin-filter', 'default'));
    assert.deepEqual(names(at(defaults, 'bgp', 'peer')), ['address', 'remote-port', 'timers', 'route-refresh', 'enhanced-route-refresh', 'state']);
    assert.equal(at(defaults, 'bgp', 'local-as'), undefined);
    const both = await get(originFilter('origin-filter', 'default', 'intended'));
    assert.ok(at(both, 'bgp', 'local-as') && at(both, 'bgp', 'peer', 'remote-port'));
    const notIntended = await get(originFilter('negated-origin-filter', 'intended'));
    assert.equal(serialize(notIntended), serialize(defaults));
    // no configuration left: the state with its ancestors and keys
    const stateOnly = await get(originFilter('negated-origin-filter', 'intended', 'default'));
    assert.deepEqual(names(child(stateOnly, 'bgp', BGP)), ['peer', 'update-groups']);
    assert.deepEqual(names(at(stateOnly, 'bgp', 'peer')), ['address', 'state']);
  });

  it('with-defaults on the configuration datastores and on operational', async () => {
    const c = await session();
    const peerOf = async (ds: string, mode: string): Promise<XmlElement | undefined> => at(data(await c.rpc(getData(ds, `${BGP_ONLY}${withDefaults(mode)}`))), 'bgp', 'peer');
    assert.equal(field((await peerOf('running', 'report-all')) as XmlElement, 'remote-port'), '179');
    assert.equal(child((await peerOf('running', 'explicit')) as XmlElement, 'remote-port'), undefined);
    const tagged = child((await peerOf('intended', 'report-all-tagged')) as XmlElement, 'remote-port');
    assert.ok(tagged?.attrs.some((a) => a.ns === WD_ATTR && a.name === 'default' && a.value === 'true'));
    assert.equal(field((await peerOf('operational', 'report-all')) as XmlElement, 'remote-port'), '179');
    // passive is set to true, not its default: trim keeps it
    assert.equal(field((await peerOf('operational', 'trim')) as XmlElement, 'passive'), 'true');
  });

  it('refuses with-origin and origin filters outside operational, datastores it has not, and edit-data of datastores it does not write', async () => {
    const c = await session();
    const invalid = async (rpc: string, badElement: string): Promise<void> => {
      const e = error(await c.rpc(rpc));
      assert.equal(e.tag, 'invalid-value', rpc);
      if (badElement) assert.equal(field(e.info as XmlElement, 'bad-element'), badElement, rpc);
    };
    await invalid(getData('running', '<with-origin/>'), 'with-origin');
    await invalid(getData('intended', originFilter('origin-filter', 'intended')), 'origin-filter');
    await invalid(getData('conventional'), 'datastore');
    await invalid(getData('nosuch'), '');
    await invalid(`<get-data xmlns="${NM}"><datastore>running</datastore></get-data>`, '');
    for (const ds of ['operational', 'startup', 'intended']) await invalid(editData(ds, peerConfig('10.1.0.9')), 'datastore');
    for (const ds of ['operational', 'intended']) await invalid(`<lock><target><datastore xmlns="${NM}" xmlns:ds="${DS}">ds:${ds}</datastore></target></lock>`, '');
    assert.deepEqual(peers(data(await c.rpc(getData('running', BGP_ONLY)))), [PEER]);
  });

  it('edit-data writes running and candidate as edit-config does; an error restores the datastore as it was', async () => {
    const c = await session();
    ok(await c.rpc(editData('running', peerConfig('10.2.0.1'))));
    const running = async (): Promise<string[]> => peers(child(await c.rpc(`<get-config><source><running/></source><filter><bgp xmlns="${BGP}"><peer><address/></peer></bgp></filter></get-config>`), 'data', BASE) as XmlElement);
    assert.deepEqual(await running(), [PEER, '10.2.0.1']);
    // rollback-on-error: the good peer does not stay either
    const e = error(await c.rpc(editData('running', `<bgp xmlns="${BGP}"><peer><address>10.2.0.2</address><remote-as>65001</remote-as></peer><peer><address>10.2.0.3</address><remote-as>x</remote-as></peer></bgp>`)));
    assert.equal(e.tag, 'invalid-value');
    assert.deepEqual(await running(), [PEER, '10.2.0.1']);
    const remove = `<bgp xmlns="${BGP}" xmlns:nc="${BASE}"><peer nc:operation="delete"><address>10.2.0.1</address></peer></bgp>`;
    ok(await c.rpc(editData('running', remove, '<default-operation>none</default-operation>')));
    assert.deepEqual(await running(), [PEER]);
    ok(await c.rpc(editData('candidate', peerConfig('10.2.0.4'))));
    assert.deepEqual(peers(data(await c.rpc(getData('candidate', BGP_ONLY)))), [PEER, '10.2.0.4']);
    assert.deepEqual(await running(), [PEER]);
    ok(await c.rpc('<commit/>'));
    assert.deepEqual(await running(), [PEER, '10.2.0.4']);
    ok(await c.rpc(editData('running', remove.replace('10.2.0.1', '10.2.0.4'), '<default-operation>none</default-operation>')));
  });

  it('edit-data publishes the netconf-config-change that edit-config does', async () => {
    const c = await session();
    const watcher = await session();
    const box = inbox(watcher);
    ok(await subscribe(watcher));
    const change = async (): Promise<string> => {
      for (;;) {
        const e = event(await box.next());
        if (e.name === 'netconf-config-change') return serialize(e);
      }
    };
    ok(await c.rpc(`<edit-config><target><running/></target><config>${peerConfig('10.3.0.1')}</config></edit-config>`));
    const byEditConfig = await change();
    ok(await c.rpc(editData('running', peerConfig('10.3.0.2'))));
    const byEditData = await change();
    assert.match(byEditData, /<operation>create<\/operation>/);
    assert.equal(byEditData, byEditConfig.replace('10.3.0.1', '10.3.0.2'));
    ok(await c.rpc(editData('running', `<bgp xmlns="${BGP}" xmlns:nc="${BASE}"><peer nc:operation="delete"><address>10.3.0.1</address></peer><peer nc:operation="delete"><address>10.3.0.2</address></peer></bgp>`)));
  });

  it('lock, unlock and validate take the RFC 8526 datastore leaf', async () => {
    const a = await session();
    const b = await session();
    const target = (op: string, ds: string): string => `<${op}><target><datastore xmlns="${NM}" xmlns:ds="${DS}">ds:${ds}</datastore></target></${op}>`;
    ok(await a.rpc(target('lock', 'candidate')));
    const denied = error(await b.rpc('<lock><target><candidate/></target></lock>'));
    assert.equal(denied.tag, 'lock-denied');
    assert.equal(error(await b.rpc(editData('candidate', peerConfig('10.4.0.1')))).tag, 'in-use');
    ok(await a.rpc(target('unlock', 'candidate')));
    ok(await b.rpc(`<validate><source><datastore xmlns="${NM}" xmlns:ds="${DS}">ds:running</datastore></source></validate>`));
  });

  it('a level-1 user reads through NACM and is refused edit-data', async () => {
    const viewer = await session(USERS.viewer.name);
    for (const ds of ['running', 'operational']) {
      const d = data(await viewer.rpc(getData(ds)));
      assert.equal(child(d, 'nacm', ACM), undefined, ds);
      assert.deepEqual(peers(d), [PEER], ds);
    }
    const e = error(await viewer.rpc(editData('running', peerConfig('10.5.0.1'))));
    assert.equal(e.tag, 'access-denied');
    assert.deepEqual(peers(data(await viewer.rpc(getData('running')))), [PEER]);
  });

  describe('yanglint on the replies as sent', () => {
    /** libyang's warning about RFC 6470's own text (`../confirm-event`), not about the data. */
    const RFC6470_WARNING = /^libyang warn: Schema node "confirm-event" .*$/gm;
    /** The implemented modules (as the server announces them), from yang/ and yang/ietf/. */
    const modules = (): string[] => {
      const files = [...readdirSync(join(REPO_ROOT, 'yang')).map((f) => `yang/${f}`), ...readdirSync(join(REPO_ROOT, 'yang/ietf')).map((f) => `yang/ietf/${f}`)];
      return [...IMPLEMENTED.keys()].map((m) => files.find((f) => f.endsWith(`/${m}.yang`) || f.includes(`/${m}@`))).filter((f): f is string => f !== undefined);
    };

    for (const [title, ds, params] of [
      ['running', 'running', ''],
      ['candidate, report-all', 'candidate', withDefaults('report-all')],
      ['startup', 'startup', ''],
      ['intended, trim', 'intended', withDefaults('trim')],
      ['operational with origin metadata, report-all', 'operational', `<with-origin/>${withDefaults('report-all')}`],
      ['operational with origin metadata, config false, max-depth 3', 'operational', '<config-filter>false</config-filter><max-depth>3</max-depth><with-origin/>'],
    ]) {
      it(`get-data of ${title}`, async function () {
        requireTool(this, 'yanglint', 'libyang2-tools');
        const c: NetconfClient = await session();
        const op = getData(ds, params);
        const reply = await c.rpcText(op);
        const messageId = /message-id="([^"]+)"/.exec(reply)?.[1];
        assert.ok(messageId && !reply.includes('<rpc-error>'), reply);
        if (ds === 'operational' && params.includes('with-origin')) assert.ok(annotations(parseXml(reply).children) > 0, reply);
        const request = `<rpc xmlns="${BASE}" message-id="${messageId}">${op}</rpc>`;
        assert.equal(complaints(yanglint({ type: 'nc-reply', modules: modules(), file: 'reply.xml', data: reply, flags: { '-R': request } }), RFC6470_WARNING), '', reply);
      });
    }
  });
});
