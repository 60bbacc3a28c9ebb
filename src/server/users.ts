// The configured NETCONF users and how they prove who they are.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ParsedKey } from 'ssh2';
import { SshAuthenticator } from '../netconf/ssh-server';
import { parseKey } from '../netconf/ssh2';
import { ConfigError, UserConfig } from './config';
import { isSupportedPasswordHash, verifyPasswordHash } from './crypt';

interface Account {
  readonly config: UserConfig;
  readonly keys: readonly ParsedKey[];
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class UserDirectory implements SshAuthenticator {
  private readonly accounts = new Map<string, Account>();
  /** a configured crypt hash, checked (and the answer ignored) for an unknown user name, so it costs what a known one costs */
  private readonly decoyHash?: string;

  constructor(users: readonly UserConfig[]) {
    users.forEach((u, i) => {
      if (this.accounts.has(u.name)) throw new ConfigError(`netconf.users[${i}].name: user ${u.name} is configured twice`);
      if (u.passwordHash !== undefined && !isSupportedPasswordHash(u.passwordHash)) {
        throw new ConfigError(`netconf.users[${i}].password-hash: expected a crypt $5$ or $6$ hash`);
      }
      const keys = u.authorizedKeys.map((line, k) => {
        const key = parseKey(line);
        if (key instanceof Error) throw new ConfigError(`netconf.users[${i}].authorized-keys[${k}]: ${key.message}`);
        return Array.isArray(key) ? (key[0] as ParsedKey) : key;
      });
      this.accounts.set(u.name, { config: u, keys });
    });
    this.decoyHash = users.find((u) => u.passwordHash !== undefined)?.passwordHash;
  }

  account(username: string): UserConfig | undefined {
    return this.accounts.get(username)?.config;
  }

  hasUser(username: string): boolean {
    return this.accounts.has(username);
  }

  checkPassword(username: string, password: string): boolean {
    const u = this.accounts.get(username)?.config;
    if (!u) {
      if (this.decoyHash !== undefined) verifyPasswordHash(password, this.decoyHash);
      return false;
    }
    if (u.passwordHash !== undefined) return verifyPasswordHash(password, u.passwordHash);
    return u.password !== undefined && timingSafeEqual(digest(password), digest(u.password));
  }

  authorizedKeys(username: string): readonly ParsedKey[] {
    return this.accounts.get(username)?.keys ?? [];
  }
}
