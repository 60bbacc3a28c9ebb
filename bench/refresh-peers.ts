// The peers of the refresh benchmark at Loc-RIB scale (bench/refresh.ts), all
// in one child process of their own (the server has the other core): each
// connects to the server from its own loopback address, opens an MVPN session
// (hold time 0: no KEEPALIVEs to keep up; route refresh, enhanced route
// refresh, 4-octet AS), sends its routes once Established (UPDATEs encoded
// before any session comes up, written in one piece) and End-of-RIB, and from
// then on only counts what arrives: messages by type, UPDATE octets, BoRR and
// EoRR, End-of-RIB markers, the time of the first and last UPDATE and the
// last EoRR. Nothing is parsed beyond each message's first 32 octets: every
// socket reads into one shared 4 MiB buffer (net.Socket `onread`), framing
// walks the length fields in place, and no object is made per message.
// Times are process.hrtime (CLOCK_MONOTONIC), comparable across processes.
//
// In the bench process: startMeshPeers(options) forks this file.
import { connect, Socket } from 'node:net';
import { labRoutes } from '../src/lab/routes';
import { encodeMvpnNlri } from '../src/bgp/wire/mvpn';
import { addressOctets, encodeRouteTarget } from '../src/bgp/wire/address';
import { encodeMessage } from '../src/bgp/wire/codec';
import { endOfRib, packUpdates } from '../src/bgp/wire/update';
import { AsPathSegmentType, HEADER_LENGTH, MessageType, RouteRefreshSubtype } from '../src/bgp/wire/types';
import { forkChild, serveChild } from './ipc';

const MVPN = { afi: 1, safi: 5 };
/** the octets of a message kept while framing: the header and enough for a ROUTE-REFRESH or an End-of-RIB */
const CAPTURE = 32;
const READ_BUFFER = 4 * 1024 * 1024;
/** an MVPN End-of-RIB (RFC 4724 section 2): header, 0 withdrawn, 6 octets of attributes: MP_UNREACH_NLRI of AFI 1 SAFI 5 and nothing else */
const END_OF_RIB = endOfRib(MVPN);

export interface MeshPeer {
  /** its loopback address: the server knows the peer by it */
  readonly address: string;
  readonly as: number;
  readonly bgpId: string;
}

export interface MeshPeersOptions {
  readonly server: { readonly address: string; readonly port: number };
  readonly peers: readonly MeshPeer[];
  /** routes each peer originates (src/lab/routes.ts: distinct across peers, RDs carry the BGP Identifier) */
  readonly routes: number;
}

/** What the peers received since the last mark(), added up over the peers. Times in ms of process.hrtime. */
export interface MeshCounts {
  readonly established: number;
  /** sessions that went down (a NOTIFICATION or the socket closed), with the first reason */
  readonly down: number;
  readonly downReason?: string;
  /** messages by type */
  readonly updates: number;
  readonly keepalives: number;
  readonly notifications: number;
  readonly routeRefreshes: number;
  readonly borr: number;
  readonly eorr: number;
  readonly endOfRib: number;
  /** octets of the UPDATEs, headers included, and of all messages */
  readonly updateOctets: number;
  readonly octets: number;
  /** socket reads that delivered them */
  readonly reads: number;
  readonly firstUpdateMs?: number;
  readonly lastUpdateMs?: number;
  readonly lastEorrMs?: number;
  /** peers that have received at least one EoRR, and one End-of-RIB, since the mark */
  readonly peersWithEorr: number;
  readonly peersWithEndOfRib: number;
  /** this process's CPU time since the mark (user + system), ms */
  readonly cpuMs: number;
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

class Counters {
  updates = 0;
  keepalives = 0;
  notifications = 0;
  routeRefreshes = 0;
  borr = 0;
  eorr = 0;
  endOfRib = 0;
  updateOctets = 0;
  octets = 0;
  reads = 0;
  firstUpdateMs?: number;
  lastUpdateMs?: number;
  lastEorrMs?: number;
  cpu = process.cpuUsage();
}

type SessionState = 'connecting' | 'opensent' | 'openconfirm' | 'established' | 'down';

/** One session: its framing state and what it sends. */
class Session {
  state: SessionState = 'connecting';
  downReason?: string;
  sawEorr = false;
  sawEndOfRib = false;
  socket?: Socket;
  /** the first octets of a message split over two reads */
  private readonly head = Buffer.alloc(CAPTURE);
  private headFill = 0;
  /** octets of the current message still to come after its captured head */
  private skip = 0;

  constructor(
    readonly peer: MeshPeer,
    private readonly open: Buffer,
    /** its routes' UPDATEs and End-of-RIB, in one buffer */
    readonly routes: Buffer,
    private readonly counters: () => Counters,
  ) {}

  start(server: { address: string; port: number }, readBuffer: Buffer): void {
    const socket = connect({
      host: server.address,
      port: server.port,
      localAddress: this.peer.address,
      noDelay: true,
      onread: { buffer: readBuffer, callback: (n: number, buf: Uint8Array) => this.read(buf as Buffer, n) },
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.state = 'opensent';
      socket.write(this.open);
    });
    socket.on('error', (e) => this.down(`socket error: ${e.message}`));
    socket.on('close', () => this.down('connection closed'));
  }

  stop(): void {
    this.socket?.destroy();
  }

  private down(reason: string): void {
    if (this.state === 'down') return;
    this.state = 'down';
    this.downReason = reason;
  }

  /** Frames the messages of one read in place; a message's head split over reads is copied, the rest skipped. */
  private read(buf: Buffer, n: number): boolean {
    const c = this.counters();
    c.reads++;
    c.octets += n;
    let p = 0;
    if (this.skip > 0) {
      const k = Math.min(this.skip, n);
      this.skip -= k;
      p = k;
    }
    if (this.headFill > 0) {
      // complete the captured head: the header first, then up to CAPTURE octets of the message
      while (p < n) {
        const want = this.headFill < HEADER_LENGTH ? HEADER_LENGTH : Math.min(this.head.readUInt16BE(16), CAPTURE);
        if (this.headFill >= want) break;
        const k = Math.min(want - this.headFill, n - p);
        buf.copy(this.head, this.headFill, p, p + k);
        this.headFill += k;
        p += k;
      }
      const length = this.headFill >= HEADER_LENGTH ? this.head.readUInt16BE(16) : 0;
      if (this.headFill < HEADER_LENGTH || this.headFill < Math.min(length, CAPTURE)) return true;
      this.message(this.head, 0, length);
      const rest = length - this.headFill;
      this.headFill = 0;
      const k = Math.min(rest, n - p);
      p += k;
      this.skip = rest - k;
      if (this.skip > 0) return true;
    }
    while (p < n) {
      if (p + HEADER_LENGTH > n) break;
      const length = buf.readUInt16BE(p + 16);
      if (length < HEADER_LENGTH) {
        this.down(`bad message length ${length}`);
        this.socket?.destroy();
        return false;
      }
      if (p + Math.min(length, CAPTURE) > n) break;
      this.message(buf, p, length);
      if (p + length > n) {
        this.skip = p + length - n;
        return true;
      }
      p += length;
    }
    if (p < n) {
      buf.copy(this.head, 0, p, n);
      this.headFill = n - p;
    }
    return true;
  }

  /** One message: its first min(length, CAPTURE) octets are at buf[at...]. */
  private message(buf: Buffer, at: number, length: number): void {
    const c = this.counters();
    switch (buf[at + 18]) {
      case MessageType.UPDATE: {
        const t = nowMs();
        c.updates++;
        c.updateOctets += length;
        c.firstUpdateMs ??= t;
        c.lastUpdateMs = t;
        if (length === END_OF_RIB.length && buf.compare(END_OF_RIB, HEADER_LENGTH, length, at + HEADER_LENGTH, at + length) === 0) {
          c.endOfRib++;
          this.sawEndOfRib = true;
        }
        return;
      }
      case MessageType.ROUTE_REFRESH: {
        c.routeRefreshes++;
        const subtype = buf[at + HEADER_LENGTH + 2];
        if (subtype === RouteRefreshSubtype.BORR) c.borr++;
        if (subtype === RouteRefreshSubtype.EORR) {
          c.eorr++;
          c.lastEorrMs = nowMs();
          this.sawEorr = true;
        }
        return;
      }
      case MessageType.KEEPALIVE:
        c.keepalives++;
        if (this.state === 'openconfirm') {
          this.state = 'established';
          this.socket?.write(this.routes);
        }
        return;
      case MessageType.OPEN:
        if (this.state === 'opensent') {
          this.state = 'openconfirm';
          this.socket?.write(encodeMessage({ type: 'keepalive' }, { fourOctetAs: true }));
        }
        return;
      case MessageType.NOTIFICATION:
        c.notifications++;
        this.down(`NOTIFICATION ${buf[at + HEADER_LENGTH]}/${buf[at + HEADER_LENGTH + 1]} received`);
        return;
      default:
        this.down(`message of type ${buf[at + 18]}`);
        this.socket?.destroy();
    }
  }
}

/** The peer's routes as UPDATEs (one per RT and as many NLRI as fit), then End-of-RIB: one buffer. */
function encodeRoutes(peer: MeshPeer, routes: number): Buffer {
  const byTarget = new Map<string, Buffer[]>();
  for (const r of labRoutes(peer.bgpId, peer.as, routes)) {
    const rt = r.routeTargets.join(',');
    let list = byTarget.get(rt);
    if (!list) byTarget.set(rt, (list = []));
    list.push(encodeMvpnNlri(r.route));
  }
  const messages: Buffer[] = [];
  for (const [rts, nlri] of byTarget) {
    const attributes = [
      { type: 'origin' as const, value: 0 },
      { type: 'as-path' as const, segments: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [peer.as] }] },
      { type: 'extended-communities' as const, values: rts.split(',').map(encodeRouteTarget) },
    ];
    messages.push(...packUpdates(MVPN, attributes, addressOctets(peer.address), nlri, { fourOctetAs: true }));
  }
  messages.push(END_OF_RIB);
  return Buffer.concat(messages);
}

function encodeOpen(peer: MeshPeer): Buffer {
  return encodeMessage(
    {
      type: 'open',
      version: 4,
      myAs: peer.as,
      holdTime: 0,
      bgpId: peer.bgpId,
      capabilities: [{ type: 'multiprotocol', ...MVPN }, { type: 'route-refresh' }, { type: 'enhanced-route-refresh' }, { type: 'four-octet-as', asn: peer.as }],
    },
    { fourOctetAs: true },
  );
}

class MeshPeers {
  private counters = new Counters();
  private readonly sessions: Session[];
  private readonly readBuffer = Buffer.alloc(READ_BUFFER);
  /** octets of UPDATEs each peer sends at session start */
  readonly routeOctets: number;

  constructor(private readonly options: MeshPeersOptions) {
    this.sessions = options.peers.map((p) => new Session(p, encodeOpen(p), encodeRoutes(p, options.routes), () => this.counters));
    this.routeOctets = this.sessions[0]?.routes.length ?? 0;
  }

  connect(): void {
    for (const s of this.sessions) s.start(this.options.server, this.readBuffer);
  }

  mark(): void {
    this.counters = new Counters();
    for (const s of this.sessions) {
      s.sawEorr = false;
      s.sawEndOfRib = false;
    }
  }

  counts(): MeshCounts {
    const c = this.counters;
    const cpu = process.cpuUsage(c.cpu);
    const down = this.sessions.filter((s) => s.state === 'down');
    return {
      established: this.sessions.filter((s) => s.state === 'established').length,
      down: down.length,
      downReason: down[0]?.downReason,
      updates: c.updates,
      keepalives: c.keepalives,
      notifications: c.notifications,
      routeRefreshes: c.routeRefreshes,
      borr: c.borr,
      eorr: c.eorr,
      endOfRib: c.endOfRib,
      updateOctets: c.updateOctets,
      octets: c.octets,
      reads: c.reads,
      firstUpdateMs: c.firstUpdateMs,
      lastUpdateMs: c.lastUpdateMs,
      lastEorrMs: c.lastEorrMs,
      peersWithEorr: this.sessions.filter((s) => s.sawEorr).length,
      peersWithEndOfRib: this.sessions.filter((s) => s.sawEndOfRib).length,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  }

  stop(): void {
    for (const s of this.sessions) s.stop();
  }
}

// ---------------------------------------------------------------------------
// The child process and its handle in the bench process

type MeshPeersProtocol = {
  start: { args: MeshPeersOptions; result: { encodeMs: number; routeOctets: number } };
  connect: { args: null; result: null };
  mark: { args: null; result: null };
  counts: { args: null; result: MeshCounts };
};

export interface MeshPeersHandle {
  readonly pid: number;
  /** how long encoding every peer's UPDATEs took, and the octets of one peer's */
  readonly encodeMs: number;
  readonly routeOctets: number;
  /** every peer connects to the server; each sends its routes once Established */
  connect(): Promise<void>;
  /** the counters back to zero */
  mark(): Promise<void>;
  counts(): Promise<MeshCounts>;
  stop(): Promise<void>;
}

export async function startMeshPeers(options: MeshPeersOptions): Promise<MeshPeersHandle> {
  const child = forkChild<MeshPeersProtocol>(__filename);
  try {
    const { encodeMs, routeOctets } = await child.call('start', options);
    return {
      pid: child.pid,
      encodeMs,
      routeOctets,
      connect: async () => void (await child.call('connect', null)),
      mark: async () => void (await child.call('mark', null)),
      counts: () => child.call('counts', null),
      stop: () => child.stop(),
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

if (require.main === module) {
  let peers: MeshPeers | undefined;
  const need = (): MeshPeers => {
    if (!peers) throw new Error('the peers are not started');
    return peers;
  };
  process.on('exit', () => peers?.stop());
  serveChild<MeshPeersProtocol>({
    start: (options) => {
      const t = nowMs();
      peers = new MeshPeers(options);
      return { encodeMs: nowMs() - t, routeOctets: peers.routeOctets };
    },
    connect: () => {
      need().connect();
      return null;
    },
    mark: () => {
      need().mark();
      return null;
    },
    counts: () => need().counts(),
  });
}
