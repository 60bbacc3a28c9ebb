// Every command answers --help with its own usage on stdout (exit 0), and
// `ncbgp --version` prints the package's version (DESIGN.md section 2).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ncbgp } from '../helpers/lab';
import { REPO_ROOT } from '../helpers/server';

const COMMANDS: readonly (readonly string[])[] = [['serve'], ['lab'], ['refresh'], ['refresh', 'mvpn', 'all', 'import'], ['bgp'], ['bgp', 'decode'], ['state'], ['yang'], ['show'], ['show', 'peers'], ['hash-password']];

describe('ncbgp --help and --version', function () {
  this.timeout(60_000);

  for (const words of COMMANDS) {
    it(`ncbgp ${words.join(' ')} --help: its usage on stdout, exit 0`, async () => {
      const r = await ncbgp([...words, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, new RegExp(`^usage:(\\s+ncbgp)? ${words[0]}`, 'm'));
    });
  }

  it('ncbgp --version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await ncbgp(['--version']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `ncbgp ${version}\n`, '']);
  });

  it('an unknown command is a usage error: exit 2, the usage on stderr', async () => {
    const r = await ncbgp(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command frobnicate/);
  });
});
