// What BGP engine tests share.
import { BgpEngine, EngineConfig, FamilySettings, OriginatedRoute, PeerConfig } from '../../src/bgp/engine';
import { OperationSummary, PeerResult } from '../../src/bgp/refresh/operation';
import { Peer } from '../../src/bgp/session/peer';
import { connectTcp, systemTimers } from '../../src/bgp/session/transport';
import { decodeMvpnNlri } from '../../src/bgp/wire/mvpn';
import { RouteRefreshSubtype, UpdateMessage } from '../../src/bgp/wire/types';
import { createLogger } from '../../src/log';

/** The engine's results of one refresh operation, as its events tell them; call before the operation can end. */
export function operationResults(engine: BgpEngine, operationId: number): Promise<{ peers: PeerResult[]; summary: OperationSummary }> {
  const peers: PeerResult[] = [];
  return new Promise((resolve) => {
    const onPeer = (r: PeerResult): void => void (r.operationId === operationId && peers.push(r));
    const onDone = (s: OperationSummary): void => {
      if (s.operationId !== operationId) return;
      engine.off('peer-refresh-complete', onPeer);
      engine.off('refresh-complete', onDone);
      resolve({ peers, summary: s });
    };
    engine.on('peer-refresh-complete', onPeer);
    engine.on('refresh-complete', onDone);
  });
}

const family = (enabled: boolean): FamilySettings => ({ enabled, keepAllRoutes: false });

/** A peer as the tests configure it: passive on port 179, route refresh and enhanced route refresh on, MVPN only. */
export function peerConfig(address: string, remoteAs: number, o: Partial<PeerConfig> = {}): PeerConfig {
  return {
    address,
    remoteAs,
    remotePort: 179,
    passive: true,
    holdTime: 90,
    connectRetryTime: 1,
    routeRefresh: true,
    enhancedRouteRefresh: true,
    mvpn: family(true),
    unicast: family(false),
    ...o,
  };
}

/** The same for an ipv4-unicast-only peer. */
export function unicastPeerConfig(address: string, remoteAs: number, o: Partial<PeerConfig> = {}): PeerConfig {
  return peerConfig(address, remoteAs, { mvpn: family(false), unicast: family(true), ...o });
}

/** One BGP speaker of a test, passive on 127.0.0.x, peering with the server (AS 65000) which connects from 127.0.0.1. */
export interface TestPeer {
  readonly address: string;
  readonly engine: BgpEngine;
  port: number;
}

export async function testPeer(address: string, as: number, routes: OriginatedRoute[], o: Partial<PeerConfig> = {}, unicast = false): Promise<TestPeer> {
  const engine = new BgpEngine(createLogger({}, () => undefined));
  const config: EngineConfig = {
    localAs: as,
    routerId: address.replace(/^127\.0\.0\./, '198.51.100.'),
    listen: { address, port: 0 },
    groups: [],
    peers: [(unicast ? unicastPeerConfig : peerConfig)('127.0.0.1', 65000, o)],
    policies: [],
    originated: routes,
    refresh: { quietPeriodMs: 300, timeoutMs: 10000 },
  };
  await engine.apply(config);
  return { address, engine, port: engine.listenAddress?.port ?? 0 };
}

/** Waits until `pred` holds, checking every 20 ms. */
export async function until(what: string, pred: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every refresh event of an engine from now on: one per peer, one per operation. */
export function collect(e: BgpEngine): { peers: PeerResult[]; ops: OperationSummary[] } {
  const out = { peers: [] as PeerResult[], ops: [] as OperationSummary[] };
  e.on('peer-refresh-complete', (r) => out.peers.push(r));
  e.on('refresh-complete', (s) => out.ops.push(s));
  return out;
}

/** What a bare peer received, one word per message: `borr`, `eorr`, `request`, `+rd` announced, `-rd` withdrawn. */
export interface Receiver {
  readonly peer: Peer;
  readonly seen: string[];
}

/** A bare MVPN session (src/bgp/session Peer, no engine behind it) from `address` to an engine on 127.0.0.1 (AS 65000), recording what it receives. */
export function receiver(address: string, localAs: number, port: () => number, enhancedRouteRefresh: boolean): Receiver {
  const seen: string[] = [];
  const peer = new Peer(
    '127.0.0.1',
    { localAs, bgpId: address.replace('127.0.0.', '192.0.2.'), remoteAs: 65000, holdTime: 90, connectRetryTime: 1, families: [{ afi: 1, safi: 5 }], routeRefresh: true, enhancedRouteRefresh, passive: false },
    { timers: systemTimers, connect: () => connectTcp({ address: '127.0.0.1', port: port(), localAddress: address }) },
  );
  const rd = (n: Buffer): string => {
    const r = decodeMvpnNlri(n);
    return 'rd' in r ? r.rd : '?';
  };
  peer.on('update', (u: UpdateMessage) => {
    for (const a of u.attributes) {
      if (a.type === 'mp-reach') seen.push(...a.nlri.map((n) => `+${rd(n)}`));
      if (a.type === 'mp-unreach') seen.push(...a.withdrawn.map((n) => `-${rd(n)}`));
    }
  });
  peer.on('routeRefresh', (m) => seen.push(m.subtype === RouteRefreshSubtype.BORR ? 'borr' : m.subtype === RouteRefreshSubtype.EORR ? 'eorr' : 'request'));
  peer.start();
  return { peer, seen };
}

/** The id of the update group of `engine` that `address` is a member of for `family`. */
export function updateGroupOf(engine: BgpEngine, address: string, family: { afi: number; safi: number }): number | undefined {
  return engine.updateGroups().find((g) => g.treatment.family.afi === family.afi && g.treatment.family.safi === family.safi && g.members.includes(address))?.id;
}
