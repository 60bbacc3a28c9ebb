#!/usr/bin/python3
"""One ncclient 0.6.13 session (Debian python3-ncclient) that refresh-e2e.test.ts
drives step by step. It subscribes to the NETCONF stream first (RFC 5277),
then reads commands as JSON lines on stdin and answers each with one JSON
line on stdout:

    {"cmd": "rpc", "xml": "<refresh-bgp-mvpn .../>"}  -> {"reply": XML} or {"errors": [...]}
    {"cmd": "edit", "config": "<config>...</config>"} -> {"reply": "ok"} or {"errors": [...]}
        (lock candidate, discard-changes, edit-config, commit, unlock)
    {"cmd": "get", "filter": "<refresh-operations .../>"} -> {"data": XML}
    {"cmd": "notifications", "operation_id": "3", "timeout": 30}
        -> {"notifications": [XML...]}: the ncbgp-refresh notifications of that
           operation (whole <notification> elements) up to its refresh-complete,
           or {"notifications": [...], "timed_out": true}

    refresh_e2e_cases.py --port N --user U --password P
"""
import argparse
import json
import sys
import time

from ncclient import manager
from ncclient.operations import RPCError
from ncclient.xml_ import to_ele, to_xml

NS_REFRESH = 'urn:ncbgp:yang:ncbgp-refresh'
TIMEOUT = 30  # seconds, for connect and for each RPC


def error_list(e):
    out = []
    for err in (e.errlist or [e]):
        d = {k: (v.strip() if isinstance(v, str) else v) for k, v in err.to_dict().items()}
        path = err.xml.find('{urn:ietf:params:xml:ns:netconf:base:1.0}error-path')
        d['path_namespaces'] = dict(path.nsmap) if path is not None else {}
        d['xml'] = to_xml(err.xml)
        out.append(d)
    return out


class Driver:
    def __init__(self, m):
        self.m = m
        # operation-id -> notifications (XML) taken off the stream so far
        self.by_operation = {}
        self.complete = set()

    def take(self, timeout):
        n = self.m.take_notification(block=True, timeout=timeout)
        if n is None:
            return
        root = n.notification_ele
        for event in root:
            if not isinstance(event.tag, str) or not event.tag.startswith('{%s}' % NS_REFRESH):
                continue
            op = event.findtext('{%s}operation-id' % NS_REFRESH)
            self.by_operation.setdefault(op, []).append(n.notification_xml)
            if event.tag == '{%s}refresh-complete' % NS_REFRESH:
                self.complete.add(op)

    def rpc(self, req):
        try:
            return {'reply': self.m.dispatch(to_ele(req['xml'])).xml}
        except RPCError as e:
            return {'errors': error_list(e)}

    def edit(self, req):
        try:
            with self.m.locked('candidate'):
                self.m.discard_changes()
                self.m.edit_config(target='candidate', config=req['config'])
                self.m.commit()
            return {'reply': 'ok'}
        except RPCError as e:
            return {'errors': error_list(e)}

    def get(self, req):
        return {'data': self.m.get(filter=('subtree', req['filter'])).data_xml}

    def notifications(self, req):
        op = str(req['operation_id'])
        deadline = time.monotonic() + float(req.get('timeout', TIMEOUT))
        while op not in self.complete and time.monotonic() < deadline:
            self.take(max(0.1, deadline - time.monotonic()))
        out = {'notifications': self.by_operation.get(op, [])}
        if op not in self.complete:
            out['timed_out'] = True
        return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--user', required=True)
    p.add_argument('--password', required=True)
    args = p.parse_args()
    with manager.connect(host=args.host, port=args.port, username=args.user, password=args.password,
                         hostkey_verify=False, look_for_keys=False, allow_agent=False, timeout=TIMEOUT) as m:
        m.timeout = TIMEOUT
        m.create_subscription()
        driver = Driver(m)
        print(json.dumps({'ready': m.session_id}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            req = json.loads(line)
            print(json.dumps(getattr(driver, req['cmd'])(req)), flush=True)


if __name__ == '__main__':
    main()
