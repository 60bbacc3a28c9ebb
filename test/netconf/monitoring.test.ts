// /netconf-state built for a filter (only the children it names) and <get>
// on the narrowed data give what the whole tree filtered gives, as sessions
// come and go, counters move and locks are taken; NACM still prunes.
import assert from 'node:assert/strict';
import { Datastores } from '../../src/datastore/store';
import { createLogger } from '../../src/log';
import { NS } from '../../src/model/namespaces';
import { DEFAULT_XML_LIMITS, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { encodeFrame, FrameDecoder } from '../../src/netconf/framing';
import { AccessControl } from '../../src/netconf/nacm';
import { registerBaseOperations } from '../../src/netconf/operations/base';
import { registerMonitoring } from '../../src/netconf/operations/monitoring';
import { NetconfServer } from '../../src/netconf/server';
import { NetconfSession } from '../../src/netconf/session';
import { applySubtreeFilter } from '../../src/netconf/subtree-filter';
import { DEFAULT_YANG_DIR, SchemaRegistry } from '../../src/yang/registry';

const M = NS.monitoring;
const HELLO = `<hello xmlns="${NS.base}"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>`;

/** Filters over /netconf-state: containment, selection, content match, several roots, no namespace, unknown names. */
const FILTERS = [
  `<netconf-state xmlns="${M}"/>`,
  `<netconf-state xmlns="${M}"><statistics/></netconf-state>`,
  `<netconf-state xmlns="${M}"><statistics><in-rpcs/></statistics></netconf-state>`,
  `<netconf-state xmlns="${M}"><sessions/><statistics/></netconf-state>`,
  `<netconf-state xmlns="${M}"><sessions><session><username>alice</username></session></sessions></netconf-state>`,
  `<netconf-state xmlns="${M}"><sessions><session><in-rpcs/></session></sessions></netconf-state>`,
  `<netconf-state xmlns="${M}"><datastores><datastore><name>running</name><locks/></datastore></datastores></netconf-state>`,
  `<netconf-state xmlns="${M}"><schemas><schema><identifier>ietf-netconf</identifier></schema></schemas></netconf-state>`,
  `<netconf-state xmlns="${M}"><capabilities/></netconf-state>`,
  `<netconf-state xmlns="${M}"><statistics>x</statistics></netconf-state>`,
  `<netconf-state xmlns="${M}"><no-such-child/></netconf-state>`,
  `<netconf-state><statistics/></netconf-state>`,
  `<netconf-state xmlns="${M}"><statistics/></netconf-state><netconf-state xmlns="${M}"><sessions/></netconf-state>`,
  `<netconf-state xmlns="${M}"><statistics/></netconf-state><netconf-state xmlns="${M}"/>`,
  `<netconf-state xmlns="urn:other"><statistics/></netconf-state>`,
  `<nacm xmlns="${NS.nacm}"/><netconf-state xmlns="${M}"><datastores/></netconf-state>`,
].map((f) => parseXml(`<filter xmlns="${NS.base}">${f}</filter>`).children);

/** A session on a transport that keeps what it is given. */
interface Client {
  session: NetconfSession;
  rpc(op: string): Promise<XmlElement>;
}

describe('/netconf-state built for the filter', function () {
  this.timeout(20_000);
  const log = createLogger({}, () => undefined);
  const schema = SchemaRegistry.load(DEFAULT_YANG_DIR);
  let datastores: Datastores;
  let server: NetconfServer;
  let messageId = 0;
  const listKeys = (ns: string, path: readonly string[]): readonly string[] | undefined => schema.listKeys(ns, path);

  /** RFC 8341: user "limited" may not read /netconf-state/statistics; everything else is permitted. */
  const nacmConfig = parseXml(
    `<nacm xmlns="${NS.nacm}"><groups><group><name>limited</name><user-name>limited</user-name></group></groups>` +
      `<rule-list><name>l</name><group>limited</group><rule><name>no-stats</name><module-name>ietf-netconf-monitoring</module-name>` +
      `<path xmlns:ncm="${M}">/ncm:netconf-state/ncm:statistics</path><access-operations>read</access-operations><action>deny</action></rule></rule-list></nacm>`,
  );

  before(async () => {
    datastores = await Datastores.open({ schema, initial: () => [nacmConfig], log });
    const nacm = new AccessControl(schema, () => datastores.get('running').find((n) => n.ns === NS.nacm && n.name === 'nacm'));
    const user = (s: NetconfSession): { name: string; externalGroups: string[]; recovery: boolean } => ({ name: s.username, externalGroups: [], recovery: false });
    server = new NetconfServer({
      schema,
      datastores,
      limits: { maxMessageBytes: 1 << 20, maxPendingRpcs: 64, maxQueuedNotifications: 64, xml: DEFAULT_XML_LIMITS, helloTimeoutMs: 60_000 },
      maxSessions: 10,
      maxInputBufferBytes: 1 << 24,
      replayBufferSize: 16,
      validateInput: () => false,
      log,
      access: {
        operationAllowed: (s, op) => nacm.operationAllowed(user(s), op.ns || NS.base, op.name),
        filterRead: (s, nodes) => nacm.filterRead(user(s), nodes),
        writeGuard: (s) => (changes) => nacm.checkWrite(user(s), changes),
        filterNotification: (s, content) => nacm.filterNotification(user(s), content),
      },
    });
    registerBaseOperations(server);
    registerMonitoring(server);
  });

  const open = (username: string): Client => {
    const decoder = new FrameDecoder({ maxMessageBytes: 1 << 24 });
    const received: XmlElement[] = [];
    const session = server.openSession(
      {
        write: (d) => {
          decoder.push(d);
          for (let m = decoder.next(); m; m = decoder.next()) received.push(parseXml(m));
          return true;
        },
        pause: () => undefined,
        resume: () => undefined,
        end: () => session.closed(),
      },
      username,
      '192.0.2.1',
    );
    session.feed(encodeFrame(HELLO, 'eom'));
    decoder.setMode('chunked');
    const replies = (): XmlElement[] => received.filter((r) => r.name === 'rpc-reply');
    return {
      session,
      rpc: async (op) => {
        const before = replies().length;
        session.feed(encodeFrame(`<rpc xmlns="${NS.base}" message-id="${++messageId}">${op}</rpc>`, 'chunked'));
        // replies leave at the end of the turn
        await new Promise((r) => setImmediate(r));
        assert.equal(replies().length, before + 1, 'one reply');
        return replies()[before];
      },
    };
  };

  /** For every filter: the state built for it, filtered, is the whole state filtered. */
  const assertSame = (): void => {
    for (const filter of FILTERS) {
      const expected = applySubtreeFilter(filter, server.state(), { listKeys }).map((e) => serialize(e));
      const actual = applySubtreeFilter(filter, server.state({ type: 'subtree', nodes: filter }), { listKeys }).map((e) => serialize(e));
      assert.deepEqual(actual, expected, FILTERS.indexOf(filter) + ': ' + filter.map((f) => serialize(f)).join(''));
    }
  };

  /** <get> with a filter as the session gets it: its <data>, and what NACM and the filter make of all the data. */
  const getBoth = async (c: Client, filter: readonly XmlElement[]): Promise<{ actual: string; expected: string }> => {
    const reply = await c.rpc(`<get><filter type="subtree">${filter.map((f) => serialize(f)).join('')}</filter></get>`);
    const data = reply.children.find((e) => e.name === 'data');
    assert.ok(data, serialize(reply));
    // computed after the reply: the state as the operation saw it (nothing else has happened since)
    const all = [...datastores.get('running'), ...server.state()];
    const expected = applySubtreeFilter(filter, server.access.filterRead(c.session, all), { listKeys });
    return { actual: data.children.map((e) => serialize(e)).join(''), expected: expected.map((e) => serialize(e)).join('') };
  };

  it('builds only the named children, each as the whole tree has it', () => {
    const state = server.state({ type: 'subtree', nodes: FILTERS[1] })[0];
    assert.deepEqual(
      state.children.map((c) => c.name),
      ['statistics'],
    );
    assert.deepEqual(
      server.state({ type: 'subtree', nodes: FILTERS[0] })[0].children.map((c) => c.name),
      ['capabilities', 'datastores', 'schemas', 'sessions', 'statistics'],
    );
    assert.deepEqual(server.state({ type: 'subtree', nodes: FILTERS[14] }), [], 'another namespace: nothing to build');
    assertSame();
  });

  it('stays the same as the whole tree filtered while sessions open, work, lock and close', async () => {
    const alice = open('alice');
    const bob = open('bob');
    assertSame();
    for (let i = 0; i < 3; i++) await alice.rpc('<get><filter type="subtree"><netconf-state xmlns="' + M + '"><statistics/></netconf-state></filter></get>');
    await bob.rpc('<no-such-operation/>');
    assertSame();
    assert.ok(datastores.lock('running', bob.session.id).ok);
    assertSame();
    for (const filter of FILTERS) {
      const { actual, expected } = await getBoth(alice, filter);
      assert.equal(actual, expected, filter.map((f) => serialize(f)).join(''));
    }
    await bob.rpc('<close-session/>');
    assert.equal(server.sessions.has(bob.session.id), false);
    assertSame();
    await alice.rpc('<close-session/>');
    assertSame();
  });

  it('applies NACM to the narrowed data: statistics hidden from the user a rule denies', async () => {
    const limited = open('limited');
    const admin = open('admin');
    for (const filter of FILTERS) {
      const { actual, expected } = await getBoth(limited, filter);
      assert.equal(actual, expected, filter.map((f) => serialize(f)).join(''));
    }
    assert.equal((await getBoth(limited, FILTERS[1])).actual, '', 'no statistics for limited');
    assert.match((await getBoth(admin, FILTERS[1])).actual, /<in-rpcs>\d+<\/in-rpcs>/);
    const sessions = (await getBoth(limited, FILTERS[3])).actual;
    assert.match(sessions, /<sessions>.*<username>limited<\/username>/);
    assert.doesNotMatch(sessions, /statistics/);
    await limited.rpc('<close-session/>');
    await admin.rpc('<close-session/>');
  });
});
