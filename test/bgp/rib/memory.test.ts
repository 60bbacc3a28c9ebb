import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AdjRibIn, AdjRibOut, AttributeSets, LocRib, nlriKey, RouteSource } from '../../../src/bgp/rib';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const N = 1_000_000;
const LOCAL_AS = 65000;
const MVPN = { afi: 1, safi: 5 };

/** RFC 6514 section 4.1 Intra-AS I-PMSI A-D route: type 1, length 12, RD (type 0, 65000:i), originating router 10.x.y.z */
function intraAsRoute(buf: Buffer, i: number): string {
  buf.writeUInt32BE(i, 6);
  buf.writeUInt32BE(0x0a000000 + i, 10);
  return nlriKey(buf);
}

function rss(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

describe('rib: memory and speed at 1M MVPN routes', function () {
  this.timeout(120_000);

  it('holds 1M routes in Adj-RIB-In (keep-all-routes) and Loc-RIB in few bytes each, loaded in seconds', () => {
    const sets = new AttributeSets();
    const locRib = new LocRib(MVPN, { localAs: LOCAL_AS, routerId: '192.0.2.100' });
    const source = RouteSource.peer({ address: '10.0.0.1', bgpId: '10.0.0.1', remoteAs: 65001, localAs: LOCAL_AS });
    const adjIn = new AdjRibIn({ source, locRib, keepAllRoutes: true });
    const attrs = sets.intern(
      [
        { type: 'origin', value: 0 },
        { type: 'as-path', segments: [{ type: 2, asns: [65001] }] },
        { type: 'extended-communities', values: [Buffer.from('0002fde800000064', 'hex')] },
      ],
      Buffer.from([10, 0, 0, 1]),
    );
    const nlri = Buffer.from([1, 12, 0, 0, 0xfd, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0]);

    const before = rss();
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      adjIn.set(intraAsRoute(nlri, i), attrs);
      // the engine exports the changes after each UPDATE batch
      if (i % 10_000 === 9_999) locRib.takeChanges();
    }
    locRib.takeChanges();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const perRoute = (rss() - before) / N;
    console.log(`      ${N} routes loaded in ${seconds.toFixed(2)} s (${Math.round(N / seconds)} routes/s); RSS ${perRoute.toFixed(0)} bytes per route (Adj-RIB-In + Loc-RIB)`);

    assert.equal(adjIn.receivedCount, N);
    assert.equal(locRib.size, N);
    assert.equal(locRib.best(intraAsRoute(nlri, 123_456))?.attributes, attrs);
    assert.ok(perRoute < 600, `${perRoute} bytes per route`);
    assert.ok(seconds < 8, `${seconds} s to load`); // typically 2 to 3 s; generous for a busy machine

    // a full export of the same routes to an EBGP peer: one group, every route
    const peer = RouteSource.peer({ address: '10.0.0.2', bgpId: '10.0.0.2', remoteAs: 65002, localAs: LOCAL_AS });
    const adjOut = new AdjRibOut({ treatment: peer, locRib, attributeSets: sets, localAddress: '192.0.2.100' });
    const beforeOut = rss();
    const exportStart = process.hrtime.bigint();
    const update = adjOut.exportAll();
    const exportSeconds = Number(process.hrtime.bigint() - exportStart) / 1e9;
    assert.equal(update.announcements.length, 1);
    assert.equal(update.announcements[0].nlri.length, N);
    update.announcements.length = 0;
    const outPerRoute = (rss() - beforeOut) / N;
    console.log(`      export of ${N} routes computed in ${exportSeconds.toFixed(2)} s (${Math.round(N / exportSeconds)} routes/s); Adj-RIB-Out ${outPerRoute.toFixed(0)} bytes per route`);
    assert.equal(adjOut.advertisedCount, N);
    const againStart = process.hrtime.bigint();
    assert.deepEqual(adjOut.exportAll(), { announcements: [], withdrawals: [] });
    console.log(`      export soft reset with nothing to send: ${(Number(process.hrtime.bigint() - againStart) / 1e6).toFixed(0)} ms`);
  });
});
