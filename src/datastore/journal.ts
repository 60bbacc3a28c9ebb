// An append-only journal of committed changes beside a datastore's snapshot
// (persist.ts), so that a commit costs one small append and one fdatasync
// instead of rewriting the whole datastore.
//
// Record layout (big-endian):
//   +--------------------+--------------------+------------------+
//   | length (4 octets)  | CRC-32 (4 octets)  | payload (UTF-8)  |
//   +--------------------+--------------------+------------------+
// A record is never empty (a commit is a <data> document). A bad record
// (short, empty, too long, or its CRC does not match) with no valid record
// anywhere after it is a tail torn by a crash: it and everything after it are
// cut off when the journal is opened. A bad record with a valid one after it
// (found by trying every later byte offset: records carry no marker) is
// damage to acknowledged commits: open() refuses, changing nothing.
// Appends made while a write is in flight are written and synced together
// (group commit); each append resolves once its record is on disk.
import * as fs from 'node:fs';
import { JournalCorruption, StateCorruptError } from './state-errors';

const HEADER = 8;
/** A record larger than this is damage, not a commit. */
const MAX_RECORD = 256 * 1024 * 1024;

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as zlib computes it). */
export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function encodeRecord(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

/** Why the record at `at` is not valid, or its length when it is. */
function recordAt(buf: Buffer, at: number): number | string {
  if (buf.length - at < HEADER) return 'header cut short';
  const length = buf.readUInt32BE(at);
  if (length === 0) return 'empty record';
  if (length > MAX_RECORD) return 'length too large';
  if (buf.length - at - HEADER < length) return 'length past the end of the file';
  if (crc32(buf.subarray(at + HEADER, at + HEADER + length)) !== buf.readUInt32BE(at + 4)) return 'CRC mismatch';
  return length;
}

export interface DecodedJournal {
  /** the payloads of the intact records at the start */
  readonly payloads: string[];
  /** how many octets they take */
  readonly intact: number;
  /** why decoding stopped before the end, when it did */
  readonly damage?: { readonly offset: number; readonly reason: string };
  /** set when a valid record follows the damage: corruption, not a torn tail */
  readonly corruption?: JournalCorruption;
}

/** Decodes the records of a journal's content, telling a torn tail from corruption. */
export function decodeRecords(buf: Buffer): DecodedJournal {
  const payloads: string[] = [];
  let at = 0;
  while (at < buf.length) {
    const r = recordAt(buf, at);
    if (typeof r === 'string') {
      const damage = { offset: at, reason: r };
      for (let p = at + 1; p + HEADER < buf.length; p++) {
        if (typeof recordAt(buf, p) === 'number') return { payloads, intact: at, damage, corruption: { record: payloads.length + 1, offset: at, reason: r, resumeAt: p } };
      }
      return { payloads, intact: at, damage };
    }
    payloads.push(buf.toString('utf8', at + HEADER, at + HEADER + r));
    at += HEADER + r;
  }
  return { payloads, intact: at };
}

export class Journal {
  private fd: number;
  private bytes: number;
  /** octets known to be on disk */
  private durable: number;
  private pending: { record: Buffer; done: (e?: Error) => void }[] = [];
  /** the write and sync in progress, until pending is empty */
  private flushing?: Promise<void>;
  /** set by a failed write or sync: every append fails with it until resume() */
  private failure?: Error;

  private constructor(private readonly file: string, fd: number, bytes: number) {
    this.fd = fd;
    this.bytes = bytes;
    this.durable = bytes;
  }

  /**
   * Opens (creating, mode 0600) the journal; returns it with the payloads of
   * its intact records and the torn tail it cut off, if any. Throws
   * StateCorruptError, changing nothing, when it is damaged before its end.
   */
  static open(file: string): { journal: Journal; payloads: string[]; cut?: { offset: number; bytes: number; reason: string } } {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
    try {
      const buf = fs.readFileSync(fd);
      const { payloads, intact, damage, corruption } = decodeRecords(buf);
      if (corruption) throw StateCorruptError.journalDamage(file, corruption);
      fs.fchmodSync(fd, 0o600);
      if (damage) {
        fs.ftruncateSync(fd, intact);
        fs.fsyncSync(fd);
      }
      const cut = damage && { offset: intact, bytes: buf.length - intact, reason: damage.reason };
      return { journal: new Journal(file, fd, intact), payloads, ...(cut && { cut }) };
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** Octets of records on disk or on their way. */
  get size(): number {
    return this.bytes;
  }

  /** Resolves when the record is written and synced. */
  append(payload: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const record = encodeRecord(payload);
    this.bytes += record.length;
    return new Promise((resolve, reject) => {
      this.pending.push({ record, done: (e) => (e ? reject(e) : resolve()) });
      this.flushing ??= this.flush();
    });
  }

  /** Empties the journal once everything appended so far is on disk (after a snapshot took it all in). */
  async truncate(): Promise<void> {
    await this.settled();
    fs.ftruncateSync(this.fd, 0);
    fs.fsyncSync(this.fd);
    this.bytes = 0;
    this.durable = 0;
  }

  /** Whether a write or sync failed since the last resume(): appends fail until then. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /**
   * After a failed write: cuts the file back to its last whole record (what
   * is on disk) and takes appends again. Throws, staying failed, when the
   * file cannot be cut.
   */
  resume(): void {
    if (!this.failure || this.flushing) return;
    fs.ftruncateSync(this.fd, this.durable);
    this.bytes = this.durable;
    this.failure = undefined;
  }

  async close(): Promise<void> {
    await this.settled();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Resolves once every append so far is on disk or failed. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    // never done before append() has set `flushing` (a write that fails at once would leave it set for ever)
    await Promise.resolve();
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      const data = Buffer.concat(batch.map((b) => b.record));
      try {
        writeAll(this.fd, data); // to the page cache; the sync is what takes time
        await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
        this.durable += data.length;
      } catch (e) {
        // the records appended after these were made on top of them: they fail too, and so does every append until resume()
        const error = new Error(`journal ${this.file}: ${(e as Error).message}`, { cause: e });
        this.failure = error;
        const failed = [...batch, ...this.pending];
        this.pending = [];
        this.bytes = this.durable;
        // a partial record would hide every later one: cut back to what is whole (resume() tries again if this fails)
        try {
          fs.ftruncateSync(this.fd, this.durable);
        } catch {
          // resume() cuts it, or the next open() cuts the torn record off
        }
        for (const b of failed) b.done(error);
        break;
      }
      for (const b of batch) b.done();
    }
    this.flushing = undefined;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  for (let at = 0; at < buf.length; ) at += fs.writeSync(fd, buf, at, buf.length - at);
}
