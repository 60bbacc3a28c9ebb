// `ncbgp lab` as a user meets it: the banner, the generated configuration,
// real sessions with the simulated peers, a config file with its own bgp,
// peers that follow configuration changes, and a clean stop.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { EngineConfig, PeerConfig } from '../../src/bgp/engine';
import { encodeMvpnNlri } from '../../src/bgp/wire/mvpn';
import { labBgpConfig, labPeerAddress } from '../../src/lab/config';
import { simulatedPeers } from '../../src/lab/peers';
import { labRoutes } from '../../src/lab/routes';
import { NetconfClient } from '../../src/netconf/client';
import { child, XmlElement } from '../../src/model/xml';
import { LabProcess, ncbgp, startLab } from '../helpers/lab';
import { peerConfig } from '../helpers/engine';
import { NCBGP, REPO_ROOT } from '../helpers/server';

const BGP_NS = 'urn:ncbgp:yang:ncbgp-bgp';

const server = (peers: PeerConfig[]): EngineConfig => ({
  localAs: 65000,
  routerId: '192.0.2.1',
  listen: { address: '127.0.0.1', port: 0 },
  groups: [],
  peers,
  policies: [],
  originated: [],
  refresh: { quietPeriodMs: 1000, timeoutMs: 10000 },
});

describe('ncbgp lab: the simulated peers (pure)', function () {
  it('gives every route a distinct NLRI, of five route types, distinct between two peers', () => {
    const a = labRoutes('127.0.1.1', 65001, 1000).map((r) => encodeMvpnNlri(r.route).toString('hex'));
    const b = labRoutes('127.0.1.2', 65001, 1000).map((r) => encodeMvpnNlri(r.route).toString('hex'));
    assert.equal(new Set(a).size, 1000);
    assert.equal(new Set([...a, ...b]).size, 2000);
    assert.deepEqual([...new Set(labRoutes('127.0.1.1', 65001, 100).map((r) => r.route.routeType))].sort(), [1, 3, 5, 6, 7]);
  });

  it('addresses peers 127.0.1.1 ... 127.0.1.254, then 127.0.2.1', () => {
    assert.deepEqual([0, 1, 253, 254].map(labPeerAddress), ['127.0.1.1', '127.0.1.2', '127.0.1.254', '127.0.2.1']);
    assert.throws(() => labBgpConfig(0), RangeError);
  });

  const listen = { address: '127.0.0.1', port: 40000 };
  const cases: { name: string; peer: PeerConfig; expect: (p: ReturnType<typeof simulatedPeers>) => void }[] = [
    {
      name: 'a peer the server waits for connects to its listener from its own address, with the capabilities the server expects',
      peer: peerConfig('127.0.1.7', 65001, { passive: true, enhancedRouteRefresh: false }),
      expect: ({ peers }) => {
        const n = peers[0].config.peers[0];
        assert.deepEqual([n.address, n.remotePort, n.localAddress, n.passive, n.remoteAs], ['127.0.0.1', 40000, '127.0.1.7', false, 65000]);
        assert.deepEqual([n.routeRefresh, n.enhancedRouteRefresh], [true, false]);
        assert.equal(peers[0].config.localAs, 65001);
        assert.equal(peers[0].config.listen, undefined);
        assert.equal(peers[0].config.originated.length, 10);
      },
    },
    {
      name: 'a peer the server connects to listens on its address at remote-port and waits for the server',
      peer: peerConfig('127.0.2.2', 65000, { passive: false, remotePort: 21179, localAddress: '127.0.0.9' }),
      expect: ({ peers }) => {
        assert.deepEqual(peers[0].config.listen, { address: '127.0.2.2', port: 21179 });
        const n = peers[0].config.peers[0];
        assert.deepEqual([n.address, n.passive], ['127.0.0.9', true]);
      },
    },
    {
      name: 'a peer without MVPN originates nothing',
      peer: peerConfig('127.0.1.8', 65001, { mvpn: { enabled: false, keepAllRoutes: false } }),
      expect: ({ peers }) => assert.deepEqual([peers[0].routes, peers[0].config.originated.length, peers[0].config.peers[0].mvpn.enabled], [0, 0, false]),
    },
    {
      name: 'a peer off loopback is not simulated, and says why',
      peer: peerConfig('192.0.2.50', 65001),
      expect: (p) => assert.deepEqual([p.peers.length, p.unsimulated], [0, [{ address: '192.0.2.50', reason: 'not a loopback address' }]]),
    },
  ];
  for (const c of cases) it(c.name, () => c.expect(simulatedPeers(server([c.peer]), listen, 10)));

  it('takes over the routes of a peer it already simulates, unless its AS changed', () => {
    const first = simulatedPeers(server([peerConfig('127.0.1.7', 65001)]), listen, 10).peers[0];
    const previous = new Map([[first.address, first]]);
    const again = simulatedPeers(server([peerConfig('127.0.1.7', 65001, { holdTime: 30 })]), listen, 10, previous).peers[0];
    assert.equal(again.config.originated, first.config.originated);
    const moved = simulatedPeers(server([peerConfig('127.0.1.7', 65009)]), listen, 10, previous).peers[0];
    assert.notEqual(moved.config.originated, first.config.originated);
    assert.equal((moved.config.originated[5].route as { sourceAs: number }).sourceAs, 65009);
  });
});

/** The `bgp` data of a <get> or <get-config> reply. */
async function bgpData(c: NetconfClient, op: 'get' | 'get-config'): Promise<XmlElement> {
  const source = op === 'get-config' ? '<source><running/></source>' : '';
  const reply = await c.rpc(`<${op}>${source}<filter type="subtree"><bgp xmlns="${BGP_NS}"/></filter></${op}>`);
  const bgp = child(child(reply, 'data') as XmlElement, 'bgp', BGP_NS);
  assert.ok(bgp, `no bgp in the ${op} reply`);
  return bgp;
}

const entries = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
const leaf = (el: XmlElement | undefined, ...path: string[]): string | undefined => {
  let e = el;
  for (const p of path) e = e && child(e, p);
  return e?.text;
};

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('ncbgp lab --peers 5 --routes 100', function () {
  this.timeout(60000);
  let lab: LabProcess;
  let admin: NetconfClient;
  before(async () => {
    lab = await startLab(['--peers', '5', '--routes', '100']);
    admin = await NetconfClient.connect({ host: '127.0.0.1', port: lab.port, username: 'admin', password: 'admin' });
  });
  after(async () => {
    admin?.destroy();
    await lab?.stop();
  });

  it('prints a banner with the NETCONF port it bound, the peers and a refresh command, then a ready line', () => {
    const out = lab.stdout();
    assert.ok(lab.port > 0 && lab.port !== 8830, out);
    assert.match(out, /127\.0\.1\.1 \.\.\. 127\.0\.1\.5, 100 MVPN routes each/);
    assert.match(out, /group ebgp-a: 2 peers, external, AS 65001/);
    assert.match(out, /group ebgp-b: 2 peers, external, AS 65002/);
    assert.match(out, /group ibgp: 1 peer, internal, AS 65000/);
    assert.match(out, /keep-all-routes: 127\.0\.1\.1\n/);
    assert.match(out, new RegExp(`refresh mvpn all export --port ${lab.port} --user admin`));
    assert.match(out, /^ready: 5\/5 peers established, 500 MVPN routes received/m);
  });

  it('runs a generated configuration: two EBGP groups of different AS, an IBGP group, import and export policies, keep-all-routes', async () => {
    const bgp = await bgpData(admin, 'get-config');
    const groups = entries(bgp, 'peer-group').map((g) => [leaf(g, 'name'), leaf(g, 'type'), leaf(g, 'remote-as'), leaf(g, 'mvpn', 'import-policy'), leaf(g, 'mvpn', 'export-policy')]);
    assert.deepEqual(groups, [
      ['ebgp-a', 'external', '65001', 'lab-import', undefined],
      ['ebgp-b', 'external', '65002', undefined, 'lab-export'],
      ['ibgp', 'internal', '65000', undefined, undefined],
    ]);
    const peers = entries(bgp, 'peer');
    assert.deepEqual(
      peers.map((p) => leaf(p, 'address')),
      ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4', '127.0.1.5'],
    );
    assert.deepEqual(
      peers.filter((p) => leaf(p, 'mvpn', 'keep-all-routes') === 'true').map((p) => leaf(p, 'address')),
      ['127.0.1.1'],
    );
    assert.deepEqual(
      entries(bgp, 'policy').map((p) => leaf(p, 'name')),
      ['lab-import', 'lab-export'],
    );
  });

  it('holds an Established MVPN session with every peer, 100 routes received from each, the import policy at work on ebgp-a', async () => {
    const bgp = await bgpData(admin, 'get');
    const state = entries(bgp, 'peer').map((p) => [leaf(p, 'address'), leaf(p, 'state', 'session-state'), leaf(p, 'state', 'mvpn', 'received'), leaf(p, 'state', 'mvpn', 'accepted')]);
    assert.deepEqual(state, [
      // lab-import rejects the Source Active A-D routes (9 of 100)
      ['127.0.1.1', 'established', '100', '91'],
      ['127.0.1.2', 'established', '100', '100'],
      ['127.0.1.3', 'established', '100', '100'],
      ['127.0.1.4', 'established', '100', '91'],
      ['127.0.1.5', 'established', '100', '100'],
    ]);
  });

  it('simulates a peer added over NETCONF, which then comes up', async () => {
    const reply = await admin.rpc(
      `<edit-config><target><running/></target><config><bgp xmlns="${BGP_NS}"><peer><address>127.0.1.9</address><group>ibgp</group><passive>true</passive></peer></bgp></config></edit-config>`,
    );
    assert.ok(child(reply, 'ok'), JSON.stringify(reply.children.map((c) => c.name)));
    const received = await until('127.0.1.9 established with its routes', async () => {
      const p = entries(await bgpData(admin, 'get'), 'peer').find((e) => leaf(e, 'address') === '127.0.1.9');
      return leaf(p, 'state', 'session-state') === 'established' && leaf(p, 'state', 'mvpn', 'received') === '100' ? true : undefined;
    });
    assert.equal(received, true);
  });

  it('stops on SIGTERM with exit status 0', async () => {
    const code = await lab.stop();
    assert.equal(code, 0);
  });
});

describe('ncbgp lab with a config file that has its own bgp', function () {
  this.timeout(60000);
  it('simulates the loopback peers of that configuration, whichever side connects, and names the others', async () => {
    // the server connects to 127.0.2.2 on this port: the simulated peer listens there
    const remotePort = 20000 + Math.floor(Math.random() * 20000);
    const lab = await startLab(['--routes', '20'], {
      initialContent: {
        'ncbgp-bgp:bgp': {
          'local-as': 64512,
          'router-id': '192.0.2.10',
          listen: { address: '127.0.0.1', port: 0 },
          peer: [
            { address: '127.0.2.1', 'remote-as': 64513, passive: true },
            { address: '127.0.2.2', 'remote-as': 64514, 'remote-port': remotePort, 'local-address': '127.0.0.1', timers: { 'connect-retry': 1 } },
            { address: '192.0.2.50', 'remote-as': 64515, passive: true },
          ],
        },
      },
    });
    try {
      const out = lab.stdout();
      assert.match(out, /BGP {7}AS 64512, router-id 192\.0\.2\.10/);
      assert.match(out, /not simulated: 192\.0\.2\.50 \(not a loopback address\)/);
      assert.match(out, /^ready: 2\/2 peers established, 40 MVPN routes received/m);
    } finally {
      await lab.stop();
    }
  });
});

describe('ncbgp lab: usage', function () {
  this.timeout(30000);
  for (const args of [['--peers', '0'], ['--routes', 'many'], ['--peers', '10001'], ['--frobnicate']]) {
    it(`refuses ${args.join(' ')} with exit status 2`, async () => {
      const r = await ncbgp(['lab', ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /usage: ncbgp lab/);
    });
  }
});

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('ncbgp lab without --config', function () {
  this.timeout(60000);
  it('serves NETCONF on 127.0.0.1:8830 from a fresh state directory that is gone after SIGINT', async () => {
    assert.ok(await portFree(8830), 'port 8830 is taken: this test runs the lab on its default port, stop whatever holds it');
    const proc = spawn(NCBGP, ['lab', '--peers', '1', '--routes', '1'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    try {
      await until('the ready line', async () => (/^ready/m.test(out) ? true : undefined), 30000);
      assert.match(out, /NETCONF {3}127\.0\.0\.1 port 8830/);
      assert.match(out, /admin\/admin \(level 3\), viewer\/viewer \(level 1\)/);
      const stateDir = /^ {2}state {5}(\S+) \(removed at exit\)/m.exec(out)?.[1] ?? '';
      assert.ok(existsSync(stateDir), out);
      const c = await NetconfClient.connect({ host: '127.0.0.1', port: 8830, username: 'admin', password: 'admin' });
      c.destroy();
      proc.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.equal(existsSync(stateDir), false);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
