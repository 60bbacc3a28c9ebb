// /bgp/peer/state from the engine's peer status, as <get> shows it.
import assert from 'node:assert/strict';
import type { PeerStatus } from '../../src/bgp/engine';
import type { Negotiated } from '../../src/bgp/session/fsm';
import { serialize } from '../../src/netconf/xml';
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
  mvpn: { received: 10, accepted: 8, advertised: 7, keepAllRoutesPending: true },
  unicast: { received: 3, accepted: 3, advertised: 0, keepAllRoutesPending: false },
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
        '<mvpn><received>10</received><accepted>8</accepted><advertised>7</advertised><keep-all-routes-pending>true</keep-all-routes-pending></mvpn>' +
        '<ipv4-unicast><received>3</received><accepted>3</accepted><advertised>0</advertised><keep-all-routes-pending>false</keep-all-routes-pending></ipv4-unicast>' +
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

  it('one peer entry per configured peer, keyed by address', () => {
    const xml = serialize(bgpState([ESTABLISHED, { address: '127.0.0.3', external: false, state: 'connect', lastCompleted: {} }], NOW));
    assert.match(xml, new RegExp(`^<bgp xmlns="${NS}"><peer><address>127\\.0\\.0\\.2</address><state>.*</state></peer><peer><address>127\\.0\\.0\\.3</address><state><session-state>connect</session-state></state></peer></bgp>$`));
  });
});
