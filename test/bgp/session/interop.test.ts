// Our Peer against real BGP speakers (INTEROP.md "BGP peers"): ExaBGP 4.2
// listening while we connect, GoBGP 3.10 connecting to our listener.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { decodeIpv4Prefix } from '../../../src/bgp/wire/nlri';
import { UpdateMessage } from '../../../src/bgp/wire/types';
import { Negotiated, SessionConfig } from '../../../src/bgp/session/fsm';
import { Peer } from '../../../src/bgp/session/peer';
import { BgpListener, connectTcp, systemTimers } from '../../../src/bgp/session/transport';
import { freePort, waitUntil } from '../../helpers/peers/common';
import { Exabgp, startExabgp } from '../../helpers/peers/exabgp';
import { Gobgp, startGobgp } from '../../helpers/peers/gobgp';
import { requireTool } from '../../helpers/interop';

const UNICAST = { afi: 1, safi: 1 };

function ours(localAs: number, bgpId: string, remoteAs: number, passive: boolean): SessionConfig {
  return {
    localAs,
    bgpId,
    remoteAs,
    holdTime: 90,
    connectRetryTime: 1,
    families: [UNICAST],
    routeRefresh: true,
    enhancedRouteRefresh: true,
    passive,
  };
}

/** The prefixes an UPDATE announces in its NLRI field. */
function prefixes(u: UpdateMessage): string[] {
  return u.nlri.map((n) => decodeIpv4Prefix(n));
}

describe('BGP session interop', function () {
  this.timeout(30_000);

  describe('ExaBGP 4.2 (passive, we connect)', () => {
    const exaAddress = '127.0.0.31';
    const ourAddress = '127.0.0.32';
    let exa: Exabgp | undefined;
    let peer: Peer | undefined;
    let negotiated: Negotiated;
    const updates: UpdateMessage[] = [];

    before(async function () {
      requireTool(this, 'exabgp', 'the ExaBGP peer');
      const port = await freePort(exaAddress);
      exa = await startExabgp({
        routerId: '10.0.0.31',
        localAddress: exaAddress,
        localAs: 65031,
        listenPort: port,
        peers: [{ address: ourAddress, remoteAs: 65032, passive: true, routeRefresh: true }],
        routes: [{ prefix: '10.31.0.0/24', nextHop: '192.0.2.31' }],
      });
      peer = new Peer(exaAddress, ours(65032, '10.0.0.32', 65031, false), {
        timers: systemTimers,
        connect: () => connectTcp({ address: exaAddress, port, localAddress: ourAddress }),
      });
      peer.on('update', (u) => updates.push(u));
      const up = once(peer, 'established');
      peer.start();
      [negotiated] = (await up) as [Negotiated];
    });

    after(async () => {
      peer?.stop('test done');
      await exa?.stop();
    });

    it('comes up to Established with route refresh and enhanced route refresh negotiated', async () => {
      assert.equal(peer?.state, 'established');
      assert.deepEqual(negotiated.families, [UNICAST]);
      assert.equal(negotiated.routeRefresh, true);
      assert.equal(negotiated.enhancedRouteRefresh, true);
      assert.equal(negotiated.fourOctetAs, true);
      assert.equal(negotiated.peerAs, 65031);
      assert.equal(negotiated.peerBgpId, '10.0.0.31');
      // ExaBGP's view of the same session
      const e = await exa!.waitFor((ev) => ev.type === 'negotiated' && ev.neighbor?.address.peer === ourAddress, 10_000);
      assert.equal(e.neighbor?.negotiated?.refresh, 'enhanced');
      assert.equal(e.neighbor?.negotiated?.asn4, true);
    });

    it('receives its UPDATE', async () => {
      await waitUntil('ExaBGP route', () => (updates.some((u) => prefixes(u).includes('10.31.0.0/24')) ? true : undefined), 10_000);
      assert.equal(peer?.state, 'established');
    });
  });

  describe('GoBGP 3.10 (connects to our listener)', () => {
    const gobgpAddress = '127.0.0.33';
    const ourAddress = '127.0.0.34';
    let gobgp: Gobgp | undefined;
    let peer: Peer | undefined;
    let listener: BgpListener | undefined;
    let negotiated: Negotiated;

    before(async function () {
      requireTool(this, 'gobgpd', 'the GoBGP peer');
      const ourPort = await freePort(ourAddress);
      peer = new Peer(gobgpAddress, ours(65034, '10.0.0.34', 65033, true), {
        timers: systemTimers,
        connect: () => {
          throw new Error('passive');
        },
      });
      const p = peer;
      listener = new BgpListener((address) => (address === gobgpAddress ? p : undefined));
      await listener.listen(ourPort, ourAddress);
      const up = once(peer, 'established');
      peer.start();
      gobgp = await startGobgp({
        routerId: '10.0.0.33',
        as: 65033,
        port: await freePort(gobgpAddress),
        listenAddress: gobgpAddress,
        apiPort: await freePort(),
        neighbors: [{ address: ourAddress, peerAs: 65034, remotePort: ourPort, localAddress: gobgpAddress }],
      });
      [negotiated] = (await up) as [Negotiated];
    });

    after(async () => {
      peer?.stop('test done');
      listener?.close();
      await gobgp?.stop();
    });

    it('comes up to Established with route refresh only (GoBGP has no enhanced route refresh)', async () => {
      assert.equal(peer?.state, 'established');
      assert.deepEqual(negotiated.families, [UNICAST]);
      assert.equal(negotiated.routeRefresh, true);
      assert.equal(negotiated.enhancedRouteRefresh, false);
      assert.equal(negotiated.fourOctetAs, true);
      assert.equal(negotiated.peerAs, 65033);
      const n = await waitUntil('GoBGP established', async () => {
        const s = await gobgp!.neighbor(ourAddress);
        return s.state === 'established' ? s : undefined;
      }, 10_000);
      for (const cap of ['MultiProtocolCapability', 'RouteRefreshCapability', 'EnhancedRouteRefreshCapability', 'FourOctetASNCapability']) {
        assert.ok(n.remoteCapabilities.includes(cap), `GoBGP did not see our ${cap}: ${n.remoteCapabilities.join(', ')}`);
      }
    });
  });
});
