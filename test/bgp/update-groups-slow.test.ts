// A slow member of an update group over real loopback TCP, with the real
// engine (test/bgp/update-group.test.ts proves the same with stand-in
// sockets). Three EBGP peers of one AS share one update group: two bare
// sessions that read all they get, and a raw BGP speaker written here on
// node:net. Once all three have had their initial advertisement and share
// one group, the raw one stops reading its socket and an export soft reset
// of all three starts. Proven:
// - the two that read complete (status completed, completion drained) with
//   BoRR, the N routes each once, EoRR, while the one that does not read has
//   not: the operation still has it pending, with fewer than N routes queued;
// - it has left the update group for a group of its own, the others share
//   one: it does not hold them back, nor does a merge take it back while it
//   is behind;
// - once it reads again it gets the rest: in all BoRR, exactly the N NLRI of
//   the Adj-RIB-Out, each once, then EoRR, nothing outside the markers and
//   nothing after; its result is completed, drained, N routes;
// - then the three are merged into one group again.
// The UPDATEs are some 20 MB per peer: the kernel's socket buffers on
// loopback take some 4-5 MB for a peer that does not read before the engine
// sees its socket backed up. slowMemberBytes is well above that too: a
// member's queue holds what its group made while another member's socket
// took a kernel buffer's worth at one go, so below it, members that read
// are split out as well; even at 8 MiB a reader now and then is (its
// socket's receive buffer grown large), and is merged back once idle, so
// the readers are awaited in one group rather than asserted at once. The
// two that read run each in a worker thread of its own: in the engine's
// thread one of them, its receive window small, read some 64 KB per turn of
// the busy event loop and fell more than 10 MB behind (in one thread
// together, the one with the smaller window fell behind the other).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BgpEngine, EngineConfig } from '../../src/bgp/engine';
import { OperationSummary, PeerResult } from '../../src/bgp/refresh/operation';
import { Peer } from '../../src/bgp/session/peer';
import { connectTcp, systemTimers } from '../../src/bgp/session/transport';
import { decodeMessage, encodeMessage, KEEPALIVE, MessageReader } from '../../src/bgp/wire/codec';
import { encodeMvpnNlri, MvpnRoute } from '../../src/bgp/wire/mvpn';
import { BgpMessage, RouteRefreshSubtype, UpdateMessage } from '../../src/bgp/wire/types';
import { createLogger } from '../../src/log';
import { peerConfig, until } from '../helpers/engine';

const MVPN = { afi: 1, safi: 5 };
const CODEC = { fourOctetAs: true };
const PEER_AS = 65101;
/** the two peers that read, then the one that stops (last: the export reaches it last) */
const READERS = ['127.0.0.101', '127.0.0.102'];
const SLOW = '127.0.0.103';
const ALL = [...READERS, SLOW];
/** routes originated: ~20 octets of UPDATE each */
const N = 1_000_000;
/** well over what a healthy peer's socket takes at one go */
const SLOW_MEMBER_BYTES = 8 * 1024 * 1024;
/** the routes originated: ROUTE(0) ... ROUTE(N - 1) */
const ROUTE = (i: number): MvpnRoute => ({ routeType: 5, rd: `65000:${i}`, source: '10.0.0.1', group: '232.1.1.1' });

/** The NLRI of ROUTE(i) is TEMPLATE with i at RD_NUMBER (the RD's assigned number, RFC 4364 type 0); -1 for an NLRI that is none of them. */
const TEMPLATE = encodeMvpnNlri(ROUTE(0));
const RD_NUMBER = 6;
const routeIndex = (n: Buffer): number => {
  const i = n.length === TEMPLATE.length ? n.readUInt32BE(RD_NUMBER) : -1;
  const ours = i >= 0 && i < N && n.subarray(0, RD_NUMBER).equals(TEMPLATE.subarray(0, RD_NUMBER)) && n.subarray(RD_NUMBER + 4).equals(TEMPLATE.subarray(RD_NUMBER + 4));
  return ours ? i : -1;
};

/** [markers, announced, distinct, foreign, withdrawn, outside]: all N routes once inside BoRR ... EoRR is [['borr', 'eorr'], N, N, 0, 0, 0] */
type Summary = [string[], number, number, number, number, number];
const complete = (s: Summary | undefined): boolean => s?.[0].at(-1) === 'eorr';

/** What a peer received since reset(): the markers in order, the NLRI announced and withdrawn, and those announced outside BoRR ... EoRR. */
class Tally {
  markers: string[] = [];
  announced = 0;
  /** routes of ours announced, each counted once */
  distinct = 0;
  /** NLRI that are none of ours */
  foreign = 0;
  withdrawn = 0;
  outside = 0;
  private readonly seen = new Uint8Array(N);

  reset(): void {
    this.markers = [];
    this.announced = this.distinct = this.foreign = this.withdrawn = this.outside = 0;
    this.seen.fill(0);
  }

  update(u: UpdateMessage): void {
    for (const a of u.attributes) {
      if (a.type === 'mp-reach' && a.afi === MVPN.afi && a.safi === MVPN.safi) {
        const inside = this.markers.at(-1) === 'borr';
        for (const n of a.nlri) {
          this.announced++;
          if (!inside) this.outside++;
          const i = routeIndex(n);
          if (i < 0) this.foreign++;
          else if (this.seen[i] === 0) {
            this.seen[i] = 1;
            this.distinct++;
          }
        }
      } else if (a.type === 'mp-unreach') {
        if (a.withdrawn.length === 0) this.markers.push('eor');
        this.withdrawn += a.withdrawn.length;
      }
    }
  }

  routeRefresh(subtype: number): void {
    this.markers.push(subtype === RouteRefreshSubtype.BORR ? 'borr' : subtype === RouteRefreshSubtype.EORR ? 'eorr' : `subtype ${subtype}`);
  }

  get summary(): Summary {
    return [[...this.markers], this.announced, this.distinct, this.foreign, this.withdrawn, this.outside];
  }
}

/** The main thread to a readers' thread: reset the tallies (answered with 'reset' once done), or stop. */
type ToReaders = { readonly type: 'reset' } | { readonly type: 'stop' };
/** A readers' thread to the main thread: a reader's tally, and that a reset is done. */
type FromReaders = { readonly type: 'summary'; readonly address: string; readonly summary: Summary } | { readonly type: 'reset' };

/**
 * A readers' thread: a bare MVPN session (the src/bgp/session Peer, no
 * engine behind it) from each address to the engine, tallying what it
 * receives; the tallies go to the main thread every 20 ms and at each marker.
 */
function readersThread(port: number, addresses: readonly string[]): void {
  const parent = parentPort;
  if (!parent) throw new Error('not a worker');
  const readers = addresses.map((address) => {
    const tally = new Tally();
    const peer = new Peer(
      '127.0.0.1',
      { localAs: PEER_AS, bgpId: address.replace('127.0.0.', '192.0.2.'), remoteAs: 65000, holdTime: 90, connectRetryTime: 1, families: [MVPN], routeRefresh: true, enhancedRouteRefresh: true, passive: false },
      { timers: systemTimers, connect: () => connectTcp({ address: '127.0.0.1', port, localAddress: address }) },
    );
    return { address, tally, peer };
  });
  const post = (r: (typeof readers)[number]): void => parent.postMessage({ type: 'summary', address: r.address, summary: r.tally.summary } satisfies FromReaders);
  for (const r of readers) {
    r.peer.on('update', (u: UpdateMessage) => r.tally.update(u));
    r.peer.on('routeRefresh', (m) => {
      r.tally.routeRefresh(m.subtype);
      post(r);
    });
    r.peer.start();
  }
  const timer = setInterval(() => readers.forEach(post), 20);
  parent.on('message', (m: ToReaders) => {
    if (m.type === 'reset') {
      for (const r of readers) r.tally.reset();
      readers.forEach(post);
      parent.postMessage({ type: 'reset' } satisfies FromReaders);
    } else {
      clearInterval(timer);
      for (const r of readers) r.peer.stop();
      parent.close();
    }
  });
}

/** The readers, each in a thread of its own (this file again, compiled by tsx as the main thread's is), and their tallies as last told. */
class Readers {
  readonly summaries = new Map<string, Summary>();
  private readonly workers: Worker[];
  error?: Error;

  constructor(port: number) {
    const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(__filename)});`;
    this.workers = READERS.map((address) => {
      const worker = new Worker(bootstrap, { eval: true, execArgv: [], workerData: { port, addresses: [address] } });
      worker.on('message', (m: FromReaders) => void (m.type === 'summary' && this.summaries.set(m.address, m.summary)));
      worker.on('error', (e) => (this.error = e));
      return worker;
    });
  }

  async reset(): Promise<void> {
    await Promise.all(
      this.workers.map((worker) => {
        const done = new Promise<void>((resolve) => {
          const onMessage = (m: FromReaders): void => {
            if (m.type !== 'reset') return;
            worker.off('message', onMessage);
            resolve();
          };
          worker.on('message', onMessage);
        });
        worker.postMessage({ type: 'reset' } satisfies ToReaders);
        return done;
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        const exited = once(worker, 'exit');
        worker.postMessage({ type: 'stop' } satisfies ToReaders);
        const timeout = setTimeout(() => void worker.terminate(), 2000);
        await exited;
        clearTimeout(timeout);
      }),
    );
  }
}

/** A BGP speaker on a bare socket, whose reading the test stops and starts: OPEN, KEEPALIVEs, and a tally of the UPDATEs and ROUTE-REFRESHes. */
class RawSpeaker {
  readonly tally = new Tally();
  readonly socket: Socket;
  established = false;
  /** NOTIFICATIONs the engine sent */
  readonly notifications: string[] = [];
  private readonly reader = new MessageReader();
  private keepalive?: NodeJS.Timeout;

  constructor(address: string, port: number) {
    this.socket = connect({ host: '127.0.0.1', port, localAddress: address });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () =>
      this.socket.write(
        encodeMessage(
          {
            type: 'open',
            version: 4,
            myAs: PEER_AS,
            holdTime: 90,
            bgpId: address.replace('127.0.0.', '192.0.2.'),
            capabilities: [{ type: 'multiprotocol', ...MVPN }, { type: 'route-refresh' }, { type: 'enhanced-route-refresh' }, { type: 'four-octet-as', asn: PEER_AS }],
          },
          CODEC,
        ),
      ),
    );
    this.socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (let m = this.reader.next(); m; m = this.reader.next()) this.received(decodeMessage(m, CODEC));
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => clearInterval(this.keepalive));
  }

  private received(m: BgpMessage): void {
    if (m.type === 'open') {
      // RFC 4271 section 8.2.2: the OPEN is answered with a KEEPALIVE; one every third of the hold time after
      this.socket.write(KEEPALIVE);
      this.keepalive = setInterval(() => this.socket.write(KEEPALIVE), (m.holdTime * 1000) / 3);
    } else if (m.type === 'keepalive') this.established = true;
    else if (m.type === 'update') this.tally.update(m);
    else if (m.type === 'route-refresh') this.tally.routeRefresh(m.subtype);
    else if (m.type === 'notification') this.notifications.push(`${m.code}/${m.subcode}`);
  }

  close(): void {
    clearInterval(this.keepalive);
    this.socket.destroy();
  }
}

if (isMainThread) {
  describe('BGP engine: a slow member of an update group, over loopback TCP', function () {
    this.timeout(60_000);
    const engine = new BgpEngine(
      createLogger({}, () => undefined),
      undefined,
      { slowMemberBytes: SLOW_MEMBER_BYTES, mergeCheckMs: 200 },
    );
    let readers: Readers;
    let slow: RawSpeaker;
    const groupOf = (address: string): number | undefined => engine.peers().find((p) => p.address === address)?.mvpn?.updateGroup;
    /** the groups as sets of members, sorted */
    const membership = (): string[][] =>
      engine
        .updateGroups()
        .map((g) => [...g.members].sort())
        .sort((a, b) => a[0].localeCompare(b[0]));
    const summaryOf = (address: string): Summary | undefined => (address === SLOW ? slow.tally.summary : readers.summaries.get(address));

    before(async () => {
      const config: EngineConfig = {
        localAs: 65000,
        routerId: '192.0.2.1',
        listen: { address: '127.0.0.1', port: 0 },
        groups: [],
        peers: ALL.map((a) => peerConfig(a, PEER_AS)),
        policies: [],
        originated: Array.from({ length: N }, (_, i) => ({ route: ROUTE(i), routeTargets: ['target:65000:1'] })),
        refresh: { quietPeriodMs: 300, borrWaitMs: 300, timeoutMs: 30_000 },
      };
      await engine.apply(config);
      const port = engine.listenAddress?.port ?? 0;
      readers = new Readers(port);
      slow = new RawSpeaker(SLOW, port);
      await until('sessions', () => engine.peers().every((p) => p.state === 'established') && slow.established);
    });

    after(async () => {
      await readers?.stop();
      slow?.close();
      await engine.stop();
    });

    afterEach(() => assert.equal(readers?.error, undefined));

    it('the three have their initial advertisement, all N routes, and share one update group', async () => {
      await until('End-of-RIB at all three', () => ALL.every((a) => summaryOf(a)?.[0].includes('eor')), 20_000);
      for (const a of ALL) assert.deepEqual(summaryOf(a), [['eor'], N, N, 0, 0, N], a);
      await until('one group', () => JSON.stringify(membership()) === JSON.stringify([ALL]));
      assert.deepEqual(
        engine.updateGroups().map((g) => g.advertised),
        [N],
      );
    });

    it('a member that stops reading is left behind in a group of its own; the others complete; once it reads it gets the rest, each route once; then they merge', async () => {
      slow.socket.pause();
      slow.tally.reset();
      await readers.reset();
      const results = new Map<string, PeerResult>();
      let summary: OperationSummary | undefined;
      engine.on('peer-refresh-complete', (r) => void results.set(r.peerAddress, r));
      engine.on('refresh-complete', (s) => void (summary = s));
      const started = engine.refresh({ family: MVPN, selector: { kind: 'all' }, direction: 'export' });
      // the slow one last: the export reaches it last
      assert.deepEqual(
        started.selected.map((s) => s.address),
        ALL,
      );

      // the readers complete with everything; the slow one has not
      await until('the readers complete', () => READERS.every((a) => results.has(a) && complete(summaryOf(a))), 20_000);
      for (const a of READERS) {
        const r = results.get(a);
        assert.deepEqual([r?.status, r?.completion, r?.routes], ['completed', 'drained', N], a);
        assert.deepEqual(summaryOf(a), [['borr', 'eorr'], N, N, 0, 0, 0], a);
      }
      assert.equal(results.has(SLOW), false, 'the slow peer has not completed');
      const running = engine.running().find((o) => o.operationId === started.operationId);
      assert.deepEqual(
        running?.pending.map((p) => p.address),
        [SLOW],
        'its export is still running',
      );
      const queued = running?.pending[0].routes ?? 0;
      assert.ok(queued < N, `${queued} of ${N} routes queued to it so far: the kernel took them all, no backpressure`);
      assert.deepEqual(slow.tally.summary, [[], 0, 0, 0, 0, 0], 'it has read nothing since it stopped');
      // left behind: a group of its own; the others share one (a reader split out for a moment is merged back once idle)
      await until('the readers in one group', () => JSON.stringify(membership()) === JSON.stringify([READERS, [SLOW]]), 5000);
      assert.equal(groupOf(READERS[0]), groupOf(READERS[1]));
      assert.notEqual(groupOf(SLOW), groupOf(READERS[0]));
      // it stays behind while it does not read, and no merge takes it back meanwhile
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(results.has(SLOW), false);
      assert.deepEqual(membership(), [READERS, [SLOW]]);

      // it reads again: the rest, nothing lost and nothing twice
      slow.socket.resume();
      await until('the slow peer completes', () => summary !== undefined && complete(slow.tally.summary), 20_000);
      const r = results.get(SLOW);
      assert.deepEqual([r?.status, r?.completion, r?.routes], ['completed', 'drained', N]);
      assert.deepEqual([summary?.selected, summary?.completed, summary?.failed], [3, 3, 0]);
      await new Promise((r) => setTimeout(r, 300)); // anything sent after EoRR would show
      for (const a of ALL) assert.deepEqual(summaryOf(a), [['borr', 'eorr'], N, N, 0, 0, 0], a);
      assert.deepEqual(slow.notifications, []);
      assert.equal(
        engine.peers().every((p) => p.state === 'established'),
        true,
      );

      // back in step: merged into one group again
      await until('merged', () => JSON.stringify(membership()) === JSON.stringify([ALL]), 10_000);
      assert.equal(new Set(ALL.map(groupOf)).size, 1);
      assert.deepEqual(
        engine.updateGroups().map((g) => g.advertised),
        [N],
      );
    });
  });
} else {
  const { port, addresses } = workerData as { port: number; addresses: string[] };
  readersThread(port, addresses);
}
