// YANG-Push on-change (RFC 8641) under a flap: the server (`ncbgp serve`, its
// own process) with PEERS passive peers over loopback (127.0.x.y), held by
// light sessions in one child process (bench/flap-peers.ts); SUBSCRIBERS
// NETCONF sessions, each with one on-change subscription (dampening 0, no
// sync-on-start) to every peer's session-state. Every peer then flaps once:
// a Cease from each, all at once, and a new connection once the server has
// closed the old one. A subscriber is complete once it has seen every peer
// leave established and come back: intermediate states may be coalesced,
// but not the down. Printed: the time from the flap to every peer
// re-established (at the peers), to 50 %, 99 % and all of the subscribers
// complete and to the last push-change-update; updates and edits received;
// the server's RSS before and after and its CPU time during the flap.
//
// Without YANG-Push (establish-subscription refused) the flap runs alone and
// re-establishment is what is measured.
//
// Flags: --peers N (default 1000, at most 10,000), --subscribers M (default
// 100), --timeout S (default 120: then the missing subscribers and peers are
// named). Environment: NCBGP_BENCH_SERVER_NODE_OPTIONS, the server's
// NODE_OPTIONS (e.g. '--require FILE' for a profiler).
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { labPeerAddress, MAX_LAB_PEERS } from '../src/lab/config';
import { NS } from '../src/model/namespaces';
import { child, XmlElement } from '../src/model/xml';
import { NetconfClient, replyErrors } from '../src/netconf/client';
import { freePort } from '../test/helpers/peers/common';
import { connect, startServer, TestServer } from '../test/helpers/server';
import { FlapCounts, FlapPeersHandle, FlapTimes, nowMs, startFlapPeers } from './flap-peers';
import { fmtCount, fmtRate, processCpuMs, processStatusKb, table } from './report';

const BGP_NS = 'urn:ncbgp:yang:ncbgp-bgp';
const YP_NS = 'urn:ietf:params:xml:ns:yang:ietf-yang-push';
const SERVER = { address: '127.0.0.1', as: 65000, routerId: '192.0.2.1' };
const PEER_AS = 65001;
/** NETCONF sessions connecting at once (below the server's 10 unauthenticated per source) */
const CONNECT_PARALLEL = 8;
const POLL_MS = 100;
const PROGRESS_MS = 5000;
/** after the last subscriber completes: how long no push-change-update must arrive before the last one is taken */
const QUIET_MS = 1000;
/** missing subscribers and peers named on a timeout */
const NAMED = 5;

const ESTABLISH = `<establish-subscription xmlns="${NS.subscribedNotifications}" xmlns:yp="${YP_NS}" xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores">
  <yp:datastore>ds:operational</yp:datastore>
  <yp:datastore-xpath-filter xmlns:b="${BGP_NS}">/b:bgp/b:peer/b:state/b:session-state</yp:datastore-xpath-filter>
  <yp:on-change><yp:dampening-period>0</yp:dampening-period><yp:sync-on-start>false</yp:sync-on-start></yp:on-change>
</establish-subscription>`;

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;

interface Options {
  peers: number;
  subscribers: number;
  timeoutMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(3)} s`);
const mib = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;

function parseOptions(args: readonly string[]): Options {
  const { values } = parseArgs({ args: [...args], options: { peers: { type: 'string' }, subscribers: { type: 'string' }, timeout: { type: 'string' } } });
  const int = (v: string | undefined, fallback: number, max: number, name: string): number => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name}: an integer from 1 to ${max}`);
    return n;
  };
  return { peers: int(values.peers, 1000, MAX_LAB_PEERS, 'peers'), subscribers: int(values.subscribers, 100, 1000, 'subscribers'), timeoutMs: int(values.timeout, 120, 3600, 'timeout') * 1000 };
}

function serverBgp(bgpPort: number, addresses: readonly string[]): Record<string, unknown> {
  return {
    'ncbgp-bgp:bgp': {
      'local-as': SERVER.as,
      'router-id': SERVER.routerId,
      listen: { address: SERVER.address, port: bgpPort },
      'peer-group': [{ name: 'flap', type: 'external', 'remote-as': PEER_AS }],
      peer: addresses.map((address) => ({ address, group: 'flap', passive: true })),
    },
  };
}

// ---------------------------------------------------------------------------
// Subscribers

/** A peer's progress at a subscriber: nothing yet, seen down, seen down and then established. */
const Seen = { NOTHING: 0, DOWN: 1, BACK: 2 } as const;

/** The elements below `el` named `name`, in document order. */
function descendants(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (c.name === name) out.push(c);
    descendants(c, name, out);
  }
  return out;
}

const firstDescendant = (el: XmlElement, name: string): XmlElement | undefined => descendants(el, name)[0];

/**
 * The (peer address, session-state) pairs one YANG Patch edit (RFC 8072
 * section 2.5) carries, whatever its target's syntax: a value holding peer
 * entries gives each one's address and state; otherwise the address is the
 * target's key and the state the value's session-state (a delete: its
 * operation in parentheses).
 */
function editStates(edit: XmlElement): [string, string][] {
  const operation = child(edit, 'operation')?.text.trim() ?? '';
  const value = child(edit, 'value');
  const entries = value ? descendants(value, 'peer').filter((p) => child(p, 'address')) : [];
  if (entries.length > 0) {
    return entries.flatMap((p): [string, string][] => {
      const state = firstDescendant(p, 'session-state');
      return state ? [[child(p, 'address')!.text.trim(), state.text.trim()]] : [];
    });
  }
  const address = IPV4.exec(child(edit, 'target')?.text ?? '')?.[0];
  if (address === undefined) return [];
  if (operation === 'delete' || operation === 'remove') return [[address, `(${operation})`]];
  const state = value && (firstDescendant(value, 'session-state')?.text ?? value.text).trim();
  return state ? [[address, state]] : [];
}

class Subscriber {
  id = '';
  /** counting starts at the flap */
  armed = false;
  /** push-change-updates before the flap (sync-on-start is false: none expected) */
  early = 0;
  updates = 0;
  edits = 0;
  /** edits from which no peer and state could be read, and the first of them */
  unparsed = 0;
  unparsedSample?: string;
  incomplete = 0;
  lastMs?: number;
  completeMs?: number;
  complete = 0;
  /** other notifications by name (subscription-suspended, -terminated, ...) */
  readonly others = new Map<string, number>();
  private readonly progress: Uint8Array;
  /** each peer's session-state values since the flap */
  private readonly seen: string[][];

  constructor(
    readonly index: number,
    readonly client: NetconfClient,
    private readonly peerIndex: ReadonlyMap<string, number>,
  ) {
    this.progress = new Uint8Array(peerIndex.size);
    this.seen = Array.from({ length: peerIndex.size }, () => []);
    client.on('notification', (n) => this.notification(n));
  }

  get peers(): number {
    return this.progress.length;
  }

  /** Peers not complete, with what was seen of them. */
  missing(): { address: string; seen: string[] }[] {
    return [...this.peerIndex].filter(([, i]) => this.progress[i] !== Seen.BACK).map(([address, i]) => ({ address, seen: this.seen[i] }));
  }

  private notification(n: XmlElement): void {
    const update = child(n, 'push-change-update', YP_NS);
    if (!update) {
      const name = n.children.find((c) => c.name !== 'eventTime')?.name ?? '(empty)';
      this.others.set(name, (this.others.get(name) ?? 0) + 1);
      return;
    }
    if (!this.armed) {
      this.early++;
      return;
    }
    const t = nowMs();
    this.updates++;
    this.lastMs = t;
    if (child(update, 'incomplete-update')) this.incomplete++;
    const changes = child(update, 'datastore-changes');
    for (const edit of changes ? descendants(changes, 'edit') : []) {
      this.edits++;
      const states = editStates(edit);
      if (states.length === 0) {
        this.unparsed++;
        this.unparsedSample ??= `target ${child(edit, 'target')?.text ?? '(none)'}, operation ${child(edit, 'operation')?.text ?? '(none)'}`;
      }
      for (const [address, state] of states) this.observe(address, state, t);
    }
  }

  private observe(address: string, state: string, t: number): void {
    const i = this.peerIndex.get(address);
    if (i === undefined) {
      this.unparsed++;
      this.unparsedSample ??= `unknown peer ${address}`;
      return;
    }
    this.seen[i].push(state);
    if (state !== 'established') {
      if (this.progress[i] === Seen.NOTHING) this.progress[i] = Seen.DOWN;
    } else if (this.progress[i] === Seen.DOWN) {
      this.progress[i] = Seen.BACK;
      if (++this.complete === this.peers) this.completeMs = t;
    }
  }
}

/** SUBSCRIBERS sessions, each with its subscription; or the server's refusal of the first. */
async function openSubscribers(server: TestServer, n: number, peerIndex: ReadonlyMap<string, number>): Promise<Subscriber[] | string> {
  const subscribers: Subscriber[] = [];
  let refused: string | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n && refused === undefined) {
      const s = new Subscriber(next++, await connect(server), peerIndex);
      subscribers.push(s);
      const reply = await s.client.rpc(ESTABLISH);
      const errors = replyErrors(reply);
      const id = child(reply, 'id', NS.subscribedNotifications)?.text;
      if (errors.length > 0 || id === undefined) refused ??= errors.map((e) => `${e.tag}${e.appTag ? ` (${e.appTag})` : ''}: ${e.message ?? ''}`).join('; ') || 'no id in the reply';
      else s.id = id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_PARALLEL, n) }, worker));
  if (refused === undefined) return subscribers.sort((a, b) => a.index - b.index);
  for (const s of subscribers) s.client.destroy();
  return refused;
}

// ---------------------------------------------------------------------------
// The run

/** Peers whose session-state is established, as <get> shows them. */
async function establishedAtServer(c: NetconfClient): Promise<number> {
  const reply = await c.rpcText(`<get><filter type="subtree"><bgp xmlns="${BGP_NS}"><peer><address/><state><session-state/></state></peer></bgp></filter></get>`);
  return reply.match(/>established</g)?.length ?? 0;
}

/** Polls `done` every POLL_MS, printing `progress` every PROGRESS_MS; false at the deadline. */
async function until(done: () => Promise<boolean>, progress: () => string, deadline: number): Promise<boolean> {
  let lastPrint = nowMs();
  while (!(await done())) {
    const now = nowMs();
    if (now > deadline) return false;
    if (now - lastPrint >= PROGRESS_MS) {
      lastPrint = now;
      console.log(`  .. ${progress()}`);
    }
    await sleep(POLL_MS);
  }
  return true;
}

interface Memory {
  rssKb: number;
  peakKb: number;
}

const memory = (pid: number): Memory => ({ rssKb: processStatusKb(pid, 'VmRSS'), peakKb: processStatusKb(pid, 'VmHWM') });

interface FlapResult {
  flap: FlapTimes;
  /** the server's log lines from the flap on */
  logFrom: number;
  /** the peers' view at the end */
  peers: FlapCounts;
  /** the server's, the bench's (the subscribers') CPU time from the flap to the end */
  serverCpuMs: number;
  benchCpuMs: number;
  timedOut: boolean;
}

/** The peers named by the server's log lines (JSON) of message `msg`. */
function loggedPeers(lines: readonly string[], msg: string): number {
  const peers = new Set<unknown>();
  for (const line of lines) {
    try {
      const j = JSON.parse(line) as { msg?: unknown; peer?: unknown };
      if (j.msg === msg) peers.add(j.peer);
    } catch {
      // not a log line
    }
  }
  return peers.size;
}

/** The server's log lines (JSON) by message, most frequent first. */
function logMessages(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    try {
      const { msg } = JSON.parse(line) as { msg?: unknown };
      counts.set(String(msg), (counts.get(String(msg)) ?? 0) + 1);
    } catch {
      counts.set('(not JSON)', (counts.get('(not JSON)') ?? 0) + 1);
    }
  }
  return new Map([...counts].sort((a, b) => b[1] - a[1]));
}

/** Flaps every peer; waits until every peer is back and every subscriber complete, then QUIET_MS without an update. */
async function flapAndWatch(o: Options, server: TestServer, peers: FlapPeersHandle, subscribers: readonly Subscriber[]): Promise<FlapResult> {
  const pid = server.proc.pid!;
  for (const s of subscribers) s.armed = true;
  const cpu0 = processCpuMs([pid]);
  const bench0 = process.cpuUsage();
  const logFrom = server.stderrLines().length;
  const flap = await peers.flap();
  let counts = await peers.counts();
  const complete = (): number => subscribers.filter((s) => s.completeMs !== undefined).length;
  const lastUpdate = (): number => Math.max(0, ...subscribers.map((s) => s.lastMs ?? 0));
  const done = async (): Promise<boolean> => {
    counts = await peers.counts();
    return counts.reestablished === o.peers && complete() === subscribers.length && nowMs() - lastUpdate() >= QUIET_MS;
  };
  const progress = (): string =>
    `${seconds(nowMs() - flap.startMs)}: ${counts.reestablished}/${o.peers} peers established again, ${complete()}/${subscribers.length} subscribers complete, ` +
    `${fmtCount(subscribers.reduce((n, s) => n + s.updates, 0))} push-change-updates`;
  const finished = await until(done, progress, flap.startMs + o.timeoutMs);
  const bench = process.cpuUsage(bench0);
  return { flap, logFrom, peers: counts, serverCpuMs: processCpuMs([pid]) - cpu0, benchCpuMs: (bench.user + bench.system) / 1000, timedOut: !finished };
}

/** The time by which `share` of the subscribers were complete, from t0; undefined if they were not. */
function completedBy(subscribers: readonly Subscriber[], share: number, t0: number): number | undefined {
  const times = subscribers.map((s) => s.completeMs).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const k = Math.ceil(share * subscribers.length);
  return k <= times.length ? times[k - 1] - t0 : undefined;
}

function reportMissing(o: Options, subscribers: readonly Subscriber[], peers: FlapCounts): void {
  if (peers.reestablished < o.peers) console.log(`  ${o.peers - peers.reestablished} peers not established again (${peers.established} established at the peers)`);
  const incomplete = subscribers.filter((s) => s.completeMs === undefined);
  if (incomplete.length === 0) return;
  console.log(`  ${incomplete.length} subscribers incomplete: ${incomplete.slice(0, 20).map((s) => `#${s.index} (${s.peers - s.complete} peers missing)`).join(', ')}${incomplete.length > 20 ? ', ...' : ''}`);
  for (const s of incomplete.slice(0, NAMED)) {
    const missing = s.missing();
    console.log(`  subscriber #${s.index} (id ${s.id}): ${missing.slice(0, NAMED).map((m) => `${m.address} saw [${m.seen.join(' ')}]`).join('; ')}${missing.length > NAMED ? `; and ${missing.length - NAMED} more` : ''}`);
  }
}

interface AtTheEnd {
  /** the server's RSS with the peers established, once subscribed, after the flap */
  established: Memory;
  subscribed: Memory;
  after: Memory;
  /** sessions established as <get> shows them */
  atServer: number;
  /** the server's log lines from the flap on */
  log: readonly string[];
}

function report(o: Options, r: FlapResult, subscribers: readonly Subscriber[], end: AtTheEnd): void {
  const t0 = r.flap.startMs;
  const updates = subscribers.reduce((n, s) => n + s.updates, 0);
  const edits = subscribers.reduce((n, s) => n + s.edits, 0);
  const last = Math.max(...subscribers.map((s) => s.lastMs ?? -Infinity));
  const sum = (f: (s: Subscriber) => number): number => subscribers.reduce((n, s) => n + f(s), 0);
  const others = new Map<string, number>();
  for (const s of subscribers) for (const [k, v] of s.others) others.set(k, (others.get(k) ?? 0) + v);
  const rows = [
    ['measurement', 'value'],
    ['peers / subscribers', `${fmtCount(o.peers)} / ${fmtCount(subscribers.length)}`],
    ['Ceases written (first to last)', seconds(r.flap.endMs - r.flap.startMs)],
    ['peers down / established again in the server\'s log', `${loggedPeers(end.log, 'connection down')} / ${loggedPeers(end.log, 'established')}`],
    ['flap to every peer established again (at the peers)', r.peers.reestablished === o.peers && r.peers.lastEstablishedMs !== undefined ? seconds(r.peers.lastEstablishedMs - t0) : `${r.peers.reestablished}/${o.peers}`],
  ];
  if (subscribers.length > 0) {
    rows.push(
      ['flap to 50 % / 99 % / all subscribers complete', [0.5, 0.99, 1].map((p) => seconds(completedBy(subscribers, p, t0))).join(' / ')],
      ['flap to the last push-change-update', Number.isFinite(last) ? seconds(last - t0) : 'none received'],
      ['push-change-updates / edits received', `${fmtCount(updates)} / ${fmtCount(edits)} (${fmtCount(updates / subscribers.length)} / ${fmtCount(edits / subscribers.length)} per subscriber)`],
      ['edits per second, all subscribers', Number.isFinite(last) ? fmtRate(edits / ((last - t0) / 1000)) : 'n/a'],
      ['state changes needed per subscriber (down and back)', fmtCount(2 * o.peers)],
      ['incomplete-update flags / unreadable edits / before the flap', `${sum((s) => s.incomplete)} / ${sum((s) => s.unparsed)} / ${sum((s) => s.early)}`],
      ['other notifications', others.size === 0 ? 'none' : [...others].map(([k, v]) => `${v} ${k}`).join(', ')],
    );
  }
  rows.push(
    ['server RSS: peers established / subscribed / after the flap (peak)', `${mib(end.established.rssKb)} / ${mib(end.subscribed.rssKb)} / ${mib(end.after.rssKb)} (${mib(end.after.peakKb)})`],
    ['CPU from the flap to the end: server / subscribers (bench) / peers', `${seconds(r.serverCpuMs)} / ${seconds(r.benchCpuMs)} / ${seconds(r.peers.cpuMs)}`],
    ['reference figure', 'none installed (no other YANG-Push server here)'],
  );
  console.log(table(rows));
  const sample = subscribers.find((s) => s.unparsedSample)?.unparsedSample;
  if (sample) console.log(`  an edit not understood: ${sample}`);
  if (end.atServer !== o.peers) console.log(`  the server shows ${end.atServer} of ${o.peers} sessions established at the end`);
  if (r.peers.unexpectedDowns > 0) console.log(`  ${r.peers.unexpectedDowns} sessions went down unasked; the last: ${r.peers.downReason}`);
  if (r.timedOut) {
    console.log(`TIMED OUT after ${o.timeoutMs / 1000} s:`);
    reportMissing(o, subscribers, r.peers);
    console.log(`  the server's log since the flap: ${[...logMessages(end.log)].map(([m, n]) => `${fmtCount(n)} ${m}`).join(', ')}`);
  }
}

export async function runPushBench(args: readonly string[]): Promise<void> {
  const o = parseOptions(args);
  const addresses = Array.from({ length: o.peers }, (_, i) => labPeerAddress(i));
  const peerIndex = new Map(addresses.map((a, i) => [a, i]));
  console.log(`${fmtCount(o.peers)} peers, ${fmtCount(o.subscribers)} on-change subscribers (node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)})`);
  const bgpPort = await freePort(SERVER.address);
  let t = nowMs();
  const nodeOptions = process.env.NCBGP_BENCH_SERVER_NODE_OPTIONS;
  const server = await startServer({ config: { 'initial-content': serverBgp(bgpPort, addresses) }, startTimeoutMs: 120_000, env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {} });
  const pid = server.proc.pid!;
  let admin: NetconfClient | undefined;
  let peers: FlapPeersHandle | undefined;
  let subscribers: Subscriber[] = [];
  let timedOut = false;
  try {
    console.log(`server started in ${seconds(nowMs() - t)}`);
    const nc = (admin = await connect(server));
    t = nowMs();
    const p = (peers = await startFlapPeers({ server: { address: SERVER.address, port: bgpPort }, peers: addresses.map((address, i) => ({ address, as: PEER_AS, bgpId: `198.51.${100 + Math.floor(i / 254)}.${1 + (i % 254)}` })) }));
    let up = 0;
    const upOk = await until(async () => (up = await establishedAtServer(nc)) === o.peers, () => `${up}/${o.peers} established`, t + o.timeoutMs);
    if (!upOk) throw new Error(`only ${up} of ${o.peers} sessions established within ${o.timeoutMs / 1000} s; the peers: ${JSON.stringify(await p.counts())}`);
    console.log(`${o.peers} sessions established in ${seconds(nowMs() - t)}`);
    const established = memory(pid);
    t = nowMs();
    const opened = await openSubscribers(server, o.subscribers, peerIndex);
    if (typeof opened === 'string') console.log(`YANG-Push: establish-subscription refused (${opened}); the flap runs without subscribers`);
    else {
      subscribers = opened;
      console.log(`${subscribers.length} sessions subscribed in ${seconds(nowMs() - t)}`);
    }
    await sleep(QUIET_MS);
    const subscribed = memory(pid);
    const result = await flapAndWatch(o, server, p, subscribers);
    const after = memory(pid);
    const atServer = await establishedAtServer(nc);
    report(o, result, subscribers, { established, subscribed, after, atServer, log: server.stderrLines().slice(result.logFrom) });
    timedOut = result.timedOut;
  } catch (e) {
    console.log(`the server's last log lines:\n${server.stderrLines().slice(-10).join('\n')}`);
    throw e;
  } finally {
    for (const s of subscribers) s.client.destroy();
    admin?.destroy();
    await peers?.stop();
    await server.stop();
  }
  if (timedOut) throw new Error(`push bench timed out after ${o.timeoutMs / 1000} s`);
}
