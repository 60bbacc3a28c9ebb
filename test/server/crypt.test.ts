import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MAX_PASSWORD_BYTES, isSupportedPasswordHash, shaCrypt, verifyPasswordHash } from '../../src/server/crypt';
import { requireCheck } from '../helpers/interop';

// Test vectors from Drepper, "Unix crypt using SHA-256 and SHA-512" (sha256crypt.c / sha512crypt.c, tests2[]).
const LONG_TEXT = 'a very much longer text to encrypt.  This one even stretches over more' + 'than one line.';
const SPEC_VECTORS: readonly { setting: string; password: string; expected: string }[] = [
  { setting: '$5$saltstring', password: 'Hello world!',
    expected: '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5' },
  { setting: '$5$rounds=10000$saltstringsaltstring', password: 'Hello world!',
    expected: '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA' },
  { setting: '$5$rounds=5000$toolongsaltstring', password: 'This is just a test',
    expected: '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5' },
  { setting: '$5$rounds=1400$anotherlongsaltstring', password: LONG_TEXT,
    expected: '$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1' },
  { setting: '$5$rounds=77777$short', password: 'we have a short salt string but not a short password',
    expected: '$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/' },
  { setting: '$5$rounds=123456$asaltof16chars..', password: 'a short string',
    expected: '$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD' },
  { setting: '$5$rounds=10$roundstoolow', password: 'the minimum number is still observed',
    expected: '$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC' },
  { setting: '$6$saltstring', password: 'Hello world!',
    expected: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1' },
  { setting: '$6$rounds=10000$saltstringsaltstring', password: 'Hello world!',
    expected: '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.' },
  { setting: '$6$rounds=5000$toolongsaltstring', password: 'This is just a test',
    expected: '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0' },
  { setting: '$6$rounds=1400$anotherlongsaltstring', password: LONG_TEXT,
    expected: '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1' },
  { setting: '$6$rounds=77777$short', password: 'we have a short salt string but not a short password',
    expected: '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0' },
  { setting: '$6$rounds=123456$asaltof16chars..', password: 'a short string',
    expected: '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1' },
  { setting: '$6$rounds=10$roundstoolow', password: 'the minimum number is still observed',
    expected: '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.' },
];

// Passwords around the 32- and 64-byte block edges of steps 9-10 and 16, plus non-ASCII.
const CROSS_CASES: readonly { salt: string; password: string }[] = [
  { salt: 'a', password: 'x' },
  { salt: 'saltsalt', password: 'p'.repeat(31) },
  { salt: 'ab./CD09', password: 'q'.repeat(32) },
  { salt: 'Zz', password: 'r'.repeat(33) },
  { salt: 'sixteencharsalt.', password: 's'.repeat(63) },
  { salt: 'x/y', password: 't'.repeat(64) },
  { salt: 'QRSTUVWXYZ', password: 'u'.repeat(65) + 'end' },
  { salt: 'unicode', password: 'pässwörd ✓ 密码' },
  { salt: 'punct', password: `spaces and 'quotes' "$6$" \\ ;` },
];

function commandWorks(file: string, args: readonly string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('server/crypt', () => {
  describe('specification test vectors', () => {
    for (const v of SPEC_VECTORS) {
      it(`${v.setting} -> ${v.expected.slice(0, v.expected.lastIndexOf('$') + 8)}...`, () => {
        assert.equal(shaCrypt(v.password, v.setting), v.expected);
        assert.equal(isSupportedPasswordHash(v.expected), true);
        assert.equal(verifyPasswordHash(v.password, v.expected), true);
      });
    }
  });

  it('accepts a whole hash as the setting, reusing its rounds and salt', () => {
    const hash = '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA';
    assert.equal(shaCrypt('Hello world!', hash), hash);
  });

  it('supports rounds up to 999999999 and no further', () => {
    const pwd = '5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5';
    assert.equal(isSupportedPasswordHash(`$5$rounds=999999999$s$${pwd}`), true);
    assert.equal(isSupportedPasswordHash(`$5$rounds=1000000000$s$${pwd}`), false);
  });

  it('omits rounds= when the setting has none and keeps it when given, even at the default', () => {
    assert.match(shaCrypt('pw', '$6$abc'), /^\$6\$abc\$[./0-9A-Za-z]{86}$/);
    assert.match(shaCrypt('pw', '$6$rounds=5000$abc'), /^\$6\$rounds=5000\$abc\$[./0-9A-Za-z]{86}$/);
    assert.equal(shaCrypt('pw', '$6$rounds=5000$abc').slice(-86), shaCrypt('pw', '$6$abc').slice(-86));
  });

  it('allows an empty salt and an empty password', () => {
    const hash = shaCrypt('', '$5$');
    assert.match(hash, /^\$5\$\$[./0-9A-Za-z]{43}$/);
    assert.equal(verifyPasswordHash('', hash), true);
    assert.equal(verifyPasswordHash('x', hash), false);
  });

  it('rejects a setting of another form', () => {
    for (const setting of ['$1$salt', '$5', 'salt', '$5$rounds=$salt', '$5$rounds=12x$salt', '$5$sa lt', '$5$sält']) {
      assert.throws(() => shaCrypt('pw', setting), RangeError, setting);
    }
  });

  it(`refuses passwords over ${MAX_PASSWORD_BYTES} bytes`, () => {
    const hash = shaCrypt('a'.repeat(MAX_PASSWORD_BYTES), '$5$s');
    assert.equal(verifyPasswordHash('a'.repeat(MAX_PASSWORD_BYTES), hash), true);
    assert.equal(verifyPasswordHash('a'.repeat(MAX_PASSWORD_BYTES + 1), hash), false);
    assert.throws(() => shaCrypt('é'.repeat(MAX_PASSWORD_BYTES / 2 + 1), '$5$s'), RangeError);
  });

  describe('wrong passwords', () => {
    const hash5 = shaCrypt('correct horse', '$5$wrongpw');
    const hash6 = shaCrypt('correct horse', '$6$rounds=1000$wrongpw');
    for (const wrong of ['', 'correct hors', 'correct horse ', 'Correct horse', 'correct horse\0']) {
      it(`rejects ${JSON.stringify(wrong)}`, () => {
        assert.equal(verifyPasswordHash(wrong, hash5), false);
        assert.equal(verifyPasswordHash(wrong, hash6), false);
      });
    }
    it('accepts the right one', () => {
      assert.equal(verifyPasswordHash('correct horse', hash5), true);
      assert.equal(verifyPasswordHash('correct horse', hash6), true);
    });
  });

  describe('malformed or unsupported hashes', () => {
    const good5 = '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5';
    const good6 = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
    const cases: readonly [string, string][] = [
      ['empty', ''],
      ['plain text', 'Hello world!'],
      ['MD5-crypt', '$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1'],
      ['bcrypt', '$2b$10$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui'],
      ['yescrypt', '$y$j9T$abcdefgh$0123456789012345678901234567890123456789012'],
      ['setting only', '$5$saltstring'],
      ['setting with trailing $', '$5$saltstring$'],
      ['PWD one short', good5.slice(0, -1)],
      ['PWD one long', good5 + 'a'],
      ['SHA-256 PWD under $6$', '$6' + good5.slice(2)],
      ['SHA-512 PWD under $5$', '$5' + good6.slice(2)],
      ['character outside the alphabet', good5.slice(0, -2) + '+5'],
      ['unused bits set in the last character', good5.slice(0, -1) + 'G'],
      ['salt over 16 characters', '$5$saltstringsaltstr$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
      ['rounds below the minimum', '$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC'],
      ['rounds with a leading zero', '$5$rounds=01000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC'],
      ['rounds not a number', '$5$rounds=many$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
      ['rounds signed', '$5$rounds=+5000$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
      ['space in salt', '$5$salt string$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
      ['trailing newline', good5 + '\n'],
      ['leading space', ' ' + good5],
    ];
    for (const [name, hash] of cases) {
      it(`${name}: not supported, never verifies, never throws`, () => {
        assert.equal(isSupportedPasswordHash(hash), false);
        assert.equal(verifyPasswordHash('Hello world!', hash), false);
      });
    }
    it('a non-string hash from untyped callers is false, not an exception', () => {
      assert.equal(verifyPasswordHash('x', undefined as unknown as string), false);
      assert.equal(verifyPasswordHash(42 as unknown as string, good5), false);
    });
  });

  describe('cross-check with openssl passwd', () => {
    const haveOpenssl = commandWorks('openssl', ['version']);
    for (const [flag, id] of [['-5', '5'], ['-6', '6']] as const) {
      for (const { salt, password } of CROSS_CASES) {
        it(`openssl passwd ${flag} -salt ${salt} (${Buffer.byteLength(password)} bytes)`, function () {
          requireCheck(this, haveOpenssl, 'openssl does not run (package openssl)');
          const expected = execFileSync('openssl', ['passwd', flag, '-salt', salt, password], { encoding: 'utf8' }).trim();
          assert.equal(shaCrypt(password, `$${id}$${salt}`), expected);
          assert.equal(verifyPasswordHash(password, expected), true);
        });
      }
    }
  });

  describe('cross-check with python3 crypt (glibc / libxcrypt)', () => {
    const python = '/usr/bin/python3';
    const script =
      'import sys, json, warnings\n' +
      'warnings.simplefilter("ignore")\n' +
      'import crypt\n' +
      'print(json.dumps([crypt.crypt(p, s) for p, s in json.loads(sys.stdin.read())]))\n';
    const havePythonCrypt = existsSync(python) && commandWorks(python, ['-W', 'ignore', '-c', 'import crypt']);
    // libxcrypt refuses rounds outside 1000..999999999 instead of clamping: the spec vectors cover clamping.
    const settings = ['$5$', '$6$', '$5$rounds=1000$', '$6$rounds=1234$', '$5$rounds=1001$', '$6$rounds=5000$'];
    const pairs: [string, string][] = [];
    settings.forEach((prefix, i) => {
      for (const { salt, password } of CROSS_CASES) pairs.push([password, `${prefix}${salt}`]);
      pairs.push(['', `${prefix}empty${i}`]);
      pairs.push(['x', `${prefix}salt longer than sixteen`.replace(/ /g, '.')]);
    });
    it(`agrees on ${pairs.length} password/setting pairs`, function () {
      requireCheck(this, havePythonCrypt, `${python} cannot import crypt`);
      const out = execFileSync(python, ['-c', script], { input: JSON.stringify(pairs), encoding: 'utf8' });
      const expected: unknown = JSON.parse(out);
      assert.ok(Array.isArray(expected) && expected.length === pairs.length);
      pairs.forEach(([password, setting], i) => {
        const want: unknown = expected[i];
        assert.equal(typeof want, 'string');
        assert.equal(shaCrypt(password, setting), want, `${JSON.stringify(password)} ${setting}`);
        assert.equal(verifyPasswordHash(password, String(want)), true);
      });
    });
  });
});
