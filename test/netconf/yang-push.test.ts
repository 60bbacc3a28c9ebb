// RFC 8641 YANG-Push over NETCONF (RFC 8640), end to end over SSH: periodic
// and on-change subscriptions to <running> and <operational>, access
// control, BGP session state and refresh operations changing under a real
// server with real BGP peers, the RFC's errors, modify and resync, a slow
// receiver, and what is sent checked by yanglint.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log';
import { NetconfClient, ReplyError, replyErrors } from '../../src/netconf/client';
import { configFrom } from '../../src/server/config';
import { RunningServer, startServer as startInProcess } from '../../src/server/server';
import { IMPLEMENTED } from '../../src/yang/implemented';
import { child, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { testPeer, TestPeer } from '../helpers/engine';
import { requireTool } from '../helpers/interop';
import { event, field, inbox, sessionPool } from '../helpers/netconf';
import { heapAfterGc, rawSession } from '../helpers/raw-session';
import { startServer, TestServer, USERS } from '../helpers/server';
import { complaints, yanglint } from '../helpers/yanglint';

const SN = 'urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications';
const YP = 'urn:ietf:params:xml:ns:yang:ietf-yang-push';
const DS = 'urn:ietf:params:xml:ns:yang:ietf-datastores';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const R = 'urn:ncbgp:yang:ncbgp-refresh';
const NACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const SYSC = 'urn:ietf:params:xml:ns:yang:ietf-system-capabilities';
const NOTC = 'urn:ietf:params:xml:ns:yang:ietf-notification-capabilities';

const USER_LIST = [USERS.admin, USERS.viewer, { name: 'visitor', password: 'visitor', level: 0 }];

/** establish-subscription to a datastore: `inner` holds the filter and the update trigger. */
const establish = (c: NetconfClient, datastore: string, inner: string): Promise<XmlElement> =>
  c.rpc(`<establish-subscription xmlns="${SN}"><datastore xmlns="${YP}" xmlns:ds="${DS}">ds:${datastore}</datastore>${inner}</establish-subscription>`);
const xpath = (expr: string): string => `<datastore-xpath-filter xmlns="${YP}" xmlns:bgp="${BGP}" xmlns:r="${R}" xmlns:nacm="${NACM}">${expr}</datastore-xpath-filter>`;
const subtree = (inner: string): string => `<datastore-subtree-filter xmlns="${YP}">${inner}</datastore-subtree-filter>`;
const periodic = (period: number): string => `<periodic xmlns="${YP}"><period>${period}</period></periodic>`;
const onChange = (inner = ''): string => `<on-change xmlns="${YP}">${inner}</on-change>`;
const SESSION_STATE = xpath('/bgp:bgp/bgp:peer/bgp:state/bgp:session-state');

function idOf(reply: XmlElement): number {
  assert.deepEqual(replyErrors(reply), [], serialize(reply));
  return Number(child(reply, 'id', SN)?.text);
}

/** RFC 8640 section 7 for an RFC 8641 identity: error-app-tag, and the reason in the RPC's yang-data. */
function assertPushError(reply: XmlElement, tag: string, reason: string, info: string, module = 'ietf-yang-push'): ReplyError {
  const errs = replyErrors(reply);
  assert.equal(errs.length, 1, serialize(reply));
  const e = errs[0];
  assert.equal(e.type, 'application', serialize(reply));
  assert.equal(e.tag, tag, serialize(reply));
  assert.equal(e.appTag, `${module}:${reason}`);
  const yangData = e.info && child(e.info, info, YP);
  assert.ok(yangData, `error-info has ${info}: ${serialize(reply)}`);
  assert.equal(field(yangData, 'reason'), `${module === 'ietf-yang-push' ? 'yp' : 'sn'}:${reason}`);
  return e;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Box = ReturnType<typeof inbox>;

/** The next notification of subscription `id` named `name`; others before it are passed over. */
async function next(box: Box, name: string, id: number, ms = 10_000): Promise<{ at: number; content: XmlElement; message: XmlElement }> {
  const end = Date.now() + ms;
  for (;;) {
    const n = await box.next(Math.max(1, end - Date.now()));
    const e = event(n);
    if (e.name === name && field(e, 'id') === String(id)) return { at: Date.now(), content: e, message: n };
  }
}

/** What a box holds of subscription `id`, by name. */
const of = (box: Box, name: string, id: number): XmlElement[] => box.all.map(event).filter((e) => e.name === name && field(e, 'id') === String(id));

/** The edits of a push-change-update: operation, target, and the value serialized. */
function edits(update: XmlElement): { operation: string; target: string; value: string }[] {
  const patch = child(child(update, 'datastore-changes', YP) as XmlElement, 'yang-patch', YP) as XmlElement;
  return patch.children
    .filter((c) => c.name === 'edit')
    .map((e) => ({ operation: field(e, 'operation') ?? '', target: field(e, 'target') ?? '', value: (child(e, 'value', YP)?.children ?? []).map((v) => serialize(v)).join('') }));
}

const contents = (update: XmlElement): XmlElement => child(update, 'datastore-contents', YP) as XmlElement;

async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('YANG-Push (RFC 8641 over NETCONF)', function () {
  this.timeout(120_000);
  let server: TestServer;
  const { session, closeAll } = sessionPool(() => server);
  const peers: TestPeer[] = [];
  // 127.0.0.2 for the session-state changes; 127.0.0.10-29 for a refresh of 20 peers
  const REFRESHED = Array.from({ length: 20 }, (_, i) => `127.0.0.${10 + i}`);

  const sessionStates = async (c: NetconfClient): Promise<Map<string, string>> => {
    const reply = await c.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP}"><peer><state><session-state/></state></peer></bgp></filter></get>`);
    const bgp = child(child(reply, 'data') as XmlElement, 'bgp', BGP);
    return new Map((bgp?.children ?? []).filter((p) => p.name === 'peer').map((p) => [field(p, 'address') ?? '', field(child(p, 'state', BGP) as XmlElement, 'session-state') ?? '']));
  };

  before(async () => {
    peers.push(await testPeer('127.0.0.2', 65001, []));
    for (const a of REFRESHED) peers.push(await testPeer(a, 65002, []));
    server = await startServer({
      config: {
        netconf: { users: USER_LIST },
        'initial-content': {
          'ncbgp-bgp:bgp': {
            'local-as': 65000,
            'router-id': '192.0.2.1',
            listen: { address: '127.0.0.1', port: 0 },
            peer: peers.map((p) => ({ address: p.address, 'remote-as': p.address === '127.0.0.2' ? 65001 : 65002, 'remote-port': p.port, 'local-address': '127.0.0.1', passive: false })),
          },
        },
      },
    });
    const admin = await session();
    await until('every peer established', async () => [...(await sessionStates(admin)).values()].filter((s) => s === 'established').length === peers.length);
  });
  afterEach(() => closeAll());
  after(async () => {
    await server?.stop();
    for (const p of peers) await p.engine.stop();
  });

  it('periodic: a push-update with the selection at each period; delete-subscription ends the timer', async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, 'operational', `${SESSION_STATE}${periodic(20)}`));
    const first = await next(box, 'push-update', id);
    const second = await next(box, 'push-update', id);
    assert.ok(second.at - first.at >= 150, `a period of 200 ms: ${second.at - first.at} ms`);
    const bgp = child(contents(second.content), 'bgp', BGP) as XmlElement;
    const peer2 = bgp.children.find((p) => field(p, 'address') === '127.0.0.2') as XmlElement;
    assert.equal(field(child(peer2, 'state', BGP) as XmlElement, 'session-state'), 'established');
    assert.equal(child(child(peer2, 'state', BGP) as XmlElement, 'uptime', BGP), undefined, 'the filter selects session-state only');
    await a.rpc(`<delete-subscription xmlns="${SN}"><id>${id}</id></delete-subscription>`);
    await next(box, 'subscription-terminated', id);
    const count = of(box, 'push-update', id).length;
    await sleep(600);
    assert.equal(of(box, 'push-update', id).length, count, 'no push-update after delete-subscription');
  });

  it('NACM first (RFC 8641 section 3.9): a level 1 user gets no /nacm, a level 0 user no /bgp; their subscriptions are established', async () => {
    const admin = await session();
    const viewer = await session(USERS.viewer.name);
    const visitor = await session('visitor');
    const boxes = [inbox(admin), inbox(viewer), inbox(visitor)];
    const ids = [idOf(await establish(admin, 'running', periodic(50))), idOf(await establish(viewer, 'running', periodic(50)))];
    const [adminGot, viewerGot] = await Promise.all(ids.map((id, i) => next(boxes[i], 'push-update', id)));
    const names = (u: XmlElement): string[] => contents(u).children.map((c) => c.name);
    assert.ok(names(adminGot.content).includes('nacm') && names(adminGot.content).includes('bgp'), names(adminGot.content).join());
    assert.ok(!names(viewerGot.content).includes('nacm') && names(viewerGot.content).includes('bgp'), names(viewerGot.content).join());
    // section 3.9: a selection may hold data the receiver may not read; it is removed silently, the subscription
    // stands, and an on-change subscription sends no push-change-update for changes the receiver may not see
    const vid = idOf(await establish(visitor, 'operational', `${SESSION_STATE}${onChange('<dampening-period>0</dampening-period>')}`));
    const sync = await next(boxes[2], 'push-update', vid);
    assert.deepEqual(contents(sync.content).children, []);
    await peers[0].engine.stop();
    await until('127.0.0.2 down', async () => (await sessionStates(admin)).get('127.0.0.2') !== 'established');
    await sleep(300);
    assert.deepEqual(of(boxes[2], 'push-change-update', vid), [], 'nothing the visitor may not read');
    peers[0] = await testPeer('127.0.0.2', 65001, []);
    await reconnect(admin, peers[0]);
  });

  /** Points the server's peer 127.0.0.2 at a restarted test peer's port and waits for the session. */
  async function reconnect(admin: NetconfClient, p: TestPeer): Promise<void> {
    const edit = `<edit-config><target><running/></target><config><bgp xmlns="${BGP}"><peer><address>${p.address}</address><remote-port>${p.port}</remote-port></peer></bgp></config></edit-config>`;
    assert.deepEqual(replyErrors(await admin.rpc(edit)), []);
    await until(`${p.address} established again`, async () => (await sessionStates(admin)).get(p.address) === 'established');
  }

  it("on-change to every peer's session-state: sync-on-start first, then push-change-updates within the dampening period as a peer goes down and comes back", async () => {
    const admin = await session();
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, 'operational', `${SESSION_STATE}${onChange('<dampening-period>20</dampening-period>')}`));
    const sync = await next(box, 'push-update', id);
    const bgp = child(contents(sync.content), 'bgp', BGP) as XmlElement;
    assert.equal(bgp.children.filter((p) => p.name === 'peer').length, peers.length);
    const down = Date.now();
    await peers[0].engine.stop();
    const first = await next(box, 'push-change-update', id, 5000);
    assert.ok(first.at - down < 1500, `${first.at - down} ms after the peer stopped`);
    const e = edits(first.content);
    assert.equal(e[0].operation, 'replace');
    assert.equal(e[0].target, '/ncbgp-bgp:bgp/peer=127.0.0.2/state/session-state');
    assert.match(e[0].value, /<session-state xmlns="urn:ncbgp:yang:ncbgp-bgp">(idle|connect|active|opensent|openconfirm)<\/session-state>/);
    peers[0] = await testPeer('127.0.0.2', 65001, []);
    await reconnect(admin, peers[0]);
    await until('established in a push-change-update', () => of(box, 'push-change-update', id).some((u) => edits(u).some((x) => x.value.includes('>established<'))));
    // dampening: no two push-change-updates closer than 200 ms
    const times = box.all.filter((n) => event(n).name === 'push-change-update').map((n) => Date.parse(field(n, 'eventTime') ?? ''));
    for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 190, `updates ${times[i] - times[i - 1]} ms apart`);
  });

  it("on-change to /ncbgp-refresh:refresh-operations: a refresh of 20 peers, every peer's result in push-change-updates", async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, 'operational', `${subtree(`<refresh-operations xmlns="${R}"/>`)}${onChange('<sync-on-start>false</sync-on-start>')}`));
    // each peer's result signals /bgp too (its last-refresh times): session-state does not change, so that subscription sends nothing
    const quiet = idOf(await establish(a, 'operational', `${SESSION_STATE}${onChange('<sync-on-start>false</sync-on-start>')}`));
    const reply = await a.rpc(`<refresh-bgp-mvpn xmlns="${R}"><external/><direction>export</direction></refresh-bgp-mvpn>`);
    assert.deepEqual(replyErrors(reply), [], serialize(reply));
    const all = (): ReturnType<typeof edits> => of(box, 'push-change-update', id).flatMap(edits);
    const completed = (addr: string): boolean => all().some((x) => x.target.includes(`peer=${addr}`) && (x.value.includes('>completed<') || x.value.includes('<status>completed')));
    await until('every peer completed in a push-change-update', () => REFRESHED.every(completed));
    assert.deepEqual(of(box, 'push-update', id), [], 'sync-on-start false: no push-update');
    await sleep(200);
    assert.deepEqual(of(box, 'push-change-update', quiet), [], 'a change with no effect on the selection sends nothing');
  });

  it('on-change-unsupported for a selection that can hold counters; datastore-not-subscribable for startup; period-unsupported with a hint', async () => {
    const a = await session();
    const info = 'establish-subscription-datastore-error-info';
    for (const filter of ['', xpath('/bgp:bgp/bgp:peer/bgp:state'), subtree(`<bgp xmlns="${BGP}"><update-groups/></bgp>`)]) {
      const e = assertPushError(await establish(a, 'operational', `${filter}${onChange()}`), 'operation-not-supported', 'on-change-unsupported', info);
      assert.match(e.message ?? '', /does not support on-change/);
    }
    // the same selections periodically, and running on change, are fine
    idOf(await establish(a, 'operational', `${xpath('/bgp:bgp/bgp:peer/bgp:state')}${periodic(100)}`));
    idOf(await establish(a, 'running', onChange()));
    assertPushError(await establish(a, 'startup', periodic(100)), 'invalid-value', 'datastore-not-subscribable', info);
    const p = assertPushError(await establish(a, 'running', periodic(1)), 'invalid-value', 'period-unsupported', info);
    assert.equal(field(child(p.info as XmlElement, info, YP) as XmlElement, 'period-hint'), '10');
  });

  it('RFC 9196 /system-capabilities tells the nodes without on-change, from the table the server refuses by', async () => {
    const a = await session();
    const reply = await a.rpc(`<get><filter type="subtree"><system-capabilities xmlns="${SYSC}"/></filter></get>`);
    const caps = child(child(reply, 'data') as XmlElement, 'system-capabilities', SYSC) as XmlElement;
    const system = child(caps, 'subscription-capabilities', NOTC) as XmlElement;
    assert.equal(field(system, 'minimum-update-period'), '10');
    assert.equal(field(system, 'on-change-supported'), 'config-changes state-changes');
    const operational = child(caps, 'datastore-capabilities', SYSC) as XmlElement;
    assert.equal(field(operational, 'datastore'), 'ds:operational');
    const none = new Set(
      operational.children
        .filter((c) => c.name === 'per-node-capabilities')
        .filter((c) => field(child(c, 'subscription-capabilities', NOTC) as XmlElement, 'on-change-supported') === '')
        .map((c) => field(c, 'node-selector')),
    );
    for (const n of ['/bgp:bgp/bgp:peer/bgp:state/bgp:uptime', '/bgp:bgp/bgp:peer/bgp:state/bgp:mvpn/bgp:received', '/bgp:bgp/bgp:update-groups/bgp:update-group/bgp:advertised', '/ncm:netconf-state', '/nacm:nacm']) {
      assert.ok(none.has(n), `${n} in ${[...none].join(' ')}`);
    }
    assert.ok(![...none].some((n) => n?.includes('session-state') || n?.includes('refresh-operations')));
    // each one refused as on-change-unsupported
    for (const n of ['/bgp:bgp/bgp:peer/bgp:state/bgp:uptime', '/ncm:netconf-state']) {
      const filter = `<datastore-xpath-filter xmlns="${YP}" xmlns:bgp="${BGP}" xmlns:ncm="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">${n}</datastore-xpath-filter>`;
      assertPushError(await establish(a, 'operational', `${filter}${onChange()}`), 'operation-not-supported', 'on-change-unsupported', 'establish-subscription-datastore-error-info');
    }
  });

  it('excluded-change: creates are not sent, deletes are', async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, 'running', `${xpath('/nacm:nacm/nacm:groups')}${onChange('<sync-on-start>false</sync-on-start><excluded-change>create</excluded-change>')}`));
    const group = (op = ''): string => `<edit-config><target><running/></target><config><nacm xmlns="${NACM}"><groups><group${op}><name>push-test</name><user-name>nobody</user-name></group></groups></nacm></config></edit-config>`;
    assert.deepEqual(replyErrors(await a.rpc(group())), []);
    await sleep(400);
    assert.deepEqual(of(box, 'push-change-update', id), [], 'a create is excluded');
    assert.deepEqual(replyErrors(await a.rpc(group(' xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"'))), []);
    const u = await next(box, 'push-change-update', id);
    assert.deepEqual(edits(u.content).map((x) => [x.operation, x.target]), [['delete', '/ietf-netconf-acm:nacm/groups/group=push-test']]);
  });

  it('modify-subscription changes the period (subscription-modified tells it); resync-subscription sends the whole selection', async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, 'operational', `${SESSION_STATE}${periodic(100)}`));
    await next(box, 'push-update', id);
    const modified = await a.rpc(`<modify-subscription xmlns="${SN}"><id>${id}</id><datastore xmlns="${YP}" xmlns:ds="${DS}">ds:operational</datastore>${SESSION_STATE}${periodic(20)}</modify-subscription>`);
    assert.deepEqual(replyErrors(modified), [], serialize(modified));
    const told = await next(box, 'subscription-modified', id);
    assert.equal(field(child(told.content, 'periodic', YP) as XmlElement, 'period'), '20');
    const p1 = await next(box, 'push-update', id);
    const p2 = await next(box, 'push-update', id);
    assert.ok(p2.at - p1.at < 600, `the new period: ${p2.at - p1.at} ms`);
    // resync is for on-change subscriptions (section 4.4.5)
    assertPushError(await a.rpc(`<resync-subscription xmlns="${YP}"><id>${id}</id></resync-subscription>`), 'invalid-value', 'no-such-subscription-resync', 'resync-subscription-error');
    const oc = idOf(await establish(a, 'operational', `${SESSION_STATE}${onChange('<sync-on-start>false</sync-on-start>')}`));
    await sleep(200);
    assert.deepEqual(of(box, 'push-update', oc), []);
    assert.deepEqual(replyErrors(await a.rpc(`<resync-subscription xmlns="${YP}"><id>${oc}</id></resync-subscription>`)), []);
    const resync = await next(box, 'push-update', oc);
    assert.equal((child(contents(resync.content), 'bgp', BGP) as XmlElement).children.length, peers.length);
  });

  describe('yanglint: push-update and push-change-update as sent validate', () => {
    const FEATURES = [`ietf-subscribed-notifications:${(IMPLEMENTED.get('ietf-subscribed-notifications') ?? []).join(',')}`, `ietf-yang-push:${(IMPLEMENTED.get('ietf-yang-push') ?? []).join(',')}`];
    const MODULES = ['yang/ietf/ietf-yang-push@2019-09-09.yang', 'yang/ietf/ietf-datastores@2018-02-14.yang', 'yang/ietf/ietf-subscribed-notifications@2019-09-09.yang', 'yang/ietf/ietf-yang-patch@2017-02-22.yang', 'yang/ncbgp-bgp.yang'];

    before(function () {
      requireTool(this, 'yanglint', 'libyang2-tools');
    });

    it('push-update, push-change-update, subscription-modified and /subscriptions', async () => {
      const admin = await session();
      const a = await session();
      const box = inbox(a);
      const id = idOf(await establish(a, 'operational', `${SESSION_STATE}${onChange('<dampening-period>0</dampening-period>')}`));
      const update = await next(box, 'push-update', id);
      await peers[0].engine.stop();
      const change = await next(box, 'push-change-update', id);
      peers[0] = await testPeer('127.0.0.2', 65001, []);
      await reconnect(admin, peers[0]);
      await a.rpc(`<modify-subscription xmlns="${SN}"><id>${id}</id><datastore xmlns="${YP}" xmlns:ds="${DS}">ds:operational</datastore>${SESSION_STATE}${onChange('<dampening-period>5</dampening-period>')}</modify-subscription>`);
      const modified = await next(box, 'subscription-modified', id);
      for (const n of [update.message, change.message, modified.message]) {
        const run = yanglint({ type: 'nc-notif', modules: MODULES, file: 'notif.xml', data: serialize(n), features: FEATURES });
        assert.equal(complaints(run), '', serialize(n));
      }
      const state = await a.rpc(`<get><filter type="subtree"><subscriptions xmlns="${SN}"/></filter></get>`);
      const data = child(state, 'data') as XmlElement;
      const run = yanglint({ type: 'get', modules: MODULES, file: 'subs.xml', data: data.children.map((c) => serialize(c)).join('\n'), features: FEATURES });
      assert.equal(complaints(run), '');
    });
  });
});

describe('YANG-Push: a receiver that stops reading (RFC 8639 section 2.7, in-process)', function () {
  this.timeout(120_000);
  let running: RunningServer;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-yp-'));
    const netconf = { listen: { address: '127.0.0.1', port: 0 }, users: [USERS.admin], 'notification-queue-limit': 4 };
    running = await startInProcess(configFrom({ 'state-dir': join(dir, 'state'), netconf }, dir), createLogger({}, () => undefined));
  });
  after(async () => {
    await running?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a periodic subscription with a tiny period is suspended, then resumed; the heap stays bounded', async () => {
    const raw = await rawSession(running.port);
    try {
      await raw.waitFor(/<hello/);
      // the whole of <operational> every 100 ms: the YANG library alone is tens of kilobytes
      raw.send(`<rpc message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><establish-subscription xmlns="${SN}"><datastore xmlns="${YP}" xmlns:ds="${DS}">ds:operational</datastore>${periodic(10)}</establish-subscription></rpc>`);
      await raw.waitFor(/<push-update/);
      raw.channel.pause();
      await sleep(200);
      const before = heapAfterGc();
      const suspendedAt = Date.now();
      await until('suspended', () => running.netconf.sessions.size > 0 && /<state>suspended</.test(subscriptionsXml()), 60_000);
      const atSuspend = heapAfterGc();
      await sleep(2000);
      const later = heapAfterGc();
      assert.ok(later - atSuspend < 4 * 1048576, `2 s suspended held ${((later - atSuspend) / 1048576).toFixed(1)} MiB more`);
      assert.ok(atSuspend - before < 32 * 1048576, `${((atSuspend - before) / 1048576).toFixed(1)} MiB held until suspended (${Date.now() - suspendedAt} ms)`);
      raw.channel.resume();
      await raw.waitFor(/<subscription-resumed/, 30_000);
      const names = raw.messages.map((m) => /<notification[^>]*><eventTime>[^<]*<\/eventTime><([a-z-]+)/.exec(m)?.[1]).filter((n) => n !== undefined);
      const s = names.indexOf('subscription-suspended');
      assert.ok(s > 0);
      assert.equal(names.indexOf('subscription-resumed'), s + 1, 'no push-update while suspended');
      const count = raw.messages.length;
      await until('push-updates again', () => raw.messages.slice(count).some((m) => m.includes('<push-update')), 10_000);
    } finally {
      raw.close();
    }

    function subscriptionsXml(): string {
      const sn = running.netconf.state({ type: 'subtree', nodes: [parseXml(`<subscriptions xmlns="${SN}"/>`)] });
      return sn.map((e) => serialize(e)).join('');
    }
  });
});
