// <rpc> handling (RFC 6241 section 4): parse, check, validate, dispatch by
// operation (module namespace + name), build the <rpc-reply>.
import { Logger } from '../log';
import { NS } from '../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError, NetconfRpcErrors } from '../model/rpc-error';
import { NetconfSession, RpcOutcome } from './session';
import { elem, parseXml, serialize, XmlElement, XmlLimits, XmlParseError } from '../model/xml';

export interface RpcContext {
  readonly session: NetconfSession;
  readonly messageId: string;
}

/**
 * An operation in effect whose reply waits for `done` (its change reaching
 * the disk); the session goes on with its next request meanwhile.
 */
export class ReplyWhen {
  constructor(readonly done: Promise<XmlElement[]>) {}
}

/** Resolves with the children of <rpc-reply> (none means <ok/>), or with their promise in a ReplyWhen. */
export type OperationHandler = (op: XmlElement, ctx: RpcContext) => Promise<XmlElement[] | ReplyWhen> | XmlElement[];

/** Handlers by module namespace, then operation name. */
export type OperationTable = ReadonlyMap<string, ReadonlyMap<string, OperationHandler>>;

/**
 * Checks an operation's input against its schema before the handler runs;
 * throws NetconfRpcError; false when no loaded module defines the operation.
 */
export type InputValidator = (op: XmlElement) => boolean;

/** Checks that the session may run the operation; throws NetconfRpcError access-denied. */
export type OperationGuard = (op: XmlElement, ctx: RpcContext) => void;

export interface ServerStatistics {
  inRpcs: number;
  inBadRpcs: number;
  outRpcErrors: number;
  outNotifications: number;
}

export class RpcDispatcher {
  constructor(
    private readonly operations: OperationTable,
    private readonly validateInput: InputValidator,
    private readonly guard: OperationGuard,
    private readonly stats: ServerStatistics,
    private readonly xmlLimits: XmlLimits,
    private readonly log: Logger,
  ) {}

  /** The outcome, at once when the operation's handler answers at once. */
  readonly handle = (session: NetconfSession, message: Buffer): RpcOutcome | Promise<RpcOutcome> => {
    let rpc: XmlElement | undefined;
    try {
      rpc = parseRpc(message, this.xmlLimits);
      const messageId = rpc.attrs.find((a) => a.ns === '' && a.name === 'message-id')?.value;
      if (messageId === undefined) {
        throw new NetconfRpcError({ type: ErrorType.rpc, tag: ErrorTag.missingAttribute, info: { badAttribute: 'message-id', badElement: 'rpc' }, message: 'the <rpc> has no message-id attribute' });
      }
      const ops = rpc.children;
      if (ops.length !== 1) {
        throw new NetconfRpcError({ type: ErrorType.rpc, tag: ops.length === 0 ? ErrorTag.missingElement : ErrorTag.badElement, info: { badElement: 'rpc' }, message: 'an <rpc> holds exactly one operation' });
      }
      const op = ops[0];
      session.counters.inRpcs++;
      this.stats.inRpcs++;
      const ctx: RpcContext = { session, messageId };
      this.guard(op, ctx);
      // an operation of a loaded module is validated even before it has a handler
      const inSchema = this.validateInput(op);
      const handler = this.operations.get(op.ns || NS.base)?.get(op.name);
      if (!handler) {
        throw new NetconfRpcError({
          type: ErrorType.protocol,
          tag: ErrorTag.operationNotSupported,
          info: { badElement: op.name },
          message: inSchema ? `operation ${op.name} is not implemented yet` : `operation ${op.name} is not supported`,
        });
      }
      const result = handler(op, ctx);
      if (Array.isArray(result)) return okReply(rpc, result);
      const request = rpc;
      return result.then(
        (r) => this.outcome(request, r, session),
        (e: unknown) => this.errorReply(request, e, session),
      );
    } catch (e) {
      return this.errorReply(rpc, e, session);
    }
  };

  private outcome(rpc: XmlElement, result: XmlElement[] | ReplyWhen, session: NetconfSession): RpcOutcome {
    if (!(result instanceof ReplyWhen)) return okReply(rpc, result);
    return { reply: result.done.then((children) => okReply(rpc, children), (e: unknown) => this.errorReply(rpc, e, session)) };
  }

  private errorReply(rpc: XmlElement | undefined, e: unknown, session: NetconfSession): string {
    const errors = e instanceof NetconfRpcErrors ? e.errors : [toRpcError(e, this.log, session.id)];
    if (errors.some((error) => error.type === ErrorType.rpc || error.tag === ErrorTag.malformedMessage)) {
      session.counters.inBadRpcs++;
      this.stats.inBadRpcs++;
    }
    session.counters.outRpcErrors++;
    this.stats.outRpcErrors++;
    return replyXml(rpc, errors.map((error) => error.toElement()));
  }
}

function parseRpc(message: Buffer, limits: XmlLimits): XmlElement {
  let rpc: XmlElement;
  try {
    rpc = parseXml(message, limits);
  } catch (e) {
    if (e instanceof XmlParseError) throw new NetconfRpcError({ type: ErrorType.rpc, tag: ErrorTag.malformedMessage, message: e.message });
    throw e;
  }
  if (rpc.ns !== NS.base || rpc.name !== 'rpc') {
    throw new NetconfRpcError({ type: ErrorType.rpc, tag: ErrorTag.malformedMessage, message: `expected <rpc> in ${NS.base}, got <${rpc.name}>` });
  }
  return rpc;
}

const okReply = (rpc: XmlElement, children: XmlElement[]): string => replyXml(rpc, children.length > 0 ? children : [elem(NS.base, 'ok')]);

function toRpcError(e: unknown, log: Logger, session: number): NetconfRpcError {
  if (e instanceof NetconfRpcError) return e;
  log.error('operation failed unexpectedly', { session, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  return new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.operationFailed, message: 'internal error' });
}

/** RFC 6241 section 4.2: the reply carries every attribute of the <rpc>. */
function replyXml(rpc: XmlElement | undefined, children: XmlElement[]): string {
  const reply = elem(NS.base, 'rpc-reply', children, rpc?.attrs ?? []);
  if (rpc?.nsDecls) reply.nsDecls = rpc.nsDecls;
  return serialize(reply);
}
