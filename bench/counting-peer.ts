// A counting BGP peer for the benchmarks: a passive session of ours
// (src/bgp/session Peer and its FSM for OPEN, KEEPALIVE and the rest) that
// counts what arrives (UPDATEs, octets, NLRI announced and withdrawn,
// End-of-RIB markers) and does nothing else. Once the session is
// Established, UPDATEs are framed by the codec's MessageReader and their
// NLRI counted by walking the length octets, without building objects; every
// SAMPLE_EVERY-th UPDATE is also decoded in full by decodeMessage and must
// agree. It runs in a child process of its own (a core of its own), so that
// it is not the bottleneck of what it measures; times are process.hrtime
// (CLOCK_MONOTONIC), comparable across processes.
//
// In the bench process: startCountingPeer(options) forks this file.
import { createServer, Server, Socket } from 'node:net';
import { Connection, Peer } from '../src/bgp/session/peer';
import { systemTimers } from '../src/bgp/session/transport';
import { decodeMessage, MessageReader } from '../src/bgp/wire/codec';
import { endOfRibFamily } from '../src/bgp/wire/update';
import { AfiSafi, AttrFlag, AttrType, HEADER_LENGTH, MessageType, SAFI } from '../src/bgp/wire/types';
import { forkChild, serveChild } from './ipc';

const SAMPLE_EVERY = 64;

export interface CountingPeerOptions {
  /** listening address, and the address the sending speaker is configured with */
  readonly address: string;
  readonly localAs: number;
  readonly remoteAs: number;
  readonly bgpId: string;
  readonly families: readonly AfiSafi[];
  /** seconds; default 90 */
  readonly holdTime?: number;
  /** close incoming connections until accept() (the speaker keeps retrying) */
  readonly deferAccept?: boolean;
}

/** What arrived since the last mark(). Times in ms of process.hrtime. */
export interface Burst {
  updates: number;
  /** octets of every message received, headers included */
  octets: number;
  announced: number;
  withdrawn: number;
  endOfRib: number;
  /** when the session came up, if it did during this burst */
  establishedMs?: number;
  /** arrival of the first and the last UPDATE */
  firstMs?: number;
  lastMs?: number;
  /** the largest gap between two consecutive UPDATEs */
  maxGapMs: number;
  /** when announced + withdrawn first reached half and 99 % of the awaited count */
  halfMs?: number;
  p99Ms?: number;
  /** the awaited count was not reached in time */
  timedOut?: boolean;
  /** UPDATEs decoded in full (the sample) and those whose decoding failed or disagreed with the walk */
  sampled: number;
  malformed: number;
}

/** A wait for `announced` / `withdrawn` routes since the last mark(). */
export interface Expectation {
  readonly announced?: number;
  readonly withdrawn?: number;
  readonly timeoutMs: number;
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const emptyBurst = (): Burst => ({ updates: 0, octets: 0, announced: 0, withdrawn: 0, endOfRib: 0, maxGapMs: 0, sampled: 0, malformed: 0 });

interface Routes {
  announced: number;
  withdrawn: number;
  endOfRib: boolean;
}

/** NLRI in `buf[p, end)`: MCAST-VPN NLRI (RFC 6514 section 4: type, length, value) or prefixes (RFC 4271 section 4.3: length in bits, prefix). */
function countNlri(buf: Buffer, p: number, end: number, mvpn: boolean): number {
  let n = 0;
  while (p < end) {
    p += mvpn ? 2 + (buf[p + 1] ?? 0) : 1 + (((buf[p] ?? 0) + 7) >> 3);
    n++;
  }
  return p === end ? n : -1;
}

/**
 * The routes of one UPDATE (RFC 4271 section 4.3, RFC 4760 sections 3 and 4)
 * by walking its fields; undefined when a length runs past its field.
 */
function walkUpdate(buf: Buffer): Routes | undefined {
  const withdrawnEnd = HEADER_LENGTH + 2 + buf.readUInt16BE(HEADER_LENGTH);
  if (withdrawnEnd + 2 > buf.length) return undefined;
  let withdrawn = countNlri(buf, HEADER_LENGTH + 2, withdrawnEnd, false);
  const attributesEnd = withdrawnEnd + 2 + buf.readUInt16BE(withdrawnEnd);
  let announced = countNlri(buf, attributesEnd, buf.length, false);
  if (withdrawn < 0 || announced < 0 || attributesEnd > buf.length) return undefined;
  let mpUnreachEmpty = false;
  let attributes = 0;
  for (let p = withdrawnEnd + 2; p < attributesEnd; attributes++) {
    const extended = ((buf[p] ?? 0) & AttrFlag.EXTENDED_LENGTH) !== 0;
    const code = buf[p + 1];
    const v = p + (extended ? 4 : 3);
    const end = v + (extended ? buf.readUInt16BE(p + 2) : (buf[p + 2] ?? 0));
    if (end > attributesEnd) return undefined;
    if (code === AttrType.MP_REACH_NLRI) {
      // AFI (2) | SAFI (1) | Length of Next Hop (1) | Next Hop | Reserved (1) | NLRI
      const n = countNlri(buf, v + 5 + (buf[v + 3] ?? 0), end, buf[v + 2] === SAFI.MCAST_VPN);
      if (n < 0) return undefined;
      announced += n;
    } else if (code === AttrType.MP_UNREACH_NLRI) {
      // AFI (2) | SAFI (1) | Withdrawn Routes
      const n = countNlri(buf, v + 3, end, buf[v + 2] === SAFI.MCAST_VPN);
      if (n < 0) return undefined;
      withdrawn += n;
      mpUnreachEmpty = n === 0;
    }
    p = end;
  }
  // RFC 4724 section 2: an empty UPDATE, or one with only an empty MP_UNREACH_NLRI
  const endOfRib = announced === 0 && withdrawn === 0 && (attributes === 0 || (attributes === 1 && mpUnreachEmpty));
  return { announced, withdrawn, endOfRib };
}

/** The same from decodeMessage: the sample's check. */
function decodedRoutes(buf: Buffer): Routes | undefined {
  const m = decodeMessage(buf, { fourOctetAs: true });
  if (m.type !== 'update') return undefined;
  let announced = m.nlri.length;
  let withdrawn = m.withdrawn.length;
  for (const a of m.attributes) {
    if (a.type === 'mp-reach') announced += a.nlri.length;
    else if (a.type === 'mp-unreach') withdrawn += a.withdrawn.length;
  }
  return { announced, withdrawn, endOfRib: endOfRibFamily(m) !== undefined };
}

const sameRoutes = (a: Routes | undefined, b: Routes | undefined): boolean =>
  a !== undefined && b !== undefined && a.announced === b.announced && a.withdrawn === b.withdrawn && a.endOfRib === b.endOfRib;

/**
 * The connection as the Peer sees it: until the session is Established every
 * message goes to the Peer's FSM; after, UPDATEs are counted here and only
 * the other messages (KEEPALIVE, NOTIFICATION, ROUTE-REFRESH) go on.
 */
class CountingConnection implements Connection {
  private readonly reader = new MessageReader({});
  private toPeer?: (chunk: Buffer) => void;

  constructor(
    private readonly socket: Socket,
    private readonly counter: CountingPeer,
  ) {
    socket.on('data', (chunk: Buffer) => this.data(chunk));
  }

  write(data: Buffer): boolean {
    return this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  on(event: 'connect' | 'drain' | 'close', listener: () => void): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: string, listener: (arg: never) => void): unknown {
    if (event === 'data') this.toPeer = listener as (chunk: Buffer) => void;
    else this.socket.on(event, listener as () => void);
    return this;
  }

  private data(chunk: Buffer): void {
    this.counter.octetsReceived(chunk.length);
    this.reader.push(chunk);
    for (;;) {
      let message: Buffer | undefined;
      try {
        message = this.reader.next();
      } catch {
        this.counter.malformedReceived();
        this.socket.destroy();
        return;
      }
      if (message === undefined) return;
      if (message[HEADER_LENGTH - 1] === MessageType.UPDATE && this.counter.established) this.counter.updateReceived(message);
      else this.toPeer?.(message);
    }
  }
}

class CountingPeer {
  private burst = emptyBurst();
  private expectation?: { target: Expectation; resolve: (b: Burst) => void; timer: NodeJS.Timeout };
  private readonly peer: Peer;
  private readonly server: Server;
  accepting: boolean;

  constructor(opts: CountingPeerOptions) {
    this.accepting = !opts.deferAccept;
    this.peer = new Peer(
      'counting-peer',
      {
        localAs: opts.localAs,
        bgpId: opts.bgpId,
        remoteAs: opts.remoteAs,
        holdTime: opts.holdTime ?? 90,
        connectRetryTime: 1,
        families: opts.families,
        routeRefresh: true,
        enhancedRouteRefresh: false,
        passive: true,
      },
      {
        timers: systemTimers,
        connect: () => {
          throw new Error('the counting peer only accepts connections');
        },
      },
    );
    this.peer.on('established', () => (this.burst.establishedMs = nowMs()));
    this.server = createServer((socket) => {
      if (!this.accepting) {
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      this.peer.accept(new CountingConnection(socket, this));
    });
    this.peer.start();
  }

  listen(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, address, () => {
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  get state(): string {
    return this.peer.state;
  }

  get established(): boolean {
    return this.peer.state === 'established';
  }

  mark(): void {
    this.burst = emptyBurst();
  }

  snapshot(): Burst {
    return { ...this.burst };
  }

  /** Resolves with the burst once it holds the expected routes, or at the timeout with what it holds. */
  expect(target: Expectation): Promise<Burst> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.expectation = undefined;
        resolve({ ...this.snapshot(), timedOut: true });
      }, target.timeoutMs);
      this.expectation = { target, resolve, timer };
      this.check();
    });
  }

  octetsReceived(n: number): void {
    this.burst.octets += n;
  }

  malformedReceived(): void {
    this.burst.malformed++;
  }

  updateReceived(message: Buffer): void {
    const b = this.burst;
    const t = nowMs();
    if (b.lastMs !== undefined && t - b.lastMs > b.maxGapMs) b.maxGapMs = t - b.lastMs;
    b.firstMs ??= t;
    b.lastMs = t;
    b.updates++;
    let routes: Routes | undefined;
    try {
      routes = walkUpdate(message);
    } catch {
      routes = undefined; // a length field past the end of the message
    }
    if (b.updates % SAMPLE_EVERY === 1 || routes === undefined) {
      b.sampled++;
      let decoded: Routes | undefined;
      try {
        decoded = decodedRoutes(message);
      } catch {
        decoded = undefined;
      }
      if (!sameRoutes(routes, decoded)) b.malformed++;
    }
    if (routes === undefined) return;
    if (routes.endOfRib) b.endOfRib++;
    b.announced += routes.announced;
    b.withdrawn += routes.withdrawn;
    this.check();
  }

  private check(): void {
    const e = this.expectation;
    if (!e) return;
    const b = this.burst;
    const wanted = (e.target.announced ?? 0) + (e.target.withdrawn ?? 0);
    const got = b.announced + b.withdrawn;
    if (b.lastMs !== undefined && got >= wanted / 2) b.halfMs ??= b.lastMs;
    if (b.lastMs !== undefined && got >= wanted * 0.99) b.p99Ms ??= b.lastMs;
    if (b.announced >= (e.target.announced ?? 0) && b.withdrawn >= (e.target.withdrawn ?? 0)) {
      clearTimeout(e.timer);
      this.expectation = undefined;
      e.resolve(this.snapshot());
    }
  }
}

// ---------------------------------------------------------------------------
// The child process and its handle in the bench process

type CountingPeerProtocol = {
  start: { args: CountingPeerOptions; result: number };
  state: { args: null; result: string };
  accept: { args: null; result: null };
  mark: { args: null; result: null };
  snapshot: { args: null; result: Burst };
  expect: { args: Expectation; result: Burst };
};

/** The counting peer in its child process, as the bench process sees it. */
export interface CountingPeerHandle {
  readonly pid: number;
  /** where it listens */
  readonly address: string;
  readonly port: number;
  state(): Promise<string>;
  /** starts taking connections (see CountingPeerOptions.deferAccept) */
  accept(): Promise<void>;
  /** starts a new burst: the counters go back to zero */
  mark(): Promise<void>;
  snapshot(): Promise<Burst>;
  /** the burst once it holds the expected routes, or what it holds at the timeout */
  expect(e: Expectation): Promise<Burst>;
  stop(): Promise<void>;
}

export async function startCountingPeer(options: CountingPeerOptions): Promise<CountingPeerHandle> {
  const child = forkChild<CountingPeerProtocol>(__filename);
  try {
    const port = await child.call('start', options);
    return {
      pid: child.pid,
      address: options.address,
      port,
      state: () => child.call('state', null),
      accept: async () => void (await child.call('accept', null)),
      mark: async () => void (await child.call('mark', null)),
      snapshot: () => child.call('snapshot', null),
      expect: (e) => child.call('expect', e),
      stop: () => child.stop(),
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

if (require.main === module) {
  let peer: CountingPeer | undefined;
  const need = (): CountingPeer => {
    if (!peer) throw new Error('the counting peer is not started');
    return peer;
  };
  serveChild<CountingPeerProtocol>({
    start: (options) => {
      peer = new CountingPeer(options);
      return peer.listen(options.address);
    },
    state: () => need().state,
    accept: () => {
      need().accepting = true;
      return null;
    },
    mark: () => {
      need().mark();
      return null;
    },
    snapshot: () => need().snapshot(),
    expect: (e) => need().expect(e),
  });
}
