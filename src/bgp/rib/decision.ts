// Best path selection among the candidate paths of one NLRI: the degree of
// preference (RFC 4271 section 9.1.1), then the tie breaking of section
// 9.1.2.2, applied as the RFC words it: each step removes routes from
// consideration (the MED step compares only routes from the same neighbor
// AS, so the order is not a plain sort).

import type { Path } from './path';

function keepBest(paths: Path[], value: (p: Path) => number, highest: boolean): Path[] {
  let best = value(paths[0]);
  for (let i = 1; i < paths.length; i++) {
    const v = value(paths[i]);
    if (highest ? v > best : v < best) best = v;
  }
  return paths.filter((p) => value(p) === best);
}

export function selectBest(candidates: readonly Path[]): Path {
  if (candidates.length === 0) throw new RangeError('no candidate paths');
  if (candidates.length === 1) return candidates[0];
  // RFC 4271 section 9.1.1: highest degree of preference (LOCAL_PREF)
  let c = keepBest([...candidates], (p) => p.localPref, true);
  // locally originated routes before learned ones
  if (c.some((p) => p.source.local)) c = c.filter((p) => p.source.local);
  // 9.1.2.2 a) shortest AS_PATH
  c = keepBest(c, (p) => p.asPathLength, false);
  // b) lowest ORIGIN
  c = keepBest(c, (p) => p.origin, false);
  // c) lowest MED among routes from the same neighbor AS
  c = c.filter((p) => !c.some((q) => q.neighborAs === p.neighborAs && q.med < p.med));
  // d) routes learned by EBGP over those learned by IBGP
  if (c.some((p) => p.source.external)) c = c.filter((p) => p.source.external);
  // e) interior cost to the NEXT_HOP: no IGP here, all equal
  // f) lowest BGP Identifier (ORIGINATOR_ID when present, RFC 4456 section 9)
  c = keepBest(c, (p) => p.bgpIdNumber, false);
  // g) lowest peer address
  c = keepBest(c, (p) => p.source.addressNumber, false);
  return c[0];
}
