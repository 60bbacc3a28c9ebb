#!/usr/bin/python3
"""Drives a NETCONF server with ncclient 0.6.13 (Debian python3-ncclient) and
prints what the client saw as one JSON object on stdout.

    ncclient_cases.py CASE --port N --user U (--password P | --key FILE) [...]

Cases: hello, netconf-state, get-config, get-schema, lock, rpc, session-start,
candidate-commit, confirmed-commit, commit-invalid, lock-candidate, nacm-viewer,
xpath-get, get-data, subscribed-notifications.
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
NS_NMDA = 'urn:ietf:params:xml:ns:yang:ietf-netconf-nmda'
NS_DS = 'urn:ietf:params:xml:ns:yang:ietf-datastores'
NS_ORIGIN = 'urn:ietf:params:xml:ns:yang:ietf-origin'
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
        # the prefixes the client can resolve in error-path (RFC 6241 section 4.3)
        path = err.xml.find('{%s}error-path' % NS_BASE)
        d['path_namespaces'] = dict(path.nsmap) if path is not None else {}
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


def peer_config(address, remote_as=None, group=None, description=None):
    """<config> adding one peer, unqualified as ncclient's own examples write it."""
    leaves = ''.join('<%s>%s</%s>' % (k, v, k) for k, v in (
        ('remote-as', remote_as), ('group', group), ('description', description)) if v is not None)
    return ('<config><bgp xmlns="%s"><peer><address>%s</address>%s</peer></bgp></config>'
            % (NS_BGP, address, leaves))


def peers(m, source):
    """The peers of a datastore as address -> {leaf: text} (get-config with a subtree filter)."""
    reply = m.get_config(source=source, filter=('subtree', '<bgp xmlns="%s"><peer/></bgp>' % NS_BGP))
    out = {}
    for p in reply.data_ele.iterfind('.//{%s}peer' % NS_BGP):
        leaves = {etree.QName(c).localname: c.text for c in p if len(c) == 0}
        out[leaves.pop('address', None)] = leaves
    return out


def attempt(call):
    """'ok' when the RPC succeeded, else what the client reported of its rpc-errors."""
    try:
        call()
        return 'ok'
    except RPCError as e:
        return error_dict(e)


def case_candidate_commit(args):
    with connect(args) as m:
        m.discard_changes()
        out = {'running_before': peers(m, 'running')}
        m.edit_config(target='candidate',
                      config=peer_config(args.address, args.remote_as, description=args.description))
        out['candidate'] = peers(m, 'candidate')
        out['running_before_commit'] = peers(m, 'running')
        out['validate'] = attempt(lambda: m.validate(source='candidate'))
        out['commit'] = attempt(m.commit)
        out['running_after'] = peers(m, 'running')
    return out


def case_confirmed_commit(args):
    out = {}
    with connect(args) as m:
        m.discard_changes()
        out['running_before'] = peers(m, 'running')
        m.edit_config(target='candidate', config=peer_config(args.address, args.remote_as))
        out['commit'] = attempt(lambda: m.commit(confirmed=True, timeout='60'))
        out['running_confirmed'] = peers(m, 'running')
        out['cancel'] = attempt(m.cancel_commit)
        out['running_after_cancel'] = peers(m, 'running')
        m.discard_changes()
        out['candidate_after_discard'] = peers(m, 'candidate')

        # RFC 6241 section 8.4.1: with <persist>, the confirmed commit survives
        # its session and another session cancels it with <persist-id>
        m.edit_config(target='candidate', config=peer_config(args.address, args.remote_as))
        out['persist_commit'] = attempt(lambda: m.commit(confirmed=True, timeout='60', persist=args.persist))
    with connect(args) as m:
        out['running_persisted'] = peers(m, 'running')
        out['persist_cancel'] = attempt(lambda: m.cancel_commit(persist_id=args.persist))
        out['running_after_persist_cancel'] = peers(m, 'running')
        m.discard_changes()

        # without <persist>, ending the session cancels the confirmed commit
        with connect(args) as a:
            a.edit_config(target='candidate', config=peer_config(args.address, args.remote_as))
            out['session_commit'] = attempt(lambda: a.commit(confirmed=True, timeout='60'))
            out['running_session_confirmed'] = peers(m, 'running')
        deadline = time.monotonic() + TIMEOUT
        while True:
            out['running_after_session_end'] = peers(m, 'running')
            if args.address not in out['running_after_session_end'] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        m.discard_changes()
    return out


def case_commit_invalid(args):
    with connect(args) as m:
        m.discard_changes()
        out = {'running_before': peers(m, 'running')}
        config = peer_config(args.address, args.remote_as, group=args.group)
        # RFC 7950 section 8.3.3: the candidate may hold it; validate and commit refuse it
        out['edit_candidate'] = attempt(lambda: m.edit_config(target='candidate', config=config))
        out['validate'] = attempt(lambda: m.validate(source='candidate'))
        out['commit'] = attempt(m.commit)
        out['running_after_commit'] = peers(m, 'running')
        m.discard_changes()
        # on running it is checked at the end of the edit-config
        out['edit_running'] = attempt(lambda: m.edit_config(target='running', config=config))
        out['running_after_edit'] = peers(m, 'running')
    return out


def case_lock_candidate(args):
    out = {}
    with connect(args) as a, connect(args, args.user2, args.password2) as b:
        a.discard_changes()
        out['a_session_id'] = a.session_id
        out['a_lock'] = attempt(lambda: a.lock('candidate'))
        out['b_lock'] = attempt(lambda: b.lock('candidate'))
        out['b_edit'] = attempt(lambda: b.edit_config(target='candidate', config=peer_config(args.address)))
        out['a_edit'] = attempt(lambda: a.edit_config(target='candidate', config=peer_config(args.address)))
        out['a_discard'] = attempt(a.discard_changes)
        out['a_unlock'] = attempt(lambda: a.unlock('candidate'))
        out['b_edit_after_unlock'] = attempt(
            lambda: b.edit_config(target='candidate', config=peer_config(args.address)))
        # RFC 6241 section 8.3.5.2: no lock on a candidate with uncommitted changes
        out['a_lock_modified'] = attempt(lambda: a.lock('candidate'))
        b.discard_changes()
        # RFC 6241 section 7.9: a lock dies with its session
        with connect(args) as c:
            out['c_lock'] = attempt(lambda: c.lock('candidate'))
        out['b_lock_after_close'] = attempt(lambda: b.lock('candidate'))
        out['b_unlock'] = attempt(lambda: b.unlock('candidate'))
    return out


def case_nacm_viewer(args):
    out = {}
    with connect(args) as admin, connect(args, args.user2, args.password2) as viewer:
        admin.discard_changes()
        out['admin_running'] = peers(admin, 'running')
        out['viewer_running'] = peers(viewer, 'running')
        config = peer_config(args.address, args.remote_as)
        for target in ('candidate', 'running'):
            out['viewer_edit_' + target] = attempt(
                lambda: viewer.edit_config(target=target, config=config))
        out['admin_candidate_after'] = peers(admin, 'candidate')
        out['admin_running_after'] = peers(admin, 'running')
    return out


def case_xpath_get(args):
    """:xpath (RFC 6241 section 8.9): get and get-config with ncclient's xpath
    filters, prefixes declared by the (namespaces, select) form or module names;
    the second user (level 1) selects nothing of /nacm:nacm."""
    ns_nacm = 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm'
    bgp = {'ncbgp-bgp': NS_BGP}
    select = "/ncbgp-bgp:bgp/ncbgp-bgp:peer[ncbgp-bgp:address='%s']" % args.address
    def q(name):
        return '{%s}%s' % (NS_BGP, name)

    out = {}
    with connect(args) as m, connect(args, args.user2, args.password2) as viewer:
        out['xpath_capability'] = ':xpath' in m.server_capabilities
        reply = m.get(filter=('xpath', (bgp, select)))
        out['get_peers'] = texts(reply.data_ele, './/%s/%s' % (q('peer'), q('address')), None)
        out['get_session_states'] = texts(reply.data_ele, './/%s/%s' % (q('state'), q('session-state')), None)
        reply = m.get_config(source='running', filter=('xpath', (bgp, '/ncbgp-bgp:bgp/ncbgp-bgp:peer/ncbgp-bgp:remote-as')))
        out['config_peers'] = {p.findtext(q('address')): [etree.QName(c).localname for c in p]
                               for p in reply.data_ele.iterfind('.//' + q('peer'))}
        # the plain form declares no prefix: the module's name is one
        reply = m.get(filter=('xpath', select))
        out['plain_form_peers'] = texts(reply.data_ele, './/%s/%s' % (q('peer'), q('address')), None)
        out['unknown_prefix'] = attempt(lambda: m.get(filter=('xpath', '/nosuch:bgp')))
        nacm = ('xpath', ({'nacm': ns_nacm}, '/nacm:nacm/nacm:rule-list/nacm:name'))
        out['admin_rule_lists'] = texts(m.get_config(source='running', filter=nacm).data_ele, './/{%s}name' % ns_nacm, None)
        out['viewer_rule_lists'] = texts(viewer.get_config(source='running', filter=nacm).data_ele, './/{%s}name' % ns_nacm, None)
    return out


def nmda(m, op, datastore, body=''):
    """An RFC 8526 operation sent with m.dispatch() as a raw RPC element; the reply's root element."""
    ele = to_ele('<%s xmlns="%s" xmlns:ds="%s"><datastore>ds:%s</datastore>%s</%s>'
                 % (op, NS_NMDA, NS_DS, datastore, body, op))
    return etree.fromstring(m.dispatch(ele).xml.encode())


def origin_of(el):
    """The or:origin annotation of an element, its prefix resolved as the client reads it."""
    value = el.get('{%s}origin' % NS_ORIGIN) if el is not None else None
    if value is None:
        return None
    prefix, name = value.split(':', 1)
    return {'namespace': el.nsmap.get(prefix), 'name': name}


def case_get_data(args):
    """RFC 8526 (NMDA): edit-data adds a peer to running, get-data reads it
    back from running and from operational with its origin, with-origin on
    running is refused, and edit-data deletes the peer again."""
    peer_filter = ('<subtree-filter><bgp xmlns="%s"><peer><address>%s</address></peer></bgp></subtree-filter>'
                   % (NS_BGP, args.address))
    delete = ('<default-operation>none</default-operation><config><bgp xmlns="%s" xmlns:nc="%s">'
              '<peer nc:operation="delete"><address>%s</address></peer></bgp></config>' % (NS_BGP, NS_BASE, args.address))

    def addresses(root):
        return texts(root, '{%s}data/{%s}bgp/{%s}peer/{%s}address' % (NS_NMDA, NS_BGP, NS_BGP, NS_BGP), None)

    out = {}
    with connect(args) as m:
        out['edit'] = attempt(lambda: nmda(m, 'edit-data', 'running', peer_config(args.address, args.remote_as)))
        out['running_peers'] = addresses(nmda(m, 'get-data', 'running', peer_filter))
        op = nmda(m, 'get-data', 'operational', peer_filter + '<with-origin/>')
        bgp = op.find('{%s}data/{%s}bgp' % (NS_NMDA, NS_BGP))
        peer = bgp.find('{%s}peer' % NS_BGP) if bgp is not None else None
        state = peer.find('{%s}state' % NS_BGP) if peer is not None else None
        out['remote_as'] = peer.findtext('{%s}remote-as' % NS_BGP) if peer is not None else None
        out['session_state'] = state.findtext('{%s}session-state' % NS_BGP) if state is not None else None
        out['origins'] = {'bgp': origin_of(bgp), 'peer': origin_of(peer), 'state': origin_of(state)}
        out['with_origin_running'] = attempt(lambda: nmda(m, 'get-data', 'running', '<with-origin/>'))
        out['delete'] = attempt(lambda: nmda(m, 'edit-data', 'running', delete))
        out['running_after'] = addresses(nmda(m, 'get-data', 'running', peer_filter))
    return out


NS_SN = 'urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications'


def case_subscribed_notifications(args):
    """RFC 8639 dynamic subscriptions over NETCONF (RFC 8640), sent with
    m.dispatch(): two on one session, told apart by their filters (a subtree
    and an XPath one), their events read with take_notification as the
    second user's session starts and ends; delete-subscription and the
    subscription-terminated that follows; deleting it again is an error."""
    establish = lambda inner: to_ele(
        '<establish-subscription xmlns="%s"><stream>NETCONF</stream>%s</establish-subscription>' % (NS_SN, inner))
    reply_id = lambda reply: to_ele(reply.xml).findtext('{%s}id' % NS_SN)
    out = {}
    with connect(args) as m:
        starts = reply_id(m.dispatch(establish(
            '<stream-subtree-filter><netconf-session-start xmlns="%s"/></stream-subtree-filter>' % NS_NOTIF)))
        ends = reply_id(m.dispatch(establish(
            '<stream-xpath-filter xmlns:n="%s">/n:netconf-session-end</stream-xpath-filter>' % NS_NOTIF)))
        out['ids'] = [starts, ends]
        with connect(args, args.user2, args.password2) as b:
            out['second_session_id'] = str(b.session_id)
        seen = []

        def take(until):
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                n = m.take_notification(block=True, timeout=max(0.1, deadline - time.monotonic()))
                if n is None:
                    return
                content = [c for c in n.notification_ele if etree.QName(c).localname != 'eventTime'][0]
                seen.append({'event': etree.QName(content).localname, 'ns': etree.QName(content).namespace,
                             'session_id': content.findtext('{%s}session-id' % NS_NOTIF),
                             'id': content.findtext('{%s}id' % NS_SN), 'reason': content.findtext('{%s}reason' % NS_SN)})
                if until(seen[-1]):
                    return

        take(lambda e: e['event'] == 'netconf-session-end' and e['session_id'] == out['second_session_id'])
        m.dispatch(to_ele('<delete-subscription xmlns="%s"><id>%s</id></delete-subscription>' % (NS_SN, starts)))
        take(lambda e: e['event'] == 'subscription-terminated')
        out['events'] = seen
        try:
            m.dispatch(to_ele('<delete-subscription xmlns="%s"><id>%s</id></delete-subscription>' % (NS_SN, starts)))
            out['delete_again'] = 'ok'
        except RPCError as e:
            out['delete_again'] = error_dict(e)
    return out


NS_YP = 'urn:ietf:params:xml:ns:yang:ietf-yang-push'
NS_DS = 'urn:ietf:params:xml:ns:yang:ietf-datastores'


def case_yang_push(args):
    """RFC 8641 YANG-Push sent with m.dispatch(): a periodic subscription
    to <running> (every 20 centiseconds), two push-updates read with
    take_notification, then delete-subscription."""
    out = {}
    with connect(args) as m:
        reply = m.dispatch(to_ele(
            '<establish-subscription xmlns="%s"><datastore xmlns="%s" xmlns:ds="%s">ds:running</datastore>'
            '<periodic xmlns="%s"><period>20</period></periodic></establish-subscription>' % (NS_SN, NS_YP, NS_DS, NS_YP)))
        sid = to_ele(reply.xml).findtext('{%s}id' % NS_SN)
        out['id'] = sid
        updates = []
        deadline = time.monotonic() + TIMEOUT
        while len(updates) < 2 and time.monotonic() < deadline:
            n = m.take_notification(block=True, timeout=max(0.1, deadline - time.monotonic()))
            if n is None:
                break
            content = [c for c in n.notification_ele if etree.QName(c).localname != 'eventTime'][0]
            if etree.QName(content).localname != 'push-update':
                continue
            contents = content.find('{%s}datastore-contents' % NS_YP)
            updates.append({'ns': etree.QName(content).namespace, 'id': content.findtext('{%s}id' % NS_YP),
                             'top': sorted(etree.QName(c).localname for c in contents)})
        out['updates'] = updates
        m.dispatch(to_ele('<delete-subscription xmlns="%s"><id>%s</id></delete-subscription>' % (NS_SN, sid)))
    return out


CASES = {
    'hello': case_hello,
    'netconf-state': case_netconf_state,
    'get-config': case_get_config,
    'get-schema': case_get_schema,
    'lock': case_lock,
    'rpc': case_rpc,
    'session-start': case_session_start,
    'candidate-commit': case_candidate_commit,
    'confirmed-commit': case_confirmed_commit,
    'commit-invalid': case_commit_invalid,
    'lock-candidate': case_lock_candidate,
    'nacm-viewer': case_nacm_viewer,
    'xpath-get': case_xpath_get,
    'get-data': case_get_data,
    'subscribed-notifications': case_subscribed_notifications,
    'yang-push': case_yang_push,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('case', choices=sorted(CASES))
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--user', required=True)
    p.add_argument('--password')
    p.add_argument('--key', help='private key file instead of a password')
    p.add_argument('--user2', help='user of the second session (lock, lock-candidate, session-start, nacm-viewer)')
    p.add_argument('--password2')
    p.add_argument('--address', help='get-config: peer address to select; edit cases: peer to add')
    p.add_argument('--remote-as', help='edit cases: remote-as of the peer')
    p.add_argument('--group', help='commit-invalid: peer-group the peer names')
    p.add_argument('--description', help='candidate-commit: description of the peer')
    p.add_argument('--persist', help='confirmed-commit: persist token')
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
