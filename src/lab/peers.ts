// The simulated peers of `ncbgp lab`: for every peer the server is
// configured with on a loopback address, the configuration of an in-process
// BGP engine that plays that peer, mirroring what the server expects of it
// (AS, capabilities, families, who connects). Pure.
import { EngineConfig, PeerConfig } from '../bgp/engine';
import { PolicyConfig } from '../bgp/rib/policy';
import { labRoutes } from './routes';

export interface SimulatedPeer {
  readonly address: string;
  /** the server's configuration of this peer */
  readonly server: PeerConfig;
  /** the engine configuration that plays it */
  readonly config: EngineConfig;
  /** MVPN routes it originates */
  readonly routes: number;
}

export interface UnsimulatedPeer {
  readonly address: string;
  readonly reason: string;
}

/**
 * A simulated peer keeps nothing it receives (it only stands in for a PE):
 * its memory stays bounded however many routes the server advertises.
 */
const DISCARD: PolicyConfig = { name: 'discard', terms: [], defaultAction: 'reject' };
/** Lab peers retry a lost connection soon. */
const CONNECT_RETRY_S = 1;

const isLoopback = (address: string): boolean => /^127\.\d+\.\d+\.\d+$/.test(address);
const isWildcard = (address: string): boolean => address === '0.0.0.0' || address === '::' || address.includes(':');

/**
 * Engine configurations for the server's loopback peers. `listen` is where
 * the server's BGP listener is bound (its real port, not 0). A peer the
 * server waits for (passive) connects to the listener from its own address;
 * a peer the server connects to listens on its address at remote-port.
 * The routes of a peer in `previous` with the same AS are taken over.
 */
export function simulatedPeers(
  server: EngineConfig,
  listen: { address: string; port: number } | undefined,
  routesPerPeer: number,
  previous: ReadonlyMap<string, SimulatedPeer> = new Map(),
): { peers: SimulatedPeer[]; unsimulated: UnsimulatedPeer[] } {
  const peers: SimulatedPeer[] = [];
  const unsimulated: UnsimulatedPeer[] = [];
  // where the server's connections come from, and where it can be reached
  const serverAddress = listen && !isWildcard(listen.address) ? listen.address : '127.0.0.1';
  for (const pc of server.peers) {
    if (!isLoopback(pc.address)) {
      unsimulated.push({ address: pc.address, reason: 'not a loopback address' });
      continue;
    }
    if (pc.address === serverAddress || pc.address === pc.localAddress) {
      unsimulated.push({ address: pc.address, reason: 'the server itself uses this address' });
      continue;
    }
    if (pc.passive && !listen) {
      unsimulated.push({ address: pc.address, reason: 'the server waits for this peer but does not listen' });
      continue;
    }
    const routes = pc.mvpn.enabled ? routesPerPeer : 0;
    const before = previous.get(pc.address);
    const neighbor: PeerConfig = {
      address: pc.passive ? serverAddress : (pc.localAddress ?? serverAddress),
      remoteAs: server.localAs,
      remotePort: listen?.port ?? 179,
      localAddress: pc.passive ? pc.address : undefined,
      passive: !pc.passive,
      description: 'the ncbgp lab server',
      holdTime: pc.holdTime,
      connectRetryTime: CONNECT_RETRY_S,
      routeRefresh: pc.routeRefresh,
      enhancedRouteRefresh: pc.enhancedRouteRefresh,
      mvpn: { enabled: pc.mvpn.enabled, keepAllRoutes: false, importPolicy: DISCARD.name },
      unicast: { enabled: pc.unicast.enabled, keepAllRoutes: false, importPolicy: DISCARD.name },
    };
    peers.push({
      address: pc.address,
      server: pc,
      routes,
      config: {
        localAs: pc.remoteAs,
        routerId: pc.address,
        listen: pc.passive ? undefined : { address: pc.address, port: pc.remotePort },
        groups: [],
        peers: [neighbor],
        policies: [DISCARD],
        originated: before && before.routes === routes && before.config.localAs === pc.remoteAs ? before.config.originated : labRoutes(pc.address, pc.remoteAs, routes),
        refresh: server.refresh,
      },
    });
  }
  return { peers, unsimulated };
}
