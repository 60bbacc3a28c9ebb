// Access control end to end (RFC 8341; issue 10, points 5 and 6): every
// operation the server registers by every user level under the factory
// rules, what a user who may not write is told about what exists, and which
// netconf-config-change notifications (and which of their edits) reach a
// subscriber of each level, live and replayed.
import assert from 'node:assert/strict';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { NotificationStream } from '../../src/netconf/notifications';
import { notificationMatches } from '../../src/netconf/subtree-filter';
import { child, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { event, field, inbox, NOTIFICATION_NS, subscribe } from '../helpers/netconf';
import { connect, startServer, TestServer } from '../helpers/server';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const ACM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm';
const NCM = 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring';
const NOTIFS = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications';
const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** One user per level (password = name). */
const LEVELS = ['visit0', 'monitor1', 'config2', 'admin3'] as const;
const PEER = '127.0.1.2';
const MISSING_PEER = '127.0.1.99';

const INITIAL_CONTENT = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.1',
    listen: { port: 0 },
    peer: [{ address: PEER, 'remote-as': 65001, passive: true, description: 'as configured' }],
  },
};

const bgp = (inner: string): string => `<config><bgp xmlns="${BGP}">${inner}</bgp></config>`;
const nacm = (inner: string): string => `<config><nacm xmlns="${ACM}">${inner}</nacm></config>`;
const description = (text: string, address = PEER): string => bgp(`<peer><address>${address}</address><description>${text}</description></peer>`);
/** An edit that only checks (RFC 6241 section 8.6.4.1 test-only): access control runs, nothing changes. */
const testEdit = (target: string, config: string): string => `<edit-config><target><${target}/></target><test-option>test-only</test-option>${config}</edit-config>`;
const edit = (target: string, config: string): string => `<edit-config><target><${target}/></target>${config}</edit-config>`;
const peerOp = (op: string, address: string): string => bgp(`<peer xmlns:nc="${NC}" nc:operation="${op}"><address>${address}</address><remote-as>65001</remote-as></peer>`);
const ruleListOp = (op: string, name: string): string => nacm(`<rule-list xmlns:nc="${NC}" nc:operation="${op}"><name>${name}</name><group>nobody</group></rule-list>`);
const PAST = '<startTime>2000-01-01T00:00:00Z</startTime><stopTime>2000-01-01T00:00:01Z</stopTime>';

/**
 * What a reply says, in one word: ok, access-denied (the operation, error-type
 * protocol, RFC 8341 section 3.4.4), access-denied:data (a data node, error-type
 * application, 3.4.5), or the error-tag of any other error.
 */
function outcome(reply: XmlElement): string {
  const errors = replyErrors(reply);
  if (!errors.length) return 'ok';
  const e = errors[0];
  return e.tag === 'access-denied' && e.type === 'application' ? 'access-denied:data' : e.tag;
}

const D = 'access-denied';
const DD = 'access-denied:data';

/** Every operation the server registers, with the outcome per level 0, 1, 2, 3 (README, "Access control"). */
const TABLE: { name: string; rpc: string; expect: readonly [string, string, string, string]; after?: string }[] = [
  { name: 'get', rpc: '<get/>', expect: ['ok', 'ok', 'ok', 'ok'] },
  { name: 'get-config running', rpc: '<get-config><source><running/></source></get-config>', expect: ['ok', 'ok', 'ok', 'ok'] },
  { name: 'get-config candidate', rpc: '<get-config><source><candidate/></source></get-config>', expect: ['ok', 'ok', 'ok', 'ok'] },
  { name: 'edit-config running, bgp', rpc: testEdit('running', description('x')), expect: [D, D, 'ok', 'ok'] },
  { name: 'edit-config candidate, bgp', rpc: testEdit('candidate', description('x')), expect: [D, D, 'ok', 'ok'] },
  { name: 'edit-config running, nacm', rpc: testEdit('running', nacm('<read-default>deny</read-default>')), expect: [D, D, DD, 'ok'] },
  { name: 'edit-config candidate, nacm', rpc: testEdit('candidate', nacm('<read-default>deny</read-default>')), expect: [D, D, DD, 'ok'] },
  { name: 'copy-config running to candidate', rpc: '<copy-config><target><candidate/></target><source><running/></source></copy-config>', expect: [D, D, 'ok', 'ok'] },
  { name: 'delete-config startup', rpc: '<delete-config><target><startup/></target></delete-config>', expect: [D, D, D, 'ok'] },
  { name: 'lock running', rpc: '<lock><target><running/></target></lock>', expect: [D, D, 'ok', 'ok'], after: '<unlock><target><running/></target></unlock>' },
  { name: 'lock candidate', rpc: '<lock><target><candidate/></target></lock>', expect: [D, D, 'ok', 'ok'], after: '<unlock><target><candidate/></target></unlock>' },
  { name: 'lock startup', rpc: '<lock><target><startup/></target></lock>', expect: [D, D, 'ok', 'ok'], after: '<unlock><target><startup/></target></unlock>' },
  { name: 'unlock running (not held)', rpc: '<unlock><target><running/></target></unlock>', expect: [D, D, 'operation-failed', 'operation-failed'] },
  { name: 'unlock candidate (not held)', rpc: '<unlock><target><candidate/></target></unlock>', expect: [D, D, 'operation-failed', 'operation-failed'] },
  { name: 'unlock startup (not held)', rpc: '<unlock><target><startup/></target></unlock>', expect: [D, D, 'operation-failed', 'operation-failed'] },
  { name: 'commit', rpc: '<commit/>', expect: [D, D, 'ok', 'ok'] },
  { name: 'discard-changes', rpc: '<discard-changes/>', expect: [D, D, 'ok', 'ok'] },
  { name: 'cancel-commit (none pending)', rpc: '<cancel-commit/>', expect: [D, D, 'operation-failed', 'operation-failed'] },
  { name: 'validate running', rpc: '<validate><source><running/></source></validate>', expect: [D, D, 'ok', 'ok'] },
  { name: 'kill-session (no such session)', rpc: '<kill-session><session-id>999999</session-id></kill-session>', expect: [D, D, D, 'invalid-value'] },
  { name: 'get-schema', rpc: `<get-schema xmlns="${NCM}"><identifier>ietf-netconf</identifier></get-schema>`, expect: ['ok', 'ok', 'ok', 'ok'] },
  { name: 'create-subscription (ended at once)', rpc: `<create-subscription xmlns="${NOTIFICATION_NS}">${PAST}</create-subscription>`, expect: ['ok', 'ok', 'ok', 'ok'] },
  { name: 'refresh-bgp-mvpn', rpc: `<refresh-bgp-mvpn xmlns="${REFRESH}"><all/><direction>export</direction></refresh-bgp-mvpn>`, expect: [D, D, 'ok', 'ok'] },
  { name: 'refresh-bgp', rpc: `<refresh-bgp xmlns="${REFRESH}"><afi-safi xmlns:bgp="${BGP}">bgp:ipv4-mvpn</afi-safi><all/><direction>export</direction></refresh-bgp>`, expect: [D, D, 'ok', 'ok'] },
];

describe('access control end to end (RFC 8341, factory rules per user level)', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: NetconfClient[] = [];
  /** The one long-lived session of each level. */
  const sessions: NetconfClient[] = [];

  const session = async (level: number): Promise<NetconfClient> => {
    const c = await connect(server, LEVELS[level]);
    open.push(c);
    return c;
  };
  const runningDescription = async (): Promise<string | undefined> => peerDescription(await sessions[3].rpc('<get-config><source><running/></source></get-config>'));
  const candidateDescription = async (): Promise<string | undefined> => peerDescription(await sessions[3].rpc('<get-config><source><candidate/></source></get-config>'));

  before(async () => {
    server = await startServer({
      config: {
        netconf: { users: LEVELS.map((name, level) => ({ name, password: name, level })) },
        'initial-content': INITIAL_CONTENT,
      },
    });
    for (let level = 0; level < LEVELS.length; level++) sessions.push(await session(level));
  });
  after(async () => {
    for (const c of open) c.destroy();
    await server?.stop();
  });

  it('every operation by every level: access-denied exactly where the table says', async () => {
    const got: Record<string, string[]> = {};
    const want: Record<string, readonly string[]> = {};
    for (const row of TABLE) {
      want[row.name] = row.expect;
      got[row.name] = [];
      for (let level = 0; level < LEVELS.length; level++) {
        got[row.name].push(outcome(await sessions[level].rpc(row.rpc)));
        if (row.after && row.expect[level] === 'ok') assert.equal(outcome(await sessions[level].rpc(row.after)), 'ok', `${row.name}, then ${row.after}`);
      }
    }
    assert.deepEqual(got, want);
  });

  it('close-session is every level\'s (RFC 8341 section 3.4.4 step 3)', async () => {
    for (let level = 0; level < LEVELS.length; level++) {
      const c = await session(level);
      assert.equal(outcome(await c.rpc('<close-session/>')), 'ok', LEVELS[level]);
    }
  });

  it("point 5: a monitoring user can neither commit, discard nor lock away the administrator's unfinished candidate", async () => {
    const admin = sessions[3];
    const before = await runningDescription();
    assert.equal(outcome(await admin.rpc(edit('candidate', description('admin draft')))), 'ok');
    for (const level of [0, 1]) {
      const c = sessions[level];
      for (const rpc of [
        '<commit/>',
        '<commit><confirmed/><confirm-timeout>60</confirm-timeout></commit>',
        '<discard-changes/>',
        '<cancel-commit/>',
        '<lock><target><running/></target></lock>',
        '<lock><target><candidate/></target></lock>',
        '<copy-config><target><running/></target><source><candidate/></source></copy-config>',
        edit('running', description('monitor was here')),
      ]) {
        assert.equal(outcome(await c.rpc(rpc)), D, `${LEVELS[level]}: ${rpc}`);
      }
    }
    assert.equal(await candidateDescription(), 'admin draft', 'the candidate is as the administrator left it');
    assert.equal(await runningDescription(), before, 'running is untouched');
    // nothing holds running: the administrator's own edits go through, then the draft is committed
    assert.equal(outcome(await admin.rpc(edit('running', bgp(`<peer><address>${PEER}</address><remote-as>65001</remote-as></peer>`)))), 'ok');
    assert.equal(outcome(await admin.rpc('<commit/>')), 'ok');
    assert.equal(await runningDescription(), 'admin draft');
  });

  describe('point 6: an unauthorized edit is access-denied whatever exists (RFC 8341 section 3.4.5)', () => {
    const create = (level: number, existing: boolean): Promise<XmlElement> => sessions[level].rpc(edit('running', peerOp('create', existing ? PEER : MISSING_PEER)));

    it('levels 0 and 1 may not edit at all: create of an existing peer and delete of a missing one are access-denied', async () => {
      for (const level of [0, 1]) {
        assert.equal(outcome(await create(level, true)), D, LEVELS[level]);
        assert.equal(outcome(await sessions[level].rpc(edit('running', peerOp('delete', MISSING_PEER)))), D, LEVELS[level]);
      }
    });

    it('level 2, who configures bgp, is told data-exists and data-missing', async () => {
      assert.equal(outcome(await create(2, true)), 'data-exists');
      assert.equal(outcome(await sessions[2].rpc(edit('running', peerOp('delete', MISSING_PEER)))), 'data-missing');
    });

    it('level 2 editing NACM rules (edit-config permitted, the nodes not): the same answer for what exists and what does not', async () => {
      const c = sessions[2];
      const answers = async (op: string, name: string): Promise<{ outcome: string; path?: string }> => {
        const reply = await c.rpc(edit('running', ruleListOp(op, name)));
        return { outcome: outcome(reply), path: replyErrors(reply)[0]?.path };
      };
      // "visit" is a factory rule-list, "no-such-list" is not; /nacm:nacm is what the user may not read, so it is all the error names
      for (const op of ['create', 'delete', 'remove', 'none', 'merge']) {
        assert.deepEqual(await answers(op, 'visit'), { outcome: DD, path: '/nacm:nacm' }, `${op} of an existing rule-list`);
        assert.deepEqual(await answers(op, 'no-such-list'), { outcome: DD, path: '/nacm:nacm' }, `${op} of a missing rule-list`);
      }
    });

    it('level 3, who may write NACM, is told data-exists and data-missing', async () => {
      const c = sessions[3];
      assert.equal(outcome(await c.rpc(edit('running', ruleListOp('create', 'visit')))), 'data-exists');
      assert.equal(outcome(await c.rpc(edit('running', ruleListOp('delete', 'no-such-list')))), 'data-missing');
    });
  });

  describe('point 6: netconf-config-change per subscriber (RFC 8341 section 3.4.6, RFC 6470 section 2.3)', () => {
    /** The edit targets of each netconf-config-change a session was sent, up to the marker (a session ending). */
    async function configChanges(box: ReturnType<typeof inbox>, marker: string): Promise<string[][]> {
      const out: string[][] = [];
      for (;;) {
        const n = event(await box.next());
        if (n.name === 'netconf-session-end' && field(n, 'username') === marker) return out;
        if (n.name === 'netconf-config-change') {
          assert.equal(n.ns, NOTIFS);
          out.push(n.children.filter((e) => e.name === 'edit').map((e) => child(e, 'target')?.text.trim() ?? serialize(e)).sort());
        }
      }
    }

    /** A notification every level receives: a session of `user` opens and closes. */
    async function marker(user: number): Promise<void> {
      const c = await session(user);
      await c.rpc('<close-session/>');
    }

    const BGP_EDIT = `/bgp:bgp/bgp:peer[bgp:address='${PEER}']/bgp:description`;
    const NACM_EDIT = "/nacm:nacm/nacm:rule-list[nacm:name='spare']";
    const EXPECT: readonly (readonly string[][])[] = [
      [], // level 0 reads neither bgp nor NACM: no notification at all
      [[BGP_EDIT], [BGP_EDIT]], // levels 1 and 2 read bgp, not NACM: the NACM edit is removed
      [[BGP_EDIT], [BGP_EDIT]],
      [[BGP_EDIT], [BGP_EDIT, NACM_EDIT]], // level 3 reads everything
    ];

    it('live and replayed (startTime), each subscriber gets the edits it may read; a notification left empty is not sent', async () => {
      const since = new Date().toISOString();
      const subscribers = await Promise.all(LEVELS.map((_, level) => session(level)));
      const boxes = subscribers.map(inbox);
      for (const c of subscribers) assert.equal(outcome(await subscribe(c)), 'ok');
      const admin = sessions[3];
      // a bgp change through the candidate, then bgp and NACM in one edit of running
      assert.equal(outcome(await admin.rpc(edit('candidate', description('changed once')))), 'ok');
      assert.equal(outcome(await admin.rpc('<commit/>')), 'ok');
      const mixed = `<config><bgp xmlns="${BGP}"><peer><address>${PEER}</address><description>changed twice</description></peer></bgp><nacm xmlns="${ACM}"><rule-list><name>spare</name><group>nobody</group></rule-list></nacm></config>`;
      assert.equal(outcome(await admin.rpc(edit('running', mixed))), 'ok');
      await marker(3);
      const live = await Promise.all(boxes.map((b) => configChanges(b, LEVELS[3])));
      assert.deepEqual(live, EXPECT);

      // the same through the replay buffer
      const late = await Promise.all(LEVELS.map((_, level) => session(level)));
      const lateBoxes = late.map(inbox);
      for (const c of late) assert.equal(outcome(await subscribe(c, `<startTime>${since}</startTime>`)), 'ok');
      const replayed = await Promise.all(lateBoxes.map((b) => configChanges(b, LEVELS[3])));
      assert.deepEqual(replayed, EXPECT);
    });
  });
});

describe('NotificationStream: access control before the subscriber filter (RFC 8341 section 3.4.6)', () => {
  it('a subscriber filter selects only by what access control left, and the copy goes to that subscriber alone', () => {
    const stream = new NotificationStream('NETCONF', 'test', 10);
    const strip = (c: XmlElement): XmlElement => ({ ...c, children: c.children.filter((x) => x.name !== 'hidden') });
    const got: string[][] = [[], [], []];
    stream.subscribe({ sessionId: 1, deliver: (xml) => got[0].push(xml) });
    stream.subscribe({ sessionId: 2, deliver: (xml) => got[1].push(xml), access: strip });
    // a filter that would pick the event by what the subscriber may not see
    stream.subscribe({ sessionId: 3, deliver: (xml) => got[2].push(xml), access: strip, filter: (c) => notificationMatches([parseXml('<ev xmlns="urn:x"><hidden/></ev>')], c) });
    stream.publish(parseXml('<ev xmlns="urn:x"><shown>1</shown><hidden>2</hidden></ev>'));
    assert.match(got[0].join(''), /<hidden>2<\/hidden>/);
    assert.equal(got[1].length, 1);
    assert.doesNotMatch(got[1][0], /hidden/);
    assert.match(got[1][0], /<shown>1<\/shown>/);
    assert.deepEqual(got[2], []);
  });
});

/** The description of PEER in a get-config reply. */
function peerDescription(reply: XmlElement): string | undefined {
  const data = child(reply, 'data');
  const peer = child(data ? (child(data, 'bgp', BGP) ?? data) : reply, 'peer', BGP);
  return peer ? child(peer, 'description', BGP)?.text : undefined;
}
