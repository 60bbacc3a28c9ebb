// Session and notification helpers shared by the NETCONF tests.
import assert from 'node:assert/strict';
import { NetconfClient } from '../../src/netconf/client';
import { NetconfRpcError } from '../../src/model/rpc-error';
import { child, XmlElement } from '../../src/model/xml';
import { connect, TestServer } from './server';

/** The sessions a test opens (as `user`, default admin), destroyed together by closeAll(). */
export function sessionPool(server: () => TestServer): { session(user?: string): Promise<NetconfClient>; closeAll(): void } {
  const open: NetconfClient[] = [];
  return {
    async session(user) {
      const c = await connect(server(), user);
      open.push(c);
      return c;
    },
    closeAll() {
      for (const c of open.splice(0)) c.destroy();
    },
  };
}

export const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

/** Collects a session's notifications; `next` waits for the next one. */
export function inbox(c: NetconfClient): { next(ms?: number): Promise<XmlElement>; all: XmlElement[] } {
  const all: XmlElement[] = [];
  const waiting: ((n: XmlElement) => void)[] = [];
  let read = 0;
  c.on('notification', (n) => {
    all.push(n);
    const w = waiting.shift();
    if (w) w(all[read++]);
  });
  return {
    all,
    next: (ms = 5000) =>
      read < all.length
        ? Promise.resolve(all[read++])
        : new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('no notification came')), ms);
            waiting.push((n) => {
              clearTimeout(t);
              resolve(n);
            });
          }),
  };
}

/** The event element of a <notification> (the one that is not eventTime). */
export const event = (n: XmlElement): XmlElement => n.children.find((c) => c.name !== 'eventTime') as XmlElement;
export const field = (e: XmlElement, name: string): string | undefined => child(e, name)?.text;

export const subscribe = (c: NetconfClient, inner = ''): Promise<XmlElement> => c.rpc(`<create-subscription xmlns="${NOTIFICATION_NS}">${inner}</create-subscription>`);

/** The NetconfRpcError `fn` throws; fails when it throws none. */
export function caught(fn: () => void): NetconfRpcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NetconfRpcError) return e;
    throw e;
  }
  assert.fail('no rpc-error was raised');
}
