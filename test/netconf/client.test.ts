// The NETCONF client against a server nobody on this team wrote: yuma123
// netconfd behind OpenSSH (started by /work/shared/anchors/netconfd.sh, as root).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { ConnectOptions, NetconfClient, replyErrors, SessionClosedError } from '../../src/netconf/client';
import { CAPABILITY, NS } from '../../src/model/namespaces';
import { child, XmlElement } from '../../src/model/xml';
import { requireTool } from '../helpers/interop';
import { ed25519KeyPair } from '../helpers/server';

const ANCHOR = '/work/shared/anchors/netconfd.sh';
const PORT = 18851;
const DIR = '/tmp/ncbgp-client-test-netconfd';
const GET_STATS = `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><statistics/></netconf-state></filter></get>`;
const GET_SCHEMA = `<get-schema xmlns="${NS.monitoring}"><identifier>ietf-netconf</identifier><format>yang</format></get-schema>`;

function statistics(reply: XmlElement): XmlElement | undefined {
  const data = child(reply, 'data', NS.base);
  const state = data && child(data, 'netconf-state', NS.monitoring);
  return state && child(state, 'statistics', NS.monitoring);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected a rejection');
}

describe('NetconfClient against netconfd (yuma123)', function () {
  this.timeout(30_000);
  let opts: ConnectOptions;
  const clients: NetconfClient[] = [];
  const open = async (extra: Partial<ConnectOptions> = {}): Promise<NetconfClient> => {
    const c = await NetconfClient.connect({ ...opts, ...extra });
    clients.push(c);
    return c;
  };

  before(function () {
    requireTool(this, 'netconfd', 'reference NETCONF server');
    requireTool(this, '/usr/sbin/sshd', 'OpenSSH in front of netconfd');
    execFileSync(ANCHOR, ['start', String(PORT)], { env: { ...process.env, NETCONFD_ANCHOR_DIR: DIR }, stdio: 'pipe' });
    opts = { host: '127.0.0.1', port: PORT, username: 'ncbench', privateKey: readFileSync(`${DIR}/id`) };
  });
  after(() => {
    execFileSync(ANCHOR, ['stop'], { env: { ...process.env, NETCONFD_ANCHOR_DIR: DIR }, stdio: 'pipe' });
    rmSync(DIR, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  it('exchanges hellos: session-id, server capabilities, chunked framing when both say base:1.1', async () => {
    const c = await open();
    assert.ok(Number.isInteger(c.sessionId) && c.sessionId > 0);
    assert.ok(c.serverCapabilities.includes(CAPABILITY.base11));
    assert.ok(c.serverCapabilities.some((cap) => cap.startsWith(NS.monitoring)));
    assert.equal(c.framing, 'chunked');
    assert.ok(statistics(await c.rpc(GET_STATS)));
  });

  it('stays on end-of-message framing when it offers only base:1.0', async () => {
    const c = await open({ capabilities: [CAPABILITY.base10] });
    assert.equal(c.framing, 'eom');
    assert.ok(statistics(await c.rpc(GET_STATS)));
    // RFC 6242 section 4.3: end-of-message framing cannot carry "]]>]]>"
    assert.match((await rejection(c.rpc('<get><filter type="subtree"><x>]]>]]></x></filter></get>'))).message, /]]>]]>/);
    assert.ok(statistics(await c.rpc(GET_STATS)));
  });

  it('matches pipelined replies to their rpc() calls by message-id', async () => {
    const c = await open();
    const ops = Array.from({ length: 100 }, (_, i) => (i % 3 === 2 ? '<no-such-operation/>' : GET_STATS));
    const replies = await Promise.all(ops.map((op) => c.rpc(op)));
    const ids = replies.map((r) => r.attrs.find((a) => a.name === 'message-id')?.value);
    assert.equal(new Set(ids).size, 100);
    replies.forEach((r, i) => assert.equal(replyErrors(r).length > 0, i % 3 === 2, `reply ${i}`));
  });

  it('rpcText() resolves with the unparsed reply, matched among parsed calls', async () => {
    const c = await open();
    const [parsed, text, failed] = await Promise.all([c.rpc(GET_STATS), c.rpcText(GET_STATS), c.rpcText('<no-such-operation/>')]);
    assert.ok(statistics(parsed));
    assert.match(text, /<rpc-reply[^>]*\smessage-id="2"/);
    assert.match(text, /<statistics>/);
    assert.match(failed, /<rpc-reply[^>]*\smessage-id="3"[\s\S]*<rpc-error>/);
  });

  it('reads <rpc-error> fields with replyErrors', async () => {
    const c = await open();
    const [e, ...more] = replyErrors(await c.rpc('<no-such-operation/>'));
    assert.deepEqual(more, []);
    assert.equal(e.severity, 'error');
    assert.ok(['rpc', 'protocol', 'application'].includes(e.type), e.type);
    assert.ok(e.tag.length > 0);
    assert.equal(replyErrors(await c.rpc(GET_STATS)).length, 0);
  });

  it('writes a 1 MB <rpc> whole (channel backpressure)', async () => {
    const c = await open();
    const pad = 'x'.repeat(1024 * 1024);
    const reply = await c.rpc(GET_STATS, `pad="${pad}"`);
    assert.equal(reply.attrs.find((a) => a.name === 'pad')?.value, pad);
    assert.ok(statistics(reply));
  });

  it('delivers notifications after create-subscription', async () => {
    const a = await open();
    const got: XmlElement[] = [];
    a.on('notification', (n) => got.push(n));
    assert.deepEqual(replyErrors(await a.rpc(`<create-subscription xmlns="${NS.notification}"/>`)), []);
    const b = await open();
    await b.close();
    const deadline = Date.now() + 5000;
    const ended = (): XmlElement | undefined => got.map((n) => child(n, 'netconf-session-end', NS.notifications)).find((e) => e && child(e, 'session-id', NS.notifications)?.text === String(b.sessionId));
    while (!ended() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(ended(), 'no netconf-session-end for the closed session');
    assert.ok(got.every((n) => child(n, 'eventTime', NS.notification)));
  });

  it('close() sends close-session and ends; later calls reject with SessionClosedError', async () => {
    const c = await open();
    let closeEvents = 0;
    c.on('close', () => closeEvents++);
    await c.close();
    assert.equal(c.closed, true);
    assert.equal(closeEvents, 1);
    assert.ok((await rejection(c.rpc(GET_STATS))) instanceof SessionClosedError);
    await c.close(); // a second close is harmless
  });

  it('destroy() rejects the calls still waiting for a reply', async () => {
    const c = await open();
    const pending = Array.from({ length: 10 }, () => c.rpc(GET_STATS));
    c.destroy();
    for (const p of pending) assert.ok((await rejection(p)) instanceof SessionClosedError);
    await c.waitClosed();
  });

  it('ends the session when a reply exceeds maxMessageBytes', async () => {
    const c = await open({ maxMessageBytes: 8192 });
    const reasons: (Error | undefined)[] = [];
    c.on('close', (reason) => reasons.push(reason));
    const e = await rejection(c.rpc(GET_SCHEMA));
    assert.ok(e instanceof SessionClosedError);
    assert.match(e.message, /maxMessageBytes/);
    assert.match(reasons[0]?.message ?? '', /maxMessageBytes/);
  });

  it('rejects connect() for a key the server does not know', async () => {
    const { private: key } = ed25519KeyPair();
    const e = await rejection(NetconfClient.connect({ ...opts, privateKey: key }));
    assert.match(e.message, /authentication/i);
  });

  it('rejects connect() when nothing listens, and when no <hello> comes in time', async () => {
    const refused = await rejection(NetconfClient.connect({ ...opts, port: 1 }));
    assert.match(refused.message, /ECONNREFUSED/);
    // a TCP listener that never speaks SSH
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const timedOut = await rejection(NetconfClient.connect({ ...opts, port, readyTimeoutMs: 500 }));
      assert.match(timedOut.message, /timed out|within 500 ms/i);
    } finally {
      silent.close();
    }
  });
});
