// Two engines over real loopback TCP in the MVPN family: routes of all seven
// types, and soft reset in both directions with each completion method.
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig, PeerConfig } from '../../src/bgp/engine';
import { OriginatedRoute } from '../../src/bgp/engine';
import { Peer } from '../../src/bgp/session/peer';
import { connectTcp, systemTimers } from '../../src/bgp/session/transport';
import { encodeMessage } from '../../src/bgp/wire/codec';
import { encodeMvpnNlri } from '../../src/bgp/wire/mvpn';
import { UpdateMessage } from '../../src/bgp/wire/types';
import { createLogger } from '../../src/log';
import { collect, peerConfig, until } from '../helpers/engine';

const log = createLogger({}, () => undefined);
const MVPN = { afi: 1, safi: 5 };

const ROUTES: OriginatedRoute[] = [
  { route: { routeType: 1, rd: '65000:1', originatingRouter: '192.0.2.1' }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 2, rd: '65000:1', sourceAs: 65000 }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 3, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1', originatingRouter: '192.0.2.1' }, routeTargets: ['target:65000:2'] },
  { route: { routeType: 4, routeKey: { routeType: 3, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1', originatingRouter: '192.0.2.9' }, originatingRouter: '192.0.2.1' }, routeTargets: [] },
  { route: { routeType: 5, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1' }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 6, rd: '65000:1', sourceAs: 65000, source: '10.0.0.9', group: '239.1.1.1' }, routeTargets: ['target:65000:1'] },
  { route: { routeType: 7, rd: '65000:2', sourceAs: 65000, source: '10.0.0.1', group: '232.1.1.1' }, routeTargets: ['target:65000:1'] },
];

const family = (o: Partial<PeerConfig['mvpn']> = {}): PeerConfig['mvpn'] => ({ enabled: true, keepAllRoutes: false, ...o });
const base = (localAs: number, routerId: string, address: string): EngineConfig => ({
  localAs,
  routerId,
  listen: { address, port: 0 },
  groups: ['core'],
  peers: [],
  policies: [],
  originated: [],
  refresh: { quietPeriodMs: 300, timeoutMs: 10000 },
});


describe('BGP engine: two ncbgp engines in MVPN', function () {
  const a = new BgpEngine(log);
  const b = new BgpEngine(log);
  let aConfig: EngineConfig;
  let bConfig: EngineConfig;
  const accepted = (e: BgpEngine, address: string): number => e.peers().find((p) => p.address === address)?.mvpn?.accepted ?? -1;

  before(async () => {
    // B listens on 127.0.0.2 and waits (passive); A connects to it from 127.0.0.1
    bConfig = { ...base(65001, '192.0.2.2', '127.0.0.2'), peers: [peerConfig('127.0.0.1', 65000, { group: 'core', mvpn: family({ keepAllRoutes: true }) })] };
    await b.apply(bConfig);
    const bPort = b.listenAddress?.port ?? 0;
    aConfig = {
      ...base(65000, '192.0.2.1', '127.0.0.1'),
      peers: [peerConfig('127.0.0.2', 65001, { remotePort: bPort, passive: false, localAddress: '127.0.0.1' })],
      originated: ROUTES,
      policies: [{ name: 'no-type-1', terms: [{ name: 't1', match: { routeType: ['intra-as-i-pmsi-ad'] }, action: 'reject' }], defaultAction: 'accept' }],
    };
    await a.apply(aConfig);
    await until('session established', () => a.peers()[0]?.state === 'established' && b.peers()[0]?.state === 'established');
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  it('exchanges MVPN routes of all seven types and negotiates route refresh and enhanced route refresh', async () => {
    await until('seven routes at B', () => accepted(b, '127.0.0.1') === 7);
    const neg = b.peers()[0].negotiated;
    assert.ok(neg?.routeRefresh && neg.enhancedRouteRefresh);
    assert.deepEqual(neg?.families, [MVPN]);
    assert.equal(a.peers()[0].mvpn?.advertised, 7);
  });

  it('export soft reset after an export policy change withdraws what the policy now rejects, completing when drained', async () => {
    const events = collect(a);
    await a.apply({ ...aConfig, peers: [{ ...aConfig.peers[0], mvpn: family({ exportPolicy: 'no-type-1' }) }] });
    assert.equal(a.peers()[0].state, 'established', 'a policy change keeps the session');
    const started = a.refresh({ family: MVPN, selector: { kind: 'all' }, direction: 'export' });
    assert.deepEqual(started.selected, [{ address: '127.0.0.2' }]);
    await until('refresh-complete', () => events.ops.length === 1);
    assert.equal(events.peers[0].status, 'completed');
    assert.equal(events.peers[0].completion, 'drained');
    await until('six routes at B', () => accepted(b, '127.0.0.1') === 6);
    assert.equal(a.peers()[0].mvpn?.advertised, 6);
  });

  it('import soft reset with keep-all-routes runs locally: nothing on the wire, the stored routes through the new policy', async () => {
    const events = collect(b);
    await b.apply({ ...bConfig, policies: [{ name: 'only-type-7', terms: [{ name: 't', match: { routeType: ['source-tree-join'] }, action: 'accept' }] }], peers: [{ ...bConfig.peers[0], mvpn: family({ keepAllRoutes: true, importPolicy: 'only-type-7' }) }] });
    const started = b.refresh({ family: MVPN, selector: { kind: 'group', group: 'core' }, direction: 'import' });
    assert.equal(started.selected.length, 1);
    await until('refresh-complete', () => events.ops.length === 1);
    assert.deepEqual([events.peers[0].status, events.peers[0].completion, events.peers[0].routes], ['completed', 'local', 6], 'every stored route re-evaluated');
    assert.equal(accepted(b, '127.0.0.1'), 1);
    assert.equal(b.peers()[0].mvpn?.received, 6, 'the pre-policy copy is kept');
  });

  it('import soft reset without keep-all-routes sends ROUTE-REFRESH and completes at EoRR', async () => {
    // A (no keep-all-routes towards B) asks B; B has no routes of its own, so EoRR follows BoRR at once
    const events = collect(a);
    a.refresh({ family: MVPN, selector: { kind: 'address', address: '127.0.0.2' }, direction: 'import' });
    await until('refresh-complete', () => events.ops.length === 1);
    assert.deepEqual([events.peers[0].status, events.peers[0].completion], ['completed', 'eorr']);
  });

  it('an unknown peer address or group is refused, not an empty success', () => {
    assert.throws(() => a.refresh({ family: MVPN, selector: { kind: 'address', address: '127.0.0.9' }, direction: 'import' }), /no peer 127.0.0.9/);
    assert.throws(() => a.refresh({ family: MVPN, selector: { kind: 'group', group: 'nope' }, direction: 'import' }), /no peer group nope/);
  });
});

describe('BGP engine: refresh against peers without enhanced route refresh', function () {
  it('completes after the quiet period, skips a peer without route refresh, fails a peer that goes down mid-refresh', async () => {
    const a = new BgpEngine(log);
    const b = new BgpEngine(log);
    const c = new BgpEngine(log);
    try {
      // B: route refresh without the enhanced form; C: no route refresh at all
      await b.apply({ ...base(65001, '192.0.2.2', '127.0.0.2'), peers: [peerConfig('127.0.0.1', 65000, { enhancedRouteRefresh: false })], originated: ROUTES.slice(0, 3) });
      await c.apply({ ...base(65002, '192.0.2.3', '127.0.0.3'), peers: [peerConfig('127.0.0.1', 65000, { routeRefresh: false, enhancedRouteRefresh: false })], originated: ROUTES.slice(3, 4) });
      const peers = [
        peerConfig('127.0.0.2', 65001, { remotePort: b.listenAddress?.port, passive: false, localAddress: '127.0.0.1' }),
        peerConfig('127.0.0.3', 65002, { remotePort: c.listenAddress?.port, passive: false, localAddress: '127.0.0.1' }),
      ];
      await a.apply({ ...base(65000, '192.0.2.1', '127.0.0.1'), peers });
      await until('both sessions', () => a.peers().every((p) => p.state === 'established'));
      await until('routes from both', () => a.peers().every((p) => (p.mvpn?.accepted ?? 0) > 0));
      const neg = a.peers().find((p) => p.address === '127.0.0.2')?.negotiated;
      assert.deepEqual([neg?.routeRefresh, neg?.enhancedRouteRefresh], [true, false]);

      const events = collect(a);
      const started = a.refresh({ family: MVPN, selector: { kind: 'external' }, direction: 'import' });
      assert.deepEqual(started.selected, [{ address: '127.0.0.2' }]);
      assert.deepEqual(started.skipped, [{ address: '127.0.0.3', reason: 'peer does not support route-refresh' }]);
      await until('refresh-complete', () => events.ops.length === 1);
      const done = events.peers.find((p) => p.peerAddress === '127.0.0.2');
      assert.deepEqual([done?.status, done?.completion, done?.routes], ['completed', 'quiet-period', 3]);
      assert.equal(a.peers().find((p) => p.address === '127.0.0.2')?.mvpn?.accepted, 3, 'the re-sent routes replace the old ones');

      // a peer that goes away while its refresh runs ends as failed; the other session stays up
      const again = a.refresh({ family: MVPN, selector: { kind: 'address', address: '127.0.0.2' }, direction: 'import' });
      await b.stop();
      await until('second refresh-complete', () => events.ops.length === 2);
      const failed = events.peers.find((p) => p.operationId === again.operationId);
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.reason ?? '', /session went down/);
      assert.equal(a.peers().find((p) => p.address === '127.0.0.3')?.state, 'established');
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });
});

describe('BGP engine: what a peer sends that it cannot use', function () {
  it('skips MVPN routes of an unknown type and keeps the rest of the UPDATE (RFC 7606 section 5.4)', async () => {
    const b = new BgpEngine(log);
    await b.apply({ ...base(65001, '192.0.2.2', '127.0.0.2'), peers: [peerConfig('127.0.0.1', 65000)] });
    const sender = new Peer(
      '127.0.0.2',
      { localAs: 65000, bgpId: '192.0.2.1', remoteAs: 65001, holdTime: 90, connectRetryTime: 1, families: [MVPN], routeRefresh: true, enhancedRouteRefresh: true, passive: false },
      { timers: systemTimers, connect: () => connectTcp({ address: '127.0.0.2', port: b.listenAddress?.port, localAddress: '127.0.0.1' }) },
    );
    try {
      sender.start();
      await until('session', () => sender.state === 'established');
      const known = encodeMvpnNlri({ routeType: 1, rd: '65000:1', originatingRouter: '192.0.2.1' });
      const unknown = Buffer.from([9, 2, 0xaa, 0xbb]);
      const update: UpdateMessage = {
        type: 'update',
        withdrawn: [],
        attributes: [
          { type: 'mp-reach', afi: 1, safi: 5, nextHop: Buffer.from([192, 0, 2, 1]), nlri: [unknown, known] },
          { type: 'origin', value: 0 },
          { type: 'as-path', segments: [{ type: 2, asns: [65000] }] },
        ],
        nlri: [],
      };
      sender.send(encodeMessage(update, { fourOctetAs: true }));
      await until('the known route', () => (b.peers()[0].mvpn?.accepted ?? 0) === 1);
      assert.equal(b.peers()[0].state, 'established');
      assert.equal(b.peers()[0].mvpn?.received, 1, 'the unknown type is not stored');
    } finally {
      sender.stop();
      await b.stop();
    }
  });
});
