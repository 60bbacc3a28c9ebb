// `ncbgp show peers|sessions` (DESIGN.md section 2): one NETCONF <get>,
// printed as an aligned table or, with --json, an array of objects.
// Exit status: 0 shown, 2 usage, 3 connection or rpc-error.
import { parseArgs } from 'node:util';
import { NetconfClient } from '../netconf/client';
import { NS } from '../model/namespaces';
import { child, elem, serialize, XmlElement } from '../model/xml';
import { NS_BGP } from '../services/yang-values';
import { call, CommandError, connect, CONNECTION_OPTIONS, CONNECTION_USAGE, ConnectionArgs, connectionArgs, EXIT_USAGE, readKey, reportCommandError, UsageError } from './connection';

const SHOW_USAGE = `usage: ncbgp show <peers|sessions> [options]
  peers      the BGP peers: address, remote AS, group, EBGP/IBGP, session state, uptime,
             route refresh negotiated (RR, RR+ERR), MVPN routes received, accepted and
             advertised, last import and export soft reset
  sessions   the NETCONF sessions (ietf-netconf-monitoring): id, user, source, transport,
             login time, rpcs, bad rpcs, rpc-errors, notifications
${CONNECTION_USAGE}  --json             print a JSON array, one object per row
  exit status: 0 shown, 2 usage error, 3 connection failure or rpc-error
`;

type What = 'peers' | 'sessions';

export interface ShowArgs extends ConnectionArgs {
  readonly what: What;
  readonly json: boolean;
}

/** The command line after `show`; throws UsageError. */
export function parseShowArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ShowArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: CONNECTION_OPTIONS });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const [what, ...extra] = positionals;
  if (what !== 'peers' && what !== 'sessions') throw new UsageError(what === undefined ? 'show what: peers or sessions' : `cannot show ${what} (peers or sessions)`);
  if (extra.length > 0) throw new UsageError(`unexpected ${extra[0]} after ${what}`);
  return { what, ...connectionArgs(values, env), json: values.json };
}

/** The descendant at `path`, undefined when absent. */
function descendant(el: XmlElement | undefined, path: readonly string[], ns: string): XmlElement | undefined {
  let at = el;
  for (const name of path) at = at && child(at, name, ns);
  return at;
}
const leaf = (el: XmlElement | undefined, path: readonly string[], ns: string): string | undefined => descendant(el, path, ns)?.text.trim();
const num = (s: string | undefined): number | null => (s === undefined ? null : Number(s));
const entries = (el: XmlElement | undefined, name: string, ns: string): XmlElement[] => el?.children.filter((c) => c.ns === ns && c.name === name) ?? [];

const subtreeGet = (content: XmlElement): string => serialize(elem(NS.base, 'get', [elem(NS.base, 'filter', [content], [{ ns: '', name: 'type', value: 'subtree' }])]));

const b = (name: string, content: XmlElement[] = []): XmlElement => elem(NS_BGP, name, content);

/** /bgp/peer, config and state, with local-as and the groups' type and remote AS that the peers inherit. */
const PEERS_GET = subtreeGet(b('bgp', [b('local-as'), b('peer-group', [b('name'), b('type'), b('remote-as')]), b('peer')]));

const SESSIONS_GET = subtreeGet(elem(NS.monitoring, 'netconf-state', [elem(NS.monitoring, 'sessions')]));

export interface PeerRow {
  readonly address: string;
  readonly 'remote-as': number | null;
  readonly group: string | null;
  readonly type: 'EBGP' | 'IBGP' | null;
  readonly state: string;
  /** seconds since Established */
  readonly uptime: number | null;
  /** negotiated: RR+ERR, RR or - */
  readonly 'route-refresh': string;
  readonly 'mvpn-received': number | null;
  readonly 'mvpn-accepted': number | null;
  readonly 'mvpn-advertised': number | null;
  readonly 'last-import': string | null;
  readonly 'last-export': string | null;
}

/** The rows of a <get> reply's /bgp; the remote AS and type from the group when the peer has none. */
function peerRows(data: XmlElement | undefined): PeerRow[] {
  const bgp = data && child(data, 'bgp', NS_BGP);
  const localAs = num(leaf(bgp, ['local-as'], NS_BGP));
  const groups = new Map(entries(bgp, 'peer-group', NS_BGP).map((g) => [leaf(g, ['name'], NS_BGP), g]));
  return entries(bgp, 'peer', NS_BGP).map((p): PeerRow => {
    const at = (...path: string[]): string | undefined => leaf(p, path, NS_BGP);
    const group = at('group');
    const g = group === undefined ? undefined : groups.get(group);
    const remoteAs = num(at('remote-as') ?? leaf(g, ['remote-as'], NS_BGP));
    const groupType = leaf(g, ['type'], NS_BGP);
    const type = remoteAs !== null && localAs !== null ? (remoteAs === localAs ? 'IBGP' : 'EBGP') : groupType === 'internal' ? 'IBGP' : groupType === 'external' ? 'EBGP' : null;
    const rr = at('state', 'negotiated', 'route-refresh') === 'true';
    const err = at('state', 'negotiated', 'enhanced-route-refresh') === 'true';
    return {
      address: at('address') ?? '',
      'remote-as': remoteAs,
      group: group ?? null,
      type,
      state: at('state', 'session-state') ?? '-',
      uptime: num(at('state', 'uptime')),
      'route-refresh': [rr ? 'RR' : '', err ? 'ERR' : ''].filter((x) => x !== '').join('+') || '-',
      'mvpn-received': num(at('state', 'mvpn', 'received')),
      'mvpn-accepted': num(at('state', 'mvpn', 'accepted')),
      'mvpn-advertised': num(at('state', 'mvpn', 'advertised')),
      'last-import': at('state', 'last-refresh', 'import') ?? null,
      'last-export': at('state', 'last-refresh', 'export') ?? null,
    };
  });
}

export interface SessionRow {
  readonly 'session-id': number;
  readonly username: string;
  readonly 'source-host': string | null;
  readonly transport: string;
  readonly 'login-time': string;
  readonly 'in-rpcs': number | null;
  readonly 'in-bad-rpcs': number | null;
  readonly 'out-rpc-errors': number | null;
  readonly 'out-notifications': number | null;
}

/** The rows of a <get> reply's /netconf-state/sessions. */
function sessionRows(data: XmlElement | undefined): SessionRow[] {
  const M = NS.monitoring;
  const sessions = descendant(data, ['netconf-state', 'sessions'], M);
  return entries(sessions, 'session', M).map((s): SessionRow => {
    const at = (name: string): string | undefined => leaf(s, [name], M);
    return {
      'session-id': Number(at('session-id')),
      username: at('username') ?? '',
      'source-host': at('source-host') ?? null,
      // an identityref: ncm:netconf-ssh
      transport: (at('transport') ?? '').replace(/^[^:]*:/, ''),
      'login-time': at('login-time') ?? '',
      'in-rpcs': num(at('in-rpcs')),
      'in-bad-rpcs': num(at('in-bad-rpcs')),
      'out-rpc-errors': num(at('out-rpc-errors')),
      'out-notifications': num(at('out-notifications')),
    };
  });
}

/** `1:02:03` below a day, `2d 03:04` from one. */
export function uptimeText(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return d > 0 ? `${d}d ${pad(h)}:${pad(m)}` : `${h}:${pad(m)}:${pad(s % 60)}`;
}

interface Column<R> {
  readonly title: string;
  readonly cell: (r: R) => string | number | null;
}

const PEER_COLUMNS: readonly Column<PeerRow>[] = [
  { title: 'ADDRESS', cell: (r) => r.address },
  { title: 'REMOTE-AS', cell: (r) => r['remote-as'] },
  { title: 'GROUP', cell: (r) => r.group },
  { title: 'TYPE', cell: (r) => r.type },
  { title: 'STATE', cell: (r) => r.state },
  { title: 'UPTIME', cell: (r) => (r.uptime === null ? null : uptimeText(r.uptime)) },
  { title: 'REFRESH', cell: (r) => r['route-refresh'] },
  { title: 'MVPN-RCVD', cell: (r) => r['mvpn-received'] },
  { title: 'MVPN-ACC', cell: (r) => r['mvpn-accepted'] },
  { title: 'MVPN-ADV', cell: (r) => r['mvpn-advertised'] },
  { title: 'LAST-IMPORT', cell: (r) => r['last-import'] },
  { title: 'LAST-EXPORT', cell: (r) => r['last-export'] },
];

const SESSION_COLUMNS: readonly Column<SessionRow>[] = [
  { title: 'SESSION-ID', cell: (r) => r['session-id'] },
  { title: 'USERNAME', cell: (r) => r.username },
  { title: 'SOURCE-HOST', cell: (r) => r['source-host'] },
  { title: 'TRANSPORT', cell: (r) => r.transport },
  { title: 'LOGIN-TIME', cell: (r) => r['login-time'] },
  { title: 'IN-RPCS', cell: (r) => r['in-rpcs'] },
  { title: 'IN-BAD-RPCS', cell: (r) => r['in-bad-rpcs'] },
  { title: 'OUT-RPC-ERRORS', cell: (r) => r['out-rpc-errors'] },
  { title: 'OUT-NOTIFICATIONS', cell: (r) => r['out-notifications'] },
];

/** A header line and one line per row, columns two spaces apart; numbers right-aligned, absent values `-`. */
function table<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => String(row[i] ?? '-').length)));
  const numeric = columns.map((_, i) => cells.some((row) => typeof row[i] === 'number') && cells.every((row) => typeof row[i] !== 'string'));
  const line = (values: readonly (string | number | null)[]): string =>
    values
      .map((v, i) => (numeric[i] ? String(v ?? '-').padStart(widths[i]) : String(v ?? '-').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join('\n') + '\n';
}

async function show(client: NetconfClient, args: ShowArgs): Promise<string> {
  const reply = await call(client, args.what === 'peers' ? PEERS_GET : SESSIONS_GET, 'get');
  const data = child(reply, 'data', NS.base);
  if (args.what === 'peers') {
    const rows = peerRows(data);
    return args.json ? JSON.stringify(rows, null, 2) + '\n' : table(PEER_COLUMNS, rows);
  }
  const rows = sessionRows(data);
  return args.json ? JSON.stringify(rows, null, 2) + '\n' : table(SESSION_COLUMNS, rows);
}

export async function showCommand(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SHOW_USAGE);
    return;
  }
  let args: ShowArgs;
  let privateKey: Buffer | undefined;
  try {
    args = parseShowArgs(argv, process.env);
    if (args.keyFile !== undefined) privateKey = readKey(args.keyFile);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`ncbgp show: ${e.message}\n${SHOW_USAGE}`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  let client: NetconfClient | undefined;
  try {
    client = await connect(args, privateKey);
    process.stdout.write(await show(client, args));
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    reportCommandError(e, args.json, `show ${args.what}`);
  } finally {
    await client?.close(2000);
  }
}
