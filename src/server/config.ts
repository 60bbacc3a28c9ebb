// The server's config file (YAML; DESIGN.md section 2): read, checked and
// given defaults. Errors name the offending key.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, dirname } from 'node:path';
import type { LoginLimits } from '../netconf/login-limiter';
import type { SshAlgorithmLists } from '../netconf/ssh-server';
import { DEFAULT_XML_LIMITS, XmlLimits } from '../model/xml';

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
  /** NETCONF sessions, counted from the moment the channel opens */
  readonly maxSessions: number;
  readonly maxMessageBytes: number;
  readonly maxPendingRpcs: number;
  readonly notificationQueueLimit: number;
  readonly replayBufferSize: number;
  /** RFC 8639 dynamic subscriptions (establish-subscription) a session may hold, and all sessions together */
  readonly maxSubscriptionsPerSession: number;
  readonly maxSubscriptions: number;
  /** an SSH connection not authenticated after this long is closed */
  readonly loginGraceTimeMs: number;
  /** SSH connections not yet authenticated, in all and from one source address */
  readonly maxUnauthenticated: number;
  readonly maxUnauthenticatedPerSource: number;
  readonly maxChannelsPerConnection: number;
  /** a session whose client hello has not arrived after this long is ended */
  readonly helloTimeoutMs: number;
  /** received bytes buffered across all sessions (partial and queued messages) */
  readonly maxInputBufferBytes: number;
  readonly authLimits: LoginLimits;
  readonly sshAlgorithms: SshAlgorithmLists;
  readonly xml: XmlLimits;
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

function strings(o: Obj, key: string, path: string, fallback: readonly string[]): readonly string[] {
  const v = o[key] ?? fallback;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== '')) throw new ConfigError(`${path}${key}: expected a non-empty list of names`);
  return v as string[];
}

/**
 * The OpenSSH defaults without SHA-1 and without compression before
 * authentication (RFC 8732 / RFC 9142 for the key exchanges).
 */
export const DEFAULT_SSH_ALGORITHMS: SshAlgorithmLists = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group14-sha256'],
  serverHostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none', 'zlib@openssh.com'],
};

function sshAlgorithms(v: unknown): SshAlgorithmLists {
  const path = 'netconf.ssh-algorithms.';
  if (v === undefined) return DEFAULT_SSH_ALGORITHMS;
  if (!isObj(v)) throw new ConfigError('netconf.ssh-algorithms: expected a mapping');
  only(v, path, ['kex', 'server-host-key', 'cipher', 'hmac', 'compress']);
  const d = DEFAULT_SSH_ALGORITHMS;
  return { kex: strings(v, 'kex', path, d.kex), serverHostKey: strings(v, 'server-host-key', path, d.serverHostKey), cipher: strings(v, 'cipher', path, d.cipher), hmac: strings(v, 'hmac', path, d.hmac), compress: strings(v, 'compress', path, d.compress) };
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

/**
 * A config file's document: YAML 1.2, of which JSON is a subset. A file that
 * is JSON is read by JSON.parse, some forty times faster than the YAML
 * parser on a large initial-content; anything else, or JSON that does not
 * parse, by the YAML parser (which tells what is wrong). The YAML parser is
 * loaded only then: it adds 9 MB to the server's RSS for good.
 */
function parseConfigText(text: string): unknown {
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML's flow style is more than JSON: let the YAML parser read it or say why not
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('yaml') as typeof import('yaml')).parse(text);
}

/** Reads a config file; relative paths in it are relative to the file. */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE, cwd = process.cwd()): ServerConfig {
  let doc: unknown;
  try {
    doc = parseConfigText(readFileSync(file, 'utf8'));
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
  only(nc, 'netconf.', [
    'listen', 'host-key', 'users', 'max-sessions', 'max-message-bytes', 'max-pending-rpcs', 'notification-queue-limit', 'replay-buffer-size',
    'max-subscriptions-per-session', 'max-subscriptions',
    'login-grace-time', 'max-unauthenticated', 'max-unauthenticated-per-source', 'max-channels-per-connection', 'hello-timeout', 'max-input-buffer-bytes',
    'max-auth-failures-per-source', 'max-auth-failures-per-user', 'auth-failure-window', 'auth-lockout-time', 'ssh-algorithms',
    'max-xml-depth', 'max-xml-attributes-per-element', 'max-xml-attributes', 'max-xml-elements', 'max-xml-name-length',
  ]);
  const listen = nc.listen ?? {};
  if (!isObj(listen)) throw new ConfigError('netconf.listen: expected a mapping');
  only(listen, 'netconf.listen.', ['address', 'port']);
  const users = nc.users ?? [];
  if (!Array.isArray(users)) throw new ConfigError('netconf.users: expected a list');
  const initial = doc['initial-content'];
  if (initial !== undefined && !isObj(initial)) throw new ConfigError('initial-content: expected a mapping of RFC 7951 JSON');
  const seconds = (key: string, fallback: number, max: number): number => int(nc, key, 'netconf.', fallback, 1, max) * 1000;
  const maxMessageBytes = int(nc, 'max-message-bytes', 'netconf.', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024);
  const maxInputBufferBytes = int(nc, 'max-input-buffer-bytes', 'netconf.', 128 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024);
  if (maxInputBufferBytes < maxMessageBytes) throw new ConfigError('netconf.max-input-buffer-bytes: must be at least max-message-bytes');
  const maxUnauthenticated = int(nc, 'max-unauthenticated', 'netconf.', 100, 1, 100000);
  return {
    stateDir,
    netconf: {
      address: str(listen, 'address', 'netconf.listen.', '127.0.0.1'),
      port: int(listen, 'port', 'netconf.listen.', 8830, 0, 65535),
      hostKey: resolve(baseDir, typeof nc['host-key'] === 'string' ? nc['host-key'] : join(stateDir, 'ssh_host_ed25519_key')),
      users: users.map((u, i) => user(u, i, baseDir)),
      maxSessions: int(nc, 'max-sessions', 'netconf.', 1000, 1, 100000),
      maxMessageBytes,
      maxPendingRpcs: int(nc, 'max-pending-rpcs', 'netconf.', 256, 1, 100000),
      notificationQueueLimit: int(nc, 'notification-queue-limit', 'netconf.', 10000, 1, 10000000),
      replayBufferSize: int(nc, 'replay-buffer-size', 'netconf.', 10000, 0, 10000000),
      maxSubscriptionsPerSession: int(nc, 'max-subscriptions-per-session', 'netconf.', 16, 1, 1000),
      maxSubscriptions: int(nc, 'max-subscriptions', 'netconf.', 1000, 1, 100000),
      loginGraceTimeMs: seconds('login-grace-time', 30, 3600),
      maxUnauthenticated,
      maxUnauthenticatedPerSource: int(nc, 'max-unauthenticated-per-source', 'netconf.', Math.min(10, maxUnauthenticated), 1, maxUnauthenticated),
      maxChannelsPerConnection: int(nc, 'max-channels-per-connection', 'netconf.', 8, 1, 1000),
      helloTimeoutMs: seconds('hello-timeout', 60, 3600),
      maxInputBufferBytes,
      authLimits: {
        failuresPerSource: int(nc, 'max-auth-failures-per-source', 'netconf.', 10, 1, 100000),
        failuresPerUser: int(nc, 'max-auth-failures-per-user', 'netconf.', 50, 1, 1000000),
        windowMs: seconds('auth-failure-window', 300, 86400),
        lockoutMs: seconds('auth-lockout-time', 300, 86400),
      },
      sshAlgorithms: sshAlgorithms(nc['ssh-algorithms']),
      xml: {
        maxDepth: int(nc, 'max-xml-depth', 'netconf.', DEFAULT_XML_LIMITS.maxDepth, 8, 256),
        maxAttributesPerElement: int(nc, 'max-xml-attributes-per-element', 'netconf.', DEFAULT_XML_LIMITS.maxAttributesPerElement, 1, 100000),
        maxAttributes: int(nc, 'max-xml-attributes', 'netconf.', DEFAULT_XML_LIMITS.maxAttributes, 1, 100000000),
        maxElements: int(nc, 'max-xml-elements', 'netconf.', DEFAULT_XML_LIMITS.maxElements, 1, 100000000),
        maxNameLength: int(nc, 'max-xml-name-length', 'netconf.', DEFAULT_XML_LIMITS.maxNameLength, 16, 1048576),
      },
    },
    initialContent: initial,
  };
}
