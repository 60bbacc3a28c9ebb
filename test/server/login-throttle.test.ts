import assert from 'node:assert/strict';
import { LoginThrottle, type LoginThrottleOptions } from '../../src/server/login-throttle';

function setup(overrides: Partial<LoginThrottleOptions> = {}): { throttle: LoginThrottle; advance: (ms: number) => void } {
  let t = 1_000_000;
  const throttle = new LoginThrottle({
    baseDelayMs: 250,
    maxDelayMs: 8000,
    maxEntries: 4,
    forgetAfterMs: 60_000,
    now: () => t,
    ...overrides,
  });
  return { throttle, advance: (ms) => { t += ms; } };
}

describe('server/login-throttle', () => {
  it('does not delay a client with no failures', () => {
    const { throttle } = setup();
    assert.equal(throttle.delayFor('192.0.2.1'), 0);
  });

  it('doubles the delay with each consecutive failure, up to the cap', () => {
    const { throttle } = setup();
    const seen: number[] = [];
    for (let i = 0; i < 9; i++) {
      throttle.failure('192.0.2.1');
      seen.push(throttle.delayFor('192.0.2.1'));
    }
    assert.deepEqual(seen, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  });

  it('stays finite and capped after very many failures', () => {
    const { throttle } = setup({ baseDelayMs: 1, maxDelayMs: 30_000 });
    for (let i = 0; i < 5000; i++) throttle.failure('192.0.2.1');
    assert.equal(throttle.delayFor('192.0.2.1'), 30_000);
  });

  it('with a zero base never delays', () => {
    const { throttle } = setup({ baseDelayMs: 0 });
    for (let i = 0; i < 100; i++) throttle.failure('192.0.2.1');
    assert.equal(throttle.delayFor('192.0.2.1'), 0);
  });

  it('keeps clients apart', () => {
    const { throttle } = setup();
    throttle.failure('192.0.2.1');
    throttle.failure('192.0.2.1');
    throttle.failure('2001:db8::1');
    assert.equal(throttle.delayFor('192.0.2.1'), 500);
    assert.equal(throttle.delayFor('2001:db8::1'), 250);
    assert.equal(throttle.delayFor('192.0.2.2'), 0);
  });

  it('a success resets that client only', () => {
    const { throttle } = setup();
    for (let i = 0; i < 3; i++) throttle.failure('192.0.2.1');
    throttle.failure('192.0.2.2');
    throttle.success('192.0.2.1');
    assert.equal(throttle.delayFor('192.0.2.1'), 0);
    assert.equal(throttle.delayFor('192.0.2.2'), 250);
    throttle.failure('192.0.2.1');
    assert.equal(throttle.delayFor('192.0.2.1'), 250, 'the count starts over after a success');
  });

  it('forgets a client forgetAfterMs after its latest failure', () => {
    const { throttle, advance } = setup();
    throttle.failure('192.0.2.1');
    throttle.failure('192.0.2.1');
    advance(59_999);
    assert.equal(throttle.delayFor('192.0.2.1'), 500);
    advance(1);
    assert.equal(throttle.delayFor('192.0.2.1'), 0);
    assert.equal(throttle.size, 0);
    throttle.failure('192.0.2.1');
    assert.equal(throttle.delayFor('192.0.2.1'), 250, 'the count starts over once forgotten');
  });

  it('measures the quiet period from the latest failure, not the first', () => {
    const { throttle, advance } = setup();
    throttle.failure('192.0.2.1');
    advance(50_000);
    throttle.failure('192.0.2.1');
    advance(50_000);
    assert.equal(throttle.delayFor('192.0.2.1'), 500);
  });

  it('bounds the table to maxEntries, evicting the client whose latest failure is oldest', () => {
    const { throttle, advance } = setup();
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) {
      throttle.failure(ip);
      advance(10);
    }
    throttle.failure('10.0.0.1'); // 10.0.0.1 is now the most recent
    advance(10);
    throttle.failure('10.0.0.5');
    assert.equal(throttle.size, 4);
    assert.equal(throttle.delayFor('10.0.0.2'), 0, 'oldest evicted');
    assert.equal(throttle.delayFor('10.0.0.1'), 500);
    for (const ip of ['10.0.0.3', '10.0.0.4', '10.0.0.5']) assert.equal(throttle.delayFor(ip), 250, ip);
  });

  it('stays bounded under a flood of distinct addresses', () => {
    const { throttle, advance } = setup({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) {
      throttle.failure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      advance(1);
    }
    assert.equal(throttle.size, 100);
    assert.equal(throttle.delayFor('10.0.39.15'), 250, 'the latest address is remembered');
    assert.equal(throttle.delayFor('10.0.0.0'), 0, 'the first address is gone');
  });

  it('drops expired entries when new failures arrive', () => {
    const { throttle, advance } = setup({ maxEntries: 1000 });
    for (let i = 0; i < 50; i++) throttle.failure(`10.0.0.${i}`);
    advance(60_000);
    throttle.failure('10.0.1.1');
    assert.equal(throttle.size, 1);
  });

  it('refuses nonsensical options', () => {
    const good: LoginThrottleOptions = { baseDelayMs: 1, maxDelayMs: 1, maxEntries: 1, forgetAfterMs: 1 };
    const bad: readonly Partial<LoginThrottleOptions>[] = [
      { baseDelayMs: -1 }, { maxDelayMs: Number.NaN }, { forgetAfterMs: Infinity },
      { maxEntries: 0 }, { maxEntries: 1.5 },
    ];
    assert.doesNotThrow(() => new LoginThrottle(good));
    for (const b of bad) assert.throws(() => new LoginThrottle({ ...good, ...b }), RangeError, JSON.stringify(b));
  });

  it('uses a monotonic clock by default', () => {
    const throttle = new LoginThrottle({ baseDelayMs: 100, maxDelayMs: 1000, maxEntries: 10, forgetAfterMs: 60_000 });
    throttle.failure('192.0.2.1');
    assert.equal(throttle.delayFor('192.0.2.1'), 100);
  });
});
