// A NETCONF session over a bare ssh2 channel that a test can stop reading
// (a slow receiver, RFC 8639 section 2.7).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client, ClientChannel } from 'ssh2';
import { FrameDecoder } from '../../src/netconf/framing';
import { USERS } from './server';

/** A NETCONF session over a bare ssh2 channel (base:1.0 framing), read only while not paused. */
export interface RawSession {
  readonly channel: ClientChannel;
  /** the messages received, in order */
  readonly messages: string[];
  send(xml: string): void;
  /** resolves when a message matching `re` has been received */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  close(): void;
}

export function rawSession(port: number): Promise<RawSession> {
  const conn = new Client();
  const decoder = new FrameDecoder({ maxMessageBytes: 1 << 24 });
  const messages: string[] = [];
  let notify = (): void => undefined;
  return new Promise((resolve, reject) => {
    conn.on('error', reject);
    conn.on('ready', () =>
      conn.subsys('netconf', (err, channel) => {
        if (err) return reject(err);
        channel.on('data', (d: Buffer) => {
          decoder.push(d);
          for (let m = decoder.next(); m; m = decoder.next()) messages.push(m.toString('utf8'));
          notify();
        });
        const send = (xml: string): void => void channel.write(`${xml}]]>]]>`);
        send('<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>');
        resolve({
          channel,
          messages,
          send,
          waitFor: (re, ms = 10_000) =>
            new Promise((ok, fail) => {
              const timer = setTimeout(() => fail(new Error(`no message matching ${re} in ${ms} ms; got ${messages.length}`)), ms);
              notify = (): void => {
                if (!messages.some((m) => re.test(m))) return;
                clearTimeout(timer);
                ok();
              };
              notify();
            }),
          close: () => conn.end(),
        });
      }),
    );
    conn.connect({ host: '127.0.0.1', port, username: USERS.admin.name, password: USERS.admin.password });
  });
}

/** The memory an in-process server holds after a full collection: the V8 heap and what lies outside it (Buffers: what ssh2 and the sockets hold). */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
