// NETCONF client over SSH (RFC 6241, RFC 6242): hello exchange, framing
// negotiation, <rpc> with message-id matching (so many may be outstanding),
// and RFC 5277 <notification> delivery.
import { EventEmitter } from 'node:events';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { encodeFrame, FrameDecoder, Framing, FrameWriter } from './framing';
import { CAPABILITY, NS } from '../model/namespaces';
import { child, parseXml, SERVER_XML_LIMITS, XmlElement } from '../model/xml';

// ssh2's client module alone: the package's index also loads its server,
// agents and key generation, about 40 ms of the start of `ncbgp refresh`
// (npm run bench -- cli). ssh2 is pinned (package.json).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SshClient = require('ssh2/lib/client.js') as typeof Client;

export interface ConnectOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  /** Limit for the whole of connect(): SSH handshake, authentication and the server's <hello>. */
  readyTimeoutMs?: number;
  /** Largest message accepted from the server; a larger one ends the session. */
  maxMessageBytes?: number;
  /** Capabilities sent in our <hello>; default base:1.0 and base:1.1. */
  capabilities?: readonly string[];
  /** false: send no <hello> at all (for testing a server's reaction with sendRaw). */
  sendHello?: boolean;
  /** Host key check (ssh2 semantics); default accepts any key. */
  hostVerifier?: ConnectConfig['hostVerifier'];
}

export interface NetconfClientEvents {
  notification: [notification: XmlElement];
  /** An <rpc-reply> no pending rpc() call claims (no message-id, or one sent with send/sendRaw). */
  'unmatched-reply': [reply: XmlElement];
  /** The session is gone; `reason` is set when it ended on an error. */
  close: [reason?: Error];
}

/** One <rpc-error> of a reply (RFC 6241 section 4.3), as received. */
export interface ReplyError {
  type: string;
  tag: string;
  severity: string;
  appTag?: string;
  path?: string;
  message?: string;
  info?: XmlElement;
}

export class SessionClosedError extends Error {}

const DEFAULT_READY_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Pending =
  | { text: false; resolve: (reply: XmlElement) => void; reject: (err: Error) => void }
  | { text: true; resolve: (reply: string) => void; reject: (err: Error) => void };

/** message-id of an <rpc-reply> start tag (unprefixed attribute), read without parsing. */
const REPLY_MESSAGE_ID = /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:[A-Za-z_][\w.-]*:)?rpc-reply\s[^>]*?(?<=\s)message-id\s*=\s*(["'])([^"'<>]*)\1/;

export class NetconfClient extends EventEmitter<NetconfClientEvents> {
  /** session-id from the server's <hello> (RFC 6241 section 8.1). */
  readonly sessionId: number;
  readonly serverCapabilities: readonly string[];

  private readonly pending = new Map<string, Pending>();
  private textPending = 0;
  /** what waits to be written: framed <rpc>s and write()s, in order */
  private readonly outbox: FrameWriter;
  /** the write()s in the outbox: told once it is written */
  private readonly written: ((err?: Error) => void)[] = [];
  private blocked = false;
  private flushScheduled = false;
  private nextMessageId = 1;
  private closedReason: Error | undefined;
  private isClosed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly conn: Client,
    private readonly channel: ClientChannel,
    private readonly decoder: FrameDecoder,
    hello: ServerHello,
    private readonly framingMode: Framing,
  ) {
    super();
    this.sessionId = hello.sessionId;
    this.serverCapabilities = hello.capabilities;
    this.outbox = new FrameWriter(framingMode);
    this.closedPromise = new Promise((resolve) => this.once('close', () => resolve()));
  }

  /** Opens the SSH connection and the `netconf` subsystem and exchanges <hello> (RFC 6242 section 3). */
  static connect(opts: ConnectOptions): Promise<NetconfClient> {
    const readyTimeout = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const capabilities = opts.capabilities ?? [CAPABILITY.base10, CAPABILITY.base11];
    const sendHello = opts.sendHello ?? true;
    const decoder = new FrameDecoder({ maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
    const conn = new SshClient();
    return new Promise<NetconfClient>((resolve, reject) => {
      let settled = false;
      let channel: ClientChannel | undefined;
      const onClose = (): void => fail(new SessionClosedError('session closed before the NETCONF <hello>'));
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`no NETCONF <hello> from ${opts.host}:${opts.port} within ${readyTimeout} ms`)), readyTimeout);
      const onHelloData = (chunk: Buffer): void => {
        if (settled || !channel) return;
        try {
          decoder.push(chunk);
          const message = decoder.next();
          if (!message) return;
          const hello = parseHello(message.toString('utf8'));
          // RFC 6241 section 8.1: chunked framing only when both sides say base:1.1.
          const mode: Framing = sendHello && capabilities.includes(CAPABILITY.base11) && hello.capabilities.includes(CAPABILITY.base11) ? 'chunked' : 'eom';
          decoder.setMode(mode);
          settled = true;
          clearTimeout(timer);
          for (const [emitter, event, fn] of [[conn, 'error', fail], [conn, 'close', onClose], [channel, 'error', fail], [channel, 'close', onClose], [channel, 'data', onHelloData]] as const) {
            emitter.off(event, fn);
          }
          const client = new NetconfClient(conn, channel, decoder, hello, mode);
          client.attach();
          resolve(client);
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
        }
      };
      conn.on('error', fail);
      conn.on('close', onClose);
      // request/response: a small write must not wait for the peer's delayed ACK (Nagle)
      conn.on('connect', () => conn.setNoDelay(true));
      conn.on('ready', () => {
        conn.subsys('netconf', (err, ch) => {
          if (err) return fail(err);
          channel = ch;
          ch.on('data', onHelloData);
          ch.on('error', fail);
          ch.on('close', onClose);
          if (sendHello) ch.write(encodeFrame(helloXml(capabilities), 'eom'));
        });
      });
      conn.connect({
        host: opts.host,
        port: opts.port,
        username: opts.username,
        password: opts.password,
        privateKey: opts.privateKey,
        readyTimeout,
        hostVerifier: opts.hostVerifier ?? (() => true),
      });
    });
  }

  /** The framing in force after the hello exchange. */
  get framing(): Framing {
    return this.framingMode;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Sends `<rpc message-id=N xmlns=base [attributes]>operationXml</rpc>` and resolves with the
   * matching <rpc-reply> (which may hold <rpc-error>s: see replyErrors). `attributes` is raw
   * attribute text added to <rpc>, e.g. `xmlns:ex="urn:ex" ex:trace="7"`.
   */
  rpc(operationXml: string, attributes = ''): Promise<XmlElement> {
    return new Promise<XmlElement>((resolve, reject) => this.call(operationXml, attributes, { text: false, resolve, reject }));
  }

  /**
   * Like rpc(), but resolves with the <rpc-reply> text as received, neither
   * parsed nor checked (for load generation, where parsing would cost more
   * than the server's work).
   */
  rpcText(operationXml: string, attributes = ''): Promise<string> {
    return new Promise<string>((resolve, reject) => this.call(operationXml, attributes, { text: true, resolve, reject }));
  }

  /** Sends one message framed in the session's framing, unchanged otherwise. */
  async send(message: string | Buffer): Promise<void> {
    return this.write(encodeFrame(message, this.framingMode));
  }

  /** Sends bytes as they are, no framing (for testing servers). */
  sendRaw(bytes: string | Buffer): Promise<void> {
    return this.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  /**
   * <close-session> (RFC 6241 section 7.8), then ends the SSH connection;
   * drops it instead when no reply comes within `timeoutMs`. Resolves once closed.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.isClosed) return;
    const timer = setTimeout(() => this.destroy(), timeoutMs);
    try {
      await this.rpc('<close-session/>');
    } catch {
      // already closing; fall through to end the transport
    }
    this.conn.end();
    await this.closedPromise;
    clearTimeout(timer);
  }

  /** Drops the TCP connection at once. */
  destroy(): void {
    this.conn.destroy();
  }

  /** Resolves when the session has closed, however it closed. */
  waitClosed(): Promise<void> {
    return this.closedPromise;
  }

  private call(operationXml: string, attributes: string, pending: Pending): void {
    if (this.isClosed) return pending.reject(this.closeError());
    const id = String(this.nextMessageId++);
    const extra = attributes ? ' ' + attributes : '';
    try {
      this.outbox.add(`<rpc message-id="${id}" xmlns="${NS.base}"${extra}>${operationXml}</rpc>`);
    } catch (e) {
      return pending.reject(e instanceof Error ? e : new Error(String(e)));
    }
    this.pending.set(id, pending);
    if (pending.text) this.textPending++;
    this.scheduleFlush();
  }

  private attach(): void {
    this.channel.on('data', (chunk: Buffer) => this.onData(chunk));
    this.channel.on('drain', () => this.flush());
    this.channel.on('close', () => this.shutdown());
    this.channel.on('error', (err: Error) => this.shutdown(err));
    this.conn.on('error', (err) => this.shutdown(err));
    this.conn.on('close', () => this.shutdown());
    // a message may have arrived together with the hello
    this.onData(Buffer.alloc(0));
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(chunk);
      for (let m = this.decoder.next(); m; m = this.decoder.next()) {
        const text = m.toString('utf8');
        if (this.textPending === 0 || !this.resolveText(text)) this.dispatch(parseXml(text, SERVER_XML_LIMITS), text);
        if (this.isClosed) return;
      }
    } catch (e) {
      this.shutdown(e instanceof Error ? e : new Error(String(e)));
      this.conn.destroy();
    }
  }

  /** Hands a reply to its rpcText() call without parsing it; false if it is not one. */
  private resolveText(text: string): boolean {
    const id = REPLY_MESSAGE_ID.exec(text)?.[2];
    const p = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || !p?.text) return false;
    this.take(id);
    p.resolve(text);
    return true;
  }

  private take(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (p) {
      this.pending.delete(id);
      if (p.text) this.textPending--;
    }
    return p;
  }

  private dispatch(msg: XmlElement, text: string): void {
    if (msg.ns === NS.base && msg.name === 'rpc-reply') {
      const id = msg.attrs.find((a) => a.ns === '' && a.name === 'message-id')?.value;
      const p = id === undefined ? undefined : this.take(id);
      if (!p) this.emit('unmatched-reply', msg);
      else if (p.text) p.resolve(text);
      else p.resolve(msg);
    } else if (msg.ns === NS.notification && msg.name === 'notification') {
      this.emit('notification', msg);
    } else {
      throw new Error(`unexpected NETCONF message <${msg.name} xmlns="${msg.ns}">`);
    }
  }

  private write(bytes: Buffer): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closeError());
    return new Promise<void>((resolve, reject) => {
      this.outbox.addRaw(bytes);
      this.written.push((err) => (err ? reject(err) : resolve()));
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.blocked || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.blocked && !this.isClosed) this.flush();
    });
  }

  // Writes what was queued in one turn as one piece (pipelined requests share
  // SSH packets), then waits for 'drain' when the channel says stop.
  private flush(): void {
    this.blocked = false;
    if (this.outbox.empty) return;
    this.blocked = !this.channel.write(this.outbox.take());
    for (const done of this.written.splice(0)) done();
  }

  private closeError(): Error {
    return this.closedReason ?? new SessionClosedError('NETCONF session closed');
  }

  private shutdown(reason?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedReason = reason ? new SessionClosedError(`NETCONF session closed: ${reason.message}`) : undefined;
    const err = this.closeError();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.textPending = 0;
    this.outbox.clear();
    for (const done of this.written.splice(0)) done(err);
    this.emit('close', reason);
  }
}

interface ServerHello {
  sessionId: number;
  capabilities: string[];
}

function helloXml(capabilities: readonly string[]): string {
  const caps = capabilities.map((c) => `<capability>${escapeText(c)}</capability>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${NS.base}"><capabilities>${caps}</capabilities></hello>`;
}

// RFC 6241 section 8.1: the server's hello carries its capabilities and a session-id.
function parseHello(text: string): ServerHello {
  const hello = parseXml(text, SERVER_XML_LIMITS);
  if (hello.ns !== NS.base || hello.name !== 'hello') throw new Error(`expected <hello>, got <${hello.name}>`);
  const caps = child(hello, 'capabilities', NS.base);
  const capabilities = (caps?.children ?? []).filter((c) => c.name === 'capability' && c.ns === NS.base).map((c) => c.text.trim());
  const sid = child(hello, 'session-id', NS.base)?.text.trim() ?? '';
  if (!/^[1-9][0-9]*$/.test(sid)) throw new Error(`server <hello> has no valid session-id (${JSON.stringify(sid)})`);
  if (!capabilities.includes(CAPABILITY.base10) && !capabilities.includes(CAPABILITY.base11)) {
    throw new Error('server <hello> advertises neither base:1.0 nor base:1.1');
  }
  return { sessionId: Number(sid), capabilities };
}

/** The <rpc-error> elements of a reply, read into plain fields. */
export function replyErrors(reply: XmlElement): ReplyError[] {
  return reply.children
    .filter((c) => c.name === 'rpc-error' && c.ns === NS.base)
    .map((e) => {
      const text = (name: string): string | undefined => child(e, name, NS.base)?.text;
      return {
        type: text('error-type') ?? '',
        tag: text('error-tag') ?? '',
        severity: text('error-severity') ?? '',
        appTag: text('error-app-tag'),
        path: text('error-path')?.trim(),
        message: text('error-message'),
        info: child(e, 'error-info', NS.base),
      };
    });
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
