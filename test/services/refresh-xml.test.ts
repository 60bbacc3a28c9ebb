// ncbgp-refresh XML: RPC input to engine requests; reply, notifications and
// state from engine results, each checked against the YANG module.
import assert from 'node:assert/strict';
import { IPV4_MVPN, IPV4_UNICAST, RefreshRequest, RunningOperation } from '../../src/bgp/engine';
import { OperationSummary, PeerResult } from '../../src/bgp/refresh/operation';
import { caught } from '../helpers/netconf';
import { parseXml, serialize, XmlElement } from '../../src/netconf/xml';
import { decodeRefreshInput, peerRefreshComplete, REFRESH_NS, refreshComplete, refreshOperations, refreshReply } from '../../src/services/refresh-xml';
import { NS_BGP as BGP_NS } from '../../src/services/bgp-config';
import { NotificationSchema, RpcSchema, SchemaRegistry } from '../../src/yang/schema';
import { validateNotification, validateRpcInput, ValidateOptions } from '../../src/yang/validate';

const R = REFRESH_NS;
const GROUPS = new Set(['core', 'Edge-1']);
const opts: ValidateOptions = { leafrefExists: (target, value) => target === '/ncbgp-bgp:bgp/peer-group/name' && GROUPS.has(value) };

/** As it comes off the wire: serialized, then parsed (prefix declarations and all). */
const wire = (el: XmlElement): XmlElement => parseXml(serialize(el));
const text = (el: XmlElement, name: string): string | undefined => el.children.find((c) => c.name === name)?.text;
const names = (el: XmlElement): string[] => el.children.map((c) => c.name);

const T0 = new Date('2026-11-25T10:00:00.000Z');
const T1 = new Date('2026-11-25T10:00:01.250Z');
const result = (o: Partial<PeerResult>): PeerResult => ({ operationId: 7, peerAddress: '192.0.2.2', family: IPV4_MVPN, direction: 'import', status: 'completed', routes: 0, startTime: T0, endTime: T1, ...o });

describe('services/refresh-xml', () => {
  let registry: SchemaRegistry;
  let mvpnRpc: RpcSchema;
  let rpc: RpcSchema;
  before(() => {
    registry = SchemaRegistry.load();
    const a = registry.rpc(R, 'refresh-bgp-mvpn');
    const b = registry.rpc(R, 'refresh-bgp');
    assert.ok(a && b);
    [mvpnRpc, rpc] = [a, b];
  });

  describe('decodeRefreshInput', () => {
    const cases: [string, string, RefreshRequest][] = [
      ['all export', `<refresh-bgp-mvpn xmlns="${R}"><all/><direction>export</direction></refresh-bgp-mvpn>`, { family: IPV4_MVPN, selector: { kind: 'all' }, direction: 'export' }],
      ['one peer import', `<refresh-bgp-mvpn xmlns="${R}"><peer-address>192.0.2.7</peer-address><direction>import</direction></refresh-bgp-mvpn>`, { family: IPV4_MVPN, selector: { kind: 'address', address: '192.0.2.7' }, direction: 'import' }],
      ['a group, case kept', `<refresh-bgp-mvpn xmlns="${R}"><direction>import</direction><group>Edge-1</group></refresh-bgp-mvpn>`, { family: IPV4_MVPN, selector: { kind: 'group', group: 'Edge-1' }, direction: 'import' }],
      ['external', `<refresh-bgp-mvpn xmlns="${R}"><external/><direction>export</direction></refresh-bgp-mvpn>`, { family: IPV4_MVPN, selector: { kind: 'external' }, direction: 'export' }],
      ['internal', `<refresh-bgp-mvpn xmlns="${R}"><internal/><direction>import</direction></refresh-bgp-mvpn>`, { family: IPV4_MVPN, selector: { kind: 'internal' }, direction: 'import' }],
      ['refresh-bgp ipv4-unicast, prefix on the leaf', `<refresh-bgp xmlns="${R}"><afi-safi xmlns:bgp="${BGP_NS}">bgp:ipv4-unicast</afi-safi><all/><direction>export</direction></refresh-bgp>`, { family: IPV4_UNICAST, selector: { kind: 'all' }, direction: 'export' }],
      ['refresh-bgp ipv4-mvpn, another prefix on the rpc', `<refresh-bgp xmlns="${R}" xmlns:x="${BGP_NS}"><afi-safi>x:ipv4-mvpn</afi-safi><internal/><direction>import</direction></refresh-bgp>`, { family: IPV4_MVPN, selector: { kind: 'internal' }, direction: 'import' }],
    ];
    for (const [name, xml, want] of cases) {
      it(name, () => {
        const op = parseXml(xml);
        validateRpcInput(op.name === 'refresh-bgp' ? rpc : mvpnRpc, op, opts);
        assert.deepEqual(decodeRefreshInput(op), want);
      });
    }

    const bad: [string, string, string, string][] = [
      ['an identity without a prefix (of ncbgp-refresh, which has none such)', `<refresh-bgp xmlns="${R}"><afi-safi>ipv4-mvpn</afi-safi><all/><direction>export</direction></refresh-bgp>`, 'invalid-value', '/ncbgp-refresh:refresh-bgp/ncbgp-refresh:afi-safi'],
      ['an identity of another module', `<refresh-bgp xmlns="${R}"><afi-safi xmlns:r="${R}">r:ipv4-mvpn</afi-safi><all/><direction>export</direction></refresh-bgp>`, 'invalid-value', '/ncbgp-refresh:refresh-bgp/ncbgp-refresh:afi-safi'],
      ['no selector', `<refresh-bgp-mvpn xmlns="${R}"><direction>export</direction></refresh-bgp-mvpn>`, 'missing-element', '/ncbgp-refresh:refresh-bgp-mvpn'],
      ['no direction', `<refresh-bgp-mvpn xmlns="${R}"><all/></refresh-bgp-mvpn>`, 'missing-element', '/ncbgp-refresh:refresh-bgp-mvpn/ncbgp-refresh:direction'],
    ];
    for (const [name, xml, tag, path] of bad) {
      it(`refuses ${name} as the input validation does`, () => {
        const op = parseXml(xml);
        const schema = op.name === 'refresh-bgp' ? rpc : mvpnRpc;
        const byValidator = caught(() => validateRpcInput(schema, op, opts));
        const byDecoder = caught(() => decodeRefreshInput(op));
        assert.deepEqual([byDecoder.tag, byValidator.tag, byDecoder.path, byDecoder.pathNamespaces], [tag, tag, path, { 'ncbgp-refresh': R }]);
      });
    }
  });

  describe('reply and notifications', () => {
    it('the reply lists the operation id, the selected peers and the skipped peers with reasons, valid as refresh-output', () => {
      const reply = refreshReply({ operationId: 3, selected: [{ address: '192.0.2.2' }, { address: '192.0.2.3' }], skipped: [{ address: '192.0.2.4', reason: 'peer does not support route-refresh' }] });
      const op = wire({ ns: R, name: 'refresh-bgp-mvpn', attrs: [], children: reply, text: '' });
      validateRpcInput({ ...mvpnRpc, input: mvpnRpc.output }, op);
      assert.deepEqual(names(op), ['operation-id', 'selected-peer', 'selected-peer', 'skipped-peer']);
      assert.equal(text(op, 'operation-id'), '3');
      assert.deepEqual(op.children.slice(1, 3).map((p) => text(p, 'peer-address')), ['192.0.2.2', '192.0.2.3']);
      assert.deepEqual([text(op.children[3], 'peer-address'), text(op.children[3], 'reason')], ['192.0.2.4', 'peer does not support route-refresh']);
    });

    const peerCases: [string, PeerResult, string[], Record<string, string>][] = [
      [
        'completed at EoRR',
        result({ status: 'completed', completion: 'eorr', routes: 12 }),
        ['operation-id', 'peer-address', 'afi-safi', 'direction', 'status', 'completion', 'routes', 'start-time', 'end-time'],
        { status: 'completed', completion: 'eorr', routes: '12', 'start-time': '2026-11-25T10:00:00.000Z', 'end-time': '2026-11-25T10:00:01.250Z' },
      ],
      ['skipped with its reason', result({ status: 'skipped', reason: 'session is not established (active)' }), ['operation-id', 'peer-address', 'afi-safi', 'direction', 'status', 'reason', 'routes', 'start-time', 'end-time'], { status: 'skipped', reason: 'session is not established (active)' }],
      ['failed with its reason and the routes so far', result({ status: 'failed', reason: 'session went down: hold timer expired', routes: 4, direction: 'export', family: IPV4_UNICAST }), ['operation-id', 'peer-address', 'afi-safi', 'direction', 'status', 'reason', 'routes', 'start-time', 'end-time'], { status: 'failed', direction: 'export', routes: '4' }],
    ];
    for (const [name, r, leaves, values] of peerCases) {
      it(`peer-refresh-complete ${name} is valid for the YANG notification`, () => {
        const schema = registry.notification(R, 'peer-refresh-complete');
        assert.ok(schema);
        const n = wire(peerRefreshComplete(r));
        validateNotification(schema, n);
        assert.deepEqual(names(n), leaves);
        assert.equal(text(n, 'operation-id'), '7');
        for (const [k, v] of Object.entries(values)) assert.equal(text(n, k), v, k);
        const family = r.family === IPV4_MVPN ? 'ipv4-mvpn' : 'ipv4-unicast';
        assert.match(serialize(peerRefreshComplete(r)), new RegExp(`<afi-safi xmlns:bgp="${BGP_NS}">bgp:${family}</afi-safi>`));
      });
    }

    it('refresh-complete counts every peer the selector matched as selected, the skipped ones too', () => {
      const schema = registry.notification(R, 'refresh-complete');
      assert.ok(schema);
      const peers = [result({ status: 'skipped', reason: 'x' }), result({ peerAddress: '192.0.2.3' }), result({ peerAddress: '192.0.2.4', status: 'failed', reason: 'y' })];
      const s: OperationSummary = { operationId: 7, family: IPV4_MVPN, direction: 'import', selector: { kind: 'all' }, startTime: T0, endTime: T1, selected: 2, completed: 1, skipped: 1, failed: 1, peers };
      const n = wire(refreshComplete(s));
      validateNotification(schema, n);
      assert.deepEqual(
        n.children.map((c) => [c.name, c.text]),
        [
          ['operation-id', '7'],
          ['selected', '3'],
          ['completed', '1'],
          ['skipped', '1'],
          ['failed', '1'],
        ],
      );
    });
  });

  describe('refreshOperations (state)', () => {
    /** refresh-operations checked against its schema as a notification's content would be. */
    const validateState = (el: XmlElement): void => {
      const top = registry.topLevel(R, 'refresh-operations');
      const any = registry.notification(R, 'refresh-complete');
      assert.ok(top && any);
      const schema: NotificationSchema = { ...any, name: 'state', children: [top] };
      validateNotification(schema, wire({ ns: R, name: 'state', attrs: [], children: [el], text: '' }));
    };

    it('lists ended and running operations oldest first, end-time only once ended, the selector as given', () => {
      const ended: OperationSummary = {
        operationId: 2,
        family: IPV4_UNICAST,
        direction: 'export',
        selector: { kind: 'group', group: 'core' },
        startTime: T0,
        endTime: T1,
        selected: 1,
        completed: 1,
        skipped: 0,
        failed: 0,
        peers: [result({ operationId: 2, family: IPV4_UNICAST, direction: 'export', completion: 'drained', routes: 5 })],
      };
      const running: RunningOperation = { operationId: 1, family: IPV4_MVPN, direction: 'import', selector: { kind: 'address', address: '192.0.2.9' }, startTime: T0, selected: 1, peers: [], pending: ['192.0.2.9'] };
      const allOp: OperationSummary = { ...ended, operationId: 3, family: IPV4_MVPN, selector: { kind: 'all' }, selected: 0, completed: 0, peers: [] };
      const state = refreshOperations([ended, allOp, running]);
      validateState(state);
      const ops = wire(state).children;
      assert.deepEqual(
        ops.map((o) => text(o, 'operation-id')),
        ['1', '2', '3'],
      );
      const [r, e, a] = ops;
      assert.deepEqual(names(r), ['operation-id', 'afi-safi', 'selector', 'direction', 'start-time', 'counts']);
      assert.deepEqual(names(e), ['operation-id', 'afi-safi', 'selector', 'direction', 'start-time', 'end-time', 'counts', 'peer']);
      const selectorOf = (o: XmlElement): string[] => (o.children.find((c) => c.name === 'selector') as XmlElement).children.map((c) => `${c.name}=${c.text}`);
      assert.deepEqual([selectorOf(r), selectorOf(e), selectorOf(a)], [['peer-address=192.0.2.9'], ['group=core'], ['all=']]);
      const counts = (o: XmlElement): string[] => (o.children.find((c) => c.name === 'counts') as XmlElement).children.map((c) => `${c.name}=${c.text}`);
      assert.deepEqual(counts(r), ['selected=1', 'completed=0', 'skipped=0', 'failed=0']);
      assert.deepEqual(counts(e), ['selected=1', 'completed=1', 'skipped=0', 'failed=0']);
      const peer = e.children.find((c) => c.name === 'peer') as XmlElement;
      assert.deepEqual([text(peer, 'peer-address'), text(peer, 'completion'), text(peer, 'routes'), text(peer, 'afi-safi')], ['192.0.2.2', 'drained', '5', 'bgp:ipv4-unicast']);
    });

    it('is an empty container before any operation', () => {
      const state = refreshOperations([]);
      validateState(state);
      assert.equal(serialize(state), `<refresh-operations xmlns="${R}"/>`);
    });
  });
});
