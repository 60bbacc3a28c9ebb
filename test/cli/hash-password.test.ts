// `ncbgp hash-password`: a $6$ hash that the server's verifier and OpenSSL
// agree on; on a terminal the password is asked twice and never echoed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { verifyPasswordHash } from '../../src/server/crypt';
import { NCBGP } from '../helpers/server';

const PASSWORD = 'Zq9-hunter2 secret';
const HASH = /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/;

/** The command with `input` on a pipe. */
function run(input: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NCBGP, ['hash-password'], { input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command on a terminal (script(1)): each entry typed once its prompt is on the screen; what the screen shows. */
function typed(entries: readonly string[]): Promise<{ code: number | null; screen: string }> {
  const p = spawn('script', ['-qec', `${NCBGP} hash-password`, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  let prompts = 0;
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d: string) => {
    screen += d;
    const seen = (screen.match(/(password|again): /g) ?? []).length;
    while (prompts < seen && prompts < entries.length) p.stdin.write(`${entries[prompts++]}\r`);
  });
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, screen })));
}

describe('ncbgp hash-password', function () {
  this.timeout(30_000);

  it('from a pipe: the first line is the password; the hash verifies, and OpenSSL computes the same from its salt', () => {
    const r = run(`${PASSWORD}\nnext line\n`);
    assert.equal(r.code, 0, r.stderr);
    const hash = r.stdout.trim();
    assert.match(hash, HASH);
    assert.ok(verifyPasswordHash(PASSWORD, hash));
    assert.ok(!verifyPasswordHash('next line', hash));
    const salt = hash.split('$')[2];
    const openssl = spawnSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${PASSWORD}\n`, encoding: 'utf8' });
    if (openssl.status === 0) assert.equal(openssl.stdout.trim(), hash);
    // a new salt each time
    assert.notEqual(run(`${PASSWORD}\n`).stdout.trim(), hash);
  });

  it('on a terminal: asked twice, not echoed; entries that differ exit 1', async () => {
    const r = await typed([PASSWORD, PASSWORD]);
    assert.equal(r.code, 0, r.screen);
    assert.ok(!r.screen.includes(PASSWORD), `the password was echoed: ${r.screen}`);
    const hash = r.screen.split(/\r?\n/).map((l) => l.trim()).find((l) => HASH.test(l));
    assert.ok(hash && verifyPasswordHash(PASSWORD, hash), r.screen);
    const differ = await typed([PASSWORD, 'something else']);
    assert.equal(differ.code, 1);
    assert.match(differ.screen, /the two entries differ/);
  });

  it('an empty password exits 1; an argument is a usage error (exit 2), the password never goes on the command line', () => {
    assert.equal(run('\n').code, 1);
    const r = spawnSync(NCBGP, ['hash-password', PASSWORD], { encoding: 'utf8' });
    assert.equal(r.status, 2);
  });
});
