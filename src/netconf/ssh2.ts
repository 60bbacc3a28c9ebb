// The parts of ssh2 the server uses, each from its own module: the package's
// index also loads its client, SFTP, agents and HTTP agents, 1.4 MB of the
// server's RSS. ssh2 is pinned (package.json).
import type { Server as SshServer, utils } from 'ssh2';

/* eslint-disable @typescript-eslint/no-require-imports */
export const Server = require('ssh2/lib/server.js') as typeof SshServer;
export const parseKey: typeof utils.parseKey = (require('ssh2/lib/protocol/keyParser.js') as typeof utils).parseKey;
/** A new key pair (host key of a first start): its module is loaded when it is needed. */
export const generateKeyPairSync: typeof utils.generateKeyPairSync = (...args: Parameters<typeof utils.generateKeyPairSync>) =>
  (require('ssh2/lib/keygen.js') as typeof utils).generateKeyPairSync(...args);
/* eslint-enable @typescript-eslint/no-require-imports */
