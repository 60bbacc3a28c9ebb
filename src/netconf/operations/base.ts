// RFC 6241 section 7 base operations: get, get-config, lock, unlock,
// close-session, kill-session.
import { DatastoreName } from '../../datastore/store';
import { withDefaults, WithDefaultsMode } from '../../yang/defaults';
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { RpcContext } from '../rpc';
import { NetconfServer } from '../server';
import { withState } from '../operational';
import { applyFilter, Filter, narrow, readFilter } from '../filter';
import { elem, XmlElement } from '../../model/xml';
import { choice, datastoreParam, requiredParam } from './args';

/** RFC 6243 section 3: the with-defaults retrieval modes (explicit is our basic mode). */
export const WITH_DEFAULTS: readonly WithDefaultsMode[] = ['report-all', 'report-all-tagged', 'trim', 'explicit'];

export function registerBaseOperations(server: NetconfServer): void {
  const { datastores } = server;
  const datastore = (op: XmlElement, param: 'source' | 'target'): DatastoreName => {
    const name = datastoreParam(op, param);
    if (!datastores.has(name)) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: name }, message: `datastore ${name} is not supported` });
    }
    return name;
  };

  /** RFC 6243 section 4.5: the <with-defaults> parameter, explicit (our basic mode) without it. */
  const defaults = (op: XmlElement, nodes: readonly XmlElement[], configOnly: boolean): readonly XmlElement[] => {
    const mode = choice(op, 'with-defaults', WITH_DEFAULTS, 'explicit', NS.withDefaults);
    return mode === 'explicit' ? nodes : withDefaults(server.schema, nodes, mode, { configOnly });
  };
  // RFC 8341 section 3.4.5: the filter sees only what the session may read
  const read = (op: XmlElement, ctx: RpcContext, nodes: readonly XmlElement[], filter: Filter | undefined, configOnly: boolean): XmlElement[] =>
    applyFilter(server.schema, filter, server.access.filterRead(ctx.session, narrow(filter, defaults(op, nodes, configOnly))));

  // 7.1 <get-config>
  server.registerOperation(NS.base, 'get-config', (op, ctx) => {
    const source = datastore(op, 'source');
    const filter = readFilter(op, server.schema);
    return [elem(NS.base, 'data', read(op, ctx, datastores.get(source), filter, true))];
  });

  // 7.7 <get>: running configuration and state data
  server.registerOperation(NS.base, 'get', (op, ctx) => {
    const filter = readFilter(op, server.schema);
    return [elem(NS.base, 'data', read(op, ctx, withState(server.schema, narrow(filter, datastores.get('running')), server.state(filter)), filter, false))];
  });

  // 7.5 <lock>
  server.registerOperation(NS.base, 'lock', (op, ctx) => {
    const target = datastore(op, 'target');
    const r = datastores.lock(target, ctx.session.id);
    if (!r.ok) {
      // session-id 0: the candidate has changes nobody committed or discarded (8.3.5.1)
      const message = r.heldBy ? `the ${target} datastore is locked by session ${r.heldBy}` : `the ${target} datastore has uncommitted changes`;
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.lockDenied, info: { sessionId: r.heldBy }, message });
    }
    return [];
  });

  // 7.6 <unlock>
  server.registerOperation(NS.base, 'unlock', (op, ctx) => {
    const target = datastore(op, 'target');
    const r = datastores.unlock(target, ctx.session.id);
    if (!r.ok) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.operationFailed, info: r.heldBy ? { sessionId: r.heldBy } : undefined, message: `the ${target} datastore is not locked by this session` });
    }
    return [];
  });

  // 7.8 <close-session>: <ok/> goes out, then the session ends
  server.registerOperation(NS.base, 'close-session', (_op, ctx) => {
    ctx.session.closeAfterReply();
    return [];
  });

  // 7.9 <kill-session>
  server.registerOperation(NS.base, 'kill-session', (op, ctx) => {
    const text = requiredParam(op, 'session-id').text.trim();
    const id = Number(text);
    const victim = server.sessions.get(id);
    if (id === ctx.session.id || !victim) {
      throw new NetconfRpcError({
        type: ErrorType.protocol,
        tag: ErrorTag.invalidValue,
        info: { badElement: 'session-id' },
        message: id === ctx.session.id ? 'a session cannot kill itself (use close-session)' : `no session ${text}`,
      });
    }
    victim.finish('killed', ctx.session.id);
    return [];
  });
}
