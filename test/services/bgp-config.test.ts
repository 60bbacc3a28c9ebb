// The running `bgp` tree as the engine's configuration: YANG defaults,
// peer-group inheritance, policies, originated routes, the configurations
// the engine cannot run (rpc-error with error-path), and the incremental
// mapping of a commit that touches only peers; refresh timing, global, per
// group and per peer.
import assert from 'node:assert/strict';
import type { EngineConfig, PeerConfig } from '../../src/bgp/engine';
import { diffConfig } from '../../src/datastore/diff';
import { NetconfRpcError } from '../../src/model/rpc-error';
import { parseXml, XmlElement } from '../../src/model/xml';
import { BgpConfigMapper, GROUP_LEAF_DEFAULTS } from '../../src/services/bgp-config';
import { NS_BGP } from '../../src/services/yang-values';
import { dataChild, type DataNodeSchema } from '../../src/yang/schema';
import { SchemaRegistry } from '../../src/yang/registry';

const schema = SchemaRegistry.load();
const bgp = (inner: string): XmlElement => parseXml(`<bgp xmlns="${NS_BGP}"><local-as>65000</local-as><router-id>192.0.2.1</router-id>${inner}</bgp>`);
/** /bgp/refresh-timing's YANG defaults: 1000 ms, 120 s */
const REFRESH_DEFAULTS = { quietPeriodMs: 1000, borrWaitMs: 5000, timeoutMs: 120_000 };
const peerOf = (c: EngineConfig, address: string): PeerConfig => {
  const p = c.peers.find((x) => x.address === address);
  assert.ok(p, `peer ${address} mapped`);
  return p;
};

/** The peer the YANG defaults make of <address/> and <remote-as/> alone. */
const DEFAULT_PEER: PeerConfig = {
  address: '10.0.0.1',
  remoteAs: 65001,
  remotePort: 179,
  localAddress: undefined,
  group: undefined,
  passive: false,
  description: undefined,
  holdTime: 90,
  connectRetryTime: 120,
  routeRefresh: true,
  enhancedRouteRefresh: true,
  mvpn: { enabled: true, keepAllRoutes: false, importPolicy: undefined, exportPolicy: undefined },
  unicast: { enabled: false, keepAllRoutes: false, importPolicy: undefined, exportPolicy: undefined },
  refresh: REFRESH_DEFAULTS,
};

describe('services: bgp configuration -> engine configuration', () => {
  describe('YANG defaults', () => {
    it('a bare configuration gets the module defaults: listen 127.0.0.1:1179, remote-port 179, timers 90/120, both route refresh capabilities, MVPN on, unicast off, refresh quiet period 1000 ms and timeout 120 s', () => {
      const c = new BgpConfigMapper(schema).map(bgp('<peer><address>10.0.0.1</address><remote-as>65001</remote-as></peer>'));
      assert.deepEqual(c, { localAs: 65000, routerId: '192.0.2.1', listen: { address: '127.0.0.1', port: 1179 }, groups: [], peers: [DEFAULT_PEER], policies: [], originated: [], refresh: REFRESH_DEFAULTS });
    });

    it('no bgp container: no peers, no listener, the default refresh timing', () => {
      const c = new BgpConfigMapper(schema).map(undefined);
      assert.deepEqual([c.peers, c.listen, c.groups, c.refresh], [[], undefined, [], REFRESH_DEFAULTS]);
    });

    it('refresh-timing: YANG defaults globally (1000 milliseconds, 120 seconds), none in a group or a peer (they inherit)', () => {
      const top = schema.topLevel(NS_BGP, 'bgp');
      assert.ok(top && top.kind === 'container');
      const leaves = (node: DataNodeSchema | undefined): Record<string, [string | undefined, string | undefined]> => {
        assert.ok(node && (node.kind === 'container' || node.kind === 'list'));
        const timing = dataChild(node, 'refresh-timing', NS_BGP);
        assert.ok(timing && timing.kind === 'container');
        const leaf = (name: string): [string | undefined, string | undefined] => {
          const l = dataChild(timing, name, NS_BGP);
          assert.ok(l && l.kind === 'leaf', name);
          return [l.default, l.units];
        };
        return { 'quiet-period': leaf('quiet-period'), timeout: leaf('timeout') };
      };
      assert.deepEqual(leaves(top), { 'quiet-period': ['1000', 'milliseconds'], timeout: ['120', 'seconds'] });
      for (const list of ['peer-group', 'peer']) assert.deepEqual(leaves(dataChild(top, list, NS_BGP)), { 'quiet-period': [undefined, 'milliseconds'], timeout: [undefined, 'seconds'] }, list);
    });

    it('the defaults of group-settable leaves are the ones their YANG descriptions state, and those leaves carry no YANG default', () => {
      const top = schema.topLevel(NS_BGP, 'bgp');
      assert.ok(top && top.kind === 'container');
      const peer = dataChild(top, 'peer', NS_BGP);
      assert.ok(peer && peer.kind === 'list');
      for (const [family, leaves] of Object.entries(GROUP_LEAF_DEFAULTS)) {
        const container = dataChild(peer, family, NS_BGP);
        assert.ok(container && container.kind === 'container', family);
        for (const [name, value] of Object.entries(leaves)) {
          const leaf = dataChild(container, name, NS_BGP);
          assert.ok(leaf && leaf.kind === 'leaf', `${family}/${name}`);
          assert.equal(leaf.default, undefined, `${family}/${name} has no YANG default (a group could not set it)`);
          assert.match((leaf.description ?? '').replace(/\s+/g, ' '), new RegExp(`Default: ${value}\\.`), `${family}/${name}`);
        }
      }
    });
  });

  describe('peers, with their group settings applied', () => {
    const GROUPS = `
      <peer-group><name>ebgp</name><type>external</type><remote-as>65002</remote-as>
        <mvpn><keep-all-routes>true</keep-all-routes><import-policy>in</import-policy></mvpn>
        <ipv4-unicast><enabled>true</enabled></ipv4-unicast></peer-group>
      <peer-group><name>ibgp</name><type>internal</type></peer-group>
      <peer-group><name>plain</name></peer-group>
      <policy><name>in</name><default-action>accept</default-action></policy>
      <policy><name>out</name></policy>`;
    const cases: { name: string; peer: string; expect: Partial<PeerConfig> }[] = [
      {
        name: 'a group member without its own values takes the group remote-as and family settings',
        peer: '<address>10.0.0.2</address><group>ebgp</group>',
        expect: { remoteAs: 65002, group: 'ebgp', mvpn: { enabled: true, keepAllRoutes: true, importPolicy: 'in', exportPolicy: undefined }, unicast: { enabled: true, keepAllRoutes: false, importPolicy: undefined, exportPolicy: undefined } },
      },
      {
        name: 'a peer leaf overrides the group leaf, leaf by leaf',
        peer: '<address>10.0.0.2</address><remote-as>65009</remote-as><group>ebgp</group><mvpn><keep-all-routes>false</keep-all-routes><export-policy>out</export-policy></mvpn>',
        expect: { remoteAs: 65009, mvpn: { enabled: true, keepAllRoutes: false, importPolicy: 'in', exportPolicy: 'out' } },
      },
      { name: 'an internal group without remote-as: the local AS', peer: '<address>10.0.0.3</address><group>ibgp</group>', expect: { remoteAs: 65000, group: 'ibgp' } },
      { name: 'a group without type: the peer remote-as decides', peer: '<address>10.0.0.3</address><remote-as>65000</remote-as><group>plain</group>', expect: { remoteAs: 65000 } },
      {
        name: 'session leaves: port, local address, passive, description, timers, capabilities',
        peer: '<address>127.0.0.2</address><remote-as>65001</remote-as><remote-port>11179</remote-port><local-address>127.0.0.1</local-address><passive>true</passive><description>lab</description><timers><hold-time>30</hold-time><keepalive>10</keepalive><connect-retry>5</connect-retry></timers><route-refresh>false</route-refresh><enhanced-route-refresh>false</enhanced-route-refresh>',
        expect: { remotePort: 11179, localAddress: '127.0.0.1', passive: true, description: 'lab', holdTime: 30, connectRetryTime: 5, routeRefresh: false, enhancedRouteRefresh: false },
      },
      {
        name: 'an ipv4-unicast peer (ExaBGP, GoBGP): unicast on, MVPN off',
        peer: '<address>127.0.0.4</address><remote-as>65004</remote-as><mvpn><enabled>false</enabled></mvpn><ipv4-unicast><enabled>true</enabled><keep-all-routes>true</keep-all-routes></ipv4-unicast>',
        expect: { mvpn: { enabled: false, keepAllRoutes: false, importPolicy: undefined, exportPolicy: undefined }, unicast: { enabled: true, keepAllRoutes: true, importPolicy: undefined, exportPolicy: undefined } },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const config = new BgpConfigMapper(schema).map(bgp(`${GROUPS}<peer>${c.peer}</peer>`));
        assert.deepEqual(config.groups, ['ebgp', 'ibgp', 'plain']);
        const p = config.peers[0];
        assert.deepEqual(Object.fromEntries(Object.keys(c.expect).map((k) => [k, p[k as keyof PeerConfig]])), c.expect);
      });
    }
  });

  describe('refresh timing: the peer, else its group, else the global value, leaf by leaf', () => {
    const timing = (quiet?: number, timeout?: number): string =>
      `<refresh-timing>${quiet === undefined ? '' : `<quiet-period>${quiet}</quiet-period>`}${timeout === undefined ? '' : `<timeout>${timeout}</timeout>`}</refresh-timing>`;
    const GROUPS = `<peer-group><name>slow</name>${timing(5000)}</peer-group><peer-group><name>plain</name></peer-group>`;
    const peer = (address: string, inner = ''): string => `<peer><address>${address}</address><remote-as>65001</remote-as>${inner}</peer>`;
    const cases: { name: string; global: string; peer: string; expect: { quietPeriodMs: number; borrWaitMs: number; timeoutMs: number } }[] = [
      { name: 'nothing set: the defaults', global: '', peer: peer('10.0.0.1'), expect: REFRESH_DEFAULTS },
      { name: 'global set: every peer', global: timing(300, 30), peer: peer('10.0.0.1'), expect: { quietPeriodMs: 300, borrWaitMs: 5000, timeoutMs: 30_000 } },
      { name: 'a group without timing: the global value', global: timing(300, 30), peer: peer('10.0.0.1', '<group>plain</group>'), expect: { quietPeriodMs: 300, borrWaitMs: 5000, timeoutMs: 30_000 } },
      { name: "the group's quiet period over the global one, the global timeout", global: timing(300, 30), peer: peer('10.0.0.1', '<group>slow</group>'), expect: { quietPeriodMs: 5000, borrWaitMs: 5000, timeoutMs: 30_000 } },
      { name: "the peer's timeout over the global one, its group's quiet period", global: timing(300, 30), peer: peer('10.0.0.1', `<group>slow</group>${timing(undefined, 600)}`), expect: { quietPeriodMs: 5000, borrWaitMs: 5000, timeoutMs: 600_000 } },
      { name: "the peer's values over its group's", global: '', peer: peer('10.0.0.1', `<group>slow</group>${timing(100, 1)}`), expect: { quietPeriodMs: 100, borrWaitMs: 5000, timeoutMs: 1000 } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const config = new BgpConfigMapper(schema).map(bgp(`${c.global}${GROUPS}${c.peer}`));
        assert.deepEqual(config.peers[0].refresh, c.expect);
      });
    }

    it('a global change maps every peer again with it; an unchanged one keeps the peers the same objects', () => {
      const mapper = new BgpConfigMapper(schema);
      const tree = bgp(`${timing(300)}${peer('10.0.0.1')}`);
      // the same peer element under another global refresh-timing element
      const withGlobal = (quiet: number): XmlElement => ({ ...tree, children: tree.children.map((e) => (e.name === 'refresh-timing' ? parseXml(`<refresh-timing xmlns="${NS_BGP}"><quiet-period>${quiet}</quiet-period></refresh-timing>`) : e)) });
      const a = mapper.map(tree);
      assert.equal(peerOf(mapper.map(withGlobal(300)), '10.0.0.1'), peerOf(a, '10.0.0.1'), 'same values: same objects');
      const b = mapper.map(withGlobal(700));
      assert.deepEqual([b.refresh, peerOf(b, '10.0.0.1').refresh], [
        { quietPeriodMs: 700, borrWaitMs: 5000, timeoutMs: 120_000 },
        { quietPeriodMs: 700, borrWaitMs: 5000, timeoutMs: 120_000 },
      ]);
    });

    it('a peer timing change is a peer delta (the engine keeps the session: timing is not in the OPEN)', () => {
      const mapper = new BgpConfigMapper(schema);
      const before = bgp(`${timing(300)}${peer('10.0.0.1')}${peer('10.0.0.2')}`);
      const after = bgp(`${timing(300)}${peer('10.0.0.1', timing(2000, 10))}${peer('10.0.0.2')}`);
      const previous = mapper.map(before);
      const r = mapper.update(previous, after, diffConfig(schema, [before], [after]));
      assert.deepEqual(r.delta?.changed.map((p) => [p.address, p.refresh]), [['10.0.0.1', { quietPeriodMs: 2000, borrWaitMs: 5000, timeoutMs: 10_000 }]]);
      assert.equal(peerOf(r.config, '10.0.0.2'), peerOf(previous, '10.0.0.2'));
      assert.deepEqual({ ...peerOf(r.config, '10.0.0.1'), refresh: undefined }, { ...peerOf(previous, '10.0.0.1'), refresh: undefined }, 'nothing else of the peer changed');
    });
  });

  describe('configurations the engine cannot run: an rpc-error naming the node', () => {
    const cases: { name: string; content: string; tag: string; path: string; message: RegExp }[] = [
      {
        name: 'a peer with no remote-as anywhere',
        content: '<peer><address>10.0.0.4</address></peer>',
        tag: 'data-missing',
        path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.4']/bgp:remote-as",
        message: /peer 10\.0\.0\.4: remote-as is not configured on the peer$/,
      },
      {
        name: 'a member of an external group that has no remote-as',
        content: '<peer-group><name>ebgp</name><type>external</type></peer-group><peer><address>10.0.0.4</address><group>ebgp</group></peer>',
        tag: 'data-missing',
        path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.4']/bgp:remote-as",
        message: /or in its group ebgp/,
      },
      {
        name: 'an external group member whose remote-as is the local AS',
        content: '<peer-group><name>ebgp</name><type>external</type></peer-group><peer><address>10.0.0.4</address><remote-as>65000</remote-as><group>ebgp</group></peer>',
        tag: 'operation-failed',
        path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.4']/bgp:remote-as",
        message: /remote-as 65000 equals local-as 65000, but its group ebgp is external/,
      },
      {
        name: 'an internal group member with another AS',
        content: '<peer-group><name>ibgp</name><type>internal</type></peer-group><peer><address>10.0.0.4</address><remote-as>65001</remote-as><group>ibgp</group></peer>',
        tag: 'operation-failed',
        path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.4']/bgp:remote-as",
        message: /differs from local-as/,
      },
      {
        name: 'a keepalive other than a third of the hold time',
        content: '<peer><address>10.0.0.4</address><remote-as>65001</remote-as><timers><keepalive>20</keepalive></timers></peer>',
        tag: 'operation-failed',
        path: "/bgp:bgp/bgp:peer[bgp:address='10.0.0.4']/bgp:timers/bgp:keepalive",
        message: /keepalive 20 is not supported/,
      },
      {
        name: 'an S-PMSI A-D route without its group (the schema requires it; the mapping checks again)',
        content: '<mvpn-route><name>r</name><route-type>s-pmsi-ad</route-type><route-distinguisher>65000:1</route-distinguisher><originating-router>192.0.2.1</originating-router><multicast-source>*</multicast-source></mvpn-route>',
        tag: 'data-missing',
        path: "/bgp:bgp/bgp:mvpn-route[bgp:name='r']/bgp:multicast-group",
        message: /multicast-group is required/,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        assert.throws(
          () => new BgpConfigMapper(schema).map(bgp(c.content)),
          (e: unknown) => {
            assert.ok(e instanceof NetconfRpcError);
            assert.deepEqual([e.type, e.tag, e.path, e.pathNamespaces], ['application', c.tag, c.path, { bgp: NS_BGP }]);
            assert.match(e.message, c.message);
            return true;
          },
        );
      });
    }
  });

  describe('policies and locally originated MVPN routes', () => {
    it('policy terms in order with their conditions; default-action reject unless set', () => {
      const c = new BgpConfigMapper(schema).map(
        bgp(`<policy><name>p</name>
          <term><name>t1</name><match><route-type>intra-as-i-pmsi-ad</route-type><route-type>s-pmsi-ad</route-type></match><action>reject</action></term>
          <term><name>t2</name><match><route-distinguisher>65000:1</route-distinguisher><route-target>target:65000:1</route-target></match><action>accept</action></term>
          <term><name>t3</name><action>accept</action></term></policy>
          <policy><name>q</name><default-action>accept</default-action></policy>`),
      );
      assert.deepEqual(c.policies, [
        {
          name: 'p',
          defaultAction: 'reject',
          terms: [
            { name: 't1', match: { routeType: ['intra-as-i-pmsi-ad', 's-pmsi-ad'], routeTarget: [], routeDistinguisher: undefined }, action: 'reject' },
            { name: 't2', match: { routeType: [], routeTarget: ['target:65000:1'], routeDistinguisher: '65000:1' }, action: 'accept' },
            { name: 't3', match: undefined, action: 'accept' },
          ],
        },
        { name: 'q', defaultAction: 'accept', terms: [] },
      ]);
    });

    const ROUTES: { name: string; xml: string; route: unknown }[] = [
      { name: 'intra-as-i-pmsi-ad', xml: '<route-type>intra-as-i-pmsi-ad</route-type><route-distinguisher>65000:1</route-distinguisher><originating-router>192.0.2.1</originating-router>', route: { routeType: 1, rd: '65000:1', originatingRouter: '192.0.2.1' } },
      { name: 'inter-as-i-pmsi-ad', xml: '<route-type>inter-as-i-pmsi-ad</route-type><route-distinguisher>65000:1</route-distinguisher><source-as>65000</source-as>', route: { routeType: 2, rd: '65000:1', sourceAs: 65000 } },
      {
        name: 's-pmsi-ad', xml: '<route-type>s-pmsi-ad</route-type><route-distinguisher>192.0.2.1:7</route-distinguisher><originating-router>192.0.2.1</originating-router><multicast-source>*</multicast-source><multicast-group>232.1.1.1</multicast-group>',
        route: { routeType: 3, rd: '192.0.2.1:7', source: '*', group: '232.1.1.1', originatingRouter: '192.0.2.1' },
      },
      {
        name: 'leaf-ad responding to an S-PMSI A-D route', xml: '<route-type>leaf-ad</route-type><originating-router>192.0.2.1</originating-router><route-key><route-type>s-pmsi-ad</route-type><route-distinguisher>65000:1</route-distinguisher><originating-router>192.0.2.9</originating-router><multicast-source>10.0.0.1</multicast-source><multicast-group>232.1.1.1</multicast-group></route-key>',
        route: { routeType: 4, routeKey: { routeType: 3, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1', originatingRouter: '192.0.2.9' }, originatingRouter: '192.0.2.1' },
      },
      {
        name: 'leaf-ad responding to an Inter-AS I-PMSI A-D route', xml: '<route-type>leaf-ad</route-type><originating-router>192.0.2.1</originating-router><route-key><route-type>inter-as-i-pmsi-ad</route-type><route-distinguisher>65000:1</route-distinguisher><source-as>65009</source-as></route-key>',
        route: { routeType: 4, routeKey: { routeType: 2, rd: '65000:1', sourceAs: 65009 }, originatingRouter: '192.0.2.1' },
      },
      { name: 'source-active-ad', xml: '<route-type>source-active-ad</route-type><route-distinguisher>65000:1</route-distinguisher><multicast-source>10.0.0.1</multicast-source><multicast-group>232.1.1.1</multicast-group>', route: { routeType: 5, rd: '65000:1', source: '10.0.0.1', group: '232.1.1.1' } },
      {
        name: 'shared-tree-join', xml: '<route-type>shared-tree-join</route-type><route-distinguisher>65000:1</route-distinguisher><source-as>65000</source-as><multicast-source>10.0.0.9</multicast-source><multicast-group>239.1.1.1</multicast-group>',
        route: { routeType: 6, rd: '65000:1', sourceAs: 65000, source: '10.0.0.9', group: '239.1.1.1' },
      },
      {
        name: 'source-tree-join', xml: '<route-type>source-tree-join</route-type><route-distinguisher>4200000000:2</route-distinguisher><source-as>4200000000</source-as><multicast-source>10.0.0.1</multicast-source><multicast-group>232.1.1.1</multicast-group>',
        route: { routeType: 7, rd: '4200000000:2', sourceAs: 4200000000, source: '10.0.0.1', group: '232.1.1.1' },
      },
    ];
    for (const r of ROUTES) {
      it(`mvpn-route ${r.name}`, () => {
        const c = new BgpConfigMapper(schema).map(bgp(`<mvpn-route><name>r</name>${r.xml}<route-target>target:65000:1</route-target><route-target>target:192.0.2.1:5</route-target></mvpn-route>`));
        assert.deepEqual(c.originated, [{ route: r.route, routeTargets: ['target:65000:1', 'target:192.0.2.1:5'] }]);
      });
    }
  });

  describe('a commit that changes only peers maps only those peers (update)', () => {
    const BASE = `<peer-group><name>g</name><type>external</type><remote-as>65002</remote-as></peer-group><policy><name>p</name></policy>
      <mvpn-route><name>r</name><route-type>intra-as-i-pmsi-ad</route-type><route-distinguisher>65000:1</route-distinguisher><originating-router>192.0.2.1</originating-router></mvpn-route>
      <peer><address>10.0.0.1</address><remote-as>65001</remote-as></peer><peer><address>10.0.0.2</address><group>g</group></peer>`;
    const byAddress = (peers: readonly PeerConfig[]): PeerConfig[] => [...peers].sort((a, b) => a.address.localeCompare(b.address));
    const cases: { name: string; after: string; localAs?: number; delta?: { changed: string[]; removed: string[] } }[] = [
      { name: 'a peer added', after: BASE + '<peer><address>10.0.0.3</address><remote-as>65003</remote-as></peer>', delta: { changed: ['10.0.0.3'], removed: [] } },
      { name: 'a peer leaf changed', after: BASE.replace('<remote-as>65001</remote-as>', '<remote-as>65011</remote-as>'), delta: { changed: ['10.0.0.1'], removed: [] } },
      { name: 'a peer leaf added', after: BASE.replace('<group>g</group>', '<group>g</group><mvpn><export-policy>p</export-policy></mvpn>'), delta: { changed: ['10.0.0.2'], removed: [] } },
      { name: 'a peer removed', after: BASE.replace('<peer><address>10.0.0.1</address><remote-as>65001</remote-as></peer>', ''), delta: { changed: [], removed: ['10.0.0.1'] } },
      { name: 'a group changed: every peer mapped again', after: BASE.replace('<remote-as>65002</remote-as>', '<remote-as>65012</remote-as>') },
      { name: 'a policy changed', after: BASE.replace('<name>p</name>', '<name>p</name><default-action>accept</default-action>') },
      { name: 'local-as changed', after: BASE, localAs: 65100 },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const mapper = new BgpConfigMapper(schema);
        const before = bgp(BASE);
        const after = parseXml(`<bgp xmlns="${NS_BGP}"><local-as>${c.localAs ?? 65000}</local-as><router-id>192.0.2.1</router-id>${c.after}</bgp>`);
        const previous = mapper.map(before);
        const r = mapper.update(previous, after, diffConfig(schema, [before], [after]));
        assert.deepEqual(r.delta && { changed: r.delta.changed.map((p) => p.address), removed: r.delta.removed }, c.delta);
        // what update() gives is what mapping the whole tree gives
        const full = new BgpConfigMapper(schema).map(after);
        assert.deepEqual({ ...r.config, peers: byAddress(r.config.peers) }, { ...full, peers: byAddress(full.peers) });
        if (r.delta) {
          // unchanged parts are the same objects: the engine takes the delta only for them
          assert.equal(r.config.policies, previous.policies);
          assert.equal(r.config.originated, previous.originated);
          for (const p of previous.peers) if (!c.delta?.changed.includes(p.address) && !c.delta?.removed.includes(p.address)) assert.equal(peerOf(r.config, p.address), p);
        }
      });
    }

    it('600 commits in a row (peers added, changed, removed, added again): the peers are always those of the whole tree', () => {
      const mapper = new BgpConfigMapper(schema);
      const entry = (i: number, as: number): XmlElement => parseXml(`<peer xmlns="${NS_BGP}"><address>10.1.${i >> 8}.${i & 255}</address><remote-as>${as}</remote-as></peer>`);
      let tree = bgp(BASE);
      let config = mapper.map(tree);
      for (let step = 0; step < 600; step++) {
        const i = step % 150;
        const at = tree.children.findIndex((e) => e.name === 'peer' && e.children[0]?.text === `10.1.${i >> 8}.${i & 255}`);
        // the first pass adds, the second changes the AS, the third removes, the fourth adds again
        const pass = Math.floor(step / 150);
        const next = at < 0 ? [...tree.children, entry(i, 65100 + step)] : pass === 1 ? tree.children.map((e, k) => (k === at ? entry(i, 65200 + step) : e)) : tree.children.filter((_, k) => k !== at);
        const after = { ...tree, children: next };
        const r = mapper.update(config, after, diffConfig(schema, [tree], [after]));
        assert.ok(r.delta, `step ${step}: only peers changed`);
        tree = after;
        config = r.config;
        // read rarely, so that one chain of changes holds several changes of one peer
        if (step === 449 || step === 599) assert.deepEqual(byAddress(config.peers), byAddress(new BgpConfigMapper(schema).map(tree).peers), `step ${step}`);
      }
      assert.equal(config.peers.length, 152);
      assert.equal(peerOf(config, '10.1.0.149').remoteAs, 65100 + 599);
    });

    it('an unchanged policy list and route list map to the same arrays on a full mapping too', () => {
      const mapper = new BgpConfigMapper(schema);
      const before = bgp(BASE);
      const a = mapper.map(before);
      const b = mapper.map({ ...before, children: before.children.filter((e) => !(e.name === 'peer' && e.children[0]?.text === '10.0.0.1')) });
      assert.equal(b.policies, a.policies);
      assert.equal(b.originated, a.originated);
      assert.equal(peerOf(b, '10.0.0.2'), peerOf(a, '10.0.0.2'));
    });
  });
});
