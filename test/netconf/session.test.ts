// The session core fed bytes directly: hello exchange, framing switch, order,
// close-session, backpressure and the bounded notification queue.
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log';
import { encodeFrame, FrameDecoder } from '../../src/netconf/framing';
import { InputBudget } from '../../src/netconf/input-budget';
import { NetconfSession, RpcHandler, SessionLimits, TerminationReason } from '../../src/netconf/session';
import { DEFAULT_XML_LIMITS, parseXml } from '../../src/model/xml';

const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const hello = (caps: string[]): string =>
  `<hello xmlns="${BASE}"><capabilities>${caps.map((c) => `<capability>${c}</capability>`).join('')}</capabilities></hello>`;
const HELLO_11 = hello(['urn:ietf:params:netconf:base:1.0', 'urn:ietf:params:netconf:base:1.1']);
const HELLO_10 = hello(['urn:ietf:params:netconf:base:1.0']);

interface Harness {
  session: NetconfSession;
  written: Buffer[];
  ended: { reason?: TerminationReason };
  paused: () => boolean;
  setWritable: (w: boolean) => void;
  endCalled: () => boolean;
}

function harness(
  limits: Partial<SessionLimits> = {},
  handle: RpcHandler = async (_s, m) => `<rpc-reply xmlns="${BASE}"><echo>${m.toString()}</echo></rpc-reply>`,
  budget = new InputBudget(1 << 30),
): Harness {
  const written: Buffer[] = [];
  const ended: { reason?: TerminationReason } = {};
  let writable = true;
  let paused = false;
  let endCalled = false;
  const session = new NetconfSession(
    7,
    'alice',
    '127.0.0.1',
    ['urn:ietf:params:netconf:base:1.0', 'urn:ietf:params:netconf:base:1.1'],
    { maxMessageBytes: 1 << 20, maxPendingRpcs: 16, maxQueuedNotifications: 3, xml: { ...DEFAULT_XML_LIMITS, maxDepth: 32 }, helloTimeoutMs: 60000, ...limits },
    budget,
    {
      write: (d) => {
        written.push(d);
        return writable;
      },
      pause: () => (paused = true),
      resume: () => (paused = false),
      end: () => {
        endCalled = true;
        session.closed();
      },
    },
    (s, m) => handle(s, m),
    { onEstablished: () => undefined, onEnded: (_s, reason) => (ended.reason = reason) },
    createLogger({}, () => undefined),
  );
  session.start();
  return { session, written, ended, paused: () => paused, setWritable: (w) => (writable = w), endCalled: () => endCalled };
}

/** Decodes everything written after the hello in the given framing. */
function replies(h: Harness, mode: 'eom' | 'chunked'): string[] {
  const d = new FrameDecoder({ maxMessageBytes: 1 << 24 });
  for (const b of h.written.slice(1)) d.push(b);
  d.setMode(mode);
  const out: string[] = [];
  for (let m = d.next(); m; m = d.next()) out.push(m.toString());
  return out;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('NETCONF session core', () => {
  it('sends its hello at once with capabilities and session-id, end-of-message framed', () => {
    const h = harness();
    const text = h.written[0].toString();
    assert.ok(text.endsWith(']]>]]>'));
    const el = parseXml(text.slice(0, -6));
    assert.equal(el.name, 'hello');
    assert.deepEqual(
      el.children[0].children.map((c) => c.text),
      ['urn:ietf:params:netconf:base:1.0', 'urn:ietf:params:netconf:base:1.1'],
    );
    assert.equal(el.children[1].name, 'session-id');
    assert.equal(el.children[1].text, '7');
  });

  for (const [name, clientHello, mode] of [
    ['base:1.1 both sides: chunked', HELLO_11, 'chunked'],
    ['base:1.0 client: end-of-message', HELLO_10, 'eom'],
  ] as const) {
    it(`${name} framing after the hello, requests answered in order`, async () => {
      const h = harness();
      const frames = ['<a/>', '<b/>', '<c/>'].map((m) => encodeFrame(m, mode));
      h.session.feed(Buffer.concat([encodeFrame(clientHello, 'eom'), ...frames]));
      await tick();
      assert.deepEqual(replies(h, mode), ['<a/>', '<b/>', '<c/>'].map((m) => `<rpc-reply xmlns="${BASE}"><echo>${m}</echo></rpc-reply>`));
    });
  }

  const badHellos: [string, string][] = [
    ['garbage before the hello', 'GET / HTTP/1.0\r\n\r\n' + HELLO_11],
    ['no common base capability', hello(['urn:example:foo'])],
    ['a hello carrying a session-id', `<hello xmlns="${BASE}"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>4</session-id></hello>`],
    ['an rpc instead of a hello', `<rpc xmlns="${BASE}" message-id="1"><get/></rpc>`],
  ];
  for (const [name, text] of badHellos) {
    it(`ends the session on ${name} (bad-hello)`, () => {
      const h = harness();
      h.session.feed(encodeFrame(text, 'eom'));
      assert.equal(h.ended.reason, 'bad-hello');
      assert.ok(h.endCalled());
    });
  }

  it('close-session: the reply is written before the transport ends', async () => {
    const h = harness({}, async (s) => {
      s.closeAfterReply();
      return `<rpc-reply xmlns="${BASE}"><ok/></rpc-reply>`;
    });
    h.session.feed(Buffer.concat([encodeFrame(HELLO_11, 'eom'), encodeFrame('<x/>', 'chunked'), encodeFrame('<y/>', 'chunked')]));
    await tick();
    assert.deepEqual(replies(h, 'chunked'), [`<rpc-reply xmlns="${BASE}"><ok/></rpc-reply>`]);
    assert.equal(h.ended.reason, 'closed');
  });

  it('pauses input past maxPendingRpcs and resumes once the backlog halves', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const h = harness({ maxPendingRpcs: 4 }, async () => {
      await gate;
      return '<ok/>';
    });
    h.session.feed(encodeFrame(HELLO_11, 'eom'));
    h.session.feed(Buffer.concat(Array.from({ length: 8 }, () => encodeFrame('<r/>', 'chunked'))));
    assert.ok(h.paused());
    release();
    for (let i = 0; i < 10; i++) await tick();
    assert.equal(h.paused(), false);
    assert.equal(replies(h, 'chunked').length, 8);
  });

  it('waits for drain before the next reply', async () => {
    // each reply is made in its own turn of the event loop, so each is its own write
    const h = harness({}, async (_s, m) => {
      await tick();
      return `<rpc-reply xmlns="${BASE}">${m.toString()}</rpc-reply>`;
    });
    h.setWritable(false);
    h.session.feed(Buffer.concat([encodeFrame(HELLO_11, 'eom'), encodeFrame('<a/>', 'chunked'), encodeFrame('<b/>', 'chunked')]));
    for (let i = 0; i < 10; i++) await tick();
    assert.equal(replies(h, 'chunked').length, 1);
    h.setWritable(true);
    h.session.drained();
    for (let i = 0; i < 10; i++) await tick();
    assert.equal(replies(h, 'chunked').length, 2);
  });

  it('writes the replies to pipelined requests made in one turn in one piece', async () => {
    const h = harness();
    h.session.feed(Buffer.concat([encodeFrame(HELLO_11, 'eom'), ...Array.from({ length: 5 }, () => encodeFrame('<r/>', 'chunked'))]));
    await tick();
    await tick();
    assert.equal(h.written.length, 2, 'the hello, then one write');
    assert.equal(replies(h, 'chunked').length, 5);
  });


  it('handles the next request while a reply waits to be saved; replies leave in request order', async () => {
    const handled: string[] = [];
    let save: () => void = () => undefined;
    const h = harness({}, (_s, m) => {
      const body = m.toString();
      handled.push(body);
      if (body !== '<commit/>') return Promise.resolve(`<rpc-reply xmlns="${BASE}"><echo>${body}</echo></rpc-reply>`);
      return Promise.resolve({ reply: new Promise<string>((resolve) => (save = () => resolve(`<rpc-reply xmlns="${BASE}"><ok/></rpc-reply>`))) });
    });
    h.session.feed(Buffer.concat([encodeFrame(HELLO_11, 'eom'), ...['<commit/>', '<get/>'].map((r) => encodeFrame(r, 'chunked'))]));
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(handled, ['<commit/>', '<get/>'], 'the <get> ran while the commit was being saved');
    assert.equal(replies(h, 'chunked').length, 0, 'no reply overtakes the commit');
    save();
    for (let i = 0; i < 5; i++) await tick();
    const out = replies(h, 'chunked');
    assert.equal(out.length, 2);
    assert.match(out[0], /<ok\/>/);
    assert.match(out[1], /<get\/>/);
  });
  it('outcomes known at once go out at the end of the turn, in request order, behind a reply waiting to be saved too', async () => {
    let save: () => void = () => undefined;
    const h = harness({}, (_s, m) => {
      const body = m.toString();
      if (body !== '<commit/>') return `<rpc-reply xmlns="${BASE}"><echo>${body}</echo></rpc-reply>`;
      return { reply: new Promise<string>((resolve) => (save = () => resolve(`<rpc-reply xmlns="${BASE}"><ok/></rpc-reply>`))) };
    });
    h.session.feed(Buffer.concat([encodeFrame(HELLO_11, 'eom'), ...['<a/>', '<b/>'].map((r) => encodeFrame(r, 'chunked'))]));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(replies(h, 'chunked').map((r) => /<echo>(.*)<\/echo>/.exec(r)?.[1]), ['<a/>', '<b/>']);
    h.session.feed(Buffer.concat(['<commit/>', '<c/>', '<d/>'].map((r) => encodeFrame(r, 'chunked'))));
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(replies(h, 'chunked').length, 2, 'no reply overtakes the commit');
    save();
    for (let i = 0; i < 5; i++) await tick();
    await new Promise((r) => setImmediate(r));
    const out = replies(h, 'chunked');
    assert.equal(out.length, 5);
    assert.match(out[2], /<ok\/>/);
    assert.match(out[3], /<c\/>/);
    assert.match(out[4], /<d\/>/);
  });

  it('ends a subscriber whose transport stays backpressured past the notification queue limit', async () => {
    const h = harness({ maxQueuedNotifications: 3 });
    h.session.feed(encodeFrame(HELLO_11, 'eom'));
    h.setWritable(false);
    h.session.sendNotification('<notification n="0"/>');
    await tick(); // written, transport now backpressured
    for (let i = 1; i <= 3; i++) h.session.sendNotification(`<notification n="${i}"/>`); // queued
    assert.equal(h.ended.reason, undefined);
    h.session.sendNotification('<notification n="4"/>'); // one too many
    assert.equal(h.ended.reason, 'other');
    assert.ok(h.endCalled());
  });

  it('delivers queued notifications in order after drain and keeps the session', () => {
    const h = harness({ maxQueuedNotifications: 3 });
    h.session.feed(encodeFrame(HELLO_11, 'eom'));
    h.setWritable(false);
    for (let i = 0; i < 4; i++) h.session.sendNotification(`<n i="${i}"/>`);
    h.setWritable(true);
    h.session.drained();
    assert.deepEqual(replies(h, 'chunked'), [0, 1, 2, 3].map((i) => `<n i="${i}"/>`));
    assert.equal(h.ended.reason, undefined);
  });

  it('ends a session whose client hello does not come within the hello timeout (timeout)', async () => {
    const h = harness({ helloTimeoutMs: 5 });
    h.session.feed(Buffer.from('<hello xmlns="')); // a hello begun and never finished
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(h.ended.reason, 'timeout');
    assert.ok(h.endCalled());
  });

  it('keeps a session that sent its hello past the hello timeout', async () => {
    const h = harness({ helloTimeoutMs: 5 });
    h.session.feed(encodeFrame(HELLO_11, 'eom'));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(h.ended.reason, undefined);
  });

  describe('input budget shared by sessions', () => {
    it('counts the message in progress and ends the session holding the most once the budget is exceeded', () => {
      const budget = new InputBudget(9_500);
      const small = harness({}, undefined, budget);
      const large = harness({}, undefined, budget);
      small.session.feed(encodeFrame(HELLO_11, 'eom'));
      large.session.feed(encodeFrame(HELLO_11, 'eom'));
      small.session.feed(Buffer.from('\n#3000\n' + 'a'.repeat(2000)));
      large.session.feed(Buffer.from('\n#9000\n' + 'b'.repeat(7000)));
      assert.equal(budget.heldBytes, 9000); // chunk headers are consumed, their data held
      assert.equal(large.ended.reason, undefined);
      small.session.feed(Buffer.from('a'.repeat(1000))); // 10,000 held: over
      assert.equal(large.ended.reason, 'other');
      assert.equal(small.ended.reason, undefined);
      assert.equal(budget.heldBytes, 3000);
    });

    it('counts a hello in progress: a session that has not said hello cannot hold more than the budget', () => {
      const budget = new InputBudget(4096);
      const h = harness({}, undefined, budget);
      h.session.feed(Buffer.from('<hello xmlns="' + 'x'.repeat(5000)));
      assert.equal(h.ended.reason, 'other');
      assert.equal(budget.heldBytes, 0);
    });

    it('counts requests waiting their turn and releases them when handled or when the session ends', async () => {
      const budget = new InputBudget(1 << 20);
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      const h = harness({}, async () => {
        await gate;
        return '<ok/>';
      }, budget);
      h.session.feed(encodeFrame(HELLO_11, 'eom'));
      h.session.feed(Buffer.concat(Array.from({ length: 4 }, () => encodeFrame('<r>' + 'x'.repeat(993) + '</r>', 'chunked'))));
      assert.equal(budget.heldBytes, 3000); // the first is being handled, three wait
      release();
      for (let i = 0; i < 10; i++) await tick();
      assert.equal(budget.heldBytes, 0);
      h.session.feed(Buffer.from('\n#500\n' + 'x'.repeat(100)));
      assert.equal(budget.heldBytes, 100);
      h.session.finish('other');
      assert.equal(budget.heldBytes, 0);
    });
  });
});
