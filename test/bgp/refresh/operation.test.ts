import assert from 'node:assert/strict';
import { NO_BORR, OperationSummary, OperationTiming, PeerResult, PeerSelector, RefreshCandidate, RefreshOperation, RefreshSelectionError, selectPeers, Timers } from '../../../src/bgp/refresh/operation';

const MVPN = { afi: 1, safi: 5 };

const peer = (address: string, o: Partial<RefreshCandidate> = {}): RefreshCandidate => ({
  address,
  external: true,
  established: true,
  state: 'established',
  familyNegotiated: true,
  routeRefresh: true,
  enhancedRouteRefresh: true,
  keepAllRoutes: false,
  ...o,
});

const PEERS: RefreshCandidate[] = [
  peer('10.0.0.1', { group: 'core', external: false, keepAllRoutes: true }),
  peer('10.0.0.2', { group: 'core', external: false, enhancedRouteRefresh: false }),
  peer('10.0.0.3', { group: 'edge', routeRefresh: false, enhancedRouteRefresh: false }),
  peer('10.0.0.4', { group: 'edge', established: false, state: 'active' }),
  peer('10.0.0.5', { familyNegotiated: false }),
  peer('10.0.0.6'),
];
const GROUPS = new Set(['core', 'edge', 'empty']);

/** A clock the test moves by hand. */
function fakeTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; cb: () => void }>();
  return {
    setTimeout: (cb, ms) => {
      const id = next++;
      pending.set(id, { at: now + ms, cb });
      return id;
    },
    clearTimeout: (h) => void pending.delete(h as number),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].cb();
      }
      now = until;
    },
  };
}

describe('refresh operation: selection', () => {
  const cases: [string, PeerSelector, 'import' | 'export', string[], [string, string][]][] = [
    ['all import', { kind: 'all' }, 'import', ['10.0.0.1:local', '10.0.0.2:quiet-period', '10.0.0.6:enhanced'], [['10.0.0.3', 'peer does not support route-refresh'], ['10.0.0.4', 'session is not established (active)'], ['10.0.0.5', 'peer did not negotiate ipv4-mvpn']]],
    ['all export', { kind: 'all' }, 'export', ['10.0.0.1:export', '10.0.0.2:export', '10.0.0.3:export', '10.0.0.6:export'], [['10.0.0.4', 'session is not established (active)'], ['10.0.0.5', 'peer did not negotiate ipv4-mvpn']]],
    ['one address', { kind: 'address', address: '10.0.0.6' }, 'import', ['10.0.0.6:enhanced'], []],
    ['group core', { kind: 'group', group: 'core' }, 'import', ['10.0.0.1:local', '10.0.0.2:quiet-period'], []],
    ['an empty group', { kind: 'group', group: 'empty' }, 'import', [], []],
    ['internal', { kind: 'internal' }, 'export', ['10.0.0.1:export', '10.0.0.2:export'], []],
    ['external', { kind: 'external' }, 'import', ['10.0.0.6:enhanced'], [['10.0.0.3', 'peer does not support route-refresh'], ['10.0.0.4', 'session is not established (active)'], ['10.0.0.5', 'peer did not negotiate ipv4-mvpn']]],
  ];
  for (const [name, selector, direction, selected, skipped] of cases) {
    it(name, () => {
      const r = selectPeers(PEERS, GROUPS, selector, MVPN, direction);
      assert.deepEqual(r.selected.map((s) => `${s.address}:${s.method}`), selected);
      assert.deepEqual(r.skipped.map((s) => [s.address, s.reason]), skipped);
    });
  }

  it('an address that is no configured peer is an error, not an empty selection', () => {
    assert.throws(() => selectPeers(PEERS, GROUPS, { kind: 'address', address: '192.0.2.9' }, MVPN, 'import'), (e: unknown) => e instanceof RefreshSelectionError && e.kind === 'unknown-peer');
  });
  it('a group that does not exist is an error', () => {
    assert.throws(() => selectPeers(PEERS, GROUPS, { kind: 'group', group: 'nope' }, MVPN, 'import'), (e: unknown) => e instanceof RefreshSelectionError && e.kind === 'unknown-group');
  });
});

describe('refresh operation: completion', () => {
  function run(selectorPeers: string[], timing: (address: string) => OperationTiming = () => ({ quietPeriodMs: 1000, borrWaitMs: 1000, timeoutMs: 10000 })) {
    const timers = fakeTimers();
    const results: PeerResult[] = [];
    const done: OperationSummary[] = [];
    const { selected, skipped } = selectPeers(PEERS.filter((p) => selectorPeers.includes(p.address)), GROUPS, { kind: 'all' }, MVPN, 'import');
    const op = new RefreshOperation(7, MVPN, 'import', { kind: 'all' }, false, selected, skipped, timing, timers, (r) => results.push(r), (s) => done.push(s));
    op.start();
    return { op, timers, results, done };
  }

  it('the quiet period restarts with each UPDATE and decides completion', () => {
    const { op, timers, results, done } = run(['10.0.0.2']);
    timers.advance(900);
    op.updateReceived('10.0.0.2', 5);
    timers.advance(900);
    assert.equal(results.length, 0);
    op.updateReceived('10.0.0.2', 3);
    timers.advance(1000);
    assert.equal(results.length, 1);
    assert.equal(results[0].status, 'completed');
    assert.equal(results[0].completion, 'quiet-period');
    assert.equal(results[0].routes, 8);
    assert.equal(done.length, 1);
    assert.equal(done[0].completed, 1);
  });

  it('EoRR completes an enhanced refresh; a silent peer fails at the timeout', () => {
    const { op, timers, results, done } = run(['10.0.0.6', '10.0.0.1']);
    op.complete('10.0.0.1', 'local', { advertised: 0, withdrawn: 0, accepted: 3, rejected: 1 }, 40);
    op.updateReceived('10.0.0.6', 2);
    op.complete('10.0.0.6', 'eorr');
    assert.deepEqual(results.map((r) => [r.peerAddress, r.status, r.completion, r.routes]), [['10.0.0.1', 'completed', 'local', 40], ['10.0.0.6', 'completed', 'eorr', 2]]);
    assert.equal(done.length, 1);
    timers.advance(20000);
    assert.equal(results.length, 2, 'nothing more after completion');
  });

  it('a peer that never finishes fails with the reason; a peer that goes down fails too', () => {
    const { op, timers, results, done } = run(['10.0.0.6', '10.0.0.2']);
    op.borrReceived('10.0.0.6');
    op.fail('10.0.0.2', 'session went down: hold timer expired');
    timers.advance(10000);
    assert.deepEqual(results.map((r) => [r.peerAddress, r.status, r.reason]), [['10.0.0.2', 'failed', 'session went down: hold timer expired'], ['10.0.0.6', 'failed', 'not done within 10000 ms']]);
    assert.equal(done[0].failed, 2);
  });

  it('enhanced route refresh and no BoRR within borr-wait: completed by quiet period, the reason says the peer sent no BoRR (RFC 7313 section 4)', () => {
    const { timers, results, done } = run(['10.0.0.6']);
    timers.advance(999);
    assert.equal(results.length, 0);
    timers.advance(1);
    assert.deepEqual(results.map((r) => [r.status, r.completion, r.reason]), [['completed', 'quiet-period', NO_BORR]]);
    assert.equal(done[0].completed, 1);
  });

  it('the BoRR may take borr-wait, longer than the quiet period (BIRD answers at its next idle poll); UPDATEs after it are timed by the quiet period', () => {
    const { op, timers, results } = run(['10.0.0.6'], () => ({ quietPeriodMs: 300, borrWaitMs: 3000, timeoutMs: 10000 }));
    timers.advance(2999);
    assert.equal(results.length, 0, 'no completion while the BoRR may still come');
    op.updateReceived('10.0.0.6', 1);
    timers.advance(299);
    assert.equal(results.length, 0);
    timers.advance(1);
    assert.deepEqual(results.map((r) => [r.status, r.completion, r.reason, r.routes]), [['completed', 'quiet-period', NO_BORR, 1]]);
  });

  it('enhanced route refresh, UPDATEs but no BoRR: waits until the UPDATEs go quiet', () => {
    const { op, timers, results } = run(['10.0.0.6']);
    for (let i = 0; i < 5; i++) {
      timers.advance(900);
      op.updateReceived('10.0.0.6', 1);
    }
    assert.equal(results.length, 0);
    timers.advance(1000);
    assert.deepEqual(results.map((r) => [r.status, r.completion, r.reason, r.routes]), [['completed', 'quiet-period', NO_BORR, 5]]);
  });

  it('enhanced route refresh after BoRR: no quiet period, EoRR completes', () => {
    const { op, timers, results } = run(['10.0.0.6']);
    timers.advance(500);
    op.borrReceived('10.0.0.6');
    op.updateReceived('10.0.0.6', 4);
    timers.advance(5000);
    assert.equal(results.length, 0, 'quiet after BoRR decides nothing');
    op.complete('10.0.0.6', 'eorr');
    assert.deepEqual(results.map((r) => [r.status, r.completion, r.reason, r.routes]), [['completed', 'eorr', undefined, 4]]);
  });

  it("each peer's own timing: quiet period and timeout", () => {
    const timing = (address: string): OperationTiming => (address === '10.0.0.2' ? { quietPeriodMs: 300, borrWaitMs: 300, timeoutMs: 60000 } : { quietPeriodMs: 5000, borrWaitMs: 5000, timeoutMs: 2000 });
    const { timers, results } = run(['10.0.0.2', '10.0.0.6'], timing);
    timers.advance(2000);
    assert.deepEqual(results.map((r) => [r.peerAddress, r.status, r.completion ?? r.reason]), [['10.0.0.2', 'completed', 'quiet-period'], ['10.0.0.6', 'failed', 'not done within 2000 ms']]);
  });

  it('keeps its own record: the selected count, and the peers ended so far in the order reported, skipped first', () => {
    const timers = fakeTimers();
    const reported: PeerResult[] = [];
    const { selected, skipped } = selectPeers(PEERS.filter((p) => ['10.0.0.2', '10.0.0.4', '10.0.0.6'].includes(p.address)), GROUPS, { kind: 'all' }, MVPN, 'import');
    const op = new RefreshOperation(7, MVPN, 'import', { kind: 'all' }, false, selected, skipped, () => ({ quietPeriodMs: 1000, timeoutMs: 10000 }), timers, (r) => reported.push(r), () => undefined);
    assert.equal(op.selected, 2);
    assert.deepEqual(op.ended(), [], 'nothing is reported before start');
    op.start();
    op.complete('10.0.0.6', 'eorr');
    assert.deepEqual(op.ended().map((r) => [r.peerAddress, r.status]), [['10.0.0.4', 'skipped'], ['10.0.0.6', 'completed']]);
    assert.deepEqual(op.ended(), reported);
    assert.deepEqual(op.pending().map((p) => p.address), ['10.0.0.2']);
  });

  it('a selected peer that ends before start: reported once, the skipped still first, and the operation ends only once started', () => {
    const timers = fakeTimers();
    const reported: PeerResult[] = [];
    const done: OperationSummary[] = [];
    const { selected, skipped } = selectPeers(PEERS.filter((p) => ['10.0.0.4', '10.0.0.6'].includes(p.address)), GROUPS, { kind: 'all' }, MVPN, 'import');
    const op = new RefreshOperation(7, MVPN, 'import', { kind: 'all' }, false, selected, skipped, () => ({ quietPeriodMs: 1000, timeoutMs: 10000 }), timers, (r) => reported.push(r), (s) => done.push(s));
    op.fail('10.0.0.6', 'session went down');
    assert.equal(done.length, 0);
    op.start();
    assert.deepEqual(reported.map((r) => r.peerAddress), ['10.0.0.6', '10.0.0.4']);
    assert.deepEqual(done[0].peers.map((r) => [r.peerAddress, r.status]), [['10.0.0.4', 'skipped'], ['10.0.0.6', 'failed']]);
  });

  it('skipped peers are reported at start, and nothing selected ends the operation at once', () => {
    const { results, done } = run(['10.0.0.3', '10.0.0.4']);
    assert.deepEqual(results.map((r) => r.status), ['skipped', 'skipped']);
    assert.equal(done.length, 1);
    assert.deepEqual([done[0].selected, done[0].skipped, done[0].completed], [0, 2, 0]);
  });
});
