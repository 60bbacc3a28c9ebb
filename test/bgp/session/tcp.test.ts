// Two Peers of ours over real loopback TCP: one active, one passive behind a BgpListener.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { encodeMessage } from '../../../src/bgp/wire/codec';
import { UpdateMessage } from '../../../src/bgp/wire/types';
import { SessionConfig } from '../../../src/bgp/session/fsm';
import { Peer } from '../../../src/bgp/session/peer';
import { BgpListener, connectTcp, systemTimers } from '../../../src/bgp/session/transport';

const base: SessionConfig = {
  localAs: 65001,
  bgpId: '10.0.0.1',
  remoteAs: 65002,
  holdTime: 90,
  connectRetryTime: 5,
  families: [
    { afi: 1, safi: 5 },
    { afi: 1, safi: 1 },
  ],
  routeRefresh: true,
  enhancedRouteRefresh: true,
  passive: false,
};

function update(prefixes: number): UpdateMessage {
  const nlri = Array.from({ length: prefixes }, (_, i) => Buffer.from([24, 10, i >> 8, i & 0xff]));
  return {
    type: 'update',
    withdrawn: [],
    attributes: [
      { type: 'origin', value: 0 },
      { type: 'as-path', segments: [{ type: 2, asns: [65001] }] },
      { type: 'next-hop', address: '192.0.2.1' },
    ],
    nlri,
  };
}

describe('BGP peers over loopback TCP', () => {
  let listener: BgpListener;
  let active: Peer;
  let passive: Peer;
  let passiveSocket: Socket | undefined;
  let port: number;

  beforeEach(async () => {
    // the passive peer (AS 65002) listens on 127.0.0.3 and knows the active one as 127.0.0.2
    passive = new Peer('127.0.0.2', { ...base, localAs: 65002, bgpId: '10.0.0.2', remoteAs: 65001, passive: true }, {
      timers: systemTimers,
      connect: () => {
        throw new Error('a passive peer does not connect');
      },
    });
    listener = new BgpListener((address) =>
      address === '127.0.0.2'
        ? {
            accept: (conn) => {
              passiveSocket = conn as Socket;
              passive.accept(conn);
            },
          }
        : undefined,
    );
    port = (await listener.listen(0, '127.0.0.3')).port;
    active = new Peer('127.0.0.3', base, {
      timers: systemTimers,
      connect: () => connectTcp({ address: '127.0.0.3', port, localAddress: '127.0.0.2' }),
    });
    passive.start();
    active.start();
    await Promise.all([once(active, 'established'), once(passive, 'established')]);
  });

  afterEach(() => {
    active.stop();
    passive.stop();
    listener.close();
  });

  it('comes up to Established on both sides with the capabilities negotiated', () => {
    assert.equal(active.state, 'established');
    assert.equal(passive.state, 'established');
    assert.deepEqual(active.negotiated && { ...active.negotiated, peerCapabilities: undefined }, {
      families: base.families,
      routeRefresh: true,
      enhancedRouteRefresh: true,
      fourOctetAs: true,
      holdTime: 90,
      keepaliveTime: 30,
      peerBgpId: '10.0.0.2',
      peerAs: 65002,
      peerCapabilities: undefined,
    });
    assert.equal(passive.negotiated?.peerBgpId, '10.0.0.1');
  });

  it('carries an UPDATE', async () => {
    const sent = update(3);
    assert.equal(active.send(encodeMessage(sent, { fourOctetAs: true })), true);
    const [received, errors] = await once(passive, 'update');
    assert.deepEqual(errors, []);
    assert.deepEqual((received as UpdateMessage).nlri, sent.nlri);
    assert.deepEqual((received as UpdateMessage).attributes, sent.attributes);
  });

  it('stop() on one side gives the other a Cease / administrative shutdown', async () => {
    const down = once(passive, 'down');
    active.stop('planned maintenance');
    const [reason, notification] = await down;
    assert.deepEqual([notification.code, notification.subcode, notification.sent], [6, 2, false]);
    assert.match(reason, /administrative shutdown: "planned maintenance"/);
    assert.equal(active.state, 'idle');
    // a passive peer waits for the next connection
    assert.equal(passive.state, 'active');
  });

  it('a backpressured connection makes send() return false, then emits drain; nothing is lost', async () => {
    let received = 0;
    passive.on('update', () => received++);
    passiveSocket?.pause();
    const message = encodeMessage(update(900), { fourOctetAs: true });
    let written = 0;
    while (written < 100_000) {
      written++;
      if (!active.send(message)) break;
    }
    assert.ok(written < 100_000, 'send() never reported backpressure');
    const drained = once(active, 'drain');
    passiveSocket?.resume();
    await drained;
    while (received < written) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received, written);
    assert.equal(active.state, 'established');
  });

  it('the listener closes connections from addresses that are no peer', async () => {
    const stranger = connect({ host: '127.0.0.3', port, localAddress: '127.0.0.4' });
    let data = 0;
    stranger.on('data', () => data++);
    stranger.on('error', () => undefined);
    await once(stranger, 'close');
    assert.equal(data, 0);
    assert.equal(passive.state, 'established');
  });
});
