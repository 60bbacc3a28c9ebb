// Configuration changes on live sessions (issue 11): only what the OPEN or
// the transport carries resets a session, with a Cease the peer can read
// (RFC 4486: Other Configuration Change); everything else applies in place.
// keep-all-routes turned on asks the peer for its routes again (RFC 2918), or
// waits for the next session where the peer cannot be asked. Two engines over
// real loopback TCP.
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig, OriginatedRoute, PeerConfig } from '../../src/bgp/engine';
import { PolicyConfig } from '../../src/bgp/rib';
import { createLogger } from '../../src/log';
import { collect, peerConfig, until } from '../helpers/engine';

const MVPN = { afi: 1, safi: 5 };
const route = (n: number, type: 1 | 5 = 5): OriginatedRoute =>
  type === 1
    ? { route: { routeType: 1, rd: `65000:${n}`, originatingRouter: '192.0.2.1' }, routeTargets: ['target:65000:1'] }
    : { route: { routeType: 5, rd: `65000:${n}`, source: '10.0.0.1', group: '232.1.1.1' }, routeTargets: ['target:65000:1'] };
const ROUTES = [route(1, 1), route(2, 1), route(3), route(4), route(5)];
const POLICIES: PolicyConfig[] = [
  { name: 'no-type-1', terms: [{ name: 't', match: { routeType: ['intra-as-i-pmsi-ad'] }, action: 'reject' }], defaultAction: 'accept' },
  { name: 'all', terms: [], defaultAction: 'accept' },
];
const family = (o: Partial<PeerConfig['mvpn']> = {}): PeerConfig['mvpn'] => ({ enabled: true, keepAllRoutes: false, ...o });


/** A (AS 65000, 127.0.0.1, originates ROUTES, connects) and B (AS 65001 on `bAddress`, passive, imports through no-type-1). */
async function pair(bAddress: string, bPeer: Partial<PeerConfig>): Promise<{ a: BgpEngine; b: BgpEngine; aConfig: EngineConfig; bConfig: EngineConfig; bLog: string[]; transitions: string[] }> {
  const bLog: string[] = [];
  const a = new BgpEngine(createLogger({}, () => undefined));
  const b = new BgpEngine(createLogger({}, (line) => bLog.push(line)));
  const common = { groups: [], policies: POLICIES, refresh: { quietPeriodMs: 300, timeoutMs: 10000 } };
  const bConfig: EngineConfig = { ...common, localAs: 65001, routerId: '192.0.2.2', listen: { address: bAddress, port: 0 }, originated: [], peers: [peerConfig('127.0.0.1', 65000, { mvpn: family({ importPolicy: 'no-type-1' }), ...bPeer })] };
  await b.apply(bConfig);
  const aConfig: EngineConfig = {
    ...common,
    localAs: 65000,
    routerId: '192.0.2.1',
    listen: { address: '127.0.0.1', port: 0 },
    originated: ROUTES,
    peers: [peerConfig(bAddress, 65001, { remotePort: b.listenAddress?.port ?? 0, passive: false, localAddress: '127.0.0.1', connectRetryTime: 1 })],
  };
  await a.apply(aConfig);
  await until('session established', () => a.peers()[0]?.state === 'established' && b.peers()[0]?.state === 'established');
  await until('routes at B', () => b.peers()[0]?.mvpn?.received === ROUTES.length);
  const transitions: string[] = [];
  a.on('peer-state', (address, from, to) => transitions.push(`A ${address} ${from}->${to}`));
  b.on('peer-state', (address, from, to) => transitions.push(`B ${address} ${from}->${to}`));
  return { a, b, aConfig, bConfig, bLog, transitions };
}

describe('BGP engine: configuration changes on live sessions', function () {
  this.timeout(30_000);

  describe('a peer with route refresh', () => {
    let p: Awaited<ReturnType<typeof pair>>;
    before(async () => {
      p = await pair('127.0.0.2', {});
    });
    after(async () => {
      await p.a.stop();
      await p.b.stop();
    });

    it('connect-retry, passive and policies change on both sides: applied, the session stays', async () => {
      const before = p.b.peers()[0].establishedAt?.getTime();
      const bPeer = p.bConfig.peers[0];
      const aPeer = p.aConfig.peers[0];
      await p.b.apply({ ...p.bConfig, peers: [{ ...bPeer, connectRetryTime: 7, passive: false, mvpn: family({ importPolicy: 'all', exportPolicy: 'no-type-1' }) }] });
      await p.a.apply({ ...p.aConfig, peers: [{ ...aPeer, passive: true, connectRetryTime: 3 }] });
      await p.a.apply(p.aConfig);
      await p.b.apply(p.bConfig);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(p.transitions, []);
      assert.equal(p.b.peers()[0].establishedAt?.getTime(), before);
    });

    it('keep-all-routes turned on: the peer is asked for its routes again (no reset) and the pre-policy copy is filled', async () => {
      const before = p.b.peers()[0].establishedAt?.getTime();
      const asked = p.a.peers()[0].refreshRequestedAt?.getTime() ?? 0;
      p.bConfig = { ...p.bConfig, peers: [{ ...p.bConfig.peers[0], mvpn: family({ importPolicy: 'no-type-1', keepAllRoutes: true }) }] };
      await p.b.apply(p.bConfig);
      await until('A gets a ROUTE-REFRESH', () => (p.a.peers()[0].refreshRequestedAt?.getTime() ?? 0) > asked);
      assert.equal(p.b.peers()[0].mvpn?.keepAllRoutesPending, false);
      await new Promise((r) => setTimeout(r, 300)); // A's answer arrives
      // a local import soft reset through accept-all finds the two type-1 routes that no-type-1 had rejected before keep-all-routes was on
      const events = collect(p.b);
      p.bConfig = { ...p.bConfig, peers: [{ ...p.bConfig.peers[0], mvpn: family({ importPolicy: 'all', keepAllRoutes: true }) }] };
      await p.b.apply(p.bConfig);
      p.b.refresh({ family: MVPN, selector: { kind: 'all' }, direction: 'import' });
      await until('refresh-complete', () => events.ops.length === 1);
      assert.deepEqual([events.peers[0].status, events.peers[0].completion, events.peers[0].routes], ['completed', 'local', ROUTES.length]);
      assert.deepEqual(p.transitions, []);
      assert.equal(p.b.peers()[0].establishedAt?.getTime(), before);
    });

    it('a change the OPEN carries (hold time) resets the session with Cease / Other Configuration Change, logged with the reason, seen by the peer', async () => {
      await p.b.apply({ ...p.bConfig, peers: [{ ...p.bConfig.peers[0], holdTime: 60 }] });
      await until('the session is back', () => p.transitions.includes('A 127.0.0.2 established->idle') && p.a.peers()[0].state === 'established' && p.b.peers()[0].state === 'established');
      const reset = p.bLog.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'BGP session reset by configuration');
      assert.ok(reset, 'B logs the reset');
      assert.equal(reset.reason, 'peer configuration changed: hold-time');
      assert.equal(reset.cease, 'cease / other configuration change');
      assert.ok(p.a.peers()[0].lastDownReason?.includes('NOTIFICATION received: cease / other configuration change'), `A saw: ${p.a.peers()[0].lastDownReason}`);
    });
  });

  describe('a peer without route refresh', () => {
    let p: Awaited<ReturnType<typeof pair>>;
    before(async () => {
      p = await pair('127.0.0.3', { routeRefresh: false, enhancedRouteRefresh: false });
    });
    after(async () => {
      await p.a.stop();
      await p.b.stop();
    });

    it('keep-all-routes turned on is pending until the next session: nothing is reset, an import refresh is skipped', async () => {
      const before = p.b.peers()[0].establishedAt?.getTime();
      await p.b.apply({ ...p.bConfig, peers: [{ ...p.bConfig.peers[0], mvpn: family({ importPolicy: 'no-type-1', keepAllRoutes: true }) }] });
      assert.equal(p.b.peers()[0].mvpn?.keepAllRoutesPending, true);
      const started = p.b.refresh({ family: MVPN, selector: { kind: 'all' }, direction: 'import' });
      assert.deepEqual(started.skipped, [{ address: '127.0.0.1', reason: 'peer does not support route-refresh' }]);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(p.transitions, []);
      assert.equal(p.b.peers()[0].establishedAt?.getTime(), before);
    });
  });
});
