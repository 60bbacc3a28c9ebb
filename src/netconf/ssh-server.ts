// RFC 6242: NETCONF over SSH. The adapter between ssh2 and the transport-free
// session core: authentication, the `netconf` subsystem, backpressure.
import { timingSafeEqual } from 'node:crypto';
import { AddressInfo, createServer, Server as TcpServer, Socket } from 'node:net';
import { AuthContext, Connection, ParsedKey, Server, ServerChannel } from 'ssh2';
import { Logger } from '../log';
import { NetconfServer } from './server';

export interface SshAuthenticator {
  /** true when the password is right for this user */
  checkPassword(username: string, password: string): boolean;
  /** the user's authorized public keys */
  authorizedKeys(username: string): readonly ParsedKey[];
  /** throttle: ms to wait before answering a failed attempt from this address */
  failureDelay(address: string): number;
  failed(address: string): void;
  succeeded(address: string): void;
}

export interface SshServerOptions {
  readonly hostKey: Buffer;
  readonly address: string;
  readonly port: number;
  /** SSH connections beyond the NETCONF session limit that may be authenticating at once */
  readonly maxConnections: number;
}

export class NetconfSshServer {
  private readonly ssh: Server;
  private readonly tcp: TcpServer;
  private connections = 0;

  constructor(
    private readonly netconf: NetconfServer,
    private readonly auth: SshAuthenticator,
    private readonly options: SshServerOptions,
    private readonly log: Logger,
  ) {
    this.ssh = new Server({ hostKeys: [options.hostKey], ident: 'ncbgp' }, (client, info) => this.connection(client, info.ip));
    this.tcp = createServer((socket) => this.accept(socket));
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.options.port, this.options.address, () => {
        this.tcp.off('error', reject);
        resolve(this.tcp.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.tcp.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.connections >= this.options.maxConnections) {
      this.log.warn('too many SSH connections, refusing', { source: socket.remoteAddress });
      socket.destroy();
      return;
    }
    this.connections++;
    socket.once('close', () => this.connections--);
    // replies are whole messages: send each at once (no Nagle delay)
    socket.setNoDelay(true);
    this.ssh.injectSocket(socket);
  }

  private connection(client: Connection, ip: string): void {
    let username = '';
    client.on('authentication', (ctx) => this.authenticate(ctx, ip, (user) => (username = user)));
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const channel = acceptSession();
        channel.on('subsystem', (accept, reject, info) => {
          if (info.name !== 'netconf' || !this.netconf.canOpenSession()) {
            this.log.warn('subsystem refused', { subsystem: info.name, user: username, source: ip });
            reject();
            return;
          }
          this.attach(accept(), client, username, ip);
        });
        // RFC 6242 section 3: only the netconf subsystem is served here
        channel.on('exec', (_a, reject) => reject());
        channel.on('shell', (_a, reject) => reject());
        channel.on('pty', (_a, reject) => reject());
      });
    });
    client.on('error', (e) => this.log.debug('SSH connection error', { source: ip, error: e.message }));
  }

  private attach(stream: ServerChannel, client: Connection, username: string, ip: string): void {
    const session = this.netconf.openSession(
      {
        write: (d) => stream.write(d),
        pause: () => stream.pause(),
        resume: () => stream.resume(),
        end: () => {
          stream.end();
          setImmediate(() => client.end());
        },
      },
      username,
      ip,
    );
    stream.on('data', (d: Buffer) => session.feed(d));
    stream.on('drain', () => session.drained());
    stream.on('close', () => session.closed());
    stream.on('error', () => session.closed());
  }

  private authenticate(ctx: AuthContext, ip: string, authenticated: (user: string) => void): void {
    const user = ctx.username;
    const fail = (): void => {
      this.auth.failed(ip);
      this.log.warn('authentication failed', { user, source: ip, method: ctx.method });
      const wait = this.auth.failureDelay(ip);
      setTimeout(() => ctx.reject(['publickey', 'password']), wait);
    };
    const succeed = (): void => {
      this.auth.succeeded(ip);
      this.log.info('authenticated', { user, source: ip, method: ctx.method });
      authenticated(user);
      ctx.accept();
    };
    switch (ctx.method) {
      case 'password':
        if (this.auth.checkPassword(user, ctx.password)) succeed();
        else fail();
        return;
      case 'publickey': {
        const key = this.auth.authorizedKeys(user).find((k) => k.type === ctx.key.algo && sameBytes(k.getPublicSSH(), ctx.key.data));
        if (!key) return fail();
        if (!ctx.signature || !ctx.blob) return ctx.accept(); // the client asks whether this key would do (RFC 4252 section 7)
        if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) succeed();
        else fail();
        return;
      }
      default:
        ctx.reject(['publickey', 'password']);
    }
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
