// crypt(3) password hashes $5$ (SHA-256-crypt) and $6$ (SHA-512-crypt), after
// Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512" (version 0.6).
// Hash form: $<ID>$[rounds=<N>$]<SALT>$<PWD>
import { createHash, timingSafeEqual } from 'node:crypto';

interface Variant {
  readonly id: '5' | '6';
  readonly algorithm: 'sha256' | 'sha512';
  readonly digestLength: number;
  /** Length of the PWD part ("The size of this string is fixed"). */
  readonly encodedLength: number;
  /** Byte groups of step 22 e), each [#3, #2, #1]; -1 stands for the "*" (zero) places. */
  readonly groups: readonly (readonly [number, number, number])[];
}

// Step 22 e), the SHA-256 table.
const SHA256_CRYPT: Variant = {
  id: '5',
  algorithm: 'sha256',
  digestLength: 32,
  encodedLength: 43,
  groups: [
    [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
    [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
    [-1, 31, 30],
  ],
};

// Step 22 e), the SHA-512 table.
const SHA512_CRYPT: Variant = {
  id: '6',
  algorithm: 'sha512',
  digestLength: 64,
  encodedLength: 86,
  groups: [
    [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4],
    [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51],
    [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35],
    [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19],
    [62, 20, 41], [-1, -1, 63],
  ],
};

const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;
const SALT_MAX = 16;
/**
 * Longest password (UTF-8 bytes) accepted. Not in the specification: step 14
 * costs the square of the password length, so an unbounded password from a
 * client would be a denial of service. 512 as libxcrypt's CRYPT_MAX_PASSPHRASE_SIZE.
 */
export const MAX_PASSWORD_BYTES = 512;

export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS_PREFIX = 'rounds=';
/** Salt characters: printable ASCII except the '$' delimiter (so characters are bytes). */
const SALT_FIELD = /^[\x21-\x23\x25-\x7e]*/;

interface Setting {
  readonly variant: Variant;
  readonly rounds: number;
  /** The rounds=<N> text as written, or undefined when absent. */
  readonly roundsText: string | undefined;
  /** The salt as written, up to the next '$' (not yet truncated). */
  readonly saltField: string;
  /** What follows the salt field: '' for a bare setting, '$<PWD>' for a whole hash. */
  readonly rest: string;
}

function parseSetting(setting: string): Setting | undefined {
  const variant = setting.startsWith('$5$') ? SHA256_CRYPT : setting.startsWith('$6$') ? SHA512_CRYPT : undefined;
  if (variant === undefined) return undefined;
  let tail = setting.slice(3);
  let rounds = ROUNDS_DEFAULT;
  let roundsText: string | undefined;
  if (tail.startsWith(ROUNDS_PREFIX)) {
    // "rounds=<N>$ where N is an unsigned decimal number"; out-of-range N is clamped.
    const m = /^rounds=([0-9]+)\$/.exec(tail);
    if (m === null) return undefined;
    roundsText = m[1];
    rounds = Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, Number(roundsText)));
    tail = tail.slice(m[0].length);
  }
  const saltField = SALT_FIELD.exec(tail)?.[0] ?? '';
  const rest = tail.slice(saltField.length);
  if (rest !== '' && !rest.startsWith('$')) return undefined;
  return { variant, rounds, roundsText, saltField, rest };
}

/** Step 16 / 20: a sequence of `length` bytes made of repeats of `digest`. */
function repeatDigest(digest: Buffer, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let off = 0; off < length; off += digest.length) digest.copy(out, off, 0, Math.min(digest.length, length - off));
  return out;
}

/** Step 22 e): the crypt base-64 encoding of the final digest. */
function encodeDigest(variant: Variant, digest: Buffer): string {
  let out = '';
  for (const [b3, b2, b1] of variant.groups) {
    const byteCount = (b3 >= 0 ? 1 : 0) + (b2 >= 0 ? 1 : 0) + 1;
    let w = ((b3 >= 0 ? digest[b3] : 0) << 16) | ((b2 >= 0 ? digest[b2] : 0) << 8) | digest[b1];
    // n bytes give n+1 characters, six low bits first.
    for (let i = 0; i <= byteCount; i++) {
      out += CRYPT_ALPHABET[w & 0x3f];
      w >>>= 6;
    }
  }
  return out;
}

function compute(variant: Variant, password: Buffer, salt: Buffer, rounds: number): Buffer {
  const { algorithm, digestLength } = variant;
  const len = password.length;

  // Steps 4-8: digest B = H(password, salt, password).
  const b = createHash(algorithm).update(password).update(salt).update(password).digest();

  // Steps 1-3, 9-12: digest A.
  const a = createHash(algorithm).update(password).update(salt);
  for (let n = len; n > 0; n -= digestLength) a.update(n >= digestLength ? b : b.subarray(0, n));
  for (let n = len; n > 0; n >>>= 1) a.update(n & 1 ? b : password);
  let c = a.digest();

  // Steps 13-16: byte sequence P.
  const dp = createHash(algorithm);
  for (let i = 0; i < len; i++) dp.update(password);
  const p = repeatDigest(dp.digest(), len);

  // Steps 17-20: byte sequence S.
  const ds = createHash(algorithm);
  for (let i = 0; i < 16 + c[0]; i++) ds.update(salt);
  const s = repeatDigest(ds.digest(), salt.length);

  // Step 21: each round's input is assembled in one scratch buffer and hashed in one update.
  const scratch = Buffer.allocUnsafe(2 * digestLength + 2 * len + s.length);
  for (let round = 0; round < rounds; round++) {
    const odd = round % 2 === 1;
    let off = (odd ? p : c).copy(scratch, 0); // b), c)
    if (round % 3 !== 0) off += s.copy(scratch, off); // d)
    if (round % 7 !== 0) off += p.copy(scratch, off); // e)
    off += (odd ? c : p).copy(scratch, off); // f), g)
    c = createHash(algorithm).update(scratch.subarray(0, off)).digest();
  }
  return c;
}

/**
 * crypt(3) for $5$ / $6$. `setting` is '$6$salt', '$5$rounds=10000$salt', or a
 * whole hash (its salt is used). Returns the whole hash string (step 22).
 * Throws RangeError for a setting of another form or an over-long password.
 */
export function shaCrypt(password: string, setting: string): string {
  const parsed = parseSetting(setting);
  if (parsed === undefined) throw new RangeError('not a $5$ or $6$ crypt setting');
  const key = Buffer.from(password, 'utf8');
  if (key.length > MAX_PASSWORD_BYTES) throw new RangeError(`password longer than ${MAX_PASSWORD_BYTES} bytes`);
  const { variant, rounds, roundsText } = parsed;
  const salt = parsed.saltField.slice(0, SALT_MAX);
  const digest = compute(variant, key, Buffer.from(salt, 'latin1'), rounds);
  // Step 22 b): the rounds specification appears only if the input had one, with the value used.
  const roundsSpec = roundsText === undefined ? '' : `${ROUNDS_PREFIX}${rounds}$`;
  return `$${variant.id}$${roundsSpec}${salt}$${encodeDigest(variant, digest)}`;
}

/**
 * True when `hash` is a whole $5$ / $6$ hash as crypt(3) writes it: a rounds
 * value within 1000..999999999 in plain decimal, a salt of at most 16
 * characters, and a PWD part of the fixed length in the crypt alphabet.
 */
export function isSupportedPasswordHash(hash: string): boolean {
  const parsed = parseSetting(hash);
  if (parsed === undefined) return false;
  const { variant, roundsText, saltField, rest } = parsed;
  if (roundsText !== undefined && roundsText !== String(parsed.rounds)) return false;
  if (saltField.length > SALT_MAX) return false;
  if (rest.length !== 1 + variant.encodedLength) return false;
  for (let i = 1; i < rest.length; i++) if (!CRYPT_ALPHABET.includes(rest[i])) return false;
  // The last character carries only the bits left over: 16 of the 256 bits (4), 8 of the 512 bits (2).
  const lastBits = variant.id === '5' ? 4 : 2;
  return CRYPT_ALPHABET.indexOf(rest[rest.length - 1]) < 1 << lastBits;
}

/** Checks `password` against a $5$ / $6$ hash; false for any other or malformed hash. */
export function verifyPasswordHash(password: string, hash: string): boolean {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  if (!isSupportedPasswordHash(hash)) return false;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
  const computed = Buffer.from(shaCrypt(password, hash), 'latin1');
  const expected = Buffer.from(hash, 'latin1');
  // Equal lengths here: the PWD part has a fixed size and the setting is canonical.
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
