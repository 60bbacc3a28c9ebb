// An import soft reset to a peer that negotiated Enhanced Route Refresh
// (RFC 7313) and does not answer the ROUTE-REFRESH with BoRR ... EoRR: the
// engine over real loopback TCP with a bare session (src/bgp/session Peer,
// no engine behind it), which answers nothing unless the test makes it.
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig } from '../../../src/bgp/engine';
import { NO_BORR, OperationTiming, PeerResult } from '../../../src/bgp/refresh/operation';
import { Peer } from '../../../src/bgp/session/peer';
import { connectTcp, systemTimers } from '../../../src/bgp/session/transport';
import { encodeMessage } from '../../../src/bgp/wire/codec';
import { encodeMvpnNlri } from '../../../src/bgp/wire/mvpn';
import { RouteRefreshMessage, RouteRefreshSubtype, UpdateMessage } from '../../../src/bgp/wire/types';
import { createLogger } from '../../../src/log';
import { operationResults, peerConfig } from '../../helpers/engine';

const log = createLogger({}, () => undefined);
const MVPN = { afi: 1, safi: 5 };
const CODEC = { fourOctetAs: true };
/** the peer's own timing; the engine's is far longer, so that only the peer's can explain a quick completion */
const TIMING: OperationTiming = { quietPeriodMs: 300, borrWaitMs: 300, timeoutMs: 60_000 };

async function until(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const update = (rd: string): Buffer => {
  const u: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attributes: [
      { type: 'mp-reach', afi: 1, safi: 5, nextHop: Buffer.from([192, 0, 2, 9]), nlri: [encodeMvpnNlri({ routeType: 1, rd, originatingRouter: '192.0.2.9' })] },
      { type: 'origin', value: 0 },
      { type: 'as-path', segments: [{ type: 2, asns: [65009] }] },
    ],
    nlri: [],
  };
  return encodeMessage(u, CODEC);
};
const marker = (subtype: number): Buffer => encodeMessage({ type: 'route-refresh', afi: 1, safi: 5, subtype } satisfies RouteRefreshMessage, CODEC);

describe('BGP engine: import soft reset to an enhanced route refresh peer that sends no BoRR', function () {
  const engine = new BgpEngine(log);
  let config: EngineConfig;
  let peer: Peer;
  /** ROUTE-REFRESH requests the bare peer received */
  const requests: RouteRefreshMessage[] = [];
  let downs = 0;

  before(async () => {
    config = {
      localAs: 65000,
      routerId: '192.0.2.1',
      listen: { address: '127.0.0.1', port: 0 },
      groups: [],
      peers: [peerConfig('127.0.0.9', 65009, { refresh: TIMING })],
      policies: [],
      originated: [],
      refresh: { quietPeriodMs: 30_000, timeoutMs: 120_000 },
    };
    await engine.apply(config);
    engine.on('peer-state', (_a, from) => void (from === 'established' && downs++));
    peer = new Peer(
      '127.0.0.1',
      { localAs: 65009, bgpId: '192.0.2.9', remoteAs: 65000, holdTime: 90, connectRetryTime: 1, families: [MVPN], routeRefresh: true, enhancedRouteRefresh: true, passive: false },
      { timers: systemTimers, connect: () => connectTcp({ address: '127.0.0.1', port: engine.listenAddress?.port, localAddress: '127.0.0.9' }) },
    );
    peer.on('routeRefresh', (m) => requests.push(m));
    peer.start();
    await until('session', () => engine.peers()[0]?.state === 'established');
    assert.equal(engine.peers()[0].negotiated?.enhancedRouteRefresh, true);
    peer.send(update('65009:1'));
    await until('the peer route', () => engine.peers()[0].mvpn?.accepted === 1);
  });
  after(async () => {
    peer.stop();
    await engine.stop();
  });

  async function importRefresh(during?: () => void): Promise<{ result: PeerResult; elapsed: number }> {
    const t0 = Date.now();
    const started = engine.refresh({ family: MVPN, selector: { kind: 'address', address: '127.0.0.9' }, direction: 'import' });
    assert.deepEqual(started.selected, [{ address: '127.0.0.9' }]);
    const results = operationResults(engine, started.operationId);
    during?.();
    const { peers } = await results;
    return { result: peers[0], elapsed: Date.now() - t0 };
  }

  it('no BoRR and no UPDATE: completed by quiet period in about the configured borr-wait, the reason says the peer sent no BoRR, routes kept', async () => {
    const before = requests.length;
    const { result, elapsed } = await importRefresh();
    assert.deepEqual([result.status, result.completion, result.reason], ['completed', 'quiet-period', NO_BORR]);
    assert.ok(elapsed >= TIMING.quietPeriodMs - 50 && elapsed < 10_000, `completed after ${elapsed} ms (quiet period ${TIMING.quietPeriodMs} ms, timeout ${TIMING.timeoutMs} ms)`);
    assert.deepEqual(
      requests.slice(before).map((m) => m.subtype),
      [RouteRefreshSubtype.REQUEST],
      'one ROUTE-REFRESH went on the wire',
    );
    assert.equal(engine.peers()[0].mvpn?.accepted, 1, 'nothing marked stale, nothing purged');
  });

  it('UPDATEs without BoRR: waits until they go quiet, then completes by quiet period', async () => {
    const { result, elapsed } = await importRefresh(() => {
      // an UPDATE every 150 ms for 900 ms: each restarts the 300 ms quiet period
      let n = 0;
      const timer = setInterval(() => {
        peer.send(update(`65009:${10 + n}`));
        if (++n === 6) clearInterval(timer);
      }, 150);
    });
    assert.deepEqual([result.status, result.completion, result.reason, result.routes], ['completed', 'quiet-period', NO_BORR, 6]);
    assert.ok(elapsed >= 900 && elapsed < 10_000, `completed after ${elapsed} ms, after the last UPDATE`);
  });

  it('with BoRR the EoRR rule applies: a quiet pause after BoRR does not complete it, EoRR does', async () => {
    const { result, elapsed } = await importRefresh(() => {
      peer.once('routeRefresh', () => {
        peer.send(marker(RouteRefreshSubtype.BORR));
        peer.send(update('65009:1'));
        // EoRR after three quiet periods
        setTimeout(() => peer.send(marker(RouteRefreshSubtype.EORR)), 3 * TIMING.quietPeriodMs);
      });
    });
    assert.deepEqual([result.status, result.completion, result.reason], ['completed', 'eorr', undefined]);
    assert.ok(elapsed >= 3 * TIMING.quietPeriodMs, `completed after ${elapsed} ms, at EoRR`);
    // RFC 7313 section 4: what was not re-sent between BoRR and EoRR is purged
    assert.equal(engine.peers()[0].mvpn?.accepted, 1);
  });

  it('a refresh timing change applies to the next refresh without a session reset', async () => {
    const downsBefore = downs;
    await engine.apply((config = { ...config, peers: [peerConfig('127.0.0.9', 65009, { refresh: { quietPeriodMs: 100, borrWaitMs: 100, timeoutMs: 60_000 } })] }));
    assert.equal(engine.peers()[0].state, 'established');
    const { result, elapsed } = await importRefresh();
    assert.deepEqual([result.completion, result.reason], ['quiet-period', NO_BORR]);
    assert.ok(elapsed < 10_000, `completed after ${elapsed} ms`);
    assert.equal(downs, downsBefore, 'the session stayed up');
    assert.equal(peer.state, 'established');
  });
});
