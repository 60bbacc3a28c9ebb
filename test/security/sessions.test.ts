// Hostile clients, issue 10 case 3: sessions and the memory they hold are
// bounded. Sessions count against max-sessions from the moment they open,
// a client hello that never comes ends the session at the hello timeout, and
// bytes received and not yet handled are held within one budget across all
// sessions. The real server process, real SSH, our client.
import assert from 'node:assert/strict';
import { NetconfClient } from '../../src/netconf/client';
import { NS } from '../../src/model/namespaces';
import { child, XmlElement } from '../../src/model/xml';
import { event, field, inbox, subscribe } from '../helpers/netconf';
import { connect, startServer, TestServer } from '../helpers/server';

const MiB = 1024 * 1024;
const VISITOR = { name: 'visitor', password: 'visitor', level: 0 };
const GET_STATS = `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><statistics/></netconf-state></filter></get>`;

/** A session as the level-0 user that has read the server's hello and sent none of its own. */
function withoutHello(server: TestServer): Promise<NetconfClient> {
  return NetconfClient.connect({ host: '127.0.0.1', port: server.port, username: VISITOR.name, password: VISITOR.password, sendHello: false });
}

/** Waits until `done()` holds, checking every 50 ms; fails after `ms`. */
async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !done(); ) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function statistic(reply: XmlElement, name: string): number {
  const stats = child(child(child(reply, 'data') as XmlElement, 'netconf-state') as XmlElement, 'statistics') as XmlElement;
  return Number(child(stats, name)?.text);
}

describe('hostile clients: sessions and buffered input (issue 10, case 3)', function () {
  this.timeout(60_000);
  const clients: NetconfClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  describe('sessions count from the moment they open; the hello times out', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ config: { netconf: { users: [{ name: 'admin', password: 'admin', level: 3 }, VISITOR], 'max-sessions': 6, 'hello-timeout': 1 } } });
    });
    after(() => server.stop());

    it('sessions waiting for their hello fill max-sessions: the next is refused; the hello timeout ends them (netconf-session-end timeout) and frees the places', async () => {
      const admin = await connect(server);
      clients.push(admin);
      const events = inbox(admin);
      await subscribe(admin);
      const silent = await Promise.all(Array.from({ length: 5 }, () => withoutHello(server)));
      clients.push(...silent);
      // 1 established + 5 awaiting their hello = max-sessions 6
      await assert.rejects(withoutHello(server), 'a seventh session is refused');
      await until(() => silent.every((c) => c.closed), 10_000, 'the server ends the sessions that sent no hello');
      const ended = new Map<string, string | undefined>();
      while (ended.size < silent.length) {
        const e = event(await events.next());
        if (e.name === 'netconf-session-end') ended.set(field(e, 'session-id') as string, field(e, 'termination-reason'));
      }
      for (const c of silent) assert.equal(ended.get(String(c.sessionId)), 'timeout', `session ${c.sessionId}`);
      const again = await connect(server);
      clients.push(again);
      assert.ok(again.sessionId > 0);
    });

    it('a bad hello ends the session with netconf-session-end bad-hello and counts in in-bad-hellos', async () => {
      const admin = await connect(server);
      clients.push(admin);
      const before = statistic(await admin.rpc(GET_STATS), 'in-bad-hellos');
      const events = inbox(admin);
      await subscribe(admin);
      const bad = await withoutHello(server);
      clients.push(bad);
      await bad.sendRaw(`<rpc xmlns="${NS.base}" message-id="1"><get/></rpc>]]>]]>`);
      await bad.waitClosed();
      for (;;) {
        const e = event(await events.next());
        if (e.name !== 'netconf-session-end' || field(e, 'session-id') !== String(bad.sessionId)) continue;
        assert.equal(field(e, 'termination-reason'), 'bad-hello');
        assert.equal(field(e, 'username'), VISITOR.name);
        break;
      }
      assert.equal(statistic(await admin.rpc(GET_STATS), 'in-bad-hellos'), before + 1);
    });
  });

  describe('one budget for received bytes across sessions', () => {
    const BUDGET = 8 * MiB;
    const EACH = 3 * MiB;
    let server: TestServer;
    before(async () => {
      server = await startServer({
        config: { netconf: { users: [{ name: 'admin', password: 'admin', level: 3 }, VISITOR], 'max-message-bytes': 4 * MiB, 'max-input-buffer-bytes': BUDGET } },
      });
    });
    after(() => server.stop());

    /** Five sessions each send EACH bytes of a message they never finish; returns those the server kept. */
    async function flood(sessions: NetconfClient[], prefix: string): Promise<NetconfClient[]> {
      clients.push(...sessions);
      await Promise.all(sessions.map((c) => c.sendRaw(prefix + 'x'.repeat(EACH - prefix.length)).catch(() => undefined)));
      // at most floor(BUDGET / EACH) can hold their bytes; the others are ended
      await until(() => sessions.filter((c) => !c.closed).length <= Math.floor(BUDGET / EACH), 20_000, 'sessions over the budget are ended');
      await new Promise((r) => setTimeout(r, 300));
      return sessions.filter((c) => !c.closed);
    }

    it('unfinished hellos from many sessions cannot add up past max-input-buffer-bytes; another session is answered', async () => {
      const witness = await connect(server);
      clients.push(witness);
      const kept = await flood(await Promise.all(Array.from({ length: 5 }, () => withoutHello(server))), `<hello xmlns="${NS.base}"><capabilities><capability>`);
      assert.ok(kept.length >= 1 && kept.length * EACH <= BUDGET, `${kept.length} sessions of ${EACH} bytes kept within ${BUDGET}`);
      assert.ok(statistic(await witness.rpc(GET_STATS), 'in-sessions') >= 1);
      assert.ok(server.stderrLines().some((l) => l.includes('input buffer budget exceeded')));
    });

    it('unfinished requests of established sessions are held within the same budget', async () => {
      const witness = await connect(server);
      clients.push(witness);
      const sessions = await Promise.all(Array.from({ length: 5 }, () => connect(server, VISITOR.name, VISITOR.password)));
      // base:1.1 chunked framing: one chunk header announcing more than is ever sent
      const kept = await flood(sessions, `\n#${EACH + 1}\n<rpc xmlns="${NS.base}" message-id="1"><get-config><source><running/></source><filter>`);
      assert.ok(kept.length >= 1 && kept.length * EACH <= BUDGET, `${kept.length} sessions of ${EACH} bytes kept within ${BUDGET}`);
      assert.ok(statistic(await witness.rpc(GET_STATS), 'dropped-sessions') >= 5 - kept.length);
    });
  });
});
