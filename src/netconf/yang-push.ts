// RFC 8641 YANG-Push: the datastore case of a subscription's target
// (section 3.1), and what such a subscription sends: push-update with its
// selection, periodically (section 3.3) or to synchronize, and
// push-change-update with the changes since the last update as a YANG Patch
// (RFC 8072), on change (section 3.3, 3.7). Transport-free: subscriptions.ts
// delivers the messages and suspends or resumes the subscription.
import { diffConfig, type DiffEntry } from '../datastore/diff';
import { NS } from '../model/namespaces';
import { elem, type XmlElement } from '../model/xml';
import { childLookup, isDataNode, type Lookup } from '../yang/data-tree';
import type { SchemaRegistry } from '../yang/registry';
import type { Filter } from './filter';
import { atTime, notificationXml } from './notifications';

const YP = NS.yangPush;

/** The datastores a subscription may be to (RFC 8641 section 3.1; others are datastore-not-subscribable). */
export const SUBSCRIBABLE = ['running', 'operational'] as const;
export type PushDatastore = (typeof SUBSCRIBABLE)[number];

/** ietf-yang-push change-type: the kinds of change excluded-change names. */
export const CHANGE_TYPES = ['create', 'delete', 'insert', 'move', 'replace'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** update-policy-modifiable (section 4.2): periodic or on-change, as modify-subscription may change them. */
export type ModifiableTrigger =
  | { readonly type: 'periodic'; /** centiseconds */ readonly period: number; readonly anchorTime?: Date }
  | { readonly type: 'on-change'; /** centiseconds */ readonly dampeningPeriod: number };

/** update-policy: on-change with the leaves fixed at establishment. */
export type UpdateTrigger =
  | (ModifiableTrigger & { readonly type: 'periodic' })
  | (ModifiableTrigger & { readonly type: 'on-change'; readonly syncOnStart: boolean; readonly excludedChange: readonly ChangeType[] });

/** A trigger as modify-subscription changes it: none given, as it was; undefined when it would change kind. */
export function modifiedTrigger(current: UpdateTrigger, change: ModifiableTrigger | undefined): UpdateTrigger | undefined {
  if (!change) return current;
  if (change.type === 'periodic') return current.type === 'periodic' ? change : undefined;
  return current.type === 'on-change' ? { ...current, dampeningPeriod: change.dampeningPeriod } : undefined;
}

/** selection-filter-types as the subscriber gave them (for /subscriptions and subscription-modified), and the filter made of them. */
export interface DatastoreFilter {
  readonly given:
    | { readonly type: 'datastore-subtree-filter'; readonly nodes: readonly XmlElement[] }
    | { readonly type: 'datastore-xpath-filter'; readonly expression: string; readonly namespaces: Readonly<Record<string, string>> };
  readonly filter: Filter;
}

/** A datastore and what of it (RFC 8641 augment of choice target, case datastore). */
export interface DatastoreTarget {
  readonly type: 'datastore';
  readonly datastore: PushDatastore;
  readonly filter?: DatastoreFilter;
  readonly trigger: UpdateTrigger;
}

/** Who reads a selection: receivers with one key read the same (access control is per user). */
export interface Reader {
  readonly key: string;
  read(nodes: readonly XmlElement[]): XmlElement[];
}

/** Where updates come from: the server's datastores and state. */
export interface DatastoreSource {
  readonly schema: SchemaRegistry;
  /**
   * The selection as the reader may read it: access control first, then the
   * filter (section 3.9). Until the datastore or state changes, the same
   * reader and filter get the same array: subscriptions that ask alike share
   * one selection and one diff.
   */
  select(datastore: PushDatastore, filter: DatastoreFilter | undefined, reader: Reader): readonly XmlElement[];
  /** Section 3.10: a node the filter may select whose changes are not signalled, as a path; undefined when there is none. */
  onChangeUnsupported(datastore: PushDatastore, filter: Filter | undefined): string | undefined;
}

/** One edit of a YANG Patch (RFC 8072 section 2.2). */
interface Edit {
  readonly operation: 'create' | 'delete' | 'replace' | 'move';
  readonly target: string;
  readonly value?: XmlElement;
  readonly where?: 'first' | 'after';
  readonly point?: string;
}

/**
 * The updates of one datastore subscription: a timer at each period, or a
 * look at the selection after a signalled change, at most one
 * push-change-update per dampening period. Keeps the selection as last sent
 * (on-change) and nothing else. Runs while the subscription is active.
 */
export class DatastoreUpdates {
  /** on-change: the selection as the receiver has it */
  private last: readonly XmlElement[] = [];
  /** when the last update record was made (section 4.2, dampening-period) */
  private lastUpdate = 0;
  private timer?: NodeJS.Timeout;
  /** on-change: a change signalled and not looked at */
  private pending = false;
  private running = false;
  private nextPeriod?: number;
  private patchId = 0;

  constructor(
    private target: DatastoreTarget,
    private readonly id: number,
    private readonly source: DatastoreSource,
    private readonly reader: Reader,
    /** sends a notification message; false when there was no room (the subscription is suspended) */
    private readonly deliver: (xml: string) => boolean,
  ) {}

  /** After the reply: periodic updates begin, or the on-change synchronization (sync-on-start, section 4.2). */
  start(): void {
    this.running = true;
    const { trigger } = this.target;
    if (trigger.type === 'periodic') return this.arm();
    if (trigger.syncOnStart) this.resync();
    else this.last = this.selection();
  }

  /** modify-subscription: the new filter and trigger; an on-change subscription looks again at once. */
  modify(target: DatastoreTarget): void {
    this.target = target;
    this.nextPeriod = undefined;
    this.halt();
    this.resume();
    this.changed();
  }

  /** Suspended or ended: no timer runs. */
  halt(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Active again (subscription-resumed): the period restarts; an on-change subscription sends what changed meanwhile. */
  resume(): void {
    this.running = true;
    if (this.target.trigger.type === 'periodic') this.arm();
    else if (this.pending) this.schedule();
  }

  /** Something the selection may hold changed: looked at after the dampening period (section 4.2). */
  changed(): void {
    if (this.target.trigger.type !== 'on-change') return;
    this.pending = true;
    this.schedule();
  }

  /** resync-subscription (section 4.4.5), sync-on-start and each period: a push-update of the whole selection, while active. */
  resync(): void {
    if (!this.running) return;
    const now = this.selection();
    if (!this.send(elem(YP, 'push-update', [elem(YP, 'id', this.id), elem(YP, 'datastore-contents', [...now])])) || this.target.trigger.type !== 'on-change') return;
    this.last = now;
    this.pending = false;
  }

  private selection(): readonly XmlElement[] {
    return this.source.select(this.target.datastore, this.target.filter, this.reader);
  }

  private send(content: XmlElement): boolean {
    const sent = this.deliver(notificationXml(content, new Date()));
    if (sent) this.lastUpdate = Date.now();
    return sent;
  }

  /** The next push-update at a multiple of the period from anchor-time (or from the start). */
  private arm(): void {
    const { trigger } = this.target;
    if (!this.running || trigger.type !== 'periodic') return;
    const period = trigger.period * 10;
    const now = Date.now();
    const anchor = trigger.anchorTime?.getTime() ?? now;
    if (this.nextPeriod === undefined || this.nextPeriod < now) this.nextPeriod = anchor + Math.ceil((now - anchor) / period) * period;
    const at = this.nextPeriod;
    atTime(new Date(at), () => {
      this.timer = undefined;
      this.nextPeriod = at + period;
      this.resync();
      this.arm();
    }, (t) => (this.timer = t));
  }

  private schedule(): void {
    const { trigger } = this.target;
    if (!this.running || this.timer || trigger.type !== 'on-change') return;
    const wait = Math.max(0, this.lastUpdate + trigger.dampeningPeriod * 10 - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.look();
    }, wait);
  }

  /** The selection now against the last sent: the changes not excluded, in one push-change-update (section 3.7); none, nothing sent. */
  private look(): void {
    const { trigger } = this.target;
    if (!this.running || !this.pending || trigger.type !== 'on-change') return;
    this.pending = false;
    const now = this.selection();
    const edits = changes(this.source.schema, this.last, now).filter((e) => !trigger.excludedChange.includes(e.operation));
    if (edits.length === 0) {
      this.last = now;
      return;
    }
    this.patchId++;
    if (this.send(pushChangeUpdate(this.id, `${this.id}-${this.patchId}`, edits))) this.last = now;
    else this.pending = true; // sent once resumed, against what the receiver has
  }
}

/** The last changes worked out, by the selection they start from: subscriptions that share selections share them. */
const changesFrom = new WeakMap<readonly XmlElement[], { readonly now: readonly XmlElement[]; readonly edits: readonly Edit[] }>();

/** The edits that turn the selection `last` into `now`. */
function changes(schema: SchemaRegistry, last: readonly XmlElement[], now: readonly XmlElement[]): readonly Edit[] {
  const known = changesFrom.get(last);
  if (known?.now === now) return known.edits;
  const edits = diffConfig(schema, last, now).map((c) => edit(schema, c, now));
  changesFrom.set(last, { now, edits });
  return edits;
}

/** RFC 8072 yang-patch in push-change-update's datastore-changes (the grouping's nodes are ietf-yang-push's). */
function pushChangeUpdate(id: number, patchId: string, edits: readonly Edit[]): XmlElement {
  const patch = edits.map((e, i) => {
    const c = [elem(YP, 'edit-id', `edit${i + 1}`), elem(YP, 'operation', e.operation), elem(YP, 'target', e.target)];
    if (e.point !== undefined) c.push(elem(YP, 'point', e.point));
    if (e.where !== undefined) c.push(elem(YP, 'where', e.where));
    if (e.value) c.push(elem(YP, 'value', [e.value]));
    return elem(YP, 'edit', c);
  });
  return elem(YP, 'push-change-update', [elem(YP, 'id', id), elem(YP, 'datastore-changes', [elem(YP, 'yang-patch', [elem(YP, 'patch-id', patchId), ...patch])])]);
}

/**
 * A change as a YANG Patch edit (RFC 8072 section 2.2): create and replace
 * with the node as value, delete, or move (an ordered-by user entry that
 * moved: after its new predecessor, or first).
 */
function edit(schema: SchemaRegistry, c: DiffEntry, now: readonly XmlElement[]): Edit {
  const node = c.after ?? c.before;
  const target = node ? resourcePath(schema, [...c.ancestors, node]) : '/';
  if (c.op === 'delete' || !c.after) return { operation: 'delete', target };
  if (c.op === 'create') return { operation: 'create', target, value: c.after };
  if (c.schema.kind !== 'list' && c.schema.kind !== 'leaf-list') return { operation: 'replace', target, value: c.after };
  const moved = c.after;
  const siblings = c.ancestors.length ? c.ancestors[c.ancestors.length - 1].children : now;
  const same = siblings.filter((s) => s.ns === moved.ns && s.name === moved.name);
  const before = same[same.indexOf(moved) - 1];
  return before ? { operation: 'move', target, where: 'after', point: resourcePath(schema, [...c.ancestors, before]) } : { operation: 'move', target, where: 'first' };
}

/**
 * RFC 8040 section 3.5.3 data resource identifier, relative to the datastore
 * (RFC 8072 target-resource-offset): module-name: where the module changes,
 * list entries with their keys and leaf-list entries with their value,
 * percent-encoded, after "=".
 */
function resourcePath(schema: SchemaRegistry, chain: readonly XmlElement[]): string {
  const steps: string[] = [];
  let module: string | undefined;
  let lookup: Lookup = (el) => {
    const n = schema.topLevel(el.ns, el.name);
    return n && isDataNode(n) ? n : undefined;
  };
  for (const el of chain) {
    const n = lookup(el);
    if (!n) break;
    let step = n.module === module ? n.name : `${n.module}:${n.name}`;
    if (n.kind === 'list') step += '=' + n.keys.map((k) => encodeURIComponent(el.children.find((x) => x.name === k && x.ns === n.namespace)?.text ?? '')).join(',');
    if (n.kind === 'leaf-list') step += '=' + encodeURIComponent(el.text);
    steps.push(step);
    module = n.module;
    lookup = n.kind === 'container' || n.kind === 'list' ? childLookup(n) : () => undefined;
  }
  return '/' + steps.join('/');
}
