// Update groups (as FRR's and IOS-XR's): peers of one address family whose
// outbound treatment is the same (export policy, EBGP or IBGP and remote AS,
// NEXT_HOP self, 4-octet AS, enhanced route refresh) share one Adj-RIB-Out.
// The export policy and the advertisement rules run once per group, each
// UPDATE is encoded once and the same buffer is queued to every member.
//
// The group makes its UPDATEs as its members take them: when one member's
// queue runs short. A member that falls `slowMemberBytes` behind the others
// leaves: it becomes a group of its own, with a copy of the Adj-RIB-Out and
// the rest of the group's pending exports from where they stood, so the
// others go on without it and nothing is lost or sent twice. The engine
// merges groups of one key again once they are idle and advertise the same.
import type { AdjRibOut, ExportUpdate, RibChanges } from './rib';
import { packedUpdates, packedWithdrawals } from './wire/update';
import { AfiSafi, CodecOptions } from './wire/types';

/** NLRI packed at a time: bounds the UPDATEs made ahead of the sockets. */
const PACK_BATCH = 4096;
/** A member whose queue is shorter than this asks its group for more. */
const LOW_WATER = 256 * 1024;
/** A member this far behind leaves its group (bounds what a slow member keeps queued). */
export const SLOW_MEMBER_BYTES = 16 * 1024 * 1024;

/** How a group treats its members' pace. */
export interface GroupPace {
  /** a member with this many bytes queued leaves (default SLOW_MEMBER_BYTES) */
  readonly slowMemberBytes: number;
  /** it is given a group of its own by this */
  readonly onSlowMember: (group: UpdateGroup, member: GroupMember) => void;
}

/** One batch of UPDATEs back to back in one buffer (one write per member), made when first asked for, and the NLRI it carries. */
type Part = () => { readonly message: Buffer; readonly nlri: number };

/**
 * The messages of an export: optional markers before and after, the
 * withdrawals, then the announcements, packed PACK_BATCH NLRI at a time. A
 * copy (clone()) goes on from the same point.
 */
export class MessageCursor {
  private constructor(
    private readonly parts: readonly Part[],
    private part: number,
  ) {}

  static of(family: AfiSafi, update: ExportUpdate, codec: CodecOptions, markers: { before?: Buffer; after?: Buffer } = {}): MessageCursor {
    const parts: Part[] = [];
    const { before, after } = markers;
    if (before) parts.push(() => ({ message: before, nlri: 0 }));
    const { withdrawals } = update;
    for (let i = 0; i < withdrawals.length; i += PACK_BATCH) {
      parts.push(() => {
        const batch = withdrawals.slice(i, i + PACK_BATCH);
        return { message: packedWithdrawals(family, batch), nlri: batch.length };
      });
    }
    for (const { attributes, nlri } of update.announcements) {
      for (let i = 0; i < nlri.length; i += PACK_BATCH) {
        parts.push(() => {
          const batch = nlri.slice(i, i + PACK_BATCH);
          return { message: packedUpdates(family, attributes.attributes, attributes.nextHop, batch, codec), nlri: batch.length };
        });
      }
    }
    if (after) parts.push(() => ({ message: after, nlri: 0 }));
    return new MessageCursor(parts, 0);
  }

  /** The next batch (or marker) and the NLRI it carries; undefined at the end. */
  next(): { message: Buffer; nlri: number } | undefined {
    return this.part < this.parts.length ? this.parts[this.part++]() : undefined;
  }

  clone(): MessageCursor {
    return new MessageCursor(this.parts, this.part);
  }
}

/** Messages for the members of a group, and what to tell of each member once its socket has taken them all. */
export interface GroupJob {
  readonly cursor: MessageCursor;
  /** a member has written the job's last message to a socket that is not backed up */
  readonly done?: (address: string) => void;
  /** a batch of this many NLRI was queued to the member */
  readonly sent?: (address: string, nlri: number) => void;
}

/** What waits for one peer's socket: UPDATE buffers (shared with the other members) and marks to run once what is before them is written. */
export class OutQueue {
  private items: (Buffer | (() => void))[] = [];
  private head = 0;
  /** the socket took a write and said it is backed up: nothing more until it drains */
  private blocked = false;
  /** bytes of the buffers queued */
  bytes = 0;

  push(item: Buffer | (() => void)): void {
    this.items.push(item);
    if (typeof item !== 'function') this.bytes += item.length;
  }

  get empty(): boolean {
    return this.head >= this.items.length;
  }

  /** Writes until `send` says the socket is backed up (it took that one); a mark runs when it is reached and the socket is not. True when all is written. */
  flush(send: (message: Buffer) => boolean): boolean {
    if (this.blocked) return false;
    while (this.head < this.items.length) {
      const item = this.items[this.head++];
      if (typeof item === 'function') {
        item();
        continue;
      }
      this.bytes -= item.length;
      if (!send(item)) {
        this.blocked = true;
        this.compact();
        return false;
      }
    }
    this.items = [];
    this.head = 0;
    return true;
  }

  /** The socket drained: flush() writes again. */
  drained(): void {
    this.blocked = false;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.blocked = false;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** A peer session as its update group sees it. */
export interface GroupMember {
  readonly address: string;
  readonly queue: OutQueue;
  /** writes the member's queue to its socket */
  flush(): void;
}

/** What the members of an update group share: what changes the bytes sent to them. */
export interface GroupTreatment {
  readonly family: AfiSafi;
  readonly exportPolicy?: string;
  readonly external: boolean;
  /** EBGP: the peers' AS */
  readonly remoteAs?: number;
  /** NEXT_HOP self */
  readonly localAddress: string;
  readonly fourOctetAs: boolean;
  /** an outbound soft reset goes inside BoRR ... EoRR (RFC 7313 section 4) */
  readonly enhancedRouteRefresh: boolean;
}

export const treatmentKey = (t: GroupTreatment): string =>
  [`${t.family.afi}/${t.family.safi}`, t.exportPolicy ?? '', t.external ? `ebgp ${t.remoteAs}` : 'ibgp', t.localAddress, t.fourOctetAs, t.enhancedRouteRefresh].join('|');

let nextGroupId = 1;

export class UpdateGroup {
  readonly id = nextGroupId++;
  readonly key: string;
  readonly codec: CodecOptions;
  readonly members = new Set<GroupMember>();
  private readonly jobs: GroupJob[] = [];
  /** Loc-RIB changes were left out while jobs were pending: one full diff once they are done */
  private behind = false;

  constructor(
    readonly treatment: GroupTreatment,
    readonly out: AdjRibOut,
    private readonly pace: GroupPace,
  ) {
    this.key = treatmentKey(treatment);
    this.codec = { fourOctetAs: treatment.fourOctetAs };
  }

  /** Nothing waits to be made. */
  get idle(): boolean {
    return this.jobs.length === 0 && !this.behind;
  }

  enqueue(job: GroupJob): void {
    this.jobs.push(job);
    this.pump();
  }

  /** Loc-RIB changes (LocRib.takeChanges()): sent at once when nothing waits, else caught up with one full diff later (bounded memory). */
  changed(changes: RibChanges): void {
    if (this.jobs.length === 0 && !this.behind) {
      this.enqueue({ cursor: MessageCursor.of(this.treatment.family, this.out.exportDiff(changes), this.codec) });
      return;
    }
    this.out.defer(changes);
    this.behind = true;
  }

  /** Makes messages while a member's queue is short, queueing each to every member, and writes them. */
  pump(): void {
    while (this.someMemberShort()) {
      if (this.jobs.length === 0) {
        if (!this.behind) break;
        this.behind = false;
        this.jobs.push({ cursor: MessageCursor.of(this.treatment.family, this.out.exportAll(), this.codec) });
      }
      const job = this.jobs[0];
      const next = job.cursor.next();
      if (next === undefined) {
        this.jobs.shift();
        const done = job.done;
        if (done) for (const m of this.members) m.queue.push(() => done(m.address));
        continue;
      }
      for (const m of this.members) {
        m.queue.push(next.message);
        if (next.nlri > 0) job.sent?.(m.address, next.nlri);
        m.flush();
      }
      // (a member alone in its group holds nobody back)
      for (const m of this.members) if (this.members.size > 1 && m.queue.bytes > this.pace.slowMemberBytes) this.pace.onSlowMember(this, m);
    }
    for (const m of this.members) m.flush();
  }

  /**
   * Takes `members` out into a new group: a copy of the Adj-RIB-Out (with
   * `treatment`'s export policy when it changes) and the pending jobs from
   * where they stand. Their queues keep what was already made for them.
   */
  split(members: readonly GroupMember[], treatment = this.treatment): UpdateGroup {
    const group = new UpdateGroup(treatment, this.out.clone(), this.pace);
    group.behind = this.behind;
    for (const job of this.jobs) group.jobs.push({ ...job, cursor: job.cursor.clone() });
    for (const m of members) {
      this.members.delete(m);
      group.members.add(m);
    }
    return group;
  }

  /** Takes the members of `other` (idle, of the same treatment, advertising the same). */
  absorb(other: UpdateGroup): void {
    for (const m of other.members) this.members.add(m);
    other.members.clear();
  }

  private someMemberShort(): boolean {
    for (const m of this.members) if (m.queue.bytes < LOW_WATER) return true;
    return false;
  }
}
