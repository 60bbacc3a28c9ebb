// The commit journal: record framing, torn tails and corruption, group commit.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, decodeRecords, encodeRecord, Journal } from '../../src/datastore/journal';
import { StateCorruptError } from '../../src/datastore/state-errors';

describe('datastore/journal', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'ncbgp-journal-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('CRC-32 is the ISO-HDLC one (check value of "123456789")', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  it('a record is length, CRC-32 and the UTF-8 payload', () => {
    const r = encodeRecord('é');
    assert.deepEqual([...r.subarray(0, 4)], [0, 0, 0, 2]);
    assert.equal(r.readUInt32BE(4), crc32(Buffer.from('é')));
    assert.deepEqual(decodeRecords(Buffer.concat([r, encodeRecord('b')])), { payloads: ['é', 'b'], intact: r.length + 9 });
  });

  const torn: [string, (good: Buffer, last: Buffer) => Buffer][] = [
    ['a header cut short', (g, l) => Buffer.concat([g, l.subarray(0, 5)])],
    ['a payload cut short', (g, l) => Buffer.concat([g, l.subarray(0, l.length - 1)])],
    ['a payload that does not match its CRC', (g, l) => Buffer.concat([g, Buffer.from(l.map((b, i) => (i === l.length - 1 ? b ^ 1 : b)))])],
    ['a length past any record', (g) => Buffer.concat([g, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])],
  ];
  for (const [name, damage] of torn) {
    it(`open() keeps the intact records before ${name} and cuts the rest off`, async () => {
      const file = join(dir, 'j');
      const good = Buffer.concat([encodeRecord('one'), encodeRecord('two')]);
      fs.writeFileSync(file, damage(good, encodeRecord('three')));
      const { journal, payloads } = Journal.open(file);
      assert.deepEqual(payloads, ['one', 'two']);
      assert.equal(fs.statSync(file).size, good.length);
      await journal.append('four');
      await journal.close();
      assert.deepEqual(Journal.open(file).payloads, ['one', 'two', 'four']);
    });
  }

  it('a bad record with a valid one after it is corruption: open() throws StateCorruptError and leaves the file as it was', () => {
    const file = join(dir, 'j');
    const one = encodeRecord('one');
    const content = Buffer.concat([one, Buffer.from(encodeRecord('two').map((b, i) => (i === 9 ? b ^ 1 : b))), encodeRecord('three')]);
    fs.writeFileSync(file, content, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    assert.throws(
      () => Journal.open(file),
      (e: unknown) => e instanceof StateCorruptError && e.file === file && e.journal?.record === 2 && e.journal.offset === one.length && e.journal.resumeAt === one.length + 11 && e.journal.reason === 'CRC mismatch',
    );
    assert.deepEqual(fs.readFileSync(file), content);
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
  });

  it('an empty record (a run of zeros) is damage, not a commit', () => {
    assert.deepEqual(decodeRecords(Buffer.concat([encodeRecord('one'), Buffer.alloc(64)])), { payloads: ['one'], intact: 11, damage: { offset: 11, reason: 'empty record' } });
  });

  it('concurrent appends all land, in order, mode 0600; truncate empties it', async () => {
    const file = join(dir, 'j');
    const { journal } = Journal.open(file);
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(`r${i}`)));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const { payloads } = decodeRecords(fs.readFileSync(file));
    assert.deepEqual(payloads, Array.from({ length: 200 }, (_, i) => `r${i}`));
    await journal.truncate();
    assert.equal(fs.statSync(file).size, 0);
    await journal.close();
  });
});
