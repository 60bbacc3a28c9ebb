// Why the state directory cannot be used as it is. The server refuses to
// start on either; `ncbgp state check|recover DIR` (src/cli/state.ts) is the
// way out for damage.

/** What the operator can run about damaged state files. */
const WAY_OUT = 'nothing was changed on disk; see `ncbgp state check DIR` and `ncbgp state recover DIR --to-last-good`';

/** Where a journal is damaged with valid records after the damage (not a torn tail). */
export interface JournalCorruption {
  /** 1-based number of the first bad record */
  readonly record: number;
  /** its byte offset */
  readonly offset: number;
  readonly reason: string;
  /** byte offset of the first valid record after it */
  readonly resumeAt: number;
}

/** A state file whose content is damaged: a snapshot that does not parse, or a journal damaged before its end. */
export class StateCorruptError extends Error {
  constructor(
    readonly file: string,
    /** what is wrong with it */
    readonly detail: string,
    readonly journal?: JournalCorruption,
  ) {
    super(`${file}: ${detail}; ${WAY_OUT}`);
    this.name = 'StateCorruptError';
  }

  static journalDamage(file: string, c: JournalCorruption): StateCorruptError {
    return new StateCorruptError(file, describeCorruption(c), c);
  }
}

/** One line on a journal damaged before its end, naming the last good commit. */
export function describeCorruption(c: JournalCorruption): string {
  const lastGood = c.record === 1 ? 'none (the snapshot alone)' : `record ${c.record - 1}`;
  return `journal record ${c.record} at byte ${c.offset} is damaged (${c.reason}) and valid records follow it (from byte ${c.resumeAt}); last good commit: ${lastGood}`;
}

/** The state directory itself cannot be used (not a directory, not writable, cannot be created). */
export class StateDirError extends Error {
  constructor(
    readonly dir: string,
    detail: string,
  ) {
    super(`state directory ${dir}: ${detail}`);
    this.name = 'StateDirError';
  }
}
