// Gives memory back once the server is idle. V8 keeps its young generation
// at the size a burst grew it to (up to 2 x 64 MiB with bin/ncbgp's
// --max-semi-space-size=64: 1,000 SSH handshakes leave 32 MiB, a commit
// burst more) and shrinks it only in a full collection that sees a low
// allocation rate over its last 5 s; an idle server collects nothing, so it
// kept that memory for good. Here: once the event loop has been busy less
// than 5% of the time for 6 s in a row, one full collection (`gc`, which
// bin/ncbgp exposes with --expose-gc), at most 3 in one idle period, while
// the young generation is above its 1 MiB minimum. Busy again, it starts over.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Logger } from '../log';

export interface IdleCollectorOptions {
  /** how often the event loop's use is read; 1000 ms */
  readonly tickMs?: number;
  /** idle ticks in a row before a collection; 6 (V8 rates allocation over 5 s) */
  readonly idleTicks?: number;
}

const BUSY = 0.05;
const MAX_PER_IDLE_PERIOD = 3;
const YOUNG_MINIMUM = 2 * 1024 * 1024; // both semi-spaces at 1 MiB

export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Starts the idle collector; undefined (and a debug line) when node runs without --expose-gc. */
export function startIdleCollector(log: Logger, opts: IdleCollectorOptions = {}): { stop(): void } | undefined {
  const collect = globalThis.gc;
  if (!collect) {
    log.debug('no collection when idle: node runs without --expose-gc');
    return undefined;
  }
  const idleTicks = opts.idleTicks ?? 6;
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let idle = 0;
  let collections = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (busy >= BUSY) {
      idle = 0;
      collections = 0;
      return;
    }
    if (++idle < idleTicks || collections >= MAX_PER_IDLE_PERIOD) return;
    const before = youngGenerationBytes();
    if (before <= YOUNG_MINIMUM) return;
    const start = performance.now();
    collect();
    collections++;
    idle = 0;
    last = performance.eventLoopUtilization(); // the collection is no load
    log.debug('idle: full collection', { ms: Math.round(performance.now() - start), youngBefore: before, youngAfter: youngGenerationBytes() });
  }, opts.tickMs ?? 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
