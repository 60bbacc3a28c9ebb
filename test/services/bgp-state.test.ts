// /bgp/peer/state from the engine's peer status, as <get> shows it.
import assert from 'node:assert/strict';
import type { PeerStatus, UpdateGroupStatus } from '../../src/bgp/engine';
import type { Negotiated } from '../../src/bgp/session/fsm';
import { serialize } from '../../src/model/xml';
import { bgpState, peerState } from '../../src/services/bgp-state';

const NS = 'urn:ncbgp:yang:ncbgp-bgp';
const NOW = new Date('2026-11-25T10:00:00.000Z');

const NEGOTIATED: Negotiated = {
  families: [
    { afi: 1, safi: 5 },
    { afi: 1, safi: 1 },
    { afi: 2, safi: 1 },
  ],
  routeRefresh: true,
  enhancedRouteRefresh: false,
  fourOctetAs: true,
  holdTime: 30,
  keepaliveTime: 10,
  peerBgpId: '192.0.2.2',
  peerAs: 65001,
  peerCapabilities: [],
};

const ESTABLISHED: PeerStatus = {
  address: '127.0.0.2',
  external: true,
  state: 'established',
  negotiated: NEGOTIATED,
  establishedAt: new Date('2026-11-25T09:58:59.500Z'),
  mvpn: { received: 10, accepted: 8, advertised: 7, keepAllRoutesPending: true, updateGroup: 3 },
  unicast: { received: 3, accepted: 3, advertised: 0, keepAllRoutesPending: false, updateGroup: 4 },
  lastCompleted: { import: new Date('2026-11-25T09:59:01.000Z'), export: new Date('2026-11-25T09:59:02.250Z') },
  refreshRequestedAt: new Date('2026-11-25T09:59:03.000Z'),
};

describe('services: bgp operational state', () => {
  const cases: { name: string; peer: PeerStatus; expect: string }[] = [
    {
      name: 'an established peer: uptime in whole seconds, negotiated families as identities (unknown ones left out), counts per family, keep-all-routes pending, last refreshes',
      peer: ESTABLISHED,
      expect:
        `<state xmlns="${NS}"><session-state>established</session-state><uptime>60</uptime>` +
        `<negotiated><afi-safi xmlns:bgp="${NS}">bgp:ipv4-mvpn</afi-safi><afi-safi xmlns:bgp="${NS}">bgp:ipv4-unicast</afi-safi>` +
        '<route-refresh>true</route-refresh><enhanced-route-refresh>false</enhanced-route-refresh><four-octet-as>true</four-octet-as><hold-time>30</hold-time></negotiated>' +
        '<mvpn><received>10</received><accepted>8</accepted><advertised>7</advertised><keep-all-routes-pending>true</keep-all-routes-pending><update-group>3</update-group></mvpn>' +
        '<ipv4-unicast><received>3</received><accepted>3</accepted><advertised>0</advertised><keep-all-routes-pending>false</keep-all-routes-pending><update-group>4</update-group></ipv4-unicast>' +
        '<last-refresh><import>2026-11-25T09:59:01.000Z</import><export>2026-11-25T09:59:02.250Z</export><received>2026-11-25T09:59:03.000Z</received></last-refresh></state>',
    },
    {
      name: 'a peer not established: its FSM state only',
      peer: { address: '127.0.0.3', external: false, state: 'active', lastCompleted: {} },
      expect: `<state xmlns="${NS}"><session-state>active</session-state></state>`,
    },
    {
      name: 'a session that went down tells why, and keeps its last refresh times',
      peer: { address: '127.0.0.3', external: false, state: 'idle', negotiated: NEGOTIATED, lastCompleted: { export: new Date('2026-11-25T09:00:00.000Z') }, lastDownReason: 'NOTIFICATION received: cease / other configuration change' },
      expect: `<state xmlns="${NS}"><session-state>idle</session-state><last-down-reason>NOTIFICATION received: cease / other configuration change</last-down-reason><last-refresh><export>2026-11-25T09:00:00.000Z</export></last-refresh></state>`,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(serialize(peerState(c.peer, NOW)), c.expect));

  it('one peer entry per configured peer, keyed by address, and the update groups', () => {
    const groups: UpdateGroupStatus[] = [
      { id: 4, treatment: { family: { afi: 1, safi: 1 }, external: false, localAddress: '192.0.2.1', fourOctetAs: true, enhancedRouteRefresh: false }, members: ['127.0.0.2'], advertised: 0 },
      { id: 3, treatment: { family: { afi: 1, safi: 5 }, exportPolicy: 'p', external: true, remoteAs: 65002, localAddress: '192.0.2.1', fourOctetAs: true, enhancedRouteRefresh: true }, members: ['127.0.0.2', '127.0.0.4'], advertised: 7 },
    ];
    const xml = serialize(bgpState([ESTABLISHED, { address: '127.0.0.3', external: false, state: 'connect', lastCompleted: {} }], groups, NOW));
    assert.match(xml, new RegExp(`^<bgp xmlns="${NS}"><peer><address>127\\.0\\.0\\.2</address><state>.*</state></peer><peer><address>127\\.0\\.0\\.3</address><state><session-state>connect</session-state></state></peer><update-groups>`));
    assert.ok(
      xml.endsWith(
        `<update-groups><update-group><id>3</id><afi-safi xmlns:bgp="${NS}">bgp:ipv4-mvpn</afi-safi><export-policy>p</export-policy><peer-type>external</peer-type><remote-as>65002</remote-as>` +
          '<local-address>192.0.2.1</local-address><four-octet-as>true</four-octet-as><enhanced-route-refresh>true</enhanced-route-refresh><advertised>7</advertised><member>127.0.0.2</member><member>127.0.0.4</member></update-group>' +
          `<update-group><id>4</id><afi-safi xmlns:bgp="${NS}">bgp:ipv4-unicast</afi-safi><peer-type>internal</peer-type><local-address>192.0.2.1</local-address><four-octet-as>true</four-octet-as><enhanced-route-refresh>false</enhanced-route-refresh><advertised>0</advertised><member>127.0.0.2</member></update-group></update-groups></bgp>`,
      ),
      xml,
    );
  });
});
