// The NETCONF server: sessions, the operations table, state data and the
// NETCONF event stream. Transport-free: an adapter opens sessions on it.
import type { WriteGuard } from '../datastore/diff';
import { Datastores } from '../datastore/store';
import { Logger } from '../log';
import { SchemaRegistry } from '../yang/registry';
import { CAPABILITY, NS } from '../model/namespaces';
import { Filter, mayInclude, mayReach } from './filter';
import { InputBudget } from './input-budget';
import { NotificationStream } from './notifications';
import { InputValidator, OperationHandler, RpcContext, RpcDispatcher, ServerStatistics } from './rpc';
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { NetconfSession, SessionLimits, SessionTransport, TerminationReason } from './session';
import { namesNode } from './subtree-filter';
import { elem, XmlElement } from '../model/xml';

export interface NetconfServerOptions {
  readonly schema: SchemaRegistry;
  readonly datastores: Datastores;
  readonly limits: SessionLimits;
  /** sessions, counted from the moment the transport opens one (before its hello) */
  readonly maxSessions: number;
  /** bytes received and not yet handled, across all sessions */
  readonly maxInputBufferBytes: number;
  readonly replayBufferSize: number;
  readonly validateInput: InputValidator;
  readonly log: Logger;
  /** capability URIs beyond the base ones (features of later issues) */
  readonly extraCapabilities?: readonly string[];
  /** access control; without it every session may do everything */
  readonly access?: SessionAccess;
}

/** What a session may do (RFC 8341 section 3.4): the server asks, access control answers. */
export interface SessionAccess {
  /** 3.4.4: may the session run the operation (the <rpc>'s child)? */
  operationAllowed(session: NetconfSession, op: XmlElement): boolean;
  /** 3.4.5: the data nodes the session may read, others pruned silently */
  filterRead(session: NetconfSession, nodes: readonly XmlElement[]): XmlElement[];
  /** 3.4.5: the error for the first change the session may not make */
  writeGuard(session: NetconfSession): WriteGuard;
  /** 3.4.6: the notification (its content element) as the session may receive it, with what it may not read removed; undefined: not at all */
  filterNotification(session: NetconfSession, content: XmlElement): XmlElement | undefined;
}

const PERMIT_ALL: SessionAccess = {
  operationAllowed: () => true,
  filterRead: (_s, nodes) => [...nodes],
  writeGuard: () => () => undefined,
  filterNotification: (_s, content) => content,
};

/** Builds one top-level node of operational state on demand. */
export interface StateProvider {
  readonly ns: string;
  readonly name: string;
  /**
   * `children`: the local names of the only children a subtree filter can
   * select or test (RFC 6241 section 6.2); the node may leave the others out.
   * Undefined: all of them.
   */
  build(children?: ReadonlySet<string>): XmlElement;
  /** RFC 8342 section 5.3.4: where its state comes from; without it, the server's own (or:system) */
  readonly origin?: Origin;
  /**
   * RFC 8641 on-change: its owner calls NetconfServer.stateChanged for every
   * change of the node except those of these descendants (local names from
   * below the node down), which change too often (counters, uptime) and do
   * not support on-change. Absent: no change is signalled, none of the node
   * supports on-change.
   */
  readonly onChange?: readonly (readonly string[])[];
}

/** RFC 8342 section 7.4: the identities of ietf-origin derived from or:origin. */
export const ORIGINS = ['intended', 'dynamic', 'system', 'learned', 'default', 'unknown'] as const;
export type Origin = (typeof ORIGINS)[number];

export interface GlobalStatistics extends ServerStatistics {
  readonly netconfStartTime: Date;
  inBadHellos: number;
  inSessions: number;
  droppedSessions: number;
}

export class NetconfServer {
  /** established sessions by id */
  readonly sessions = new Map<number, NetconfSession>();
  /** sessions opened whose client hello has not arrived */
  private readonly awaitingHello = new Set<NetconfSession>();
  readonly inputBudget: InputBudget;
  readonly stats: GlobalStatistics = { netconfStartTime: new Date(), inBadHellos: 0, inSessions: 0, droppedSessions: 0, inRpcs: 0, inBadRpcs: 0, outRpcErrors: 0, outNotifications: 0 };
  readonly stream: NotificationStream;
  readonly capabilities: string[];
  readonly access: SessionAccess;
  private readonly operations = new Map<string, Map<string, OperationHandler>>();
  private readonly stateProviders: StateProvider[] = [];
  private readonly dispatcher: RpcDispatcher;
  private readonly sessionEndHooks: ((s: NetconfSession) => void)[] = [];
  private readonly stateListeners: ((ns: string, name: string) => void)[] = [];
  private nextSessionId = 1;

  constructor(readonly options: NetconfServerOptions) {
    this.stream = new NotificationStream('NETCONF', 'default NETCONF event stream', options.replayBufferSize);
    this.capabilities = [CAPABILITY.base10, CAPABILITY.base11, CAPABILITY.notification, CAPABILITY.interleave, ...(options.extraCapabilities ?? [])];
    this.access = options.access ?? PERMIT_ALL;
    this.inputBudget = new InputBudget(options.maxInputBufferBytes);
    this.dispatcher = new RpcDispatcher(this.operations, options.validateInput, (op, ctx) => this.guard(op, ctx), this.stats, options.limits.xml, options.log);
  }

  get schema(): SchemaRegistry {
    return this.options.schema;
  }

  get datastores(): Datastores {
    return this.options.datastores;
  }

  /** Operations are keyed by module namespace and name (RFC 6241 section 4.1). */
  registerOperation(ns: string, name: string, handler: OperationHandler): void {
    const byName = this.operations.get(ns) ?? new Map<string, OperationHandler>();
    this.operations.set(ns, byName.set(name, handler));
  }

  registerStateProvider(p: StateProvider): void {
    this.stateProviders.push(p);
  }

  /** RFC 8341 section 3.4.4: access-denied before anything else is looked at. */
  private guard(op: XmlElement, ctx: RpcContext): void {
    if (!this.access.operationAllowed(ctx.session, op)) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.accessDenied, info: { badElement: op.name }, message: `access to operation ${op.name} is denied` });
    }
  }

  onSessionEnd(hook: (s: NetconfSession) => void): void {
    this.sessionEndHooks.push(hook);
  }

  /** State nodes a filter can select or test (mayReach), a subtree filter's with the children it names; all of them without a filter. */
  state(filter?: Filter): XmlElement[] {
    if (!filter) return this.stateProviders.map((p) => p.build());
    const out: XmlElement[] = [];
    for (const p of this.stateProviders) {
      if (!mayReach(filter, p.ns, p.name)) continue;
      out.push(p.build(filter.type === 'subtree' ? childNames(filter.nodes.filter((f) => namesNode(f, p.ns, p.name))) : undefined));
    }
    return out;
  }

  /** The owner of a top-level state node says it changed (StateProvider.onChange): on-change subscriptions look again. */
  stateChanged(ns: string, name: string): void {
    for (const fn of this.stateListeners) fn(ns, name);
  }

  onStateChanged(fn: (ns: string, name: string) => void): void {
    this.stateListeners.push(fn);
  }

  /**
   * RFC 8641 section 3.10, RFC 9196 on-change-supported: the state nodes
   * that do not support on-change, each as its namespace, its path of local
   * names from the top-level node, and that path as a node-instance-identifier.
   */
  notOnChange(): { readonly ns: string; readonly path: readonly string[]; readonly selector: string; readonly prefix: string }[] {
    return this.stateProviders.flatMap((p) => {
      const prefix = this.schema.topLevel(p.ns, p.name)?.prefix ?? '';
      return (p.onChange ?? [[]]).map((below) => {
        const path = [p.name, ...below];
        return { ns: p.ns, path, prefix, selector: `/${path.map((n) => `${prefix}:${n}`).join('/')}` };
      });
    });
  }

  /** RFC 8641 section 3.10 (on-change-unsupported): the first state node the filter may select that does not support on-change, as a path; undefined when there is none. */
  onChangeUnsupported(filter: Filter | undefined): string | undefined {
    return this.notOnChange().find((n) => (!filter || mayReach(filter, n.ns, n.path[0])) && mayInclude(filter, n.ns, n.path))?.selector;
  }

  /** The origin the provider of a top-level state node gives it (StateProvider.origin). */
  stateOrigin(ns: string, name: string): Origin | undefined {
    return this.stateProviders.find((p) => p.ns === ns && p.name === name)?.origin;
  }

  canOpenSession(): boolean {
    return this.sessions.size + this.awaitingHello.size < this.options.maxSessions;
  }

  /** A transport authenticated `username`: start a session on it (the server's hello goes out at once). */
  openSession(transport: SessionTransport, username: string, sourceHost: string): NetconfSession {
    const id = this.nextSessionId++;
    const log = this.options.log.child({ session: id });
    const session = new NetconfSession(id, username, sourceHost, this.capabilities, this.options.limits, this.inputBudget, transport, this.dispatcher.handle, {
      onEstablished: (s) => {
        this.awaitingHello.delete(s);
        this.sessions.set(s.id, s);
        this.stats.inSessions++;
        log.info('session established', { user: s.username, source: s.sourceHost });
        this.publish(sessionStart(s));
      },
      onEnded: (s, reason, killedBy) => this.ended(s, reason, killedBy, log),
    }, log);
    this.awaitingHello.add(session);
    session.start();
    return session;
  }

  publish(content: XmlElement, eventTime?: Date): void {
    this.stream.publish(content, eventTime);
  }

  private ended(s: NetconfSession, reason: TerminationReason, killedBy: number | undefined, log: Logger): void {
    this.stream.unsubscribe(s.id);
    this.options.datastores.sessionEnded(s.id);
    for (const h of this.sessionEndHooks) h(s);
    if (reason === 'bad-hello') this.stats.inBadHellos++;
    // RFC 6470 section 3.2: a session ended at its hello (bad-hello, or timeout waiting for it) ends too
    if (!this.awaitingHello.delete(s)) {
      if (!this.sessions.delete(s.id)) return;
      this.stats.outNotifications += s.counters.outNotifications;
      if (reason !== 'closed' && reason !== 'killed') this.stats.droppedSessions++;
    }
    log.info('session ended', { reason, killedBy });
    this.publish(sessionEnd(s, reason, killedBy));
  }
}

/**
 * The names of the filter nodes below `roots` (RFC 6241 section 6.2.3
 * containment): a data child named by none of them is neither selected nor
 * tested. Undefined when a root has no child elements: a selection node
 * (6.2.4) takes the whole subtree, a content match node (6.2.5) tests it.
 */
function childNames(roots: readonly XmlElement[]): ReadonlySet<string> | undefined {
  const names = new Set<string>();
  for (const r of roots) {
    if (r.children.length === 0) return undefined;
    for (const c of r.children) names.add(c.name);
  }
  return names;
}

/** RFC 6470 section 2.2 common-session-parms. */
function sessionParms(s: NetconfSession): XmlElement[] {
  return [elem(NS.notifications, 'username', s.username), elem(NS.notifications, 'session-id', s.id), elem(NS.notifications, 'source-host', s.sourceHost)];
}

function sessionStart(s: NetconfSession): XmlElement {
  return elem(NS.notifications, 'netconf-session-start', sessionParms(s));
}

function sessionEnd(s: NetconfSession, reason: TerminationReason, killedBy?: number): XmlElement {
  const c = sessionParms(s);
  if (killedBy !== undefined) c.push(elem(NS.notifications, 'killed-by', killedBy));
  c.push(elem(NS.notifications, 'termination-reason', reason));
  return elem(NS.notifications, 'netconf-session-end', c);
}
