// Loc-RIB of one address family (RFC 4271 section 3.2): for each NLRI the
// candidate paths (one per source: the peers' accepted routes and the locally
// originated one) and the best of them.
//
// Each NLRI has a slot: a small integer indexing dense arrays (its key, its
// candidates). The per-slot value is the Path itself when there is one
// candidate (the common case: no per-route object), else an array of
// candidates with the best first. Changes are recorded as slots, and the
// Adj-RIBs-Out keep their state in arrays by slot too: exports walk arrays
// instead of hashing every NLRI once per peer.
//
// The slot of a route that left the Loc-RIB is freed when the change is
// taken (takeChanges), so a slot in a change list names the NLRI it had then;
// every Adj-RIB-Out takes each change list before the slot can be reused, and
// so knows which NLRI left and may name its routes by slot alone.

import type { AfiSafi } from '../wire/types';
import type { AttributeSet, NlriKey } from './attributes';
import { selectBest } from './decision';
import { RouteSource, type Path } from './path';

/** The NLRI whose best path changed (appeared, was replaced, or went away), each once. */
export interface RibChanges {
  readonly nlri: readonly NlriKey[];
  /** their Loc-RIB slots, in the same order (what AdjRibOut.exportDiff reads) */
  readonly slots: readonly number[];
}

type Entry = Path | Path[];

export class LocRib {
  /** source of this speaker's own routes */
  readonly localSource: RouteSource;
  private readonly index = new Map<NlriKey, number>();
  private readonly slotKeys: (NlriKey | undefined)[] = [];
  private readonly slotEntries: (Entry | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private count = 0;
  private changed: number[] = [];
  /** changed[] holds a slot once: marks[slot] === epoch when it is there */
  private marks = new Uint32Array(1024);
  private epoch = 1;

  constructor(
    readonly family: AfiSafi,
    local: { localAs: number; routerId: string },
  ) {
    this.localSource = RouteSource.local(local.localAs, local.routerId);
  }

  /** Adds the path as its source's candidate for `key`, replacing that source's previous one. */
  update(key: NlriKey, path: Path): void {
    let slot = this.index.get(key);
    if (slot === undefined) slot = this.allocate(key);
    const entry = this.slotEntries[slot];
    if (entry === undefined) {
      this.slotEntries[slot] = path;
      this.count++;
      this.change(slot);
    } else if (!Array.isArray(entry)) {
      if (entry === path) return;
      if (entry.source === path.source) {
        this.slotEntries[slot] = path;
        this.change(slot);
      } else {
        this.slotEntries[slot] = this.ranked([entry, path], entry, slot);
      }
    } else {
      const i = entry.findIndex((p) => p.source === path.source);
      if (i >= 0 && entry[i] === path) return;
      const before = entry[0];
      if (i >= 0) entry[i] = path;
      else entry.push(path);
      this.ranked(entry, before, slot);
    }
  }

  /** Removes the candidate of `source` for `key`, if any. */
  remove(key: NlriKey, source: RouteSource): void {
    const slot = this.index.get(key);
    if (slot === undefined) return;
    const entry = this.slotEntries[slot];
    if (entry === undefined) return;
    if (!Array.isArray(entry)) {
      if (entry.source !== source) return;
      this.slotEntries[slot] = undefined;
      this.count--;
      this.change(slot);
      return;
    }
    const i = entry.findIndex((p) => p.source === source);
    if (i < 0) return;
    const before = entry[0];
    entry.splice(i, 1);
    if (entry.length === 1) {
      this.slotEntries[slot] = entry[0];
      if (entry[0] !== before) this.change(slot);
    } else {
      this.ranked(entry, before, slot);
    }
  }

  /** Originates `key` from this speaker with these attributes (replacing a previous local origination). */
  originate(key: NlriKey, attributes: AttributeSet): void {
    this.update(key, this.localSource.path(attributes));
  }

  withdrawOriginated(key: NlriKey): void {
    this.remove(key, this.localSource);
  }

  best(key: NlriKey): Path | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.bestAt(slot);
  }

  candidates(key: NlriKey): readonly Path[] {
    const slot = this.index.get(key);
    const entry = slot === undefined ? undefined : this.slotEntries[slot];
    if (entry === undefined) return [];
    return Array.isArray(entry) ? [...entry] : [entry];
  }

  /** NLRI that have a best path. */
  get size(): number {
    return this.count;
  }

  *keys(): IterableIterator<NlriKey> {
    for (const [key] of this.bestPaths()) yield key;
  }

  *bestPaths(): IterableIterator<[NlriKey, Path]> {
    for (let slot = 0; slot < this.slotEntries.length; slot++) {
      const best = this.bestAt(slot);
      const key = this.slotKeys[slot];
      if (best !== undefined && key !== undefined) yield [key, best];
    }
  }

  /**
   * The changes since the last call: what the Adj-RIBs-Out must re-export
   * (give the same object to each one's exportDiff).
   */
  takeChanges(): RibChanges {
    const slots = this.changed;
    const nlri: NlriKey[] = [];
    for (const slot of slots) {
      const key = this.slotKeys[slot];
      if (key === undefined) continue; // unreachable: a changed slot keeps its key until here
      nlri.push(key);
      if (this.slotEntries[slot] === undefined) {
        // the route left: the slot is free for another NLRI
        this.index.delete(key);
        this.slotKeys[slot] = undefined;
        this.freeSlots.push(slot);
      }
    }
    this.changed = [];
    this.epoch++;
    if (this.epoch === 0x1_0000_0000) {
      this.marks.fill(0);
      this.epoch = 1;
    }
    return { nlri, slots };
  }

  /** Changes recorded and not taken yet. */
  get pendingChanges(): number {
    return this.changed.length;
  }

  // Slot access for the Adj-RIBs-Out.

  /** One past the highest slot ever used. */
  get slotCount(): number {
    return this.slotKeys.length;
  }

  keyAt(slot: number): NlriKey | undefined {
    return this.slotKeys[slot];
  }

  bestAt(slot: number): Path | undefined {
    const entry = this.slotEntries[slot];
    return Array.isArray(entry) ? entry[0] : entry;
  }

  slotOf(key: NlriKey): number | undefined {
    return this.index.get(key);
  }

  private allocate(key: NlriKey): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.slotKeys.length;
      this.slotKeys.push(key);
      this.slotEntries.push(undefined);
      if (slot >= this.marks.length) {
        const marks = new Uint32Array(this.marks.length * 2);
        marks.set(this.marks);
        this.marks = marks;
      }
    } else {
      this.slotKeys[slot] = key;
    }
    this.index.set(key, slot);
    return slot;
  }

  private change(slot: number): void {
    if (this.marks[slot] !== this.epoch) {
      this.marks[slot] = this.epoch;
      this.changed.push(slot);
    }
  }

  /** Puts the best candidate first, noting a change when it is not `before`. */
  private ranked(entry: Path[], before: Path, slot: number): Path[] {
    const best = selectBest(entry);
    const i = entry.indexOf(best);
    if (i > 0) {
      entry[i] = entry[0];
      entry[0] = best;
    }
    if (best !== before) this.change(slot);
    return entry;
  }
}
