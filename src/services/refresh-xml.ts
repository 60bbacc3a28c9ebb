// ncbgp-refresh in its XML encoding (RFC 7950 section 7.14, 7.16): RPC input
// to the engine's RefreshRequest, and the reply, notifications and
// refresh-operations state from the engine's results. Pure.
import { RefreshRequest, RefreshStarted, RunningOperation } from '../bgp/engine';
import { IPV4_MVPN } from '../bgp/wire/types';
import { Direction, OperationSummary, PeerResult, PeerSelector, RouteCounts } from '../bgp/refresh/operation';
import { AfiSafi } from '../bgp/wire/types';
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { child, elem, XmlElement } from '../model/xml';
import { AFI_SAFI_VALUES, afiSafiLeaf, familyOfLeaf } from './afi-safi';
import { dateAndTime, REFRESH_NS } from './yang-values';

const REFRESH_PREFIX = 'ncbgp-refresh';

/** error-path of a node of the RPC's input: the input's children sit right under the rpc node (RFC 7950 section 7.14.2). */
export function inputPath(rpc: string, leaf?: string): { path: string; pathNamespaces: Record<string, string> } {
  const steps = [rpc, ...(leaf === undefined ? [] : [leaf])].map((s) => `/${REFRESH_PREFIX}:${s}`);
  return { path: steps.join(''), pathNamespaces: { [REFRESH_PREFIX]: REFRESH_NS } };
}

/**
 * refresh-bgp-mvpn or refresh-bgp input (already valid against the YANG
 * input) as an engine request; throws NetconfRpcError for what the engine
 * cannot run, and for changes-only with import: the `must` on changes-only,
 * which the input validation does not evaluate, answered as RFC 7950
 * section 15.4 says.
 */
export function decodeRefreshInput(op: XmlElement): RefreshRequest {
  const directionEl = child(op, 'direction', REFRESH_NS);
  const direction = directionEl?.text.trim();
  if (direction !== 'import' && direction !== 'export') {
    throw new NetconfRpcError({ type: ErrorType.protocol, tag: directionEl ? ErrorTag.invalidValue : ErrorTag.missingElement, ...inputPath(op.name, 'direction'), info: { badElement: 'direction' }, message: 'direction is import or export' });
  }
  const family = op.name === 'refresh-bgp' ? familyOf(op) : IPV4_MVPN;
  const selector = selectorOf(op);
  const changesOnly = child(op, 'changes-only', REFRESH_NS) !== undefined;
  const dryRun = child(op, 'dry-run', REFRESH_NS) !== undefined;
  if (changesOnly && direction !== 'export') {
    throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.operationFailed, appTag: 'must-violation', ...inputPath(op.name, 'changes-only'), message: CHANGES_ONLY_MUST_MESSAGE });
  }
  return { family, selector, direction, ...(changesOnly ? { changesOnly } : {}), ...(dryRun ? { dryRun } : {}) };
}

/** The error-message of the `must` on changes-only in ncbgp-refresh. */
export const CHANGES_ONLY_MUST_MESSAGE = 'changes-only applies to export only';

/** The `peers` choice of peer-selector. */
function selectorOf(op: XmlElement): PeerSelector {
  for (const c of op.children) {
    if (c.ns !== REFRESH_NS) continue;
    if (c.name === 'all' || c.name === 'external' || c.name === 'internal') return { kind: c.name };
    if (c.name === 'peer-address') return { kind: 'address', address: c.text.trim() };
    if (c.name === 'group') return { kind: 'group', group: c.text };
  }
  // RFC 7950 section 15.6
  throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingElement, appTag: 'missing-choice', ...inputPath(op.name), info: { missingChoice: 'peers' }, message: 'no peers given: all, peer-address, group, external or internal' });
}

/** refresh-bgp's afi-safi identityref (RFC 7950 section 9.10.3): a prefix declared in scope, or none for the leaf's own module. */
function familyOf(op: XmlElement): AfiSafi {
  const el = child(op, 'afi-safi', REFRESH_NS);
  const family = el && familyOfLeaf(el);
  if (!family) {
    const value = el?.text.trim() ?? '';
    throw new NetconfRpcError({ type: ErrorType.protocol, tag: el ? ErrorTag.invalidValue : ErrorTag.missingElement, ...inputPath(op.name, 'afi-safi'), info: { badElement: 'afi-safi' }, message: `address family "${value}" is not one this server refreshes (${AFI_SAFI_VALUES.join(', ')})` });
  }
  return family;
}

const leaf = (name: string, value: string | number): XmlElement => elem(REFRESH_NS, name, value);

/** The identityref of a family with its prefix declared on the leaf; nothing for a family no identity names. */
const afiSafi = (family: AfiSafi): XmlElement[] => afiSafiLeaf(REFRESH_NS, family);

/** The route-counts grouping, the direction's two: export advertised and withdrawn, import accepted and rejected. */
function routeCounts(c: RouteCounts | undefined, direction: Direction): XmlElement[] {
  if (c === undefined) return [];
  return direction === 'export' ? [leaf('advertised', c.advertised), leaf('withdrawn', c.withdrawn)] : [leaf('accepted', c.accepted), leaf('rejected', c.rejected)];
}

/** A `type empty` leaf when `on`. */
const flag = (name: string, on: boolean): XmlElement[] => (on ? [elem(REFRESH_NS, name)] : []);

/** refresh-output: operation-id, then the selected peers (in a dry run with what each refresh would do) and the skipped peers. */
export function refreshReply(started: RefreshStarted, direction: Direction): XmlElement[] {
  return [
    leaf('operation-id', started.operationId),
    ...started.selected.map((p) => elem(REFRESH_NS, 'selected-peer', [leaf('peer-address', p.address), ...routeCounts(p.counts, direction)])),
    ...started.skipped.map((p) => elem(REFRESH_NS, 'skipped-peer', [leaf('peer-address', p.address), leaf('reason', p.reason)])),
  ];
}

/**
 * The peer-result grouping: reason for skipped and failed peers (and a
 * quiet-period completion with no BoRR), completion and the route counts
 * for completed ones.
 */
function peerResult(r: PeerResult, dryRun = r.dryRun === true): XmlElement[] {
  const out = [leaf('peer-address', r.peerAddress), ...afiSafi(r.family), leaf('direction', r.direction), ...flag('dry-run', dryRun), leaf('status', r.status)];
  if (r.reason !== undefined) out.push(leaf('reason', r.reason));
  if (r.completion !== undefined) out.push(leaf('completion', r.completion));
  out.push(leaf('routes', r.routes), ...(r.status === 'completed' ? routeCounts(r.counts, r.direction) : []));
  out.push(leaf('start-time', dateAndTime(r.startTime)), leaf('end-time', dateAndTime(r.endTime)));
  return out;
}

/** A selected peer of a running operation that has not ended: status running, the routes so far, no end-time. */
function runningPeer(op: RunningOperation, p: RunningOperation['pending'][number], dryRun: boolean): XmlElement[] {
  return [leaf('peer-address', p.address), ...afiSafi(op.family), leaf('direction', op.direction), ...flag('dry-run', dryRun), leaf('status', 'running'), leaf('routes', p.routes), leaf('start-time', dateAndTime(op.startTime))];
}

export function peerRefreshComplete(r: PeerResult): XmlElement {
  return elem(REFRESH_NS, 'peer-refresh-complete', [leaf('operation-id', r.operationId), ...peerResult(r)]);
}

/** An operation, ended or running. */
type OperationRecord = RunningOperation | OperationSummary;

/** A dry run: as the engine says, else when a peer's result says so (no result of a real run does). */

/**
 * The counts grouping. The engine's `selected` is the peers it started;
 * YANG's is every peer the selector matched, the skipped ones too, so
 * selected = completed + skipped + failed once the operation has ended.
 */
function counts(op: OperationRecord): XmlElement[] {
  const n = (s: PeerResult['status']): number => op.peers.filter((p) => p.status === s).length;
  const skipped = n('skipped');
  return [leaf('selected', op.selected + skipped), leaf('completed', n('completed')), leaf('skipped', skipped), leaf('failed', n('failed'))];
}

export function refreshComplete(s: OperationSummary): XmlElement {
  return elem(REFRESH_NS, 'refresh-complete', [leaf('operation-id', s.operationId), ...flag('dry-run', s.dryRun), ...counts(s)]);
}

/** The selector container: the case of the `peers` choice that was given. */
function selector(s: PeerSelector): XmlElement {
  switch (s.kind) {
    case 'address':
      return elem(REFRESH_NS, 'selector', [leaf('peer-address', s.address)]);
    case 'group':
      return elem(REFRESH_NS, 'selector', [leaf('group', s.group)]);
    default:
      return elem(REFRESH_NS, 'selector', [elem(REFRESH_NS, s.kind)]);
  }
}

/**
 * The refresh-operations container (config false): ended and running
 * operations, oldest first; end-time only once ended; a running
 * operation's peers that have not ended with status running.
 */
export function refreshOperations(ops: readonly OperationRecord[]): XmlElement {
  const sorted = [...ops].sort((a, b) => a.operationId - b.operationId);
  return elem(
    REFRESH_NS,
    'refresh-operations',
    sorted.map((op) => {
      const dryRun = op.dryRun;
      return elem(REFRESH_NS, 'operation', [
        leaf('operation-id', op.operationId),
        ...afiSafi(op.family),
        selector(op.selector),
        leaf('direction', op.direction),
        ...flag('dry-run', dryRun),
        leaf('start-time', dateAndTime(op.startTime)),
        ...('endTime' in op ? [leaf('end-time', dateAndTime(op.endTime))] : []),
        elem(REFRESH_NS, 'counts', counts(op)),
        ...op.peers.map((p) => elem(REFRESH_NS, 'peer', peerResult(p, dryRun))),
        ...('pending' in op ? op.pending.map((p) => elem(REFRESH_NS, 'peer', runningPeer(op, p, dryRun))) : []),
      ]);
    }),
  );
}
