// The configuration datastores (RFC 6241 section 5: running, candidate,
// startup), their locks (section 7.5), the operations that change them
// (sections 7.2-7.4, 8.3, 8.4, 8.6) and their persistence under state-dir.
//
// Every change to running goes one way: edit (or copy, commit, rollback) ->
// diff -> access check -> validation -> subscribers (any may refuse: the
// ones that accepted are handed the reverse change) -> the new content ->
// journal record on disk -> listeners (netconf-config-change). Operations
// that change something run one at a time; the wait for the disk does not
// hold the others up (journal.ts writes concurrent records together).
//
// Choices where the RFCs leave room:
// - The candidate follows running until it is first edited; edits to it are
//   checked for types and structure, the whole-datastore constraints are
//   checked by validate and commit (as ConfD and Junos do), so a change can
//   be built in several steps.
// - Running survives restarts on its own (snapshot + journal); startup is
//   what a first start loads, and what copy-config startup -> running
//   restores.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as util from 'node:util';
import { Logger } from '../log';
import { NS } from '../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError, NetconfRpcErrors } from '../model/rpc-error';
import { elem, parseXml, serialize, SERVER_XML_LIMITS, XmlAttribute, XmlElement } from '../model/xml';
import { keyPredicate } from '../yang/instance-path';
import { dataChild } from '../yang/schema';
import type { DataNodeSchema, ListSchema } from '../yang/schema';
import type { SchemaRegistry } from '../yang/registry';
import { DiffEntry, diffConfig, WriteGuard } from './diff';
import { applyEdit, EditOptions } from './edit';
import { Journal } from './journal';
import { loadDatastore, loadSealedDatastore, removeStaleTemporaries, saveDatastore } from './persist';
import { prepareStateDir, stateFiles } from './state-dir';
import { validateConfig } from './validate';

export type DatastoreName = 'running' | 'candidate' | 'startup';
export const DATASTORES: readonly DatastoreName[] = ['running', 'candidate', 'startup'];

/** Who made a change: a session, or the server itself (rollback of a confirmed commit). */
export interface Actor {
  readonly username: string;
  readonly sessionId?: number;
  readonly sourceHost?: string;
}

/** A change to running as subscribers and listeners see it. */
export interface CommittedChange {
  readonly datastore: DatastoreName;
  readonly changes: readonly DiffEntry[];
  readonly before: readonly XmlElement[];
  readonly after: readonly XmlElement[];
  readonly actor: Actor;
}

/** Takes a change to its subtree; throwing (a NetconfRpcError says why) refuses it. */
export type ChangeSubscriber = (change: CommittedChange) => void | Promise<void>;

/**
 * A change in effect. `saved` resolves once it is on disk; when it cannot be
 * saved (disk full, I/O error) the change is undone (running, subscribers)
 * and `saved` rejects with resource-denied or operation-failed naming the
 * state directory. The datastores take the next operation meanwhile, so that
 * commits waiting for the disk share a sync.
 */
export interface Applied {
  readonly saved: Promise<void>;
}

const NOTHING_TO_SAVE: Applied = { saved: Promise.resolve() };


export interface EditRequest extends EditOptions {
  readonly testOption: 'test-then-set' | 'set' | 'test-only';
}

/** RFC 6241 section 8.4.5 <commit> parameters. */
export interface CommitRequest {
  readonly confirmed: boolean;
  readonly confirmTimeoutS: number;
  readonly persist?: string;
  readonly persistId?: string;
}

/** RFC 6470 section 2.5 confirm-event. */
export type ConfirmEvent = 'start' | 'cancel' | 'timeout' | 'extend' | 'complete';

export interface LockInfo {
  readonly sessionId: number;
  readonly lockedTime: Date;
}

export type LockResult = { readonly ok: true } | { readonly ok: false; readonly heldBy: number };

export interface DatastoresOptions {
  readonly schema: SchemaRegistry;
  /** where running and startup persist; none keeps them in memory */
  readonly stateDir?: string;
  /** content of a first start (nothing saved yet), made only then */
  readonly initial?: () => readonly XmlElement[];
  readonly log: Logger;
}

/** A confirmed commit waiting for its confirmation (RFC 6241 section 8.4). */
interface PendingConfirm {
  readonly rollback: readonly XmlElement[];
  readonly sessionId?: number;
  readonly persist?: string;
  timer: NodeJS.Timeout;
}

/** Compact the journal into a new snapshot past this size (and past the snapshot's own size). */
const COMPACT_BYTES = 4 * 1024 * 1024;
const NO_ACTOR_CHECK = (): undefined => undefined;

export class Datastores {
  private running: readonly XmlElement[];
  /** undefined while the candidate follows running */
  private candidate?: readonly XmlElement[];
  private startup: readonly XmlElement[];
  private readonly locks = new Map<DatastoreName, LockInfo>();
  private readonly subscribers: { ns: string; name: string; fn: ChangeSubscriber }[] = [];
  private readonly listeners: ((c: CommittedChange) => void)[] = [];
  private readonly confirmListeners: ((event: ConfirmEvent, actor: Actor, timeoutS?: number) => void)[] = [];
  private pending?: PendingConfirm;
  /** the last edit of the candidate: a commit right after an edit of a fresh candidate reuses its diff */
  private candidateEdit?: { readonly from: readonly XmlElement[]; readonly to: readonly XmlElement[]; readonly changes: readonly DiffEntry[] };
  private queue: Promise<unknown> = Promise.resolve();
  private snapshotBytes = 0;
  /** changes to running whose journal records failed: running goes back to the first one's `before` */
  private unsaved?: { readonly to: readonly XmlElement[]; readonly undone: Promise<void>; last?: { readonly after: readonly XmlElement[]; readonly fromCandidate: boolean } };

  private constructor(
    private readonly schema: SchemaRegistry,
    private readonly files: { running: string; journal: Journal; startup: string; rollback: string } | undefined,
    running: readonly XmlElement[],
    startup: readonly XmlElement[],
    private readonly log: Logger,
    private readonly stateDir?: string,
  ) {
    this.running = running;
    this.startup = startup;
  }

  /**
   * Loads the saved datastores (a pending confirmed commit found at start is
   * rolled back, RFC 6241 section 8.4.1), or starts from `initial`.
   */
  static async open(opts: DatastoresOptions): Promise<Datastores> {
    const { schema, log } = opts;
    // made only when it is used: a start from saved state does not pay for it
    const initial = (): readonly XmlElement[] => canonical(schema, opts.initial?.() ?? [], 'initial content');
    if (!opts.stateDir) return new Datastores(schema, undefined, initial(), [], log);
    prepareStateDir(opts.stateDir, log);
    const files = stateFiles(opts.stateDir);
    // everything is read and checked before anything is written: a refused start changes nothing
    const startupSaved = loadDatastore(files.startup);
    // a snapshot this server sealed holds content it checked (canonical and valid) against this schema
    const seal = contentSeal(schema);
    const saved = loadSealedDatastore(files.running, seal);
    const rollback = loadDatastore(files.rollback);
    const { journal, payloads, cut } = Journal.open(files.journal);
    if (cut) log.warn('cut a torn tail off the journal', { file: files.journal, offset: cut.offset, bytes: cut.bytes, reason: cut.reason, journalRecords: payloads.length });
    for (const file of [files.startup, files.running, files.rollback]) removeStaleTemporaries(file);
    const startup = startupSaved ? canonical(schema, startupSaved, files.startup) : [];
    let running = saved ? (saved.sealed ? saved.content : canonical(schema, saved.content, files.running)) : startupSaved ? startup : initial();
    // each journal record (its CRC checked) is a commit that was validated: on a sealed snapshot they give valid content
    payloads.forEach((p, i) => (running = replay(schema, running, p, `${files.journal} record ${i + 1}`)));
    const store = new Datastores(schema, { running: files.running, startup: files.startup, rollback: files.rollback, journal }, running, startup, log, opts.stateDir);
    const source = saved ? 'saved' : startupSaved ? 'startup' : 'initial';
    if (!saved?.sealed) mustBeValid(schema, running, `the ${source} running configuration`);
    if (rollback) {
      log.warn('a confirmed commit was not confirmed before the restart: rolling back', { file: files.rollback });
      store.running = canonical(schema, rollback, files.rollback);
      // what the snapshot below seals must be valid (the schema may have changed since the rollback file was written)
      mustBeValid(schema, store.running, 'the rollback configuration');
    }
    if (rollback || !saved?.sealed || payloads.length) await store.compact();
    if (rollback) fs.rmSync(files.rollback, { force: true });
    log.info('datastores loaded', { dir: opts.stateDir, journalRecords: payloads.length, source, validated: !saved?.sealed });
    return store;
  }

  names(): readonly DatastoreName[] {
    return DATASTORES;
  }

  has(name: string): name is DatastoreName {
    return (DATASTORES as readonly string[]).includes(name);
  }

  get(name: DatastoreName): readonly XmlElement[] {
    return name === 'running' ? this.running : name === 'candidate' ? (this.candidate ?? this.running) : this.startup;
  }

  /** RFC 6241 section 8.3.5.1: changes to the candidate that are not committed or discarded. */
  get candidateModified(): boolean {
    return this.candidate !== undefined;
  }

  /** Top-level node (namespace, name) subscribers: committed changes under it, before the reply. */
  subscribe(ns: string, name: string, fn: ChangeSubscriber): void {
    this.subscribers.push({ ns, name, fn });
  }

  /** Every change made to running, after it is made (RFC 6470 netconf-config-change). */
  onChange(fn: (c: CommittedChange) => void): void {
    this.listeners.push(fn);
  }

  /** RFC 6470 section 2.5 netconf-confirmed-commit events. */
  onConfirmEvent(fn: (event: ConfirmEvent, actor: Actor, timeoutS?: number) => void): void {
    this.confirmListeners.push(fn);
  }

  // -- locks (RFC 6241 sections 7.5, 7.6)

  lockInfo(name: DatastoreName): LockInfo | undefined {
    return this.locks.get(name);
  }

  /** Refused when any session, this one included, holds it, or the candidate has uncommitted changes (8.3.5.1). */
  lock(name: DatastoreName, sessionId: number): LockResult {
    const held = this.locks.get(name);
    if (held) return { ok: false, heldBy: held.sessionId };
    if (name === 'candidate' && this.candidateModified) return { ok: false, heldBy: 0 };
    this.locks.set(name, { sessionId, lockedTime: new Date() });
    return { ok: true };
  }

  /** Only the holder may unlock. Unlocking the candidate keeps its changes. */
  unlock(name: DatastoreName, sessionId: number): LockResult {
    const held = this.locks.get(name);
    if (!held || held.sessionId !== sessionId) return { ok: false, heldBy: held?.sessionId ?? 0 };
    this.locks.delete(name);
    return { ok: true };
  }

  /**
   * A session ended: its locks go; a candidate it had locked is discarded
   * (8.3.5.2); its confirmed commit without persist is rolled back (8.4.1).
   */
  sessionEnded(sessionId: number): void {
    if (this.locks.get('candidate')?.sessionId === sessionId) this.candidate = undefined;
    for (const [name, l] of this.locks) if (l.sessionId === sessionId) this.locks.delete(name);
    const p = this.pending;
    if (p && p.persist === undefined && p.sessionId === sessionId) {
      this.rollbackInBackground('cancel');
    }
  }

  // -- operations

  /** RFC 6241 section 7.2 <edit-config>. Throws NetconfRpcError(s); resolves with continue-on-error's errors. */
  edit(target: DatastoreName, config: readonly XmlElement[], req: EditRequest, actor: Actor, guard: WriteGuard = NO_ACTOR_CHECK): Promise<Applied & { readonly errors: readonly NetconfRpcError[] }> {
    return this.exclusive(async () => {
      this.writable(target, actor);
      const before = this.get(target);
      // the guard sees the changes asked for before any answer about what exists (RFC 8341 section 3.4.5), then the changes made
      const result = applyEdit(this.schema, before, config, req, guard);
      if (result.errors.length && req.errorOption !== 'continue-on-error') throw result.errors[0];
      const changes = diffConfig(this.schema, before, result.content);
      const denied = changes.length ? guard(changes) : undefined;
      if (denied) throw denied;
      // the candidate's whole-datastore constraints wait for validate and commit
      if (req.testOption === 'test-only' || (req.testOption === 'test-then-set' && target !== 'candidate')) check(validateConfig(this.schema, result.content, changes));
      const applied = req.testOption !== 'test-only' && changes.length ? await this.replace(target, result.content, changes, actor) : NOTHING_TO_SAVE;
      if (target === 'candidate' && req.testOption !== 'test-only') this.candidateEdit = { from: before, to: result.content, changes };
      return { ...applied, errors: result.errors };
    });
  }

  /** RFC 6241 section 7.3 <copy-config>: `source` a datastore or inline content. */
  copy(source: DatastoreName | readonly XmlElement[], target: DatastoreName, actor: Actor, guard: WriteGuard = NO_ACTOR_CHECK): Promise<Applied> {
    return this.exclusive(async () => {
      if (source === target) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'target' }, message: 'source and target are the same datastore' });
      this.writable(target, actor);
      const content = typeof source === 'string' ? this.get(source) : canonicalEdit(this.schema, source);
      const before = this.get(target);
      const changes = diffConfig(this.schema, before, content);
      const denied = changes.length ? guard(changes) : undefined;
      if (denied) throw denied;
      if (target !== 'candidate') check(validateConfig(this.schema, content));
      return this.replace(target, content, changes, actor);
    });
  }

  /** RFC 6241 section 7.4 <delete-config> of startup (the one datastore ietf-netconf lets it delete). */
  deleteStartup(actor: Actor, guard: WriteGuard = NO_ACTOR_CHECK): Promise<Applied> {
    return this.exclusive(async () => {
      this.writable('startup', actor);
      const changes = diffConfig(this.schema, this.startup, []);
      const denied = changes.length ? guard(changes) : undefined;
      if (denied) throw denied;
      return this.replace('startup', [], changes, actor);
    });
  }

  /** RFC 6241 section 8.6 <validate>: throws every violation. */
  validate(source: DatastoreName | readonly XmlElement[]): void {
    check(validateConfig(this.schema, typeof source === 'string' ? this.get(source) : canonicalEdit(this.schema, source)));
  }

  /** RFC 6241 section 8.3.4.2 <discard-changes>. */
  discard(actor: Actor): Promise<void> {
    return this.exclusive(() => {
      this.writable('candidate', actor);
      this.candidate = undefined;
      return Promise.resolve();
    });
  }

  /** RFC 6241 sections 8.3.4.1 <commit> and 8.4 confirmed commit. */
  commit(req: CommitRequest, actor: Actor): Promise<Applied> {
    return this.exclusive(async () => {
      const p = this.pending;
      if (p) {
        // only the session that started it, or whoever knows its persist token, may confirm or extend it
        const owner = p.persist === undefined ? p.sessionId === actor.sessionId : p.persist === req.persistId;
        if (!owner) {
          throw new NetconfRpcError({
            type: ErrorType.protocol,
            tag: p.persist === undefined ? ErrorTag.inUse : ErrorTag.invalidValue,
            info: { badElement: p.persist === undefined ? 'commit' : 'persist-id' },
            message: p.persist === undefined ? `a confirmed commit of session ${p.sessionId ?? 0} is pending` : 'persist-id does not match the pending confirmed commit',
          });
        }
      } else if (req.persistId !== undefined) {
        throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'persist-id' }, message: 'no confirmed commit is pending' });
      }
      this.writable('running', actor);
      this.writable('candidate', actor);
      const next = this.candidate ?? this.running;
      const e = this.candidateEdit;
      const changes = e && e.from === this.running && e.to === next ? e.changes : diffConfig(this.schema, this.running, next);
      check(validateConfig(this.schema, next, changes));
      const rollback = p ? p.rollback : this.running;
      // the rollback point is what running was before the first confirmed commit: on disk before the change
      if (req.confirmed && !p && this.files) await this.saveOrRefuse('running', this.files.rollback, rollback);
      let applied: Applied;
      try {
        applied = changes.length ? await this.replace('running', next, changes, actor, this.candidate !== undefined) : NOTHING_TO_SAVE;
      } catch (err) {
        if (req.confirmed && !p && this.files) fs.rmSync(this.files.rollback, { force: true });
        throw err;
      }
      this.candidate = undefined;
      if (p) clearTimeout(p.timer);
      if (!req.confirmed) {
        this.pending = undefined;
        if (p) {
          if (this.files) fs.rmSync(this.files.rollback, { force: true });
          this.emitConfirm('complete', actor);
        }
        return applied;
      }
      this.pending = { rollback, sessionId: actor.sessionId, persist: req.persist ?? (p ? p.persist : undefined), timer: this.confirmTimer(req.confirmTimeoutS) };
      this.emitConfirm(p ? 'extend' : 'start', actor, req.confirmTimeoutS);
      return applied;
    });
  }

  /** RFC 6241 section 8.4.4.1 <cancel-commit>. */
  cancelCommit(persistId: string | undefined, actor: Actor): Promise<Applied> {
    return this.exclusive(async () => {
      const p = this.pending;
      if (!p) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.operationFailed, message: 'no confirmed commit is pending' });
      if (p.persist === undefined ? p.sessionId !== actor.sessionId || persistId !== undefined : p.persist !== persistId) {
        throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'persist-id' }, message: p.persist === undefined ? 'the pending confirmed commit belongs to another session' : 'persist-id does not match the pending confirmed commit' });
      }
      return this.rollbackConfirmed('cancel', actor);
    });
  }

  /** Saves everything and stops the confirmed-commit timer (a pending confirmed commit is rolled back at the next start). */
  async close(): Promise<void> {
    await this.exclusive(() => Promise.resolve());
    if (this.pending) clearTimeout(this.pending.timer);
    await this.files?.journal.close();
  }

  // -- inside

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** in-use when another session holds the target's lock (RFC 6241 section 7.5). */
  private writable(target: DatastoreName, actor: Actor): void {
    const held = this.locks.get(target);
    if (held && held.sessionId !== actor.sessionId) throw inUse(target, held.sessionId);
  }

  private async replace(target: DatastoreName, content: readonly XmlElement[], changes: readonly DiffEntry[], actor: Actor, fromCandidate = false): Promise<Applied> {
    if (target === 'candidate') {
      this.candidate = content === this.running ? undefined : content;
      return NOTHING_TO_SAVE;
    }
    const before = target === 'running' ? this.running : this.startup;
    const change: CommittedChange = { datastore: target, changes, before, after: content, actor };
    if (target === 'startup') {
      if (this.files) await this.saveOrRefuse('startup', this.files.startup, content);
      this.startup = content;
      this.listeners.forEach((l) => l(change));
      return NOTHING_TO_SAVE;
    }
    await this.deliver(change);
    this.running = content;
    const saved = this.files ? this.files.journal.append(journalRecord(this.schema, changes, content)).catch((e: unknown) => this.notSaved(change, fromCandidate, e)) : Promise.resolve();
    saved.catch(() => undefined); // handled by whoever awaits it, perhaps only after the compaction below
    this.listeners.forEach((l) => l(change));
    if (this.files && this.files.journal.size > Math.max(COMPACT_BYTES, this.snapshotBytes)) {
      // a compaction that fails (the disk is full) is tried again at the next commit: the journal still holds everything
      await this.compact().catch((e: unknown) => this.log.warn('could not compact the journal', { error: String(e) }));
    }
    return { saved };
  }

  /**
   * The journal record of `change` did not reach the disk, nor did those of
   * the changes made after it: they are all undone, in one step back to what
   * running was before the first of them (subscribers get the reverse
   * change, as after a refusal). Rejects with the rpc-error for the reply.
   */
  private async notSaved(change: CommittedChange, fromCandidate: boolean, e: unknown): Promise<never> {
    let group = this.unsaved;
    if (!group) {
      const to = change.before;
      group = { to, undone: this.exclusive(() => this.undoUnsaved()) };
      this.unsaved = group;
    }
    group.last = { after: change.after, fromCandidate };
    await group.undone;
    throw this.diskError('running', e);
  }

  private async undoUnsaved(): Promise<void> {
    const group = this.unsaved;
    if (!group || !this.files) return;
    this.unsaved = undefined;
    const { to, last } = group;
    const journal = this.files.journal;
    await journal.settled();
    // a commit of the candidate that was undone leaves the candidate as it was, to be committed again
    if (last?.fromCandidate && this.candidate === undefined && last.after === this.running) this.candidate = this.running;
    const changes = diffConfig(this.schema, this.running, to);
    this.log.error('changes to running could not be saved: undone', { dir: this.stateDir, changes: changes.length });
    if (changes.length) {
      const change: CommittedChange = { datastore: 'running', changes, before: this.running, after: to, actor: { username: 'server' } };
      // every subscriber takes it back: it is what it had before
      for (const s of this.subscribers) {
        const mine = changes.filter((c) => under(c, s));
        if (!mine.length) continue;
        await Promise.resolve(s.fn({ ...change, changes: mine })).catch((err: unknown) => this.log.error('a subscriber failed to take back an unsaved change', { error: String(err) }));
      }
      this.running = to;
      if (this.candidate === to) this.candidate = undefined;
      this.listeners.forEach((l) => l(change));
    }
    // a confirmed commit whose change is undone is no longer pending
    const p = this.pending;
    if (p && p.rollback === to) {
      clearTimeout(p.timer);
      this.pending = undefined;
      fs.rmSync(this.files.rollback, { force: true });
      this.emitConfirm('cancel', { username: 'server' });
    }
    try {
      journal.resume();
    } catch (err) {
      this.log.error('could not cut the journal back to its last record', { error: String(err) });
    }
  }

  /** A file saved before the change takes effect: a failure refuses the change. */
  private async saveOrRefuse(what: DatastoreName, file: string, content: readonly XmlElement[]): Promise<void> {
    try {
      await saveDatastore(file, content);
    } catch (e) {
      throw this.diskError(what, e);
    }
  }

  /** resource-denied for a full disk or quota, operation-failed for other write errors; names the state directory and the errno. */
  private diskError(what: DatastoreName, e: unknown): NetconfRpcError {
    let err = e as NodeJS.ErrnoException | undefined;
    while (err && !err.code && err.cause) err = err.cause as NodeJS.ErrnoException;
    const code = err?.code;
    const text = (err?.errno !== undefined && util.getSystemErrorMap().get(err.errno)?.[1]) || (err instanceof Error ? err.message : String(e));
    const full = code === 'ENOSPC' || code === 'EDQUOT';
    this.log.error('a change could not be saved', { datastore: what, dir: this.stateDir, error: e instanceof Error ? e.message : String(e) });
    return new NetconfRpcError({
      type: ErrorType.application,
      tag: full ? ErrorTag.resourceDenied : ErrorTag.operationFailed,
      message: `cannot save ${what} to ${this.stateDir ?? 'the state directory'}: ${text}${code ? ` (${code})` : ''}; the change was not applied`,
    });
  }

  /** Subscribers of the touched subtrees; a refusal hands the reverse change to those that took it, and is thrown. */
  private async deliver(change: CommittedChange): Promise<void> {
    const accepted: { fn: ChangeSubscriber; change: CommittedChange; subtree: Subtree }[] = [];
    for (const s of this.subscribers) {
      const mine = change.changes.filter((c) => under(c, s));
      if (!mine.length) continue;
      const part = { ...change, changes: mine };
      try {
        await s.fn(part);
      } catch (e) {
        const reverse = accepted.length ? diffConfig(this.schema, change.after, change.before) : [];
        for (const a of accepted.reverse()) {
          const back = { ...a.change, before: change.after, after: change.before, changes: reverse.filter((c) => under(c, a.subtree)) };
          await Promise.resolve(a.fn(back)).catch((err: unknown) => this.log.error('a subscriber failed to take back a refused change', { error: String(err) }));
        }
        if (e instanceof NetconfRpcError) throw e;
        this.log.error('a configuration subscriber failed', { error: e instanceof Error ? e.message : String(e) });
        throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.operationFailed, message: `the change could not be applied: ${e instanceof Error ? e.message : String(e)}` });
      }
      accepted.push({ fn: s.fn, change: part, subtree: s });
    }
  }

  private confirmTimer(seconds: number): NodeJS.Timeout {
    return setTimeout(() => {
      this.rollbackInBackground('timeout');
    }, seconds * 1000);
  }

  /** Running goes back to what it was before the confirmed commit (RFC 6241 section 8.4.1). */
  private async rollbackConfirmed(event: 'cancel' | 'timeout', actor: Actor): Promise<Applied> {
    const p = this.pending;
    if (!p) return NOTHING_TO_SAVE;
    clearTimeout(p.timer);
    this.pending = undefined;
    const changes = diffConfig(this.schema, this.running, p.rollback);
    const applied = changes.length ? await this.replace('running', p.rollback, changes, actor) : NOTHING_TO_SAVE;
    this.candidate = undefined;
    if (this.files) fs.rmSync(this.files.rollback, { force: true });
    this.log.info('confirmed commit rolled back', { event });
    this.emitConfirm(event, actor);
    return applied;
  }

  /** A rollback no operation waits for: the confirm timeout, or the end of the session that confirmed. */
  private rollbackInBackground(event: 'cancel' | 'timeout'): void {
    void this.exclusive(() => this.rollbackConfirmed(event, { username: 'server' }))
      .then((a) => a.saved)
      .catch((e: unknown) => this.log.error('rollback of a confirmed commit failed', { error: String(e) }));
  }

  private emitConfirm(event: ConfirmEvent, actor: Actor, timeoutS?: number): void {
    this.confirmListeners.forEach((l) => l(event, actor, timeoutS));
  }

  /** A new snapshot of running, then an empty journal. */
  private async compact(): Promise<void> {
    if (!this.files) return;
    // a snapshot must not take in a change whose record failed: that change is being undone
    await this.files.journal.settled();
    if (this.files.journal.failed) return;
    // running is always valid: sealed, so that the next start need not check it again
    await saveDatastore(this.files.running, this.running, contentSeal(this.schema));
    await this.files.journal.truncate();
    this.snapshotBytes = fs.statSync(this.files.running).size;
  }
}

function inUse(target: DatastoreName, sessionId: number): NetconfRpcError {
  return new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.inUse, info: { sessionId }, message: `the ${target} datastore is locked by session ${sessionId}` });
}

function check(errors: readonly NetconfRpcError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length) throw new NetconfRpcErrors(errors);
}

/** A top-level node, by namespace and name. */
interface Subtree {
  readonly ns: string;
  readonly name: string;
}

/** Whether a change is under the top-level node `t`. */
function under(c: DiffEntry, t: Subtree): boolean {
  const top = c.ancestors[0] ?? c.after ?? c.before;
  return top !== undefined && top.ns === t.ns && top.name === t.name;
}

/** Content from outside (a file, inline <config>) checked and in canonical form, as an edit of nothing stores it. */
function canonicalEdit(schema: SchemaRegistry, nodes: readonly XmlElement[]): readonly XmlElement[] {
  const r = applyEdit(schema, [], nodes, { defaultOperation: 'merge', errorOption: 'stop-on-error' });
  if (r.errors.length) throw r.errors[0];
  return r.content;
}

/** What a sealed snapshot was checked against: the YANG modules (their text) and this form of the check. */
const SEAL_VERSION = 'ncbgp running 1';
const seals = new WeakMap<SchemaRegistry, string>();
function contentSeal(schema: SchemaRegistry): string {
  let seal = seals.get(schema);
  if (seal === undefined) {
    const hash = createHash('sha256').update(SEAL_VERSION);
    for (const m of [...schema.modules()].sort((a, b) => (a.name + '@' + (a.revision ?? '') < b.name + '@' + (b.revision ?? '') ? -1 : 1))) hash.update('\0').update(m.name).update('\0').update(m.source);
    seal = hash.digest('hex');
    seals.set(schema, seal);
  }
  return seal;
}

function mustBeValid(schema: SchemaRegistry, content: readonly XmlElement[], what: string): void {
  const invalid = validateConfig(schema, content);
  if (invalid.length) throw new Error(`${what} is not valid: ${invalid[0].path ?? ''}: ${invalid[0].message}`);
}

function canonical(schema: SchemaRegistry, nodes: readonly XmlElement[], what: string): readonly XmlElement[] {
  try {
    return canonicalEdit(schema, nodes);
  } catch (e) {
    if (e instanceof NetconfRpcError) throw new Error(`${what}: ${e.path ?? ''}: ${e.message}`);
    throw e;
  }
}

// -- journal records: a committed change as edits that redo it
//
// Each change becomes one <config> whose node carries operation="replace"
// (created or changed) or "remove" (deleted) under its ancestors (list
// entries by their keys), with insert/key/value where the list is ordered by
// the user. Redoing a record any number of times gives the same content, so
// a crash between a snapshot and the journal's truncation loses nothing.

const YANG_NS = 'urn:ietf:params:xml:ns:yang:1';

function journalRecord(schema: SchemaRegistry, changes: readonly DiffEntry[], content: readonly XmlElement[]): string {
  return serialize(elem(NS.base, 'data', changes.map((c) => redoEdit(schema, c, content))));
}

function replay(schema: SchemaRegistry, content: readonly XmlElement[], payload: string, what: string): readonly XmlElement[] {
  let root: XmlElement;
  try {
    root = parseXml(payload, SERVER_XML_LIMITS);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
  }
  let out = content;
  for (const config of root.children) {
    const r = applyEdit(schema, out, config.children, { defaultOperation: 'merge', errorOption: 'stop-on-error' });
    if (r.errors.length) throw new Error(`${what}: ${r.errors[0].path ?? ''}: ${r.errors[0].message}`);
    out = r.content;
  }
  return out;
}

function redoEdit(schema: SchemaRegistry, c: DiffEntry, content: readonly XmlElement[]): XmlElement {
  const node = c.schema;
  const operation: XmlAttribute = { ns: NS.base, prefix: 'nc', name: 'operation', value: c.op === 'delete' ? 'remove' : 'replace' };
  let el: XmlElement;
  if (c.op === 'delete') {
    const before = c.before as XmlElement;
    el = node.kind === 'list' ? { ...shell(before, node), attrs: [operation] } : { ns: before.ns, name: before.name, attrs: [operation], children: [], text: node.kind === 'leaf-list' ? before.text : '' };
  } else {
    const after = c.after as XmlElement;
    el = { ...after, attrs: [operation, ...insertAttrs(node, after, c.ancestors.length ? c.ancestors[c.ancestors.length - 1].children : content)] };
  }
  el.nsDecls = { ...el.nsDecls, nc: NS.base, yang: YANG_NS, [node.prefix]: node.namespace };
  // wrap in the ancestors, outermost last
  let schemaAt: DataNodeSchema | undefined;
  const ancestorSchemas: (DataNodeSchema | undefined)[] = c.ancestors.map((a, i) => {
    schemaAt = i === 0 ? schema.topLevel(a.ns, a.name) : schemaAt && 'children' in schemaAt ? dataChild(schemaAt, a.name, a.ns) : undefined;
    return schemaAt;
  });
  for (let i = c.ancestors.length - 1; i >= 0; i--) {
    const a = c.ancestors[i];
    const s = ancestorSchemas[i];
    const up = s?.kind === 'list' ? shell(a, s) : { ns: a.ns, name: a.name, attrs: [], children: [], text: '' };
    up.children = [...up.children, el];
    el = up;
  }
  return elem(NS.base, 'config', [el]);
}

/** A list entry with its keys only. */
function shell(entry: XmlElement, list: ListSchema): XmlElement {
  return { ns: entry.ns, name: entry.name, attrs: [], text: '', children: list.keys.map((k) => entry.children.find((c) => c.name === k && c.ns === list.namespace)).filter((k): k is XmlElement => k !== undefined) };
}

/** RFC 7950 sections 7.7.9, 7.8.6: where an ordered-by user entry stands. */
function insertAttrs(node: DataNodeSchema, el: XmlElement, siblings: readonly XmlElement[]): XmlAttribute[] {
  if ((node.kind !== 'list' && node.kind !== 'leaf-list') || node.orderedBy !== 'user') return [];
  const i = siblings.indexOf(el);
  let prev: XmlElement | undefined;
  for (let j = i - 1; j >= 0 && !prev; j--) if (siblings[j].name === el.name && siblings[j].ns === el.ns) prev = siblings[j];
  if (!prev) return [{ ns: YANG_NS, prefix: 'yang', name: 'insert', value: 'first' }];
  const where: XmlAttribute = { ns: YANG_NS, prefix: 'yang', name: 'insert', value: 'after' };
  if (node.kind === 'leaf-list') return [where, { ns: YANG_NS, prefix: 'yang', name: 'value', value: prev.text }];
  const p = prev;
  const keys = node.keys.map((k) => p.children.find((c) => c.name === k && c.ns === node.namespace)?.text ?? '');
  return [where, { ns: YANG_NS, prefix: 'yang', name: 'key', value: keyPredicate(node, keys) }];
}
