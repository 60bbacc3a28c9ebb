// `ncbgp yang check [DIR]` as a user meets it (a child process), and the
// lean server it goes with: yang-js is loaded by the cross-check only, never
// by the modules the server runs.
import { KNOWN_YANG_JS_COMPLAINTS } from '../../src/yang/yang-js-check';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ncbgp } from '../helpers/lab';
import { REPO_ROOT } from '../helpers/server';

const YANG_DIR = path.join(REPO_ROOT, 'yang');

function yangFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? yangFilesUnder(full) : f.endsWith('.yang') ? [full] : [];
  });
}

interface JsonDiagnostic {
  module: string;
  file: string;
  source: string;
  message: string;
  known: boolean;
}

describe('ncbgp yang check', function () {
  this.timeout(60_000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-yang-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A directory of its own under `dir` with these files. */
  const modules = (name: string, files: Record<string, string>): string => {
    const d = path.join(dir, name);
    mkdirSync(d);
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(d, file), text);
    return d;
  };

  it("accepts the repository's modules: exit 0, yang-js's known complaint shown as such", async () => {
    const r = await ncbgp(['yang', 'check']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines.find((l) => l.startsWith('ietf-netconf-notifications:')) ?? '', /^ietf-netconf-notifications: yang-js \(known\): .*short-hand/);
    assert.ok(!lines.some((l) => / ncbgp: /.test(l)), r.stdout);
    const count = yangFilesUnder(YANG_DIR).length;
    const known = KNOWN_YANG_JS_COMPLAINTS.length;
    assert.equal(lines[lines.length - 1], `${count} modules in ${YANG_DIR}: our compiler accepts every one; yang-js refuses ${known} (${known} known)`);
    // DIR given explicitly: the same
    const again = await ncbgp(['yang', 'check', 'yang']);
    assert.deepEqual([again.code, again.stdout], [0, r.stdout]);
  });

  it('prints the diagnostics as a JSON array with --json', async () => {
    const r = await ncbgp(['yang', 'check', '--json', YANG_DIR]);
    assert.equal(r.code, 0, r.stderr);
    const diags = JSON.parse(r.stdout) as JsonDiagnostic[];
    assert.ok(Array.isArray(diags));
    assert.deepEqual(
      diags.map((d) => [d.module, d.source, d.known, path.dirname(path.relative(YANG_DIR, d.file))]).sort(),
      KNOWN_YANG_JS_COMPLAINTS.map((k) => [k.module, 'yang-js', true, 'ietf']).sort(),
    );
  });

  it('exits 1 when a module fails our compiler, and names it', async () => {
    const d = modules('broken', {
      'good.yang': 'module good { namespace "urn:good"; prefix g; leaf x { type string; } }',
      'broken.yang': 'module broken { namespace "urn:broken"; prefix br; container c { ',
      'lonely.yang': 'module lonely { namespace "urn:lonely"; prefix l; import missing { prefix m; } leaf y { type m:nothing; } }',
    });
    const r = await ncbgp(['yang', 'check', d]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines.find((l) => l.startsWith('broken.yang: ncbgp: ')) ?? '', /not closed/);
    assert.ok(lines.some((l) => l === "lonely: ncbgp: imported module 'missing' not found"), r.stdout);
    assert.ok(!lines.some((l) => l.startsWith('good:')), r.stdout);
    assert.match(lines[lines.length - 1], /^2 modules in .*: \d+ problems for our compiler; yang-js refuses \d+ \(0 known\)$/);
    const json = await ncbgp(['yang', 'check', d, '--json']);
    assert.equal(json.code, 1);
    assert.ok((JSON.parse(json.stdout) as JsonDiagnostic[]).some((x) => x.module === 'broken.yang' && x.source === 'ncbgp' && !x.known));
  });

  it('exits 1 when yang-js refuses a module for a reason not known, though our compiler accepts it', async () => {
    // the construct yang-js 0.24 refuses in ietf-netconf-notifications, in a module of another name
    const d = modules('new-complaint', {
      'shorthand.yang': 'module shorthand { namespace "urn:s"; prefix s; container top { choice c { leaf a { type string; } case b { leaf b1 { type empty; } } } } }',
    });
    const r = await ncbgp(['yang', 'check', d]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^shorthand: yang-js: .*short-hand/);
    assert.match(lines[1], /: our compiler accepts every one; yang-js refuses 1 \(0 known\)$/);
  });

  it('exits 2 on a usage error, 0 with the usage on --help', async () => {
    for (const args of [['yang'], ['yang', 'lint'], ['yang', 'check', 'a', 'b'], ['yang', 'check', '--bogus'], ['yang', 'check', path.join(dir, 'none')]]) {
      const r = await ncbgp(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^ncbgp yang: .*\nusage:\n {2}ncbgp yang check/, args.join(' '));
    }
    const help = await ncbgp(['yang', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage:\n {2}ncbgp yang check \[DIR\] \[--json\]/);
    const top = await ncbgp(['--help']);
    assert.match(top.stdout, /\n {2}ncbgp yang check \[DIR\] \[--json\] /);
  });
});

describe('the server without yang-js', function () {
  this.timeout(60_000);
  /** The node_modules/yang-js files a fresh process has loaded after `code` (run with the sources through tsx). */
  const yangJsLoadedAfter = (code: string): number => {
    const script = `require('tsx/cjs'); ${code}; process.stdout.write('\\nyang-js files: ' + Object.keys(require.cache).filter((k) => k.includes('/node_modules/yang-js/')).length + '\\n');`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    const m = /\nyang-js files: (\d+)\n/.exec(out);
    assert.ok(m, out);
    return Number(m[1]);
  };

  it('does not load yang-js with the server and command-line modules, nor with the schema the server loads', () => {
    // main.ts runs at once: as `ncbgp --help`
    const code = `process.argv = [process.argv[0], 'ncbgp', '--help']; require('./src/cli/main.ts'); require('./src/server/server.ts'); require('./src/yang/registry.ts').SchemaRegistry.load()`;
    assert.equal(yangJsLoadedAfter(code), 0);
  });

  it('loads it for the cross-check (the probe sees it)', () => {
    assert.ok(yangJsLoadedAfter(`require('./src/yang/registry.ts').SchemaRegistry.load(undefined, { crossCheck: true })`) > 0);
  });
});
