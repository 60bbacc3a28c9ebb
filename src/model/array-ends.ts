// What an edit left unchanged at both ends of a child array it copied, so
// that comparing the two versions (a diff, a re-scan of sibling runs) need
// not walk the 10,000 identical entries around one new peer. A record names
// the array it was made from by a number, never by reference: a version that
// held on to the one before it (or after it) would keep every version alive.
import type { XmlElement } from './xml';

interface KeptEnds {
  /** the number of the array the new one was made from */
  readonly from: number;
  /** to[i] === from[i] for i < prefix */
  readonly prefix: number;
  /** the last `suffix` entries of both are the same objects */
  readonly suffix: number;
}

let lastNumber = 0;
const numbers = new WeakMap<readonly XmlElement[], number>();
/** by the new array */
const ends = new WeakMap<readonly XmlElement[], KeptEnds>();

function numberOf(a: readonly XmlElement[]): number {
  let n = numbers.get(a);
  if (n === undefined) numbers.set(a, (n = ++lastNumber));
  return n;
}

/** Records that `to` was made from `from` keeping `prefix` entries at the start and `suffix` at the end. */
export function keptEnds(from: readonly XmlElement[], to: readonly XmlElement[], prefix: number, suffix: number): void {
  ends.set(to, { from: numberOf(from), prefix, suffix });
}

/** The entries `from` and `to` are known to share at each end (none known: 0, 0); prefix + suffix never exceeds either length. */
export function sharedEnds(from: readonly XmlElement[], to: readonly XmlElement[]): { prefix: number; suffix: number } {
  const e = ends.get(to);
  if (!e || numbers.get(from) !== e.from) return { prefix: 0, suffix: 0 };
  const max = Math.min(from.length, to.length);
  const prefix = Math.max(0, Math.min(e.prefix, max));
  return { prefix, suffix: Math.max(0, Math.min(e.suffix, max - prefix)) };
}
