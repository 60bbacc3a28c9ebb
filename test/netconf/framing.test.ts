// RFC 6242 section 4 framing: table-driven decode cases fed whole, byte by
// byte and in seeded random splits; encode/decode round trips; mode switch;
// bounds; a 10 MB message.
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, Framing, FramingError, FrameWriter } from '../../src/netconf/framing';
import { prng } from '../helpers/prng';


type Splitter = { name: string; split: (input: Buffer) => Buffer[] };

const SPLITTERS: Splitter[] = [
  { name: 'whole', split: (input) => [input] },
  { name: 'byte by byte', split: (input) => [...input].map((b) => Buffer.from([b])) },
  ...[1, 2, 3, 4, 5].map((seed) => ({
    name: `random splits (seed ${seed})`,
    split: (input: Buffer) => {
      const random = prng(seed);
      const pieces: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const n = 1 + Math.floor(random() * 9);
        pieces.push(input.subarray(at, at + n));
        at += n;
      }
      return pieces;
    },
  })),
];

interface Outcome {
  messages: string[];
  error?: FramingError;
  buffered: number;
}

/** Pushes each piece and drains next() after each push, as a transport adapter does. */
function decodeAll(decoder: FrameDecoder, pieces: Buffer[]): Outcome {
  const messages: string[] = [];
  try {
    for (const piece of pieces) {
      decoder.push(piece);
      for (let m = decoder.next(); m !== undefined; m = decoder.next()) messages.push(m.toString('latin1'));
    }
  } catch (err) {
    assert.ok(err instanceof FramingError, `expected FramingError, got ${String(err)}`);
    return { messages, error: err, buffered: decoder.buffered };
  }
  return { messages, buffered: decoder.buffered };
}

/** The bytes of s (UTF-8) as a latin1 string, to compare bytes exactly. */
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

interface Case {
  name: string;
  mode: Framing;
  input: string | Buffer; // a string is sent as UTF-8
  maxMessageBytes?: number;
  messages: string[]; // compared as UTF-8 bytes
  error?: RegExp; // FramingError expected after the messages
  buffered?: number; // bytes held at the end (no error)
}

const RFC_EXAMPLE =
  '\n#4\n<rpc' +
  '\n#18\n message-id="102"\n' +
  '\n#79\n     xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n  <close-session/>\n</rpc>' +
  '\n##\n';

const CASES: Case[] = [
  // Section 4.3, end-of-message framing.
  { name: 'eom: one message', mode: 'eom', input: '<hello/>]]>]]>', messages: ['<hello/>'], buffered: 0 },
  { name: 'eom: two messages', mode: 'eom', input: '<a/>]]>]]><b/>]]>]]>', messages: ['<a/>', '<b/>'] },
  {
    name: 'eom: leading whitespace and newlines between messages trimmed',
    mode: 'eom',
    input: '\n  \r\n\t<a/>]]>]]>\n<b/>]]>]]>\r\n',
    messages: ['<a/>', '<b/>'],
    buffered: 1, // the last LF is held: LF # DIGIT would start a chunked message
  },
  {
    name: 'eom: content kept exact, trailing whitespace included',
    mode: 'eom',
    input: '<a>\n  x  </a>\n]]>]]>',
    messages: ['<a>\n  x  </a>\n'],
  },
  { name: 'eom: near miss of the delimiter', mode: 'eom', input: 'a]]>]]b]]>]]>', messages: ['a]]>]]b'] },
  { name: 'eom: delimiter after an extra ]', mode: 'eom', input: 'x]]>]]]>]]>', messages: ['x]]>]'] },
  { name: 'eom: ]]] before the delimiter', mode: 'eom', input: ']]]>]]>', messages: [']'] },
  { name: 'eom: empty message', mode: 'eom', input: ']]>]]>', messages: [''] },
  { name: 'eom: multi-byte UTF-8 kept', mode: 'eom', input: '<d>grüße ✓</d>]]>]]>', messages: ['<d>grüße ✓</d>'] },
  { name: 'eom: incomplete message held', mode: 'eom', input: 'a]]>]]>bc]]>', messages: ['a'], buffered: 5 },
  { name: 'eom: LF # without a digit is content', mode: 'eom', input: '\n#x]]>]]>', messages: ['#x'] },
  {
    name: 'eom: client hello in chunked framing, then eom again',
    mode: 'eom',
    input: ' \r\n#7\n<hello/\n#1\n>\n##\n<rpc/>]]>]]>',
    messages: ['<hello/>', '<rpc/>'],
  },
  { name: 'eom: message of exactly maxMessageBytes', mode: 'eom', input: 'x'.repeat(16) + ']]>]]>', maxMessageBytes: 16, messages: ['x'.repeat(16)] },
  { name: 'eom: message one past maxMessageBytes', mode: 'eom', input: 'x'.repeat(17) + ']]>]]>', maxMessageBytes: 16, messages: [], error: /maxMessageBytes/ },
  { name: 'eom: garbage with no delimiter', mode: 'eom', input: '<a/>]]>]]>' + 'y'.repeat(40), maxMessageBytes: 16, messages: ['<a/>'], error: /no \]\]>\]\]> within maxMessageBytes/ },
  { name: 'eom: bad chunked hello (#0)', mode: 'eom', input: '\n#0\n', messages: [], error: /chunk-size 0/ },

  // Section 4.2, chunked framing.
  { name: 'chunked: RFC 6242 section 4.2 example', mode: 'chunked', input: RFC_EXAMPLE, messages: ['<rpc message-id="102"\n     xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n  <close-session/>\n</rpc>'], buffered: 0 },
  { name: 'chunked: two messages', mode: 'chunked', input: '\n#3\n<a>\n#4\n</a>\n##\n\n#4\n<b/>\n##\n', messages: ['<a></a>', '<b/>'] },
  { name: 'chunked: data is opaque (delimiters inside)', mode: 'chunked', input: '\n#12\n\n##\n]]>]]>ab\n##\n', messages: ['\n##\n]]>]]>ab'] },
  {
    name: 'chunked: one UTF-8 character split across chunks',
    mode: 'chunked',
    input: Buffer.concat([Buffer.from('\n#2\n<\xc3', 'latin1'), Buffer.from('\n#3\n\xa9/>\n##\n', 'latin1')]),
    messages: ['<é/>'],
  },
  { name: 'chunked: incomplete chunk held', mode: 'chunked', input: '\n#5\nhel', messages: [], buffered: 3 },
  { name: 'chunked: largest chunk-size accepted', mode: 'chunked', input: '\n#4294967295\nab', maxMessageBytes: Number.MAX_SAFE_INTEGER, messages: [], buffered: 2 },
  { name: 'chunked: message of exactly maxMessageBytes', mode: 'chunked', input: '\n#6\nabcdef\n#4\nghij\n##\n', maxMessageBytes: 10, messages: ['abcdefghij'] },
  { name: 'chunked: #0', mode: 'chunked', input: '\n#0\n', messages: [], error: /chunk-size 0/ },
  { name: 'chunked: no digits (LF)', mode: 'chunked', input: '\n#\n', messages: [], error: /no digits/ },
  { name: 'chunked: no digits (letter)', mode: 'chunked', input: '\n#x\n', messages: [], error: /no digits/ },
  { name: 'chunked: leading zero', mode: 'chunked', input: '\n#01\na\n##\n', messages: [], error: /leading zero/ },
  { name: 'chunked: chunk-size 4294967296', mode: 'chunked', input: '\n#4294967296\n', maxMessageBytes: Number.MAX_SAFE_INTEGER, messages: [], error: /exceeds 4294967295/ },
  { name: 'chunked: eleven digits, no LF yet', mode: 'chunked', input: '\n#10000000000', maxMessageBytes: Number.MAX_SAFE_INTEGER, messages: [], error: /exceeds 4294967295/ },
  { name: 'chunked: letter inside chunk-size', mode: 'chunked', input: '\n#12a\n', messages: [], error: /invalid character 'a'/ },
  { name: 'chunked: header without LF', mode: 'chunked', input: '#4\n<a/>\n##\n', messages: [], error: /expected LF starting a chunk header/ },
  { name: 'chunked: header without #', mode: 'chunked', input: '\nx4\n', messages: [], error: /expected '#'/ },
  { name: 'chunked: eom-framed message', mode: 'chunked', input: '<rpc/>]]>]]>', messages: [], error: /expected LF starting a chunk header, got '<'/ },
  { name: 'chunked: chunk-size past maxMessageBytes', mode: 'chunked', input: '\n#11\n', maxMessageBytes: 10, messages: [], error: /past maxMessageBytes/ },
  { name: 'chunked: chunks adding up past maxMessageBytes', mode: 'chunked', input: '\n#6\nabcdef\n#5\nghijk\n##\n', maxMessageBytes: 10, messages: [], error: /past maxMessageBytes/ },
  { name: 'chunked: garbage between chunks', mode: 'chunked', input: '\n#2\nabxyz\n#1\nc\n##\n', messages: [], error: /expected LF starting a chunk header, got 'x'/ },
  { name: 'chunked: garbage between messages', mode: 'chunked', input: '\n#1\na\n##\njunk', messages: ['a'], error: /got 'j'/ },
  { name: 'chunked: end-of-chunks with no chunk', mode: 'chunked', input: '\n##\n', messages: [], error: /before any chunk/ },
  { name: 'chunked: ## not followed by LF', mode: 'chunked', input: '\n#1\na\n##x', messages: [], error: /after end-of-chunks/ },
];

describe('netconf/framing', () => {
  describe('FrameDecoder cases', () => {
    for (const c of CASES) {
      describe(c.name, () => {
        for (const s of SPLITTERS) {
          it(s.name, () => {
            const decoder = new FrameDecoder({ maxMessageBytes: c.maxMessageBytes ?? 1 << 20 });
            if (c.mode === 'chunked') decoder.setMode('chunked');
            const out = decodeAll(decoder, s.split(typeof c.input === 'string' ? Buffer.from(c.input, 'utf8') : c.input));
            assert.deepEqual(out.messages, c.messages.map(bytes));
            if (c.error) {
              assert.ok(out.error, 'expected a FramingError');
              assert.match(out.error.message, c.error);
            } else {
              assert.equal(out.error, undefined);
              if (c.buffered !== undefined) assert.equal(out.buffered, c.buffered);
            }
          });
        }
      });
    }
  });

  describe('encodeFrame', () => {
    it('eom appends ]]>]]>', () => {
      assert.equal(encodeFrame('<a/>', 'eom').toString('latin1'), '<a/>]]>]]>');
    });
    it('chunked sends one chunk and end-of-chunks, size in octets', () => {
      assert.equal(encodeFrame('<é/>', 'chunked').toString('latin1'), bytes('\n#5\n<é/>\n##\n'));
    });
    it('eom refuses a message containing the delimiter', () => {
      assert.throws(() => encodeFrame('<a b="]]>]]>"/>', 'eom'), FramingError);
    });
    it('chunked refuses an empty message (chunk-size is at least 1)', () => {
      assert.throws(() => encodeFrame('', 'chunked'), FramingError);
    });
  });

  describe('FrameWriter', () => {
    const messages = ['<a/>', '<é>ü€😀</é>', 'x'.repeat(70_000)];
    for (const mode of ['eom', 'chunked'] as const) {
      it(`${mode}: several messages and raw bytes in one Buffer, as encodeFrame frames each`, () => {
        const w = new FrameWriter(mode);
        assert.ok(w.empty);
        for (const m of messages) w.add(m);
        w.addRaw(Buffer.from('raw'));
        w.add('<z/>');
        const expected = Buffer.concat([...messages.map((m) => encodeFrame(m, mode)), Buffer.from('raw'), encodeFrame('<z/>', mode)]);
        assert.equal(w.bytes, expected.length);
        assert.ok(w.take().equals(expected));
        assert.ok(w.empty);
        assert.equal(w.bytes, 0);
        w.add('<b/>');
        w.clear();
        assert.equal(w.take().length, 0);
      });
    }
    it('refuses what encodeFrame refuses, keeping what it holds', () => {
      const eom = new FrameWriter('eom');
      eom.add('<a/>');
      assert.throws(() => eom.add('<a b="]]>]]>"/>'), FramingError);
      assert.equal(eom.take().toString(), '<a/>]]>]]>');
      assert.throws(() => new FrameWriter('chunked').add(''), FramingError);
    });
  });

  describe('round trip', () => {
    const random = prng(42);
    const binary = Buffer.from(Array.from({ length: 3000 }, () => Math.floor(random() * 256)));
    const texts = ['<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>', '<rpc message-id="1"><get/></rpc>', '<d>ünïcødé ✓</d>', 'x'];
    const cases: { mode: Framing; messages: Buffer[] }[] = [
      { mode: 'eom', messages: texts.map((t) => Buffer.from(t)) },
      // chunk data is opaque: binary, ]]>]]> and \n##\n all pass through
      { mode: 'chunked', messages: [...texts.map((t) => Buffer.from(t)), binary, Buffer.from(']]>]]>\n##\n\n#3\n')] },
    ];
    for (const c of cases) {
      for (const s of SPLITTERS) {
        it(`${c.mode}, ${s.name}`, () => {
          const decoder = new FrameDecoder({ maxMessageBytes: 1 << 20 });
          decoder.setMode(c.mode);
          const wire = Buffer.concat(c.messages.map((m) => encodeFrame(m, c.mode)));
          const out = decodeAll(decoder, s.split(wire));
          assert.equal(out.error, undefined);
          assert.deepEqual(out.messages, c.messages.map((m) => m.toString('latin1')));
          assert.equal(out.buffered, 0);
        });
      }
    }
  });

  describe('mode switch', () => {
    it('decodes bytes buffered after the hello in the new mode', () => {
      const decoder = new FrameDecoder({ maxMessageBytes: 1024 });
      assert.equal(decoder.mode, 'eom');
      decoder.setMode('chunked');
      decoder.push(Buffer.from('\n#1\na\n##\n<x/>]]>]]>'));
      assert.equal(decoder.next()?.toString(), 'a');
      decoder.setMode('eom');
      assert.equal(decoder.mode, 'eom');
      assert.equal(decoder.next()?.toString(), '<x/>');
      assert.equal(decoder.next(), undefined);
    });

    it('hello in eom, then a chunked rpc in the same read', () => {
      const decoder = new FrameDecoder({ maxMessageBytes: 1024 });
      decoder.push(Buffer.concat([encodeFrame('<hello/>', 'eom'), encodeFrame('<rpc/>', 'chunked')]));
      assert.equal(decoder.next()?.toString(), '<hello/>');
      decoder.setMode('chunked');
      assert.equal(decoder.next()?.toString(), '<rpc/>');
      decoder.push(Buffer.from('<rpc/>]]>]]>'));
      assert.throws(() => decoder.next(), /expected LF starting a chunk header/);
    });

    it('re-decodes a partly scanned eom message in the new mode', () => {
      const decoder = new FrameDecoder({ maxMessageBytes: 1024 });
      decoder.push(Buffer.from('<hello/>]]>]]><rp'));
      assert.equal(decoder.next()?.toString(), '<hello/>');
      assert.equal(decoder.next(), undefined);
      assert.equal(decoder.buffered, 3);
      decoder.setMode('chunked');
      assert.equal(decoder.buffered, 3);
      assert.throws(() => decoder.next(), /got '<'/);
    });

    it('refuses to switch to eom inside a chunked message, allows staying chunked', () => {
      const decoder = new FrameDecoder({ maxMessageBytes: 1024 });
      decoder.setMode('chunked');
      decoder.push(Buffer.from('\n#2\nab\n#2\nc'));
      assert.equal(decoder.next(), undefined);
      assert.throws(() => decoder.setMode('eom'), /inside a chunked message/);
      decoder.setMode('chunked');
      decoder.push(Buffer.from('d\n##\n'));
      assert.equal(decoder.next()?.toString(), 'abcd');
    });
  });

  describe('bounds and failure', () => {
    it('push refuses to grow a buffer that next() never drained', () => {
      const decoder = new FrameDecoder({ maxMessageBytes: 16 });
      decoder.push(Buffer.from('x'.repeat(30)));
      assert.throws(() => decoder.push(Buffer.from('x')), (err: unknown) => err instanceof FramingError && /buffered/.test(err.message));
    });

    it('a drained decoder takes a message of maxMessageBytes in 1-byte chunks', () => {
      const max = 1000;
      const message = 'm'.repeat(max);
      const wire = [...message].map((ch) => `\n#1\n${ch}`).join('') + '\n##\n';
      const decoder = new FrameDecoder({ maxMessageBytes: max });
      decoder.setMode('chunked');
      const pieces = [];
      for (let at = 0; at < wire.length; at += 7) pieces.push(Buffer.from(wire.slice(at, at + 7)));
      const out = decodeAll(decoder, pieces);
      assert.equal(out.error, undefined);
      assert.deepEqual(out.messages, [message]);
    });

    it('after a FramingError, push and next throw the same error', () => {
      const decoder = new FrameDecoder({ maxMessageBytes: 1024 });
      decoder.setMode('chunked');
      decoder.push(Buffer.from('\n#0\n'));
      let first: unknown;
      try {
        decoder.next();
      } catch (err) {
        first = err;
      }
      assert.ok(first instanceof FramingError);
      assert.throws(() => decoder.next(), (err: unknown) => err === first);
      assert.throws(() => decoder.push(Buffer.from('\n#1\na\n##\n')), (err: unknown) => err === first);
    });
  });

  describe('10 MB message (linear time)', () => {
    const size = 10 * 1024 * 1024;
    const message = Buffer.alloc(size);
    for (let i = 0; i < size; i++) message[i] = 0x41 + (i % 26);

    /** Feeds wire in reads of `read` bytes, draining after each; returns the messages. */
    function feed(mode: Framing, wire: Buffer, read: number): Buffer[] {
      const decoder = new FrameDecoder({ maxMessageBytes: size });
      decoder.setMode(mode);
      const messages: Buffer[] = [];
      for (let at = 0; at < wire.length; at += read) {
        decoder.push(wire.subarray(at, at + read));
        for (let m = decoder.next(); m !== undefined; m = decoder.next()) messages.push(m);
      }
      assert.equal(decoder.buffered, 0);
      return messages;
    }

    it('chunked, one chunk, 1 KiB reads', () => {
      const messages = feed('chunked', encodeFrame(message, 'chunked'), 1024);
      assert.equal(messages.length, 1);
      assert.ok(messages[0].equals(message));
    });

    it('chunked, 4 KiB chunks, 32 KiB reads', () => {
      const pieces: Buffer[] = [];
      for (let at = 0; at < size; at += 4096) {
        const chunk = message.subarray(at, at + 4096);
        pieces.push(Buffer.from(`\n#${chunk.length}\n`), chunk);
      }
      pieces.push(Buffer.from('\n##\n'));
      const messages = feed('chunked', Buffer.concat(pieces), 32 * 1024);
      assert.equal(messages.length, 1);
      assert.ok(messages[0].equals(message));
    });

    it('eom, 1 KiB reads', () => {
      const messages = feed('eom', encodeFrame(message, 'eom'), 1024);
      assert.equal(messages.length, 1);
      assert.ok(messages[0].equals(message));
    });
  });
});
