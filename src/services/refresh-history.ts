// Refresh operations across a restart (issue 11): each start, peer result and
// end of an operation is a line of the state directory's refresh log, so that
// an operation cut short by a crash or kill is not silently gone: at the next
// start it ends as failed for its peers not done (reason "server restarted"),
// shows in refresh-operations, and operation ids go on from where they were.
// The log holds a header and the running operations: it is rewritten short
// whenever none runs. A damaged line costs only the history, never the start.
import * as fs from 'node:fs';
import type { BgpEngine, RunningOperation } from '../bgp/engine';
import type { Direction, OperationSummary, PeerResult, PeerSelector } from '../bgp/refresh/operation';
import { replaceAtomically } from '../datastore/state-dir';
import type { Logger } from '../log';

export const SERVER_RESTARTED = 'server restarted';

/** A log this long with operations still running is rewritten with just them. */
const COMPACT_BYTES = 1024 * 1024;

interface StartLine {
  readonly id: number;
  readonly afi: number;
  readonly safi: number;
  readonly direction: Direction;
  readonly selector: PeerSelector;
  readonly startTime: string;
  /** the peers the refresh was started for (the skipped ones not) */
  readonly selected: readonly string[];
}

/** One line of the log. */
type Line = { readonly next: number } | { readonly start: StartLine } | { readonly peer: PeerResult } | { readonly end: number };

/** What the log says of an operation with no end line. */
interface Unfinished {
  readonly start: StartLine;
  readonly peers: PeerResult[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isDirection = (v: unknown): v is Direction => v === 'import' || v === 'export';
const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function selectorOf(v: unknown): PeerSelector | undefined {
  if (!isObject(v)) return undefined;
  if (v.kind === 'all' || v.kind === 'external' || v.kind === 'internal') return { kind: v.kind };
  if (v.kind === 'address' && typeof v.address === 'string') return { kind: 'address', address: v.address };
  if (v.kind === 'group' && typeof v.group === 'string') return { kind: 'group', group: v.group };
  return undefined;
}

function startOf(v: unknown): StartLine | undefined {
  if (!isObject(v) || !isId(v.id) || !Number.isInteger(v.afi) || !Number.isInteger(v.safi) || !isDirection(v.direction) || !isTime(v.startTime)) return undefined;
  const selector = selectorOf(v.selector);
  const selected = Array.isArray(v.selected) && v.selected.every((a) => typeof a === 'string') ? (v.selected as string[]) : undefined;
  if (!selector || !selected) return undefined;
  return { id: v.id, afi: v.afi as number, safi: v.safi as number, direction: v.direction, selector, startTime: v.startTime, selected };
}

const STATUSES = new Set(['completed', 'skipped', 'failed']);
const COMPLETIONS = new Set(['eorr', 'quiet-period', 'local', 'drained']);

function peerOf(v: unknown): PeerResult | undefined {
  if (!isObject(v) || !isId(v.operationId) || typeof v.peerAddress !== 'string' || !isObject(v.family) || !isDirection(v.direction)) return undefined;
  if (!STATUSES.has(v.status as string) || !Number.isSafeInteger(v.routes) || !isTime(v.startTime) || !isTime(v.endTime)) return undefined;
  if ((v.reason !== undefined && typeof v.reason !== 'string') || (v.completion !== undefined && !COMPLETIONS.has(v.completion as string))) return undefined;
  const { afi, safi } = v.family;
  if (!Number.isInteger(afi) || !Number.isInteger(safi)) return undefined;
  return {
    operationId: v.operationId,
    peerAddress: v.peerAddress,
    family: { afi: afi as number, safi: safi as number },
    direction: v.direction,
    status: v.status as PeerResult['status'],
    reason: v.reason as string | undefined,
    completion: v.completion as PeerResult['completion'],
    routes: v.routes as number,
    startTime: new Date(v.startTime),
    endTime: new Date(v.endTime),
  };
}

function lineOf(text: string): Line | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v)) return undefined;
  if ('next' in v) return isId(v.next) ? { next: v.next } : undefined;
  if ('end' in v) return isId(v.end) ? { end: v.end } : undefined;
  if ('start' in v) {
    const start = startOf(v.start);
    return start && { start };
  }
  if ('peer' in v) {
    const peer = peerOf(v.peer);
    return peer && { peer };
  }
  return undefined;
}

/** An operation the last run did not finish, ended now: its peers not done have failed. */
function endedByRestart(u: Unfinished, now: Date): OperationSummary {
  const family = { afi: u.start.afi, safi: u.start.safi };
  const startTime = new Date(u.start.startTime);
  const ended = new Set(u.peers.map((p) => p.peerAddress));
  const failed = u.start.selected
    .filter((address) => !ended.has(address))
    .map((address): PeerResult => ({ operationId: u.start.id, peerAddress: address, family, direction: u.start.direction, status: 'failed', reason: SERVER_RESTARTED, routes: 0, startTime, endTime: now }));
  const peers = [...u.peers, ...failed];
  const count = (s: PeerResult['status']): number => peers.filter((p) => p.status === s).length;
  return {
    operationId: u.start.id,
    family,
    direction: u.start.direction,
    selector: u.start.selector,
    dryRun: false,
    startTime,
    endTime: now,
    selected: u.start.selected.length,
    completed: count('completed'),
    skipped: count('skipped'),
    failed: count('failed'),
    peers,
  };
}

/** Reads a log: where ids go on, and the operations that have no end line, oldest first. */
function readLog(text: string, log: Logger, file: string): { next: number; unfinished: Unfinished[] } {
  let next = 1;
  let damaged = 0;
  const open = new Map<number, Unfinished>();
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const line = lineOf(raw);
    if (!line) {
      damaged++;
      continue;
    }
    if ('next' in line) next = Math.max(next, line.next);
    else if ('start' in line) {
      open.set(line.start.id, { start: line.start, peers: [] });
      next = Math.max(next, line.start.id + 1);
    } else if ('peer' in line) open.get(line.peer.operationId)?.peers.push(line.peer);
    else open.delete(line.end);
  }
  if (damaged > 0) log.warn('refresh log lines that cannot be read were left out', { file, lines: damaged });
  return { next, unfinished: [...open.values()].sort((a, b) => a.start.id - b.start.id) };
}

const startLine = (op: RunningOperation): StartLine => ({
  id: op.operationId,
  afi: op.family.afi,
  safi: op.family.safi,
  direction: op.direction,
  selector: op.selector,
  startTime: op.startTime.toISOString(),
  selected: [...op.peers.filter((p) => p.status !== 'skipped').map((p) => p.peerAddress), ...op.pending.map((p) => p.address)],
});

/**
 * The refresh log `file` of a state directory, for `engine`: what an earlier
 * run left is taken up by the engine, then every operation is written as it
 * goes. Writing is best effort: a failure is logged once and refreshes run on.
 */
export class RefreshLog {
  private fd?: number;
  private next = 1;
  private bytes = 0;
  private failing = false;
  private closed = false;

  private constructor(
    private readonly file: string,
    private readonly engine: BgpEngine,
    private readonly log: Logger,
  ) {}

  static open(file: string, engine: BgpEngine, log: Logger): RefreshLog {
    const r = new RefreshLog(file, engine, log);
    r.restore();
    // a dry run changes nothing: nothing of it to take up after a restart
    engine.on('refresh-started', (op) => (op.dryRun ? r.skip(op.operationId + 1) : r.append({ start: startLine(op) }, op.operationId + 1)));
    engine.on('peer-refresh-complete', (peer) => peer.dryRun || r.append({ peer }));
    engine.on('refresh-complete', (s) => {
      if (!s.dryRun) r.append({ end: s.operationId });
      if (engine.running().length === 0 || r.bytes > COMPACT_BYTES) r.rewrite();
    });
    return r;
  }

  /** Stops writing: operations still running are, for the next start, cut short by the restart. */
  close(): void {
    this.closeFile();
    this.closed = true;
  }

  private closeFile(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private restore(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn('the refresh log cannot be read: refresh history starts empty', { file: this.file, error: String(e) });
      text = '';
    }
    const { next, unfinished } = readLog(text, this.log, this.file);
    const now = new Date();
    const ended = unfinished.map((u) => endedByRestart(u, now));
    for (const s of ended) this.log.warn('a refresh operation was cut short by a restart: its peers not done have failed', { operationId: s.operationId, failed: s.failed });
    this.engine.restoreHistory({ nextOperationId: next, ended });
    this.next = next;
    this.rewrite();
  }

  /** An operation not logged: ids still go on past it. */
  private skip(next: number): void {
    this.next = Math.max(this.next, next);
  }

  private append(line: Line, next?: number): void {
    if (next !== undefined) this.next = Math.max(this.next, next);
    this.write(() => {
      this.fd ??= fs.openSync(this.file, 'a', 0o600);
      const data = JSON.stringify(line) + '\n';
      fs.writeSync(this.fd, data);
      this.bytes += Buffer.byteLength(data);
    });
  }

  /** The header and the running operations, in place of the log (a temporary file renamed over it). */
  private rewrite(): void {
    this.write(() => {
      const lines: Line[] = [{ next: this.next }];
      for (const op of this.engine.running()) lines.push({ start: startLine(op) }, ...op.peers.map((peer) => ({ peer })));
      const data = lines.map((l) => JSON.stringify(l) + '\n').join('');
      this.closeFile();
      replaceAtomically(this.file, data);
      this.bytes = Buffer.byteLength(data);
    });
  }

  private write(fn: () => void): void {
    if (this.closed) return;
    try {
      fn();
      if (this.failing) this.log.info('the refresh log is written again', { file: this.file });
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.log.warn('the refresh log cannot be written: a restart will not know the running refresh operations', { file: this.file, error: String(e) });
      this.failing = true;
      this.closeFile();
    }
  }
}
