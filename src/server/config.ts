// The server's config file (YAML; DESIGN.md section 2): read, checked and
// given defaults. Errors name the offending key.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, dirname } from 'node:path';
import { parse } from 'yaml';

export interface UserConfig {
  readonly name: string;
  /** 0 visit, 1 monitoring, 2 configuration, 3 management */
  readonly level: number;
  readonly password?: string;
  readonly passwordHash?: string;
  /** OpenSSH public key lines */
  readonly authorizedKeys: readonly string[];
  /** RFC 8341 section 2.1 recovery session: access control does not apply (an emergency account) */
  readonly recovery: boolean;
}

export interface NetconfConfig {
  readonly address: string;
  readonly port: number;
  readonly hostKey: string;
  readonly users: readonly UserConfig[];
  readonly maxSessions: number;
  readonly maxMessageBytes: number;
  readonly maxPendingRpcs: number;
  readonly maxXmlDepth: number;
  readonly notificationQueueLimit: number;
  readonly replayBufferSize: number;
}

export interface ServerConfig {
  readonly stateDir: string;
  readonly netconf: NetconfConfig;
  /** RFC 7951 JSON of the YANG modules, loaded into running on first start */
  readonly initialContent?: Record<string, unknown>;
}

export class ConfigError extends Error {}

export const DEFAULT_CONFIG_FILE = join(__dirname, 'default-config.yaml');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function only(o: Obj, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ConfigError(`${path}${k}: unknown key (expected one of ${keys.join(', ')})`);
}

function str(o: Obj, key: string, path: string, fallback?: string): string {
  const v = o[key] ?? fallback;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${path}${key}: expected a non-empty string`);
  return v;
}

function int(o: Obj, key: string, path: string, fallback: number, min: number, max: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${path}${key}: expected an integer from ${min} to ${max}`);
  return v;
}

function user(u: unknown, i: number, baseDir: string): UserConfig {
  const path = `netconf.users[${i}].`;
  if (!isObj(u)) throw new ConfigError(`netconf.users[${i}]: expected a mapping`);
  only(u, path, ['name', 'password', 'password-hash', 'authorized-keys', 'level', 'recovery']);
  const keys = u['authorized-keys'];
  let authorizedKeys: string[] = [];
  if (typeof keys === 'string') {
    const file = isAbsolute(keys) ? keys : resolve(baseDir, keys);
    try {
      authorizedKeys = readFileSync(file, 'utf8').split('\n');
    } catch (e) {
      throw new ConfigError(`${path}authorized-keys: cannot read ${file}: ${(e as Error).message}`);
    }
  } else if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) {
    authorizedKeys = keys;
  } else if (keys !== undefined) {
    throw new ConfigError(`${path}authorized-keys: expected a list of public keys or a file name`);
  }
  authorizedKeys = authorizedKeys.map((k) => k.trim()).filter((k) => k !== '' && !k.startsWith('#'));
  const password = u.password === undefined ? undefined : str(u, 'password', path);
  const passwordHash = u['password-hash'] === undefined ? undefined : str(u, 'password-hash', path);
  if (password === undefined && passwordHash === undefined && authorizedKeys.length === 0) {
    throw new ConfigError(`netconf.users[${i}]: needs password, password-hash or authorized-keys`);
  }
  const recovery = u.recovery ?? false;
  if (typeof recovery !== 'boolean') throw new ConfigError(`${path}recovery: expected true or false`);
  return { name: str(u, 'name', path), level: int(u, 'level', path, 1, 0, 3), password, passwordHash, authorizedKeys, recovery };
}

/** Reads a config file; relative paths in it are relative to the file. */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE, cwd = process.cwd()): ServerConfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  // the embedded default keeps its state under the working directory
  const baseDir = file === DEFAULT_CONFIG_FILE ? cwd : dirname(resolve(file));
  return configFrom(doc ?? {}, baseDir);
}

export function configFrom(doc: unknown, baseDir: string): ServerConfig {
  if (!isObj(doc)) throw new ConfigError('the config file must be a mapping');
  only(doc, '', ['state-dir', 'netconf', 'initial-content']);
  const stateDir = resolve(baseDir, str(doc, 'state-dir', '', './state'));
  const nc = doc.netconf ?? {};
  if (!isObj(nc)) throw new ConfigError('netconf: expected a mapping');
  only(nc, 'netconf.', ['listen', 'host-key', 'users', 'max-sessions', 'max-message-bytes', 'max-pending-rpcs', 'max-xml-depth', 'notification-queue-limit', 'replay-buffer-size']);
  const listen = nc.listen ?? {};
  if (!isObj(listen)) throw new ConfigError('netconf.listen: expected a mapping');
  only(listen, 'netconf.listen.', ['address', 'port']);
  const users = nc.users ?? [];
  if (!Array.isArray(users)) throw new ConfigError('netconf.users: expected a list');
  const initial = doc['initial-content'];
  if (initial !== undefined && !isObj(initial)) throw new ConfigError('initial-content: expected a mapping of RFC 7951 JSON');
  return {
    stateDir,
    netconf: {
      address: str(listen, 'address', 'netconf.listen.', '127.0.0.1'),
      port: int(listen, 'port', 'netconf.listen.', 8830, 0, 65535),
      hostKey: resolve(baseDir, typeof nc['host-key'] === 'string' ? nc['host-key'] : join(stateDir, 'ssh_host_ed25519_key')),
      users: users.map((u, i) => user(u, i, baseDir)),
      maxSessions: int(nc, 'max-sessions', 'netconf.', 1000, 1, 100000),
      maxMessageBytes: int(nc, 'max-message-bytes', 'netconf.', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxPendingRpcs: int(nc, 'max-pending-rpcs', 'netconf.', 256, 1, 100000),
      maxXmlDepth: int(nc, 'max-xml-depth', 'netconf.', 64, 8, 256),
      notificationQueueLimit: int(nc, 'notification-queue-limit', 'netconf.', 10000, 1, 10000000),
      replayBufferSize: int(nc, 'replay-buffer-size', 'netconf.', 10000, 0, 10000000),
    },
    initialContent: initial,
  };
}
