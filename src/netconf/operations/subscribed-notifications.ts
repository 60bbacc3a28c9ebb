// RFC 8639 dynamic subscriptions over NETCONF (RFC 8640): establish-,
// modify-, delete- and kill-subscription on the core of subscriptions.ts,
// to event streams and (RFC 8641 YANG-Push) to datastores, with
// resync-subscription; and the /streams and /subscriptions state.
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { elem, inScopeNamespaces, resolvePrefix, XmlElement } from '../../model/xml';
import { applyFilter, Filter, narrow, notificationPasses, xpathFilter } from '../filter';
import { withState } from '../operational';
import { NetconfServer } from '../server';
import { NetconfSession } from '../session';
import { DynamicSubscriptions, MIN_PERIOD, ModifyRequest, Receiver, StreamFilter, subscriptionError, SubscriptionLimits, SubscriptionRpc } from '../subscriptions';
import { CHANGE_TYPES, ChangeType, DatastoreFilter, DatastoreSource, DatastoreTarget, ModifiableTrigger, PushDatastore, SUBSCRIBABLE, UpdateTrigger } from '../yang-push';
import { param, requiredParam } from './args';

const SN = NS.subscribedNotifications;
const YP = NS.yangPush;
const SYSC = NS.systemCapabilities;
const NOTC = NS.notificationCapabilities;

/**
 * RFC 9196 /system-capabilities: periodic and on-change subscriptions to
 * configuration and state, the shortest period, every excluded-change; in
 * <operational>, per node, the state that does not support on-change
 * (empty on-change-supported), most specific first as section 3 asks.
 */
function systemCapabilities(server: NetconfServer): XmlElement {
  const both = 'config-changes state-changes';
  const nodes = server.notOnChange().sort((a, b) => b.path.length - a.path.length);
  const perNode = nodes.map((n) => {
    const selector = elem(SYSC, 'node-selector', n.selector);
    selector.nsDecls = { [n.prefix]: n.ns };
    return elem(SYSC, 'per-node-capabilities', [selector, elem(NOTC, 'subscription-capabilities', [elem(NOTC, 'on-change-supported', '')])]);
  });
  const datastore = elem(SYSC, 'datastore', 'ds:operational');
  datastore.nsDecls = { ds: NS.datastores };
  return elem(SYSC, 'system-capabilities', [
    elem(SYSC, 'datastore-capabilities', [datastore, ...perNode]),
    elem(NOTC, 'subscription-capabilities', [
      elem(NOTC, 'periodic-notifications-supported', both),
      elem(NOTC, 'minimum-update-period', MIN_PERIOD),
      elem(NOTC, 'on-change-supported', both),
      elem(NOTC, 'supported-excluded-change-type', 'all'),
    ]),
  ]);
}

/** A yang:date-and-time parameter. */
function time(op: XmlElement, name: string, ns: string = SN): Date | undefined {
  const p = param(op, name, ns);
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

export function registerSubscribedNotifications(server: NetconfServer, limits: SubscriptionLimits): void {
  const { schema, datastores } = server;
  // selections made in this turn of the event loop (the timers of subscriptions that look at once) and
  // since the last change signalled, by datastore, reader and filter; state that changes unsignalled
  // (counters, for periodic subscriptions) is read again in the next turn
  const selections = new Map<string, readonly XmlElement[]>();
  const source: DatastoreSource = {
    schema,
    // as <get-data> selects (RFC 8526 section 3.1.1), with-defaults explicit: NACM first, then the filter
    select: (datastore, given, reader) => {
      const key = `${datastore}\n${reader.key}\n${given ? JSON.stringify(given.given) : ''}`;
      let selection = selections.get(key);
      if (!selection) {
        const filter = given?.filter;
        const running = narrow(filter, datastores.get('running'));
        const nodes = datastore === 'running' ? running : withState(schema, running, server.state(filter));
        selection = applyFilter(schema, filter, reader.read(narrow(filter, nodes)));
        if (selections.size === 0) setImmediate(() => selections.clear());
        selections.set(key, selection);
      }
      return selection;
    },
    // configuration changes are signalled (Datastores.onChange); state, where its provider says
    onChangeUnsupported: (datastore, filter) => (datastore === 'running' ? undefined : server.onChangeUnsupported(filter)),
  };
  const subscriptions = new DynamicSubscriptions([server.stream], limits, source);
  server.onSessionEnd((s) => subscriptions.sessionEnded(s.id));
  server.onStateChanged((ns, name) => {
    selections.clear();
    subscriptions.changed('operational', ns, name);
  });
  datastores.onChange((c) => {
    selections.clear();
    if (c.datastore !== 'running') return;
    const tops = new Map<string, XmlElement>();
    for (const d of c.changes) {
      const top = d.ancestors[0] ?? d.after ?? d.before;
      if (top) tops.set(`${top.ns} ${top.name}`, top);
    }
    for (const top of tops.values()) subscriptions.changed('running', top.ns, top.name);
  });

  const receiver = (s: NetconfSession): Receiver => ({
    sessionId: s.id,
    name: `NETCONF session ${s.id}`,
    access: (content) => server.access.filterNotification(s, content),
    // access control is the user's: sessions of one user read alike
    reader: { key: s.username, read: (nodes) => server.access.filterRead(s, nodes) },
    hasRoom: () => s.notificationRoom,
    send: (xml) => s.sendNotification(xml),
    whenDrained: (fn) => s.whenDrained(fn),
  });


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
      const namespaces = inScopeNamespaces(xpath);
      let filter: Filter;
      try {
        filter = xpathFilter(expression, { ...detached(xpath), nsDecls: namespaces }, schema);
      } catch (e) {
        if (e instanceof NetconfRpcError) throw subscriptionError(rpc, 'filter-unsupported', `stream-xpath-filter: ${e.message}`, { filterFailureHint: e.message });
        throw e;
      }
      return { given: { type: 'stream-xpath-filter', expression, namespaces }, passes: passes(filter) };
    }
    if (param(op, 'stream-filter-name', SN)) {
      throw subscriptionError(rpc, 'filter-unsupported', 'filters by reference (stream-filter-name) are not supported: give the filter in the request', { filterFailureHint: 'stream-filter-name is not supported' });
    }
    return undefined;
  };

  /** RFC 8641 selection-filter-objects, case within-subscription: a datastore-subtree-filter or datastore-xpath-filter. */
  const datastoreFilter = (op: XmlElement, rpc: 'establish-subscription' | 'modify-subscription'): DatastoreFilter | undefined => {
    const subtree = param(op, 'datastore-subtree-filter', YP);
    if (subtree) {
      const nodes = subtree.children.map(detached);
      return { given: { type: 'datastore-subtree-filter', nodes }, filter: { type: 'subtree', nodes } };
    }
    const xpath = param(op, 'datastore-xpath-filter', YP);
    if (xpath) {
      const expression = xpath.text.trim();
      const namespaces = inScopeNamespaces(xpath);
      try {
        return { given: { type: 'datastore-xpath-filter', expression, namespaces }, filter: xpathFilter(expression, { ...detached(xpath), nsDecls: namespaces }, schema) };
      } catch (e) {
        if (e instanceof NetconfRpcError) throw subscriptionError(rpc, 'filter-unsupported', `datastore-xpath-filter: ${e.message}`, { target: 'datastore', filterFailureHint: e.message });
        throw e;
      }
    }
    if (param(op, 'selection-filter-ref', YP)) {
      throw subscriptionError(rpc, 'filter-unsupported', 'filters by reference (selection-filter-ref) are not supported: give the filter in the request', { target: 'datastore', filterFailureHint: 'selection-filter-ref is not supported' });
    }
    return undefined;
  };

  /** RFC 8641 datastore leaf: an identity of ietf-datastores that names running or operational, else datastore-not-subscribable. */
  const datastore = (el: XmlElement, rpc: SubscriptionRpc): PushDatastore => {
    const value = el.text.trim();
    const colon = value.indexOf(':');
    const name = value.slice(colon + 1);
    const subscribable = SUBSCRIBABLE.find((d) => d === name);
    if (colon < 0 || resolvePrefix(el, value.slice(0, colon)) !== NS.datastores || !subscribable) {
      throw subscriptionError(rpc, 'datastore-not-subscribable', `${value} cannot be subscribed to: ds:running and ds:operational can`, { target: 'datastore' });
    }
    return subscribable;
  };

  /** RFC 8641 update-policy-modifiable: periodic (period, anchor-time) or on-change (dampening-period). */
  const modifiableTrigger = (op: XmlElement): ModifiableTrigger | undefined => {
    const periodic = param(op, 'periodic', YP);
    if (periodic) return { type: 'periodic', period: Number(requiredParam(periodic, 'period', YP).text.trim()), anchorTime: time(periodic, 'anchor-time', YP) };
    const onChange = param(op, 'on-change', YP);
    return onChange && { type: 'on-change', dampeningPeriod: Number(param(onChange, 'dampening-period', YP)?.text.trim() ?? '0') };
  };

  /** RFC 8641 update-policy: on-change adds sync-on-start (default true) and excluded-change. */
  const datastoreTarget = (op: XmlElement, ds: XmlElement): DatastoreTarget => {
    const t = modifiableTrigger(op);
    if (!t) throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.missingElement, info: { badElement: 'update-trigger' }, message: 'a datastore subscription is periodic or on-change (RFC 8641 update-trigger)' });
    const fixed = (onChange: XmlElement): { syncOnStart: boolean; excludedChange: ChangeType[] } => ({
      syncOnStart: param(onChange, 'sync-on-start', YP)?.text.trim() !== 'false',
      excludedChange: onChange.children.filter((c) => c.name === 'excluded-change' && c.ns === YP).flatMap((c) => CHANGE_TYPES.filter((x) => x === c.text.trim())),
    });
    const trigger: UpdateTrigger = t.type === 'periodic' ? t : { ...t, ...fixed(requiredParam(op, 'on-change', YP)) };
    return { type: 'datastore', datastore: datastore(ds, 'establish-subscription'), filter: datastoreFilter(op, 'establish-subscription'), trigger };
  };

  // RFC 8639 section 2.4.2; RFC 8640 section 4: XML encoding, the only identity of base encoding this server has (encode-xml)
  server.registerOperation(SN, 'establish-subscription', (op, ctx) => {
    const ds = param(op, 'datastore', YP);
    const established = subscriptions.establish(receiver(ctx.session), {
      target: ds
        ? datastoreTarget(op, ds)
        : { type: 'stream', stream: requiredParam(op, 'stream', SN).text.trim(), filter: streamFilter(op, 'establish-subscription'), replayStartTime: time(op, 'replay-start-time') },
      stopTime: time(op, 'stop-time'),
    });
    const out = [elem(SN, 'id', established.id)];
    if (established.replayStartTimeRevision) out.push(elem(SN, 'replay-start-time-revision', established.replayStartTimeRevision.toISOString()));
    return out;
  });

  // section 2.4.3
  server.registerOperation(SN, 'modify-subscription', (op, ctx) => {
    const ds = param(op, 'datastore', YP);
    if (ds) datastore(ds, 'modify-subscription');
    const target: ModifyRequest['target'] = op.children.some((c) => c.ns === YP)
      ? { type: 'datastore', filter: datastoreFilter(op, 'modify-subscription'), trigger: modifiableTrigger(op) }
      : { type: 'stream', filter: streamFilter(op, 'modify-subscription') };
    subscriptions.modify(ctx.session.id, subscriptionId(op), { target, stopTime: time(op, 'stop-time') });
    return [];
  });

  // RFC 8641 section 4.4.5
  server.registerOperation(YP, 'resync-subscription', (op, ctx) => {
    subscriptions.resync(ctx.session.id, Number(requiredParam(op, 'id', YP).text.trim()));
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

  // RFC 9196: what subscriptions this server takes, and the nodes without on-change (fixed while it runs)
  server.registerStateProvider({ ns: SYSC, name: 'system-capabilities', build: () => systemCapabilities(server), onChange: [] });
  server.registerStateProvider({ ns: SN, name: 'streams', build: () => subscriptions.streamsState() });
  server.registerStateProvider({ ns: SN, name: 'subscriptions', build: () => subscriptions.subscriptionsState() });
}
