import assert from 'node:assert/strict';
import { encodeMessage, KEEPALIVE } from '../../../src/bgp/wire/codec';
import {
  AS_TRANS,
  BgpMessage,
  BgpMessageError,
  Capability,
  OpenMessage,
  RouteRefreshMessage,
  UpdateMessage,
} from '../../../src/bgp/wire/types';
import {
  Negotiated,
  NotificationInfo,
  OPENSENT_HOLD_TIME,
  SessionConfig,
  SessionFsm,
  SessionState,
  shutdownCommunication,
} from '../../../src/bgp/session/fsm';
import { decodeAll, FakeClock } from './fakes';

const MVPN = { afi: 1, safi: 5 };
const UNICAST = { afi: 1, safi: 1 };

const config: SessionConfig = {
  localAs: 65000,
  bgpId: '192.0.2.1',
  remoteAs: 65001,
  holdTime: 90,
  connectRetryTime: 30,
  families: [MVPN, UNICAST],
  routeRefresh: true,
  enhancedRouteRefresh: true,
  passive: false,
};

const peerCaps: Capability[] = [
  { type: 'multiprotocol', afi: 1, safi: 5 },
  { type: 'multiprotocol', afi: 1, safi: 1 },
  { type: 'route-refresh' },
  { type: 'enhanced-route-refresh' },
  { type: 'four-octet-as', asn: 65001 },
];

function open(o: Partial<OpenMessage> = {}): OpenMessage {
  return { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.2', capabilities: peerCaps, ...o };
}

function bytes(m: BgpMessage): Buffer {
  return encodeMessage(m, { fourOctetAs: true });
}

function notification(code: number, subcode: number, data: Buffer = Buffer.alloc(0)): BgpMessage {
  return { type: 'notification', code, subcode, data };
}

const update: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: [
    { type: 'origin', value: 0 },
    { type: 'as-path', segments: [{ type: 2, asns: [65001] }] },
    { type: 'next-hop', address: '192.0.2.2' },
  ],
  nlri: [Buffer.from([24, 198, 51, 100])],
};

/** A session with everything it does recorded. */
function harness(cfg: SessionConfig = config, openReceived: (o: OpenMessage) => boolean = () => true) {
  const clock = new FakeClock();
  const h = {
    clock,
    out: [] as Buffer[],
    closed: 0,
    states: [] as SessionState[],
    established: [] as Negotiated[],
    updates: [] as [UpdateMessage, readonly BgpMessageError[]][],
    refreshes: [] as RouteRefreshMessage[],
    downs: [] as [string, NotificationInfo | undefined][],
    fsm: undefined as unknown as SessionFsm,
    /** messages written since the last call */
    sent(): BgpMessage[] {
      const m = decodeAll(h.out);
      h.out.length = 0;
      return m;
    },
    feedBytewise(data: Buffer): void {
      for (let i = 0; i < data.length; i++) h.fsm.feed(data.subarray(i, i + 1));
    },
  };
  h.fsm = new SessionFsm(cfg, clock, {
    write: (d) => (h.out.push(d), true),
    close: () => void h.closed++,
    stateChange: (_from, to) => void h.states.push(to),
    openReceived,
    established: (n) => void h.established.push(n),
    update: (u, e) => void h.updates.push([u, e]),
    routeRefresh: (m) => void h.refreshes.push(m),
    down: (reason, n) => void h.downs.push([reason, n]),
  });
  return h;
}

/** A session taken to Established. */
function established(cfg: SessionConfig = config, peer: OpenMessage = open()) {
  const h = harness(cfg);
  h.fsm.start();
  h.fsm.feed(Buffer.concat([bytes(peer), KEEPALIVE]));
  assert.equal(h.fsm.state, 'established');
  h.sent();
  return h;
}

function assertNotified(h: ReturnType<typeof harness>, code: number, subcode: number, data?: Buffer): void {
  const sent = h.sent();
  assert.deepEqual(
    sent.map((m) => m.type),
    ['notification'],
  );
  const n = sent[0] as Extract<BgpMessage, { type: 'notification' }>;
  assert.deepEqual([n.code, n.subcode], [code, subcode]);
  if (data) assert.deepEqual(n.data, data);
  assert.equal(h.fsm.state, 'idle');
  assert.equal(h.closed, 1);
  assert.equal(h.downs.length, 1);
  assert.deepEqual({ ...h.downs[0][1], data: undefined }, { code, subcode, data: undefined, sent: true });
}

describe('BGP session FSM (RFC 4271 section 8)', () => {
  describe('OPEN exchange', () => {
    it('sends an OPEN with the configured AS, hold time, identifier and capabilities once the connection is up', () => {
      const h = harness();
      assert.equal(h.fsm.state, 'idle');
      h.fsm.start();
      assert.equal(h.fsm.state, 'opensent');
      assert.deepEqual(h.sent(), [
        {
          type: 'open',
          version: 4,
          myAs: 65000,
          holdTime: 90,
          bgpId: '192.0.2.1',
          capabilities: [
            { type: 'multiprotocol', afi: 1, safi: 5 },
            { type: 'multiprotocol', afi: 1, safi: 1 },
            { type: 'route-refresh' },
            { type: 'enhanced-route-refresh' },
            { type: 'four-octet-as', asn: 65000 },
          ],
        },
      ]);
    });

    it('puts AS_TRANS in My Autonomous System for a 4-octet local AS (RFC 6793 section 4.1)', () => {
      const h = harness({ ...config, localAs: 4200000000, routeRefresh: false });
      h.fsm.start();
      const o = h.sent()[0] as OpenMessage;
      assert.equal(o.myAs, AS_TRANS);
      assert.deepEqual(
        o.capabilities.filter((c) => c.type !== 'multiprotocol'),
        [{ type: 'four-octet-as', asn: 4200000000 }],
      );
    });

    it('fed byte by byte: OPEN -> KEEPALIVE sent, OpenConfirm; KEEPALIVE -> Established', () => {
      const h = harness();
      h.fsm.start();
      h.sent();
      h.feedBytewise(bytes(open()));
      assert.equal(h.fsm.state, 'openconfirm');
      assert.deepEqual(h.sent(), [{ type: 'keepalive' }]);
      assert.equal(h.established.length, 0);
      h.feedBytewise(KEEPALIVE);
      assert.equal(h.fsm.state, 'established');
      assert.deepEqual(h.states, ['opensent', 'openconfirm', 'established']);
      assert.deepEqual(h.established, [
        {
          families: [MVPN, UNICAST],
          routeRefresh: true,
          enhancedRouteRefresh: true,
          fourOctetAs: true,
          holdTime: 90,
          keepaliveTime: 30,
          peerBgpId: '192.0.2.2',
          peerAs: 65001,
          peerCapabilities: peerCaps,
        },
      ]);
      assert.deepEqual(h.fsm.negotiated, h.established[0]);
      assert.equal(h.downs.length, 0);
    });

    const negotiation: { name: string; cfg?: Partial<SessionConfig>; peer: Partial<OpenMessage>; expect: Partial<Negotiated> }[] = [
      {
        name: 'families: the intersection, in our order',
        peer: { capabilities: [{ type: 'multiprotocol', afi: 1, safi: 1 }, { type: 'multiprotocol', afi: 2, safi: 1 }] },
        expect: { families: [UNICAST], routeRefresh: false, enhancedRouteRefresh: false, fourOctetAs: false },
      },
      {
        name: 'no multiprotocol capability: IPv4 unicast only (RFC 4760 section 8)',
        peer: { capabilities: [{ type: 'route-refresh' }] },
        expect: { families: [UNICAST], routeRefresh: true, enhancedRouteRefresh: false },
      },
      {
        name: 'route refresh only on the peer side (GoBGP)',
        peer: { capabilities: [{ type: 'multiprotocol', afi: 1, safi: 5 }, { type: 'route-refresh' }] },
        expect: { families: [MVPN], routeRefresh: true, enhancedRouteRefresh: false },
      },
      {
        name: 'route refresh turned off locally',
        cfg: { routeRefresh: false },
        peer: {},
        expect: { routeRefresh: false, enhancedRouteRefresh: false },
      },
      {
        name: 'enhanced refresh turned off locally',
        cfg: { enhancedRouteRefresh: false },
        peer: {},
        expect: { routeRefresh: true, enhancedRouteRefresh: false },
      },
      {
        name: '4-octet peer AS carried in the capability, AS_TRANS in My AS',
        cfg: { remoteAs: 4200000001 },
        peer: { myAs: AS_TRANS, capabilities: [{ type: 'four-octet-as', asn: 4200000001 }] },
        expect: { peerAs: 4200000001, fourOctetAs: true },
      },
      { name: 'hold time: the smaller one', peer: { holdTime: 9 }, expect: { holdTime: 9, keepaliveTime: 3 } },
      { name: 'hold time: ours smaller', cfg: { holdTime: 30 }, peer: { holdTime: 180 }, expect: { holdTime: 30, keepaliveTime: 10 } },
      { name: 'hold time 0 from the peer: no keepalives', peer: { holdTime: 0 }, expect: { holdTime: 0, keepaliveTime: 0 } },
      {
        name: 'same BGP identifier from an external peer is allowed (RFC 6286)',
        peer: { bgpId: '192.0.2.1' },
        expect: { peerBgpId: '192.0.2.1' },
      },
    ];
    for (const t of negotiation) {
      it(`negotiates ${t.name}`, () => {
        const h = established({ ...config, ...t.cfg }, open(t.peer));
        const n = h.fsm.negotiated;
        assert.ok(n);
        for (const [k, v] of Object.entries(t.expect)) assert.deepEqual(n[k as keyof Negotiated], v, k);
      });
    }
  });

  describe('bad OPENs: each refused with its NOTIFICATION', () => {
    const cases: { name: string; cfg?: Partial<SessionConfig>; peer: Partial<OpenMessage>; subcode: number; data?: Buffer }[] = [
      { name: 'version 3', peer: { version: 3 }, subcode: 1, data: Buffer.from([0, 4]) },
      { name: 'wrong peer AS', peer: { myAs: 65002, capabilities: [] }, subcode: 2 },
      { name: 'wrong AS in the 4-octet capability', peer: { capabilities: [{ type: 'four-octet-as', asn: 65002 }] }, subcode: 2 },
      { name: 'AS_TRANS without the 4-octet capability', cfg: { remoteAs: 4200000001 }, peer: { myAs: AS_TRANS, capabilities: [] }, subcode: 2 },
      { name: 'hold time 1', peer: { holdTime: 1 }, subcode: 6 },
      { name: 'hold time 2', peer: { holdTime: 2 }, subcode: 6 },
      { name: 'BGP identifier 0.0.0.0', peer: { bgpId: '0.0.0.0' }, subcode: 3 },
      {
        name: 'our own BGP identifier from an internal peer',
        cfg: { remoteAs: 65000 },
        peer: { myAs: 65000, bgpId: '192.0.2.1', capabilities: [] },
        subcode: 3,
      },
    ];
    for (const t of cases) {
      it(`${t.name} -> OPEN Message Error / ${t.subcode}`, () => {
        const h = harness({ ...config, ...t.cfg });
        h.fsm.start();
        h.sent();
        h.feedBytewise(bytes(open(t.peer)));
        assertNotified(h, 2, t.subcode, t.data);
        assert.equal(h.established.length, 0);
        // nothing more is read once down
        h.fsm.feed(KEEPALIVE);
        assert.deepEqual(h.sent(), []);
      });
    }
  });

  describe('timers', () => {
    it('OpenSent waits 4 minutes for the OPEN, then Hold Timer Expired', () => {
      const h = harness();
      h.fsm.start();
      h.sent();
      h.clock.advance(OPENSENT_HOLD_TIME * 1000 - 1);
      assert.equal(h.fsm.state, 'opensent');
      h.clock.advance(1);
      assertNotified(h, 4, 0);
    });

    it('hold timer: restarted by KEEPALIVE and UPDATE, expiry sends NOTIFICATION 4 and ends the session', () => {
      const h = established({ ...config, holdTime: 9 });
      h.clock.advance(8000);
      h.fsm.feed(KEEPALIVE);
      h.clock.advance(8000);
      h.fsm.feed(bytes(update));
      h.clock.advance(8000);
      assert.equal(h.fsm.state, 'established');
      h.out.length = 0; // keepalives
      h.clock.advance(1000);
      assertNotified(h, 4, 0);
      assert.match(h.downs[0][0], /hold timer expired/);
      assert.equal(h.clock.armed, 0);
    });

    it('hold timer also runs in OpenConfirm', () => {
      const h = harness({ ...config, holdTime: 3 });
      h.fsm.start();
      h.fsm.feed(bytes(open()));
      h.sent();
      h.clock.advance(2999);
      assert.equal(h.fsm.state, 'openconfirm');
      h.clock.advance(1);
      const sent = h.sent();
      assert.deepEqual(
        sent.map((m) => m.type),
        ['keepalive', 'keepalive', 'notification'],
      );
      assert.deepEqual(sent[2], notification(4, 0));
      assert.equal(h.fsm.state, 'idle');
    });

    it('sends a KEEPALIVE every third of the hold time, from OpenConfirm on', () => {
      const h = harness({ ...config, holdTime: 90 });
      h.fsm.start();
      h.fsm.feed(bytes(open({ holdTime: 180 })));
      h.sent();
      h.clock.advance(29_999);
      assert.deepEqual(h.sent(), []);
      h.clock.advance(1);
      assert.deepEqual(h.sent(), [{ type: 'keepalive' }]);
      h.fsm.feed(KEEPALIVE);
      for (let i = 0; i < 20; i++) {
        h.clock.advance(30_000);
        h.fsm.feed(KEEPALIVE);
      }
      assert.equal(h.sent().length, 20);
      assert.equal(h.fsm.state, 'established');
    });

    it('hold time 0: no keepalives, no hold timer', () => {
      const h = established(config, open({ holdTime: 0 }));
      h.clock.advance(3600_000);
      assert.deepEqual(h.sent(), []);
      assert.equal(h.fsm.state, 'established');
      assert.equal(h.clock.armed, 0);
    });
  });

  describe('messages in the wrong state -> Finite State Machine Error (RFC 6608 subcodes)', () => {
    const cases: { state: 'opensent' | 'openconfirm' | 'established'; message: BgpMessage; subcode: number }[] = [
      { state: 'opensent', message: { type: 'keepalive' }, subcode: 1 },
      { state: 'opensent', message: update, subcode: 1 },
      { state: 'opensent', message: { type: 'route-refresh', afi: 1, safi: 5, subtype: 0 }, subcode: 1 },
      { state: 'openconfirm', message: open(), subcode: 2 },
      { state: 'openconfirm', message: update, subcode: 2 },
      { state: 'openconfirm', message: { type: 'route-refresh', afi: 1, safi: 5, subtype: 0 }, subcode: 2 },
      { state: 'established', message: open(), subcode: 3 },
    ];
    for (const t of cases) {
      it(`${t.message.type} in ${t.state} -> 5/${t.subcode}`, () => {
        const h = harness();
        h.fsm.start();
        if (t.state !== 'opensent') h.fsm.feed(bytes(open()));
        if (t.state === 'established') h.fsm.feed(KEEPALIVE);
        assert.equal(h.fsm.state, t.state);
        h.sent();
        h.feedBytewise(bytes(t.message));
        const types = { open: 1, update: 2, notification: 3, keepalive: 4, 'route-refresh': 5 };
        assertNotified(h, 5, t.subcode, Buffer.from([types[t.message.type]]));
        assert.equal(h.updates.length, 0);
        assert.equal(h.refreshes.length, 0);
      });
    }
  });

  describe('established', () => {
    it('hands UPDATEs on, byte by byte or many in one chunk', () => {
      const h = established();
      h.feedBytewise(bytes(update));
      h.fsm.feed(Buffer.concat([bytes(update), KEEPALIVE, bytes(update)]));
      assert.equal(h.updates.length, 3);
      assert.deepEqual(h.updates[0], [update, []]);
      assert.deepEqual(h.sent(), []);
    });

    it('emits ROUTE-REFRESH for a negotiated family and ignores it for any other (RFC 2918 section 4)', () => {
      const h = established(config, open({ capabilities: [{ type: 'multiprotocol', afi: 1, safi: 5 }, { type: 'route-refresh' }, { type: 'enhanced-route-refresh' }] }));
      const rr = (afi: number, safi: number, subtype: number): Buffer => bytes({ type: 'route-refresh', afi, safi, subtype });
      h.fsm.feed(Buffer.concat([rr(1, 5, 0), rr(1, 1, 0), rr(2, 1, 0), rr(1, 5, 1), rr(1, 5, 2)]));
      assert.deepEqual(
        h.refreshes.map((m) => m.subtype),
        [0, 1, 2],
      );
      assert.ok(h.refreshes.every((m) => m.afi === 1 && m.safi === 5));
      assert.equal(h.fsm.state, 'established');
      assert.deepEqual(h.sent(), []);
    });

    it('ignores BoRR/EoRR when enhanced route refresh was not negotiated (RFC 7313)', () => {
      const h = established({ ...config, enhancedRouteRefresh: false });
      for (const subtype of [0, 1, 2]) h.fsm.feed(bytes({ type: 'route-refresh', afi: 1, safi: 5, subtype }));
      assert.deepEqual(
        h.refreshes.map((m) => m.subtype),
        [0],
      );
    });

    it('ignores ROUTE-REFRESH when we did not advertise route refresh', () => {
      const h = established({ ...config, routeRefresh: false });
      h.fsm.feed(bytes({ type: 'route-refresh', afi: 1, safi: 5, subtype: 0 }));
      assert.equal(h.refreshes.length, 0);
      assert.equal(h.fsm.state, 'established');
    });

    it('a NOTIFICATION received ends the session without an answer', () => {
      const h = established();
      h.feedBytewise(bytes(notification(6, 2, shutdownCommunication('maintenance window'))));
      assert.equal(h.fsm.state, 'idle');
      assert.deepEqual(h.sent(), []);
      assert.equal(h.downs.length, 1);
      assert.match(h.downs[0][0], /cease \/ administrative shutdown: "maintenance window"/);
      assert.deepEqual({ ...h.downs[0][1], data: undefined }, { code: 6, subcode: 2, data: undefined, sent: false });
      assert.equal(h.clock.armed, 0);
    });

    it('cease() sends the Cease and closes', () => {
      const h = established();
      h.fsm.cease(2, 'operator', shutdownCommunication('bye'));
      assertNotified(h, 6, 2, Buffer.from([3, 0x62, 0x79, 0x65]));
      h.fsm.cease(2, 'again');
      assert.deepEqual(h.sent(), []);
    });

    it('the connection going away ends the session with no NOTIFICATION', () => {
      const h = established();
      h.fsm.closed('connection closed by the peer');
      assert.equal(h.fsm.state, 'idle');
      assert.deepEqual(h.downs, [['connection closed by the peer', undefined]]);
      assert.equal(h.clock.armed, 0);
    });
  });

  describe('UPDATE errors (RFC 7606)', () => {
    /** an UPDATE from its body fields */
    function rawUpdate(withdrawnLength: number, attributes: number[], nlri: number[]): Buffer {
      const body = [withdrawnLength >> 8, withdrawnLength & 0xff, attributes.length >> 8, attributes.length & 0xff, ...attributes, ...nlri];
      const b = Buffer.alloc(19 + body.length, 0xff);
      b.writeUInt16BE(b.length, 16);
      b[18] = 2;
      Buffer.from(body).copy(b, 19);
      return b;
    }
    const origin = (v: number): number[] => [0x40, 1, 1, v];
    const asPath = [0x40, 2, 0];
    const nextHop = [0x40, 3, 4, 192, 0, 2, 2];

    it('treat-as-withdraw (bad ORIGIN): the UPDATE is handed on with its error, the session stays up', () => {
      const h = established();
      h.feedBytewise(rawUpdate(0, [...origin(5), ...asPath, ...nextHop], [24, 198, 51, 100]));
      assert.equal(h.fsm.state, 'established');
      assert.deepEqual(h.sent(), []);
      assert.equal(h.updates.length, 1);
      const [u, errors] = h.updates[0];
      assert.deepEqual(u.nlri, [Buffer.from([24, 198, 51, 100])]);
      assert.deepEqual(
        errors.map((e) => [e.code, e.subcode, e.handling]),
        [[3, 6, 2]],
      );
    });

    it('session-reset (withdrawn length past the end): UPDATE Message Error / Malformed Attribute List, down', () => {
      const h = established();
      h.fsm.feed(rawUpdate(0xffff, [], []));
      assertNotified(h, 3, 1);
      assert.equal(h.updates.length, 0);
    });

    it('afi-safi-disable (malformed MVPN NLRI): the session is reset with Optional Attribute Error (RFC 4760 section 7)', () => {
      const h = established();
      const mpReach = [0, 1, 5, 4, 192, 0, 2, 2, 0, 1, 3, 0, 0, 0];
      h.fsm.feed(rawUpdate(0, [...origin(0), ...asPath, 0x80, 14, mpReach.length, ...mpReach], []));
      assertNotified(h, 3, 9);
      assert.equal(h.updates.length, 0);
    });
  });

  describe('codec errors -> the codec NOTIFICATION, session down', () => {
    it('bad marker: Message Header Error / Connection Not Synchronized', () => {
      const h = established();
      const bad = Buffer.from(KEEPALIVE);
      bad[3] = 0;
      h.feedBytewise(bad);
      assertNotified(h, 1, 1);
    });

    it('message length over 4096: Message Header Error / Bad Message Length', () => {
      const h = established();
      const bad = Buffer.from(KEEPALIVE);
      bad.writeUInt16BE(4097, 16);
      h.fsm.feed(bad);
      assertNotified(h, 1, 2, Buffer.from([0x10, 0x01]));
    });

    it('unknown message type: Message Header Error / Bad Message Type', () => {
      const h = established();
      const bad = Buffer.from(KEEPALIVE);
      bad[18] = 9;
      h.fsm.feed(bad);
      assertNotified(h, 1, 3, Buffer.from([9]));
    });

    it('ROUTE-REFRESH of the wrong length: ROUTE-REFRESH Message Error / Invalid Message Length (RFC 7313 section 5)', () => {
      const h = established();
      const rr = bytes({ type: 'route-refresh', afi: 1, safi: 5, subtype: 0 });
      const long = Buffer.concat([rr, Buffer.from([0])]);
      long.writeUInt16BE(long.length, 16);
      h.fsm.feed(long);
      assertNotified(h, 7, 1);
    });
  });
});
