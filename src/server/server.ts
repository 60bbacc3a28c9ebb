// The composition root: config in, a running NETCONF server out.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BgpEngine } from '../bgp/engine';
import { Datastores } from '../datastore/store';
import { Logger } from '../log';
import { AccessControl, NacmUser } from '../netconf/nacm';
import { CAPABILITY, NS } from '../model/namespaces';
import { registerConfigOperations } from '../netconf/operations/config';
import { NetconfSession } from '../netconf/session';
import { registerBaseOperations } from '../netconf/operations/base';
import { registerMonitoring } from '../netconf/operations/monitoring';
import { registerNotifications } from '../netconf/operations/notifications';
import { registerSubscribedNotifications } from '../netconf/operations/subscribed-notifications';
import { registerNmda } from '../netconf/operations/nmda';
import { NetconfRpcError } from '../model/rpc-error';
import { NetconfServer } from '../netconf/server';
import { NetconfSshServer } from '../netconf/ssh-server';
import { generateKeyPairSync, parseKey } from '../netconf/ssh2';
import { elem, XmlElement } from '../model/xml';
import { moduleCapabilities, moduleSet, yangLibraryProviders } from '../netconf/yang-library';
import { jsonToXml } from '../yang/json';
import { startBgpService } from '../services/bgp';
import { registerRefreshOperations } from '../services/refresh';
import { RefreshLog } from '../services/refresh-history';
import { replaceAtomically, stateFiles } from '../datastore/state-dir';
import { DEFAULT_YANG_DIR, SchemaRegistry } from '../yang/registry';
import { validateRpcInput } from '../yang/validate';
import { ConfigError, ServerConfig } from './config';
import { factoryNacm, levelGroups } from './nacm-defaults';
import { UserDirectory } from './users';

export interface RunningServer {
  readonly address: string;
  readonly port: number;
  readonly netconf: NetconfServer;
  readonly engine: BgpEngine;
  stop(): Promise<void>;
}

/**
 * ssh2 1.17's OpenSSH-format ed25519 generator makes a key its own parser
 * refuses about once in 250 ("Malformed OpenSSH private key"): make another.
 */
function newHostKey(): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const { private: key } = generateKeyPairSync('ed25519');
    if (!(parseKey(key) instanceof Error)) return key;
  }
  throw new Error('could not generate an SSH host key that ssh2 can read');
}

/** RFC 6242 section 6: the server's SSH host key, made on first start (ed25519, mode 0600). */
function hostKey(file: string, log: Logger): Buffer {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // a crash soon after the first start leaves no key (made again) or the whole key, never an empty file
    replaceAtomically(file, newHostKey());
    log.info('generated SSH host key', { file });
  }
  const key = readFileSync(file);
  const parsed = parseKey(key);
  if (parsed instanceof Error) throw new Error(`host key ${file}: ${parsed.message}`);
  return key;
}

/** RFC 6241 section 8: the optional capabilities, each because it works. */
const CONFIG_CAPABILITIES = [CAPABILITY.writableRunning, CAPABILITY.candidate, CAPABILITY.confirmedCommit, CAPABILITY.rollbackOnError, CAPABILITY.validate, CAPABILITY.startup, CAPABILITY.withDefaults, CAPABILITY.withOperationalDefaults, CAPABILITY.xpath];

/** Values of the leaf at an absolute schema path (`/p:a/p:b/p:leaf`) in a data tree. */
function leafValues(nodes: readonly XmlElement[], path: string): string[] {
  const steps = path.split('/').filter(Boolean).map((s) => s.slice(s.indexOf(':') + 1));
  let level: readonly XmlElement[] = nodes;
  steps.forEach((step, i) => {
    const matched = level.filter((n) => n.name === step);
    level = i === steps.length - 1 ? matched : matched.flatMap((n) => n.children);
  });
  return level.map((n) => n.text.trim());
}

function initialContent(schema: SchemaRegistry, json: Record<string, unknown>): XmlElement[] {
  try {
    return jsonToXml(schema, json);
  } catch (e) {
    if (e instanceof NetconfRpcError) throw new ConfigError(`initial-content${e.path ?? ''}: ${e.message}`);
    throw e;
  }
}

export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  // implemented and import-only as src/yang/implemented.ts says
  const schema = SchemaRegistry.load(DEFAULT_YANG_DIR);
  log.info('YANG modules loaded', { modules: schema.modules().length });
  for (const d of schema.diagnostics()) log.debug('YANG module note', { module: d.module, by: d.source, note: d.message });
  const users = new UserDirectory(config.netconf.users);
  // converted only on a first start: a restart from the state directory does not read it
  const initial = (): XmlElement[] => {
    const json = config.initialContent;
    const nodes = json ? initialContent(schema, json) : [];
    // RFC 8341 section 3.5: a first start gets access rules for the users' levels unless the initial content has its own
    if (!nodes.some((n) => n.ns === NS.nacm && n.name === 'nacm')) nodes.push(factoryNacm());
    return nodes;
  };
  const datastores = await Datastores.open({ schema, stateDir: config.stateDir, initial, log });
  const nacm = new AccessControl(schema, () => datastores.get('running').find((n) => n.ns === NS.nacm && n.name === 'nacm'));
  // a session's user and its groups do not change: made once, not at every access check
  const nacmUsers = new WeakMap<NetconfSession, NacmUser>();
  const userOf = (session: NetconfSession): NacmUser => {
    let user = nacmUsers.get(session);
    if (!user) {
      const account = users.account(session.username);
      user = { name: session.username, externalGroups: levelGroups(account?.level ?? 0), recovery: account?.recovery ?? false };
      nacmUsers.set(session, user);
    }
    return user;
  };
  const set = moduleSet(schema.modules());
  const nc = config.netconf;
  const netconf = new NetconfServer({
    schema,
    datastores,
    limits: { maxMessageBytes: nc.maxMessageBytes, maxPendingRpcs: nc.maxPendingRpcs, maxQueuedNotifications: nc.notificationQueueLimit, xml: nc.xml, helloTimeoutMs: nc.helloTimeoutMs },
    maxSessions: nc.maxSessions,
    maxInputBufferBytes: nc.maxInputBufferBytes,
    replayBufferSize: nc.replayBufferSize,
    extraCapabilities: [...CONFIG_CAPABILITIES, ...moduleCapabilities(set)],
    log,
    access: {
      operationAllowed: (session, op) => nacm.operationAllowed(userOf(session), op.ns || NS.base, op.name),
      filterRead: (session, nodes) => nacm.filterRead(userOf(session), nodes),
      writeGuard: (session) => (changes) => nacm.checkWrite(userOf(session), changes),
      filterNotification: (session, content) => nacm.filterNotification(userOf(session), content),
    },
    validateInput: (op) => {
      const rpc = schema.rpc(op.ns || NS.base, op.name);
      if (!rpc) return false;
      validateRpcInput(rpc, op, { leafrefExists: (target, value) => leafValues(datastores.get('running'), target).includes(value) });
      return true;
    },
  });
  registerBaseOperations(netconf);
  registerConfigOperations(netconf);
  registerNmda(netconf);
  netconf.registerStateProvider({ ns: NS.nacm, name: 'nacm', build: () => elem(NS.nacm, 'nacm', nacm.stateLeaves()) });
  registerMonitoring(netconf);
  registerNotifications(netconf);
  registerSubscribedNotifications(netconf, { perSession: nc.maxSubscriptionsPerSession, total: nc.maxSubscriptions });
  for (const p of yangLibraryProviders(set)) netconf.registerStateProvider(p);
  const engine = new BgpEngine(log);
  const refreshLog = RefreshLog.open(stateFiles(config.stateDir).refreshLog, engine, log);
  await startBgpService({ netconf, datastores, engine, log });
  registerRefreshOperations(netconf, engine);

  const ssh = new NetconfSshServer(netconf, users, {
    hostKey: hostKey(nc.hostKey, log),
    address: nc.address,
    port: nc.port,
    loginGraceTimeMs: nc.loginGraceTimeMs,
    maxUnauthenticated: nc.maxUnauthenticated,
    maxUnauthenticatedPerSource: nc.maxUnauthenticatedPerSource,
    maxChannelsPerConnection: nc.maxChannelsPerConnection,
    authLimits: nc.authLimits,
    algorithms: nc.sshAlgorithms,
  }, log);
  const addr = await ssh.listen();
  log.info('netconf server listening', { address: addr.address, port: addr.port });
  return {
    address: addr.address,
    port: addr.port,
    netconf,
    engine,
    stop: async () => {
      for (const s of netconf.sessions.values()) s.finish('other');
      await ssh.close();
      // refreshes still running end with the server: the next start reports them so
      refreshLog.close();
      await engine.stop();
      await datastores.close();
    },
  };
}
