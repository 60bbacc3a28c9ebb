// RFC 6241 operations that change configuration: edit-config (7.2),
// copy-config (7.3), delete-config (7.4), commit and discard-changes (8.3),
// confirmed commit and cancel-commit (8.4), validate (8.6).
import { Actor, Applied, CommittedChange, ConfirmEvent, DatastoreName } from '../../datastore/store';
import { NS } from '../../model/namespaces';
import { ReplyWhen, RpcContext } from '../rpc';
import { ErrorTag, ErrorType, NetconfRpcError, NetconfRpcErrors } from '../../model/rpc-error';
import { NetconfServer } from '../server';
import { elem, XmlElement } from '../../model/xml';
import { choice, datastoreParam, param, requiredParam } from './args';

/** RFC 6241 section 8.4.5: confirm-timeout defaults to 600 seconds. */
const DEFAULT_CONFIRM_TIMEOUT_S = 600;

/** <ok/> once the change is saved (or the errors continue-on-error collected). */
export const whenSaved = (applied: Applied, errors: readonly NetconfRpcError[] = []): ReplyWhen =>
  new ReplyWhen(
    applied.saved.then(() => {
      if (errors.length) throw new NetconfRpcErrors(errors);
      return [];
    }),
  );

export const actorOf = (ctx: RpcContext): Actor => ({ username: ctx.session.username, sessionId: ctx.session.id, sourceHost: ctx.session.sourceHost });

/** A <source>/<target> that is a datastore, or (sources only) inline <config>; <url> is not supported (no :url). */
function source(op: XmlElement, name: 'source' | 'target', server: NetconfServer): DatastoreName | readonly XmlElement[] {
  const p = requiredParam(op, name);
  const config = p.children.length === 1 && p.children[0].name === 'config' ? p.children[0] : undefined;
  if (config && name === 'source') return config.children;
  const ds = datastoreParam(op, name);
  if (!server.datastores.has(ds)) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: ds }, message: `datastore ${ds} is not supported` });
  return ds;
}

function target(op: XmlElement, server: NetconfServer): DatastoreName {
  const t = source(op, 'target', server);
  if (typeof t !== 'string') throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'target' }, message: 'the target is a datastore' });
  return t;
}

export function registerConfigOperations(server: NetconfServer): void {
  const { datastores, access } = server;
  datastores.onChange((c) => server.publish(configChange(c)));
  datastores.onConfirmEvent((event, actor, timeoutS) => server.publish(confirmedCommit(event, actor, timeoutS)));

  // 7.2 <edit-config>
  server.registerOperation(NS.base, 'edit-config', async (op, ctx) => {
    const into = target(op, server);
    if (into === 'startup') throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'startup' }, message: 'edit-config targets running or candidate (copy-config writes startup)' });
    const config = param(op, 'config');
    if (!config) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingElement, info: { badElement: 'config' }, message: '<edit-config> needs <config> (no :url)' });
    const applied = await datastores.edit(
      into,
      config.children,
      {
        defaultOperation: choice(op, 'default-operation', ['merge', 'replace', 'none'], 'merge'),
        testOption: choice(op, 'test-option', ['test-then-set', 'set', 'test-only'], 'test-then-set'),
        errorOption: choice(op, 'error-option', ['stop-on-error', 'continue-on-error', 'rollback-on-error'], 'stop-on-error'),
      },
      actorOf(ctx),
      access.writeGuard(ctx.session),
    );
    return whenSaved(applied, applied.errors);
  });

  // 7.3 <copy-config>
  server.registerOperation(NS.base, 'copy-config', async (op, ctx) => {
    return whenSaved(await datastores.copy(source(op, 'source', server), target(op, server), actorOf(ctx), access.writeGuard(ctx.session)));
  });

  // 7.4 <delete-config>: input validation lets only <startup/> through
  server.registerOperation(NS.base, 'delete-config', async (_op, ctx) => {
    return whenSaved(await datastores.deleteStartup(actorOf(ctx), access.writeGuard(ctx.session)));
  });

  // 8.6.4.1 <validate>
  server.registerOperation(NS.base, 'validate', (op) => {
    datastores.validate(source(op, 'source', server));
    return [];
  });

  // 8.3.4.1 <commit>, 8.4.5.1 confirmed
  server.registerOperation(NS.base, 'commit', async (op, ctx) => {
    const timeout = param(op, 'confirm-timeout');
    const seconds = timeout ? Number(timeout.text.trim()) : DEFAULT_CONFIRM_TIMEOUT_S;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 0xffffffff) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'confirm-timeout' }, message: 'confirm-timeout is a number of seconds from 1' });
    }
    const confirmed = param(op, 'confirmed') !== undefined;
    const persist = param(op, 'persist')?.text.trim();
    if (!confirmed && (timeout || persist !== undefined)) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.badElement, info: { badElement: timeout ? 'confirm-timeout' : 'persist' }, message: 'confirm-timeout and persist go with <confirmed/>' });
    }
    return whenSaved(await datastores.commit({ confirmed, confirmTimeoutS: seconds, persist, persistId: param(op, 'persist-id')?.text.trim() }, actorOf(ctx)));
  });

  // 8.4.4.1 <cancel-commit>
  server.registerOperation(NS.base, 'cancel-commit', async (op, ctx) => {
    return whenSaved(await datastores.cancelCommit(param(op, 'persist-id')?.text.trim(), actorOf(ctx)));
  });

  // 8.3.4.2 <discard-changes>
  server.registerOperation(NS.base, 'discard-changes', async (_op, ctx) => {
    await datastores.discard(actorOf(ctx));
    return [];
  });
}

const N = NS.notifications;

/** RFC 6470 section 2.2 common-session-parms; session-id 0 for the server itself. */
function sessionParms(actor: Actor): XmlElement[] {
  const parms = [elem(N, 'username', actor.username), elem(N, 'session-id', actor.sessionId ?? 0)];
  if (actor.sourceHost) parms.push(elem(N, 'source-host', actor.sourceHost));
  return parms;
}

/** RFC 6470 section 2.3 netconf-config-change: one edit per changed node. */
function configChange(change: CommittedChange): XmlElement {
  const changedBy = elem(N, 'changed-by', change.actor.sessionId === undefined ? [elem(N, 'server')] : sessionParms(change.actor));
  const edits = change.changes.map((c) => {
    const target = elem(N, 'target', c.path);
    target.nsDecls = c.pathNamespaces;
    return elem(N, 'edit', [target, elem(N, 'operation', c.op)]);
  });
  return elem(N, 'netconf-config-change', [changedBy, elem(N, 'datastore', change.datastore), ...edits]);
}

/** RFC 6470 section 2.5 netconf-confirmed-commit. */
function confirmedCommit(event: ConfirmEvent, actor: Actor, timeoutS?: number): XmlElement {
  const content = event === 'timeout' ? [] : sessionParms(actor);
  content.push(elem(N, 'confirm-event', event));
  if (timeoutS !== undefined && (event === 'start' || event === 'extend')) content.push(elem(N, 'timeout', timeoutS));
  return elem(N, 'netconf-confirmed-commit', content);
}
