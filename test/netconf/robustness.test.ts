// Bad input gets a clear answer, and nothing else breaks: the real server
// process, real SSH, our client. Every case also checks that a second session,
// opened before the bad input, still answers a <get> afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { CAPABILITY, NS } from '../../src/model/namespaces';
import { child, serialize, XmlElement } from '../../src/model/xml';
import { connect, startServer, TestServer } from '../helpers/server';

const MAX_MESSAGE_BYTES = 64 * 1024;
const REFRESH_NS = 'urn:ncbgp:yang:ncbgp-refresh';
const GET_STATS = `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><statistics/></netconf-state></filter></get>`;
const GET_SESSIONS = `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><sessions/></netconf-state></filter></get>`;
const GET_SCHEMA = `<get-schema xmlns="${NS.monitoring}"><identifier>ietf-netconf</identifier><version>2011-06-01</version><format>yang</format></get-schema>`;

type Outcome = { kind: 'reply'; reply: XmlElement } | { kind: 'closed' } | { kind: 'timeout' };

/** The next reply no rpc() call claims, or the end of the session, whichever comes first. */
function outcome(c: NetconfClient, ms = 5000): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    c.once('unmatched-reply', (reply) => {
      clearTimeout(timer);
      resolve({ kind: 'reply', reply });
    });
    c.waitClosed().then(() => {
      clearTimeout(timer);
      resolve({ kind: 'closed' });
    });
  });
}

async function closedWithin(c: NetconfClient, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  const r = await Promise.race([c.waitClosed().then(() => 'closed' as const), timeout]);
  clearTimeout(timer);
  assert.equal(r, 'closed', `session ${c.sessionId} still open after ${ms} ms`);
}

function attr(el: XmlElement, name: string, ns = ''): string | undefined {
  return el.attrs.find((a) => a.name === name && a.ns === ns)?.value;
}

function rpcXml(messageId: string, op: string): string {
  return `<rpc message-id="${messageId}" xmlns="${NS.base}">${op}</rpc>`;
}

describe('NETCONF robustness (server process, SSH, our client)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let witness: NetconfClient; // opened before each bad input
  const others: NetconfClient[] = [];

  /** A session closed by the test's end (destroyed if still open). */
  async function open(opts: { capabilities?: string[]; sendHello?: boolean } = {}): Promise<NetconfClient> {
    const c = await NetconfClient.connect({ host: '127.0.0.1', port: server.port, username: 'admin', password: 'admin', ...opts });
    others.push(c);
    return c;
  }

  /** Waits for a JSON log line of the server matching `pred`. */
  async function logLine(pred: (l: Record<string, unknown>) => boolean, ms = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const line of server.stderrLines()) {
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          if (pred(j)) return j;
        } catch {
          // not a JSON line
        }
      }
      if (Date.now() > deadline) assert.fail(`no matching log line within ${ms} ms; last lines:\n${server.stderrLines().slice(-10).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The server process is up and the witness session still answers a <get>. */
  async function othersUnaffected(): Promise<void> {
    assert.equal(server.proc.exitCode, null, 'server process exited');
    assert.equal(witness.closed, false, 'the witness session was closed');
    const reply = await witness.rpc(GET_STATS);
    assert.deepEqual(replyErrors(reply), []);
    assert.ok(child(child(child(reply, 'data', NS.base)!, 'netconf-state', NS.monitoring)!, 'statistics', NS.monitoring));
  }

  before(async () => {
    // the load cases log in 50 at once from one address: past the per-source default of 10
    server = await startServer({ config: { netconf: { 'max-message-bytes': MAX_MESSAGE_BYTES, 'max-unauthenticated-per-source': 64 } } });
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    witness = await connect(server);
  });
  afterEach(() => {
    for (const c of [witness, ...others.splice(0)]) c.destroy();
  });

  describe('framing', () => {
    const truncated: { name: string; capabilities: string[]; bytes: string }[] = [
      { name: 'half an end-of-message (base:1.0) message', capabilities: [CAPABILITY.base10], bytes: `<rpc message-id="1" xmlns="${NS.base}"><get><fil` },
      { name: 'half a chunk (base:1.1)', capabilities: [CAPABILITY.base11], bytes: `\n#200\n<rpc message-id="1" xmlns="${NS.base}"><get>` },
      { name: 'a chunk header cut after the size', capabilities: [CAPABILITY.base11], bytes: '\n#20' },
      { name: 'chunks without end-of-chunks', capabilities: [CAPABILITY.base11], bytes: `\n#${rpcXml('1', '<get/>').length}\n${rpcXml('1', '<get/>')}` },
      { name: 'a chunk-size past the end of the data', capabilities: [CAPABILITY.base11], bytes: `\n#5000\n${rpcXml('1', '<get/>')}\n##\n` },
    ];
    for (const t of truncated) {
      it(`client sends ${t.name} then disconnects: its session ends, the server stays up`, async () => {
        const c = await open({ capabilities: t.capabilities });
        await c.sendRaw(t.bytes);
        await new Promise((r) => setTimeout(r, 50));
        c.destroy();
        await logLine((l) => l.msg === 'session ended' && l.session === c.sessionId && l.reason === 'dropped');
        await othersUnaffected();
      });
    }

    for (const mode of ['eom', 'chunked'] as const) {
      it(`a message over max-message-bytes (${mode} framing) ends the session and logs why`, async () => {
        const c = await open({ capabilities: [mode === 'eom' ? CAPABILITY.base10 : CAPABILITY.base11] });
        assert.equal(c.framing, mode);
        const big = rpcXml('1', `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><sessions>${'x'.repeat(MAX_MESSAGE_BYTES + 1000)}</sessions></netconf-state></filter></get>`);
        c.send(big).catch(() => undefined);
        await closedWithin(c);
        const line = await logLine((l) => l.msg === 'framing error, ending session' && l.session === c.sessionId);
        assert.match(String(line.reason), /maxMessageBytes/);
        await othersUnaffected();
      });
    }

    const badChunks: { name: string; bytes: string }[] = [
      { name: 'chunk-size 0 (#0)', bytes: '\n#0\n' },
      { name: 'a header with no digits (#\\n)', bytes: '\n#\nabc' },
      { name: 'a header with letters (#abc)', bytes: '\n#abc\n' },
      { name: 'a chunk-size with a leading zero (#012)', bytes: '\n#012\n<rpc/>' },
      { name: 'a chunk-size past 4294967295', bytes: '\n#4294967296\n' },
      { name: 'a chunk-size past max-message-bytes', bytes: `\n#${MAX_MESSAGE_BYTES + 1}\n` },
      { name: 'a chunk without its LF # header', bytes: rpcXml('1', '<get/>') },
      { name: 'end-of-chunks with no chunk', bytes: '\n##\n' },
    ];
    for (const t of badChunks) {
      it(`after base:1.1, ${t.name} ends the session and logs a framing error`, async () => {
        const c = await open();
        assert.equal(c.framing, 'chunked');
        await c.sendRaw(t.bytes);
        await closedWithin(c);
        await logLine((l) => l.msg === 'framing error, ending session' && l.session === c.sessionId);
        await othersUnaffected();
      });
    }
  });

  describe('hello', () => {
    const garbage: { name: string; bytes: string }[] = [
      { name: 'text that is not XML', bytes: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n]]>]]>' },
      { name: 'binary bytes', bytes: '\x00\x01\x02\xff\xfe<<<>>>]]>]]>' },
      { name: 'garbage, then a valid hello', bytes: `junk<hello xmlns="${NS.base}"><capabilities><capability>${CAPABILITY.base10}</capability></capabilities></hello>]]>]]>` },
      { name: 'an <rpc> instead of a hello', bytes: `${rpcXml('1', '<get/>')}]]>]]>` },
    ];
    for (const t of garbage) {
      it(`${t.name} before the hello closes the session`, async () => {
        const c = await open({ sendHello: false });
        await c.sendRaw(t.bytes);
        await closedWithin(c);
        await logLine((l) => l.msg === 'bad hello, ending session' && l.session === c.sessionId);
        await othersUnaffected();
      });
    }
  });

  describe('hostile XML', () => {
    let dir: string;
    let secretFile: string;
    const MARKER = `XXE-MARKER-${process.pid}-${Date.now()}`;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ncbgp-xxe-'));
      secretFile = join(dir, 'secret.txt');
      writeFileSync(secretFile, MARKER + '\n');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const filterWith = (inner: string): string => `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><schemas><schema><identifier>${inner}</identifier></schema></schemas></netconf-state></filter></get>`;
    const cases: { name: string; message: () => string; hello?: boolean }[] = [
      { name: 'an external entity (file://) in an rpc', message: () => `<?xml version="1.0"?><!DOCTYPE rpc [<!ENTITY xxe SYSTEM "file://${secretFile}">]>${rpcXml('1', filterWith('&xxe;'))}` },
      { name: 'an external parameter entity', message: () => `<?xml version="1.0"?><!DOCTYPE rpc [<!ENTITY % p SYSTEM "file://${secretFile}"> %p;]>${rpcXml('1', GET_STATS)}` },
      { name: 'an external DTD', message: () => `<?xml version="1.0"?><!DOCTYPE rpc SYSTEM "file://${secretFile}">${rpcXml('1', GET_STATS)}` },
      { name: 'an internal DTD', message: () => `<!DOCTYPE rpc [<!ELEMENT rpc ANY>]>${rpcXml('1', GET_STATS)}` },
      {
        name: 'an entity expansion bomb',
        message: () => `<!DOCTYPE rpc [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>${rpcXml('1', filterWith('&d;&d;&d;'))}`,
      },
      {
        name: 'an external entity in the hello',
        hello: true,
        message: () => `<?xml version="1.0"?><!DOCTYPE hello [<!ENTITY xxe SYSTEM "file://${secretFile}">]><hello xmlns="${NS.base}"><capabilities><capability>${CAPABILITY.base10}</capability><capability>&xxe;</capability></capabilities></hello>`,
      },
    ];
    for (const t of cases) {
      it(`${t.name}: malformed-message or session closed, the entity never resolved`, async () => {
        const c = await open(t.hello ? { sendHello: false } : {});
        const seen: string[] = [];
        c.on('unmatched-reply', (r) => seen.push(serialize(r)));
        c.on('notification', (n) => seen.push(serialize(n)));
        const result = outcome(c);
        if (t.hello) await c.sendRaw(t.message() + ']]>]]>');
        else await c.send(t.message());
        const o = await result;
        if (o.kind === 'reply') {
          assert.deepEqual(replyErrors(o.reply).map((e) => [e.type, e.tag]), [['rpc', 'malformed-message']]);
          // the session goes on
          const after = await c.rpc(GET_STATS);
          seen.push(serialize(after));
          assert.deepEqual(replyErrors(after), []);
        } else {
          assert.equal(o.kind, 'closed', 'neither an rpc-error nor a closed session within 5 s');
        }
        if (t.hello) assert.equal(o.kind, 'closed');
        for (const s of seen) assert.ok(!s.includes(MARKER), `reply contains the file's content: ${s}`);
        assert.ok(!server.stderrLines().some((l) => l.includes(MARKER)), 'the file content reached the log');
        await othersUnaffected();
      });
    }

    for (const depth of [100, 5000]) {
      it(`XML nested ${depth} deep is rejected with malformed-message`, async () => {
        const c = await open();
        const nested = '<a>'.repeat(depth) + '</a>'.repeat(depth);
        const result = outcome(c);
        await c.send(rpcXml('9', `<get><filter type="subtree">${nested}</filter></get>`));
        const o = await result;
        assert.equal(o.kind, 'reply');
        if (o.kind !== 'reply') return;
        assert.deepEqual(replyErrors(o.reply).map((e) => [e.type, e.tag]), [['rpc', 'malformed-message']]);
        assert.deepEqual(replyErrors(await c.rpc(GET_STATS)), []);
        await othersUnaffected();
      });
    }
  });

  describe('load', () => {
    it('1,000 pipelined RPCs on one session get 1,000 replies, in order, with their message-ids', async () => {
      const c = await open();
      const ids = Array.from({ length: 1000 }, (_, i) => `p-${i}`);
      const got: string[] = [];
      const all = new Promise<void>((resolve) =>
        c.on('unmatched-reply', (r) => {
          assert.deepEqual(replyErrors(r), []);
          got.push(attr(r, 'message-id') ?? '(none)');
          if (got.length === ids.length) resolve();
        }),
      );
      for (const id of ids) void c.send(rpcXml(id, GET_STATS));
      await all;
      assert.deepEqual(got, ids);
      await othersUnaffected();
    });

    it('the client matches 1,000 pipelined rpc() calls to their replies', async () => {
      const c = await open();
      const replies = await Promise.all(Array.from({ length: 1000 }, () => c.rpc(GET_STATS)));
      const ids = replies.map((r) => Number(attr(r, 'message-id')));
      assert.equal(new Set(ids).size, 1000);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      await othersUnaffected();
    });

    it('50 concurrent sessions each do a get', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const c = await open();
          const reply = await c.rpc(GET_STATS);
          await c.close();
          return { id: c.sessionId, errors: replyErrors(reply), data: child(reply, 'data', NS.base) };
        }),
      );
      assert.equal(new Set(results.map((r) => r.id)).size, 50);
      for (const r of results) {
        assert.deepEqual(r.errors, []);
        assert.ok(r.data);
      }
      await othersUnaffected();
    });

    it('clients that disconnect in the middle of big get-schema replies leave no session behind', async () => {
      const gone: number[] = [];
      for (let i = 0; i < 10; i++) {
        const c = await open();
        const first = c.rpc(GET_SCHEMA);
        for (let j = 0; j < 20; j++) c.rpc(GET_SCHEMA).catch(() => undefined);
        const reply = await first;
        assert.match(child(reply, 'data', NS.monitoring)?.text ?? '', /module ietf-netconf/); // RFC 6022 section 3.1
        c.destroy(); // 19 replies are still being written
        gone.push(c.sessionId);
      }
      for (const id of gone) await logLine((l) => l.msg === 'session ended' && l.session === id && l.reason === 'dropped');
      const sessions = child(child(child((await witness.rpc(GET_SESSIONS)), 'data', NS.base)!, 'netconf-state', NS.monitoring)!, 'sessions', NS.monitoring)!;
      const listed = sessions.children.map((s) => Number(child(s, 'session-id', NS.monitoring)?.text));
      for (const id of gone) assert.ok(!listed.includes(id), `session ${id} still listed in /netconf-state/sessions`);
      assert.ok(listed.includes(witness.sessionId));
      await othersUnaffected();
    });
  });

  describe('rpc errors', () => {
    it('an rpc without message-id gets missing-attribute, with no message-id in the reply', async () => {
      const c = await open();
      const result = outcome(c);
      await c.send(`<rpc xmlns="${NS.base}">${GET_STATS}</rpc>`);
      const o = await result;
      assert.equal(o.kind, 'reply');
      if (o.kind !== 'reply') return;
      assert.equal(attr(o.reply, 'message-id'), undefined);
      const [e, ...more] = replyErrors(o.reply);
      assert.deepEqual(more, []);
      assert.deepEqual([e.type, e.tag, e.severity], ['rpc', 'missing-attribute', 'error']);
      assert.equal(child(e.info!, 'bad-attribute', NS.base)?.text, 'message-id');
      assert.equal(child(e.info!, 'bad-element', NS.base)?.text, 'rpc');
      await othersUnaffected();
    });

    const unparsable = [
      { name: 'an unclosed element', xml: `<rpc message-id="7" xmlns="${NS.base}"><get></rpc>` },
      { name: 'an undeclared prefix', xml: `<rpc message-id="7" xmlns="${NS.base}"><x:get/></rpc>` },
      { name: 'not XML at all', xml: 'hello there' },
      { name: 'two root elements', xml: `${rpcXml('7', '<get/>')}${rpcXml('8', '<get/>')}` },
    ];
    for (const t of unparsable) {
      it(`unparsable XML (${t.name}) gets malformed-message and the session goes on`, async () => {
        const c = await open();
        const result = outcome(c);
        await c.send(t.xml);
        const o = await result;
        assert.equal(o.kind, 'reply');
        if (o.kind !== 'reply') return;
        assert.deepEqual(replyErrors(o.reply).map((e) => [e.type, e.tag]), [['rpc', 'malformed-message']]);
        assert.deepEqual(replyErrors(await c.rpc(GET_STATS)), []);
        await othersUnaffected();
      });
    }

    it('an empty end-of-message framed message gets malformed-message and the session goes on', async () => {
      const c = await open({ capabilities: [CAPABILITY.base10] });
      const result = outcome(c);
      await c.sendRaw(']]>]]>');
      const o = await result;
      assert.equal(o.kind, 'reply');
      if (o.kind !== 'reply') return;
      assert.deepEqual(replyErrors(o.reply).map((e) => [e.type, e.tag]), [['rpc', 'malformed-message']]);
      assert.deepEqual(replyErrors(await c.rpc(GET_STATS)), []);
      await othersUnaffected();
    });

    const unknownOps = [
      { name: 'in the base namespace', xml: '<frobnicate/>' },
      { name: 'in a namespace no module has', xml: '<frobnicate xmlns="urn:example:nothing"/>' },
    ];
    for (const t of unknownOps) {
      it(`an unknown operation ${t.name} gets operation-not-supported`, async () => {
        const c = await open();
        const errors = replyErrors(await c.rpc(t.xml));
        assert.deepEqual(errors.map((e) => [e.type, e.tag]), [['protocol', 'operation-not-supported']]);
        await othersUnaffected();
      });
    }

    for (const op of [GET_STATS, '<frobnicate/>']) {
      it(`the reply echoes every attribute of <rpc>, a namespaced one too (${op.startsWith('<get') ? 'ok reply' : 'error reply'})`, async () => {
        const c = await open();
        const reply = await c.rpc(op, 'xmlns:ex="urn:example:echo" ex:trace="t-42" user-id="17" other="a &amp; b"');
        assert.equal(attr(reply, 'user-id'), '17');
        assert.equal(attr(reply, 'other'), 'a & b');
        assert.equal(attr(reply, 'trace', 'urn:example:echo'), 't-42');
        assert.ok(attr(reply, 'message-id'));
        await othersUnaffected();
      });
    }
  });

  describe('session operations', () => {
    it('close-session replies <ok/>, then the session closes', async () => {
      const c = await open();
      const reply = await c.rpc('<close-session/>');
      assert.deepEqual(replyErrors(reply), []);
      assert.ok(child(reply, 'ok', NS.base));
      await closedWithin(c);
      await logLine((l) => l.msg === 'session ended' && l.session === c.sessionId && l.reason === 'closed');
      await othersUnaffected();
    });

    it('kill-session ends another session and tells subscribers who killed it', async () => {
      const killer = await open();
      const victim = await open();
      assert.deepEqual(replyErrors(await killer.rpc(`<create-subscription xmlns="${NS.notification}"/>`)), []);
      const ended = new Promise<XmlElement>((resolve) =>
        killer.on('notification', (n) => {
          const end = child(n, 'netconf-session-end', NS.notifications);
          if (end && child(end, 'session-id', NS.notifications)?.text === String(victim.sessionId)) resolve(end);
        }),
      );
      const reply = await killer.rpc(`<kill-session><session-id>${victim.sessionId}</session-id></kill-session>`);
      assert.deepEqual(replyErrors(reply), []);
      assert.ok(child(reply, 'ok', NS.base));
      await closedWithin(victim);
      const end = await ended;
      assert.equal(child(end, 'killed-by', NS.notifications)?.text, String(killer.sessionId));
      assert.equal(child(end, 'termination-reason', NS.notifications)?.text, 'killed');
      await othersUnaffected();
    });

    it('kill-session of its own session gets invalid-value', async () => {
      const c = await open();
      const errors = replyErrors(await c.rpc(`<kill-session><session-id>${c.sessionId}</session-id></kill-session>`));
      assert.deepEqual(errors.map((e) => [e.type, e.tag]), [['protocol', 'invalid-value']]);
      assert.equal(c.closed, false);
      await othersUnaffected();
    });
  });

  describe('refresh-bgp-mvpn', () => {
    it('direction "sideways" gets invalid-value with an error-path', async () => {
      const c = await open();
      const errors = replyErrors(await c.rpc(`<refresh-bgp-mvpn xmlns="${REFRESH_NS}"><all/><direction>sideways</direction></refresh-bgp-mvpn>`));
      assert.equal(errors.length, 1);
      assert.equal(errors[0].tag, 'invalid-value');
      assert.ok(['protocol', 'application'].includes(errors[0].type), errors[0].type);
      assert.match(errors[0].path ?? '', /refresh-bgp-mvpn.*direction/);
      await othersUnaffected();
    });

    it('a valid request is answered with its operation-id', async () => {
      const c = await open();
      const reply = await c.rpc(`<refresh-bgp-mvpn xmlns="${REFRESH_NS}"><all/><direction>import</direction></refresh-bgp-mvpn>`);
      assert.deepEqual(replyErrors(reply), []);
      assert.match(child(reply, 'operation-id', REFRESH_NS)?.text ?? '', /^[1-9][0-9]*$/);
      await othersUnaffected();
    });

    it('an address that is no configured peer gets data-missing naming peer-address', async () => {
      const c = await open();
      const errors = replyErrors(await c.rpc(`<refresh-bgp-mvpn xmlns="${REFRESH_NS}"><peer-address>198.51.100.7</peer-address><direction>export</direction></refresh-bgp-mvpn>`));
      assert.deepEqual(errors.map((e) => [e.type, e.tag, e.path]), [['application', 'data-missing', '/ncbgp-refresh:refresh-bgp-mvpn/ncbgp-refresh:peer-address']]);
      await othersUnaffected();
    });
  });
});
