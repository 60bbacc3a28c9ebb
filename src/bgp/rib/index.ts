// RIBs and policy (RFC 4271 section 3.2): pure data structures the engine
// drives; no I/O, no timers.
//
// The engine's loop, per family:
//   UPDATE from a peer:  set = sets.intern(update.attributes, nextHopOf(update.attributes, family));
//                        adjIn.set(nlriKey(n), set) for each NLRI, adjIn.withdraw(nlriKey(w)) for each withdrawn;
//   then, once per batch: changes = locRib.takeChanges(); adjOut.exportDiff(changes) for every
//                        Adj-RIB-Out (every batch, in order, before the next UPDATE; or adjOut.defer(changes)
//                        and exportAll() later to catch up).
//
// Keys and attribute sets (attributes.ts)
//   NlriKey = string               an encoded NLRI as latin1 text: nlriKey(buf), nlriBytes(key)
//   new AttributeSets()            one table per engine
//     .intern(attributes, nextHop): AttributeSet   equal attributes -> the same frozen object;
//                                  NEXT_HOP / MP_REACH / MP_UNREACH left out (nextHopOf(attrs, family) gives the next hop)
//   AttributeSet { id, attributes, nextHop, key }   held weakly: unused sets are collected
//
// Sources and paths (path.ts)
//   RouteSource.peer({ address, bgpId, remoteAs, localAs })   one per session; compared by identity
//   source.internal | external | local
//   Path { source, attributes, localPref, asPathLength, origin, med, neighborAs, ... } one per (source, set)
//
// Loc-RIB, one per family (loc-rib.ts, decision.ts)
//   new LocRib(family, { localAs, routerId })
//   .originate(key, set) / .withdrawOriginated(key)      locally originated routes
//   .best(key): Path | undefined, .candidates(key), .keys(), .bestPaths(), .size
//   (fed by the Adj-RIBs-In: AdjRibIn.set/withdraw call .update(key, path) / .remove(key, source))
//   .takeChanges(): RibChanges { nlri, slots }   NLRI whose best path changed since the last call:
//                                    give the object to every AdjRibOut's exportDiff() or defer(), then drop it
//   best path: LOCAL_PREF, locally originated, AS_PATH length, ORIGIN, MED (same neighbor AS),
//   EBGP over IBGP, BGP Identifier, peer address (RFC 4271 section 9.1.2.2)
//
// Adj-RIB-In, one per peer session and family (adj-rib-in.ts); updates the Loc-RIB itself
//   new AdjRibIn({ source, locRib, keepAllRoutes, importPolicy? })
//   .set(key, set): boolean (accepted) / .withdraw(key)
//   .markStale() at BoRR, .purgeStale(): number at EoRR (RFC 7313 section 4)
//   .reapplyImportPolicy(policy): { accepted, rejected }   import soft reset with keep-all-routes
//   .previewImportPolicy(policy): { accepted, rejected }   what it would change (counts), changing nothing
//   .setImportPolicy(policy)                               before a ROUTE-REFRESH without keep-all-routes
//   .clear() when the session goes down
//   .receivedCount, .acceptedCount, .staleCount, .getAccepted(key), .getReceived(key), .isStale(key)
//
// Adj-RIB-Out, one per update group (../update-group.ts): peers of one family and outbound treatment (adj-rib-out.ts)
//   new AdjRibOut({ treatment: { internal, external, localAs }, locRib, attributeSets, localAddress, exportPolicy? })
//   .exportDiff(changes): ExportUpdate         incremental export
//   .defer(changes)                            not now: notes the NLRI that left, for the next exportAll()
//   .setExportPolicy(policy); .exportAll(full?): ExportUpdate   initial advertisement (the difference);
//                                              full: every route the peer should have (outbound soft reset)
//   .previewExport(policy, full): { advertised, withdrawn }   what exportAll would send, changing nothing
//   .resendAll(): ExportUpdate                 the peer's ROUTE-REFRESH (no state change)
//   ExportUpdate { announcements: { attributes, nlri[] }[], withdrawals: nlri[] }
//     pack each announcement with packedUpdates(family, a.attributes.attributes, a.attributes.nextHop,
//     a.nlri, opts) (NLRI keys are the encoded NLRI as latin1), withdrawals with packedWithdrawals
//   .advertisedCount, .get(key), .entries(), .clear()
//   .clone() for a member leaving its group, .sameAs(other) for groups that may merge
//   its state is an attribute set number by Loc-RIB slot (LocRib.slotOf / keyAt / bestAt), one to four
//   octets a route: no hashing on export
//
// Policy (policy.ts), the `policy` list of yang/ncbgp-bgp.yang
//   new Policy({ name, terms: [{ name, match?: { routeType?, routeDistinguisher?, routeTarget? },
//                action }], defaultAction? = 'reject' })
//   .accepts(key, set, family): boolean, .decide(key, set, family): PolicyTerm | undefined
//   no policy configured: accept all (pass undefined)

export { AttributeSets, ipv4Bytes, ipv4Number, isMvpn, nextHopOf, nlriBytes, nlriKey, type AttributeSet, type NlriKey } from './attributes';
export { AdjRibIn, type AdjRibInOptions, type ImportChanges } from './adj-rib-in';
export { AdjRibOut, type AdjRibOutOptions, type Announcement, type ExportUpdate } from './adj-rib-out';
export { selectBest } from './decision';
export { LocRib, type RibChanges } from './loc-rib';
export { DEFAULT_LOCAL_PREF, NO_ADVERTISE, NO_EXPORT, NO_EXPORT_SUBCONFED, Path, RouteSource, type PeerIdentity } from './path';
export { MVPN_ROUTE_TYPE_NAMES, Policy, type MvpnRouteTypeName, type PolicyAction, type PolicyConfig, type PolicyMatch, type PolicyTerm } from './policy';
