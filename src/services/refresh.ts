// The refresh RPCs of ncbgp-refresh over the engine, and its notifications.
import type { BgpEngine, RefreshStarted } from '../bgp/engine';
import { RefreshSelectionError } from '../bgp/refresh/operation';
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import type { NetconfServer } from '../netconf/server';
import type { XmlElement } from '../model/xml';
import { decodeRefreshInput, inputPath, peerRefreshComplete, refreshComplete, refreshOperations, refreshReply } from './refresh-xml';
import { REFRESH_NS } from './yang-values';

/** refresh-bgp-mvpn and refresh-bgp; peer-refresh-complete and refresh-complete on the NETCONF stream. */
export function registerRefreshOperations(netconf: NetconfServer, engine: BgpEngine): void {
  for (const name of ['refresh-bgp-mvpn', 'refresh-bgp']) netconf.registerOperation(REFRESH_NS, name, (op) => startRefresh(engine, op));
  engine.on('peer-refresh-complete', (r) => netconf.publish(peerRefreshComplete(r)));
  engine.on('refresh-complete', (s) => netconf.publish(refreshComplete(s)));
  netconf.registerStateProvider({ ns: REFRESH_NS, name: 'refresh-operations', build: () => refreshOperations([...engine.recent, ...engine.running()]), onChange: [] });
  // RFC 8641 on-change: an operation starts, a peer's result comes in, the operation completes
  const changed = (): void => netconf.stateChanged(REFRESH_NS, 'refresh-operations');
  engine.on('refresh-started', changed);
  engine.on('peer-refresh-complete', changed);
  engine.on('refresh-complete', changed);
}

/** Starts the operation and answers its reply; a peer or group the engine does not know is data-missing on that input leaf (RFC 7950 section 15.5), never an empty success. */
function startRefresh(engine: BgpEngine, op: XmlElement): XmlElement[] {
  const request = decodeRefreshInput(op);
  let started: RefreshStarted;
  try {
    started = engine.refresh(request);
  } catch (e) {
    if (!(e instanceof RefreshSelectionError)) throw e;
    const leaf = e.kind === 'unknown-peer' ? 'peer-address' : 'group';
    throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.dataMissing, appTag: 'instance-required', ...inputPath(op.name, leaf), message: e.message });
  }
  return refreshReply(started, request.direction);
}
