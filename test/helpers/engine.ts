// What BGP engine tests share.
import { BgpEngine } from '../../src/bgp/engine';
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
