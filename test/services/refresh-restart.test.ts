// A restart of the server with peers up (issue 11): the sessions come back,
// the Adj-RIB-Out is sent again, and a refresh running when the server died
// (kill -9) or stopped (SIGTERM) shows in refresh-operations after the start
// as failed, reason "server restarted", its operation id not given again. A
// real server process; its peer a bare BGP session of this process (src/bgp/
// session Peer) that answers no ROUTE-REFRESH, so an import refresh of it
// runs until its quiet period (a minute) or the server's end.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Peer } from '../../src/bgp/session/peer';
import { connectTcp, systemTimers } from '../../src/bgp/session/transport';
import { decodeMvpnNlri } from '../../src/bgp/wire/mvpn';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { child, serialize, XmlElement } from '../../src/model/xml';
import { freePort } from '../helpers/peers/common';
import { until } from '../helpers/engine';
import { connect, startServer, TestServer } from '../helpers/server';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const R = 'urn:ncbgp:yang:ncbgp-refresh';
const SERVER = '127.0.0.1';
const PEER = '127.0.0.71';
const MVPN = { afi: 1, safi: 5 };

const ok = (reply: XmlElement): XmlElement => {
  assert.deepEqual(replyErrors(reply), [], serialize(reply));
  return reply;
};

/** The operations of refresh-operations, each as its leaves and its peers' leaves. */
interface OperationView {
  id: string;
  endTime?: string;
  counts: Record<string, string>;
  peers: Record<string, string>[];
}

async function operations(c: NetconfClient): Promise<OperationView[]> {
  const data = child(ok(await c.rpc(`<get><filter type="subtree"><refresh-operations xmlns="${R}"/></filter></get>`)), 'data');
  const leaves = (el: XmlElement | undefined): Record<string, string> => Object.fromEntries((el?.children ?? []).filter((x) => x.children.length === 0).map((x) => [x.name, x.text]));
  return (child(data as XmlElement, 'refresh-operations', R)?.children ?? []).map((op) => ({
    id: child(op, 'operation-id')?.text ?? '',
    endTime: child(op, 'end-time')?.text,
    counts: leaves(child(op, 'counts')),
    peers: op.children.filter((p) => p.name === 'peer').map((p) => leaves(p)),
  }));
}

async function importRefresh(c: NetconfClient): Promise<string> {
  const reply = ok(await c.rpc(`<refresh-bgp-mvpn xmlns="${R}"><peer-address>${PEER}</peer-address><direction>import</direction></refresh-bgp-mvpn>`));
  return child(reply, 'operation-id', R)?.text ?? '';
}

describe('services: a restart of the server with a refresh running', function () {
  this.timeout(90_000);
  let dir: string;
  let server: TestServer | undefined;
  let c: NetconfClient | undefined;
  let peer: Peer;
  let bgpPort: number;
  /** the RD of every MVPN route the peer was sent, per session */
  const received: string[][] = [];
  let requests = 0;

  async function start(): Promise<NetconfClient> {
    server = await startServer({ dir });
    c = await connect(server);
    return c;
  }
  async function established(): Promise<void> {
    await until('the session', () => peer.state === 'established', 20_000);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ncbgp-restart-'));
    bgpPort = await freePort(SERVER);
    const nc = await start();
    ok(await nc.rpc(`<edit-config><target><candidate/></target><config><bgp xmlns="${BGP}">
      <local-as>65000</local-as><router-id>192.0.2.1</router-id><listen><address>${SERVER}</address><port>${bgpPort}</port></listen>
      <peer><address>${PEER}</address><remote-as>65071</remote-as><passive>true</passive><refresh-timing><quiet-period>60000</quiet-period><timeout>600</timeout></refresh-timing></peer>
      <mvpn-route><name>local</name><route-type>intra-as-i-pmsi-ad</route-type><route-distinguisher>65000:7</route-distinguisher><originating-router>192.0.2.1</originating-router></mvpn-route>
    </bgp></config></edit-config>`));
    ok(await nc.rpc('<commit/>'));
    // route refresh without its enhanced form: an import refresh is done only after a quiet period
    peer = new Peer(
      SERVER,
      { localAs: 65071, bgpId: '192.0.2.71', remoteAs: 65000, holdTime: 90, connectRetryTime: 1, families: [MVPN], routeRefresh: true, enhancedRouteRefresh: false, passive: false },
      { timers: systemTimers, connect: () => connectTcp({ address: SERVER, port: bgpPort, localAddress: PEER }) },
    );
    peer.on('established', () => received.push([]));
    peer.on('update', (u) => {
      for (const a of u.attributes) if (a.type === 'mp-reach') for (const n of a.nlri) {
        const r = decodeMvpnNlri(n);
        if ('rd' in r) received[received.length - 1]?.push(r.rd);
      }
    });
    peer.on('routeRefresh', () => requests++);
    peer.start();
    await established();
    await until('the originated route', () => received[0]?.includes('65000:7'));
  });

  after(async () => {
    peer?.stop();
    c?.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 during an import refresh: after the start the session is back, the route sent again, and the operation failed with reason "server restarted"', async () => {
    const nc = c as NetconfClient;
    const id = await importRefresh(nc);
    await until('the ROUTE-REFRESH', () => requests === 1);
    const running = (await operations(nc)).find((o) => o.id === id);
    assert.equal(running?.endTime, undefined, 'running before the kill');

    const s = server as TestServer;
    s.proc.kill('SIGKILL');
    await s.stop();
    const after = await start();
    await until('the session again', () => received.length === 2 && peer.state === 'established', 20_000);
    await until('the originated route again', () => received[1].includes('65000:7'));

    const op = (await operations(after)).find((o) => o.id === id);
    assert.ok(op, `operation ${id} is listed after the restart`);
    assert.match(op.endTime ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(op.counts, { selected: '1', completed: '0', skipped: '0', failed: '1' });
    assert.deepEqual(
      op.peers.map((p) => [p['peer-address'], p.status, p.reason]),
      [[PEER, 'failed', 'server restarted']],
    );
    assert.ok((server as TestServer).stderrLines().some((l) => /cut short by a restart/.test(l) && l.includes(`"operationId":${id}`)), 'the start logs it');
    // ids go on: the next operation does not take the id of the one cut short
    const next = await importRefresh(after);
    assert.equal(Number(next), Number(id) + 1);
  });

  it('a stop (SIGTERM) during an import refresh: after the start the operation shows as failed too; what had ended before is not kept, and the log is one line', async () => {
    const nc = c as NetconfClient;
    const ops = await operations(nc);
    const runningId = ops[ops.length - 1].id;
    assert.equal(ops[ops.length - 1].endTime, undefined, 'the refresh of the last test still runs');
    await (server as TestServer).stop();
    const after = await start();
    assert.deepEqual(
      (await operations(after)).map((o) => [o.id, o.peers.map((p) => `${p.status}: ${p.reason}`)]),
      [[runningId, ['failed: server restarted']]],
    );
    const log = readFileSync(join((server as TestServer).stateDir, 'refresh-operations.log'), 'utf8');
    assert.equal(log, `{"next":${Number(runningId) + 1}}\n`);
  });
});
