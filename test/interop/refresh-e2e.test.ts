// refresh-bgp-mvpn and refresh-bgp end to end, with software nobody on this
// team wrote on both ends (issue 5, "End-to-end tests"): ncclient 0.6.13
// (refresh_e2e_cases.py, one session subscribed to the NETCONF stream
// first) drives the server `ncbgp serve` (S). Its BGP peers:
// - ExaBGP 4.2 E1 (ipv4-unicast, route refresh; enhanced route refresh is
//   turned off at S because ExaBGP 4.2.21 cannot answer inside BoRR/EoRR,
//   see engine-exabgp.test.ts) and E2 (no route refresh capability at all);
// - GoBGP 3.10 G (ipv4-unicast, route refresh without the enhanced form);
// - two more `ncbgp serve` processes in the MVPN family: N2 over IBGP
//   (enhanced route refresh: BoRR/EoRR) and N3 over EBGP, which S keeps
//   all routes of (keep-all-routes: import sends nothing).
// What each end saw is checked where a user would look: the RPC reply and
// the notifications as ncclient received them (and valid for yanglint),
// ExaBGP's JSON API events, GoBGP's Adj-RIB-In and message counters, N2's
// own operational state, and tshark's decoding of every BGP message S
// exchanged (the MVPN routes withdrawn and re-advertised, ROUTE-REFRESH
// and BoRR/EoRR). The last step stops N2 (SIGSTOP) so that an import
// waits for it, then kills it: that peer fails, the rest complete.
//
// S listens on 0.0.0.0 so that its NEXT_HOP self is its router id
// (192.0.2.71, not a loopback address GoBGP would take as a withdraw);
// every peer connects to it at 127.0.0.71 from its own address.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NetconfClient } from '../../src/netconf/client';
import { child, parseXml, XmlElement } from '../../src/model/xml';
import { freePort, waitUntil } from '../helpers/peers/common';
import { Exabgp, exabgpAnnounced, ExabgpEvent, startExabgp } from '../helpers/peers/exabgp';
import { Gobgp, startGobgp } from '../helpers/peers/gobgp';
import { Capture, startCapture } from '../helpers/peers/tshark';
import { PYTHON, requireNcclient, requireTool, runTool } from '../helpers/interop';
import { connect, startServer, TestServer, USERS } from '../helpers/server';
import { yanglint } from '../helpers/yanglint';

const DRIVER = path.join(__dirname, 'refresh_e2e_cases.py');
const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NS_REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const NOTIFY_MS = 30_000;
const UP_MS = 30_000;

const S = { address: '127.0.0.71', as: 65000, routerId: '192.0.2.71' };
const E1 = { address: '127.0.0.72', as: 65072, routes: [{ prefix: '198.51.100.0/25', nextHop: '192.0.2.72' }, { prefix: '198.51.100.128/25', nextHop: '192.0.2.72' }] };
const E2 = { address: '127.0.0.73', as: 65073, routes: [{ prefix: '203.0.113.0/25', nextHop: '192.0.2.73' }] };
const G = { address: '127.0.0.74', as: 65074, routes: [{ prefix: '203.0.113.128/25', nextHop: '192.0.2.74' }] };
const N2 = { address: '127.0.0.75', as: 65000, routerId: '192.0.2.75' };
const N3 = { address: '127.0.0.76', as: 65076, routerId: '192.0.2.76' };
const UNICAST_PEERS = [E1.address, E2.address, G.address];

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/** An MVPN route as `mvpn-route` configures it and as the check below reads tshark's decoding. */
interface Route {
  name: string;
  'route-type': string;
  'route-distinguisher': string;
  'originating-router'?: string;
  'source-as'?: number;
  'multicast-source'?: string;
  'multicast-group'?: string;
  'route-target': string[];
}

const S_ROUTES: Route[] = [
  { name: 'vrf-1-i-pmsi', 'route-type': 'intra-as-i-pmsi-ad', 'route-distinguisher': '192.0.2.71:1', 'originating-router': S.routerId, 'route-target': ['target:65000:1'] },
  { name: 'vrf-2-i-pmsi', 'route-type': 'intra-as-i-pmsi-ad', 'route-distinguisher': '192.0.2.71:2', 'originating-router': S.routerId, 'route-target': ['target:65000:2'] },
  { name: 'vrf-1-s-pmsi', 'route-type': 's-pmsi-ad', 'route-distinguisher': '192.0.2.71:1', 'originating-router': S.routerId, 'multicast-source': '10.71.1.1', 'multicast-group': '232.71.1.1', 'route-target': ['target:65000:1'] },
  { name: 'vrf-2-join', 'route-type': 'source-tree-join', 'route-distinguisher': '192.0.2.71:2', 'source-as': 65000, 'multicast-source': '10.71.2.1', 'multicast-group': '232.71.2.1', 'route-target': ['target:65000:2'] },
];
/** What the export policy no-vrf-2 holds back. */
const S_VRF_2 = S_ROUTES.filter((r) => r['route-target'].includes('target:65000:2'));
const N2_ROUTES: Route[] = [
  { name: 'i-pmsi', 'route-type': 'intra-as-i-pmsi-ad', 'route-distinguisher': '192.0.2.75:1', 'originating-router': N2.routerId, 'route-target': ['target:65000:1'] },
  { name: 'sa', 'route-type': 'source-active-ad', 'route-distinguisher': '192.0.2.75:1', 'multicast-source': '10.75.0.1', 'multicast-group': '232.75.0.1', 'route-target': ['target:65000:1'] },
  { name: 'shared', 'route-type': 'shared-tree-join', 'route-distinguisher': '192.0.2.75:1', 'source-as': 65000, 'multicast-source': '10.75.0.9', 'multicast-group': '239.75.0.1', 'route-target': ['target:65000:1'] },
];
const N3_ROUTES: Route[] = [
  { name: 'i-pmsi', 'route-type': 'intra-as-i-pmsi-ad', 'route-distinguisher': '192.0.2.76:1', 'originating-router': N3.routerId, 'route-target': ['target:65076:1'] },
  { name: 's-pmsi', 'route-type': 's-pmsi-ad', 'route-distinguisher': '192.0.2.76:1', 'originating-router': N3.routerId, 'multicast-source': '10.76.0.1', 'multicast-group': '232.76.0.1', 'route-target': ['target:65076:1'] },
];

function sConfig(bgpPort: number): Json {
  return {
    'ncbgp-bgp:bgp': {
      'local-as': S.as,
      'router-id': S.routerId,
      listen: { address: '0.0.0.0', port: bgpPort },
      'peer-group': [
        { name: 'unicast-ebgp', type: 'external', mvpn: { enabled: false }, 'ipv4-unicast': { enabled: true } },
        { name: 'mvpn-ibgp', type: 'internal' },
        { name: 'mvpn-ebgp', type: 'external', 'remote-as': N3.as, mvpn: { 'keep-all-routes': true } },
      ],
      peer: [
        { address: E1.address, 'remote-as': E1.as, group: 'unicast-ebgp', passive: true, 'enhanced-route-refresh': false, description: 'ExaBGP, route refresh' },
        { address: E2.address, 'remote-as': E2.as, group: 'unicast-ebgp', passive: true, description: 'ExaBGP, no route refresh' },
        { address: G.address, 'remote-as': G.as, group: 'unicast-ebgp', passive: true, description: 'GoBGP' },
        { address: N2.address, group: 'mvpn-ibgp', passive: true, description: 'ncbgp N2' },
        { address: N3.address, group: 'mvpn-ebgp', passive: true, description: 'ncbgp N3, keep-all-routes' },
      ],
      policy: [
        { name: 'reject-all', 'default-action': 'reject' },
        { name: 'no-vrf-2', term: [{ name: 'vrf-2', match: { 'route-target': ['target:65000:2'] }, action: 'reject' }], 'default-action': 'accept' },
      ],
      'mvpn-route': S_ROUTES as unknown as Json,
    },
  };
}

/** N2 or N3: one peer, S, connected to from its own address; its own listener on a port the system picks. */
function peerServerConfig(me: typeof N2, bgpPort: number, routes: Route[]): Json {
  return {
    'ncbgp-bgp:bgp': {
      'local-as': me.as,
      'router-id': me.routerId,
      listen: { address: me.address, port: 0 },
      peer: [{ address: S.address, 'remote-as': S.as, 'remote-port': bgpPort, 'local-address': me.address, timers: { 'connect-retry': 1 } }],
      'mvpn-route': routes as unknown as Json,
    },
  };
}

// ---------------------------------------------------------------------------
// The ncclient session

interface NcError {
  type: string | null;
  tag: string | null;
  app_tag: string | null;
  path: string | null;
  path_namespaces: Record<string, string>;
  message: string | null;
  xml: string;
}

/** refresh_e2e_cases.py: one ncclient session, one JSON line per command and per answer. */
class Ncclient {
  private buffered = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly lines: string[] = [];
  private stderr = '';

  private constructor(private readonly proc: ChildProcess) {
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (d: string) => {
      const parts = (this.buffered + d).split('\n');
      this.buffered = parts.pop() ?? '';
      for (const l of parts.filter((x) => x.trim() !== '')) {
        const w = this.waiting.shift();
        if (w) w(l);
        else this.lines.push(l);
      }
    });
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  static async start(port: number): Promise<Ncclient> {
    const proc = spawn(PYTHON, [DRIVER, '--port', String(port), '--user', USERS.admin.name, '--password', USERS.admin.password], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = new Ncclient(proc);
    const ready = JSON.parse(await c.line(30_000)) as { ready?: string };
    assert.ok(ready.ready, 'ncclient did not connect');
    return c;
  }

  private line(ms: number): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ncclient within ${ms} ms\n${this.stderr}`)), ms);
      const onExit = (): void => reject(new Error(`ncclient exited:\n${this.stderr}`));
      this.proc.once('exit', onExit);
      this.waiting.push((line) => {
        clearTimeout(timer);
        this.proc.off('exit', onExit);
        resolve(line);
      });
    });
  }

  async call<T>(cmd: Record<string, unknown>, ms = NOTIFY_MS + 10_000): Promise<T> {
    this.proc.stdin?.write(JSON.stringify(cmd) + '\n');
    return JSON.parse(await this.line(ms)) as T;
  }

  close(): void {
    this.proc.stdin?.end();
    setTimeout(() => this.proc.kill('SIGKILL'), 5_000).unref();
  }
}

/** A notification or reply element's leaves: name -> text. */
const leaves = (el: XmlElement): Record<string, string> => Object.fromEntries(el.children.filter((c) => c.children.length === 0).map((c) => [c.name, c.text]));

interface Started {
  operationId: string;
  selected: string[];
  /** [address, reason] */
  skipped: [string, string][];
}

interface Finished {
  /** peer-refresh-complete leaves, in arrival order */
  peers: Record<string, string>[];
  /** refresh-complete leaves */
  complete: Record<string, string>;
  /** the whole <notification> documents, as ncclient received them */
  xml: string[];
}

/** The `peers` choice (ncbgp-refresh). */
const sel = {
  all: '<all/>',
  peer: (a: string) => `<peer-address>${a}</peer-address>`,
  group: (g: string) => `<group>${g}</group>`,
  external: '<external/>',
  internal: '<internal/>',
};

function refreshXml(selector: string, direction: 'import' | 'export', afiSafi?: 'ipv4-unicast' | 'ipv4-mvpn'): string {
  if (afiSafi === undefined) return `<refresh-bgp-mvpn xmlns="${NS_REFRESH}">${selector}<direction>${direction}</direction></refresh-bgp-mvpn>`;
  return `<refresh-bgp xmlns="${NS_REFRESH}"><afi-safi xmlns:bgp="${NS_BGP}">bgp:${afiSafi}</afi-safi>${selector}<direction>${direction}</direction></refresh-bgp>`;
}

// ---------------------------------------------------------------------------
// tshark's decoding (-T json --no-duplicate-keys: a repeated field is an array)

type Layer = Record<string, unknown>;
const many = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A Route Distinguisher from its 8 octets in hex (RFC 4364 section 4.2), as route-distinguisher writes it. */
function rdText(hex: string): string {
  const b = Buffer.from(hex.replace(/:/g, ''), 'hex');
  const type = b.readUInt16BE(0);
  if (type === 0) return `${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
  if (type === 1) return `${[...b.subarray(2, 6)].join('.')}:${b.readUInt16BE(6)}`;
  return `${b.readUInt32BE(2)}:${b.readUInt16BE(6)}`;
}

const ROUTE_TYPES = ['', 'intra-as-i-pmsi-ad', 'inter-as-i-pmsi-ad', 's-pmsi-ad', 'leaf-ad', 'source-active-ad', 'shared-tree-join', 'source-tree-join'];

/** A route in one comparable line: type, RD and the type's fields, named as in mvpn-route. */
function routeLine(r: Omit<Route, 'name' | 'route-target'>): string {
  const fields = ['originating-router', 'source-as', 'multicast-source', 'multicast-group'] as const;
  return [r['route-type'], r['route-distinguisher'], ...fields.filter((f) => r[f] !== undefined).map((f) => `${f} ${r[f]}`)].join(' ');
}

interface WireMessage {
  src: string;
  dst: string;
  type: number;
  refresh?: { subtype: number; afi: number; safi: number };
  /** MVPN routes in MP_REACH_NLRI and MP_UNREACH_NLRI */
  reach: string[];
  unreach: string[];
}

function mvpnRoutes(nlri: unknown): string[] {
  if (typeof nlri !== 'object' || nlri === null) return [];
  const n = nlri as Layer;
  const types = many(n['bgp.mcast_vpn_nlri_route_type']);
  const trees = many(n['bgp.mcast_vpn_nlri_tree']) as Layer[];
  return types.map((t, i) => {
    const tree = trees[i] ?? {};
    const get = (f: string): string | undefined => str(tree[`bgp.mcast_vpn_nlri_${f}`]);
    const sourceAs = get('source_as');
    return routeLine({
      'route-type': ROUTE_TYPES[Number(t)] ?? `type ${String(t)}`,
      'route-distinguisher': rdText(get('rd') ?? ''),
      'originating-router': get('origin_router_ipv4'),
      'source-as': sourceAs === undefined ? undefined : Number(sourceAs),
      'multicast-source': get('source_addr_ipv4'),
      'multicast-group': get('group_addr_ipv4'),
    });
  });
}

function wireMessages(packets: unknown[]): WireMessage[] {
  const out: WireMessage[] = [];
  for (const p of packets) {
    const layers = ((p as { _source?: { layers?: Layer } })._source?.layers ?? {}) as Layer;
    const ip = (layers.ip ?? {}) as Layer;
    for (const m of many(layers.bgp) as Layer[]) {
      const msg: WireMessage = { src: str(ip['ip.src']) ?? '', dst: str(ip['ip.dst']) ?? '', type: Number(m['bgp.type']), reach: [], unreach: [] };
      if (msg.type === 5) msg.refresh = { subtype: Number(m['bgp.route_refresh.subtype']), afi: Number(m['bgp.route_refresh.afi']), safi: Number(m['bgp.route_refresh.safi']) };
      for (const a of many((m['bgp.update.path_attributes'] as Layer | undefined)?.['bgp.update.path_attribute']) as Layer[]) {
        msg.reach.push(...mvpnRoutes(a['bgp.update.path_attribute.mp_reach_nlri']));
        msg.unreach.push(...mvpnRoutes(a['bgp.update.path_attribute.mp_unreach_nlri']));
      }
      out.push(msg);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

const isRefresh = (direction: 'send' | 'receive', subtype: string) => (e: ExabgpEvent) =>
  e.type === 'refresh' && e.neighbor?.direction === direction && e.neighbor['route-refresh']?.subtype === subtype;
const isUpdate = (direction: 'send' | 'receive', prefix: string) => (e: ExabgpEvent) =>
  e.type === 'update' && e.neighbor?.direction === direction && exabgpAnnounced(e).some((a) => a.prefix === prefix);
const since = (mark: number, pred: (e: ExabgpEvent) => boolean) => (e: ExabgpEvent, i: number) => i >= mark && pred(e);
const sorted = <T>(xs: T[]): T[] => [...xs].sort();

describe('end to end: ncclient drives ncbgp; ExaBGP, GoBGP and two more ncbgp are its BGP peers', function () {
  this.timeout(240_000);
  let bgpPort = 0;
  let capture: Capture | undefined;
  let s: TestServer | undefined;
  let n2: TestServer | undefined;
  let n3: TestServer | undefined;
  let e1: Exabgp | undefined;
  let e2: Exabgp | undefined;
  let g: Gobgp | undefined;
  let nc: Ncclient | undefined;
  let dir = '';
  /** every notification document ncclient received, for yanglint */
  const received: string[] = [];

  const ncclient = (): Ncclient => nc as Ncclient;
  const gobgp = (): Gobgp => g as Gobgp;

  /** Calls an RPC through ncclient: the reply's operation-id and peers, or fails naming the rpc-error. */
  async function start(xml: string): Promise<Started> {
    const r = await ncclient().call<{ reply?: string; errors?: NcError[] }>({ cmd: 'rpc', xml });
    assert.ok(r.reply, `rpc-error: ${JSON.stringify(r.errors)}`);
    const reply = parseXml(r.reply);
    const inRefresh = reply.children.filter((c) => c.ns === NS_REFRESH);
    return {
      operationId: child(reply, 'operation-id', NS_REFRESH)?.text ?? '',
      selected: inRefresh.filter((c) => c.name === 'selected-peer').map((c) => child(c, 'peer-address', NS_REFRESH)?.text ?? ''),
      skipped: inRefresh.filter((c) => c.name === 'skipped-peer').map((c) => [child(c, 'peer-address', NS_REFRESH)?.text ?? '', child(c, 'reason', NS_REFRESH)?.text ?? '']),
    };
  }

  /** The operation's notifications as ncclient received them, up to refresh-complete. */
  async function finish(operationId: string): Promise<Finished> {
    const r = await ncclient().call<{ notifications: string[]; timed_out?: boolean }>({ cmd: 'notifications', operation_id: operationId, timeout: NOTIFY_MS / 1000 });
    received.push(...r.notifications);
    assert.ok(!r.timed_out, `no refresh-complete for operation ${operationId} within ${NOTIFY_MS} ms; got:\n${r.notifications.join('\n')}`);
    const events = r.notifications.map((x) => parseXml(x).children.find((c) => c.ns === NS_REFRESH) as XmlElement);
    const complete = events.filter((e) => e.name === 'refresh-complete');
    assert.equal(complete.length, 1);
    return { peers: events.filter((e) => e.name === 'peer-refresh-complete').map(leaves), complete: leaves(complete[0]), xml: r.notifications };
  }

  async function refresh(selector: string, direction: 'import' | 'export', afiSafi?: 'ipv4-unicast' | 'ipv4-mvpn'): Promise<Started & Finished> {
    const started = await start(refreshXml(selector, direction, afiSafi));
    return { ...started, ...(await finish(started.operationId)) };
  }

  /** edit-config on candidate + commit through ncclient; `bgp` is the inside of <bgp>. */
  async function edit(bgp: string): Promise<void> {
    const config = `<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><bgp xmlns="${NS_BGP}">${bgp}</bgp></config>`;
    const r = await ncclient().call<{ reply?: string; errors?: NcError[] }>({ cmd: 'edit', config });
    assert.equal(r.reply, 'ok', `edit-config + commit failed: ${JSON.stringify(r.errors)}`);
  }

  /** Each peer's session-state as S's <get> shows it. */
  async function sessionStates(): Promise<Record<string, string>> {
    const r = await ncclient().call<{ data: string }>({ cmd: 'get', filter: `<bgp xmlns="${NS_BGP}"><peer><address/><state><session-state/></state></peer></bgp>` });
    const bgp = child(parseXml(r.data), 'bgp', NS_BGP);
    return Object.fromEntries((bgp?.children ?? []).filter((p) => p.name === 'peer').map((p) => [child(p, 'address', NS_BGP)?.text ?? '', child(child(p, 'state', NS_BGP) ?? p, 'session-state', NS_BGP)?.text ?? '']));
  }

  /** The MVPN routes a peer server accepted from S, as its own <get> shows them. */
  async function acceptedFromS(server: TestServer | undefined): Promise<number> {
    const c: NetconfClient = await connect(server as TestServer);
    try {
      const reply = await c.rpc(`<get><filter type="subtree"><bgp xmlns="${NS_BGP}"><peer><address>${S.address}</address><state><mvpn/></state></peer></bgp></filter></get>`);
      const peer = child(child(child(reply, 'data') ?? reply, 'bgp', NS_BGP) ?? reply, 'peer', NS_BGP);
      return Number(child(child(child(peer ?? reply, 'state', NS_BGP) ?? reply, 'mvpn', NS_BGP) ?? reply, 'accepted', NS_BGP)?.text ?? NaN);
    } finally {
      c.destroy();
    }
  }

  const peerResults = (f: Finished): string[][] => sorted(f.peers.map((p) => [p['peer-address'], p.status, p.completion ?? p.reason ?? '', p.routes]));

  before(async function () {
    requireNcclient(this);
    requireTool(this, 'exabgp', 'the ExaBGP peers');
    requireTool(this, 'gobgpd', 'the GoBGP peer');
    requireTool(this, 'gobgp', 'the GoBGP command line');
    requireTool(this, 'tshark', 'decodes what S sends and receives');
    requireTool(this, 'yanglint', 'validates the notifications ncclient received');
    dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-e2e-'));
    bgpPort = await freePort('0.0.0.0');
    capture = await startCapture({ ports: [bgpPort] });
    s = await startServer({ config: { 'initial-content': sConfig(bgpPort) } });
    nc = await Ncclient.start(s.port);
    const gobgpPort = await freePort(G.address);
    [n2, n3, e1, e2, g] = await Promise.all([
      startServer({ config: { 'initial-content': peerServerConfig(N2, bgpPort, N2_ROUTES) } }),
      startServer({ config: { 'initial-content': peerServerConfig(N3, bgpPort, N3_ROUTES) } }),
      startExabgp({ routerId: E1.address, localAddress: E1.address, localAs: E1.as, peers: [{ address: S.address, port: bgpPort, remoteAs: S.as, routeRefresh: true }], routes: E1.routes }),
      startExabgp({ routerId: E2.address, localAddress: E2.address, localAs: E2.as, peers: [{ address: S.address, port: bgpPort, remoteAs: S.as }], routes: E2.routes }),
      startGobgp({
        routerId: G.address,
        as: G.as,
        port: gobgpPort,
        listenAddress: G.address,
        apiPort: await freePort(),
        neighbors: [{ address: S.address, peerAs: S.as, remotePort: bgpPort, localAddress: G.address }],
        routes: G.routes,
      }),
    ]);
  });

  after(async () => {
    nc?.close();
    await Promise.all([e1?.stop(), e2?.stop(), g?.stop(), n2?.stop(), n3?.stop()]);
    await s?.stop();
    await capture?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every session comes up, as S\'s <get> shows it; the unicast routes go round through S', async () => {
    const all = [...UNICAST_PEERS, N2.address, N3.address];
    await waitUntil('five sessions established', async () => {
      const states = await sessionStates();
      return all.every((a) => states[a] === 'established') ? states : undefined;
    }, UP_MS, 500);
    // GoBGP holds what S learned from both ExaBGP speakers, NEXT_HOP S's router id
    const want = [...E1.routes, ...E2.routes].map((r) => r.prefix).sort();
    const adjIn = await waitUntil('the ExaBGP routes at GoBGP', async () => {
      const paths = await gobgp().adjIn(S.address);
      return paths.length === want.length ? paths : undefined;
    }, UP_MS, 500);
    assert.deepEqual(sorted(adjIn.map((p) => `${p.prefix} via ${p.nextHop ?? '?'}`)), want.map((p) => `${p} via ${S.routerId}`));
    await waitUntil('S\'s routes at N2 and N3', async () => ((await acceptedFromS(n2)) === S_ROUTES.length + N3_ROUTES.length && (await acceptedFromS(n3)) === S_ROUTES.length + N2_ROUTES.length ? true : undefined), UP_MS, 500);
  });

  it('refresh-bgp ipv4-unicast, one peer, import: ExaBGP\'s API shows the ROUTE-REFRESH and it re-sends; completion after the quiet period', async () => {
    const exa = e1 as Exabgp;
    const mark = exa.events().length;
    const r = await refresh(sel.peer(E1.address), 'import', 'ipv4-unicast');
    assert.deepEqual([r.selected, r.skipped], [[E1.address], []]);
    assert.deepEqual(peerResults(r), [[E1.address, 'completed', 'quiet-period', '2']]);
    assert.equal(r.peers[0]['afi-safi'], 'bgp:ipv4-unicast');
    assert.equal(r.peers[0].direction, 'import');
    const query = await exa.waitFor(since(mark, isRefresh('receive', 'query')), 10_000);
    assert.deepEqual(query.neighbor?.['route-refresh'], { afi: 'ipv4', safi: 'unicast', subtype: 'query' });
    await exa.waitFor(since(mark, isUpdate('send', E1.routes[0].prefix)), 10_000);
    assert.deepEqual(r.complete, { 'operation-id': r.operationId, selected: '1', completed: '1', skipped: '0', failed: '0' });
  });

  it('refresh-bgp ipv4-unicast, group, import: ExaBGP and GoBGP asked again; the peer without route refresh skipped with the reason', async () => {
    const before = await gobgp().neighbor(S.address);
    const mark2 = (e2 as Exabgp).events().length;
    const r = await refresh(sel.group('unicast-ebgp'), 'import', 'ipv4-unicast');
    assert.deepEqual([sorted(r.selected), r.skipped], [[E1.address, G.address], [[E2.address, 'peer does not support route-refresh']]]);
    assert.deepEqual(peerResults(r), [
      [E1.address, 'completed', 'quiet-period', '2'],
      [E2.address, 'skipped', 'peer does not support route-refresh', '0'],
      [G.address, 'completed', 'quiet-period', '1'],
    ]);
    assert.deepEqual([r.complete.selected, r.complete.completed, r.complete.skipped, r.complete.failed], ['3', '2', '1', '0']);
    const after = await gobgp().neighbor(S.address);
    assert.equal(after.received.refresh ?? 0, (before.received.refresh ?? 0) + 1, 'GoBGP counted one ROUTE-REFRESH');
    assert.ok((after.sent.update ?? 0) > (before.sent.update ?? 0), 'GoBGP re-sent its route');
    assert.deepEqual((e2 as Exabgp).events().slice(mark2).filter((e) => e.type === 'refresh'), [], 'nothing asked of E2');
  });

  it('refresh-bgp ipv4-unicast export after an export policy change: GoBGP\'s Adj-RIB-In empties, then fills again (external)', async () => {
    const adjIn = async (): Promise<string[]> => sorted((await gobgp().adjIn(S.address)).map((p) => p.prefix));
    const all = [...E1.routes, ...E2.routes].map((r) => r.prefix).sort();
    await edit(`<peer><address>${G.address}</address><ipv4-unicast><export-policy>reject-all</export-policy></ipv4-unicast></peer>`);
    const withdrawn = await refresh(sel.peer(G.address), 'export', 'ipv4-unicast');
    assert.deepEqual(peerResults(withdrawn), [[G.address, 'completed', 'drained', String(all.length)]]);
    assert.deepEqual(await waitUntil('GoBGP adj-in empty', async () => ((await adjIn()).length === 0 ? [] : undefined), 10_000), []);

    const updatesBefore = (await gobgp().neighbor(S.address)).received.update ?? 0;
    await edit(`<peer><address>${G.address}</address><ipv4-unicast><export-policy nc:operation="remove"/></ipv4-unicast></peer>`);
    const back = await refresh(sel.external, 'export', 'ipv4-unicast');
    assert.deepEqual(sorted(back.selected), sorted(UNICAST_PEERS));
    assert.deepEqual(back.skipped, [[N3.address, 'peer did not negotiate ipv4-unicast']]);
    const results = peerResults(back);
    assert.deepEqual(results.map((x) => x.slice(0, 3)), [
      [E1.address, 'completed', 'drained'],
      [E2.address, 'completed', 'drained'],
      [G.address, 'completed', 'drained'],
      [N3.address, 'skipped', 'peer did not negotiate ipv4-unicast'],
    ]);
    assert.equal(results[2][3], String(all.length), 'G gets every route again');
    assert.deepEqual(await waitUntil('GoBGP adj-in full', async () => {
      const now = await adjIn();
      return now.length === all.length ? now : undefined;
    }, 10_000), all);
    assert.ok(((await gobgp().neighbor(S.address)).received.update ?? 0) > updatesBefore, 'GoBGP received UPDATEs');
    assert.deepEqual(await sessionStates(), Object.fromEntries([...UNICAST_PEERS, N2.address, N3.address].map((a) => [a, 'established'])), 'no session was reset');
  });

  it('refresh-bgp-mvpn export after an export policy change withdraws what it rejects from N2 (peer-address) and re-advertises the rest, then re-advertises it all (internal)', async () => {
    await edit(`<peer><address>${N2.address}</address><mvpn><export-policy>no-vrf-2</export-policy></mvpn></peer>`);
    const withdrawn = await refresh(sel.peer(N2.address), 'export');
    const all = S_ROUTES.length + N3_ROUTES.length;
    // the whole Adj-RIB-Out: what the policy allows advertised again, what it rejects withdrawn
    assert.deepEqual(peerResults(withdrawn), [[N2.address, 'completed', 'drained', String(all)]]);
    assert.deepEqual([withdrawn.peers[0].advertised, withdrawn.peers[0].withdrawn], [String(all - S_VRF_2.length), String(S_VRF_2.length)]);
    assert.equal(withdrawn.peers[0]['afi-safi'], 'bgp:ipv4-mvpn');
    await waitUntil('N2 holds fewer routes', async () => ((await acceptedFromS(n2)) === all - S_VRF_2.length ? true : undefined), 10_000, 300);

    await edit(`<peer><address>${N2.address}</address><mvpn><export-policy nc:operation="remove"/></mvpn></peer>`);
    const back = await refresh(sel.internal, 'export');
    assert.deepEqual([back.selected, back.skipped], [[N2.address], []]);
    assert.deepEqual(peerResults(back), [[N2.address, 'completed', 'drained', String(all)]]);
    await waitUntil('N2 holds every route again', async () => ((await acceptedFromS(n2)) === all ? true : undefined), 10_000, 300);
  });

  it('refresh-bgp-mvpn import, internal: N2 answers inside BoRR/EoRR; completion at EoRR', async () => {
    const r = await refresh(sel.internal, 'import');
    assert.deepEqual(peerResults(r), [[N2.address, 'completed', 'eorr', String(N2_ROUTES.length)]]);
  });

  it('refresh-bgp-mvpn import, group with keep-all-routes: completes locally, nothing sent (see the capture)', async () => {
    const r = await refresh(sel.group('mvpn-ebgp'), 'import');
    assert.deepEqual(peerResults(r), [[N3.address, 'completed', 'local', String(N3_ROUTES.length)]]);
  });

  it('refresh-bgp with afi-safi ipv4-mvpn, and refresh-bgp-mvpn all: MVPN peers refreshed, the others skipped with the reason', async () => {
    const generic = await refresh(sel.group('mvpn-ebgp'), 'export', 'ipv4-mvpn');
    assert.deepEqual(peerResults(generic), [[N3.address, 'completed', 'drained', String(S_ROUTES.length + N2_ROUTES.length)]], 'N3 gets its whole Adj-RIB-Out again');
    const r = await refresh(sel.all, 'export');
    assert.deepEqual(sorted(r.selected), [N2.address, N3.address]);
    assert.deepEqual(sorted(r.skipped), UNICAST_PEERS.map((a) => [a, 'peer did not negotiate ipv4-mvpn']));
    assert.deepEqual([r.complete.selected, r.complete.completed, r.complete.skipped, r.complete.failed], ['5', '2', '3', '0']);
  });

  it('an address that is no configured peer, and a group that does not exist, are rpc-errors (data-missing)', async () => {
    for (const [selector, leaf] of [[sel.peer('127.0.0.99'), 'peer-address'], [sel.group('no-such-group'), 'group']] as const) {
      const r = await ncclient().call<{ reply?: string; errors?: NcError[] }>({ cmd: 'rpc', xml: refreshXml(selector, 'import') });
      assert.ok(r.errors, `succeeded: ${r.reply}`);
      assert.equal(r.errors.length, 1);
      const [e] = r.errors;
      assert.deepEqual([e.type, e.tag, e.app_tag], ['application', 'data-missing', 'instance-required'], e.xml);
      const prefix = Object.entries(e.path_namespaces).find(([, ns]) => ns === NS_REFRESH)?.[0];
      assert.ok(prefix, `error-path prefix for ${NS_REFRESH} not declared: ${e.xml}`);
      assert.equal(e.path, `/${prefix}:refresh-bgp-mvpn/${prefix}:${leaf}`);
    }
  });

  it('a peer killed while an import waits for it ends as failed; the other peer completes', async () => {
    const pid = (n2 as TestServer).proc.pid as number;
    // stopped, N2 holds the session open but cannot answer: the import waits for its EoRR
    process.kill(pid, 'SIGSTOP');
    let killed = false;
    try {
      const started = await start(refreshXml(sel.all, 'import'));
      assert.deepEqual(sorted(started.selected), [N2.address, N3.address]);
      const filter = `<refresh-operations xmlns="${NS_REFRESH}"><operation><operation-id>${started.operationId}</operation-id></operation></refresh-operations>`;
      const waiting = await waitUntil('N3 done, N2 still waited for', async () => {
        const r = await ncclient().call<{ data: string }>({ cmd: 'get', filter });
        const op = child(child(parseXml(r.data), 'refresh-operations', NS_REFRESH) ?? parseXml(r.data), 'operation', NS_REFRESH);
        const peers = (op?.children ?? []).filter((c) => c.name === 'peer').map(leaves);
        return peers.some((p) => p['peer-address'] === N3.address && p.status === 'completed') ? { op, peers } : undefined;
      }, 10_000, 200);
      assert.equal(child(waiting.op as XmlElement, 'end-time', NS_REFRESH), undefined, 'the operation is still running');
      assert.equal(waiting.peers.find((p) => p['peer-address'] === N2.address)?.status, 'running', 'N2 is still waited for');
      process.kill(pid, 'SIGKILL');
      killed = true;
      const done = await finish(started.operationId);
      const n2Result = done.peers.find((p) => p['peer-address'] === N2.address);
      assert.equal(n2Result?.status, 'failed', JSON.stringify(done.peers));
      assert.match(n2Result?.reason ?? '', /session/);
      assert.deepEqual(done.peers.find((p) => p['peer-address'] === N3.address)?.completion, 'local');
      assert.deepEqual([done.complete.selected, done.complete.completed, done.complete.skipped, done.complete.failed], ['5', '1', '3', '1']);
    } finally {
      if (!killed) process.kill(pid, 'SIGKILL');
    }
    const states = await sessionStates();
    assert.notEqual(states[N2.address], 'established');
    for (const a of [...UNICAST_PEERS, N3.address]) assert.equal(states[a], 'established', `${a} stays up`);
  });

  it('every notification ncclient received is valid for yanglint (ncbgp-refresh)', function () {
    assert.ok(received.length > 10, `only ${received.length} notifications`);
    received.forEach((xml, i) => {
      const r = yanglint({ type: 'nc-notif', modules: ['yang/ncbgp-bgp.yang', 'yang/ncbgp-refresh.yang'], file: `notification-${i}.xml`, data: xml, dir });
      assert.equal(r.status, 0, `${xml}\n${r.output}`);
    });
  });

  it('tshark decodes it all: N2\'s MVPN routes withdrawn then re-advertised; ROUTE-REFRESH with BoRR/EoRR to N2; none to N3 (keep-all-routes) nor to the peer without route refresh', async () => {
    const pcap = await (capture as Capture).stop();
    const run = await runTool('tshark', ['-r', pcap, '-d', `tcp.port==${bgpPort},bgp`, '-Y', 'bgp', '-T', 'json', '--no-duplicate-keys'], process.env, 60_000);
    assert.equal(run.code, 0, run.stderr);
    const messages = wireMessages(JSON.parse(run.stdout) as unknown[]);
    const toN2 = messages.filter((m) => m.src === S.address && m.dst === N2.address);
    const vrf2 = sorted(S_VRF_2.map(routeLine));
    // the first UPDATE that withdraws anything from N2 withdraws exactly the rejected routes
    const withdrawal = toN2.findIndex((m) => m.unreach.length > 0);
    assert.ok(withdrawal >= 0, 'no MP_UNREACH_NLRI to N2');
    assert.deepEqual(sorted(toN2.flatMap((m) => m.unreach)), vrf2, 'withdrawn from N2');
    // after it, the others are advertised again, and once the policy is gone every route
    const toN2Routes = sorted([...S_ROUTES, ...N3_ROUTES].map(routeLine));
    assert.deepEqual(sorted([...new Set(toN2.slice(withdrawal + 1).flatMap((m) => m.reach))]), toN2Routes, 're-advertised to N2');
    // at the start, every route of S went to N2 (and N3's)
    const first = toN2.slice(0, withdrawal).flatMap((m) => m.reach);
    assert.deepEqual(sorted(first.filter((r) => r.includes('192.0.2.71:'))), sorted(S_ROUTES.map(routeLine)));

    const refreshes = messages.filter((m) => m.type === 5).map((m) => [m.src, m.dst, m.refresh?.subtype, m.refresh?.afi, m.refresh?.safi].join(' '));
    // S asked E1 (twice) and G (once) for ipv4-unicast, N2 for MVPN (answered with BoRR/EoRR, then the import it was killed in);
    // its MVPN export soft resets went inside BoRR/EoRR (RFC 7313 section 4): three to N2, two to N3
    const marked = (peer: string, n: number): string[] => Array.from({ length: n }, () => [`${S.address} ${peer} 1 1 5`, `${S.address} ${peer} 2 1 5`]).flat();
    assert.deepEqual(sorted(refreshes.filter((r) => r.startsWith(`${S.address} `))), sorted([
      `${S.address} ${E1.address} 0 1 1`,
      `${S.address} ${E1.address} 0 1 1`,
      `${S.address} ${G.address} 0 1 1`,
      `${S.address} ${N2.address} 0 1 5`,
      `${S.address} ${N2.address} 0 1 5`,
      ...marked(N2.address, 3),
      ...marked(N3.address, 2),
    ]));
    assert.deepEqual(refreshes.filter((r) => r.split(' ').slice(0, 2).some((a) => a === N3.address || a === E2.address) && !r.startsWith(`${S.address} ${N3.address} `)), [], 'no ROUTE-REFRESH from N3, to or from E2');
    // N2 answered the first one inside BoRR ... EoRR, its routes between them
    const fromN2 = messages.filter((m) => m.src === N2.address);
    const borr = fromN2.findIndex((m) => m.refresh?.subtype === 1);
    const eorr = fromN2.findIndex((m) => m.refresh?.subtype === 2);
    assert.ok(borr >= 0 && eorr > borr, 'BoRR then EoRR from N2');
    assert.deepEqual([fromN2[borr].refresh, fromN2[eorr].refresh], [{ subtype: 1, afi: 1, safi: 5 }, { subtype: 2, afi: 1, safi: 5 }]);
    assert.deepEqual(sorted(fromN2.slice(borr + 1, eorr).flatMap((m) => m.reach)), sorted(N2_ROUTES.map(routeLine)));
  });
});
