// Limits on guessing credentials (RFC 4252 section 4: the server "SHOULD limit
// the number of failed authentication attempts"). A limit, not a delay:
// - a failure counts the moment the credential is checked, before the answer
//   is sent, so a client that hangs up early gains nothing;
// - per source address: `failuresPerSource` failures within `windowMs` lock
//   the source out for `lockoutMs`: its password and signed-key attempts are
//   then refused without checking the credential (no CPU spent on a $6$ hash);
// - per user name, across all sources: `failuresPerUser` failures within
//   `windowMs` lock the name against password attempts for `lockoutMs`, except
//   from a source that logged in as that user within `trustMs` (a distributed
//   guesser stops; the operator's usual source still gets in; anyone else uses
//   a key or waits);
// - unknown user names count like known ones (nothing tells them apart);
// - refused attempts count nowhere and extend nothing;
// - a success clears nothing (a holder of any account could otherwise launder
//   its guesses); it only makes the (user, source) pair trusted.
// Every table is bounded: expired entries go first, then the oldest. The
// configured users' counters sit apart, so a flood of invented names cannot
// evict them.
import { createHash } from 'node:crypto';

export interface LoginLimits {
  readonly failuresPerSource: number;
  readonly failuresPerUser: number;
  /** failures older than this no longer count, ms */
  readonly windowMs: number;
  /** how long attempts are refused once a limit is reached, ms */
  readonly lockoutMs: number;
}

export interface LoginLimiterOptions {
  readonly limits: LoginLimits;
  /** true for a configured user name */
  readonly isKnownUser: (name: string) => boolean;
  /** most entries per table (sources, unknown user names, trusted pairs); default 10,000 */
  readonly maxEntries?: number;
  /** how long a successful login trusts its (user, source) pair, ms; default one day */
  readonly trustMs?: number;
  /** monotonic clock in ms; default performance.now() */
  readonly now?: () => number;
}

export type LockScope = 'source' | 'user';

/** Why an attempt is refused unchecked. */
export interface Refusal {
  readonly scope: LockScope;
  /** the first refusal of this lockout (the one worth a log line) */
  readonly first: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Longer user names are kept as a digest: a table entry stays small. */
const MAX_NAME_KEY = 64;

interface Counter {
  failures: number;
  /** end of the current counting window */
  windowEnd: number;
  lockedUntil: number;
  refusalReported: boolean;
}

/** A map whose entries expire, bounded: expired entries are dropped first, then the oldest written. */
class ExpiringTable<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (now < e.expires) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, expires: number, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires });
    if (this.entries.size <= this.maxEntries) return;
    for (const [k, e] of this.entries) if (now >= e.expires) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(k);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

export class LoginLimiter {
  private readonly limits: LoginLimits;
  private readonly isKnownUser: (name: string) => boolean;
  private readonly trustMs: number;
  private readonly now: () => number;
  private readonly sources: ExpiringTable<Counter>;
  /** configured names: as many as the config has, never evicted */
  private readonly knownUsers = new ExpiringTable<Counter>(Infinity);
  private readonly unknownUsers: ExpiringTable<Counter>;
  private readonly trusted: ExpiringTable<true>;

  constructor(opts: LoginLimiterOptions) {
    const maxEntries = opts.maxEntries ?? 10_000;
    this.limits = opts.limits;
    this.isKnownUser = opts.isKnownUser;
    this.trustMs = opts.trustMs ?? DAY_MS;
    this.now = opts.now ?? (() => performance.now());
    this.sources = new ExpiringTable(maxEntries);
    this.unknownUsers = new ExpiringTable(maxEntries);
    this.trusted = new ExpiringTable(maxEntries);
  }

  /** Set when this attempt must be refused without checking the credential. */
  refusal(user: string, source: string, method: 'password' | 'publickey'): Refusal | undefined {
    const now = this.now();
    const bySource = this.sources.get(source, now);
    if (bySource && now < bySource.lockedUntil) return refuse(bySource, 'source');
    if (method !== 'password') return undefined;
    const byUser = this.userTable(user).get(userKey(user), now);
    if (byUser && now < byUser.lockedUntil && !this.trusted.get(pairKey(user, source), now)) return refuse(byUser, 'user');
    return undefined;
  }

  /** Counts a failed check; returns the lockouts it starts. */
  failure(user: string, source: string): LockScope[] {
    const now = this.now();
    const started: LockScope[] = [];
    if (this.count(this.sources, source, this.limits.failuresPerSource, now)) started.push('source');
    if (this.count(this.userTable(user), userKey(user), this.limits.failuresPerUser, now)) started.push('user');
    return started;
  }

  success(user: string, source: string): void {
    const now = this.now();
    this.trusted.set(pairKey(user, source), true, now + this.trustMs, now);
  }

  /** Entries held, for tests: sources, user names (known and unknown), trusted pairs. */
  get sizes(): { sources: number; users: number; trusted: number } {
    return { sources: this.sources.size, users: this.knownUsers.size + this.unknownUsers.size, trusted: this.trusted.size };
  }

  private userTable(user: string): ExpiringTable<Counter> {
    return this.isKnownUser(user) ? this.knownUsers : this.unknownUsers;
  }

  /** true when this failure starts a lockout */
  private count(table: ExpiringTable<Counter>, key: string, limit: number, now: number): boolean {
    const c = table.get(key, now) ?? { failures: 0, windowEnd: 0, lockedUntil: 0, refusalReported: false };
    // locked already (a user name, failing from a trusted source): the lock is not extended
    if (now < c.lockedUntil) return false;
    if (now >= c.windowEnd) {
      c.failures = 0;
      c.windowEnd = now + this.limits.windowMs;
    }
    c.failures++;
    const locks = c.failures >= limit;
    if (locks) {
      // counting starts afresh once the lockout is over
      c.lockedUntil = now + this.limits.lockoutMs;
      c.failures = 0;
      c.windowEnd = c.lockedUntil;
      c.refusalReported = false;
    }
    table.set(key, c, Math.max(c.lockedUntil, c.windowEnd), now);
    return locks;
  }
}

function refuse(c: Counter, scope: LockScope): Refusal {
  const first = !c.refusalReported;
  c.refusalReported = true;
  return { scope, first };
}

function userKey(user: string): string {
  return user.length <= MAX_NAME_KEY ? user : `sha256:${createHash('sha256').update(user).digest('hex')}`;
}

/** A source address has no space in it: the pair is unambiguous. */
function pairKey(user: string, source: string): string {
  return `${source} ${userKey(user)}`;
}
