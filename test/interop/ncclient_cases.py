#!/usr/bin/python3
"""Drives a NETCONF server with ncclient 0.6.13 (Debian python3-ncclient) and
prints what the client saw as one JSON object on stdout.

    ncclient_cases.py CASE --port N --user U (--password P | --key FILE) [...]

Cases: hello, netconf-state, get-config, get-schema, lock, rpc, session-start.
The mocha tests in ncclient.test.ts run this and assert on the JSON.
"""
import argparse
import json
import sys
import time

from lxml import etree
from ncclient import manager
from ncclient.operations import RPCError
from ncclient.transport.session import NetconfBase
from ncclient.xml_ import to_ele, to_xml

NS_BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0'
NS_MON = 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring'
NS_NOTIF = 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications'
NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp'
TIMEOUT = 10  # seconds, for connect and for each RPC


def connect(args, user=None, password=None):
    kw = dict(host=args.host, port=args.port, username=user or args.user,
              hostkey_verify=False, look_for_keys=False, allow_agent=False,
              timeout=TIMEOUT)
    if args.key and user is None:
        kw['key_filename'] = args.key
    else:
        kw['password'] = password if password is not None else args.password
    m = manager.connect(**kw)
    m.timeout = TIMEOUT
    return m


def texts(root, path, ns):
    return [e.text for e in root.iterfind(path, ns)]


def error_dict(e):
    """Every rpc-error of an RPCError (ncclient folds several into one)."""
    out = []
    for err in (e.errlist or [e]):
        d = {k: (v.strip() if isinstance(v, str) else v) for k, v in err.to_dict().items()}
        d['info_session_id'] = None
        if err.info:
            sid = etree.fromstring(err.info.encode()).find('.//{%s}session-id' % NS_BASE)
            d['info_session_id'] = sid.text if sid is not None else None
        d['xml'] = to_xml(err.xml)
        out.append(d)
    return out


def case_hello(args):
    with connect(args) as m:
        return {
            'session_id': m.session_id,
            'server_capabilities': list(m.server_capabilities),
            'client_capabilities': list(m.client_capabilities),
            # the framing ncclient chose (RFC 6242 section 4.1)
            'base': '1.1' if m._session._base == NetconfBase.BASE_11 else '1.0',
        }


def case_netconf_state(args):
    with connect(args) as m:
        reply = m.get(filter=('subtree', '<netconf-state xmlns="%s"/>' % NS_MON))
        root = reply.data_ele
        ns = {'m': NS_MON}
        return {
            'session_id': m.session_id,
            'server_capabilities': list(m.server_capabilities),
            'capabilities': texts(root, './/m:capabilities/m:capability', ns),
            'datastores': texts(root, './/m:datastores/m:datastore/m:name', ns),
            'schemas': [
                {'identifier': s.findtext('m:identifier', namespaces=ns),
                 'version': s.findtext('m:version', namespaces=ns),
                 'format': s.findtext('m:format', namespaces=ns)}
                for s in root.iterfind('.//m:schemas/m:schema', ns)
            ],
            'sessions': [
                {'session_id': s.findtext('m:session-id', namespaces=ns),
                 'username': s.findtext('m:username', namespaces=ns),
                 'source_host': s.findtext('m:source-host', namespaces=ns)}
                for s in root.iterfind('.//m:sessions/m:session', ns)
            ],
            'in_rpcs': texts(root, './/m:statistics/m:in-rpcs', ns),
            'data_xml': reply.data_xml,
        }


def case_get_config(args):
    with connect(args) as m:
        filt = args.filter or (
            '<bgp xmlns="%s"><peer><address>%s</address></peer></bgp>' % (NS_BGP, args.address))
        reply = m.get_config(source='running', filter=('subtree', filt))
        root = reply.data_ele
        return {
            'peers': texts(root, './/{%s}peer/{%s}address' % (NS_BGP, NS_BGP), None),
            'data_xml': reply.data_xml,
        }


def case_get_schema(args):
    with connect(args) as m:
        # ncclient sends format as an unprefixed identity in the monitoring
        # namespace (valid, RFC 7950 section 9.10.3)
        reply = m.get_schema(args.identifier, version=args.version, format=args.format)
        return {'text': reply.data}


def case_lock(args):
    out = {}
    with connect(args) as a, connect(args, args.user2, args.password2) as b:
        out['a_session_id'] = a.session_id
        out['b_session_id'] = b.session_id
        out['a_lock'] = a.lock('running').ok
        try:
            b.lock('running')
            out['b_lock'] = 'ok'
        except RPCError as e:
            out['b_lock'] = error_dict(e)
        out['a_unlock'] = a.unlock('running').ok
        out['b_lock_after_unlock'] = b.lock('running').ok
        out['b_unlock'] = b.unlock('running').ok
    return out


def case_rpc(args):
    with connect(args) as m:
        try:
            reply = m.dispatch(to_ele(args.xml))
            return {'reply_xml': reply.xml}
        except RPCError as e:
            return {'errors': error_dict(e)}


def case_session_start(args):
    with connect(args) as a:
        a.create_subscription()
        out = {'subscriber_session_id': a.session_id}
        with connect(args, args.user2, args.password2) as b:
            out['second_session_id'] = b.session_id
            seen = []
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                n = a.take_notification(block=True, timeout=max(0.1, deadline - time.monotonic()))
                if n is None:
                    break
                root = n.notification_ele
                start = root.find('{%s}netconf-session-start' % NS_NOTIF)
                seen.append(n.notification_xml)
                if start is None:
                    continue
                out['event_time'] = root.findtext('{urn:ietf:params:xml:ns:netconf:notification:1.0}eventTime')
                out['username'] = start.findtext('{%s}username' % NS_NOTIF)
                out['session_id'] = start.findtext('{%s}session-id' % NS_NOTIF)
                out['source_host'] = start.findtext('{%s}source-host' % NS_NOTIF)
                if out['session_id'] == str(b.session_id):
                    break
            out['notifications'] = seen
    return out


CASES = {
    'hello': case_hello,
    'netconf-state': case_netconf_state,
    'get-config': case_get_config,
    'get-schema': case_get_schema,
    'lock': case_lock,
    'rpc': case_rpc,
    'session-start': case_session_start,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('case', choices=sorted(CASES))
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--user', required=True)
    p.add_argument('--password')
    p.add_argument('--key', help='private key file instead of a password')
    p.add_argument('--user2', help='user of the second session (lock, session-start)')
    p.add_argument('--password2')
    p.add_argument('--address', help='get-config: peer address to select')
    p.add_argument('--filter', help='get-config: subtree filter XML')
    p.add_argument('--identifier', help='get-schema: module name')
    p.add_argument('--version', help='get-schema: revision')
    p.add_argument('--format', help='get-schema: format (ncclient sends it unprefixed)')
    p.add_argument('--xml', help='rpc: operation element to send')
    args = p.parse_args()
    if args.password is None and args.key is None:
        p.error('--password or --key is required')
    json.dump(CASES[args.case](args), sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
