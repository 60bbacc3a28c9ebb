// `ncbgp hash-password`: a SHA-512-crypt hash ($6$, crypt(3)) of a password,
// for `password-hash` in the config file. On a terminal the password is read
// twice without echo; otherwise the first line of standard input is it.
import { randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';
import { CRYPT_ALPHABET, MAX_PASSWORD_BYTES, shaCrypt } from '../server/crypt';

const USAGE = `usage: ncbgp hash-password
  Prints a SHA-512-crypt ($6$) hash of a password for netconf.users[].password-hash
  in the config file. On a terminal the password is asked twice and not echoed;
  otherwise it is the first line of standard input (e.g. from a password manager).
  exit status: 0 printed, 1 the two entries differ or the password is empty or too long,
  2 usage error
`;

/** 16 characters of crypt(3)'s alphabet: the longest salt $6$ takes. */
const SALT_LENGTH = 16;

function newSalt(): string {
  let salt = '';
  for (let i = 0; i < SALT_LENGTH; i++) salt += CRYPT_ALPHABET[randomInt(CRYPT_ALPHABET.length)];
  return salt;
}

/** One line typed on the terminal with echo off (raw mode: the characters are not written back). */
function askHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (err?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    input.on('data', onData);
  });
}

async function firstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

export async function hashPasswordCommand(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.length > 0) {
    process.stderr.write(`ncbgp hash-password: no arguments (the password is never given on the command line)\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let password: string;
  if (process.stdin.isTTY) {
    password = await askHidden('password: ');
    if ((await askHidden('again: ')) !== password) {
      process.stderr.write('ncbgp hash-password: the two entries differ\n');
      process.exitCode = 1;
      return;
    }
  } else {
    password = await firstLine();
  }
  if (password === '' || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    process.stderr.write(`ncbgp hash-password: the password is empty or longer than ${MAX_PASSWORD_BYTES} bytes\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${shaCrypt(password, `$6$${newSalt()}`)}\n`);
}
