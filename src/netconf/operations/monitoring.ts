// RFC 6022 ietf-netconf-monitoring: the /netconf-state tree and <get-schema>.
import { NS } from '../../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../../model/rpc-error';
import { NetconfServer } from '../server';
import { elem, XmlElement } from '../../model/xml';
import { param, requiredParam } from './args';

const M = NS.monitoring;
/** An identityref value of ietf-netconf-monitoring, prefixed and declared. */
function identity(name: string, value: string): XmlElement {
  const e = elem(M, name, `ncm:${value}`);
  e.nsDecls = { ncm: M };
  return e;
}

export function registerMonitoring(server: NetconfServer): void {
  const parts = netconfStateParts(server);
  server.registerStateProvider({
    ns: M,
    name: 'netconf-state',
    // only the children a filter names are built
    build: (children) => elem(M, 'netconf-state', parts.filter(([name]) => !children || children.has(name)).map(([name, build]) => elem(M, name, build()))),
  });

  // RFC 6022 section 3.1 <get-schema>
  server.registerOperation(M, 'get-schema', (op) => {
    const id = requiredParam(op, 'identifier', M).text.trim();
    const version = param(op, 'version', M)?.text.trim();
    const format = param(op, 'format', M)?.text.trim();
    if (format && format !== 'yang' && !format.endsWith(':yang')) {
      throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.invalidValue, info: { badElement: 'format' }, message: `schema format ${format} is not available` });
    }
    const matches = server.schema.modules().filter((m) => m.name === id && (!version || (m.revision ?? '') === version));
    if (matches.length === 0) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.invalidValue, info: { badElement: 'identifier' }, message: `no schema ${id}${version ? '@' + version : ''}` });
    }
    if (matches.length > 1) {
      throw new NetconfRpcError({ type: ErrorType.protocol, tag: ErrorTag.operationFailed, appTag: 'data-not-unique', message: `several versions of ${id}: name one` });
    }
    return [elem(M, 'data', matches[0].source)];
  });
}

/** The children of /netconf-state in schema order, each built on its own. */
function netconfStateParts(server: NetconfServer): readonly (readonly [string, () => XmlElement[]])[] {
  const { stats, sessions } = server;
  const startTime = stats.netconfStartTime.toISOString();
  return [
    ['capabilities', () => server.capabilities.map((c) => elem(M, 'capability', c))],
    [
      'datastores',
      () =>
        server.datastores.names().map((name) => {
          const c: XmlElement[] = [elem(M, 'name', name)];
          const lock = server.datastores.lockInfo(name);
          if (lock) c.push(elem(M, 'locks', [elem(M, 'global-lock', [elem(M, 'locked-by-session', lock.sessionId), elem(M, 'locked-time', lock.lockedTime.toISOString())])]));
          return elem(M, 'datastore', c);
        }),
    ],
    [
      'schemas',
      () =>
        server.schema.modules().map((m) =>
          elem(M, 'schema', [elem(M, 'identifier', m.name), elem(M, 'version', m.revision ?? ''), identity('format', 'yang'), elem(M, 'namespace', m.namespace), elem(M, 'location', 'NETCONF')]),
        ),
    ],
    [
      'sessions',
      () =>
        [...sessions.values()].map((s) =>
          elem(M, 'session', [
            elem(M, 'session-id', s.id),
            identity('transport', 'netconf-ssh'),
            elem(M, 'username', s.username),
            elem(M, 'source-host', s.sourceHost),
            elem(M, 'login-time', s.loginTime.toISOString()),
            elem(M, 'in-rpcs', s.counters.inRpcs),
            elem(M, 'in-bad-rpcs', s.counters.inBadRpcs),
            elem(M, 'out-rpc-errors', s.counters.outRpcErrors),
            elem(M, 'out-notifications', s.counters.outNotifications),
          ]),
        ),
    ],
    [
      'statistics',
      () => {
        // ended sessions' notifications are in stats, live sessions' in their counters
        let outNotifications = stats.outNotifications;
        for (const s of sessions.values()) outNotifications += s.counters.outNotifications;
        return [
          elem(M, 'netconf-start-time', startTime),
          elem(M, 'in-bad-hellos', stats.inBadHellos),
          elem(M, 'in-sessions', stats.inSessions),
          elem(M, 'dropped-sessions', stats.droppedSessions),
          elem(M, 'in-rpcs', stats.inRpcs),
          elem(M, 'in-bad-rpcs', stats.inBadRpcs),
          elem(M, 'out-rpc-errors', stats.outRpcErrors),
          elem(M, 'out-notifications', outNotifications),
        ];
      },
    ],
  ];
}
