// What the NETCONF client commands (refresh, show) share: the connection
// options and their defaults, opening the session, calling an RPC, and how
// a failure is reported (exit status 2 usage, 3 connection or rpc-error).
import { readFileSync } from 'node:fs';
import { NetconfClient, replyErrors, ReplyError } from '../netconf/client';
import { XmlElement } from '../model/xml';

export const EXIT_USAGE = 2;
export const EXIT_ERROR = 3;

export class UsageError extends Error {}

/** A connection failure or an <rpc-error> (exit status 3). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly errors: readonly ReplyError[] = [],
  ) {
    super(message);
  }
}

/** node:util parseArgs options of every client command. */
export const CONNECTION_OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8830' },
  user: { type: 'string', default: 'admin' },
  password: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const CONNECTION_USAGE = `  --host HOST        server address (default 127.0.0.1)
  --port PORT        NETCONF port (default 8830)
  --user NAME        user name (default admin)
  --password PW      password (or the environment variable NCBGP_PASSWORD)
  --key FILE         OpenSSH private key instead of a password
`;

export interface ConnectionArgs {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly keyFile?: string;
}

/** The connection options of parseArgs values; throws UsageError. */
export function connectionArgs(values: { host: string; port: string; user: string; password?: string; key?: string }, env: Readonly<Record<string, string | undefined>>): ConnectionArgs {
  const port = Number(values.port);
  if (!/^[0-9]+$/.test(values.port) || port < 1 || port > 65535) throw new UsageError(`--port: ${values.port} is no port number`);
  if (values.password !== undefined && values.key !== undefined) throw new UsageError('give --password or --key, not both');
  const password = values.password ?? (values.key === undefined ? env.NCBGP_PASSWORD : undefined);
  if (password === undefined && values.key === undefined) throw new UsageError('give --password (or NCBGP_PASSWORD) or --key');
  return { host: values.host, port, user: values.user, password, keyFile: values.key };
}

/** The private key file's content; an unreadable file is a UsageError. */
export function readKey(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`--key: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Opens the NETCONF session; a failure is a CommandError. */
export async function connect(args: ConnectionArgs, privateKey: Buffer | undefined): Promise<NetconfClient> {
  try {
    return await NetconfClient.connect({ host: args.host, port: args.port, username: args.user, password: args.password, privateKey });
  } catch (e) {
    throw new CommandError(`cannot open a NETCONF session to ${args.host} port ${args.port}: ${message(e)}`);
  }
}

/** Sends an RPC; an <rpc-error> in the reply is a CommandError. */
export async function call(client: NetconfClient, xml: string, what: string): Promise<XmlElement> {
  let reply: XmlElement;
  try {
    reply = await client.rpc(xml);
  } catch (e) {
    throw new CommandError(`${what}: ${message(e)}`);
  }
  const errors = replyErrors(reply);
  if (errors.length > 0) throw new CommandError(`${what} failed`, errors);
  return reply;
}

/** An <rpc-error> as the user reads it. */
function errorText(e: ReplyError): string {
  const lines = [`rpc-error: ${e.tag} (error-type ${e.type})`];
  if (e.appTag) lines.push(`  error-app-tag: ${e.appTag}`);
  if (e.path) lines.push(`  error-path: ${e.path}`);
  if (e.message) lines.push(`  error-message: ${e.message}`);
  return lines.join('\n');
}

function errorJson(e: ReplyError): Record<string, string> {
  const o: Record<string, string> = { 'error-type': e.type, 'error-tag': e.tag, 'error-severity': e.severity };
  if (e.appTag) o['error-app-tag'] = e.appTag;
  if (e.path) o['error-path'] = e.path;
  if (e.message) o['error-message'] = e.message;
  return o;
}

/** Reports a CommandError (JSON on stdout, or text on stderr after `title`) and sets exit status 3. */
export function reportCommandError(e: CommandError, json: boolean, title: string): void {
  if (json) process.stdout.write(JSON.stringify(e.errors.length > 0 ? { 'rpc-error': e.errors.map(errorJson) } : { error: e.message }, null, 2) + '\n');
  else process.stderr.write(`ncbgp ${title}: ${e.message}\n${e.errors.map((x) => errorText(x) + '\n').join('')}`);
  process.exitCode = EXIT_ERROR;
}
