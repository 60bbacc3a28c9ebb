// RFC 5277 notifications and RFC 6470 session events, end to end over SSH.
import assert from 'node:assert/strict';
import { replyErrors } from '../../src/netconf/client';
import { child, XmlElement } from '../../src/model/xml';
import { event, field, inbox, NOTIFICATION_NS, sessionPool, subscribe } from '../helpers/netconf';
import { startServer, TestServer } from '../helpers/server';

const NETMOD = 'urn:ietf:params:xml:ns:netmod:notification';
const NCN = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications';

describe('notifications (RFC 5277, RFC 6470)', function () {
  let server: TestServer;
  const { session, closeAll } = sessionPool(() => server);

  before(async () => {
    server = await startServer({ config: { netconf: { 'replay-buffer-size': 100 } } });
  });
  afterEach(() => {
    closeAll();
  });
  after(() => server.stop());

  it('a subscriber sees netconf-session-start and -end of another session, and still runs RPCs (:interleave)', async () => {
    const a = await session();
    const box = inbox(a);
    const ok = await subscribe(a);
    assert.equal(ok.children[0].name, 'ok');
    await new Promise((r) => setTimeout(r, 50));
    const b = await session('viewer');
    const start = event(await box.next());
    assert.equal(start.name, 'netconf-session-start');
    assert.equal(start.ns, NCN);
    assert.equal(field(start, 'username'), 'viewer');
    assert.equal(field(start, 'session-id'), String(b.sessionId));
    assert.equal(field(start, 'source-host'), '127.0.0.1');
    const reply = await a.rpc('<get><filter type="subtree"><netconf-state xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"><statistics/></netconf-state></filter></get>');
    assert.equal(replyErrors(reply).length, 0);
    await b.close();
    const end = event(await box.next());
    assert.equal(end.name, 'netconf-session-end');
    assert.equal(field(end, 'session-id'), String(b.sessionId));
    assert.equal(field(end, 'termination-reason'), 'closed');
  });

  it('kill-session is reported with killed-by', async () => {
    const a = await session();
    const box = inbox(a);
    await subscribe(a, '<filter type="subtree"><netconf-session-end xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"/></filter>');
    const b = await session();
    const killer = await session();
    assert.equal(replyErrors(await killer.rpc(`<kill-session><session-id>${b.sessionId}</session-id></kill-session>`)).length, 0);
    await b.waitClosed();
    const end = event(await box.next());
    assert.equal(end.name, 'netconf-session-end', 'the filter lets only session-end events through');
    assert.equal(field(end, 'termination-reason'), 'killed');
    assert.equal(field(end, 'killed-by'), String(killer.sessionId));
  });

  it('replays from startTime in order, then replayComplete, and with a past stopTime notificationComplete', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const x = await session('viewer');
    await x.close();
    const c = await session();
    const box = inbox(c);
    await subscribe(c, `<startTime>${since}</startTime><stopTime>${new Date().toISOString()}</stopTime>`);
    const seen: string[] = [];
    for (;;) {
      const e = event(await box.next());
      seen.push(e.name);
      if (e.name === 'notificationComplete') break;
    }
    // events of session x (start, end) come back, then the two markers; events after stopTime do not
    const xs = seen.slice(0, -2);
    assert.ok(xs.includes('netconf-session-start') && xs.includes('netconf-session-end'), seen.join(','));
    assert.deepEqual(seen.slice(-2), ['replayComplete', 'notificationComplete']);
    const times = box.all.map((n) => Date.parse(child(n, 'eventTime', NOTIFICATION_NS)?.text ?? ''));
    assert.ok(times.slice(0, -2).every((t, i, a) => i === 0 || a[i - 1] <= t), 'replayed in event order');
    assert.ok(box.all.every((n) => event(n).ns === NCN || event(n).ns === NETMOD));
  });

  it('ends a live subscription at stopTime with notificationComplete', async () => {
    const c = await session();
    const box = inbox(c);
    const now = Date.now();
    await subscribe(c, `<startTime>${new Date(now).toISOString()}</startTime><stopTime>${new Date(now + 300).toISOString()}</stopTime>`);
    // this session's own start may be replayed: its hello reached the server after `now`
    let e = event(await box.next());
    while (e.name === 'netconf-session-start') e = event(await box.next());
    assert.equal(e.name, 'replayComplete');
    assert.equal(event(await box.next()).name, 'notificationComplete');
    // the session lives on and may subscribe again
    assert.equal((await subscribe(c)).children[0].name, 'ok');
  });

  const bad: [string, string, string][] = [
    ['stopTime without startTime', `<stopTime>${new Date().toISOString()}</stopTime>`, 'missing-element'],
    ['startTime in the future', `<startTime>${new Date(Date.now() + 3600e3).toISOString()}</startTime>`, 'bad-element'],
    ['stopTime before startTime', '<startTime>2026-01-02T00:00:00Z</startTime><stopTime>2026-01-01T00:00:00Z</stopTime>', 'bad-element'],
    ['an unknown stream', '<stream>SYSLOG</stream>', 'invalid-value'],
    ['a startTime that is no date-and-time', '<startTime>yesterday</startTime>', 'invalid-value'],
  ];
  for (const [name, inner, tag] of bad) {
    it(`refuses ${name} with ${tag}`, async () => {
      const c = await session();
      const errs = replyErrors(await subscribe(c, inner));
      assert.equal(errs.length, 1);
      assert.equal(errs[0].tag, tag);
    });
  }

  it('refuses a second subscription on one session with in-use', async () => {
    const c = await session();
    await subscribe(c);
    assert.equal(replyErrors(await subscribe(c))[0]?.tag, 'in-use');
  });

  it('lists the NETCONF stream with replay support under /netconf/streams', async () => {
    const c = await session();
    const reply = await c.rpc(`<get><filter type="subtree"><netconf xmlns="${NETMOD}"/></filter></get>`);
    const stream = child(child(child(child(reply, 'data') as XmlElement, 'netconf') as XmlElement, 'streams') as XmlElement, 'stream') as XmlElement;
    assert.equal(field(stream, 'name'), 'NETCONF');
    assert.equal(field(stream, 'replaySupport'), 'true');
    assert.ok(!Number.isNaN(Date.parse(field(stream, 'replayLogCreationTime') ?? '')));
  });
});
