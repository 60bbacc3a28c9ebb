// NETCONF message framing, RFC 6242 section 4: end-of-message framing
// (section 4.3, base:1.0) and chunked framing (section 4.2, base:1.1).
// Pure: bytes in, whole messages out, and back. Incremental (any split of the
// input gives the same messages), linear in the input, bounded by
// maxMessageBytes.

export type Framing = 'eom' | 'chunked';

/** A framing violation; RFC 6242 section 4.2 says the session must then be terminated. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

export interface FrameDecoderOptions {
  /** Largest message (without framing) accepted, in bytes. */
  maxMessageBytes: number;
}

const LF = 0x0a;
const HASH = 0x23;
const DIGIT0 = 0x30;
const DIGIT9 = 0x39;
/** Section 4.3: the end-of-message delimiter. */
const EOM = Buffer.from(']]>]]>', 'latin1');
/** KMP failure function of "]]>]]>": longest proper prefix that is also a suffix of EOM[0..i]. */
const EOM_FALLBACK = [0, 1, 0, 1, 2, 3];
const EOM_FIRST = EOM[0];
/** Section 4.2: "the maximum allowed chunk-size value is 4294967295". */
const MAX_CHUNK_SIZE = 4294967295;
/** Longest framing fragment a drained decoder may hold: LF HASH 10*DIGIT LF. */
const MAX_HEADER_BYTES = 13;

/** A FIFO of received Buffers, read from the front without copying. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // index of the first chunk with unread bytes
  private offset = 0; // read offset into chunks[head]
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Puts pieces back in front of the unread bytes, in order. */
  unshift(pieces: Buffer[]): void {
    const rest = this.chunks.slice(this.head);
    if (rest.length > 0) rest[0] = rest[0].subarray(this.offset);
    this.chunks = pieces.filter((p) => p.length > 0).concat(rest);
    this.head = 0;
    this.offset = 0;
    for (const p of pieces) this.length += p.length;
  }

  /** The byte at position i of the unread bytes, or undefined past the end. */
  peek(i: number): number | undefined {
    if (i >= this.length) return undefined;
    let at = i + this.offset;
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (at < chunk.length) return chunk[at];
      at -= chunk.length;
    }
    return undefined;
  }

  /** The unread part of the first chunk (empty when the queue is empty). */
  front(): Buffer {
    if (this.head >= this.chunks.length) return Buffer.alloc(0);
    return this.chunks[this.head].subarray(this.offset);
  }

  /** Discards n unread bytes (n <= length). */
  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const left = this.chunks[this.head].length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      this.head++;
      this.offset = 0;
    }
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

type DecodeState =
  | { kind: 'between' } // eom mode, before a message: whitespace, then eom or a chunked hello
  | { kind: 'eom'; matched: number } // inside an eom message; matched = bytes of EOM seen
  | { kind: 'chunk-header' } // expecting LF HASH chunk-size LF, or LF HASH HASH LF
  | { kind: 'chunk-data'; remaining: number };

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === LF;
}

function isDigit(b: number): boolean {
  return b >= DIGIT0 && b <= DIGIT9;
}

function printable(b: number): string {
  return b >= 0x21 && b <= 0x7e ? `'${String.fromCharCode(b)}'` : `0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * Splits a received byte stream into NETCONF messages. Feed it with push();
 * drain it with next() until undefined after each push. After a FramingError
 * every later push() and next() throws the same error.
 */
export class FrameDecoder {
  private framing: Framing = 'eom';
  private readonly maxMessageBytes: number;
  private readonly input = new ByteQueue(); // received, not yet decoded
  private parts: Buffer[] = []; // decoded bytes of the message in progress
  private partsLength = 0;
  private state: DecodeState = { kind: 'between' };
  private failure: FramingError | undefined;

  constructor(opts: FrameDecoderOptions) {
    this.maxMessageBytes = opts.maxMessageBytes;
  }

  get mode(): Framing {
    return this.framing;
  }

  /** Bytes received and not yet returned by next(). */
  get buffered(): number {
    return this.input.length + this.partsLength;
  }

  /**
   * Switches framing (RFC 6242 section 4.1: after the hello exchange). Bytes
   * received after the last message returned are decoded in the new mode.
   * Throws Error inside a chunked message, whose headers are already consumed.
   */
  setMode(mode: Framing): void {
    const s = this.state;
    if (s.kind === 'chunk-data' || (s.kind === 'chunk-header' && this.partsLength > 0)) {
      if (mode === 'chunked') {
        this.framing = mode;
        return;
      }
      throw new Error('setMode: cannot switch framing inside a chunked message');
    }
    if (s.kind === 'eom') this.input.unshift(this.parts);
    this.parts = [];
    this.partsLength = 0;
    this.framing = mode;
    this.state = this.initialState();
  }

  /**
   * Appends received bytes. Throws FramingError when the bytes held from
   * earlier pushes exceed what a drained decoder can hold (one message in
   * progress plus one incomplete header or delimiter): next() was not called.
   */
  push(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    if (this.buffered > this.maxMessageBytes + MAX_HEADER_BYTES) {
      throw this.fail(`${this.buffered} bytes buffered and not taken by next() (maxMessageBytes ${this.maxMessageBytes})`);
    }
    this.input.push(chunk);
  }

  /** The next complete message without its framing, or undefined if none is complete yet. */
  next(): Buffer | undefined {
    if (this.failure) throw this.failure;
    for (;;) {
      const s = this.state;
      let progressed: boolean;
      switch (s.kind) {
        case 'between':
          progressed = this.decodeBetween();
          break;
        case 'eom': {
          const message = this.decodeEom(s);
          if (message) return message;
          progressed = false;
          break;
        }
        case 'chunk-header': {
          const message = this.decodeChunkHeader();
          if (message) return message;
          progressed = this.state !== s;
          break;
        }
        case 'chunk-data':
          progressed = this.decodeChunkData(s);
          break;
      }
      if (!progressed) return undefined;
    }
  }

  private initialState(): DecodeState {
    return this.mode === 'eom' ? { kind: 'between' } : { kind: 'chunk-header' };
  }

  private fail(message: string): FramingError {
    this.failure = new FramingError(message);
    return this.failure;
  }

  private finish(length: number): Buffer {
    const message = Buffer.concat(this.parts, length);
    this.parts = [];
    this.partsLength = 0;
    this.state = this.initialState();
    return message;
  }

  /** Moves n input bytes (n <= input.length) to the message in progress. */
  private take(n: number): void {
    while (n > 0) {
      const piece = this.input.front();
      const part = piece.length > n ? piece.subarray(0, n) : piece;
      this.parts.push(part);
      this.partsLength += part.length;
      this.input.skip(part.length);
      n -= part.length;
    }
  }

  /**
   * Eom mode between messages: drops whitespace, then starts an eom message,
   * or a chunked one if LF HASH DIGIT follows (a client that sends its hello
   * in chunked framing). Returns false when more input is needed.
   */
  private decodeBetween(): boolean {
    for (;;) {
      const b0 = this.input.peek(0);
      if (b0 === undefined) return false;
      if (b0 === LF) {
        const b1 = this.input.peek(1);
        if (b1 === undefined) return false;
        if (b1 === HASH) {
          const b2 = this.input.peek(2);
          if (b2 === undefined) return false;
          if (isDigit(b2)) {
            this.state = { kind: 'chunk-header' };
            return true;
          }
        }
      } else if (!isWhitespace(b0)) {
        this.state = { kind: 'eom', matched: 0 };
        return true;
      }
      this.input.skip(1);
    }
  }

  /** Section 4.3: scans new input for "]]>]]>". */
  private decodeEom(s: { kind: 'eom'; matched: number }): Buffer | undefined {
    while (this.input.length > 0) {
      const piece = this.input.front();
      let m = s.matched;
      let end = -1;
      for (let i = 0; i < piece.length; i++) {
        if (m === 0) {
          i = piece.indexOf(EOM_FIRST, i);
          if (i < 0) break;
        }
        const b = piece[i];
        while (m > 0 && b !== EOM[m]) m = EOM_FALLBACK[m - 1];
        if (b === EOM[m]) m++;
        if (m === EOM.length) {
          end = i + 1;
          break;
        }
      }
      s.matched = m;
      this.take(end < 0 ? piece.length : end);
      const length = this.partsLength - m;
      if (length > this.maxMessageBytes) {
        throw this.fail(`end-of-message framing: no ]]>]]> within maxMessageBytes (${this.maxMessageBytes})`);
      }
      if (end >= 0) return this.finish(length);
    }
    return undefined;
  }

  /**
   * Section 4.2: chunk = LF HASH chunk-size LF chunk-data, chunk-size =
   * 1*DIGIT1 0*DIGIT; end-of-chunks = LF HASH HASH LF. Consumes a complete
   * header only; returns the message at end-of-chunks.
   */
  private decodeChunkHeader(): Buffer | undefined {
    const b0 = this.input.peek(0);
    if (b0 === undefined) return undefined;
    if (b0 !== LF) throw this.fail(`chunked framing: expected LF starting a chunk header, got ${printable(b0)}`);
    const b1 = this.input.peek(1);
    if (b1 === undefined) return undefined;
    if (b1 !== HASH) throw this.fail(`chunked framing: expected '#' after LF in a chunk header, got ${printable(b1)}`);
    const b2 = this.input.peek(2);
    if (b2 === undefined) return undefined;
    if (b2 === HASH) {
      const b3 = this.input.peek(3);
      if (b3 === undefined) return undefined;
      if (b3 !== LF) throw this.fail(`chunked framing: expected LF after end-of-chunks '##', got ${printable(b3)}`);
      if (this.partsLength === 0) throw this.fail('chunked framing: end-of-chunks before any chunk');
      this.input.skip(4);
      return this.finish(this.partsLength);
    }
    if (!isDigit(b2)) throw this.fail(`chunked framing: chunk-size has no digits, got ${printable(b2)}`);
    if (b2 === DIGIT0) {
      const b3 = this.input.peek(3);
      if (b3 === undefined) return undefined;
      throw this.fail(isDigit(b3) ? 'chunked framing: chunk-size with a leading zero' : 'chunked framing: chunk-size 0');
    }
    let size = 0;
    for (let i = 2; ; i++) {
      const b = this.input.peek(i);
      if (b === undefined) return undefined;
      if (b === LF) {
        this.input.skip(i + 1);
        this.state = { kind: 'chunk-data', remaining: size };
        return undefined;
      }
      if (!isDigit(b)) throw this.fail(`chunked framing: invalid character ${printable(b)} in chunk-size`);
      // digits only make the size larger: refuse as soon as it is too large
      size = size * 10 + (b - DIGIT0);
      if (size > MAX_CHUNK_SIZE) throw this.fail(`chunked framing: chunk-size exceeds ${MAX_CHUNK_SIZE}`);
      if (this.partsLength + size > this.maxMessageBytes) {
        throw this.fail(`chunked framing: chunk-size takes the message past maxMessageBytes (${this.maxMessageBytes})`);
      }
    }
  }

  private decodeChunkData(s: { kind: 'chunk-data'; remaining: number }): boolean {
    const n = Math.min(s.remaining, this.input.length);
    this.take(n);
    s.remaining -= n;
    if (s.remaining > 0) return false;
    this.state = { kind: 'chunk-header' };
    return true;
  }
}

/**
 * Frames one message: section 4.3 appends "]]>]]>"; section 4.2 sends it as
 * chunks of at most 4294967295 octets and end-of-chunks. Throws FramingError
 * for a message the framing cannot carry.
 */
export function encodeFrame(message: string | Buffer, mode: Framing): Buffer {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (mode === 'eom') {
    if (data.includes(EOM)) throw new FramingError('end-of-message framing: message contains ]]>]]>');
    return Buffer.concat([data, EOM]);
  }
  if (data.length === 0) throw new FramingError('chunked framing: an empty message has no chunk');
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_CHUNK_SIZE) {
    const chunk = data.subarray(at, at + MAX_CHUNK_SIZE);
    pieces.push(Buffer.from(`\n#${chunk.length}\n`, 'latin1'), chunk);
  }
  pieces.push(Buffer.from('\n##\n', 'latin1'));
  return Buffer.concat(pieces);
}

const EOM_TEXT = ']]>]]>';
const END_OF_CHUNKS = '\n##\n';

/**
 * Frames messages given as strings into one Buffer, each encoded once,
 * straight into it (no Buffer per message). A string's UTF-8 form is far
 * below 4294967295 octets: a message is one chunk (section 4.2).
 */
export class FrameWriter {
  private readonly parts: (string | Buffer)[] = [];
  /** octets added since the last take() */
  bytes = 0;

  constructor(public mode: Framing) {}

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** Adds one message; throws FramingError for one the framing cannot carry. */
  add(message: string): void {
    if (this.mode === 'eom') {
      if (message.includes(EOM_TEXT)) throw new FramingError('end-of-message framing: message contains ]]>]]>');
      this.parts.push(message, EOM_TEXT);
      this.bytes += Buffer.byteLength(message) + EOM_TEXT.length;
      return;
    }
    if (message.length === 0) throw new FramingError('chunked framing: an empty message has no chunk');
    const size = Buffer.byteLength(message);
    const header = `\n#${size}\n`;
    this.parts.push(header, message, END_OF_CHUNKS);
    this.bytes += header.length + size + END_OF_CHUNKS.length;
  }

  /** Adds bytes as they are, framing included. */
  addRaw(bytes: Buffer): void {
    this.parts.push(bytes);
    this.bytes += bytes.length;
  }

  /** Forgets the messages added since the last take(). */
  clear(): void {
    this.parts.length = 0;
    this.bytes = 0;
  }

  /** The framed messages added since the last take(), and forgets them. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    for (const p of this.parts) at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
    this.clear();
    return out;
  }
}
