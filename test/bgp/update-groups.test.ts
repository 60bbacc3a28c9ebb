// Update groups in the engine (issue 12): peers with the same outbound
// treatment share one; an export soft reset of the whole group runs once and
// keeps it; a peer refreshed alone, or asking for a route refresh, leaves and
// merges back once it advertises what the group does; a peer whose export
// policy changes moves group. Over real loopback TCP, the peers bare
// sessions that record what they receive.
import assert from 'node:assert/strict';
import { BgpEngine, EngineConfig, OriginatedRoute, UpdateGroupStatus } from '../../src/bgp/engine';
import { createLogger } from '../../src/log';
import { operationResults, peerConfig, Receiver, receiver, until } from '../helpers/engine';

const log = createLogger({}, () => undefined);
const MVPN = { afi: 1, safi: 5 };
const EBGP = ['127.0.0.41', '127.0.0.42', '127.0.0.43', '127.0.0.44'];
const IBGP = '127.0.0.45';
const ROUTES: OriginatedRoute[] = [1, 2, 3, 4, 5, 6].map((n) => ({ route: { routeType: 5, rd: `65000:${n}`, source: '10.0.0.1', group: '232.1.1.1' }, routeTargets: [`target:65000:${n % 2}`] }));
const ODD = { name: 'odd', terms: [{ name: 't', match: { routeTarget: ['target:65000:1'] }, action: 'accept' as const }], defaultAction: 'reject' as const };

describe('BGP engine: update groups', function () {
  this.timeout(30_000);
  const engine = new BgpEngine(log, undefined, { mergeCheckMs: 100 });
  let config: EngineConfig;
  const receivers = new Map<string, Receiver>();
  const groupOf = (address: string): number | undefined => engine.peers().find((p) => p.address === address)?.mvpn?.updateGroup;
  /** the groups as sets of members, sorted */
  const membership = (): string[][] =>
    engine
      .updateGroups()
      .map((g: UpdateGroupStatus) => [...g.members].sort())
      .sort((a, b) => a[0].localeCompare(b[0]));
  const settled = async (want: string[][]): Promise<void> => until(`groups ${JSON.stringify(want)}`, () => JSON.stringify(membership()) === JSON.stringify(want));

  before(async () => {
    config = {
      localAs: 65000,
      routerId: '192.0.2.1',
      listen: { address: '127.0.0.1', port: 0 },
      groups: [],
      peers: [...EBGP.map((a) => peerConfig(a, 65041)), peerConfig(IBGP, 65000)],
      policies: [ODD],
      originated: ROUTES,
      refresh: { quietPeriodMs: 300, borrWaitMs: 300, timeoutMs: 10_000 },
    };
    await engine.apply(config);
    const port = (): number => engine.listenAddress?.port ?? 0;
    for (const a of EBGP) receivers.set(a, receiver(a, 65041, port, true));
    receivers.set(IBGP, receiver(IBGP, 65000, port, true));
    await until('sessions', () => engine.peers().every((p) => p.state === 'established'));
  });
  after(async () => {
    for (const r of receivers.values()) r.peer.stop();
    await engine.stop();
  });

  it('peers of one treatment end in one group once each has had its initial advertisement; IBGP is another', async () => {
    await settled([EBGP, [IBGP]]);
    const groups = engine.updateGroups();
    const ebgp = groups.find((g) => g.members.includes(EBGP[0]));
    assert.deepEqual([ebgp?.treatment.external, ebgp?.treatment.remoteAs, ebgp?.treatment.exportPolicy, ebgp?.advertised], [true, 65041, undefined, ROUTES.length]);
    assert.deepEqual(new Set(EBGP.map(groupOf)), new Set([ebgp?.id]));
    for (const a of EBGP) assert.equal(receivers.get(a)?.seen.filter((w) => w.startsWith('+')).length, ROUTES.length, a);
  });

  it('refresh all export runs once per group: the groups stay as they are, every member gets its Adj-RIB-Out inside BoRR/EoRR', async () => {
    const before = EBGP.map(groupOf);
    for (const r of receivers.values()) r.seen.length = 0;
    const started = engine.refresh({ family: MVPN, selector: { kind: 'all' }, direction: 'export' });
    const { peers } = await operationResults(engine, started.operationId);
    assert.deepEqual(
      peers.map((p) => [p.status, p.routes]),
      [...EBGP, IBGP].map(() => ['completed', ROUTES.length]),
    );
    assert.deepEqual(EBGP.map(groupOf), before);
    await until('all received', () => [...receivers.values()].every((r) => r.seen.at(-1) === 'eorr'));
    for (const r of receivers.values()) assert.deepEqual([r.seen[0], r.seen.length], ['borr', ROUTES.length + 2]);
  });

  it('a peer refreshed alone leaves its group for the refresh and comes back once it advertises the same', async () => {
    const group = groupOf(EBGP[0]);
    const started = engine.refresh({ family: MVPN, selector: { kind: 'address', address: EBGP[0] }, direction: 'export' });
    const results = operationResults(engine, started.operationId);
    await until('split out for its refresh', () => groupOf(EBGP[0]) !== group); // the refresh starts after the reply
    assert.equal(groupOf(EBGP[1]), group, 'the others stay');
    await results;
    await settled([EBGP, [IBGP]]);
  });

  it('a peer that asks for a route refresh is answered alone and comes back', async () => {
    for (const x of receivers.values()) x.seen.length = 0;
    const r = receivers.get(EBGP[1]) as Receiver;
    r.peer.send(Buffer.from('ffffffffffffffffffffffffffffffff00170500010005', 'hex')); // ROUTE-REFRESH request, AFI 1, SAFI 5 (RFC 2918 section 3)
    await until('the answer', () => r.seen.at(-1) === 'eorr');
    assert.equal(r.seen.filter((w) => w.startsWith('+')).length, ROUTES.length);
    assert.equal(receivers.get(EBGP[2])?.seen.length, 0, 'the others get nothing');
    await settled([EBGP, [IBGP]]);
  });

  it('a peer whose export policy changes moves group, its session kept; changed back, it rejoins', async () => {
    const established = engine.peers().find((p) => p.address === EBGP[2])?.establishedAt;
    const withPolicy = (policy: string | undefined): EngineConfig => ({ ...config, peers: config.peers.map((p) => (p.address === EBGP[2] ? { ...p, mvpn: { ...p.mvpn, exportPolicy: policy } } : p)) });
    await engine.apply(withPolicy('odd'));
    await settled([[EBGP[0], EBGP[1], EBGP[3]], [EBGP[2]], [IBGP]]);
    const moved = engine.updateGroups().find((g) => g.members.includes(EBGP[2]));
    assert.equal(moved?.treatment.exportPolicy, 'odd');
    // the policy applies to all of its routes at its soft reset: the even ones withdrawn
    const started = engine.refresh({ family: MVPN, selector: { kind: 'address', address: EBGP[2] }, direction: 'export' });
    const { peers } = await operationResults(engine, started.operationId);
    assert.deepEqual(peers[0].counts, { advertised: 3, withdrawn: 3, accepted: 0, rejected: 0 });
    await engine.apply(withPolicy(undefined));
    const back = engine.refresh({ family: MVPN, selector: { kind: 'address', address: EBGP[2] }, direction: 'export' });
    await operationResults(engine, back.operationId);
    await settled([EBGP, [IBGP]]);
    assert.equal(engine.peers().find((p) => p.address === EBGP[2])?.establishedAt, established);
  });

  it('peers of a group whose export policy changes together move together, into one group', async () => {
    await engine.apply({ ...config, peers: config.peers.map((p) => (EBGP.includes(p.address) ? { ...p, mvpn: { ...p.mvpn, exportPolicy: 'odd' } } : p)) });
    assert.deepEqual(membership(), [EBGP, [IBGP]], 'at once, not after a merge');
    assert.equal(engine.updateGroups().find((g) => g.members.includes(EBGP[0]))?.treatment.exportPolicy, 'odd');
    await engine.apply(config);
    assert.deepEqual(membership(), [EBGP, [IBGP]]);
  });
});
