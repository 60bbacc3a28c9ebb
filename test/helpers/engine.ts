// What BGP engine tests share.
import { BgpEngine, FamilySettings, PeerConfig } from '../../src/bgp/engine';
import { OperationSummary, PeerResult } from '../../src/bgp/refresh/operation';

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
