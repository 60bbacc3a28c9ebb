// The `bgp` configuration drives the server's BGP engine, end to end: a real
// server process configured over NETCONF (edit-config + commit), its peers
// BGP engines run by this test process on loopback. What a NETCONF client
// sees: sessions come up and <get> shows them with their state; a peer
// removed is closed; a policy change keeps the session, a remote-as change
// resets it; a change the engine cannot apply is refused and rolled back.
import assert from 'node:assert/strict';
import { connect as tcpConnect, createServer, Server } from 'node:net';
import { BgpEngine, EngineConfig, OriginatedRoute } from '../../src/bgp/engine';
import type { SessionState } from '../../src/bgp/session/fsm';
import { createLogger } from '../../src/log';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { child, serialize, XmlElement } from '../../src/model/xml';
import { peerConfig } from '../helpers/engine';
import { requireTool } from '../helpers/interop';
import { complaints, yanglint } from '../helpers/yanglint';
import { connect, startServer, TestServer } from '../helpers/server';

const NS = 'urn:ncbgp:yang:ncbgp-bgp';
const log = createLogger({}, () => undefined);
const SERVER = '127.0.0.1';
const EBGP_PEER = '127.0.0.2'; // AS 65001, listens; the server connects to it
const IBGP_PEER = '127.0.0.3'; // AS 65000, connects to the server's listener

const route = (n: number): OriginatedRoute => ({ route: { routeType: 1, rd: `65001:${n}`, originatingRouter: '192.0.2.2' }, routeTargets: ['target:65001:1'] });

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A loopback port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, SERVER, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** One peer's state as <get> shows it, flattened; undefined when there is no such peer entry. */
interface PeerView {
  remoteAs?: string;
  sessionState?: string;
  uptime?: string;
  families: string[];
  negotiated: Record<string, string>;
  mvpn: Record<string, string>;
}

function peerView(data: XmlElement, address: string): PeerView | undefined {
  const entry = child(data, 'bgp', NS)?.children.find((p) => p.name === 'peer' && child(p, 'address')?.text === address);
  if (!entry) return undefined;
  const state = child(entry, 'state');
  const leaves = (el: XmlElement | undefined): Record<string, string> => Object.fromEntries((el?.children ?? []).filter((c) => c.children.length === 0 && c.name !== 'afi-safi').map((c) => [c.name, c.text]));
  const negotiated = state && child(state, 'negotiated');
  return {
    remoteAs: child(entry, 'remote-as')?.text,
    sessionState: state && child(state, 'session-state')?.text,
    uptime: state && child(state, 'uptime')?.text,
    families: (negotiated?.children ?? []).filter((c) => c.name === 'afi-safi').map((c) => c.text),
    negotiated: leaves(negotiated),
    mvpn: leaves(state && child(state, 'mvpn')),
  };
}

const ok = (reply: XmlElement): void => assert.deepEqual(replyErrors(reply), [], serialize(reply));
const editCandidate = (bgp: string): string => `<edit-config><target><candidate/></target><config><bgp xmlns="${NS}" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">${bgp}</bgp></config></edit-config>`;

describe('services: the bgp configuration drives the engine (server process, NETCONF, loopback BGP peers)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let c: NetconfClient;
  let bgpPort: number;
  const ebgp = new BgpEngine(log);
  const ibgp = new BgpEngine(log);
  let ebgpConfig: EngineConfig;
  /** every session state change the test engines saw for the server */
  const transitions: { engine: string; from: SessionState; to: SessionState }[] = [];
  const base = (localAs: number, routerId: string): EngineConfig => ({ localAs, routerId, groups: [], peers: [], policies: [], originated: [], refresh: { quietPeriodMs: 300, timeoutMs: 10_000 } });

  /** edit-config to the candidate, then commit: the commit's reply. */
  async function commit(bgp: string): Promise<XmlElement> {
    ok(await c.rpc(editCandidate(bgp)));
    const reply = await c.rpc('<commit/>');
    if (replyErrors(reply).length > 0) ok(await c.rpc('<discard-changes/>'));
    return reply;
  }
  const get = async (): Promise<XmlElement> => child(await c.rpc(`<get><filter type="subtree"><bgp xmlns="${NS}"/></filter></get>`), 'data') as XmlElement;
  const view = async (address: string): Promise<PeerView | undefined> => peerView(await get(), address);
  const established = (address: string): Promise<PeerView> => until(`${address} established`, async () => {
    const v = await view(address);
    return v?.sessionState === 'established' ? v : undefined;
  });
  const engineState = (e: BgpEngine): SessionState | undefined => e.peers().find((p) => p.address === SERVER)?.state;

  before(async () => {
    // the EBGP peer listens on 127.0.0.2 and waits for the server; it originates three MVPN routes
    ebgpConfig = { ...base(65001, '192.0.2.2'), listen: { address: EBGP_PEER, port: 0 }, peers: [peerConfig(SERVER, 65000)], originated: [route(1), route(2), route(3)] };
    await ebgp.apply(ebgpConfig);
    bgpPort = await freePort();
    // the IBGP peer connects to the server's listener from 127.0.0.3
    await ibgp.apply({ ...base(65000, '192.0.2.3'), peers: [peerConfig(SERVER, 65000, { passive: false, remotePort: bgpPort, localAddress: IBGP_PEER })] });
    ebgp.on('peer-state', (_a, from, to) => transitions.push({ engine: 'ebgp', from, to }));
    ibgp.on('peer-state', (_a, from, to) => transitions.push({ engine: 'ibgp', from, to }));
    server = await startServer();
    c = await connect(server);
    ok(
      await commit(
        `<local-as>65000</local-as><router-id>192.0.2.1</router-id><listen><address>${SERVER}</address><port>${bgpPort}</port></listen>
        <peer-group><name>core</name><type>internal</type><mvpn><keep-all-routes>true</keep-all-routes></mvpn></peer-group>
        <peer><address>${EBGP_PEER}</address><remote-as>65001</remote-as><remote-port>${ebgp.listenAddress?.port ?? 0}</remote-port><local-address>${SERVER}</local-address><timers><connect-retry>1</connect-retry></timers></peer>
        <peer><address>${IBGP_PEER}</address><group>core</group><passive>true</passive></peer>
        <policy><name>reject-all</name></policy>
        <mvpn-route><name>local</name><route-type>intra-as-i-pmsi-ad</route-type><route-distinguisher>65000:1</route-distinguisher><originating-router>192.0.2.1</originating-router></mvpn-route>`,
      ),
    );
  });
  after(async () => {
    c?.destroy();
    await server?.stop();
    await ebgp.stop();
    await ibgp.stop();
  });

  it('sessions come up both ways and <get> shows each peer with its configuration and its state: Established, negotiated capabilities, MVPN route counts', async () => {
    const e = await established(EBGP_PEER);
    await until('three routes from the EBGP peer', async () => ((await view(EBGP_PEER))?.mvpn.accepted === '3' ? true : undefined));
    const v = (await view(EBGP_PEER)) as PeerView;
    assert.equal(v.remoteAs, '65001', 'configuration and state in one list entry');
    assert.deepEqual(v.families, ['bgp:ipv4-mvpn']);
    assert.deepEqual(v.negotiated, { 'route-refresh': 'true', 'enhanced-route-refresh': 'true', 'four-octet-as': 'true', 'hold-time': '90' });
    const { 'update-group': group, ...counts } = v.mvpn;
    assert.deepEqual(counts, { received: '3', accepted: '3', advertised: '1', 'keep-all-routes-pending': 'false' }, 'its three routes in, the locally originated route out');
    // its update group, listed with it as a member
    const groups = child(child(await get(), 'bgp', NS) as XmlElement, 'update-groups', NS)?.children ?? [];
    const entry = groups.find((g) => child(g, 'id')?.text === group);
    assert.ok(entry?.children.some((m) => m.name === 'member' && m.text === EBGP_PEER), `update group ${group} lists ${EBGP_PEER}`);
    assert.equal(child(entry as XmlElement, 'peer-type')?.text, 'external');
    assert.match(e.uptime ?? '', /^\d+$/);
    // the IBGP peer (group core: internal, so AS 65000) came in through bgp/listen
    const i = await established(IBGP_PEER);
    assert.equal(i.remoteAs, undefined, 'remote-as comes from the group, not stored on the peer');
    await until('the IBGP peer gets the routes', () => (ibgp.peers()[0]?.mvpn?.accepted === 4 ? true : undefined));
  });

  it('<get> validates against ncbgp-bgp (yanglint)', async function () {
    requireTool(this, 'yanglint');
    const data = await get();
    const r = yanglint({ type: 'data', modules: ['yang/ncbgp-bgp.yang'], file: 'get.xml', data: data.children.map((el) => serialize(el)).join('') });
    assert.equal(complaints(r), '');
  });

  it('a policy change applies without a session reset', async () => {
    await established(EBGP_PEER);
    const seen = transitions.length;
    ok(await commit(`<peer><address>${EBGP_PEER}</address><mvpn><import-policy>reject-all</import-policy></mvpn></peer>`));
    // the new import policy is in effect: a fourth route arrives and is not accepted
    await ebgp.apply((ebgpConfig = { ...ebgpConfig, originated: [...ebgpConfig.originated, route(4)] }));
    const v = await until('the fourth route received', async () => {
      const x = await view(EBGP_PEER);
      return x?.mvpn.received === '4' ? x : undefined;
    });
    assert.equal(v.mvpn.accepted, '3');
    assert.equal(v.sessionState, 'established');
    assert.deepEqual(transitions.slice(seen), [], 'neither peer saw its session change');
    ok(await commit(`<peer><address>${EBGP_PEER}</address><mvpn><import-policy nc:operation="delete"/></mvpn></peer>`));
    assert.deepEqual(transitions.slice(seen), []);
  });

  it('a refresh timing change, per peer, per group or global, applies without a session reset', async () => {
    await established(EBGP_PEER);
    await established(IBGP_PEER);
    const seen = transitions.length;
    const timing = (quiet: number, timeout: number): string => `<refresh-timing><quiet-period>${quiet}</quiet-period><timeout>${timeout}</timeout></refresh-timing>`;
    const places = [(t: string) => `<peer><address>${EBGP_PEER}</address>${t}</peer>`, (t: string) => `<peer-group><name>core</name>${t}</peer-group>`, (t: string) => t];
    for (const at of places) ok(await commit(at(timing(300, 10))));
    for (const at of places) ok(await commit(at('<refresh-timing nc:operation="delete"/>')));
    assert.equal((await view(EBGP_PEER))?.sessionState, 'established');
    assert.equal((await view(IBGP_PEER))?.sessionState, 'established');
    assert.deepEqual(transitions.slice(seen), [], 'neither peer saw its session change');
  });

  it('a remote-as change resets the session; the right AS brings it back', async () => {
    await established(EBGP_PEER);
    const seen = transitions.length;
    ok(await commit(`<peer><address>${EBGP_PEER}</address><remote-as>65009</remote-as></peer>`));
    await until('the EBGP peer sees its session go down', () => (transitions.slice(seen).some((t) => t.engine === 'ebgp' && t.from === 'established') ? true : undefined));
    // AS 65009 is not who answers (RFC 4271 section 6.2: Bad Peer AS): the session stays down
    const v = await view(EBGP_PEER);
    assert.equal(v?.remoteAs, '65009');
    assert.notEqual(v?.sessionState, 'established');
    ok(await commit(`<peer><address>${EBGP_PEER}</address><remote-as>65001</remote-as></peer>`));
    await established(EBGP_PEER);
  });

  it('a change the engine cannot apply is refused with an rpc-error and running stays as it was, sessions untouched', async () => {
    await established(EBGP_PEER);
    await established(IBGP_PEER);
    const running = async (): Promise<string> => serialize(child(await c.rpc(`<get-config><source><running/></source><filter type="subtree"><bgp xmlns="${NS}"/></filter></get-config>`), 'data') as XmlElement);
    const before = await running();
    const seen = transitions.length;
    const cases: { name: string; bgp: string; tag: string; path?: string; message: RegExp }[] = [
      // 192.0.2.99 is no address of this host: the listener cannot bind
      { name: 'a listen address that is not local', bgp: '<listen><address>192.0.2.99</address></listen>', tag: 'operation-failed', message: /BGP configuration cannot be applied: .*EADDRNOTAVAIL/ },
      { name: 'a peer without remote-as', bgp: '<peer><address>10.0.0.4</address></peer>', tag: 'data-missing', path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.4']/bgp:remote-as", message: /remote-as is not configured/ },
    ];
    for (const k of cases) {
      const errors = replyErrors(await commit(k.bgp));
      assert.equal(errors.length, 1, k.name);
      assert.deepEqual([errors[0].type, errors[0].tag, errors[0].path], ['application', k.tag, k.path], k.name);
      assert.match(errors[0].message ?? '', k.message, k.name);
      assert.equal(await running(), before, `${k.name}: running unchanged`);
    }
    assert.equal((await view(EBGP_PEER))?.sessionState, 'established');
    assert.equal((await view(IBGP_PEER))?.sessionState, 'established');
    assert.deepEqual(transitions.slice(seen), [], 'no session was reset');
    // the listener is back where running says: a new connection still reaches it
    const probe = await until('the BGP port accepts', () =>
      new Promise<true | undefined>((resolve) => {
        const s = tcpConnect(bgpPort, SERVER);
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(undefined));
      }),
    );
    assert.equal(probe, true);
  });

  it('removing a peer closes its session and its entry leaves <get>', async () => {
    await established(IBGP_PEER);
    const seen = transitions.length;
    ok(await commit(`<peer nc:operation="delete"><address>${IBGP_PEER}</address></peer>`));
    await until('the IBGP peer sees its session closed', () => (transitions.slice(seen).some((t) => t.engine === 'ibgp' && t.from === 'established') ? true : undefined));
    assert.equal(await view(IBGP_PEER), undefined);
    assert.notEqual(engineState(ibgp), 'established');
    assert.equal((await view(EBGP_PEER))?.sessionState, 'established', 'the other peer is not touched');
    assert.equal(transitions.slice(seen).filter((t) => t.engine === 'ebgp').length, 0);
  });
});

describe('services: a BGP configuration that cannot be applied at start (server process)', function () {
  this.timeout(60_000);
  let server: TestServer | undefined;
  let blocker: Server | undefined;
  after(async () => {
    await server?.stop();
    blocker?.close();
  });

  it('is logged and the server starts; commits that do not touch listen are accepted, and the listener is bound once the port is free', async () => {
    // something else holds the BGP port when the server starts
    blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker?.listen(0, SERVER, () => resolve((blocker?.address() as { port: number }).port)));
    server = await startServer({ config: { 'initial-content': { 'ncbgp-bgp:bgp': { 'local-as': 65000, 'router-id': '192.0.2.1', listen: { address: SERVER, port } } } } });
    const logged = server.stderrLines().map((l) => JSON.parse(l) as { msg?: string; error?: string });
    assert.ok(logged.some((l) => l.msg === 'the running BGP configuration could not be applied' && /EADDRINUSE/.test(l.error ?? '')), 'the failure is logged');
    const c = await connect(server);
    try {
      ok(await c.rpc(editCandidate('<peer><address>10.0.0.1</address><remote-as>65001</remote-as><passive>true</passive></peer>')));
      ok(await c.rpc('<commit/>'));
      await new Promise<void>((resolve) => blocker?.close(() => resolve()));
      blocker = undefined;
      ok(await c.rpc(editCandidate('<peer><address>10.0.0.1</address><description>retry the listener</description></peer>')));
      ok(await c.rpc('<commit/>'));
      const accepted = await until('the server listens on the BGP port', () =>
        new Promise<true | undefined>((resolve) => {
          const s = tcpConnect(port, SERVER);
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(undefined));
        }),
      );
      assert.equal(accepted, true);
    } finally {
      c.destroy();
    }
  });
});
