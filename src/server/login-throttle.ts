// Failed-login throttle keyed by client IP: each consecutive failure doubles the
// delay before that client's next authentication answer, up to a cap. Entries
// expire after a quiet period, and the table is bounded (oldest evicted first).

export interface LoginThrottleOptions {
  /** Delay after the first failure, ms. */
  readonly baseDelayMs: number;
  /** Cap on the delay, ms. */
  readonly maxDelayMs: number;
  /** Most client addresses remembered at once. */
  readonly maxEntries: number;
  /** A client with no failure for this long is forgotten, ms. */
  readonly forgetAfterMs: number;
  /** Monotonic clock in ms; defaults to performance.now(). */
  readonly now?: () => number;
}

interface Entry {
  /** Consecutive failures. */
  failures: number;
  /** Time of the latest failure. */
  lastFailure: number;
}

/** 2 ** 40 times any base already exceeds every sensible cap; keeps the product finite. */
const MAX_DOUBLINGS = 40;

export class LoginThrottle {
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxEntries: number;
  private readonly forgetAfterMs: number;
  private readonly now: () => number;
  /** Ordered by latest failure, oldest first (an entry is re-inserted on each failure). */
  private readonly entries = new Map<string, Entry>();

  constructor(opts: LoginThrottleOptions) {
    for (const key of ['baseDelayMs', 'maxDelayMs', 'forgetAfterMs'] as const) {
      const value = opts[key];
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${key} must be a finite number >= 0`);
    }
    if (!Number.isSafeInteger(opts.maxEntries) || opts.maxEntries < 1) {
      throw new RangeError('maxEntries must be an integer >= 1');
    }
    this.baseDelayMs = opts.baseDelayMs;
    this.maxDelayMs = opts.maxDelayMs;
    this.maxEntries = opts.maxEntries;
    this.forgetAfterMs = opts.forgetAfterMs;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Milliseconds to wait before answering this client's next authentication attempt. */
  delayFor(ip: string): number {
    const entry = this.live(ip, this.now());
    if (entry === undefined) return 0;
    const doublings = Math.min(entry.failures - 1, MAX_DOUBLINGS);
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** doublings);
  }

  failure(ip: string): void {
    const now = this.now();
    this.forgetExpired(now);
    const failures = (this.live(ip, now)?.failures ?? 0) + 1;
    this.entries.delete(ip);
    this.entries.set(ip, { failures, lastFailure: now });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  success(ip: string): void {
    this.entries.delete(ip);
  }

  /** Number of clients currently remembered. */
  get size(): number {
    return this.entries.size;
  }

  private expired(entry: Entry, now: number): boolean {
    return now - entry.lastFailure >= this.forgetAfterMs;
  }

  /** The client's entry if it has not expired; an expired one is dropped. */
  private live(ip: string, now: number): Entry | undefined {
    const entry = this.entries.get(ip);
    if (entry === undefined) return undefined;
    if (!this.expired(entry, now)) return entry;
    this.entries.delete(ip);
    return undefined;
  }

  /** Drops expired entries from the old end of the table. */
  private forgetExpired(now: number): void {
    for (const [ip, entry] of this.entries) {
      if (!this.expired(entry, now)) break;
      this.entries.delete(ip);
    }
  }
}
