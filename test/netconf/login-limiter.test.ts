import assert from 'node:assert/strict';
import { LockScope, LoginLimiter, LoginLimiterOptions, LoginLimits } from '../../src/netconf/login-limiter';

const LIMITS: LoginLimits = { failuresPerSource: 3, failuresPerUser: 100, windowMs: 60_000, lockoutMs: 30_000 };
const KNOWN = new Set(['admin', 'bob']);

function setup(limits: Partial<LoginLimits> = {}, opts: Partial<LoginLimiterOptions> = {}): { limiter: LoginLimiter; advance: (ms: number) => void } {
  let t = 1_000_000;
  const limiter = new LoginLimiter({ limits: { ...LIMITS, ...limits }, isKnownUser: (n) => KNOWN.has(n), now: () => t, ...opts });
  return { limiter, advance: (ms) => (t += ms) };
}

/** One step of a case: let time pass, then a failure, a success or the question "refused?". */
type Step =
  | { after?: number; fail: [user: string, source: string]; locks?: LockScope[] }
  | { after?: number; succeed: [user: string, source: string] }
  | { after?: number; ask: [user: string, source: string, method?: 'password' | 'publickey']; refused?: LockScope; first?: boolean };

interface Case {
  name: string;
  limits?: Partial<LoginLimits>;
  trustMs?: number;
  steps: Step[];
}

const fails = (n: number, user: string, source: (i: number) => string): Step[] => Array.from({ length: n }, (_, i) => ({ fail: [user, source(i)] }));
const S = (i: number): string => `192.0.2.${i}`;

const CASES: Case[] = [
  {
    name: 'a source is locked out at failuresPerSource, for lockoutMs, for passwords and keys alike',
    steps: [
      ...fails(2, 'admin', () => S(1)),
      { ask: ['admin', S(1)] },
      { fail: ['admin', S(1)], locks: ['source'] },
      { ask: ['admin', S(1)], refused: 'source', first: true },
      { ask: ['bob', S(1), 'publickey'], refused: 'source', first: false },
      { after: 29_999, ask: ['admin', S(1)], refused: 'source', first: false },
      { after: 1, ask: ['admin', S(1)] },
    ],
  },
  {
    name: 'another source is not slowed',
    steps: [...fails(3, 'admin', () => S(1)), { ask: ['admin', S(2)] }, { ask: ['admin', '2001:db8::1'] }],
  },
  {
    name: 'after a lockout, counting starts afresh',
    steps: [...fails(3, 'admin', () => S(1)), { after: 30_000, fail: ['admin', S(1)], locks: [] }, { fail: ['admin', S(1)], locks: [] }, { fail: ['admin', S(1)], locks: ['source'] }],
  },
  {
    name: 'failures older than the window no longer count',
    steps: [...fails(2, 'admin', () => S(1)), { after: 60_000, fail: ['admin', S(1)], locks: [] }, { fail: ['admin', S(1)], locks: [] }, { fail: ['admin', S(1)], locks: ['source'] }],
  },
  {
    name: 'a success clears no failures',
    steps: [...fails(2, 'admin', () => S(1)), { succeed: ['bob', S(1)] }, { fail: ['admin', S(1)], locks: ['source'] }],
  },
  {
    name: 'a user name is locked across sources, against passwords only',
    limits: { failuresPerSource: 100, failuresPerUser: 3 },
    steps: [
      ...fails(2, 'admin', (i) => S(i)),
      { fail: ['admin', S(3)], locks: ['user'] },
      { ask: ['admin', S(4)], refused: 'user', first: true },
      { ask: ['admin', S(5)], refused: 'user', first: false },
      { ask: ['admin', S(4), 'publickey'] },
      { ask: ['bob', S(4)] },
      { after: 30_000, ask: ['admin', S(4)] },
    ],
  },
  {
    name: 'a source that logged in as that user is trusted during a user lock; trust in another user does not count',
    limits: { failuresPerSource: 100, failuresPerUser: 3 },
    steps: [
      { succeed: ['admin', S(9)] },
      { succeed: ['bob', S(8)] },
      ...fails(3, 'admin', (i) => S(i)),
      { ask: ['admin', S(9)] },
      { ask: ['admin', S(8)], refused: 'user', first: true },
    ],
  },
  {
    name: 'trust ends trustMs after the login',
    limits: { failuresPerSource: 100, failuresPerUser: 3 },
    trustMs: 1000,
    steps: [{ succeed: ['admin', S(9)] }, { after: 1000, fail: ['admin', S(1)] }, ...fails(2, 'admin', (i) => S(i + 2)), { ask: ['admin', S(9)], refused: 'user', first: true }],
  },
  {
    name: 'a failure from a trusted source does not extend a user lock',
    limits: { failuresPerSource: 100, failuresPerUser: 3 },
    steps: [
      { succeed: ['admin', S(9)] },
      ...fails(3, 'admin', (i) => S(i)),
      { after: 20_000, fail: ['admin', S(9)], locks: [] },
      { after: 10_000, ask: ['admin', S(4)] },
    ],
  },
  {
    name: 'unknown user names are locked the same way',
    limits: { failuresPerSource: 100, failuresPerUser: 3 },
    steps: [...fails(2, 'nobody', (i) => S(i)), { fail: ['nobody', S(3)], locks: ['user'] }, { ask: ['nobody', S(4)], refused: 'user', first: true }],
  },
  {
    name: 'both limits can start at once',
    limits: { failuresPerSource: 2, failuresPerUser: 2 },
    steps: [{ fail: ['admin', S(1)], locks: [] }, { fail: ['admin', S(1)], locks: ['source', 'user'] }, { ask: ['admin', S(1)], refused: 'source', first: true }],
  },
  {
    name: 'long user names sharing a prefix are counted apart',
    limits: { failuresPerSource: 100, failuresPerUser: 2 },
    steps: [{ fail: [`${'x'.repeat(100)}a`, S(1)], locks: [] }, { fail: [`${'x'.repeat(100)}b`, S(2)], locks: [] }, { fail: [`${'x'.repeat(100)}a`, S(3)], locks: ['user'] }],
  },
];

describe('netconf/login-limiter', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { limiter, advance } = setup(c.limits, c.trustMs === undefined ? {} : { trustMs: c.trustMs });
      c.steps.forEach((step, i) => {
        advance(step.after ?? 0);
        const where = `step ${i}: ${JSON.stringify(step)}`;
        if ('fail' in step) {
          const locks = limiter.failure(...step.fail);
          if (step.locks) assert.deepEqual(locks, step.locks, where);
        } else if ('succeed' in step) {
          limiter.success(...step.succeed);
        } else {
          const [user, source, method] = step.ask;
          const r = limiter.refusal(user, source, method ?? 'password');
          assert.deepEqual(r, step.refused === undefined ? undefined : { scope: step.refused, first: step.first ?? true }, where);
        }
      });
    });
  }

  it('bounds the tables under a flood of sources and invented names', () => {
    const { limiter, advance } = setup({}, { maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) {
      limiter.failure(`user-${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      limiter.success(`user-${i}`, `10.0.0.${i & 255}`);
      advance(1);
    }
    assert.deepEqual(limiter.sizes, { sources: 100, users: 100, trusted: 100 });
  });

  it('a flood of invented names does not evict a configured user\'s count', () => {
    const { limiter } = setup({ failuresPerSource: 100, failuresPerUser: 3 }, { maxEntries: 10 });
    limiter.failure('admin', S(1));
    limiter.failure('admin', S(2));
    for (let i = 0; i < 1000; i++) limiter.failure(`invented-${i}`, S(3));
    assert.deepEqual(limiter.failure('admin', S(4)), ['user']);
  });

  it('drops expired entries before evicting live ones', () => {
    const { limiter, advance } = setup({ failuresPerSource: 3 }, { maxEntries: 3 });
    limiter.failure('admin', S(1)); // window until 60 s
    advance(30_000);
    limiter.failure('admin', S(2)); // window until 90 s
    advance(1);
    limiter.failure('admin', S(3));
    limiter.failure('admin', S(1)); // written last, its window still ends at 60 s
    advance(40_000);
    limiter.failure('admin', S(4)); // one too many: S(1), expired, goes, not S(2), the oldest written
    assert.deepEqual(limiter.failure('admin', S(2)), []);
    assert.deepEqual(limiter.failure('admin', S(2)), ['source']);
  });

  it('uses a monotonic clock by default', () => {
    const limiter = new LoginLimiter({ limits: { ...LIMITS, failuresPerSource: 1 }, isKnownUser: () => true });
    assert.deepEqual(limiter.failure('admin', S(1)), ['source']);
    assert.deepEqual(limiter.refusal('admin', S(1), 'password'), { scope: 'source', first: true });
  });
});
