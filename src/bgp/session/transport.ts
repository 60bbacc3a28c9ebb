// net.Socket / net.Server adapter for BGP peers (RFC 4271 section 8: TCP, port 179).
import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { Logger } from '../../log';
import { Timers } from './fsm';
import { Connection } from './peer';

export const BGP_PORT = 179;

/** Node's own timers, for Peer */
export const systemTimers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface TcpConnectOptions {
  /** the peer's address */
  readonly address: string;
  readonly port?: number;
  readonly localAddress?: string;
}

/** An outgoing connection for a Peer's connect(). */
export function connectTcp(options: TcpConnectOptions): Socket {
  const socket = createConnection({ host: options.address, port: options.port ?? BGP_PORT, localAddress: options.localAddress });
  // messages are written whole: send at once (no Nagle delay)
  socket.setNoDelay(true);
  return socket;
}

/** '::ffff:192.0.2.1' (an IPv4 client on a dual-stack socket) as '192.0.2.1' */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Accepts BGP connections and hands each to the configured peer with its remote address; closes the others. */
export class BgpListener {
  private readonly server: Server;

  constructor(
    private readonly peerFor: (address: string) => { accept(conn: Connection): void } | undefined,
    private readonly log?: Logger,
  ) {
    this.server = createServer((socket) => this.incoming(socket));
  }

  listen(port: number = BGP_PORT, address?: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, address, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops listening; accepted connections stay with their peers. */
  close(): void {
    this.server.close();
  }

  private incoming(socket: Socket): void {
    const address = plainAddress(socket.remoteAddress ?? '');
    const peer = this.peerFor(address);
    if (!peer) {
      this.log?.warn('BGP connection from an unknown address closed', { address });
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    peer.accept(socket);
  }
}
