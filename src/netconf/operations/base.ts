// RFC 6241 section 7 base operations: get, get-config, lock, unlock,
// close-session, kill-session.
import { DatastoreName } from '../../datastore/store';
import { NS } from '../namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../rpc-error';
import { NetconfServer } from '../server';
import { applySubtreeFilter } from '../subtree-filter';
import { elem, XmlElement } from '../xml';
import { datastoreParam, requiredParam, subtreeFilter } from './args';

export function registerBaseOperations(server: NetconfServer): void {
  const { datastores } = server;
  const listKeys = (ns: string, path: readonly string[]): readonly string[] | undefined => server.schema.listKeys(ns, path);
  const select = (filter: readonly XmlElement[] | undefined, nodes: readonly XmlElement[]): XmlElement[] =>
    filter ? applySubtreeFilter(filter, nodes, { listKeys }) : [...nodes];

  const datastore = (op: XmlElement, param: 'source' | 'target'): DatastoreName => {
    const name = datastoreParam(op, param);
    if (!datastores.has(name)) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: name }, message: `datastore ${name} is not supported` });
    }
    return name;
  };

  // 7.1 <get-config>
  server.registerOperation(NS.base, 'get-config', (op) => {
    const source = datastore(op, 'source');
    return [elem(NS.base, 'data', select(subtreeFilter(op), datastores.get(source)))];
  });

  // 7.7 <get>: running configuration and state data
  server.registerOperation(NS.base, 'get', (op) => {
    const filter = subtreeFilter(op);
    return [elem(NS.base, 'data', select(filter, [...datastores.get('running'), ...server.state(filter)]))];
  });

  // 7.5 <lock>
  server.registerOperation(NS.base, 'lock', (op, ctx) => {
    const target = datastore(op, 'target');
    const r = datastores.lock(target, ctx.session.id);
    if (!r.ok) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.lockDenied, info: { sessionId: r.heldBy }, message: `the ${target} datastore is locked by session ${r.heldBy}` });
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
