// `ncbgp refresh <mvpn|ipv4-unicast> <all|ADDRESS|group NAME|external|internal> <import|export>`
// (DESIGN.md section 2): a NETCONF client that subscribes to the
// ncbgp-refresh notifications (RFC 5277), calls refresh-bgp-mvpn (or
// refresh-bgp), and shows each peer's result until refresh-complete.
// Exit status: 0 every peer completed, 1 a peer skipped, failed or not done
// in time, 2 usage, 3 connection or rpc-error.
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { NetconfClient } from '../netconf/client';
import { NS } from '../model/namespaces';
import { child, elem, serialize, XmlElement } from '../model/xml';
import { NS_BGP, REFRESH_NS } from '../services/yang-values';
import { call, CommandError, connect, CONNECTION_OPTIONS, CONNECTION_USAGE, ConnectionArgs, connectionArgs, EXIT_USAGE, readKey, reportCommandError, UsageError } from './connection';


const REFRESH_USAGE = `usage: ncbgp refresh <mvpn|ipv4-unicast> <all|ADDRESS|group NAME|external|internal> <import|export> [options]
  Soft reset over NETCONF: calls refresh-bgp-mvpn (refresh-bgp for ipv4-unicast) and
  shows each peer's result as its notification arrives.
${CONNECTION_USAGE}  --changes-only     export only: send only what the export policy changed since the
                     last advertisement, without BoRR/EoRR (not a full re-advertisement)
  --dry-run          send nothing, change no RIB: show per peer what the refresh would
                     advertise and withdraw (export) or accept and reject (import with
                     keep-all-routes)
  --json             print one JSON document (reply, per-peer results, summary)
  --timeout SECONDS  how long to wait for the results (default 180)
  exit status: 0 every peer completed, 1 a peer skipped, failed or not done in time,
  2 usage error, 3 connection failure or rpc-error
`;

const EXIT = { completed: 0, notCompleted: 1 } as const;

export type Family = 'mvpn' | 'ipv4-unicast';
export type Direction = 'import' | 'export';
export type Selector = { readonly kind: 'all' | 'external' | 'internal' } | { readonly kind: 'peer-address'; readonly address: string } | { readonly kind: 'group'; readonly group: string };

export interface RefreshArgs extends ConnectionArgs {
  readonly family: Family;
  readonly selector: Selector;
  readonly direction: Direction;
  readonly changesOnly: boolean;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly timeoutS: number;
}

const DEFAULT_TIMEOUT_S = 180;

/** The command line after `refresh`; throws UsageError. */
export function parseRefreshArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): RefreshArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...CONNECTION_OPTIONS,
        'changes-only': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        timeout: { type: 'string', default: String(DEFAULT_TIMEOUT_S) },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const [family, ...rest] = positionals;
  if (family !== 'mvpn' && family !== 'ipv4-unicast') throw new UsageError(family === undefined ? 'missing the address family (mvpn or ipv4-unicast)' : `unknown address family ${family} (mvpn or ipv4-unicast)`);
  const direction = rest.pop();
  if (direction !== 'import' && direction !== 'export') throw new UsageError(direction === undefined ? 'missing the peers and the direction' : `the last word is the direction, import or export, not ${direction}`);
  const selector = parseSelector(rest);
  if (values['changes-only'] && direction !== 'export') throw new UsageError('--changes-only applies to export only');
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0) || !Number.isFinite(timeoutS)) throw new UsageError(`--timeout: ${values.timeout} is no positive number of seconds`);
  return { family, selector, direction, changesOnly: values['changes-only'], dryRun: values['dry-run'], ...connectionArgs(values, env), json: values.json, timeoutS };
}

function parseSelector(words: readonly string[]): Selector {
  const [first, second, ...extra] = words;
  if (first === undefined) throw new UsageError('missing the peers: all, an IPv4 address, group NAME, external or internal');
  if (first === 'group') {
    if (second === undefined || extra.length > 0) throw new UsageError('group takes one name');
    return { kind: 'group', group: second };
  }
  if (second !== undefined) throw new UsageError(`unexpected ${second} after ${first}`);
  if (first === 'all' || first === 'external' || first === 'internal') return { kind: first };
  if (isIPv4(first)) return { kind: 'peer-address', address: first };
  throw new UsageError(`${first} is no IPv4 address nor one of all, group NAME, external, internal`);
}

/** The selector as the CLI spells it. */
function selectorText(s: Selector): string {
  return s.kind === 'peer-address' ? s.address : s.kind === 'group' ? `group ${s.group}` : s.kind;
}

const rpcName = (family: Family): string => (family === 'mvpn' ? 'refresh-bgp-mvpn' : 'refresh-bgp');

export interface RefreshOptions {
  readonly changesOnly?: boolean;
  readonly dryRun?: boolean;
}

/** The RPC element: input in YANG order (RFC 7950 section 7.14.2). */
export function refreshRpc(family: Family, selector: Selector, direction: Direction, options: RefreshOptions = {}): string {
  const input: XmlElement[] = [];
  if (family !== 'mvpn') input.push({ ...elem(REFRESH_NS, 'afi-safi', `bgp:${family}`), nsDecls: { bgp: NS_BGP } });
  input.push(selector.kind === 'peer-address' ? elem(REFRESH_NS, 'peer-address', selector.address) : selector.kind === 'group' ? elem(REFRESH_NS, 'group', selector.group) : elem(REFRESH_NS, selector.kind));
  input.push(elem(REFRESH_NS, 'direction', direction));
  if (options.changesOnly) input.push(elem(REFRESH_NS, 'changes-only'));
  if (options.dryRun) input.push(elem(REFRESH_NS, 'dry-run'));
  return serialize(elem(REFRESH_NS, rpcName(family), input));
}

/** RFC 5277 section 2.1.1, with a subtree filter: only the ncbgp-refresh notifications. */
const SUBSCRIPTION = serialize(
  elem(NS.notification, 'create-subscription', [elem(NS.notification, 'filter', [elem(REFRESH_NS, 'peer-refresh-complete'), elem(REFRESH_NS, 'refresh-complete')], [{ ns: '', name: 'type', value: 'subtree' }])]),
);

/** The route-counts leaves of ncbgp-refresh: export advertised and withdrawn, import accepted and rejected. */
export interface RouteCounts {
  readonly advertised?: number;
  readonly withdrawn?: number;
  readonly accepted?: number;
  readonly rejected?: number;
}

const COUNT_LEAVES = ['advertised', 'withdrawn', 'accepted', 'rejected'] as const;

export interface RefreshReply {
  readonly operationId: number;
  readonly selected: readonly string[];
  readonly skipped: readonly { readonly address: string; readonly reason: string }[];
  /** dry run: what each selected peer's refresh would do */
  readonly counts?: ReadonlyMap<string, RouteCounts>;
}

const text = (el: XmlElement, name: string): string | undefined => child(el, name, REFRESH_NS)?.text.trim();

/** The route-counts leaves that `el` has; undefined when it has none. */
function countsOf(el: XmlElement): RouteCounts | undefined {
  const c: { -readonly [K in keyof RouteCounts]: number } = {};
  for (const name of COUNT_LEAVES) {
    const v = text(el, name);
    if (v !== undefined) c[name] = Number(v);
  }
  return Object.keys(c).length > 0 ? c : undefined;
}

/** The RPC's output (operation-id, selected-peer*, skipped-peer*); throws when it is not one. */
export function parseRefreshReply(reply: XmlElement): RefreshReply {
  const id = text(reply, 'operation-id');
  if (id === undefined || !/^[0-9]+$/.test(id)) throw new Error('the reply has no operation-id');
  const entries = (name: string): XmlElement[] => reply.children.filter((c) => c.ns === REFRESH_NS && c.name === name);
  const counts = new Map<string, RouteCounts>();
  for (const e of entries('selected-peer')) {
    const c = countsOf(e);
    if (c) counts.set(text(e, 'peer-address') ?? '', c);
  }
  return {
    operationId: Number(id),
    selected: entries('selected-peer').map((e) => text(e, 'peer-address') ?? ''),
    skipped: entries('skipped-peer').map((e) => ({ address: text(e, 'peer-address') ?? '', reason: text(e, 'reason') ?? '' })),
    ...(counts.size > 0 ? { counts } : {}),
  };
}

export type PeerStatus = 'completed' | 'skipped' | 'failed';

/** One peer's result, as peer-refresh-complete tells it. */
export interface PeerOutcome {
  readonly peerAddress: string;
  readonly status: PeerStatus;
  readonly reason?: string;
  readonly completion?: string;
  readonly routes: number;
  readonly counts?: RouteCounts;
  /** nothing was sent and no RIB changed: the counts are what the refresh would do */
  readonly dryRun?: boolean;
  readonly startTime?: string;
  readonly endTime?: string;
}

export type RefreshEvent = { readonly kind: 'peer'; readonly operationId: number; readonly outcome: PeerOutcome } | { readonly kind: 'done'; readonly operationId: number };

/** A <notification> of ncbgp-refresh as an event, undefined for any other. */
export function refreshEvent(notification: XmlElement): RefreshEvent | undefined {
  const event = notification.children.find((c) => c.ns === REFRESH_NS);
  const id = event && text(event, 'operation-id');
  if (!event || id === undefined) return undefined;
  const operationId = Number(id);
  if (event.name === 'refresh-complete') return { kind: 'done', operationId };
  if (event.name !== 'peer-refresh-complete') return undefined;
  const status = text(event, 'status');
  const counts = countsOf(event);
  const dryRun = child(event, 'dry-run', REFRESH_NS) !== undefined;
  return {
    kind: 'peer',
    operationId,
    outcome: {
      peerAddress: text(event, 'peer-address') ?? '',
      status: status === 'completed' || status === 'skipped' ? status : 'failed',
      reason: text(event, 'reason'),
      completion: text(event, 'completion'),
      routes: Number(text(event, 'routes') ?? 0),
      ...(counts ? { counts } : {}),
      ...(dryRun ? { dryRun } : {}),
      startTime: text(event, 'start-time'),
      endTime: text(event, 'end-time'),
    },
  };
}

export const count = (n: number): string => n.toLocaleString('en-US');

/** `advertised 10,000, withdrawn 2,000`, or in a dry run `would advertise 10,000, withdraw 2,000`; '' without counts. */
export function countsText(c: RouteCounts | undefined, dryRun: boolean): string {
  if (c === undefined) return '';
  const pairs: [number | undefined, string, string][] = [
    [c.advertised, 'advertised', 'advertise'],
    [c.withdrawn, 'withdrawn', 'withdraw'],
    [c.accepted, 'accepted', 'accept'],
    [c.rejected, 'rejected', 'reject'],
  ];
  const parts = pairs.filter(([n]) => n !== undefined).map(([n, done, would]) => `${dryRun ? would : done} ${count(n ?? 0)}`);
  if (parts.length === 0) return '';
  return `${dryRun ? 'would ' : ''}${parts.join(', ')}`;
}

function seconds(from: string | undefined, to: string | undefined): string | undefined {
  const ms = from && to ? Date.parse(to) - Date.parse(from) : NaN;
  return Number.isNaN(ms) ? undefined : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * `[3/8]  127.0.1.3  completed  drained  12,000 routes (advertised 10,000, withdrawn 2,000)  0.21 s`;
 * in a dry run `[3/8]  127.0.1.3  completed  would advertise 10,000, withdraw 2,000  0.01 s`.
 */
export function progressLine(done: number, total: number, o: PeerOutcome): string {
  const parts = [`[${done}/${total}]`, o.peerAddress, o.status];
  const counts = countsText(o.counts, o.dryRun === true);
  if (o.status === 'completed' && o.dryRun) parts.push(counts || `${count(o.routes)} routes`);
  else if (o.status === 'completed') parts.push(o.completion ?? '', `${count(o.routes)} routes${counts ? ` (${counts})` : ''}`);
  else parts.push(o.reason ?? '');
  const took = seconds(o.startTime, o.endTime);
  if (took && o.status !== 'skipped') parts.push(took);
  return parts.filter((p) => p !== '').join('  ');
}

export interface Summary {
  readonly peers: number;
  readonly completed: number;
  readonly skipped: number;
  readonly failed: number;
  /** peers with no result when the wait ended */
  readonly pending: readonly string[];
  readonly routes: number;
  /** the peers' counts added up, the leaves any peer had */
  readonly counts?: RouteCounts;
}

/** What a refresh operation came to: one outcome per peer of the reply, in the order they came. */
export class RefreshProgress {
  private readonly outcomes = new Map<string, PeerOutcome>();
  private finished = false;

  constructor(readonly reply: RefreshReply) {}

  get total(): number {
    return this.reply.selected.length + this.reply.skipped.length;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Takes an event; returns the peer's progress line when it is news. */
  take(e: RefreshEvent): string | undefined {
    if (e.operationId !== this.reply.operationId) return undefined;
    if (e.kind === 'done') {
      this.finished = true;
      return undefined;
    }
    if (this.outcomes.has(e.outcome.peerAddress)) return undefined;
    // a dry run's counts are in the reply too
    const fromReply = e.outcome.status === 'completed' ? this.reply.counts?.get(e.outcome.peerAddress) : undefined;
    const outcome = e.outcome.counts === undefined && fromReply ? { ...e.outcome, counts: fromReply } : e.outcome;
    this.outcomes.set(outcome.peerAddress, outcome);
    return progressLine(this.outcomes.size, this.total, outcome);
  }

  /** Every peer's outcome: skipped peers of the reply count even without their notification. */
  results(): PeerOutcome[] {
    const out = [...this.outcomes.values()];
    for (const s of this.reply.skipped) if (!this.outcomes.has(s.address)) out.push({ peerAddress: s.address, status: 'skipped', reason: s.reason, routes: 0 });
    return out;
  }

  summary(): Summary {
    const results = this.results();
    const n = (s: PeerStatus): number => results.filter((r) => r.status === s).length;
    const counts = totalCounts(results);
    return {
      peers: this.total,
      completed: n('completed'),
      skipped: n('skipped'),
      failed: n('failed'),
      pending: this.reply.selected.filter((a) => !this.outcomes.has(a)),
      routes: results.reduce((sum, r) => sum + r.routes, 0),
      ...(counts ? { counts } : {}),
    };
  }

  exitCode(): number {
    const s = this.summary();
    return s.completed === s.peers && s.pending.length === 0 ? EXIT.completed : EXIT.notCompleted;
  }
}

/** The route counts of `results` added up, each leaf that some result has; undefined when no result has one. */
function totalCounts(results: readonly PeerOutcome[]): RouteCounts | undefined {
  const sum: { -readonly [K in keyof RouteCounts]: number } = {};
  for (const r of results) for (const name of COUNT_LEAVES) if (r.counts?.[name] !== undefined) sum[name] = (sum[name] ?? 0) + (r.counts[name] ?? 0);
  return Object.keys(sum).length > 0 ? sum : undefined;
}

/** The summary and the peers that did not complete, with why. */
export function summaryText(title: string, operationId: number, s: Summary, results: readonly PeerOutcome[], elapsedS: number, timeoutS: number, dryRun = false): string {
  const counts = countsText(s.counts, dryRun);
  const routes = dryRun && counts ? counts : `${count(s.routes)} routes${counts ? ` (${counts})` : ''}`;
  const lines = [
    `${title}: operation ${operationId}, ${s.peers} peer${s.peers === 1 ? '' : 's'}: ${s.completed} completed, ${s.skipped} skipped, ${s.failed} failed` +
      (s.pending.length > 0 ? `, ${s.pending.length} without result` : '') +
      `; ${routes} in ${elapsedS.toFixed(2)} s`,
  ];
  for (const r of results) if (r.status !== 'completed') lines.push(`  ${r.status} ${r.peerAddress}: ${r.reason ?? ''}`);
  for (const a of s.pending) lines.push(`  no result from ${a} within ${timeoutS} s`);
  return lines.join('\n') + '\n';
}

function outcomeJson(o: PeerOutcome): Record<string, string | number | boolean> {
  const j: Record<string, string | number | boolean> = { 'peer-address': o.peerAddress, status: o.status, routes: o.routes };
  for (const name of COUNT_LEAVES) if (o.counts?.[name] !== undefined) j[name] = o.counts[name];
  if (o.dryRun) j['dry-run'] = true;
  if (o.completion) j.completion = o.completion;
  if (o.reason) j.reason = o.reason;
  if (o.startTime) j['start-time'] = o.startTime;
  if (o.endTime) j['end-time'] = o.endTime;
  return j;
}

/** Resolves when `progress` is done, the session closes (rejects) or `timeoutMs` passes (resolves). */
function waitDone(client: NetconfClient, progress: RefreshProgress, onLine: (line: string) => void, buffered: RefreshEvent[], timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      client.off('notification', onNotification);
      client.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const take = (e: RefreshEvent): void => {
      const line = progress.take(e);
      if (line !== undefined) onLine(line);
      if (progress.done) finish();
    };
    const onNotification = (n: XmlElement): void => {
      const e = refreshEvent(n);
      if (e) take(e);
    };
    const onClose = (reason?: Error): void => finish(new CommandError(`the NETCONF session closed before the refresh was done${reason ? `: ${reason.message}` : ''}`));
    const timer = setTimeout(() => finish(), timeoutMs);
    client.on('notification', onNotification);
    client.on('close', onClose);
    for (const e of buffered.splice(0)) if (!progress.done) take(e);
  });
}

export async function refreshCommand(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(REFRESH_USAGE);
    return;
  }
  let args: RefreshArgs;
  let privateKey: Buffer | undefined;
  try {
    args = parseRefreshArgs(argv, process.env);
    if (args.keyFile !== undefined) privateKey = readKey(args.keyFile);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`ncbgp refresh: ${e.message}\n${REFRESH_USAGE}`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const out = (s: string): boolean => process.stdout.write(s);
  const title = `refresh ${args.family} ${selectorText(args.selector)} ${args.direction}${args.changesOnly ? ' --changes-only' : ''}${args.dryRun ? ' --dry-run' : ''}`;
  let client: NetconfClient | undefined;
  try {
    client = await connect(args, privateKey);
    const session = client;
    // notifications that come before the reply names the operation wait here
    const buffered: RefreshEvent[] = [];
    const early = (n: XmlElement): void => {
      const e = refreshEvent(n);
      if (e) buffered.push(e);
    };
    session.on('notification', early);
    await call(session, SUBSCRIPTION, 'create-subscription');
    const t0 = Date.now();
    const reply = replyOf(await call(session, refreshRpc(args.family, args.selector, args.direction, args), rpcName(args.family)));
    session.off('notification', early);
    const progress = new RefreshProgress(reply);
    const tty = !args.json && process.stdout.isTTY === true;
    let shown = false;
    const onLine = (line: string): void => {
      if (args.json) return;
      shown = true;
      out(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    };
    if (!args.json && args.dryRun) out('dry run: nothing is sent, no RIB is changed\n');
    if (!args.json) out(`${title}: operation ${reply.operationId}, ${progress.total} peer${progress.total === 1 ? '' : 's'}\n`);
    if (progress.total > 0) await waitDone(session, progress, onLine, buffered, args.timeoutS * 1000);
    if (tty && shown) out('\n');
    const elapsed = (Date.now() - t0) / 1000;
    const summary = progress.summary();
    const code = progress.exitCode();
    if (args.json) {
      const doc = {
        rpc: rpcName(args.family),
        'afi-safi': args.family === 'mvpn' ? 'ipv4-mvpn' : args.family,
        selector: selectorText(args.selector),
        direction: args.direction,
        'changes-only': args.changesOnly,
        'dry-run': args.dryRun,
        'operation-id': reply.operationId,
        'selected-peer': reply.selected,
        'skipped-peer': reply.skipped.map((s) => ({ 'peer-address': s.address, reason: s.reason })),
        peers: progress.results().map(outcomeJson),
        summary: { peers: summary.peers, completed: summary.completed, skipped: summary.skipped, failed: summary.failed, pending: summary.pending, routes: summary.routes, ...summary.counts, seconds: elapsed },
        'exit-code': code,
      };
      out(JSON.stringify(doc, null, 2) + '\n');
    } else {
      out(summaryText(title, reply.operationId, summary, progress.results(), elapsed, args.timeoutS, args.dryRun));
    }
    process.exitCode = code;
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    reportCommandError(e, args.json, title);
  } finally {
    await client?.close(2000);
  }
}

function replyOf(reply: XmlElement): RefreshReply {
  try {
    return parseRefreshReply(reply);
  } catch (e) {
    throw new CommandError(`unexpected reply: ${e instanceof Error ? e.message : String(e)}`);
  }
}
