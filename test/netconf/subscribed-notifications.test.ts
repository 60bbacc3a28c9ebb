// RFC 8639 dynamic subscriptions over NETCONF (RFC 8640), end to end over SSH:
// establish, modify, delete and kill; filters; replay; stop-time; the RFC's
// errors; limits; access control; a receiver that stops reading; and what
// is sent checked by yanglint against the modules with the features the
// server supports.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log';
import { NetconfClient, ReplyError, replyErrors } from '../../src/netconf/client';
import { configFrom } from '../../src/server/config';
import { RunningServer, startServer as startInProcess } from '../../src/server/server';
import { IMPLEMENTED } from '../../src/yang/implemented';
import { child, elem, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { event, field, inbox, NOTIFICATION_NS, sessionPool, subscribe } from '../helpers/netconf';
import { requireTool } from '../helpers/interop';
import { heapAfterGc, rawSession } from '../helpers/raw-session';
import { connect, startServer, TestServer, USERS } from '../helpers/server';
import { complaints, yanglint } from '../helpers/yanglint';

const SN = 'urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications';
const NCN = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications';
const NACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';

const establish = (c: NetconfClient, inner = ''): Promise<XmlElement> => c.rpc(`<establish-subscription xmlns="${SN}"><stream>NETCONF</stream>${inner}</establish-subscription>`);
const subtree = (name: string): string => `<stream-subtree-filter><${name} xmlns="${NCN}"/></stream-subtree-filter>`;
const rpcById = (c: NetconfClient, rpc: string, id: number, inner = ''): Promise<XmlElement> => c.rpc(`<${rpc} xmlns="${SN}"><id>${id}</id>${inner}</${rpc}>`);

/** The id an establish-subscription reply gives; fails on an error reply. */
function idOf(reply: XmlElement): number {
  assert.deepEqual(replyErrors(reply), [], serialize(reply));
  return Number(child(reply, 'id', SN)?.text);
}

/** The one rpc-error of a reply. */
function onlyError(reply: XmlElement): ReplyError {
  const errs = replyErrors(reply);
  assert.equal(errs.length, 1, serialize(reply));
  return errs[0];
}

/** RFC 8640 section 7: error-type application, the identity as error-app-tag and in the RPC's yang-data. */
function assertSubscriptionError(reply: XmlElement, tag: string, reason: string, info: string): ReplyError {
  const e = onlyError(reply);
  assert.equal(e.type, 'application', serialize(reply));
  assert.equal(e.tag, tag, serialize(reply));
  assert.equal(e.appTag, `ietf-subscribed-notifications:${reason}`);
  const yangData = e.info && child(e.info, info, SN);
  assert.ok(yangData, `error-info has ${info}: ${serialize(reply)}`);
  assert.equal(field(yangData, 'reason'), `sn:${reason}`);
  return e;
}

/** Opens and closes a session as `user`: a netconf-session-start and -end on the stream; its session-id. */
async function sessionEvents(server: { port: number }, user: string = USERS.viewer.name): Promise<string> {
  const c = await connect(server, user);
  await c.close();
  return String(c.sessionId);
}

/** The session events of the sessions `ids` (others, such as the ends of an earlier test's sessions, left out). */
const ofSessions = (box: ReturnType<typeof inbox>, ids: readonly string[]): XmlElement[] => box.all.map(event).filter((e) => ids.includes(field(e, 'session-id') ?? ''));

/** The next notification whose event is `name` (of session `sessionId` if given); those before it are passed over and returned. */
async function until(box: ReturnType<typeof inbox>, name: string, sessionId?: string): Promise<{ found: XmlElement; before: XmlElement[] }> {
  const before: XmlElement[] = [];
  for (;;) {
    const e = event(await box.next());
    if (e.name === name && (sessionId === undefined || field(e, 'session-id') === sessionId)) return { found: e, before };
    before.push(e);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** /subscriptions/subscription entries of a <get>, by id. */
async function subscriptionsState(c: NetconfClient): Promise<Map<number, XmlElement>> {
  const reply = await c.rpc(`<get><filter type="subtree"><subscriptions xmlns="${SN}"/></filter></get>`);
  const subs = child(child(reply, 'data') as XmlElement, 'subscriptions', SN);
  return new Map((subs?.children ?? []).map((s) => [Number(field(s, 'id')), s]));
}

const receiverOf = (s: XmlElement): XmlElement => child(child(s, 'receivers', SN) as XmlElement, 'receiver', SN) as XmlElement;

describe('subscribed notifications (RFC 8639 over NETCONF, RFC 8640)', function () {
  let server: TestServer;
  const { session, closeAll } = sessionPool(() => server);

  before(async () => {
    server = await startServer({ config: { netconf: { 'replay-buffer-size': 100 } } });
  });
  afterEach(() => closeAll());
  after(() => server.stop());

  it('establishes without a filter: the reply gives the id, events follow', async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a));
    assert.ok(Number.isInteger(id) && id > 0);
    const viewer = await sessionEvents(server);
    await until(box, 'netconf-session-end', viewer);
    const [start, end] = ofSessions(box, [viewer]);
    assert.equal(start.name, 'netconf-session-start');
    assert.equal(start.ns, NCN);
    assert.equal(field(start, 'username'), USERS.viewer.name);
    assert.equal(end.name, 'netconf-session-end');
    const state = (await subscriptionsState(a)).get(id) as XmlElement;
    assert.equal(field(state, 'stream'), 'NETCONF');
    assert.equal(field(state, 'encoding'), 'sn:encode-xml');
    const receiver = receiverOf(state);
    assert.equal(field(receiver, 'state'), 'active');
    assert.equal(field(receiver, 'sent-event-records'), String(box.all.length));
  });

  it('keeps several subscriptions on one session apart: each sends what its filter passes', async () => {
    const a = await session();
    const box = inbox(a);
    const starts = idOf(await establish(a, subtree('netconf-session-start')));
    const ends = idOf(await establish(a, subtree('netconf-session-end')));
    // the implemented modules' names are XPath prefixes too (RFC 8639 stream-xpath-filter)
    const admins = idOf(await establish(a, `<stream-xpath-filter>/ietf-netconf-notifications:netconf-session-end[ietf-netconf-notifications:username='admin']</stream-xpath-filter>`));
    assert.equal(new Set([starts, ends, admins]).size, 3);
    const ids = [await sessionEvents(server), await sessionEvents(server, USERS.admin.name)];
    await sleep(300);
    const seen = ofSessions(box, ids).map((e) => `${e.name} ${field(e, 'username')}`);
    // viewer: start, end; admin: start, end twice (two subscriptions pass it)
    assert.deepEqual(seen, ['netconf-session-start viewer', 'netconf-session-end viewer', 'netconf-session-start admin', 'netconf-session-end admin', 'netconf-session-end admin']);
    const state = await subscriptionsState(a);
    const count = (sub: number, leaf: string): number => Number(field(receiverOf(state.get(sub) as XmlElement), leaf));
    const all = box.all.map((n) => `${event(n).name} ${field(event(n), 'username')}`);
    assert.equal(count(starts, 'sent-event-records'), all.filter((e) => e.startsWith('netconf-session-start')).length);
    assert.ok(count(starts, 'excluded-event-records') >= 2, 'the ends');
    // an admin's end comes twice: from `ends` and from `admins`
    assert.equal(count(admins, 'sent-event-records') * 2, all.filter((e) => e === 'netconf-session-end admin').length);
    const xpath = child(state.get(admins) as XmlElement, 'stream-xpath-filter', SN);
    assert.match(xpath?.text ?? '', /username='admin'/);
    assert.ok(child(child(state.get(ends) as XmlElement, 'stream-subtree-filter', SN) as XmlElement, 'netconf-session-end', NCN));
  });

  it('modify-subscription changes the filter and stop-time, told by subscription-modified', async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, subtree('netconf-session-start')));
    const stopTime = new Date(Date.now() + 3600e3).toISOString();
    assert.deepEqual(replyErrors(await rpcById(a, 'modify-subscription', id, `${subtree('netconf-session-end')}<stop-time>${stopTime}</stop-time>`)), []);
    const { found: modified } = await until(box, 'subscription-modified');
    assert.equal(field(modified, 'id'), String(id));
    assert.ok(child(child(modified, 'stream-subtree-filter', SN) as XmlElement, 'netconf-session-end', NCN));
    assert.equal(Date.parse(field(modified, 'stop-time') ?? ''), Date.parse(stopTime));
    const viewer = await sessionEvents(server);
    await sleep(200);
    assert.deepEqual(ofSessions(box, [viewer]).map((e) => e.name), ['netconf-session-end'], 'the new filter passes only the end');
  });

  it('delete-subscription ends it with subscription-terminated; no event follows', async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a));
    assert.deepEqual(replyErrors(await rpcById(a, 'delete-subscription', id)), []);
    const { found: terminated } = await until(box, 'subscription-terminated');
    assert.equal(field(terminated, 'id'), String(id));
    assert.equal(field(terminated, 'reason'), 'sn:no-such-subscription');
    const told = box.all.length;
    await sessionEvents(server);
    await sleep(200);
    assert.equal(box.all.length, told, 'nothing after subscription-terminated');
    assert.equal((await subscriptionsState(a)).has(id), false);
  });

  it("kill-subscription ends another session's subscription (a level 3 user)", async () => {
    const victim = await session(USERS.viewer.name);
    const box = inbox(victim);
    const id = idOf(await establish(victim));
    const admin = await session();
    assert.deepEqual(replyErrors(await rpcById(admin, 'kill-subscription', id)), []);
    const { found: terminated } = await until(box, 'subscription-terminated');
    assert.equal(field(terminated, 'id'), String(id));
    assert.equal(field(terminated, 'reason'), 'sn:no-such-subscription');
  });

  it('stop-time ends the subscription with subscription-terminated (subscription-completed is for configured subscriptions)', async () => {
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, `<stop-time>${new Date(Date.now() + 1500).toISOString()}</stop-time>`));
    const { found: terminated } = await until(box, 'subscription-terminated');
    assert.equal(field(terminated, 'id'), String(id));
    assert.equal((await subscriptionsState(a)).has(id), false);
  });

  it('replays from replay-start-time, then replay-completed, then live events; a start before the log is revised', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const earlier = await sessionEvents(server);
    const a = await session();
    const box = inbox(a);
    const reply = await establish(a, `${subtree('netconf-session-end')}<replay-start-time>${since}</replay-start-time>`);
    const id = idOf(reply);
    assert.equal(child(reply, 'replay-start-time-revision', SN), undefined, 'the log reaches back that far');
    const { found, before } = await until(box, 'replay-completed');
    assert.equal(field(found, 'id'), String(id));
    assert.ok(before.some((e) => field(e, 'session-id') === earlier));
    assert.ok(before.every((e) => e.name === 'netconf-session-end'));
    const later = await sessionEvents(server);
    await sleep(200);
    assert.deepEqual(ofSessions(box, [later]).map((e) => e.name), ['netconf-session-end']);

    const streams = await a.rpc(`<get><filter type="subtree"><streams xmlns="${SN}"/></filter></get>`);
    const stream = child(child(child(streams, 'data') as XmlElement, 'streams', SN) as XmlElement, 'stream', SN) as XmlElement;
    assert.equal(field(stream, 'name'), 'NETCONF');
    assert.ok(child(stream, 'replay-support', SN));
    const revised = await establish(a, '<replay-start-time>2000-01-01T00:00:00Z</replay-start-time>');
    assert.equal(Date.parse(child(revised, 'replay-start-time-revision', SN)?.text ?? ''), Date.parse(field(stream, 'replay-log-creation-time') ?? ''));
  });

  it('a replay with a stop-time already past: the replay, replay-completed, then subscription-terminated', async () => {
    const since = new Date(Date.now() - 1000);
    await sessionEvents(server);
    const a = await session();
    const box = inbox(a);
    const id = idOf(await establish(a, `<replay-start-time>${since.toISOString()}</replay-start-time><stop-time>${new Date().toISOString()}</stop-time>`));
    const { before } = await until(box, 'replay-completed');
    assert.ok(before.length >= 2);
    assert.ok(before.every((e) => e.ns === NCN));
    const terminated = event(await box.next());
    assert.equal(terminated.name, 'subscription-terminated');
    assert.equal(field(terminated, 'id'), String(id));
  });

  describe('errors (RFC 8639 section 2.4.6, RFC 8640 section 7)', () => {
    it('an unknown stream: invalid-value on stream', async () => {
      const a = await session();
      const e = onlyError(await a.rpc(`<establish-subscription xmlns="${SN}"><stream>SYSLOG</stream></establish-subscription>`));
      assert.equal(e.tag, 'invalid-value');
      assert.equal(field(e.info as XmlElement, 'bad-element'), 'stream');
    });

    it('an XPath filter that does not parse: filter-unsupported with a filter-failure-hint', async () => {
      const a = await session();
      const reply = await establish(a, '<stream-xpath-filter>/ietf-netconf-notifications:netconf-session-end[</stream-xpath-filter>');
      const e = assertSubscriptionError(reply, 'invalid-value', 'filter-unsupported', 'establish-subscription-stream-error-info');
      assert.ok(field(child(e.info as XmlElement, 'establish-subscription-stream-error-info', SN) as XmlElement, 'filter-failure-hint'));
      // and in modify-subscription, with its own yang-data
      const id = idOf(await establish(a));
      assertSubscriptionError(await rpcById(a, 'modify-subscription', id, '<stream-xpath-filter>/nosuchprefix:x</stream-xpath-filter>'), 'invalid-value', 'filter-unsupported', 'modify-subscription-stream-error-info');
    });

    it("another session's subscription: no-such-subscription to modify and delete", async () => {
      const owner = await session();
      const id = idOf(await establish(owner));
      const other = await session();
      assertSubscriptionError(await rpcById(other, 'delete-subscription', id), 'invalid-value', 'no-such-subscription', 'delete-subscription-error-info');
      assertSubscriptionError(await rpcById(other, 'modify-subscription', id, subtree('netconf-session-end')), 'invalid-value', 'no-such-subscription', 'modify-subscription-stream-error-info');
      assertSubscriptionError(await rpcById(other, 'kill-subscription', 999999), 'invalid-value', 'no-such-subscription', 'delete-subscription-error-info');
      assert.equal((await subscriptionsState(owner)).has(id), true, 'still there');
    });

    it('replay-start-time in the future: replay-unsupported; stop-time in the past: invalid-value', async () => {
      const a = await session();
      assertSubscriptionError(await establish(a, `<replay-start-time>${new Date(Date.now() + 60e3).toISOString()}</replay-start-time>`), 'operation-not-supported', 'replay-unsupported', 'establish-subscription-stream-error-info');
      const e = onlyError(await establish(a, `<stop-time>${new Date(Date.now() - 60e3).toISOString()}</stop-time>`));
      assert.equal(e.tag, 'invalid-value');
      assert.equal(field(e.info as XmlElement, 'bad-element'), 'stop-time');
    });

    it('encode-json is no encoding of this server (feature encode-json off): invalid-value', async () => {
      const a = await session();
      assert.equal(onlyError(await establish(a, '<encoding>encode-json</encoding>')).tag, 'invalid-value');
      idOf(await establish(a, '<encoding>encode-xml</encoding>'));
    });

    it('RFC 8640 section 3: create-subscription and establish-subscription do not share a session', async () => {
      const a = await session();
      idOf(await establish(a));
      assert.equal(onlyError(await subscribe(a)).tag, 'operation-not-supported');
      const b = await session();
      assert.equal(replyErrors(await subscribe(b)).length, 0);
      await sleep(50);
      assert.equal(onlyError(await establish(b)).tag, 'operation-not-supported');
    });
  });

  describe('access control (RFC 8341 section 3.4.6)', () => {
    it('a level 1 user gets no event it may not read, and may not kill-subscription', async () => {
      const viewer = await session(USERS.viewer.name);
      const box = inbox(viewer);
      const id = idOf(await establish(viewer));
      const admin = await session();
      const adminBox = inbox(admin);
      idOf(await establish(admin, subtree('netconf-config-change')));
      // an edit of /nacm: ietf-netconf-acm is nacm:default-deny-all, level 1 may not read it
      const edit = `<edit-config><target><running/></target><config><nacm xmlns="${NACM}"><groups><group><name>subscribers-test</name><user-name>nobody</user-name></group></groups></nacm></config></edit-config>`;
      assert.deepEqual(replyErrors(await admin.rpc(edit)), []);
      assert.equal(event(await adminBox.next()).name, 'netconf-config-change', 'the admin sees it');
      await sessionEvents(server);
      const { before } = await until(box, 'netconf-session-start');
      assert.ok(!before.some((e) => e.name === 'netconf-config-change'), 'the viewer does not');
      const state = (await subscriptionsState(admin)).get(id) as XmlElement;
      assert.ok(Number(field(receiverOf(state), 'excluded-event-records')) >= 1);
      const denied = onlyError(await rpcById(viewer, 'kill-subscription', id));
      assert.equal(denied.tag, 'access-denied');
    });
  });

  describe('yanglint: what is sent validates against the modules with the features the server has', () => {
    const FEATURES = [`ietf-subscribed-notifications:${(IMPLEMENTED.get('ietf-subscribed-notifications') ?? []).join(',')}`];
    // ietf-netconf-notifications for the prefix of an XPath filter; libyang warns about RFC 6470's own text
    const MODULES = ['yang/ietf/ietf-subscribed-notifications@2019-09-09.yang', 'yang/ietf/ietf-netconf-notifications@2012-02-06.yang'];
    const RFC6470_WARNING = /^libyang warn: Schema node "confirm-event" .*$/gm;
    const check = (type: string, data: string): string => complaints(yanglint({ type, modules: MODULES, file: `${type}.xml`, data, features: FEATURES }), RFC6470_WARNING);

    before(function () {
      requireTool(this, 'yanglint', 'libyang2-tools');
    });

    it('subscription-modified, replay-completed, subscription-terminated and the /streams and /subscriptions state', async () => {
      const a = await session();
      const box = inbox(a);
      const id = idOf(await establish(a, `<replay-start-time>${new Date(Date.now() - 1000).toISOString()}</replay-start-time>`));
      const xpathFilter = `<stream-xpath-filter xmlns:ncn="${NCN}">/ncn:netconf-session-end</stream-xpath-filter>`;
      idOf(await establish(a, xpathFilter));
      idOf(await establish(a, subtree('netconf-session-start')));
      await sessionEvents(server);
      await rpcById(a, 'modify-subscription', id, `${xpathFilter}<stop-time>${new Date(Date.now() + 60e3).toISOString()}</stop-time>`);
      const state = await a.rpc(`<get><filter type="subtree"><streams xmlns="${SN}"/><subscriptions xmlns="${SN}"/></filter></get>`);
      await rpcById(a, 'delete-subscription', id);
      await until(box, 'subscription-terminated');
      const sent = box.all.filter((n) => event(n).ns === SN);
      assert.deepEqual(sent.map((n) => event(n).name), ['replay-completed', 'subscription-modified', 'subscription-terminated']);
      for (const n of sent) assert.equal(check('nc-notif', serialize(n)), '', serialize(n));
      const data = child(state, 'data') as XmlElement;
      assert.deepEqual(data.children.map((c) => c.name), ['streams', 'subscriptions']);
      assert.equal(check('get', data.children.map((c) => serialize(c)).join('\n')), '');
    });

    it('subscription-started is no notification of this server (if-feature configured): yanglint refuses it', () => {
      const started = serialize(elem(NOTIFICATION_NS, 'notification', [elem(NOTIFICATION_NS, 'eventTime', new Date().toISOString()), elem(SN, 'subscription-started', [elem(SN, 'id', 1), elem(SN, 'stream', 'NETCONF')])]));
      assert.match(check('nc-notif', started), /subscription-started" not found/);
    });
  });
});

describe('subscribed notifications: limits per session and in all', function () {
  let server: TestServer;
  const { session, closeAll } = sessionPool(() => server);

  before(async () => {
    server = await startServer({ config: { netconf: { 'max-subscriptions-per-session': 2, 'max-subscriptions': 3 } } });
  });
  after(async () => {
    closeAll();
    await server.stop();
  });

  it('past max-subscriptions-per-session and max-subscriptions: insufficient-resources (resource-denied)', async () => {
    const a = await session();
    const first = idOf(await establish(a));
    idOf(await establish(a));
    const perSession = assertSubscriptionError(await establish(a), 'resource-denied', 'insufficient-resources', 'establish-subscription-stream-error-info');
    assert.match(perSession.message ?? '', /max-subscriptions-per-session/);
    const b = await session();
    idOf(await establish(b));
    const total = assertSubscriptionError(await establish(b), 'resource-denied', 'insufficient-resources', 'establish-subscription-stream-error-info');
    assert.match(total.message ?? '', /max-subscriptions\)/);
    // a deleted one makes room; an ended session's go with it
    await rpcById(a, 'delete-subscription', first);
    idOf(await establish(b));
    await a.close();
    const c = await session();
    idOf(await establish(c));
    assertSubscriptionError(await establish(c), 'resource-denied', 'insufficient-resources', 'establish-subscription-stream-error-info');
  });
});

describe('subscribed notifications: a receiver that stops reading (RFC 8639 section 2.7, in-process)', function () {
  this.timeout(120_000);
  let running: RunningServer;
  let dir: string;
  /** what the receiver got: subscription-suspended and -resumed among it */
  let received: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-sn-'));
    const netconf = { listen: { address: '127.0.0.1', port: 0 }, users: [USERS.admin], 'notification-queue-limit': 200, 'replay-buffer-size': 10 };
    running = await startInProcess(configFrom({ 'state-dir': join(dir, 'state'), netconf }, dir), createLogger({}, () => undefined));
  });
  after(async () => {
    await running?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A burst of `n` events of some 350 octets each, published at once. */
  const burst = (n: number, tag: string): void => {
    for (let i = 0; i < n; i++) {
      running.netconf.publish(elem(NCN, 'netconf-session-start', [elem(NCN, 'username', `${tag}-${i}-${'x'.repeat(120)}`), elem(NCN, 'session-id', 1), elem(NCN, 'source-host', '192.0.2.1')]));
    }
  };

  it('is suspended (insufficient-resources) instead of queueing, and resumed once it reads; memory stays bounded', async () => {
    const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
    const raw = await rawSession(running.port);
    const admin = await NetconfClient.connect({ host: '127.0.0.1', port: running.port, username: USERS.admin.name, password: USERS.admin.password });
    try {
      await raw.waitFor(/<hello/);
      raw.send(`<rpc message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><establish-subscription xmlns="${SN}"><stream>NETCONF</stream><replay-start-time>${new Date(Date.now() - 60e3).toISOString()}</replay-start-time></establish-subscription></rpc>`);
      await raw.waitFor(/<replay-completed/);
      const reply = raw.messages.findIndex((m) => m.includes('<rpc-reply'));
      assert.ok(reply > 0 && reply < raw.messages.findIndex((m) => m.includes('<replay-completed')), 'the reply comes before what the subscription sends');
      const id = Number(/<id[^>]*>(\d+)</.exec(raw.messages[reply])?.[1]);

      raw.channel.pause();
      await sleep(100);
      const before = heapAfterGc();
      const N = 40_000; // some 14 MB of notifications: far more than the SSH windows and buffers hold
      burst(N, 'first');
      await sleep(500);
      const afterFirst = heapAfterGc();
      burst(N, 'second');
      await sleep(500);
      const afterSecond = heapAfterGc();
      assert.ok(afterFirst - before < 24 * 1048576, `the first burst left ${mib(afterFirst - before)} held`);
      assert.ok(afterSecond - afterFirst < 4 * 1048576, `a second burst while suspended left ${mib(afterSecond - afterFirst)} more held`);

      const suspended = receiverOf((await subscriptionsState(admin)).get(id) as XmlElement);
      assert.equal(field(suspended, 'state'), 'suspended');
      const sent = Number(field(suspended, 'sent-event-records'));
      assert.ok(sent > 0 && sent < N, `sent ${sent}`);

      raw.channel.resume();
      await raw.waitFor(/<subscription-resumed/, 30_000);
      const names = raw.messages.map((m) => /<notification[^>]*><eventTime>[^<]*<\/eventTime><([a-z-]+)/.exec(m)?.[1]).filter((n) => n !== undefined);
      const s = names.indexOf('subscription-suspended');
      assert.ok(s > 0, 'subscription-suspended came');
      assert.equal(names.indexOf('subscription-resumed'), s + 1, 'then subscription-resumed');
      assert.equal(names.filter((n) => n === 'netconf-session-start').length, sent, 'the events counted as sent arrived, and no other');
      assert.match(raw.messages.find((m) => m.includes('<subscription-suspended')) ?? '', /<reason[^>]*>sn:insufficient-resources<\/reason>/);
      assert.equal(field(receiverOf((await subscriptionsState(admin)).get(id) as XmlElement), 'state'), 'active');
      const count = raw.messages.length;
      burst(1, 'after');
      await raw.waitFor(/after-0-/);
      assert.equal(raw.messages.length, count + 1, 'events flow again');
      received = [...raw.messages];
    } finally {
      admin.destroy();
      raw.close();
    }
  });

  it('yanglint: subscription-suspended and subscription-resumed as sent', function () {
    requireTool(this, 'yanglint', 'libyang2-tools');
    const features = [`ietf-subscribed-notifications:${(IMPLEMENTED.get('ietf-subscribed-notifications') ?? []).join(',')}`];
    for (const name of ['subscription-suspended', 'subscription-resumed']) {
      const xml = received.find((m) => m.includes(`<${name}`));
      assert.ok(xml, `${name} was received`);
      const run = yanglint({ type: 'nc-notif', modules: ['yang/ietf/ietf-subscribed-notifications@2019-09-09.yang'], file: `${name}.xml`, data: serialize(parseXml(xml)), features });
      assert.equal(complaints(run), '', xml);
    }
  });
});
