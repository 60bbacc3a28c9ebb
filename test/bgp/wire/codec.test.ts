// Whole messages: table-driven decode / encode / round-trip cases for every
// message type, capability and path attribute; the malformed corpus; the
// framing of a byte stream by MessageReader.
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, KEEPALIVE, MessageReader } from '../../../src/bgp/wire/codec';
import { BgpMessageError, type CodecOptions, ErrorHandling, MessageType } from '../../../src/bgp/wire/types';
import { frame, hex } from './fixtures/hex';
import { MALFORMED_CASES } from './fixtures/malformed';
import { MESSAGE_CASES } from './fixtures/messages';
import { errorOf, prng } from './fixtures/outcome';

const FOUR: CodecOptions = { fourOctetAs: true };

describe('BGP wire codec', () => {
  describe('messages (decode, encode, round trip)', () => {
    for (const c of MESSAGE_CASES) {
      describe(c.name, () => {
        const opts = c.opts ?? FOUR;
        it('decodes', () => assert.deepEqual(decodeMessage(c.bytes, opts), c.value));
        if (c.decodeOnly) return;
        it('encodes', () => assert.equal(encodeMessage(c.value, opts).toString('hex'), c.bytes.toString('hex')));
        it('round-trips', () => assert.deepEqual(decodeMessage(encodeMessage(c.value, opts), opts), c.value));
      });
    }

    it('KEEPALIVE is the 19-byte message', () => {
      assert.equal(KEEPALIVE.toString('hex'), `${'ff'.repeat(16)}001304`);
    });

    it('cuts NOTIFICATION data to the 4096-octet limit', () => {
      const bytes = encodeMessage({ type: 'notification', code: 3, subcode: 9, data: Buffer.alloc(5000, 7) }, FOUR);
      assert.equal(bytes.length, 4096);
      assert.deepEqual(decodeMessage(bytes, FOUR), { type: 'notification', code: 3, subcode: 9, data: Buffer.alloc(4075, 7) });
    });

    it('refuses to encode an UPDATE over 4096 octets', () => {
      const nlri = new Array<Buffer>(1100).fill(hex('20 c0000201'));
      assert.throws(() => encodeMessage({ type: 'update', withdrawn: [], attributes: [], nlri }, FOUR), RangeError);
    });
  });

  describe('malformed corpus', () => {
    for (const c of MALFORMED_CASES) {
      it(c.name, () => {
        const { error, thrown } = errorOf(c.bytes, c.opts ?? FOUR);
        assert.ok(error, 'no error found');
        assert.deepEqual(
          { code: error.code, subcode: error.subcode, handling: error.handling },
          { code: c.code, subcode: c.subcode, handling: c.handling },
          error.message,
        );
        // RFC 7606: what the session survives is reported, the rest is thrown
        assert.equal(thrown, c.handling >= ErrorHandling.AFI_SAFI_DISABLE);
        if (c.data) assert.equal(error.data.toString('hex'), c.data.toString('hex'));
        if (c.handling === ErrorHandling.AFI_SAFI_DISABLE) assert.deepEqual(error.afiSafi, c.afiSafi);
      });
    }
  });

  describe('MessageReader', () => {
    const stream = Buffer.concat(MESSAGE_CASES.map((c) => c.bytes));
    const expected = MESSAGE_CASES.map((c) => c.bytes.toString('hex'));

    const drain = (reader: MessageReader, pieces: Buffer[]): string[] => {
      const out: string[] = [];
      for (const piece of pieces) {
        reader.push(piece);
        for (let m = reader.next(); m !== undefined; m = reader.next()) out.push(m.toString('hex'));
      }
      return out;
    };

    it('frames a stream pushed whole', () => {
      const reader = new MessageReader({});
      assert.deepEqual(drain(reader, [stream]), expected);
      assert.equal(reader.buffered, 0);
    });

    it('frames a stream pushed byte by byte', () => {
      assert.deepEqual(drain(new MessageReader({}), [...stream].map((b) => Buffer.from([b]))), expected);
    });

    for (const seed of [1, 2, 3]) {
      it(`frames a stream pushed in random pieces (seed ${seed})`, () => {
        const random = prng(seed);
        const pieces: Buffer[] = [];
        for (let at = 0; at < stream.length; ) {
          const n = 1 + Math.floor(random() * 200);
          pieces.push(stream.subarray(at, at + n));
          at += n;
        }
        assert.deepEqual(drain(new MessageReader({}), pieces), expected);
      });
    }

    it('waits for the rest of a message and counts what it holds', () => {
      const reader = new MessageReader({});
      reader.push(KEEPALIVE.subarray(0, 18));
      assert.equal(reader.next(), undefined);
      assert.equal(reader.buffered, 18);
      reader.push(Buffer.concat([KEEPALIVE.subarray(18), KEEPALIVE.subarray(0, 5)]));
      assert.equal(reader.next()?.toString('hex'), KEEPALIVE.toString('hex'));
      assert.equal(reader.next(), undefined);
      assert.equal(reader.buffered, 5);
    });

    const headerCases: { name: string; bytes: Buffer; subcode: number; data: string }[] = [
      { name: 'bad marker', bytes: hex('00'.repeat(16) + '0013 04'), subcode: 1, data: '' },
      { name: 'length 18', bytes: hex('ff'.repeat(16) + '0012 04'), subcode: 2, data: '0012' },
      { name: 'length over 4096, before the body arrives', bytes: hex('ff'.repeat(16) + '1001 02'), subcode: 2, data: '1001' },
      { name: 'unknown type', bytes: hex('ff'.repeat(16) + '0013 07'), subcode: 3, data: '07' },
      { name: 'KEEPALIVE of 21 octets', bytes: hex('ff'.repeat(16) + '0015 04'), subcode: 2, data: '0015' },
    ];
    for (const c of headerCases) {
      it(`throws Message Header Error for ${c.name}, after the messages before it`, () => {
        const reader = new MessageReader({});
        reader.push(Buffer.concat([KEEPALIVE, c.bytes]));
        assert.equal(reader.next()?.toString('hex'), KEEPALIVE.toString('hex'));
        assert.throws(
          () => reader.next(),
          (e: unknown) =>
            e instanceof BgpMessageError &&
            e.code === 1 &&
            e.subcode === c.subcode &&
            e.data.toString('hex') === c.data &&
            e.handling === ErrorHandling.SESSION_RESET,
        );
      });
    }

    it('bounds messages by maxMessageLength', () => {
      const reader = new MessageReader({ maxMessageLength: 100 });
      reader.push(frame(MessageType.NOTIFICATION, '0602' + '00'.repeat(100)).subarray(0, 19));
      assert.throws(() => reader.next(), (e: unknown) => e instanceof BgpMessageError && e.subcode === 2);
    });
  });
});
