// The peers of the push benchmark (bench/push.ts): many light BGP sessions in
// one child process of its own, not an engine each. Each connects to the
// server (configured passive) from its own loopback address, sends OPEN
// (MVPN AFI 1 SAFI 5, route refresh, 4-octet AS; Hold Time 65535), KEEPALIVE
// once the server's OPEN arrives, answers every KEEPALIVE, and ignores the
// rest. flap() sends every session a Cease (Administrative Reset, RFC 4486)
// and half-closes it; a session reconnects once the server has closed its
// side, so the server has taken it down before the new connection arrives.
// The server is passive because a passive peer is back in Active at once and
// takes the new connection; connecting out, it would wait for its
// ConnectRetryTimer (src/bgp/session/peer.ts linkDown).
// Times are process.hrtime (CLOCK_MONOTONIC), comparable across processes.
//
// In the bench process: startFlapPeers(options) forks this file.
import { connect, Socket } from 'node:net';
import { encodeMessage, KEEPALIVE, MessageReader } from '../src/bgp/wire/codec';
import { AFI, CeaseSubcode, ErrorCode, HEADER_LENGTH, MessageType, SAFI } from '../src/bgp/wire/types';
import { forkChild, serveChild } from './ipc';

const CODEC = { fourOctetAs: true };
/** after a close the bench did not ask for: wait before connecting again */
const RETRY_MS = 1000;

export interface FlapPeer {
  /** its loopback address: the server knows the peer by it */
  readonly address: string;
  readonly as: number;
  readonly bgpId: string;
}

export interface FlapPeersOptions {
  readonly server: { readonly address: string; readonly port: number };
  readonly peers: readonly FlapPeer[];
}

/** The sessions as the peers see them. Times in ms of process.hrtime. */
export interface FlapCounts {
  readonly established: number;
  /** sessions that went down without a flap asking for it, and the last reason */
  readonly unexpectedDowns: number;
  readonly downReason?: string;
  /** since the last flap: sessions established again, and when the last one was */
  readonly reestablished: number;
  readonly lastEstablishedMs?: number;
  /** this process's CPU time since the last flap (or the start), ms */
  readonly cpuMs: number;
}

/** When the flap's Ceases were written: the first and the last. */
export interface FlapTimes {
  readonly startMs: number;
  readonly endMs: number;
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

type State = 'idle' | 'connecting' | 'opensent' | 'openconfirm' | 'established' | 'closing';

class Session {
  state: State = 'idle';
  /** established since the last flap */
  reestablished = false;
  private socket?: Socket;
  private reader = new MessageReader();
  /** why the connection is going down: a NOTIFICATION received or a socket error */
  private reason?: string;

  constructor(
    private readonly peer: FlapPeer,
    private readonly open: Buffer,
    private readonly owner: FlapPeers,
  ) {}

  start(): void {
    const { address, port } = this.owner.server;
    this.state = 'connecting';
    this.reason = undefined;
    this.reader = new MessageReader();
    const socket = connect({ host: address, port, localAddress: this.peer.address, noDelay: true });
    this.socket = socket;
    socket.on('connect', () => {
      this.state = 'opensent';
      socket.write(this.open);
    });
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', (e) => (this.reason ??= e.message));
    socket.on('close', () => this.closed());
  }

  /** Cease, Administrative Reset (RFC 4486 section 4), then a half-close. */
  flap(cease: Buffer): void {
    if (this.state !== 'established') return;
    this.state = 'closing';
    this.reestablished = false;
    this.socket?.end(cease);
  }

  stop(): void {
    this.state = 'idle';
    this.socket?.destroy();
  }

  private closed(): void {
    const was = this.state;
    this.socket = undefined;
    if (was === 'idle') return; // stopped
    if (was === 'closing') return this.start();
    this.owner.unexpected(`${this.peer.address}: ${this.reason ?? 'closed'} in ${was}`);
    this.state = 'idle';
    setTimeout(() => this.state === 'idle' && this.owner.running && this.start(), RETRY_MS);
  }

  private data(chunk: Buffer): void {
    this.reader.push(chunk);
    for (let m = this.next(); m !== undefined; m = this.next()) {
      const type = m[HEADER_LENGTH - 1];
      if (type === MessageType.OPEN && this.state === 'opensent') {
        this.state = 'openconfirm';
        this.socket?.write(KEEPALIVE);
      } else if (type === MessageType.KEEPALIVE && this.state === 'openconfirm') {
        this.state = 'established';
        this.reestablished = true;
        this.owner.establishedAt(nowMs());
      } else if (type === MessageType.KEEPALIVE && this.state === 'established') {
        this.socket?.write(KEEPALIVE);
      } else if (type === MessageType.NOTIFICATION) {
        this.reason = `NOTIFICATION ${m[HEADER_LENGTH]}/${m[HEADER_LENGTH + 1]} received`;
      }
    }
  }

  private next(): Buffer | undefined {
    try {
      return this.reader.next();
    } catch (e) {
      this.reason = e instanceof Error ? e.message : String(e);
      this.socket?.destroy();
      return undefined;
    }
  }
}

function encodeOpen(peer: FlapPeer): Buffer {
  return encodeMessage(
    {
      type: 'open',
      version: 4,
      myAs: peer.as,
      holdTime: 65535,
      bgpId: peer.bgpId,
      capabilities: [{ type: 'multiprotocol', afi: AFI.IPV4, safi: SAFI.MCAST_VPN }, { type: 'route-refresh' }, { type: 'four-octet-as', asn: peer.as }],
    },
    CODEC,
  );
}

class FlapPeers {
  running = true;
  private readonly sessions: Session[];
  private readonly cease = encodeMessage({ type: 'notification', code: ErrorCode.CEASE, subcode: CeaseSubcode.ADMINISTRATIVE_RESET, data: Buffer.alloc(0) }, CODEC);
  private unexpectedDowns = 0;
  private downReason?: string;
  private lastEstablishedMs?: number;
  private cpu = process.cpuUsage();

  constructor(readonly server: FlapPeersOptions['server'], peers: readonly FlapPeer[]) {
    this.sessions = peers.map((p) => new Session(p, encodeOpen(p), this));
  }

  connect(): void {
    for (const s of this.sessions) s.start();
  }

  flap(): FlapTimes {
    this.cpu = process.cpuUsage();
    this.lastEstablishedMs = undefined;
    const startMs = nowMs();
    for (const s of this.sessions) s.flap(this.cease);
    return { startMs, endMs: nowMs() };
  }

  establishedAt(t: number): void {
    this.lastEstablishedMs = t;
  }

  unexpected(reason: string): void {
    this.unexpectedDowns++;
    this.downReason = reason;
  }

  counts(): FlapCounts {
    const cpu = process.cpuUsage(this.cpu);
    return {
      established: this.sessions.filter((s) => s.state === 'established').length,
      unexpectedDowns: this.unexpectedDowns,
      downReason: this.downReason,
      reestablished: this.sessions.filter((s) => s.reestablished && s.state === 'established').length,
      lastEstablishedMs: this.lastEstablishedMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  }

  stop(): void {
    this.running = false;
    for (const s of this.sessions) s.stop();
  }
}

// ---------------------------------------------------------------------------
// The child process and its handle in the bench process

type FlapPeersProtocol = {
  start: { args: FlapPeersOptions; result: null };
  flap: { args: null; result: FlapTimes };
  counts: { args: null; result: FlapCounts };
};

export interface FlapPeersHandle {
  readonly pid: number;
  flap(): Promise<FlapTimes>;
  counts(): Promise<FlapCounts>;
  stop(): Promise<void>;
}

/** Forks the peers; every session starts connecting at once. */
export async function startFlapPeers(options: FlapPeersOptions): Promise<FlapPeersHandle> {
  const child = forkChild<FlapPeersProtocol>(__filename);
  try {
    await child.call('start', options);
    return { pid: child.pid, flap: () => child.call('flap', null), counts: () => child.call('counts', null), stop: () => child.stop() };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

if (require.main === module) {
  let peers: FlapPeers | undefined;
  const need = (): FlapPeers => {
    if (!peers) throw new Error('the peers are not started');
    return peers;
  };
  process.on('exit', () => peers?.stop());
  serveChild<FlapPeersProtocol>({
    start: (options) => {
      peers = new FlapPeers(options.server, options.peers);
      peers.connect();
      return null;
    },
    flap: () => need().flap(),
    counts: () => need().counts(),
  });
}
