// RFC 5277 <create-subscription> and the /netconf/streams state it defines.
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { NetconfServer } from '../server';
import { elem, XmlElement } from '../../model/xml';
import { notificationPasses, readFilter } from '../filter';
import { param } from './args';

const N = NS.notification;

function time(op: XmlElement, name: string): Date | undefined {
  const p = param(op, name, N);
  if (!p) return undefined;
  const t = Date.parse(p.text.trim());
  if (Number.isNaN(t)) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: name }, message: `${name} is no date-and-time` });
  return new Date(t);
}

const badElement = (name: string, message: string): NetconfRpcError => new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.badElement, info: { badElement: name }, message });

export function registerNotifications(server: NetconfServer): void {
  const { stream } = server;

  // RFC 5277 section 2.1.1
  server.registerOperation(N, 'create-subscription', (op, ctx) => {
    const name = param(op, 'stream', N)?.text.trim() ?? 'NETCONF';
    if (name !== stream.name) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'stream' }, message: `no stream ${name}` });
    }
    const filter = readFilter(op, server.schema, N);
    const startTime = time(op, 'startTime');
    const stopTime = time(op, 'stopTime');
    if (stopTime && !startTime) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingElement, info: { badElement: 'startTime' }, message: 'stopTime needs a startTime' });
    }
    if (startTime && startTime.getTime() > Date.now()) throw badElement('startTime', 'startTime is in the future');
    if (startTime && stopTime && stopTime < startTime) throw badElement('stopTime', 'stopTime is earlier than startTime');
    const session = ctx.session;
    if (stream.isSubscribed(session.id)) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.inUse, message: 'this session already has a subscription' });
    }
    // RFC 8640 section 3: not beside RFC 8639 dynamic subscriptions on one session
    if (stream.subscribedBy(session.id) === 'establish-subscription') {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.operationNotSupported, message: 'this session has establish-subscription subscriptions: no create-subscription beside them (RFC 8640 section 3)' });
    }
    // the subscription starts once the reply is out, so replayed events follow it
    setImmediate(() => {
      if (!session.established) return;
      stream.subscribe({ sessionId: session.id, filter: filter && ((content) => notificationPasses(server.schema, filter, content)), startTime, stopTime, deliver: (xml) => session.sendNotification(xml), access: (content) => server.access.filterNotification(session, content) });
    });
    return [];
  });

  // RFC 5277 section 3.1: the available streams
  server.registerStateProvider({
    ns: NS.netmod,
    name: 'netconf',
    build: () =>
      elem(NS.netmod, 'netconf', [
        elem(NS.netmod, 'streams', [
          elem(NS.netmod, 'stream', [
            elem(NS.netmod, 'name', stream.name),
            elem(NS.netmod, 'description', stream.description),
            elem(NS.netmod, 'replaySupport', true),
            elem(NS.netmod, 'replayLogCreationTime', stream.replayLogCreationTime.toISOString()),
          ]),
        ]),
      ]),
  });
}
