// The state directory (DESIGN.md section 2, state-dir): its files, the checks
// made before the datastores open it, and the inspection and recovery behind
// `ncbgp state check|recover DIR`. Inspection reads only; recovery changes
// files only when the operator asks for it, keeping a copy of what it drops.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '../log';
import { decodeRecords, DecodedJournal } from './journal';
import { loadDatastore } from './persist';
import { describeCorruption, StateCorruptError, StateDirError } from './state-errors';

export interface StateFiles {
  /** the snapshot of running */
  readonly running: string;
  readonly startup: string;
  /** running before a confirmed commit not yet confirmed */
  readonly rollback: string;
  /** commits to running since its snapshot */
  readonly journal: string;
  /** refresh operations running (services/refresh-history.ts) */
  readonly refreshLog: string;
}

export function stateFiles(dir: string): StateFiles {
  return {
    running: path.join(dir, 'running.xml'),
    startup: path.join(dir, 'startup.xml'),
    rollback: path.join(dir, 'running-before-confirmed-commit.xml'),
    journal: path.join(dir, 'running.journal'),
    refreshLog: path.join(dir, 'refresh-operations.log'),
  };
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR') return 'a component of the path is not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return e instanceof Error ? e.message : String(e);
}

/**
 * Makes `dir` ready to hold the datastores: created (mode 0700, parents
 * too) when missing; mode 0700 when group or others had access (the files
 * hold password hashes and keys: warned, then fixed). Throws StateDirError
 * when it is not a directory, cannot be created, or is not writable.
 */
export function prepareStateDir(dir: string, log: Logger): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StateDirError(dir, errnoText(e));
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e2) {
      throw new StateDirError(dir, `cannot be created: ${errnoText(e2)}`);
    }
    log.info('created the state directory', { dir });
    return;
  }
  if (!st.isDirectory()) throw new StateDirError(dir, 'not a directory');
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw new StateDirError(dir, `not writable: ${errnoText(e)}`);
  }
  if (st.mode & 0o077) {
    fs.chmodSync(dir, 0o700);
    log.warn('the state directory was open to group or others: set to mode 0700', { dir, mode: (st.mode & 0o777).toString(8) });
  }
}

export interface SnapshotReport {
  readonly file: string;
  readonly state: 'absent' | 'ok' | 'damaged';
  /** why it is damaged */
  readonly detail?: string;
}

export interface JournalReport extends DecodedJournal {
  readonly file: string;
  /** octets in the file */
  readonly bytes: number;
}

export interface StateReport {
  readonly dir: string;
  readonly snapshots: readonly SnapshotReport[];
  /** undefined when there is no journal file */
  readonly journal?: JournalReport;
  /** the server would start: unchanged, or cutting a torn journal tail */
  readonly startable: boolean;
}

/** What a start would find in `dir`: record framing and snapshot XML (not the YANG validity of the content). Reads only. */
export function inspectState(dir: string): StateReport {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    throw new StateDirError(dir, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : errnoText(e));
  }
  if (!st.isDirectory()) throw new StateDirError(dir, 'not a directory');
  const files = stateFiles(dir);
  const snapshots = [files.running, files.startup, files.rollback].map((file): SnapshotReport => {
    try {
      return { file, state: loadDatastore(file) ? 'ok' : 'absent' };
    } catch (e) {
      if (e instanceof StateCorruptError) return { file, state: 'damaged', detail: e.detail };
      throw e;
    }
  });
  let journal: JournalReport | undefined;
  try {
    const buf = fs.readFileSync(files.journal);
    journal = { file: files.journal, bytes: buf.length, ...decodeRecords(buf) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const startable = snapshots.every((s) => s.state !== 'damaged') && !journal?.corruption;
  return { dir, snapshots, ...(journal && { journal }), startable };
}

/** One line per file of a report. */
export function describeState(report: StateReport): string[] {
  const lines = report.snapshots.map((s) => `${s.file}: ${s.state === 'damaged' ? `damaged: ${s.detail ?? ''}` : s.state}`);
  const j = report.journal;
  if (!j) lines.push(`${stateFiles(report.dir).journal}: absent`);
  else if (j.corruption) lines.push(`${j.file}: ${j.bytes} bytes; ${describeCorruption(j.corruption)}`);
  else if (j.damage) lines.push(`${j.file}: ${j.payloads.length} records; torn tail of ${j.bytes - j.intact} bytes at byte ${j.intact} (${j.damage.reason}): a start cuts it off`);
  else lines.push(`${j.file}: ${j.payloads.length} records, ${j.bytes} bytes, ok`);
  return lines;
}

export interface Recovery {
  /** where the damaged files were copied; undefined when there was nothing to recover */
  readonly copyDir?: string;
  /** what was done, one line each */
  readonly actions: readonly string[];
}

/**
 * Brings `dir` back to its last good state: a journal damaged before its end
 * keeps the records before the first bad one; a damaged snapshot is moved
 * aside (running's with the journal, whose records apply to it). The damaged
 * files go, byte for byte, to `dir/damaged-<time>/` (mode 0700) first.
 * Changes nothing when a start would succeed as it is.
 */
export function recoverState(dir: string, now: Date = new Date()): Recovery {
  const report = inspectState(dir);
  if (report.startable) return { actions: [] };
  const files = stateFiles(dir);
  const copyDir = path.join(dir, `damaged-${now.toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(copyDir, { mode: 0o700 });
  const actions: string[] = [];
  const damaged = new Set(report.snapshots.filter((s) => s.state === 'damaged').map((s) => s.file));
  const moveAside = (file: string, consequence: string): void => {
    fs.renameSync(file, path.join(copyDir, path.basename(file)));
    actions.push(`moved ${path.basename(file)} to ${copyDir}: ${consequence}`);
  };
  if (damaged.has(files.running)) {
    moveAside(files.running, 'running starts from startup.xml, or from the configured initial content when there is none');
    if (report.journal) moveAside(files.journal, 'its records apply to the damaged snapshot');
  } else if (report.journal?.corruption) {
    const j = report.journal;
    const bad = report.journal.corruption;
    const copy = path.join(copyDir, path.basename(j.file));
    fs.copyFileSync(j.file, copy, fs.constants.COPYFILE_EXCL);
    syncFile(copy);
    replaceAtomically(j.file, fs.readFileSync(j.file).subarray(0, j.intact));
    const kept = j.payloads.length ? `kept records 1-${j.payloads.length} (${j.intact} bytes)` : 'kept no record';
    actions.push(`${path.basename(j.file)}: ${kept}; dropped record ${bad.record} and everything after it (${j.bytes - j.intact} bytes); the damaged journal is copied to ${copy}`);
  }
  if (damaged.has(files.startup)) moveAside(files.startup, 'startup is empty at the next start');
  if (damaged.has(files.rollback)) moveAside(files.rollback, 'the unconfirmed commit it would have rolled back stays in running');
  syncFile(copyDir);
  syncFile(dir);
  return { copyDir, actions };
}

/** fsync of a file or a directory (a directory's entries are durable once it is synced). */
function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** `file` holds `data`, or its old content (or none) after a crash, never a mix: a temporary file, fsync, rename, directory fsync (as persist.ts saves). */
export function replaceAtomically(file: string, data: Buffer | string): void {
  const temp = `${file}.new-${process.pid}`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  syncFile(path.dirname(file));
}
