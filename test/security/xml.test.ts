// Hostile clients, issue 10 cases 2 and 4: what the XML of one message can do.
// NETCONF is UTF-8 (RFC 6241 section 3); no DTD or entity is ever processed,
// whatever the encoding; attributes, elements and names are bounded while the
// message is parsed, so one message cannot hold the process. Every case runs
// as the level-0 user over real SSH against the real server process, which
// holds a BGP session with an engine of this test; afterwards a second session
// is answered and the BGP session is still the one it was.
import assert from 'node:assert/strict';
import { BgpEngine } from '../../src/bgp/engine';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { NS } from '../../src/model/namespaces';
import { child, serialize, XmlElement } from '../../src/model/xml';
import { testPeer } from '../helpers/engine';
import { connect, startServer, TestServer } from '../helpers/server';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const PEER = '127.0.0.2';
const USERS = [
  { name: 'admin', password: 'admin', level: 3 },
  { name: 'visitor', password: 'visitor', level: 0 },
];
const GET_CONFIG_BGP = `<get-config><source><running/></source><filter type="subtree"><bgp xmlns="${BGP}"/></filter></get-config>`;
const GET_STATS = `<get><filter type="subtree"><netconf-state xmlns="${NS.monitoring}"><statistics/></netconf-state></filter></get>`;

/** An edit-config of running that sets the peer's description to `value` (raw XML text). */
const setDescription = (value: string): string =>
  `<edit-config><target><running/></target><config><bgp xmlns="${BGP}"><peer><address>${PEER}</address><description>${value}</description></peer></bgp></config></edit-config>`;

const rpc = (op: string, id = '101'): string => `<rpc message-id="${id}" xmlns="${NS.base}">${op}</rpc>`;

/** base:1.1 chunked framing of raw bytes (RFC 6242 section 4.2). */
const chunked = (body: Buffer): Buffer => Buffer.concat([Buffer.from(`\n#${body.length}\n`), body, Buffer.from('\n##\n')]);

const utf16le = (s: string): Buffer => Buffer.from(s, 'utf16le');
const utf16be = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf16le');
  for (let i = 0; i < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1], b[i]];
  return b;
};

describe('hostile clients: the XML of one message (issue 10, cases 2 and 4)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let peer: BgpEngine;
  let admin: NetconfClient;
  let visitor: NetconfClient;
  let establishedAt: Date | undefined;
  const peerTransitions: string[] = [];

  /** The reply to raw bytes sent as one message by the level-0 user. */
  async function replyTo(message: Buffer | string): Promise<XmlElement> {
    const reply = new Promise<XmlElement>((resolve) => visitor.once('unmatched-reply', resolve));
    await visitor.sendRaw(chunked(Buffer.isBuffer(message) ? message : Buffer.from(message)));
    return reply;
  }

  /** The reply to raw bytes sent by the administrator (who may write). */
  async function adminReplyTo(message: Buffer | string): Promise<XmlElement> {
    const reply = new Promise<XmlElement>((resolve) => admin.once('unmatched-reply', resolve));
    await admin.sendRaw(chunked(Buffer.isBuffer(message) ? message : Buffer.from(message)));
    return reply;
  }

  const malformed = (reply: XmlElement): string => {
    const errors = replyErrors(reply);
    assert.equal(errors.length, 1, serialize(reply));
    assert.equal(errors[0].tag, 'malformed-message', serialize(reply));
    return errors[0].message ?? '';
  };

  async function description(): Promise<string | undefined> {
    const reply = await admin.rpc(GET_CONFIG_BGP);
    const bgp = child(child(reply, 'data') as XmlElement, 'bgp', BGP);
    const p = bgp?.children.find((c) => c.name === 'peer' && child(c, 'address')?.text === PEER);
    return p ? child(p, 'description')?.text : undefined;
  }

  before(async () => {
    // hold time 3 s: a process held for longer loses the session
    const test = await testPeer(PEER, 65001, [], { holdTime: 3 });
    peer = test.engine;
    peer.on('peer-state', (address, from, to) => peerTransitions.push(`${address} ${from}->${to}`));
    server = await startServer({
      config: {
        netconf: { users: USERS },
        'initial-content': {
          'ncbgp-bgp:bgp': {
            'local-as': 65000,
            'router-id': '192.0.2.1',
            listen: { address: '127.0.0.1', port: 0 },
            peer: [{ address: PEER, 'remote-as': 65001, 'remote-port': test.port, 'local-address': '127.0.0.1', passive: false, timers: { 'hold-time': 3, 'connect-retry': 1 } }],
          },
        },
      },
    });
    admin = await connect(server, 'admin', 'admin');
    visitor = await connect(server, 'visitor', 'visitor');
    for (const end = Date.now() + 20_000; peer.peers().find((p) => p.address === '127.0.0.1')?.state !== 'established'; ) {
      if (Date.now() > end) assert.fail('the BGP session did not come up');
      await new Promise((r) => setTimeout(r, 50));
    }
    establishedAt = peer.peers().find((p) => p.address === '127.0.0.1')?.establishedAt;
    peerTransitions.length = 0;
  });

  afterEach(async () => {
    // a second session is answered, and the BGP session has not moved
    assert.deepEqual(replyErrors(await admin.rpc(GET_STATS)), []);
    assert.equal(visitor.closed, false, 'the level-0 session is still open');
    assert.deepEqual(peerTransitions, []);
    assert.equal(peer.peers().find((p) => p.address === '127.0.0.1')?.establishedAt?.getTime(), establishedAt?.getTime());
  });

  after(async () => {
    admin?.destroy();
    visitor?.destroy();
    await server?.stop();
    await peer?.stop();
  });

  it('an element with 1,000,000 attributes (10.8 MB) is refused at the attributes-per-element limit', async () => {
    const attrs = Array.from({ length: 1_000_000 }, (_, i) => ` a${i}=""`).join('');
    const message = rpc(`<get${attrs}/>`);
    assert.ok(message.length > 10_000_000);
    assert.match(malformed(await replyTo(message)), /more than 256 attributes/);
  });

  it('10,000 namespace declarations on one element are refused at the same limit', async () => {
    const decls = Array.from({ length: 10_000 }, (_, i) => ` xmlns:p${i}="urn:x:${i}"`).join('');
    assert.match(malformed(await replyTo(rpc(`<get${decls}/>`))), /attributes/);
  });

  it('a 64 KB element name is refused at the name length limit', async () => {
    assert.match(malformed(await replyTo(rpc(`<${'n'.repeat(65536)}/>`))), /name/);
  });

  it('UTF-16LE with an internal DTD and its entity: malformed-message, nothing stored (the administrator sends it)', async () => {
    const lol = '<!DOCTYPE rpc [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>';
    for (const [name, bytes] of [
      ['UTF-16LE, no BOM', utf16le(`<?xml version="1.0" encoding="UTF-16"?>${lol}${rpc(setDescription('&b;'))}`)],
      ['UTF-16LE with BOM', utf16le(`\ufeff${lol}${rpc(setDescription('&b;'))}`)],
      ['UTF-16BE with BOM', utf16be(`\ufeff${lol}${rpc(setDescription('&b;'))}`)],
      ['UTF-8 with the DTD', Buffer.from(`${lol}${rpc(setDescription('&b;'))}`)],
    ] as const) {
      malformed(await adminReplyTo(bytes));
      assert.equal(await description(), undefined, name);
    }
  });

  it('encodings other than UTF-8 and byte-order marks are refused, nothing stored', async () => {
    for (const [name, bytes] of [
      ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rpc(setDescription('bom')))])],
      ['declared ISO-8859-1', Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${rpc(setDescription('latin'))}`)],
      ['Latin-1 bytes (invalid UTF-8)', Buffer.from(`${rpc(setDescription('caf\u00e9'))}`, 'latin1')],
      ['a truncated UTF-8 sequence', Buffer.concat([Buffer.from(rpc(setDescription('x')).slice(0, 150)), Buffer.from([0xe2, 0x82]), Buffer.from(rpc(setDescription('x')).slice(150))])],
    ] as const) {
      malformed(await adminReplyTo(bytes));
      assert.equal(await description(), undefined, name);
    }
  });

  it('NUL in a name and in text is refused', async () => {
    malformed(await replyTo(rpc('<g\u0000et/>')));
    malformed(await adminReplyTo(rpc(setDescription('a\u0000b'))));
    assert.equal(await description(), undefined);
  });

  it('processing instructions are skipped; one named xml after the start is refused', async () => {
    assert.deepEqual(replyErrors(await replyTo(rpc(`<?ncbgp note?>${GET_STATS.replace('<statistics/>', '<?pi x?><statistics/>')}`))), []);
    malformed(await replyTo(rpc(`<?xml version="1.0"?>${GET_STATS}`)));
  });

  it('CDATA is text: markup characters in it are stored as characters', async () => {
    const reply = await adminReplyTo(rpc(setDescription('<![CDATA[a <b> & c]]>')));
    assert.deepEqual(replyErrors(reply), [], serialize(reply));
    assert.equal(await description(), 'a <b> & c');
    await admin.rpc(setDescription('').replace('<description></description>', `<description xmlns:nc="${NS.base}" nc:operation="remove"/>`));
    assert.equal(await description(), undefined);
  });

  it('an unknown namespace is an error of the operation, not of the parser, and the session goes on', async () => {
    const errors = replyErrors(await replyTo(rpc('<frobnicate xmlns="urn:example:unknown"/>')));
    assert.equal(errors.length, 1);
    assert.ok(['operation-not-supported', 'unknown-namespace'].includes(errors[0].tag), errors[0].tag);
    const filtered = await replyTo(rpc('<get><filter type="subtree"><x xmlns="urn:example:unknown"/></filter></get>'));
    assert.deepEqual(replyErrors(filtered), []);
  });
});
