// The refresh RPCs as they go over the wire, checked by libyang's yanglint
// against ncbgp-refresh: the replies of refresh-bgp-mvpn and refresh-bgp,
// peer-refresh-complete (completed and skipped) and refresh-complete in their
// notification envelope, and the refresh-operations state of <get>.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BgpEngine } from '../../src/bgp/engine';
import { createLogger } from '../../src/log';
import { NetconfClient } from '../../src/netconf/client';
import { child, parseXml, serialize, XmlElement } from '../../src/model/xml';
import { peerConfig } from '../helpers/engine';
import { requireTool } from '../helpers/interop';
import { event, subscribe } from '../helpers/netconf';
import { connect, startServer, TestServer } from '../helpers/server';
import { complaints, yanglint as runYanglint } from '../helpers/yanglint';

const R = 'urn:ncbgp:yang:ncbgp-refresh';
const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const MODULES = ['yang/ncbgp-bgp.yang', 'yang/ncbgp-refresh.yang', 'yang/ietf/nc-notifications@2008-07-14.yang'];

describe('yanglint on the refresh RPCs, notifications and state as sent', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;
  let caller: NetconfClient;
  let watcher: NetconfClient;
  const got: XmlElement[] = [];
  const peer = new BgpEngine(createLogger({}, () => undefined));

  before(async function () {
    requireTool(this, 'yanglint', 'libyang2-tools');
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-yanglint-refresh-'));
    await peer.apply({
      localAs: 65001,
      routerId: '198.51.100.2',
      listen: { address: '127.0.0.2', port: 0 },
      groups: [],
      peers: [peerConfig('127.0.0.1', 65000)],
      policies: [],
      originated: [{ route: { routeType: 1, rd: '65001:1', originatingRouter: '198.51.100.2' }, routeTargets: ['target:65001:1'] }],
      refresh: { quietPeriodMs: 300, timeoutMs: 10000 },
    });
    server = await startServer({
      config: {
        'initial-content': {
          'ncbgp-bgp:bgp': {
            'local-as': 65000,
            'router-id': '192.0.2.1',
            listen: { address: '127.0.0.1', port: 0 },
            'peer-group': [{ name: 'core', type: 'internal' }],
            peer: [
              { address: '127.0.0.2', 'remote-as': 65001, 'remote-port': peer.listenAddress?.port, 'local-address': '127.0.0.1', passive: false },
              // never up: skipped
              { address: '127.0.0.3', group: 'core', passive: true },
            ],
          },
        },
      },
    });
    caller = await connect(server);
    watcher = await connect(server);
    watcher.on('notification', (n) => got.push(n));
    await subscribe(watcher);
    await until('the session with 127.0.0.2', () => peer.peers()[0]?.state === 'established');
  });
  after(async () => {
    caller?.destroy();
    watcher?.destroy();
    await server?.stop();
    await peer.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** yanglint's complaints about `xml` read as `type`; '' when it is valid. */
  const yanglint = (type: string, xml: string, flags: Record<string, string> = {}): string =>
    complaints(runYanglint({ type, modules: MODULES, file: `${type}.xml`, data: xml, flags, dir }));

  async function until(what: string, pred: () => boolean, ms = 20000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const operationEvents = (id: string): XmlElement[] => got.filter((n) => event(n).ns === R && child(event(n), 'operation-id')?.text === id);

  const calls: [string, string][] = [
    ['refresh-bgp-mvpn', `<refresh-bgp-mvpn xmlns="${R}"><all/><direction>import</direction></refresh-bgp-mvpn>`],
    ['refresh-bgp', `<refresh-bgp xmlns="${R}"><afi-safi xmlns:bgp="${BGP}">bgp:ipv4-mvpn</afi-safi><all/><direction>export</direction></refresh-bgp>`],
  ];
  for (const [name, op] of calls) {
    it(`the ${name} reply and its notifications are valid`, async () => {
      const reply = await caller.rpcText(op);
      const messageId = /message-id="([^"]+)"/.exec(reply)?.[1];
      assert.ok(messageId, reply);
      const request = `<rpc xmlns="${BASE}" message-id="${messageId}">${op}</rpc>`;
      assert.equal(yanglint('nc-reply', reply, { '-R': request }), '', reply);

      const parsed = parseXml(reply);
      assert.equal(child(parsed, 'skipped-peer', R) !== undefined && child(parsed, 'selected-peer', R) !== undefined, true, reply);
      const id = child(parsed, 'operation-id', R)?.text ?? '';
      await until(`refresh-complete of operation ${id}`, () => operationEvents(id).some((n) => event(n).name === 'refresh-complete'));
      const events = operationEvents(id);
      // one completed, one skipped, then the end
      assert.deepEqual(
        events.map((n) => `${event(n).name} ${child(event(n), 'status')?.text ?? ''}`.trim()).sort(),
        ['peer-refresh-complete completed', 'peer-refresh-complete skipped', 'refresh-complete'],
      );
      for (const n of events) assert.equal(yanglint('nc-notif', serialize(n)), '', serialize(n));
    });
  }

  it('the refresh-operations state is valid', async () => {
    const reply = await caller.rpc(`<get><filter type="subtree"><refresh-operations xmlns="${R}"/></filter></get>`);
    const ops = child(child(reply, 'data', BASE) as XmlElement, 'refresh-operations', R);
    assert.ok(ops && ops.children.length >= 2, serialize(reply));
    assert.equal(yanglint('get', serialize(ops)), '', serialize(ops));
  });
});
