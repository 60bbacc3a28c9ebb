// Log lines: JSON objects off a terminal, text a person reads on one
// (time, level, message, key=value), and --log-format / --log-level.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, setLogFormat, setLogLevel } from '../../src/log';
import { ncbgp } from '../helpers/lab';
import { NCBGP } from '../helpers/server';

describe('log format and level', function () {
  this.timeout(60_000);
  let dir: string;
  let config: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-log-'));
    config = path.join(dir, 'c.yaml');
    writeFileSync(config, `state-dir: ${dir}/state\nnetconf:\n  listen: { address: 127.0.0.1, port: 0 }\n  host-key: ${dir}/hk\n  users: [{ name: admin, password: secret, level: 3 }]\n`);
  });
  after(() => {
    setLogFormat('json');
    setLogLevel('info');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the same record as a JSON object and as a text line; secrets are the caller\'s to keep out', () => {
    const lines: string[] = [];
    const log = createLogger({ component: 't' }, (l) => lines.push(l));
    setLogFormat('json');
    log.warn('peer down', { peer: '127.0.0.2', reason: 'hold timer expired', up: false });
    setLogFormat('text');
    log.warn('peer down', { peer: '127.0.0.2', reason: 'hold timer expired', up: false, absent: undefined });
    const json = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.deepEqual([json.level, json.msg, json.component, json.peer, json.reason, json.up], ['warn', 'peer down', 't', '127.0.0.2', 'hold timer expired', false]);
    assert.match(lines[1], /^\d\d:\d\d:\d\d\.\d{3} WARN {2}peer down component=t peer=127\.0\.0\.2 reason="hold timer expired" up=false\n$/);
  });

  it('--log-level filters: below the level nothing is written', () => {
    const lines: string[] = [];
    const log = createLogger({}, (l) => lines.push(l));
    setLogLevel('warn');
    log.info('hidden');
    log.error('shown');
    setLogLevel('info');
    assert.equal(lines.length, 1);
  });

  /** `ncbgp serve` for 2 s, then SIGTERM: what it wrote. */
  const serveOutput = (args: string[], terminal: boolean): string => {
    const argv = ['-s', 'TERM', '2', NCBGP, 'serve', '--config', config, ...args];
    // script(1) gives the server a terminal; without it stderr is a pipe
    const r = terminal ? spawnSync('script', ['-qec', `timeout ${argv.join(' ')}`, '/dev/null'], { encoding: 'utf8' }) : spawnSync('timeout', argv, { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`;
  };

  it('serve: JSON lines when stderr is no terminal, text on a terminal, and as --log-format says', () => {
    assert.match(serveOutput([], false).split('\n')[0], /^\{"time":".*","level":"info","msg":"YANG modules loaded"/);
    assert.match(serveOutput([], true).split(/\r?\n/)[0], /^\d\d:\d\d:\d\d\.\d{3} INFO {2}YANG modules loaded component=ncbgp/);
    assert.match(serveOutput(['--log-format', 'text'], false).split('\n')[0], /^\d\d:\d\d:\d\d\.\d{3} INFO {2}YANG modules loaded/);
    assert.match(serveOutput(['--log-format', 'json'], true).split(/\r?\n/)[0], /^\{"time":/);
    assert.equal(serveOutput(['--log-level', 'warn'], false).trim(), '');
  });

  it('a bad --log-format or --log-level is a usage error (exit 2)', async () => {
    for (const args of [['serve', '--log-format', 'xml'], ['serve', '--log-level', 'loud'], ['lab', '--log-format', 'xml']]) {
      const r = await ncbgp(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /--log-(format|level): .* is not one of/);
    }
  });
});
