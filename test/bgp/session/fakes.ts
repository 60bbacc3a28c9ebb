// A fake clock and fake connections for driving the session layer without sockets.
import { EventEmitter } from 'node:events';
import { decodeMessage, MessageReader } from '../../../src/bgp/wire/codec';
import { BgpMessage } from '../../../src/bgp/wire/types';
import { Timers } from '../../../src/bgp/session/fsm';

export class FakeClock implements Timers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; cb: () => void }>();

  setTimeout(cb: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, cb });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** timers armed and not yet run */
  get armed(): number {
    return this.pending.size;
  }

  /** Moves time on by ms, running what falls due in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; cb: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].cb();
    }
    this.now = end;
  }
}

/** Decodes every whole message in some written bytes. */
export function decodeAll(chunks: readonly Buffer[]): BgpMessage[] {
  const reader = new MessageReader({});
  reader.push(Buffer.concat(chunks));
  const out: BgpMessage[] = [];
  for (let m = reader.next(); m; m = reader.next()) out.push(decodeMessage(m, { fourOctetAs: true }));
  return out;
}

/** Stands for a net.Socket: records writes; the test emits 'connect', 'data', 'drain', 'close'. */
export class FakeConnection extends EventEmitter {
  readonly written: Buffer[] = [];
  writeResult = true;
  ended = false;
  destroyed = false;

  write(data: Buffer): boolean {
    this.written.push(data);
    return this.writeResult;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** the messages written so far */
  messages(): BgpMessage[] {
    return decodeAll(this.written);
  }

  /** bytes from the peer, one octet at a time */
  feedBytewise(data: Buffer): void {
    for (let i = 0; i < data.length; i++) this.emit('data', data.subarray(i, i + 1));
  }
}
