// The refresh log of the state directory (services/refresh-history.ts) read
// at start: operations with no end line end as failed for their peers not
// done; ended ones are dropped; damaged lines cost only themselves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BgpEngine } from '../../src/bgp/engine';
import { createLogger } from '../../src/log';
import { RefreshLog, SERVER_RESTARTED } from '../../src/services/refresh-history';

const T0 = '2026-12-03T10:00:00.000Z';
const start = (id: number, selected: string[]): string => JSON.stringify({ start: { id, afi: 1, safi: 5, direction: 'import', selector: { kind: 'all' }, startTime: T0, selected } });
const peer = (id: number, address: string, status: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ peer: { operationId: id, peerAddress: address, family: { afi: 1, safi: 5 }, direction: 'import', status, routes: 3, startTime: T0, endTime: T0, ...extra } });

describe('services: the refresh log read at start', () => {
  let dir: string;
  let file: string;
  const lines: string[] = [];
  const log = createLogger({}, (l) => lines.push(l));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-refresh-log-'));
    file = join(dir, 'refresh-operations.log');
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ends an unfinished operation: its ended peers as they were, the others failed; an ended operation is dropped; ids go on', () => {
    writeFileSync(
      file,
      [
        '{"next":3}',
        start(3, ['192.0.2.1', '192.0.2.2', '192.0.2.3']),
        peer(3, '192.0.2.9', 'skipped', { reason: 'session is not established (idle)', routes: 0 }),
        peer(3, '192.0.2.1', 'completed', { completion: 'eorr' }),
        start(4, ['192.0.2.1']),
        peer(4, '192.0.2.1', 'completed', { completion: 'eorr' }),
        '{"end":4}',
      ].join('\n') + '\n',
    );
    const engine = new BgpEngine(log);
    const r = RefreshLog.open(file, engine, log);
    r.close();
    assert.deepEqual(
      engine.recent.map((s) => [s.operationId, s.selected, s.completed, s.skipped, s.failed]),
      [[3, 3, 1, 1, 2]],
    );
    assert.deepEqual(
      engine.recent[0].peers.map((p) => [p.peerAddress, p.status, p.reason ?? p.completion]),
      [
        ['192.0.2.9', 'skipped', 'session is not established (idle)'],
        ['192.0.2.1', 'completed', 'eorr'],
        ['192.0.2.2', 'failed', SERVER_RESTARTED],
        ['192.0.2.3', 'failed', SERVER_RESTARTED],
      ],
    );
    assert.equal(engine.recent[0].startTime.toISOString(), T0);
    assert.equal(readFileSync(file, 'utf8'), '{"next":5}\n', 'rewritten to its header');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('a torn last line, garbage and lines of the wrong shape are left out with a warning; the rest is read', () => {
    writeFileSync(file, [start(7, ['192.0.2.1']), 'garbage', '{"start":{"id":-1}}', '{"peer":{"operationId":7}}', start(8, ['192.0.2.2']).slice(0, 30)].join('\n'));
    const engine = new BgpEngine(log);
    RefreshLog.open(file, engine, log).close();
    assert.deepEqual(engine.recent.map((s) => [s.operationId, s.failed]), [[7, 1]]);
    const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'refresh log lines that cannot be read were left out');
    assert.equal(warning?.lines, 4);
  });

  it('no log: nothing restored, ids from 1', () => {
    const engine = new BgpEngine(log);
    RefreshLog.open(file, engine, log).close();
    assert.deepEqual(engine.recent, []);
    assert.equal(readFileSync(file, 'utf8'), '{"next":1}\n');
  });
});
