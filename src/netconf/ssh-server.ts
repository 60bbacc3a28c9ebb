// RFC 6242: NETCONF over SSH. The adapter between ssh2 and the transport-free
// session core: limits on connections before login, authentication with its
// limits, channels, the `netconf` subsystem, backpressure.
import { timingSafeEqual } from 'node:crypto';
import { AddressInfo, createServer, Server as TcpServer, Socket } from 'node:net';
import type {
  Algorithms, AuthContext, CipherAlgorithm, CompressionAlgorithm, Connection, KexAlgorithm, MacAlgorithm, ParsedKey,
  PublicKeyAuthContext, Server as SshServer, ServerChannel, ServerHostKeyAlgorithm, Session,
} from 'ssh2';
import { Logger } from '../log';
import { parseKey, Server } from './ssh2';
import { LoginLimiter, LoginLimits } from './login-limiter';
import { NetconfServer } from './server';

export interface SshAuthenticator {
  /** true for a configured user name */
  hasUser(username: string): boolean;
  /** true when the password is right for this user */
  checkPassword(username: string, password: string): boolean;
  /** the user's authorized public keys */
  authorizedKeys(username: string): readonly ParsedKey[];
}

/** Algorithm names offered, most preferred first (RFC 4253 section 7.1). */
export interface SshAlgorithmLists {
  readonly kex: readonly string[];
  readonly serverHostKey: readonly string[];
  readonly cipher: readonly string[];
  readonly hmac: readonly string[];
  readonly compress: readonly string[];
}

export interface SshServerOptions {
  readonly hostKey: Buffer;
  readonly address: string;
  readonly port: number;
  /** a connection without a NETCONF session is closed after this long (RFC 4252 section 4) */
  readonly loginGraceTimeMs: number;
  /** connections not yet authenticated, in all and from one source address */
  readonly maxUnauthenticated: number;
  readonly maxUnauthenticatedPerSource: number;
  /** session channels open at once on one connection (RFC 4254 section 5.1) */
  readonly maxChannelsPerConnection: number;
  readonly authLimits: LoginLimits;
  readonly algorithms: SshAlgorithmLists;
}

/** One TCP connection, from accept to close. */
interface Conn {
  readonly socket: Socket;
  readonly source: string;
  /** counted against the unauthenticated caps */
  counted: boolean;
  authenticated: boolean;
  username: string;
  /** session channels open */
  channels: number;
  channelRefusalLogged: boolean;
  /** NETCONF sessions running on it */
  sessions: number;
  /** login grace timer: runs while the connection has no NETCONF session */
  grace: NodeJS.Timeout | undefined;
}

/** RFC 4252 section 5.1: the methods that "can continue". */
const METHODS: ['publickey', 'password'] = ['publickey', 'password'];
const LOGGED_NAME_MAX = 64;

export class NetconfSshServer {
  private readonly ssh: SshServer;
  private readonly tcp: TcpServer;
  private readonly limiter: LoginLimiter;
  /** keyed by the remote address and port ssh2 reports for the connection */
  private readonly conns = new Map<string, Conn>();
  /** unauthenticated connections, per source address and in all */
  private readonly unauthenticated = new Map<string, number>();
  private unauthenticatedTotal = 0;
  /** session channels open on all connections: each may carry a NETCONF session, so each counts against max-sessions */
  private sessionChannels = 0;
  private lastRefusalLog = -Infinity;
  private refusedSinceLog = 0;

  constructor(
    private readonly netconf: NetconfServer,
    private readonly auth: SshAuthenticator,
    private readonly options: SshServerOptions,
    private readonly log: Logger,
  ) {
    const algorithms = sshAlgorithms(options.algorithms, options.hostKey);
    try {
      this.ssh = new Server({ hostKeys: [options.hostKey], ident: 'ncbgp', algorithms }, (client, info) => this.connection(client, info.ip, info.port));
    } catch (e) {
      // "Unsupported algorithm: NAME": one ssh2 does not implement
      if (e instanceof Error && e.message.startsWith('Unsupported algorithm')) throw new Error(`netconf.ssh-algorithms: ${e.message}`);
      throw e;
    }
    this.limiter = new LoginLimiter({ limits: options.authLimits, isKnownUser: (name) => auth.hasUser(name) });
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

  /** Stops listening and drops the connections that have no NETCONF session (the caller ends the sessions). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    for (const c of this.conns.values()) if (c.sessions === 0) c.socket.destroy();
    return closed;
  }

  /**
   * Counted as unauthenticated from here until authentication succeeds; past
   * either cap the socket is destroyed before a byte is sent, so one source
   * cannot fill the pool that the others need to log in.
   */
  private accept(socket: Socket): void {
    const source = sourceAddress(socket.remoteAddress);
    if (source === undefined) {
      socket.destroy();
      return;
    }
    const fromSource = this.unauthenticated.get(source) ?? 0;
    // every connection either logs in, holds a session or is closed at the grace time: this many are enough
    if (this.conns.size >= this.netconf.options.maxSessions + this.options.maxUnauthenticated) return this.refuse(socket, source, 'max-sessions');
    if (this.unauthenticatedTotal >= this.options.maxUnauthenticated) return this.refuse(socket, source, 'max-unauthenticated');
    if (fromSource >= this.options.maxUnauthenticatedPerSource) return this.refuse(socket, source, 'max-unauthenticated-per-source');
    const key = connKey(socket.remoteAddress, socket.remotePort);
    const conn: Conn = { socket, source, counted: false, authenticated: false, username: '', channels: 0, channelRefusalLogged: false, sessions: 0, grace: undefined };
    this.count(conn, true);
    this.conns.set(key, conn);
    this.startGrace(conn);
    socket.once('close', () => {
      clearTimeout(conn.grace);
      this.count(conn, false);
      this.conns.delete(key);
    });
    // replies are whole messages: send each at once (no Nagle delay)
    socket.setNoDelay(true);
    this.ssh.injectSocket(socket);
  }

  /** Destroys the socket; logs at most once a second, with the number refused since the last line. */
  private refuse(socket: Socket, source: string, limit: 'max-sessions' | 'max-unauthenticated' | 'max-unauthenticated-per-source'): void {
    socket.destroy();
    this.refusedSinceLog++;
    const now = performance.now();
    if (now - this.lastRefusalLog < 1000) return;
    this.log.warn('SSH connection refused: too many connections', { source, limit, refused: this.refusedSinceLog });
    this.lastRefusalLog = now;
    this.refusedSinceLog = 0;
  }

  /** Counts the connection as unauthenticated, or stops counting it (at once, before its socket is gone). */
  private count(conn: Conn, counted: boolean): void {
    if (conn.counted === counted) return;
    conn.counted = counted;
    const delta = counted ? 1 : -1;
    this.unauthenticatedTotal += delta;
    const n = (this.unauthenticated.get(conn.source) ?? 0) + delta;
    if (n === 0) this.unauthenticated.delete(conn.source);
    else this.unauthenticated.set(conn.source, n);
  }

  /**
   * RFC 4252 section 4: a connection not authenticated within the grace time
   * is closed; so is one authenticated that starts no NETCONF session within
   * it, or whose last session ended that long ago.
   */
  private startGrace(conn: Conn): void {
    conn.grace = setTimeout(() => {
      this.log.info(conn.authenticated ? 'SSH connection closed: no NETCONF session within the login grace time' : 'SSH connection closed: not authenticated within the login grace time', {
        source: conn.source,
        user: conn.authenticated ? conn.username : undefined,
      });
      this.count(conn, false);
      conn.socket.destroy();
    }, this.options.loginGraceTimeMs);
  }

  private connection(client: Connection, ip: string, port: number): void {
    const conn = this.conns.get(connKey(ip, port));
    client.on('error', (e) => this.log.debug('SSH connection error', { source: ip, error: e.message }));
    if (!conn) {
      client.end();
      return;
    }
    if (!acceptRepeatedUserauthRequests(client)) this.log.warn('ssh2 internals changed: a client asking for ssh-userauth twice (paramiko) will be disconnected');
    client.on('authentication', (ctx) => this.authenticate(ctx, conn));
    client.on('ready', () => client.on('session', (accept, reject) => this.session(conn, client, accept, reject)));
    // no 'tcpip', 'request' or other channel listeners: ssh2 refuses port forwarding and other channel types
  }

  /**
   * Every failure is counted before its answer is sent, and answered at once:
   * the limiter's lockout is the limit (see login-limiter.ts). A refused
   * attempt gets the same answer as a wrong one (RFC 4252 section 5.1).
   */
  private authenticate(ctx: AuthContext, conn: Conn): void {
    if (ctx.method !== 'password' && ctx.method !== 'publickey') return ctx.reject(METHODS);
    const user = ctx.username;
    const fields = { user: loggedName(user), source: conn.source, method: ctx.method };
    const check = ctx.method === 'password' ? (): boolean => this.auth.checkPassword(user, ctx.password) : this.keyCheck(ctx);
    if (check === 'reject') return ctx.reject(METHODS);
    if (check === 'accept') return ctx.accept();
    const refusal = this.limiter.refusal(user, conn.source, ctx.method);
    if (refusal) {
      if (refusal.first) this.log.warn('authentication refused unchecked: locked out', { ...fields, locked: refusal.scope });
      return ctx.reject(METHODS);
    }
    if (!check()) {
      const locks = this.limiter.failure(user, conn.source);
      this.log.warn('authentication failed', fields);
      for (const scope of locks) this.log.warn('login locked out', { ...fields, locked: scope, seconds: this.options.authLimits.lockoutMs / 1000 });
      return ctx.reject(METHODS);
    }
    this.limiter.success(user, conn.source);
    this.log.info('authenticated', fields);
    conn.authenticated = true;
    conn.username = user;
    this.count(conn, false);
    ctx.accept();
  }

  /**
   * A public key attempt: answered at once when it is no attempt at all, else
   * the signature check. A key not authorized for the user is no guess (keys
   * cannot be guessed, and clients such as paramiko offer every key they hold,
   * signed); one offered without a signature asks "would this key do?"
   * (RFC 4252 section 7).
   */
  private keyCheck(ctx: PublicKeyAuthContext): 'accept' | 'reject' | (() => boolean) {
    const key = this.auth.authorizedKeys(ctx.username).find((k) => k.type === ctx.key.algo && sameBytes(k.getPublicSSH(), ctx.key.data));
    if (!key) return 'reject';
    const { blob, signature } = ctx;
    if (!blob || !signature) return 'accept';
    return () => key.verify(blob, signature, ctx.hashAlgo) === true;
  }

  /**
   * RFC 4254 section 6.1: a session channel, at most maxChannelsPerConnection
   * at once on one connection and max-sessions on all: a NETCONF session
   * counts from the moment its channel opens.
   */
  private session(conn: Conn, client: Connection, accept: () => Session, reject: () => void): void {
    const limit = conn.channels >= this.options.maxChannelsPerConnection ? 'max-channels-per-connection' : this.sessionChannels >= this.netconf.options.maxSessions ? 'max-sessions' : undefined;
    if (limit) {
      if (!conn.channelRefusalLogged) this.log.warn('channel refused', { user: conn.username, source: conn.source, limit });
      conn.channelRefusalLogged = true;
      reject();
      return;
    }
    conn.channels++;
    this.sessionChannels++;
    const channel = accept();
    channel.once('close', () => {
      conn.channels--;
      this.sessionChannels--;
    });
    channel.on('subsystem', (accept, reject, info) => {
      if (info.name !== 'netconf' || !this.netconf.canOpenSession()) {
        this.log.warn('subsystem refused', { subsystem: info.name, user: conn.username, source: conn.source });
        reject();
        return;
      }
      this.attach(accept(), client, conn);
    });
    // RFC 4254 section 6.2: a pty is accepted and ignored, as OpenSSH does for
    // its subsystems (clients run with `ssh -tt` ask for one first)
    channel.on('pty', (accept) => accept?.());
    // RFC 6242 section 3: only the netconf subsystem is served here
    channel.on('exec', (_a, reject) => reject());
    channel.on('shell', (_a, reject) => reject());
  }

  private attach(stream: ServerChannel, client: Connection, conn: Conn): void {
    conn.sessions++;
    clearTimeout(conn.grace);
    let running = true;
    let endedHere = false;
    /** The session is over (its locks go now, not when the client answers); the grace timer bounds the connection. */
    const gone = (): void => {
      if (!running) return;
      running = false;
      session.closed();
      if (--conn.sessions === 0 && !conn.socket.destroyed) this.startGrace(conn);
    };
    const session = this.netconf.openSession(
      {
        write: (d) => stream.write(d),
        pause: () => stream.pause(),
        resume: () => stream.resume(),
        end: () => {
          // RFC 4254 section 6.10: `ssh -s netconf` exits with this status
          stream.exit(0);
          stream.end();
          endedHere = true;
          queueMicrotask(gone);
        },
      },
      conn.username,
      conn.source,
    );
    stream.on('data', (d: Buffer) => session.feed(d));
    stream.on('drain', () => session.drained());
    stream.once('error', gone);
    stream.once('close', () => {
      gone();
      // the client has closed the channel too (RFC 4254 section 5.3): a
      // disconnect now cannot overtake the exit status
      if (endedHere && conn.sessions === 0) client.end();
    });
  }
}

/**
 * ssh2's algorithm options. ssh2 offers a host key algorithm for each host key
 * it holds (an ed25519 key signs only as 'ssh-ed25519'), so the configured
 * list is cut to the ones the host key can sign with; none left is an error.
 * (For an RSA key ssh2 also offers 'ssh-rsa', last.)
 */
function sshAlgorithms(lists: SshAlgorithmLists, hostKey: Buffer): Algorithms {
  const parsed = parseKey(hostKey);
  if (parsed instanceof Error) throw new Error(`netconf.host-key: ${parsed.message}`);
  const keyType = (Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed).type;
  const usable = keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
  const serverHostKey = lists.serverHostKey.filter((a) => usable.includes(a));
  if (serverHostKey.length === 0) throw new Error(`netconf.ssh-algorithms.server-host-key: none of them can be used with the host key, a ${keyType} key`);
  return {
    kex: [...lists.kex] as KexAlgorithm[],
    serverHostKey: serverHostKey as ServerHostKeyAlgorithm[],
    cipher: [...lists.cipher] as CipherAlgorithm[],
    hmac: [...lists.hmac] as MacAlgorithm[],
    compress: [...lists.compress] as CompressionAlgorithm[],
  };
}

/** The parts of ssh2 1.17's connection internals used below. */
interface ConnectionInternals {
  readonly authenticated: boolean;
  readonly _protocol?: {
    readonly _handlers?: { SERVICE_REQUEST?: (protocol: unknown, name: string) => void };
    serviceAccept?(name: string): void;
  };
}

/**
 * RFC 4253 section 10: paramiko (under ncclient and Ansible) asks for the
 * ssh-userauth service again before each authentication method, and ssh2
 * answers a second request with a disconnect (SERVICE_NOT_AVAILABLE): such a
 * client could not fall back from a key the server refuses to its password.
 * ssh2 looks its message handlers up for each message, so the one for
 * SERVICE_REQUEST is wrapped: before authentication a repeat is accepted
 * again, as OpenSSH does. False when ssh2's internals are not as expected.
 */
function acceptRepeatedUserauthRequests(client: Connection): boolean {
  const internals = client as unknown as ConnectionInternals;
  const protocol = internals._protocol;
  const handlers = protocol?._handlers;
  const original = handlers?.SERVICE_REQUEST;
  if (!protocol || !handlers || !original || typeof protocol.serviceAccept !== 'function') return false;
  let accepted = false;
  handlers.SERVICE_REQUEST = (p, name) => {
    if (accepted && name === 'ssh-userauth' && !internals.authenticated) return protocol.serviceAccept?.(name);
    accepted ||= name === 'ssh-userauth';
    original(p, name);
  };
  return true;
}

/** An IPv4-mapped IPv6 address counts as its IPv4 address. */
function sourceAddress(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

function connKey(address: string | undefined, port: number | undefined): string {
  return `${address} ${port}`;
}

/** A user name as logged: a client chooses it, so it is cut short. */
function loggedName(user: string): string {
  return user.length <= LOGGED_NAME_MAX ? user : `${user.slice(0, LOGGED_NAME_MAX)}...`;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
