// refresh-bgp-mvpn and refresh-bgp end to end: a real server process whose
// running configuration has peers that are BgpEngine instances of this test
// process over loopback; replies, notifications, access control and state.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { OriginatedRoute } from '../../src/bgp/engine';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { child, resolvePrefix, serialize, XmlElement } from '../../src/model/xml';
import { testPeer, TestPeer } from '../helpers/engine';
import { event, subscribe } from '../helpers/netconf';
import { connect, startServer, TestServer } from '../helpers/server';

const R = 'urn:ncbgp:yang:ncbgp-refresh';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';

const USERS = [
  { name: 'admin', password: 'admin', level: 3 },
  { name: 'operator', password: 'operator', level: 2 },
  { name: 'viewer', password: 'viewer', level: 1 },
  { name: 'visitor', password: 'visitor', level: 0 },
];

const route = (n: number): OriginatedRoute => ({ route: { routeType: 1, rd: `65000:${n}`, originatingRouter: `192.0.2.${n}` }, routeTargets: ['target:65000:1'] });

/** A loopback port nobody listens on: the server's connection to it is refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.6', res));
  const address = s.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const text = (el: XmlElement | undefined, name: string): string | undefined => (el ? child(el, name)?.text : undefined);

/** Every notification a session got, in order. */
function recorder(c: NetconfClient): XmlElement[] {
  const all: XmlElement[] = [];
  c.on('notification', (n) => all.push(n));
  return all;
}

/** The ncbgp-refresh events of one operation, in the order they came. */
const eventsOf = (all: readonly XmlElement[], id: string): XmlElement[] =>
  all
    .map(event)
    .filter((e) => e.ns === R && text(e, 'operation-id') === id);

const done = (all: readonly XmlElement[], id: string): boolean => eventsOf(all, id).some((e) => e.name === 'refresh-complete');

interface Started {
  id: string;
  selected: string[];
  skipped: Record<string, string>;
}

function readReply(reply: XmlElement): Started {
  assert.deepEqual(replyErrors(reply), [], serialize(reply));
  const id = text(reply, 'operation-id');
  assert.ok(id !== undefined && /^[0-9]+$/.test(id), serialize(reply));
  const selected = reply.children.filter((c) => c.name === 'selected-peer' && c.ns === R).map((c) => text(c, 'peer-address') ?? '');
  const skipped = Object.fromEntries(reply.children.filter((c) => c.name === 'skipped-peer' && c.ns === R).map((c) => [text(c, 'peer-address') ?? '', text(c, 'reason') ?? '']));
  return { id, selected, skipped };
}

const rpcXml = (selector: string, direction: string, family?: string): string =>
  family === undefined
    ? `<refresh-bgp-mvpn xmlns="${R}">${selector}<direction>${direction}</direction></refresh-bgp-mvpn>`
    : `<refresh-bgp xmlns="${R}"><afi-safi xmlns:bgp="${BGP}">bgp:${family}</afi-safi>${selector}<direction>${direction}</direction></refresh-bgp>`;

describe('services/refresh: the refresh RPCs over a real server and BGP peers', function () {
  this.timeout(120_000);
  let server: TestServer;
  const peers: TestPeer[] = [];
  const clients: NetconfClient[] = [];
  let caller: NetconfClient;
  let watched: XmlElement[];
  let visitorGot: XmlElement[];
  let viewerGot: XmlElement[];
  const firstCall = new Date(Date.now() - 1000);
  let firstId = '';
  const peerByAddress = (a: string): TestPeer => peers.find((p) => p.address === a) as TestPeer;

  const session = async (user = 'admin'): Promise<NetconfClient> => {
    const c = await connect(server, user, user);
    clients.push(c);
    return c;
  };

  /** The server's view of its peers, from <get>: session state and MVPN routes received. */
  const serverPeers = async (): Promise<Map<string, { state?: string; received?: string }>> => {
    const reply = await caller.rpc(`<get><filter type="subtree"><bgp xmlns="${BGP}"><peer/></bgp></filter></get>`);
    const bgp = child(child(reply, 'data', BASE) ?? reply, 'bgp', BGP);
    const out = new Map<string, { state?: string; received?: string }>();
    for (const p of bgp?.children.filter((c) => c.name === 'peer') ?? []) {
      const state = child(p, 'state', BGP);
      out.set(text(p, 'address') ?? '', { state: text(state, 'session-state'), received: text(state && child(state, 'mvpn', BGP), 'received') });
    }
    return out;
  };

  before(async () => {
    // 127.0.0.2 EBGP (group ebgp-a), enhanced route refresh
    peers.push(await testPeer('127.0.0.2', 65001, [route(21), route(22), route(23)]));
    // 127.0.0.3 EBGP without route refresh
    peers.push(await testPeer('127.0.0.3', 65002, [route(31)], { routeRefresh: false, enhancedRouteRefresh: false }));
    // 127.0.0.4 IBGP (group core), keep-all-routes at the server
    peers.push(await testPeer('127.0.0.4', 65000, [route(41), route(42)]));
    // 127.0.0.5 IBGP (group core), route refresh without the enhanced form
    peers.push(await testPeer('127.0.0.5', 65000, [route(51)], { enhancedRouteRefresh: false }));
    // 127.0.0.7 EBGP, ipv4-unicast only
    peers.push(await testPeer('127.0.0.7', 65004, [], {}, true));
    const active = (p: TestPeer): Record<string, unknown> => ({ address: p.address, 'remote-port': p.port, 'local-address': '127.0.0.1', passive: false });
    server = await startServer({
      config: {
        netconf: { users: USERS },
        'initial-content': {
          'ncbgp-bgp:bgp': {
            'local-as': 65000,
            'router-id': '192.0.2.1',
            listen: { address: '127.0.0.1', port: 0 },
            'peer-group': [
              { name: 'ebgp-a', type: 'external', 'remote-as': 65001 },
              { name: 'core', type: 'internal' },
            ],
            peer: [
              { ...active(peerByAddress('127.0.0.2')), group: 'ebgp-a' },
              { ...active(peerByAddress('127.0.0.3')), 'remote-as': 65002 },
              { ...active(peerByAddress('127.0.0.4')), group: 'core', mvpn: { 'keep-all-routes': true } },
              { ...active(peerByAddress('127.0.0.5')), group: 'core' },
              { address: '127.0.0.6', 'remote-as': 65003, 'remote-port': await closedPort(), 'local-address': '127.0.0.1', passive: false },
              { ...active(peerByAddress('127.0.0.7')), 'remote-as': 65004, mvpn: { enabled: false }, 'ipv4-unicast': { enabled: true } },
            ],
          },
        },
      },
    });
    caller = await session('admin');
    const watcher = await session('admin');
    watched = recorder(watcher);
    const viewer = await session('viewer');
    viewerGot = recorder(viewer);
    const visitor = await session('visitor');
    visitorGot = recorder(visitor);
    for (const c of [watcher, viewer, visitor]) assert.equal(replyErrors(await subscribe(c)).length, 0);
    await until('sessions with 127.0.0.2-5 and .7 established, the routes of .4 received', async () => {
      const s = await serverPeers();
      return ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.7'].every((a) => s.get(a)?.state === 'established') && s.get('127.0.0.4')?.received === '2';
    });
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
    for (const p of peers) await p.engine.stop();
  });

  /** Calls the RPC on the caller's session and waits for the watcher to see the operation end. */
  async function run(xml: string, user?: NetconfClient): Promise<{ started: Started; events: XmlElement[] }> {
    const started = readReply(await (user ?? caller).rpc(xml));
    if (firstId === '') firstId = started.id;
    await until(`refresh-complete of operation ${started.id}`, () => done(watched, started.id));
    return { started, events: eventsOf(watched, started.id) };
  }

  const NOT_ESTABLISHED = /^session is not established \((idle|connect|active)\)$/;
  const NO_MVPN = 'peer did not negotiate ipv4-mvpn';
  const NO_UNICAST = 'peer did not negotiate ipv4-unicast';
  const NO_RR = 'peer does not support route-refresh';

  // [title, selector, direction, family (refresh-bgp) or undefined, selected -> completion, skipped -> reason]
  const cases: [string, string, 'import' | 'export', string | undefined, Record<string, string>, Record<string, string | RegExp>][] = [
    ['all export', '<all/>', 'export', undefined, { '127.0.0.2': 'drained', '127.0.0.3': 'drained', '127.0.0.4': 'drained', '127.0.0.5': 'drained' }, { '127.0.0.6': NOT_ESTABLISHED, '127.0.0.7': NO_MVPN }],
    ['all import', '<all/>', 'import', undefined, { '127.0.0.2': 'eorr', '127.0.0.4': 'local', '127.0.0.5': 'quiet-period' }, { '127.0.0.3': NO_RR, '127.0.0.6': NOT_ESTABLISHED, '127.0.0.7': NO_MVPN }],
    ['one peer import', '<peer-address>127.0.0.2</peer-address>', 'import', undefined, { '127.0.0.2': 'eorr' }, {}],
    ['one peer export', '<peer-address>127.0.0.3</peer-address>', 'export', undefined, { '127.0.0.3': 'drained' }, {}],
    ['a peer without route refresh, import', '<peer-address>127.0.0.3</peer-address>', 'import', undefined, {}, { '127.0.0.3': NO_RR }],
    ['group core import', '<group>core</group>', 'import', undefined, { '127.0.0.4': 'local', '127.0.0.5': 'quiet-period' }, {}],
    ['group ebgp-a export', '<group>ebgp-a</group>', 'export', undefined, { '127.0.0.2': 'drained' }, {}],
    ['external import', '<external/>', 'import', undefined, { '127.0.0.2': 'eorr' }, { '127.0.0.3': NO_RR, '127.0.0.6': NOT_ESTABLISHED, '127.0.0.7': NO_MVPN }],
    ['external export', '<external/>', 'export', undefined, { '127.0.0.2': 'drained', '127.0.0.3': 'drained' }, { '127.0.0.6': NOT_ESTABLISHED, '127.0.0.7': NO_MVPN }],
    ['internal import', '<internal/>', 'import', undefined, { '127.0.0.4': 'local', '127.0.0.5': 'quiet-period' }, {}],
    ['internal export', '<internal/>', 'export', undefined, { '127.0.0.4': 'drained', '127.0.0.5': 'drained' }, {}],
    ['refresh-bgp ipv4-mvpn, group core export', '<group>core</group>', 'export', 'ipv4-mvpn', { '127.0.0.4': 'drained', '127.0.0.5': 'drained' }, {}],
    ['refresh-bgp ipv4-unicast, all import', '<all/>', 'import', 'ipv4-unicast', { '127.0.0.7': 'eorr' }, { '127.0.0.2': NO_UNICAST, '127.0.0.3': NO_UNICAST, '127.0.0.4': NO_UNICAST, '127.0.0.5': NO_UNICAST, '127.0.0.6': NOT_ESTABLISHED }],
    ['refresh-bgp ipv4-unicast, external export', '<external/>', 'export', 'ipv4-unicast', { '127.0.0.7': 'drained' }, { '127.0.0.2': NO_UNICAST, '127.0.0.3': NO_UNICAST, '127.0.0.6': NOT_ESTABLISHED }],
  ];

  for (const [title, selector, direction, family, selected, skipped] of cases) {
    it(`${title}: the reply names the selected and skipped peers, one notification per peer, then refresh-complete`, async () => {
      const { started, events } = await run(rpcXml(selector, direction, family));
      assert.deepEqual(started.selected.sort(), Object.keys(selected).sort());
      assert.deepEqual(Object.keys(started.skipped).sort(), Object.keys(skipped).sort());
      for (const [a, reason] of Object.entries(skipped)) assert.match(started.skipped[a], typeof reason === 'string' ? new RegExp(`^${reason}$`) : reason, a);

      // every peer once, then refresh-complete last
      assert.equal(events[events.length - 1].name, 'refresh-complete');
      const perPeer = events.slice(0, -1);
      assert.ok(perPeer.every((e) => e.name === 'peer-refresh-complete'));
      assert.deepEqual(perPeer.map((e) => text(e, 'peer-address')).sort(), [...Object.keys(selected), ...Object.keys(skipped)].sort());
      const wantFamily = family ?? 'ipv4-mvpn';
      for (const e of perPeer) {
        const a = text(e, 'peer-address') ?? '';
        const afi = child(e, 'afi-safi', R);
        assert.equal(afi?.text, `bgp:${wantFamily}`);
        assert.equal(resolvePrefix(afi, 'bgp'), BGP, 'the identity prefix is declared');
        assert.equal(text(e, 'direction'), direction);
        assert.match(text(e, 'start-time') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
        assert.match(text(e, 'end-time') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
        if (a in selected) {
          assert.deepEqual([a, text(e, 'status'), text(e, 'completion'), text(e, 'reason')], [a, 'completed', selected[a], undefined]);
          assert.match(text(e, 'routes') ?? '', /^[0-9]+$/);
        } else {
          assert.deepEqual([a, text(e, 'status'), text(e, 'completion'), text(e, 'reason')], [a, 'skipped', undefined, started.skipped[a]]);
        }
      }
      const end = events[events.length - 1];
      const n = Object.keys(selected).length;
      const k = Object.keys(skipped).length;
      assert.deepEqual(
        ['selected', 'completed', 'skipped', 'failed'].map((c) => text(end, c)),
        [String(n + k), String(n), String(k), '0'],
      );
    });
  }

  it('routes: EoRR counts what the peer sent again, keep-all-routes the stored routes re-evaluated, quiet period what came before it', async () => {
    const { events } = await run(rpcXml('<all/>', 'import'));
    const routes = (a: string): string | undefined => text(events.find((e) => text(e, 'peer-address') === a), 'routes');
    assert.deepEqual([routes('127.0.0.2'), routes('127.0.0.4'), routes('127.0.0.5')], ['3', '2', '1']);
  });

  it('import with keep-all-routes sends no ROUTE-REFRESH; without it one is sent', async () => {
    const requested = (a: string): Date | undefined => peerByAddress(a).engine.peers()[0].refreshRequestedAt;
    const before4 = requested('127.0.0.4');
    const before5 = requested('127.0.0.5')?.getTime() ?? 0;
    await run(rpcXml('<group>core</group>', 'import'));
    await until('the ROUTE-REFRESH at 127.0.0.5', () => (requested('127.0.0.5')?.getTime() ?? 0) > before5);
    assert.equal(requested('127.0.0.4'), before4);
    assert.equal(before4, undefined, 'no ROUTE-REFRESH ever reached the keep-all-routes peer');
  });

  it('notifications reach other subscribed sessions allowed to read them (level 1 too), not level 0', async () => {
    const { started } = await run(rpcXml('<peer-address>127.0.0.2</peer-address>', 'export'));
    await until('the viewer gets them', () => done(viewerGot, started.id));
    assert.deepEqual(
      eventsOf(viewerGot, started.id).map((e) => e.name),
      ['peer-refresh-complete', 'refresh-complete'],
    );
    // the level 0 subscription is live (it gets the session-start of a new session), yet no refresh event came
    await session('viewer');
    await until('a netconf-session-start at level 0', () => visitorGot.some((n) => event(n).name === 'netconf-session-start'));
    assert.deepEqual(
      visitorGot.map(event).filter((e) => e.ns === R),
      [],
    );
  });

  it('a session that subscribes afterwards with startTime replays them', async () => {
    const late = await session('admin');
    const got = recorder(late);
    await subscribe(late, `<startTime>${firstCall.toISOString()}</startTime>`);
    await until('replayComplete', () => got.some((n) => event(n).name === 'replayComplete'));
    const replayed = eventsOf(got, firstId);
    assert.ok(replayed.length >= 2, `the first operation (${firstId}) is replayed`);
    assert.equal(replayed[replayed.length - 1].name, 'refresh-complete');
    const firstWatched = eventsOf(watched, firstId).map((e) => serialize(e));
    assert.deepEqual(
      replayed.map((e) => serialize(e)),
      firstWatched,
    );
  });

  it('a level 2 user may refresh; a level 1 user gets access-denied', async () => {
    const operator = await session('operator');
    const { started } = await run(rpcXml('<internal/>', 'export'), operator);
    assert.deepEqual(started.selected.sort(), ['127.0.0.4', '127.0.0.5']);
    const viewer = await session('viewer');
    for (const xml of [rpcXml('<all/>', 'export'), rpcXml('<all/>', 'import', 'ipv4-unicast')]) {
      const errors = replyErrors(await viewer.rpc(xml));
      assert.deepEqual(
        errors.map((e) => [e.type, e.tag]),
        [['protocol', 'access-denied']],
      );
    }
  });

  it('an unknown peer address is data-missing / instance-required with error-path, for both RPCs', async () => {
    for (const [name, xml] of [
      ['refresh-bgp-mvpn', rpcXml('<peer-address>127.0.0.99</peer-address>', 'import')],
      ['refresh-bgp', rpcXml('<peer-address>127.0.0.99</peer-address>', 'import', 'ipv4-unicast')],
    ]) {
      const reply = await caller.rpc(xml);
      const errors = replyErrors(reply);
      assert.deepEqual(
        errors.map((e) => [e.type, e.tag, e.appTag, e.path]),
        [['application', 'data-missing', 'instance-required', `/ncbgp-refresh:${name}/ncbgp-refresh:peer-address`]],
      );
      assert.match(errors[0].message ?? '', /127\.0\.0\.99/);
      const pathEl = child(child(reply, 'rpc-error', BASE) as XmlElement, 'error-path', BASE);
      assert.equal(resolvePrefix(pathEl, 'ncbgp-refresh'), R, 'the prefix of error-path is declared');
    }
  });

  it('a group that does not exist is data-missing with error-path', async () => {
    const reply = await caller.rpc(rpcXml('<group>nope</group>', 'export'));
    const errors = replyErrors(reply);
    assert.deepEqual(
      errors.map((e) => [e.type, e.tag, e.path]),
      [['application', 'data-missing', '/ncbgp-refresh:refresh-bgp-mvpn/ncbgp-refresh:group']],
    );
    assert.equal(text(reply, 'operation-id'), undefined);
  });

  /** /refresh-operations/operation entries by operation-id, from <get>. */
  const stateOperations = async (): Promise<Map<string, XmlElement>> => {
    const reply = await caller.rpc(`<get><filter type="subtree"><refresh-operations xmlns="${R}"/></filter></get>`);
    const ops = child(child(reply, 'data', BASE) ?? reply, 'refresh-operations', R);
    return new Map((ops?.children ?? []).map((o) => [text(o, 'operation-id') ?? '', o]));
  };

  it('refresh-operations shows a running operation without end-time, then the finished one with counts and per-peer results', async () => {
    // the quiet period of 127.0.0.5 keeps the operation running for a while after the reply
    const started = readReply(await caller.rpc(rpcXml('<peer-address>127.0.0.5</peer-address>', 'import')));
    const running = (await stateOperations()).get(started.id);
    assert.ok(running, 'the running operation is listed');
    assert.equal(text(running, 'end-time'), undefined);
    assert.deepEqual(
      child(running, 'selector', R)?.children.map((c) => [c.name, c.text]),
      [['peer-address', '127.0.0.5']],
    );
    await until(`refresh-complete of operation ${started.id}`, () => done(watched, started.id));

    const ops = await stateOperations();
    const ids = [...ops.keys()].map(Number);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'oldest first');
    const op = ops.get(started.id);
    assert.ok(op);
    assert.deepEqual(
      ['afi-safi', 'direction'].map((l) => text(op, l)),
      ['bgp:ipv4-mvpn', 'import'],
    );
    assert.match(text(op, 'end-time') ?? '', /Z$/);
    assert.deepEqual(
      child(op, 'counts', R)?.children.map((c) => [c.name, c.text]),
      [
        ['selected', '1'],
        ['completed', '1'],
        ['skipped', '0'],
        ['failed', '0'],
      ],
    );
    const peer = child(op, 'peer', R);
    assert.deepEqual(
      ['peer-address', 'status', 'completion'].map((l) => text(peer, l)),
      ['127.0.0.5', 'completed', 'quiet-period'],
    );
    // an earlier operation with skipped peers keeps them
    const first = ops.get(firstId);
    assert.ok(first);
    assert.deepEqual(
      child(first, 'selector', R)?.children.map((c) => c.name),
      ['all'],
    );
    assert.ok((first.children.filter((c) => c.name === 'peer') ?? []).some((p) => text(p, 'status') === 'skipped'));
  });
});
