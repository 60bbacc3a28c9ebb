// bin/ncbgp runs the compiled JavaScript of dist/ (npm run build), not the
// TypeScript sources: no TypeScript loader and no file of src/ is loaded.
// A --require probe writes the modules the process loaded as it exits.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ncbgp } from '../helpers/lab';
import { REPO_ROOT } from '../helpers/server';

describe('bin/ncbgp runs dist/', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'ncbgp-dist-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ncbgp --help loads dist/cli/main.js and neither tsx nor any src/ file', async () => {
    const probe = join(dir, 'probe.cjs');
    const loaded = join(dir, 'loaded.json');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const r = await ncbgp(['--help'], { env: { NODE_OPTIONS: `--require ${probe}` } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage:/);
    const modules = JSON.parse(readFileSync(loaded, 'utf8')) as string[];
    assert.ok(modules.includes(join(REPO_ROOT, 'dist', 'cli', 'main.js')), 'dist/cli/main.js');
    assert.deepEqual(
      modules.filter((m) => m.includes(`${join('node_modules', 'tsx')}`) || m.startsWith(join(REPO_ROOT, 'src'))),
      [],
    );
  });
});
