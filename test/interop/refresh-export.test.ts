// Outbound soft reset (issue 12, "Proof > Interop") with real software on
// both ends, through the real server `ncbgp serve` (S), configured and driven
// over NETCONF (edit-config + commit, refresh-bgp, the NETCONF stream):
// - ExaBGP 4.2 X feeds S 8 ipv4-unicast prefixes, 4 carrying the route target
//   target:65000:1 and 4 target:65000:2 (API `announce route P next-hop N
//   extended-community [target:...]`); X has no route refresh capability;
// - BIRD 2.0 B and FRR 8.4 F (both negotiate enhanced route refresh with S,
//   RFC 7313) and GoBGP 3.10 G (route refresh without the enhanced form)
//   receive them over EBGP and hold all 8 (their own tables: `birdc show
//   route protocol`, `vtysh show bgp ipv4 unicast json`, GoBGP's adj-in;
//   BIRD shows the route targets on them).
// Then an export policy rejecting target:65000:2 is committed for B, F and G:
// the commit alone sends nothing (the tables keep 8; no UPDATE on the wire).
// `refresh-bgp ipv4-unicast all export`, its notifications read from a
// session subscribed to the NETCONF stream, re-advertises each receiver's
// whole Adj-RIB-Out under the new policy: each gets peer-refresh-complete
// completed / drained with routes 8 = advertised 4 + withdrawn 4; B and F
// (inside BoRR ... EoRR) and G (explicit withdrawals) then hold exactly the
// 4 allowed prefixes; no session was reset (BIRD's `since`, FRR's connection
// counters and established epoch, GoBGP's uptime and OPEN / NOTIFICATION
// counters, S's session states, no OPEN or NOTIFICATION on the wire). A
// second export right after changes no table and re-sends the 4 allowed
// prefixes to each (routes 4 = advertised 4 + withdrawn 0). tshark, decoding
// every BGP message on S's port, shows the order: towards B and F, BoRR, the
// 4 withdrawals, the 4 announcements, EoRR (the second time BoRR, the 4
// announcements, EoRR); towards G no ROUTE-REFRESH at all (GoBGP's counters
// agree), the 4 rejected prefixes withdrawn, then the 4 allowed announced.
// Since S withdraws explicitly inside BoRR ... EoRR too, nothing is left for
// B's and F's EoRR purge: that the peer purges at EoRR is not what makes
// their tables right here.
//
// S listens on 0.0.0.0 so that its NEXT_HOP self is its router id
// (192.0.2.91): GoBGP takes a loopback NEXT_HOP as a withdraw. Every peer
// connects to S at 127.0.0.91 from its own address (S's peers are passive).
//
// Quirks seen here (besides those at the top of test/helpers/peers/*.ts):
// - FRR's bgpTimerUpEstablishedEpoch is worked out at every show (now minus
//   the uptime, whole seconds): it moves by 1 s between two shows of the
//   same session; BIRD's `since` by 1 ms (engine-reconfigure-bird.test.ts).
// - GoBGP's neighbor JSON has no flap counter at 0 (`flops` absent); its
//   `timers.state.uptime.seconds` is when the session came up.
// - GoBGP opened its session about 5 s after start (the others within 1 s).
// - BIRD shows the routes it learned from S as unreachable (no IGP to
//   resolve 192.0.2.91), FRR as not valid (no zebra): both hold and show
//   them, which is what is checked. FRR reflects them back to S, which
//   drops them (its own AS in the AS_PATH).
// - tshark names each prefix's subtree of Withdrawn Routes and NLRI after the
//   prefix ('10.92.1.0/24'); its bgp.withdrawn_prefix / bgp.nlri_prefix
//   fields hold the address alone.
import assert from 'node:assert/strict';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { child, serialize, XmlElement } from '../../src/model/xml';
import { Bird, startBird } from '../helpers/peers/bird';
import { freePort, waitUntil } from '../helpers/peers/common';
import { Exabgp, startExabgp } from '../helpers/peers/exabgp';
import { Frr, FRR_BGPD, startFrr } from '../helpers/peers/frr';
import { Gobgp, startGobgp } from '../helpers/peers/gobgp';
import { Capture, startCapture } from '../helpers/peers/tshark';
import { requireTool, runTool } from '../helpers/interop';
import { event, subscribe } from '../helpers/netconf';
import { connect, startServer, TestServer } from '../helpers/server';

const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NS_REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const NS_BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const UP_MS = 30_000;
const TABLE_MS = 15_000;
const NOTIFY_MS = 20_000;
/** BIRD's `since` is worked out again at every show and can move by 1 ms (see engine-reconfigure-bird.test.ts). */
const SINCE_JITTER_MS = 50;
/** FRR's bgpTimerUpEstablishedEpoch is now minus the uptime, in whole seconds: it moves by 1 s between two shows. */
const FRR_EPOCH_JITTER_S = 1;

const S = { address: '127.0.0.91', as: 65000, routerId: '192.0.2.91' };
const X = { address: '127.0.0.92', as: 65092, nextHop: '192.0.2.92' };
const B = { address: '127.0.0.93', as: 65093 };
const F = { address: '127.0.0.94', as: 65094 };
const G = { address: '127.0.0.95', as: 65095 };
const RECEIVERS = [B.address, F.address, G.address];

const ALLOWED = [1, 2, 3, 4].map((n) => `10.91.${n}.0/24`);
const REJECTED = [1, 2, 3, 4].map((n) => `10.92.${n}.0/24`);
const ALL = [...ALLOWED, ...REJECTED].sort();
const ROUTES = [...ALLOWED.map((prefix) => ({ prefix, target: 'target:65000:1' })), ...REJECTED.map((prefix) => ({ prefix, target: 'target:65000:2' }))];

const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort();
const text = (el: XmlElement | undefined, name: string, ns?: string): string | undefined => (el ? child(el, name, ns)?.text : undefined);
/** An element's leaves: name -> text. */
const leaves = (el: XmlElement): Record<string, string> => Object.fromEntries(el.children.filter((c) => c.children.length === 0).map((c) => [c.name, c.text]));

function sConfig(bgpPort: number): string {
  const receiver = (p: { address: string; as: number }, what: string): string =>
    `<peer><address>${p.address}</address><remote-as>${p.as}</remote-as><group>receivers</group><passive>true</passive><description>${what}</description></peer>`;
  return [
    `<local-as>${S.as}</local-as><router-id>${S.routerId}</router-id>`,
    `<listen><address>0.0.0.0</address><port>${bgpPort}</port></listen>`,
    '<peer-group><name>receivers</name><type>external</type><mvpn><enabled>false</enabled></mvpn><ipv4-unicast><enabled>true</enabled></ipv4-unicast></peer-group>',
    `<peer><address>${X.address}</address><remote-as>${X.as}</remote-as><passive>true</passive><description>ExaBGP feeder</description><mvpn><enabled>false</enabled></mvpn><ipv4-unicast><enabled>true</enabled></ipv4-unicast></peer>`,
    receiver(B, 'BIRD'),
    receiver(F, 'FRR'),
    receiver(G, 'GoBGP'),
  ].join('');
}

const POLICY =
  '<policy><name>no-target-2</name><term><name>target-2</name><match><route-target>target:65000:2</route-target></match><action>reject</action></term><default-action>accept</default-action></policy>';

// ---------------------------------------------------------------------------
// tshark's decoding (-T json --no-duplicate-keys: a repeated field is an array)

type Layer = Record<string, unknown>;
const many = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One BGP message of the capture. */
interface WireMessage {
  /** frame.time_epoch, seconds */
  time: number;
  src: string;
  dst: string;
  /** 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH */
  type: number;
  /** ROUTE-REFRESH: 0 request, 1 BoRR, 2 EoRR */
  refreshSubtype?: number;
  /** UPDATE: Withdrawn Routes and NLRI (IPv4 unicast, RFC 4271 section 4.3) */
  withdrawn: string[];
  nlri: string[];
}

/** The prefixes of a Withdrawn Routes or NLRI tree: tshark names each subtree after its prefix ('10.91.1.0/24'). */
const prefixes = (tree: unknown): string[] => (typeof tree === 'object' && tree !== null ? Object.keys(tree).filter((k) => /^[0-9.]+\/\d+$/.test(k)) : []);

function wireMessages(packets: unknown[]): WireMessage[] {
  const out: WireMessage[] = [];
  for (const p of packets) {
    const layers = ((p as { _source?: { layers?: Layer } })._source?.layers ?? {}) as Layer;
    const ip = (layers.ip ?? {}) as Layer;
    const frame = (layers.frame ?? {}) as Layer;
    for (const m of many(layers.bgp) as Layer[]) {
      const type = Number(m['bgp.type']);
      const msg: WireMessage = {
        time: Number(str(frame['frame.time_epoch'])),
        src: str(ip['ip.src']) ?? '',
        dst: str(ip['ip.dst']) ?? '',
        type,
        withdrawn: prefixes(m['bgp.update.withdrawn_routes']),
        nlri: prefixes(m['bgp.update.nlri']),
      };
      if (type === 5) msg.refreshSubtype = Number(m['bgp.route_refresh.subtype']);
      out.push(msg);
    }
  }
  return out;
}

/** A message in a word: `borr`, `eorr`, `request`, `-P` per prefix withdrawn, `+P` per prefix announced, `keepalive`, ... */
function words(m: WireMessage): string[] {
  if (m.type === 5) return [['request', 'borr', 'eorr'][m.refreshSubtype ?? 0] ?? `refresh ${m.refreshSubtype}`];
  if (m.type === 2) return [...m.withdrawn.map((p) => `-${p}`), ...m.nlri.map((p) => `+${p}`)];
  return [['', 'open', 'update', 'notification', 'keepalive'][m.type] ?? `type ${m.type}`];
}

// ---------------------------------------------------------------------------

interface RefreshRun {
  operationId: string;
  selected: string[];
  skipped: string[];
  /** peer-refresh-complete leaves by peer address */
  peers: Record<string, Record<string, string>>;
  /** refresh-complete leaves */
  complete: Record<string, string>;
}

/** What tells one session from the next, in each receiver's own view, and in S's. */
interface Sessions {
  birdSince: number;
  birdState: string;
  frr: { connectionsEstablished: unknown; connectionsDropped: unknown; bgpState: unknown };
  /** FRR's bgpTimerUpEstablishedEpoch: worked out from its monotonic clock at every show, it can move by a second */
  frrEstablishedEpoch: number;
  /** GoBGP's session state, the time it came up (timers.state.uptime), OPENs and NOTIFICATIONs received */
  gobgp: { state: string; uptime: unknown; opens: number; notifications: number };
  s: Record<string, string>;
}

/** BIRD's `since` (HH:MM:SS.mmm) in milliseconds of the day. */
function sinceMs(since: string | undefined): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(since ?? '');
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) : NaN;
}

describe('interop: refresh-bgp ipv4-unicast export is an outbound soft reset (BIRD and FRR with enhanced route refresh, GoBGP without; ExaBGP feeds)', function () {
  this.timeout(90_000);
  let bgpPort = 0;
  let capture: Capture | undefined;
  let s: TestServer | undefined;
  let nc: NetconfClient | undefined;
  let x: Exabgp | undefined;
  let b: Bird | undefined;
  let f: Frr | undefined;
  let g: Gobgp | undefined;
  const notifications: XmlElement[] = [];
  /** when the policy was committed, and when each refresh-bgp was sent (epoch seconds) */
  const at = { commit: 0, first: 0, second: 0 };
  let beforeRefresh: Sessions | undefined;

  const netconf = (): NetconfClient => nc as NetconfClient;
  const bird = (): Bird => b as Bird;
  const frr = (): Frr => f as Frr;
  const gobgp = (): Gobgp => g as Gobgp;

  async function rpcOk(xml: string): Promise<XmlElement> {
    const reply = await netconf().rpc(xml);
    assert.deepEqual(replyErrors(reply), [], serialize(reply));
    return reply;
  }

  /** edit-config to the candidate, then commit; `bgp` is the inside of <bgp>. */
  async function commit(bgp: string): Promise<void> {
    await rpcOk(`<edit-config><target><candidate/></target><config><bgp xmlns="${NS_BGP}">${bgp}</bgp></config></edit-config>`);
    await rpcOk('<commit/>');
  }

  /** S's view of each peer: session state, negotiated enhanced route refresh, ipv4-unicast counters. */
  async function sPeers(): Promise<Record<string, { state?: string; enhanced?: string; unicast: Record<string, string> }>> {
    const reply = await rpcOk(`<get><filter type="subtree"><bgp xmlns="${NS_BGP}"><peer/></bgp></filter></get>`);
    const bgp = child(child(reply, 'data', NS_BASE) ?? reply, 'bgp', NS_BGP);
    const out: Record<string, { state?: string; enhanced?: string; unicast: Record<string, string> }> = {};
    for (const p of (bgp?.children ?? []).filter((c) => c.name === 'peer')) {
      const state = child(p, 'state', NS_BGP);
      const unicast = state && child(state, 'ipv4-unicast', NS_BGP);
      out[text(p, 'address', NS_BGP) ?? ''] = {
        state: text(state, 'session-state', NS_BGP),
        enhanced: text(state && child(state, 'negotiated', NS_BGP), 'enhanced-route-refresh', NS_BGP),
        unicast: unicast ? leaves(unicast) : {},
      };
    }
    return out;
  }

  /** refresh-bgp ipv4-unicast all export; resolves with the reply and the operation's notifications, up to refresh-complete. */
  async function refreshExport(): Promise<RefreshRun> {
    const reply = await rpcOk(`<refresh-bgp xmlns="${NS_REFRESH}"><afi-safi xmlns:bgp="${NS_BGP}">bgp:ipv4-unicast</afi-safi><all/><direction>export</direction></refresh-bgp>`);
    const operationId = text(reply, 'operation-id', NS_REFRESH) ?? '';
    assert.match(operationId, /^\d+$/, serialize(reply));
    const ofOperation = (): XmlElement[] => notifications.map(event).filter((e) => e.ns === NS_REFRESH && text(e, 'operation-id', NS_REFRESH) === operationId);
    const events = await waitUntil(`refresh-complete of operation ${operationId}`, () => {
      const evs = ofOperation();
      return evs.some((e) => e.name === 'refresh-complete') ? evs : undefined;
    }, NOTIFY_MS, 50);
    const inReply = (name: string): string[] => reply.children.filter((c) => c.ns === NS_REFRESH && c.name === name).map((c) => text(c, 'peer-address', NS_REFRESH) ?? '');
    return {
      operationId,
      selected: sorted(inReply('selected-peer')),
      skipped: sorted(inReply('skipped-peer')),
      peers: Object.fromEntries(events.filter((e) => e.name === 'peer-refresh-complete').map((e) => [text(e, 'peer-address', NS_REFRESH) ?? '', leaves(e)])),
      complete: leaves(events.find((e) => e.name === 'refresh-complete') as XmlElement),
    };
  }

  // Each receiver's own table, sorted prefixes.
  const birdTable = async (): Promise<string[]> => sorted([...(await bird().birdc(`show route protocol ${bird().protocolOf(S.address)}`)).matchAll(/^(\d+\.\d+\.\d+\.\d+\/\d+)\s/gm)].map((m) => m[1]));
  const frrTable = async (): Promise<string[]> => sorted(Object.keys((JSON.parse(await frr().vtysh('show bgp ipv4 unicast json')) as { routes?: Record<string, unknown> }).routes ?? {}));
  const gobgpTable = async (): Promise<string[]> => sorted((await gobgp().adjIn(S.address)).map((p) => p.prefix));
  const tables = async (): Promise<Record<string, string[]>> => {
    const [bt, ft, gt] = await Promise.all([birdTable(), frrTable(), gobgpTable()]);
    return { bird: bt, frr: ft, gobgp: gt };
  };
  const tablesAre = (want: string[]): Promise<Record<string, string[]>> =>
    waitUntil(`every receiver's table to be ${want.join(' ')}`, async () => {
      const t = await tables();
      return Object.values(t).every((v) => v.join() === want.join()) ? t : undefined;
    }, TABLE_MS, 200).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}; now ${JSON.stringify(await tables())}`);
    });

  async function sessions(): Promise<Sessions> {
    const row = (await bird().protocols()).find((p) => p.name === bird().protocolOf(S.address));
    const fn = await frr().neighbor(S.address);
    const gn = await gobgp().neighbor(S.address);
    const uptime = (gn.raw as { timers?: { state?: { uptime?: { seconds?: unknown } } } }).timers?.state?.uptime?.seconds;
    const sp = await sPeers();
    return {
      birdSince: sinceMs(row?.since),
      birdState: `${row?.state ?? '?'} ${row?.info ?? '?'}`,
      frr: { connectionsEstablished: fn.connectionsEstablished, connectionsDropped: fn.connectionsDropped, bgpState: fn.bgpState },
      frrEstablishedEpoch: Number(fn.bgpTimerUpEstablishedEpoch),
      gobgp: { state: gn.state, uptime, opens: gn.received.open ?? 0, notifications: gn.received.notification ?? 0 },
      s: Object.fromEntries(Object.entries(sp).map(([a, v]) => [a, v.state ?? '?'])),
    };
  }

  function assertSameSessions(before: Sessions, now: Sessions): void {
    assert.ok(Math.abs(now.birdSince - before.birdSince) <= SINCE_JITTER_MS, `BIRD's since moved: ${before.birdSince} -> ${now.birdSince}`);
    assert.equal(now.birdState, 'up Established');
    assert.deepEqual(now.frr, before.frr, 'FRR: same connection');
    assert.deepEqual([now.frr.bgpState, now.frr.connectionsEstablished, now.frr.connectionsDropped], ['Established', 1, 0]);
    assert.ok(Math.abs(now.frrEstablishedEpoch - before.frrEstablishedEpoch) <= FRR_EPOCH_JITTER_S, `FRR's established epoch moved: ${before.frrEstablishedEpoch} -> ${now.frrEstablishedEpoch}`);
    assert.deepEqual(now.gobgp, before.gobgp, 'GoBGP: same session');
    assert.deepEqual([now.gobgp.state, typeof now.gobgp.uptime, now.gobgp.opens, now.gobgp.notifications], ['established', 'number', 1, 0]);
    assert.deepEqual(now.s, Object.fromEntries([X.address, ...RECEIVERS].map((a) => [a, 'established'])), 'S: every session established');
  }

  /** The per-peer result of a refresh, as compared. */
  const result = (r: RefreshRun, address: string): string[] => {
    const p = r.peers[address] ?? {};
    // routes is advertised + withdrawn (ncbgp-refresh peer-result)
    assert.equal(Number(p.routes), Number(p.advertised) + Number(p.withdrawn), `${address}: ${JSON.stringify(p)}`);
    return [p.status, p.completion, p.routes, p.advertised, p.withdrawn, p.direction, p['afi-safi']].map((v) => v ?? '-');
  };

  before(async function () {
    requireTool(this, 'exabgp', 'the feeder peer');
    requireTool(this, 'bird', 'the BIRD receiver');
    requireTool(this, 'birdc', 'reads the BIRD receiver\'s table');
    requireTool(this, FRR_BGPD, 'the FRR receiver');
    requireTool(this, 'vtysh', 'reads the FRR receiver\'s table');
    requireTool(this, 'gobgpd', 'the GoBGP receiver');
    requireTool(this, 'gobgp', 'reads the GoBGP receiver\'s table');
    requireTool(this, 'tshark', 'decodes what S sends');
    bgpPort = await freePort('0.0.0.0');
    capture = await startCapture({ ports: [bgpPort] });
    s = await startServer();
    nc = await connect(s);
    netconf().on('notification', (n) => notifications.push(n));
    await subscribe(netconf());
    await commit(sConfig(bgpPort));
    const [birdPort, frrPort, gobgpPort, gobgpApi] = await Promise.all([freePort(B.address), freePort(F.address), freePort(G.address), freePort()]);
    [x, b, f, g] = await Promise.all([
      startExabgp({ routerId: X.address, localAddress: X.address, localAs: X.as, peers: [{ address: S.address, port: bgpPort, remoteAs: S.as }] }),
      startBird({ routerId: B.address, as: B.as, listen: { address: B.address, port: birdPort }, neighbors: [{ address: S.address, port: bgpPort, as: S.as }] }),
      startFrr({ routerId: F.address, as: F.as, listen: { address: F.address, port: frrPort }, neighbors: [{ address: S.address, port: bgpPort, as: S.as }] }),
      startGobgp({ routerId: G.address, as: G.as, port: gobgpPort, listenAddress: G.address, apiPort: gobgpApi, neighbors: [{ address: S.address, peerAs: S.as, remotePort: bgpPort, localAddress: G.address }] }),
    ]);
    await waitUntil('every session established at S', async () => {
      const sp = await sPeers();
      return [X.address, ...RECEIVERS].every((a) => sp[a]?.state === 'established') ? sp : undefined;
    }, UP_MS, 300);
    for (const r of ROUTES) await (x as Exabgp).command(`announce route ${r.prefix} next-hop ${X.nextHop} extended-community [${r.target}]`);
  });

  after(async () => {
    nc?.destroy();
    await Promise.all([x?.stop(), b?.stop(), f?.stop(), g?.stop()]);
    await s?.stop();
    await capture?.stop();
  });

  it('every receiver holds the 8 prefixes (BIRD and FRR negotiated enhanced route refresh with S, GoBGP not), with their route targets', async () => {
    await waitUntil('S accepted the 8 routes', async () => ((await sPeers())[X.address]?.unicast.accepted === '8' ? true : undefined), UP_MS, 200);
    await tablesAre(ALL);
    const sp = await sPeers();
    assert.deepEqual(RECEIVERS.map((a) => [a, sp[a]?.enhanced, sp[a]?.unicast.advertised]), [
      [B.address, 'true', '8'],
      [F.address, 'true', '8'],
      [G.address, 'false', '8'],
    ]);
    // the route targets went through S: BIRD shows them on its routes
    const all = await bird().birdc(`show route protocol ${bird().protocolOf(S.address)} all`);
    assert.equal([...all.matchAll(/BGP\.ext_community: \(rt, 65000, 1\)/g)].length, 4, all);
    assert.equal([...all.matchAll(/BGP\.ext_community: \(rt, 65000, 2\)/g)].length, 4, all);
  });

  it('committing an export policy that rejects target:65000:2 for the receivers sends nothing by itself', async () => {
    at.commit = Date.now() / 1000;
    await commit(`${POLICY}${RECEIVERS.map((a) => `<peer><address>${a}</address><ipv4-unicast><export-policy>no-target-2</export-policy></ipv4-unicast></peer>`).join('')}`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await tables(), { bird: ALL, frr: ALL, gobgp: ALL });
    beforeRefresh = await sessions();
  });

  it('refresh-bgp ipv4-unicast all export: each receiver completed, drained, routes 8 = 4 advertised + 4 withdrawn; then exactly the 4 allowed prefixes in each table; no session reset', async () => {
    at.first = Date.now() / 1000;
    const r = await refreshExport();
    assert.deepEqual(r.selected, sorted([X.address, ...RECEIVERS]));
    assert.deepEqual(r.skipped, []);
    for (const a of RECEIVERS) assert.deepEqual(result(r, a), ['completed', 'drained', '8', '4', '4', 'export', 'bgp:ipv4-unicast'], `${a}: ${JSON.stringify(r.peers[a])}`);
    // all selects the feeder too (an export needs no capability of the peer); S sends it nothing here (its routes came from it)
    assert.deepEqual(result(r, X.address).slice(0, 2), ['completed', 'drained'], JSON.stringify(r.peers[X.address]));
    assert.deepEqual([r.complete.selected, r.complete.completed, r.complete.skipped, r.complete.failed], ['4', '4', '0', '0'], JSON.stringify(r.complete));
    await tablesAre(ALLOWED);
    const sp = await sPeers();
    assert.deepEqual(RECEIVERS.map((a) => sp[a]?.unicast.advertised), ['4', '4', '4']);
    assertSameSessions(beforeRefresh as Sessions, await sessions());
    assert.equal((await gobgp().neighbor(S.address)).received.refresh ?? 0, 0, 'GoBGP received no ROUTE-REFRESH (no BoRR/EoRR without enhanced route refresh)');
  });

  it('a second export right after changes no table and re-advertises the 4 allowed prefixes to each (routes 4 = 4 advertised + 0 withdrawn)', async () => {
    at.second = Date.now() / 1000;
    const r = await refreshExport();
    for (const a of RECEIVERS) assert.deepEqual(result(r, a), ['completed', 'drained', '4', '4', '0', 'export', 'bgp:ipv4-unicast'], `${a}: ${JSON.stringify(r.peers[a])}`);
    await new Promise((res) => setTimeout(res, 1000));
    assert.deepEqual(await tablesAre(ALLOWED), { bird: ALLOWED, frr: ALLOWED, gobgp: ALLOWED });
    assertSameSessions(beforeRefresh as Sessions, await sessions());
  });

  it('tshark: towards BIRD and FRR BoRR, the withdrawals, the announcements, EoRR; towards GoBGP no ROUTE-REFRESH, the 4 rejected prefixes withdrawn, the 4 allowed announced; no OPEN or NOTIFICATION after the start', async () => {
    const pcap = await (capture as Capture).stop();
    const run = await runTool('tshark', ['-r', pcap, '-d', `tcp.port==${bgpPort},bgp`, '-Y', 'bgp', '-T', 'json', '--no-duplicate-keys'], process.env, 60_000);
    assert.equal(run.code, 0, run.stderr);
    const messages = wireMessages(JSON.parse(run.stdout) as unknown[]);
    const fromS = (to: string, from: number, until: number): string[] =>
      messages.filter((m) => m.src === S.address && m.dst === to && m.time >= from && m.time < until).flatMap(words).filter((w) => w !== 'keepalive');
    const withdrawn = REJECTED.map((p) => `-${p}`);
    const announced = ALLOWED.map((p) => `+${p}`);

    // before the policy: the 8 prefixes to each receiver
    for (const a of RECEIVERS) assert.deepEqual(sorted(fromS(a, 0, at.commit).filter((w) => w.startsWith('+'))), ALL.map((p) => `+${p}`), `initial advertisement to ${a}`);
    // the commit alone: nothing
    for (const a of RECEIVERS) assert.deepEqual(fromS(a, at.commit, at.first), [], `after the commit, before the refresh, to ${a}`);

    for (const [a, enhanced] of [[B.address, true], [F.address, true], [G.address, false]] as const) {
      const first = fromS(a, at.first, at.second);
      const second = fromS(a, at.second, Infinity);
      if (enhanced) {
        assert.deepEqual([first[0], first[first.length - 1]], ['borr', 'eorr'], `first export to ${a}: ${first.join(' ')}`);
        assert.deepEqual(sorted(first.slice(1, 5)), withdrawn, `first export to ${a}, withdrawals first: ${first.join(' ')}`);
        assert.deepEqual(sorted(first.slice(5, -1)), announced, `first export to ${a}: ${first.join(' ')}`);
        assert.deepEqual([second[0], second[second.length - 1]], ['borr', 'eorr'], `second export to ${a}: ${second.join(' ')}`);
        assert.deepEqual(sorted(second.slice(1, -1)), announced, `second export to ${a}: ${second.join(' ')}`);
      } else {
        assert.deepEqual(sorted(first.slice(0, 4)), withdrawn, `first export to ${a}, withdrawals first: ${first.join(' ')}`);
        assert.deepEqual(sorted(first.slice(4)), announced, `first export to ${a}: ${first.join(' ')}`);
        assert.deepEqual(sorted(second), announced, `second export to ${a}: ${second.join(' ')}`);
      }
    }
    const late = messages.filter((m) => m.time >= at.commit && (m.type === 1 || m.type === 3));
    assert.deepEqual(late, [], 'no OPEN or NOTIFICATION once the sessions were up');
  });
});
