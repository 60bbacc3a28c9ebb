// The idle collector (src/server/idle-gc.ts) in a node process of its own,
// run as bin/ncbgp runs node (--expose-gc, a 64 MiB young generation): after
// a burst of allocation the young generation is given back once the process
// is idle, and a busy process is not collected.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startIdleCollector } from '../../src/server/idle-gc';
import { createLogger } from '../../src/log';
import { REPO_ROOT } from '../helpers/server';

const run = promisify(execFile);
const MIB = 1024 * 1024;

interface Collection {
  youngBefore: number;
  youngAfter: number;
}

/** Runs `body` in node with bin/ncbgp's flags after the collector starts; returns the young generation's size at the end and the collections logged. */
async function inNode(options: string, body: string): Promise<{ young: number; collections: Collection[] }> {
  const script = `
    const { startIdleCollector, youngGenerationBytes } = require(${JSON.stringify(join(REPO_ROOT, 'dist/server/idle-gc.js'))});
    const { createLogger, setLogLevel } = require(${JSON.stringify(join(REPO_ROOT, 'dist/log.js'))});
    setLogLevel('debug');
    const collections = [];
    const log = createLogger({}, (line) => { const l = JSON.parse(line); if (l.msg === 'idle: full collection') collections.push(l); });
    let keep = [];
    for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 100000) keep = []; }
    keep = undefined;
    const collector = startIdleCollector(log, ${options});
    const done = () => { collector.stop(); process.stdout.write(JSON.stringify({ young: youngGenerationBytes(), collections })); };
    ${body}`;
  const { stdout } = await run(process.execPath, ['--expose-gc', '--max-semi-space-size=64', '-e', script], { timeout: 30_000 });
  return JSON.parse(stdout) as { young: number; collections: Collection[] };
}

describe('idle collector', () => {
  it('gives the young generation back once the process is idle', async function () {
    this.timeout(40_000);
    // V8 shrinks the young generation at a collection that sees little allocation over 5 s
    const r = await inNode('{ tickMs: 250, idleTicks: 24 }', `
      const wait = setInterval(() => { if (youngGenerationBytes() <= 2 * 1024 * 1024) { clearInterval(wait); done(); } }, 100);`);
    assert.ok(r.collections.length >= 1 && r.collections.length <= 3, JSON.stringify(r.collections));
    assert.ok(r.collections[0].youngBefore >= 16 * MIB, `the burst grew it: ${r.collections[0].youngBefore}`);
    assert.ok(r.young <= 2 * MIB, `young generation ${r.young}`);
  });

  it('does not collect a busy process', async function () {
    this.timeout(20_000);
    // busy 80 ms of every 100 ms for 3 s, well past 5 idle ticks of 100 ms
    const r = await inNode('{ tickMs: 100, idleTicks: 5 }', `
      const end = Date.now() + 3000;
      const spin = () => { const t = Date.now() + 80; while (Date.now() < t); if (Date.now() < end) setTimeout(spin, 20); else done(); };
      spin();`);
    assert.deepEqual(r.collections, []);
    assert.ok(r.young >= 16 * MIB, `young generation ${r.young}`);
  });

  it('is off where node runs without --expose-gc', () => {
    assert.equal(typeof globalThis.gc, 'undefined', 'mocha runs without --expose-gc');
    const lines: string[] = [];
    assert.equal(startIdleCollector(createLogger({}, (l) => lines.push(l))), undefined);
  });
});
