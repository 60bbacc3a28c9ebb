import assert from 'node:assert/strict';
import { encodeMessage, KEEPALIVE } from '../../../src/bgp/wire/codec';
import { BgpMessage, OpenMessage } from '../../../src/bgp/wire/types';
import { NotificationInfo, SessionConfig, SessionState } from '../../../src/bgp/session/fsm';
import { Peer } from '../../../src/bgp/session/peer';
import { FakeClock, FakeConnection } from './fakes';

const config: SessionConfig = {
  localAs: 65000,
  bgpId: '192.0.2.1',
  remoteAs: 65001,
  holdTime: 90,
  connectRetryTime: 30,
  families: [{ afi: 1, safi: 5 }],
  routeRefresh: true,
  enhancedRouteRefresh: false,
  passive: false,
};

function openBytes(bgpId = '192.0.2.2'): Buffer {
  const open: OpenMessage = {
    type: 'open',
    version: 4,
    myAs: 65001,
    holdTime: 90,
    bgpId,
    capabilities: [{ type: 'multiprotocol', afi: 1, safi: 5 }, { type: 'route-refresh' }, { type: 'four-octet-as', asn: 65001 }],
  };
  return encodeMessage(open, { fourOctetAs: true });
}

function types(conn: FakeConnection): string[] {
  return conn.messages().map((m) => m.type);
}

function lastNotification(conn: FakeConnection): [number, number] | undefined {
  const n = conn
    .messages()
    .filter((m): m is Extract<BgpMessage, { type: 'notification' }> => m.type === 'notification')
    .at(-1);
  return n && [n.code, n.subcode];
}

function harness(cfg: Partial<SessionConfig> = {}) {
  const clock = new FakeClock();
  const outgoing: FakeConnection[] = [];
  const peer = new Peer('192.0.2.2', { ...config, ...cfg }, {
    timers: clock,
    connect: () => {
      const c = new FakeConnection();
      outgoing.push(c);
      return c;
    },
  });
  const states: SessionState[] = [];
  const downs: [string, NotificationInfo | undefined][] = [];
  let established = 0;
  peer.on('stateChange', (_from, to) => states.push(to));
  peer.on('down', (reason, n) => downs.push([reason, n]));
  peer.on('established', () => established++);
  return {
    clock,
    peer,
    outgoing,
    states,
    downs,
    get established() {
      return established;
    },
  };
}

/** OPEN and KEEPALIVE from the remote side on conn */
function bringUp(conn: FakeConnection, bgpId?: string): void {
  conn.feedBytewise(Buffer.concat([openBytes(bgpId), KEEPALIVE]));
}

describe('BGP Peer (RFC 4271 section 8, collision detection section 6.8)', () => {
  it('active: Connect, OPEN on connect, OpenSent, OpenConfirm, Established', () => {
    const h = harness();
    assert.equal(h.peer.state, 'idle');
    h.peer.start();
    assert.equal(h.peer.state, 'connect');
    assert.equal(h.outgoing.length, 1);
    const c = h.outgoing[0];
    assert.deepEqual(types(c), []);
    c.emit('connect');
    assert.deepEqual(types(c), ['open']);
    c.feedBytewise(openBytes());
    assert.deepEqual(types(c), ['open', 'keepalive']);
    c.feedBytewise(KEEPALIVE);
    assert.deepEqual(h.states, ['connect', 'opensent', 'openconfirm', 'established']);
    assert.equal(h.established, 1);
    assert.equal(h.peer.negotiated?.peerAs, 65001);
    assert.deepEqual(h.peer.negotiated?.families, [{ afi: 1, safi: 5 }]);
    assert.equal(h.clock.armed, 2, 'hold and keepalive timers only, no connect-retry');
  });

  it('send() writes on the established connection, reports backpressure and forwards drain', () => {
    const h = harness();
    assert.throws(() => h.peer.send(KEEPALIVE), /not established/);
    h.peer.start();
    const c = h.outgoing[0];
    c.emit('connect');
    bringUp(c);
    const before = c.written.length;
    assert.equal(h.peer.send(KEEPALIVE), true);
    c.writeResult = false;
    assert.equal(h.peer.send(KEEPALIVE), false);
    assert.equal(c.written.length, before + 2);
    let drained = 0;
    h.peer.on('drain', () => drained++);
    c.emit('drain');
    assert.equal(drained, 1);
  });

  it('connection refused: Active, then a new attempt when the ConnectRetryTimer expires', () => {
    const h = harness();
    h.peer.start();
    h.outgoing[0].emit('error', new Error('connect ECONNREFUSED'));
    h.outgoing[0].emit('close');
    assert.equal(h.peer.state, 'active');
    assert.equal(h.downs.length, 0);
    h.clock.advance(29_999);
    assert.equal(h.outgoing.length, 1);
    h.clock.advance(1);
    assert.equal(h.outgoing.length, 2);
    assert.equal(h.peer.state, 'connect');
  });

  it('a connect that hangs is dropped and retried after the ConnectRetryTime', () => {
    const h = harness();
    h.peer.start();
    h.clock.advance(30_000);
    assert.equal(h.outgoing[0].destroyed, true);
    assert.equal(h.outgoing.length, 2);
    assert.equal(h.peer.state, 'connect');
  });

  it('after a session error: Idle, incoming refused, reconnects after the ConnectRetryTime', () => {
    const h = harness();
    h.peer.start();
    const c = h.outgoing[0];
    c.emit('connect');
    bringUp(c);
    c.feedBytewise(encodeMessage({ type: 'notification', code: 6, subcode: 4, data: Buffer.alloc(0) }, { fourOctetAs: true }));
    assert.equal(h.peer.state, 'idle');
    assert.equal(h.downs.length, 1);
    assert.deepEqual({ ...h.downs[0][1], data: undefined }, { code: 6, subcode: 4, data: undefined, sent: false });
    const early = new FakeConnection();
    h.peer.accept(early);
    assert.equal(early.destroyed, true);
    h.clock.advance(30_000);
    assert.equal(h.outgoing.length, 2);
    assert.equal(h.peer.state, 'connect');
  });

  it('an incoming session that comes up first ends our own attempt still connecting', () => {
    const h = harness();
    h.peer.start();
    const inc = new FakeConnection();
    h.peer.accept(inc);
    bringUp(inc);
    assert.equal(h.peer.state, 'established');
    assert.equal(h.outgoing[0].destroyed, true);
    h.outgoing[0].emit('close');
    h.clock.advance(60_000); // two ConnectRetryTimes, within the hold time
    assert.equal(h.outgoing.length, 1, 'no new attempt while established');
    assert.equal(h.peer.state, 'established');
  });

  it('passive: waits in Active, takes the incoming connection, and after an error waits again at once', () => {
    const h = harness({ passive: true });
    h.peer.start();
    assert.equal(h.peer.state, 'active');
    const c = new FakeConnection();
    h.peer.accept(c);
    assert.deepEqual(types(c), ['open']);
    bringUp(c);
    assert.equal(h.peer.state, 'established');
    c.emit('close');
    assert.deepEqual(h.states, ['active', 'opensent', 'openconfirm', 'established', 'idle', 'active']);
    assert.deepEqual(h.downs, [['connection closed by the peer', undefined]]);
    assert.equal(h.outgoing.length, 0);
    assert.equal(h.clock.armed, 0);
  });

  it('stop(): Cease / administrative shutdown with the reason, then Idle; later connections refused', () => {
    const h = harness();
    h.peer.start();
    const c = h.outgoing[0];
    c.emit('connect');
    bringUp(c);
    h.peer.stop('maintenance');
    assert.deepEqual(lastNotification(c), [6, 2]);
    const n = c.messages().at(-1) as Extract<BgpMessage, { type: 'notification' }>;
    assert.equal(n.data.subarray(1).toString(), 'maintenance');
    assert.equal(c.ended, true);
    assert.equal(h.peer.state, 'idle');
    assert.equal(h.downs.length, 1);
    assert.equal(h.downs[0][1]?.sent, true);
    const later = new FakeConnection();
    h.peer.accept(later);
    assert.equal(later.destroyed, true);
    h.clock.advance(5000);
    assert.equal(c.destroyed, true, 'a connection that does not close is destroyed');
    h.clock.advance(3600_000);
    assert.equal(h.outgoing.length, 1);
  });

  describe('connection collision (RFC 4271 section 6.8)', () => {
    // local 192.0.2.1: a peer with a higher identifier keeps its own connection, a lower one ours
    const cases = [
      { peerId: '192.0.2.9', first: 'outgoing', survivor: 'incoming' },
      { peerId: '192.0.2.9', first: 'incoming', survivor: 'incoming' },
      { peerId: '192.0.2.0', first: 'outgoing', survivor: 'outgoing' },
      { peerId: '192.0.2.0', first: 'incoming', survivor: 'outgoing' },
    ] as const;
    for (const t of cases) {
      it(`peer identifier ${t.peerId}, OPEN first on the ${t.first} connection: the ${t.survivor} one stays`, () => {
        const h = harness();
        h.peer.start();
        const conns = { outgoing: h.outgoing[0], incoming: new FakeConnection() };
        conns.outgoing.emit('connect');
        h.peer.accept(conns.incoming);
        assert.equal(h.peer.state, 'opensent');
        const second = t.first === 'outgoing' ? 'incoming' : 'outgoing';
        conns[t.first].feedBytewise(openBytes(t.peerId));
        conns[second].feedBytewise(openBytes(t.peerId));
        const loser = t.survivor === 'outgoing' ? 'incoming' : 'outgoing';
        assert.deepEqual(lastNotification(conns[loser]), [6, 7]);
        assert.equal(conns[loser].ended, true);
        assert.equal(lastNotification(conns[t.survivor]), undefined);
        conns[t.survivor].feedBytewise(KEEPALIVE);
        assert.equal(h.peer.state, 'established');
        assert.equal(h.established, 1);
        assert.equal(h.downs.length, 0);
        conns[loser].emit('close');
        assert.equal(h.peer.state, 'established');
      });
    }

    it('equal identifiers (RFC 6286 section 2.3): the connection of the speaker with the larger AS stays', () => {
      const h = harness();
      h.peer.start();
      const out = h.outgoing[0];
      const inc = new FakeConnection();
      out.emit('connect');
      h.peer.accept(inc);
      out.feedBytewise(openBytes('192.0.2.1'));
      inc.feedBytewise(openBytes('192.0.2.1'));
      // remote AS 65001 > local 65000: the remote's (incoming) connection stays
      assert.deepEqual(lastNotification(out), [6, 7]);
      assert.equal(lastNotification(inc), undefined);
    });

    it('a new connection while Established is closed with Cease / collision resolution at its OPEN', () => {
      const h = harness();
      h.peer.start();
      const out = h.outgoing[0];
      out.emit('connect');
      bringUp(out, '192.0.2.0');
      const inc = new FakeConnection();
      h.peer.accept(inc);
      assert.deepEqual(types(inc), ['open']);
      inc.feedBytewise(openBytes('192.0.2.9'));
      assert.deepEqual(lastNotification(inc), [6, 7]);
      assert.equal(h.peer.state, 'established');
      assert.equal(lastNotification(out), undefined);
      assert.equal(h.downs.length, 0);
    });

    it('a newer incoming connection replaces one still opening', () => {
      const h = harness({ passive: true });
      h.peer.start();
      const a = new FakeConnection();
      const b = new FakeConnection();
      h.peer.accept(a);
      h.peer.accept(b);
      assert.deepEqual(lastNotification(a), [6, 7]);
      bringUp(b);
      assert.equal(h.peer.state, 'established');
      assert.equal(h.downs.length, 0);
    });
  });
});
