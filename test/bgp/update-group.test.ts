// One update group (src/bgp/update-group.ts) over a real Loc-RIB and
// Adj-RIB-Out, its members stand-ins for sockets that take what they are
// given or stop taking: the UPDATEs are made once and every member gets the
// same buffers in the same order; a member that stops reading leaves the
// group without holding the others back, and once it reads again gets the
// rest from where it stood, nothing lost and nothing twice.
import assert from 'node:assert/strict';
import { AdjRibOut, AttributeSets, LocRib, nlriKey, type AttributeSet } from '../../src/bgp/rib';
import { decodeMessage, MessageReader } from '../../src/bgp/wire/codec';
import { GroupMember, GroupTreatment, MessageCursor, OutQueue, UpdateGroup } from '../../src/bgp/update-group';
import { encodeMvpnNlri } from '../../src/bgp/wire/mvpn';

const MVPN = { afi: 1, safi: 5 };
const TREATMENT: GroupTreatment = { family: MVPN, external: true, remoteAs: 65001, localAddress: '192.0.2.1', fourOctetAs: true, enhancedRouteRefresh: true };

/** A member whose socket is read at once while `reading`; otherwise it takes a write and says it is backed up (as net.Socket.write does). */
class Member implements GroupMember {
  readonly queue = new OutQueue();
  readonly written: Buffer[] = [];
  readonly done: string[] = [];
  reading = true;
  constructor(readonly address: string) {}
  flush(): void {
    this.queue.flush((m) => {
      this.written.push(m);
      return this.reading;
    });
  }
  /** reads again: the socket drains */
  resume(): void {
    this.reading = true;
    this.queue.drained();
    this.flush();
  }
}

const routeKey = (i: number): string => nlriKey(encodeMvpnNlri({ routeType: 5, rd: `65000:${i}`, source: '10.0.0.1', group: '232.1.1.1' }));

function world(routes: number): { out: AdjRibOut; locRib: LocRib; attrs: (i: number) => AttributeSet } {
  const sets = new AttributeSets();
  const locRib = new LocRib(MVPN, { localAs: 65000, routerId: '192.0.2.1' });
  const attrs = (i: number): AttributeSet =>
    sets.intern([{ type: 'origin', value: 0 }, { type: 'as-path', segments: [] }, { type: 'extended-communities', values: [Buffer.from([0, 2, 0xfd, 0xe8, 0, 0, 0, i % 7])] }], Buffer.from([192, 0, 2, 1]));
  for (let i = 0; i < routes; i++) locRib.originate(routeKey(i), attrs(i));
  locRib.takeChanges();
  return { out: new AdjRibOut({ treatment: { internal: false, external: true, localAs: 65000, remoteAs: 65001 }, locRib, attributeSets: sets, localAddress: '192.0.2.1' }), locRib, attrs };
}

/** What a peer holds after the messages written to it: NLRI (hex) announced and not withdrawn since. */
function peerTable(written: readonly Buffer[]): Set<string> {
  const reader = new MessageReader();
  const table = new Set<string>();
  for (const chunk of written) reader.push(chunk);
  for (let bytes = reader.next(); bytes !== undefined; bytes = reader.next()) {
    const m = decodeMessage(bytes, { fourOctetAs: true });
    if (m.type !== 'update') continue;
    for (const a of m.attributes) {
      if (a.type === 'mp-unreach') for (const n of a.withdrawn) table.delete(n.toString('hex'));
      if (a.type === 'mp-reach') for (const n of a.nlri) table.add(n.toString('hex'));
    }
  }
  return table;
}

describe('update group: shared UPDATEs, a slow member split out', () => {
  it('every member gets the same buffers, made once; a member that stops reading leaves, and gets the rest once it reads again', () => {
    const { out } = world(20_000);
    const [a, b, c] = ['192.0.2.11', '192.0.2.12', '192.0.2.13'].map((x) => new Member(x));
    c.reading = false;
    const split: UpdateGroup[] = [];
    const pace = {
      slowMemberBytes: 64 * 1024,
      onSlowMember: (g: UpdateGroup, m: GroupMember): void => void split.push(g.split([m])),
    };
    const group = new UpdateGroup(TREATMENT, out, pace);
    for (const m of [a, b, c]) group.members.add(m);
    const update = out.exportAll();
    group.enqueue({ cursor: MessageCursor.of(MVPN, update, group.codec), done: (address) => [a, b, c].find((m) => m.address === address)?.done.push('done') });

    // a and b have it all, the same Buffer objects, and are done; c was left behind with at most the limit queued
    const expected = [...(function* () {
      const cursor = MessageCursor.of(MVPN, update, group.codec);
      for (let n = cursor.next(); n; n = cursor.next()) yield n.message;
    })()];
    assert.ok(expected.length > 5, `${expected.length} batches of UPDATEs`);
    assert.equal(a.written.length, expected.length);
    assert.ok(a.written.every((m, i) => m === b.written[i] && m.equals(expected[i])), 'the same buffers, in order');
    assert.ok(expected.every((m) => m.length > 4096), 'the UPDATEs of a batch in one buffer');
    assert.deepEqual([a.done, b.done, c.done], [['done'], ['done'], []]);
    assert.equal(split.length, 1);
    assert.deepEqual([...group.members], [a, b]);
    assert.deepEqual([...split[0].members], [c]);
    const batch = Math.max(...expected.map((m) => m.length));
    assert.ok(c.queue.bytes > 64 * 1024 && c.queue.bytes <= 64 * 1024 + batch, `c holds ${c.queue.bytes} bytes`);
    assert.ok(split[0].out.sameAs(out), 'the split group has a copy of what was advertised');

    // c reads again: its queue, then the rest from its own group
    c.resume();
    split[0].pump();
    assert.equal(c.written.length, expected.length);
    assert.ok(c.written.every((m, i) => m.equals(expected[i])), 'nothing lost, nothing twice');
    assert.deepEqual(c.done, ['done']);
  });

  it('Loc-RIB changes while the group is behind, slots of withdrawn routes given to new ones: once the member reads, it holds exactly the Loc-RIB', () => {
    const { out, locRib, attrs } = world(20_000);
    const member = new Member('192.0.2.11');
    member.reading = false;
    const group = new UpdateGroup(TREATMENT, out, { slowMemberBytes: 64 * 1024, onSlowMember: () => assert.fail('a member alone is never split') });
    group.members.add(member);
    group.enqueue({ cursor: MessageCursor.of(MVPN, out.exportAll(), group.codec) });
    assert.ok(!group.idle, 'the member does not read: the first advertisement is still being made');
    // three batches of changes while behind: routes leave, new ones take their slots, others change attributes
    for (let round = 0; round < 3; round++) {
      for (let i = round * 1000; i < round * 1000 + 1000; i++) locRib.withdrawOriginated(routeKey(i));
      group.changed(locRib.takeChanges());
      for (let i = 0; i < 800; i++) locRib.originate(routeKey(100_000 + round * 1000 + i), attrs(i));
      for (let i = 10_000; i < 10_100; i++) locRib.originate(routeKey(i), attrs(i + round + 1));
      group.changed(locRib.takeChanges());
    }
    member.resume();
    group.pump();
    assert.ok(group.idle, 'caught up');
    const expected = new Set([...locRib.keys()].map((k) => Buffer.from(k, 'latin1').toString('hex')));
    assert.equal(expected.size, 20_000 - 3000 + 2400);
    assert.deepEqual(peerTable(member.written), expected);
    assert.equal(out.advertisedCount, expected.size);
  });

  it('a cursor copy goes on from the same point', () => {
    const { out } = world(10_000);
    const cursor = MessageCursor.of(MVPN, out.exportAll(), { fourOctetAs: true }, { before: Buffer.from('b'), after: Buffer.from('e') });
    const head = [cursor.next(), cursor.next(), cursor.next()].map((n) => n?.message);
    const copy = cursor.clone();
    const rest = (c: MessageCursor): Buffer[] => {
      const out: Buffer[] = [];
      for (let n = c.next(); n; n = c.next()) out.push(n.message);
      return out;
    };
    const original = rest(cursor);
    assert.deepEqual(rest(copy), original);
    assert.equal(head[0]?.toString(), 'b');
    assert.equal(original.at(-1)?.toString(), 'e');
  });
});
