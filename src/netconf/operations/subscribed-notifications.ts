// RFC 8639 dynamic subscriptions over NETCONF (RFC 8640): establish-,
// modify-, delete- and kill-subscription on the core of subscriptions.ts,
// and the /streams and /subscriptions state.
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { elem, XmlElement } from '../../model/xml';
import { Filter, notificationPasses, xpathFilter } from '../filter';
import { NetconfServer } from '../server';
import { NetconfSession } from '../session';
import { DynamicSubscriptions, Receiver, StreamFilter, subscriptionError, SubscriptionLimits } from '../subscriptions';
import { param, requiredParam } from './args';

const SN = NS.subscribedNotifications;

/** A yang:date-and-time parameter. */
function time(op: XmlElement, name: string): Date | undefined {
  const p = param(op, name, SN);
  if (!p) return undefined;
  const t = Date.parse(p.text.trim());
  if (Number.isNaN(t)) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: name }, message: `${name} is no date-and-time` });
  return new Date(t);
}

const subscriptionId = (op: XmlElement): number => Number(requiredParam(op, 'id', SN).text.trim());

/** A copy of a request's element that holds on to nothing else of the request. */
function detached(el: XmlElement): XmlElement {
  return { ns: el.ns, name: el.name, attrs: el.attrs, text: el.text, nsDecls: el.nsDecls, children: el.children.map(detached) };
}

/** The prefixes declared on an element and around it, the innermost declaration of each (Namespaces in XML 1.0 section 6.1). */
function inScope(el: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (let e: XmlElement | undefined = el; e; e = e.parent) for (const [p, uri] of Object.entries(e.nsDecls ?? {})) if (!(p in out)) out[p] = uri;
  return out;
}

export function registerSubscribedNotifications(server: NetconfServer, limits: SubscriptionLimits): void {
  const subscriptions = new DynamicSubscriptions([server.stream], limits);
  server.onSessionEnd((s) => subscriptions.sessionEnded(s.id));

  const receiver = (s: NetconfSession): Receiver => ({
    sessionId: s.id,
    name: `NETCONF session ${s.id}`,
    access: (content) => server.access.filterNotification(s, content),
    hasRoom: () => s.notificationRoom,
    send: (xml) => s.sendNotification(xml),
    whenDrained: (fn) => s.whenDrained(fn),
  });

  // stream-xpath-filter: the implemented modules' names are prefixes too, unless the XML declares them otherwise
  const modulePrefixes = Object.fromEntries(server.schema.modules().filter((m) => m.conformance === 'implement').map((m) => [m.name, m.namespace]));
  const moduleScope: XmlElement = { ns: '', name: '', attrs: [], children: [], text: '', nsDecls: modulePrefixes };

  const passes = (filter: Filter): StreamFilter['passes'] => (content) => notificationPasses(server.schema, filter, content);

  /** RFC 8639 stream-filter-elements: a subtree or an XPath filter given in the request (filter-unsupported when it cannot be used). */
  const streamFilter = (op: XmlElement, rpc: 'establish-subscription' | 'modify-subscription'): StreamFilter | undefined => {
    const subtree = param(op, 'stream-subtree-filter', SN);
    if (subtree) {
      const nodes = subtree.children.map(detached);
      return { given: { type: 'stream-subtree-filter', nodes }, passes: passes({ type: 'subtree', nodes }) };
    }
    const xpath = param(op, 'stream-xpath-filter', SN);
    if (xpath) {
      const expression = xpath.text.trim();
      const namespaces = inScope(xpath);
      let filter: Filter;
      try {
        filter = xpathFilter(expression, { ...detached(xpath), nsDecls: namespaces, parent: moduleScope });
      } catch (e) {
        if (e instanceof NetconfRpcError) throw subscriptionError(rpc, 'filter-unsupported', `stream-xpath-filter: ${e.message}`, e.message);
        throw e;
      }
      return { given: { type: 'stream-xpath-filter', expression, namespaces }, passes: passes(filter) };
    }
    if (param(op, 'stream-filter-name', SN)) {
      throw subscriptionError(rpc, 'filter-unsupported', 'filters by reference (stream-filter-name) are not supported: give the filter in the request', 'stream-filter-name is not supported');
    }
    return undefined;
  };

  // RFC 8639 section 2.4.2; RFC 8640 section 4: XML encoding, the only identity of base encoding this server has (encode-xml)
  server.registerOperation(SN, 'establish-subscription', (op, ctx) => {
    const established = subscriptions.establish(receiver(ctx.session), {
      stream: requiredParam(op, 'stream', SN).text.trim(),
      filter: streamFilter(op, 'establish-subscription'),
      stopTime: time(op, 'stop-time'),
      replayStartTime: time(op, 'replay-start-time'),
    });
    const out = [elem(SN, 'id', established.id)];
    if (established.replayStartTimeRevision) out.push(elem(SN, 'replay-start-time-revision', established.replayStartTimeRevision.toISOString()));
    return out;
  });

  // section 2.4.3
  server.registerOperation(SN, 'modify-subscription', (op, ctx) => {
    subscriptions.modify(ctx.session.id, subscriptionId(op), { filter: streamFilter(op, 'modify-subscription'), stopTime: time(op, 'stop-time') });
    return [];
  });

  // section 2.4.4
  server.registerOperation(SN, 'delete-subscription', (op, ctx) => {
    subscriptions.delete(ctx.session.id, subscriptionId(op));
    return [];
  });

  // section 2.4.5: nacm:default-deny-all, so access control has said who may
  server.registerOperation(SN, 'kill-subscription', (op) => {
    subscriptions.kill(subscriptionId(op));
    return [];
  });

  server.registerStateProvider({ ns: SN, name: 'streams', build: () => subscriptions.streamsState() });
  server.registerStateProvider({ ns: SN, name: 'subscriptions', build: () => subscriptions.subscriptionsState() });
}
