#!/usr/bin/python3
"""Change one peer's MVPN export policy, then soft-reset that peer outbound.

    refresh_one_peer.py [--host H] [--port P] [--user U] [--password PW]
                        [--peer ADDRESS] [--policy NAME]
                        [--reject-route-target target:ASN:nn] [--clear]

With ncclient (Debian: python3-ncclient), against `ncbgp lab` by default
(127.0.0.1:8830, admin/admin):

1. subscribes to the NETCONF notification stream (RFC 5277), before anything
   else, so no notification of the refresh can be missed;
2. merges into candidate a policy NAME that rejects the MVPN routes carrying
   the given Route Target and accepts the rest, and makes it the peer's
   mvpn/export-policy (--clear removes the peer's export-policy instead),
   then commits (RFC 6241 sections 7.2 and 8.3);
3. calls refresh-bgp-mvpn for that peer, direction export (ncbgp-refresh);
4. prints every peer-refresh-complete and refresh-complete notification of
   that operation as one line, `NAME leaf=value ...`.

Exit status: 0 when the peer completed its refresh; 1 when it was skipped,
failed or did not finish in time; 2 for an rpc-error (printed with its
error-tag, error-path and message) or a peer that is not configured.
"""
import argparse
import shlex
import sys
import time

from lxml import etree
from ncclient import manager
from ncclient.operations import RPCError
from ncclient.xml_ import to_ele

NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp'
NS_REFRESH = 'urn:ncbgp:yang:ncbgp-refresh'
NS_NC = 'urn:ietf:params:xml:ns:netconf:base:1.0'
NS_NOTIFICATION = 'urn:ietf:params:xml:ns:netconf:notification:1.0'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--host', default='127.0.0.1', help='NETCONF server (default: the lab, 127.0.0.1)')
    p.add_argument('--port', type=int, default=8830, help='NETCONF over SSH port (default 8830)')
    p.add_argument('--user', default='admin', help='a user of level 2 or more (default admin)')
    p.add_argument('--password', default='admin', help='(default admin)')
    p.add_argument('--peer', default='127.0.1.2', help='peer address (default 127.0.1.2, a lab peer)')
    p.add_argument('--policy', default='example-export', help='name of the export policy to write (default example-export)')
    p.add_argument('--reject-route-target', default='target:65000:2',
                   help='MVPN routes with this Route Target are no longer advertised (default target:65000:2)')
    p.add_argument('--clear', action='store_true', help="remove the peer's export-policy instead (advertise all again)")
    p.add_argument('--timeout', type=float, default=120, help='seconds to wait for the refresh to complete (default 120)')
    return p.parse_args()


def config_xml(args):
    """The edit: the policy and the peer's export-policy, or the export-policy removed."""
    if args.clear:
        return ('<config xmlns:nc="%s"><bgp xmlns="%s"><peer><address>%s</address>'
                '<mvpn><export-policy nc:operation="remove"/></mvpn></peer></bgp></config>'
                % (NS_NC, NS_BGP, args.peer))
    return ('<config><bgp xmlns="%s">'
            '<policy><name>%s</name>'
            '<term><name>reject-route-target</name><match><route-target>%s</route-target></match>'
            '<action>reject</action></term>'
            '<default-action>accept</default-action></policy>'
            '<peer><address>%s</address><mvpn><export-policy>%s</export-policy></mvpn></peer>'
            '</bgp></config>'
            % (NS_BGP, args.policy, args.reject_route_target, args.peer, args.policy))


def peer_configured(m, address):
    reply = m.get_config(source='running', filter=(
        'subtree', '<bgp xmlns="%s"><peer><address>%s</address></peer></bgp>' % (NS_BGP, address)))
    return reply.data_ele.find('.//{%s}peer' % NS_BGP) is not None


def commit_edit(m, config):
    """edit-config + commit on candidate (locked meanwhile), or on running without :candidate."""
    if ':candidate' not in m.server_capabilities:
        m.edit_config(target='running', config=config)
        return
    with m.locked('candidate'):
        m.discard_changes()
        m.edit_config(target='candidate', config=config)
        m.commit()


def print_rpc_error(e):
    for err in (e.errlist or [e]):
        print('rpc-error: %s %s: %s' % (err.tag, err.path or '', (err.message or '').strip()), file=sys.stderr)


def value(el):
    text = (el.text or '').strip()
    return shlex.quote(text) if text == '' or any(c.isspace() for c in text) else text


def line(event):
    """`peer-refresh-complete operation-id=3 peer-address=127.0.1.2 ...`, leaves in document order."""
    leaves = ['%s=%s' % (etree.QName(c).localname, value(c)) for c in event]
    return ' '.join([etree.QName(event).localname] + leaves)


def refresh_events(m, operation_id, deadline):
    """Yields the ncbgp-refresh notification events of one operation until its refresh-complete."""
    while time.monotonic() < deadline:
        n = m.take_notification(block=True, timeout=max(0.1, deadline - time.monotonic()))
        if n is None:
            continue
        for event in n.notification_ele:
            if etree.QName(event).namespace != NS_REFRESH:
                continue
            if event.findtext('{%s}operation-id' % NS_REFRESH) != operation_id:
                continue
            yield event
            if etree.QName(event).localname == 'refresh-complete':
                return


def main():
    args = parse_args()
    with manager.connect(host=args.host, port=args.port, username=args.user, password=args.password,
                         hostkey_verify=False, look_for_keys=False, allow_agent=False, timeout=30) as m:
        try:
            if not peer_configured(m, args.peer):
                print('peer %s is not configured' % args.peer, file=sys.stderr)
                return 2
            m.create_subscription()
            commit_edit(m, config_xml(args))
            if args.clear:
                print('peer %s: export-policy removed' % args.peer)
            else:
                print('peer %s: export-policy %s (rejects %s)' % (args.peer, args.policy, args.reject_route_target))
            reply = m.dispatch(to_ele(
                '<refresh-bgp-mvpn xmlns="%s"><peer-address>%s</peer-address><direction>export</direction>'
                '</refresh-bgp-mvpn>' % (NS_REFRESH, args.peer)))
        except RPCError as e:
            print_rpc_error(e)
            return 2
        out = etree.fromstring(reply.xml.encode())
        operation_id = out.findtext('.//{%s}operation-id' % NS_REFRESH)
        for s in out.iterfind('.//{%s}skipped-peer' % NS_REFRESH):
            print('skipped %s: %s' % (s.findtext('{%s}peer-address' % NS_REFRESH), s.findtext('{%s}reason' % NS_REFRESH)))
        print('refresh-bgp-mvpn operation-id=%s' % operation_id)
        status = None
        deadline = time.monotonic() + args.timeout
        for event in refresh_events(m, operation_id, deadline):
            print(line(event), flush=True)
            if event.findtext('{%s}peer-address' % NS_REFRESH) == args.peer:
                status = event.findtext('{%s}status' % NS_REFRESH)
                if status != 'completed':
                    print('peer %s did not complete: %s %s' % (args.peer, status, event.findtext('{%s}reason' % NS_REFRESH) or ''), file=sys.stderr)
        if status is None:
            print('no result for peer %s within %s s' % (args.peer, args.timeout), file=sys.stderr)
        return 0 if status == 'completed' else 1


if __name__ == '__main__':
    sys.exit(main())
