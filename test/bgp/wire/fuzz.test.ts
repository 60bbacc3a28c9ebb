// Seeded random mutations of the corpus (well-formed and malformed messages):
// decoding gives a message or a BgpMessageError, never another exception; a
// message decoded without errors encodes back to the same value; MVPN NLRI
// that decoding let through decode on their own.
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, MessageReader } from '../../../src/bgp/wire/codec';
import { decodeMvpnNlri } from '../../../src/bgp/wire/mvpn';
import { decodeIpv4Prefix } from '../../../src/bgp/wire/nlri';
import { packUpdates } from '../../../src/bgp/wire/update';
import { BgpMessage, BgpMessageError, type CodecOptions, SAFI } from '../../../src/bgp/wire/types';
import { MALFORMED_CASES } from './fixtures/malformed';
import { MESSAGE_CASES } from './fixtures/messages';
import { MVPN_CASES } from './fixtures/mvpn';
import { errorOf, prng } from './fixtures/outcome';

const OPTIONS: CodecOptions[] = [{ fourOctetAs: true }, { fourOctetAs: false }];

const CORPUS: Buffer[] = [
  ...MESSAGE_CASES.map((c) => c.bytes),
  ...MALFORMED_CASES.map((c) => c.bytes),
  ...packUpdates({ afi: 1, safi: 5 }, [{ type: 'origin', value: 0 }, { type: 'as-path', segments: [] }], Buffer.from([192, 0, 2, 1]), MVPN_CASES.map((c) => c.bytes), { fourOctetAs: true }),
];

/** Decoding must not throw anything but BgpMessageError (anywhere, NLRI included); a clean result must survive encode and decode. */
function check(bytes: Buffer, opts: CodecOptions): void {
  const { message, error } = errorOf(bytes, opts);
  if (message === undefined) return;
  if (message.type === 'update') {
    const nlriOf = (safi: number, nlri: readonly Buffer[]): void => {
      for (const n of nlri) {
        try {
          if (safi === SAFI.MCAST_VPN) decodeMvpnNlri(n);
        } catch (e) {
          assert.ok(e instanceof BgpMessageError, `decodeMvpnNlri threw ${String(e)}`);
          // decoding the UPDATE let it through: only an unknown route type may be refused
          assert.equal(e.handling, 1, `${n.toString('hex')}: ${e.message}`);
        }
      }
    };
    for (const a of message.attributes) {
      if (a.type === 'mp-reach') nlriOf(a.safi, a.nlri);
      if (a.type === 'mp-unreach') nlriOf(a.safi, a.withdrawn);
    }
    for (const n of [...message.nlri, ...message.withdrawn]) decodeIpv4Prefix(n);
  }
  if (error !== undefined) return;
  let again: BgpMessage;
  try {
    again = decodeMessage(encodeMessage(message, opts), opts);
  } catch (e) {
    assert.fail(`${bytes.toString('hex')} decoded but did not encode and decode again: ${String(e)}`);
  }
  assert.deepEqual(again, message, bytes.toString('hex'));
}

/** Sets the Length field to the bytes' length, so that mutations reach past the header checks. */
function fixLength(bytes: Buffer): Buffer {
  if (bytes.length >= 18 && bytes.length <= 0xffff) bytes.writeUInt16BE(bytes.length, 16);
  return bytes;
}

type Mutation = (b: Buffer, random: () => number) => Buffer;
const at = (b: Buffer, random: () => number): number => Math.floor(random() * b.length);
const MUTATIONS: Mutation[] = [
  (b, random) => {
    b[at(b, random)] = Math.floor(random() * 256);
    return b;
  },
  (b, random) => {
    b[at(b, random)] ^= 1 << Math.floor(random() * 8);
    return b;
  },
  (b, random) => {
    // a length-looking byte set to an edge value
    b[19 + Math.floor(random() * Math.max(1, b.length - 19))] = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff][Math.floor(random() * 9)]!;
    return b;
  },
  (b, random) => b.subarray(0, at(b, random)),
  (b, random) => {
    const i = at(b, random);
    return Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + Math.floor(random() * 8))]);
  },
  (b, random) => {
    const i = at(b, random);
    const extra = Buffer.alloc(1 + Math.floor(random() * 8));
    for (let k = 0; k < extra.length; k++) extra[k] = Math.floor(random() * 256);
    return Buffer.concat([b.subarray(0, i), extra, b.subarray(i)]);
  },
];

describe('fuzzing the decoder', function () {
  this.timeout(60000);

  it('messages cut short anywhere (Length fixed up) decode or give BgpMessageError', () => {
    for (const bytes of CORPUS) {
      // every 13th cut of the few long messages: they repeat themselves
      for (let n = 0; n < bytes.length; n += bytes.length > 512 ? 13 : 1) {
        for (const opts of OPTIONS) check(fixLength(Buffer.from(bytes.subarray(0, n))), opts);
      }
    }
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`20000 random mutations (seed ${seed}) decode or give BgpMessageError`, () => {
      const random = prng(seed);
      for (let i = 0; i < 20000; i++) {
        let bytes: Buffer = Buffer.from(CORPUS[Math.floor(random() * CORPUS.length)]!);
        const rounds = 1 + Math.floor(random() * 3);
        for (let r = 0; r < rounds && bytes.length > 0; r++) bytes = MUTATIONS[Math.floor(random() * MUTATIONS.length)]!(bytes, random);
        if (random() < 0.9) bytes = fixLength(bytes);
        check(bytes, OPTIONS[i % 2]!);
      }
    });
  }

  it('a mutated stream through MessageReader gives messages or BgpMessageError', () => {
    const random = prng(99);
    for (let i = 0; i < 500; i++) {
      const parts = Array.from({ length: 5 }, () => Buffer.from(CORPUS[Math.floor(random() * CORPUS.length)]!));
      const stream = Buffer.concat(parts);
      stream[at(stream, random)] = Math.floor(random() * 256);
      const reader = new MessageReader({});
      try {
        for (let p = 0; p < stream.length; p += 7) {
          reader.push(stream.subarray(p, p + 7));
          for (let m = reader.next(); m !== undefined; m = reader.next()) check(m, OPTIONS[i % 2]!);
        }
      } catch (e) {
        assert.ok(e instanceof BgpMessageError, `MessageReader threw ${String(e)}`);
      }
    }
  });
});
