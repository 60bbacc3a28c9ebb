// ncbgp-refresh XML: RPC input to engine requests; reply, notifications and
// state from engine results, each checked against the YANG module.
import assert from 'node:assert/strict';
import { RefreshRequest, RunningOperation } from '../../src/bgp/engine';
import { IPV4_MVPN, IPV4_UNICAST } from '../../src/bgp/wire/types';
import { Direction, OperationSummary, PeerResult } from '../../src/bgp/refresh/operation';
import { requireTool } from '../helpers/interop';
import { yanglint, type YanglintRun } from '../helpers/yanglint';
import { caught } from '../helpers/netconf';
import { parseXml, serialize, XmlElement } from '../../src/model/xml';
import { CHANGES_ONLY_MUST_MESSAGE, decodeRefreshInput, peerRefreshComplete, refreshComplete, refreshOperations, refreshReply } from '../../src/services/refresh-xml';
import { NS_BGP as BGP_NS, REFRESH_NS } from '../../src/services/yang-values';
import { DataNodeSchema, NotificationSchema, RpcSchema } from '../../src/yang/schema';
import { SchemaRegistry } from '../../src/yang/registry';
import { validateNotification, validateRpcInput, ValidateOptions } from '../../src/yang/validate';

const R = REFRESH_NS;
const GROUPS = new Set(['core', 'Edge-1']);
const opts: ValidateOptions = { leafrefExists: (target, value) => target === '/ncbgp-bgp:bgp/peer-group/name' && GROUPS.has(value) };

/** As it comes off the wire: serialized, then parsed (prefix declarations and all). */
const wire = (el: XmlElement): XmlElement => parseXml(serialize(el));
const text = (el: XmlElement, name: string): string | undefined => el.children.find((c) => c.name === name)?.text;
const names = (el: XmlElement): string[] => el.children.map((c) => c.name);

/** The data nodes under `nodes` in schema order, choices and cases opened. */
const inSchemaOrder = (nodes: readonly DataNodeSchema[]): DataNodeSchema[] => nodes.flatMap((n) => (n.kind === 'choice' ? n.cases.flatMap((c) => inSchemaOrder(c.children)) : [n]));

/** Every element's children in the order of the YANG (RFC 7950 section 7.5.7, 7.8.5, 7.14.2, 7.16.2), all the way down. */
function assertYangOrder(nodes: readonly DataNodeSchema[], el: XmlElement): void {
  const order = inSchemaOrder(nodes);
  let last = -1;
  for (const c of el.children) {
    const i = order.findIndex((n) => n.name === c.name);
    assert.ok(i >= last, `${c.name} after ${order[last]?.name} in ${el.name}`);
    last = i;
    const n = order[i];
    if (n.kind === 'container' || n.kind === 'list') assertYangOrder(n.children, c);
  }
}

const T0 = new Date('2026-11-25T10:00:00.000Z');
const T1 = new Date('2026-11-25T10:00:01.250Z');
const counts = { advertised: 10000, withdrawn: 2000, accepted: 7, rejected: 3 };
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
      ['export changes-only', `<refresh-bgp-mvpn xmlns="${R}"><all/><direction>export</direction><changes-only/></refresh-bgp-mvpn>`, { family: IPV4_MVPN, selector: { kind: 'all' }, direction: 'export', changesOnly: true }],
      ['import dry-run', `<refresh-bgp-mvpn xmlns="${R}"><peer-address>192.0.2.7</peer-address><direction>import</direction><dry-run/></refresh-bgp-mvpn>`, { family: IPV4_MVPN, selector: { kind: 'address', address: '192.0.2.7' }, direction: 'import', dryRun: true }],
      [
        'refresh-bgp export changes-only dry-run',
        `<refresh-bgp xmlns="${R}"><afi-safi xmlns:bgp="${BGP_NS}">bgp:ipv4-unicast</afi-safi><group>core</group><direction>export</direction><changes-only/><dry-run/></refresh-bgp>`,
        { family: IPV4_UNICAST, selector: { kind: 'group', group: 'core' }, direction: 'export', changesOnly: true, dryRun: true },
      ],
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

    const importChangesOnly = `<refresh-bgp-mvpn xmlns="${R}"><all/><direction>import</direction><changes-only/></refresh-bgp-mvpn>`;

    it("refuses changes-only with import as the YANG must says (RFC 7950 section 15.4): operation-failed, must-violation, the must's error-message", () => {
      const changesOnly = mvpnRpc.input.children.find((c) => c.name === 'changes-only');
      assert.ok(changesOnly && changesOnly.kind === 'leaf');
      assert.deepEqual(
        changesOnly.musts.map((m) => [m.expression, m.errorMessage, m.errorAppTag]),
        [["../direction = 'export'", CHANGES_ONLY_MUST_MESSAGE, undefined]],
      );
      const op = parseXml(importChangesOnly);
      validateRpcInput(mvpnRpc, op, opts);
      const e = caught(() => decodeRefreshInput(op));
      assert.deepEqual(
        [e.type, e.tag, e.appTag, e.path, e.message],
        ['application', 'operation-failed', 'must-violation', '/ncbgp-refresh:refresh-bgp-mvpn/ncbgp-refresh:changes-only', 'changes-only applies to export only'],
      );
    });

    it('yanglint refuses changes-only with import and takes it with export, with dry-run', function () {
      requireTool(this, 'yanglint', 'libyang2-tools');
      const check = (data: string): YanglintRun => yanglint({ type: 'rpc', modules: ['yang/ncbgp-bgp.yang', 'yang/ncbgp-refresh.yang'], file: 'rpc.xml', data });
      const refused = check(importChangesOnly);
      assert.notEqual(refused.status, 0);
      assert.match(refused.output, new RegExp(CHANGES_ONLY_MUST_MESSAGE));
      assert.deepEqual(check(`<refresh-bgp-mvpn xmlns="${R}"><all/><direction>export</direction><changes-only/><dry-run/></refresh-bgp-mvpn>`), { status: 0, output: '' });
      assert.deepEqual(check(`<refresh-bgp-mvpn xmlns="${R}"><all/><direction>import</direction><dry-run/></refresh-bgp-mvpn>`), { status: 0, output: '' });
    });
  });

  describe('reply and notifications', () => {
    it('the reply lists the operation id, the selected peers and the skipped peers with reasons, valid as refresh-output', () => {
      const reply = refreshReply({ operationId: 3, selected: [{ address: '192.0.2.2' }, { address: '192.0.2.3' }], skipped: [{ address: '192.0.2.4', reason: 'peer does not support route-refresh' }] }, 'import');
      const op = wire({ ns: R, name: 'refresh-bgp-mvpn', attrs: [], children: reply, text: '' });
      validateRpcInput({ ...mvpnRpc, input: mvpnRpc.output }, op);
      assertYangOrder(mvpnRpc.output.children, op);
      assert.deepEqual(names(op), ['operation-id', 'selected-peer', 'selected-peer', 'skipped-peer']);
      assert.equal(text(op, 'operation-id'), '3');
      assert.deepEqual(op.children.slice(1, 3).map((p) => text(p, 'peer-address')), ['192.0.2.2', '192.0.2.3']);
      assert.deepEqual([text(op.children[3], 'peer-address'), text(op.children[3], 'reason')], ['192.0.2.4', 'peer does not support route-refresh']);
    });

    const dryRunReplies: [Direction, string[]][] = [
      ['export', ['peer-address=192.0.2.2', 'advertised=10000', 'withdrawn=2000']],
      ['import', ['peer-address=192.0.2.2', 'accepted=7', 'rejected=3']],
    ];
    for (const [direction, entry] of dryRunReplies) {
      it(`a dry-run ${direction} reply gives each selected peer the counts of its direction, valid as refresh-output`, () => {
        const reply = refreshReply(
          { operationId: 4, selected: [{ address: '192.0.2.2', counts }], skipped: [{ address: '192.0.2.3', reason: direction === 'import' ? 'cannot preview an import without keep-all-routes' : 'refresh already running (operation 3)' }] },
          direction,
        );
        const op = wire({ ns: R, name: 'refresh-bgp-mvpn', attrs: [], children: reply, text: '' });
        validateRpcInput({ ...mvpnRpc, input: mvpnRpc.output }, op);
        assertYangOrder(mvpnRpc.output.children, op);
        assert.deepEqual(names(op), ['operation-id', 'selected-peer', 'skipped-peer']);
        assert.deepEqual(
          op.children[1].children.map((c) => `${c.name}=${c.text}`),
          entry,
        );
      });
    }

    const peerCases: [string, PeerResult, string[], Record<string, string>][] = [
      [
        'completed at EoRR',
        result({ status: 'completed', completion: 'eorr', routes: 12 }),
        ['operation-id', 'peer-address', 'afi-safi', 'direction', 'status', 'completion', 'routes', 'start-time', 'end-time'],
        { status: 'completed', completion: 'eorr', routes: '12', 'start-time': '2026-11-25T10:00:00.000Z', 'end-time': '2026-11-25T10:00:01.250Z' },
      ],
      ['skipped with its reason', result({ status: 'skipped', reason: 'session is not established (active)' }), ['operation-id', 'peer-address', 'afi-safi', 'direction', 'status', 'reason', 'routes', 'start-time', 'end-time'], { status: 'skipped', reason: 'session is not established (active)' }],
      ['failed with its reason and the routes so far', result({ status: 'failed', reason: 'session went down: hold timer expired', routes: 4, direction: 'export', family: IPV4_UNICAST }), ['operation-id', 'peer-address', 'afi-safi', 'direction', 'status', 'reason', 'routes', 'start-time', 'end-time'], { status: 'failed', direction: 'export', routes: '4' }],
      [
        'export completed with its counts',
        result({ direction: 'export', completion: 'drained', routes: 12000, counts }),
        ['operation-id', 'peer-address', 'afi-safi', 'direction', 'status', 'completion', 'routes', 'advertised', 'withdrawn', 'start-time', 'end-time'],
        { routes: '12000', advertised: '10000', withdrawn: '2000' },
      ],
      [
        'dry-run import completed: the marker and the counts',
        result({ dryRun: true, routes: 100, counts }),
        ['operation-id', 'peer-address', 'afi-safi', 'direction', 'dry-run', 'status', 'routes', 'accepted', 'rejected', 'start-time', 'end-time'],
        { 'dry-run': '', accepted: '7', rejected: '3' },
      ],
      [
        'dry-run skipped: the marker, no counts',
        result({ dryRun: true, status: 'skipped', reason: 'cannot preview an import without keep-all-routes', counts }),
        ['operation-id', 'peer-address', 'afi-safi', 'direction', 'dry-run', 'status', 'reason', 'routes', 'start-time', 'end-time'],
        { status: 'skipped' },
      ],
    ];
    for (const [name, r, leaves, values] of peerCases) {
      it(`peer-refresh-complete ${name} is valid for the YANG notification`, () => {
        const schema = registry.notification(R, 'peer-refresh-complete');
        assert.ok(schema);
        const n = wire(peerRefreshComplete(r));
        validateNotification(schema, n);
        assertYangOrder(schema.children, n);
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
      const s: OperationSummary = { operationId: 7, family: IPV4_MVPN, direction: 'import', selector: { kind: 'all' }, dryRun: false, startTime: T0, endTime: T1, selected: 2, completed: 1, skipped: 1, failed: 1, peers };
      const n = wire(refreshComplete(s));
      validateNotification(schema, n);
      assertYangOrder(schema.children, n);
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

    it('refresh-complete of a dry run carries the marker after the operation-id', () => {
      const schema = registry.notification(R, 'refresh-complete');
      assert.ok(schema);
      const peers = [result({ status: 'skipped', reason: 'x', dryRun: true }), result({ peerAddress: '192.0.2.3', dryRun: true, counts })];
      const s: OperationSummary = { operationId: 8, family: IPV4_MVPN, direction: 'import', selector: { kind: 'all' }, dryRun: true, startTime: T0, endTime: T1, selected: 1, completed: 1, skipped: 1, failed: 0, peers };
      const n = wire(refreshComplete(s));
      validateNotification(schema, n);
      assertYangOrder(schema.children, n);
      assert.deepEqual(names(n), ['operation-id', 'dry-run', 'selected', 'completed', 'skipped', 'failed']);
      // the operation says it, even with no peer
      assert.deepEqual(names(wire(refreshComplete({ ...s, peers: [] }))), ['operation-id', 'dry-run', 'selected', 'completed', 'skipped', 'failed']);
      assert.deepEqual(names(wire(refreshComplete({ ...s, dryRun: false }))), ['operation-id', 'selected', 'completed', 'skipped', 'failed']);
    });
  });

  describe('refreshOperations (state)', () => {
    /** refresh-operations checked against its schema as a notification's content would be. */
    const validateState = (el: XmlElement): void => {
      const top = registry.topLevel(R, 'refresh-operations');
      const any = registry.notification(R, 'refresh-complete');
      assert.ok(top && any);
      const schema: NotificationSchema = { ...any, name: 'state', children: [top] };
      const state = wire({ ns: R, name: 'state', attrs: [], children: [el], text: '' });
      validateNotification(schema, state);
      assertYangOrder(schema.children, state);
    };

    it('lists ended and running operations oldest first, end-time only once ended, the selector as given', () => {
      const ended: OperationSummary = {
        operationId: 2,
        family: IPV4_UNICAST,
        direction: 'export',
        selector: { kind: 'group', group: 'core' },
        dryRun: false,
        startTime: T0,
        endTime: T1,
        selected: 1,
        completed: 1,
        skipped: 0,
        failed: 0,
        peers: [result({ operationId: 2, family: IPV4_UNICAST, direction: 'export', completion: 'drained', routes: 5 })],
      };
      const running: RunningOperation = { operationId: 1, family: IPV4_MVPN, direction: 'import', selector: { kind: 'address', address: '192.0.2.9' }, dryRun: false, startTime: T0, selected: 1, peers: [], pending: [{ address: '192.0.2.9', routes: 0 }] };
      const allOp: OperationSummary = { ...ended, operationId: 3, family: IPV4_MVPN, selector: { kind: 'all' }, selected: 0, completed: 0, peers: [] };
      const state = refreshOperations([ended, allOp, running]);
      validateState(state);
      const ops = wire(state).children;
      assert.deepEqual(
        ops.map((o) => text(o, 'operation-id')),
        ['1', '2', '3'],
      );
      const [r, e, a] = ops;
      assert.deepEqual(names(r), ['operation-id', 'afi-safi', 'selector', 'direction', 'start-time', 'counts', 'peer']);
      assert.deepEqual(names(e), ['operation-id', 'afi-safi', 'selector', 'direction', 'start-time', 'end-time', 'counts', 'peer']);
      const selectorOf = (o: XmlElement): string[] => (o.children.find((c) => c.name === 'selector') as XmlElement).children.map((c) => `${c.name}=${c.text}`);
      assert.deepEqual([selectorOf(r), selectorOf(e), selectorOf(a)], [['peer-address=192.0.2.9'], ['group=core'], ['all=']]);
      const counts = (o: XmlElement): string[] => (o.children.find((c) => c.name === 'counts') as XmlElement).children.map((c) => `${c.name}=${c.text}`);
      assert.deepEqual(counts(r), ['selected=1', 'completed=0', 'skipped=0', 'failed=0']);
      assert.deepEqual(counts(e), ['selected=1', 'completed=1', 'skipped=0', 'failed=0']);
      const peer = e.children.find((c) => c.name === 'peer') as XmlElement;
      assert.deepEqual([text(peer, 'peer-address'), text(peer, 'completion'), text(peer, 'routes'), text(peer, 'afi-safi')], ['192.0.2.2', 'drained', '5', 'bgp:ipv4-unicast']);
    });

    it('shows a running operation with its ended peers and the others as running, with the routes so far, no end-time', () => {
      const running: RunningOperation = {
        operationId: 5,
        family: IPV4_MVPN,
        direction: 'export',
        selector: { kind: 'all' },
        dryRun: false,
        startTime: T0,
        selected: 3,
        peers: [result({ operationId: 5, peerAddress: '192.0.2.4', status: 'skipped', direction: 'export', reason: 'refresh already running (operation 4)' }), result({ operationId: 5, direction: 'export', completion: 'drained', routes: 12000, counts })],
        pending: [
          { address: '192.0.2.3', routes: 4200 },
          { address: '192.0.2.5', routes: 0 },
        ],
      };
      const state = refreshOperations([running]);
      validateState(state);
      const [op] = wire(state).children;
      assert.deepEqual(names(op), ['operation-id', 'afi-safi', 'selector', 'direction', 'start-time', 'counts', 'peer', 'peer', 'peer', 'peer']);
      const peers = op.children.filter((c) => c.name === 'peer');
      assert.deepEqual(
        peers.map((p) => [text(p, 'peer-address'), text(p, 'status'), text(p, 'routes'), text(p, 'end-time')]),
        [
          ['192.0.2.4', 'skipped', '0', '2026-11-25T10:00:01.250Z'],
          ['192.0.2.2', 'completed', '12000', '2026-11-25T10:00:01.250Z'],
          ['192.0.2.3', 'running', '4200', undefined],
          ['192.0.2.5', 'running', '0', undefined],
        ],
      );
      assert.deepEqual(names(peers[1]), ['peer-address', 'afi-safi', 'direction', 'status', 'completion', 'routes', 'advertised', 'withdrawn', 'start-time', 'end-time']);
      assert.deepEqual(names(peers[2]), ['peer-address', 'afi-safi', 'direction', 'status', 'routes', 'start-time']);
      assert.deepEqual([text(peers[2], 'afi-safi'), text(peers[2], 'direction'), text(peers[2], 'start-time')], ['bgp:ipv4-mvpn', 'export', '2026-11-25T10:00:00.000Z']);
    });

    it('marks a dry run on the operation and on every peer, skipped ones too', () => {
      const ended: OperationSummary = {
        operationId: 6,
        family: IPV4_MVPN,
        direction: 'import',
        selector: { kind: 'internal' },
        dryRun: true,
        startTime: T0,
        endTime: T1,
        selected: 1,
        completed: 1,
        skipped: 1,
        failed: 0,
        peers: [result({ operationId: 6, peerAddress: '192.0.2.4', status: 'skipped', reason: 'cannot preview an import without keep-all-routes' }), result({ operationId: 6, completion: 'local', routes: 100, counts, dryRun: true })],
      };
      const state = refreshOperations([ended]);
      validateState(state);
      const [op] = wire(state).children;
      assert.deepEqual(names(op), ['operation-id', 'afi-safi', 'selector', 'direction', 'dry-run', 'start-time', 'end-time', 'counts', 'peer', 'peer']);
      const peers = op.children.filter((c) => c.name === 'peer');
      assert.deepEqual(names(peers[0]), ['peer-address', 'afi-safi', 'direction', 'dry-run', 'status', 'reason', 'routes', 'start-time', 'end-time']);
      assert.deepEqual(names(peers[1]), ['peer-address', 'afi-safi', 'direction', 'dry-run', 'status', 'completion', 'routes', 'accepted', 'rejected', 'start-time', 'end-time']);
    });

    it('is an empty container before any operation', () => {
      const state = refreshOperations([]);
      validateState(state);
      assert.equal(serialize(state), `<refresh-operations xmlns="${R}"/>`);
    });
  });
});
