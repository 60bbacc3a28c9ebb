// yangcli (yuma123 2.13, libssh2) against the real server, in batch mode:
// reads, edits of candidate (merge, edit-config), commit.
// yangcli reads the server's modules with get-schema before it can address
// them, so `sget-config /bgp` only works if get-schema of ncbgp-bgp did.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { child, parseXml, type XmlElement } from '../../src/model/xml';
import { NS } from '../../src/model/namespaces';
import { startServer, USERS, type TestServer } from '../helpers/server';
import { requireTool, runTool, ToolRun } from '../helpers/interop';

const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const YANGCLI_TIMEOUT_MS = 60_000;

const INITIAL_CONTENT = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.1',
    listen: { port: 0 },
    peer: [
      { address: '127.0.0.2', 'remote-as': 65002 },
      { address: '127.0.0.3', 'remote-as': 65003 },
    ],
  },
};

const MERGED = { address: '192.0.2.40', 'remote-as': '65040', description: 'merged by yangcli' };
const EDITED = { address: '192.0.2.41', 'remote-as': '65041' };
/** edit-config's <config> content, read by yangcli from a file (config=@file). */
const EDIT_XML = `<bgp xmlns="${NS_BGP}"><peer><address>${EDITED.address}</address><remote-as>${EDITED['remote-as']}</remote-as></peer></bgp>`;

// One command per line, run in order over one session; each gets one reply.
// sget sends a subtree filter; xget would need :xpath, which the server does
// not advertise (yangcli then asks on the terminal whether to send it anyway).
// merge and edit-config go to candidate, yangcli's default target when the
// server has :candidate.
function script(editFile: string): string[] {
  return [
    'sget /netconf-state/statistics',
    'sget /netconf-state/sessions',
    'sget-config /bgp source=running',
    `merge /bgp/peer -- address=${MERGED.address} remote-as=${MERGED['remote-as']} description="${MERGED.description}"`,
    `edit-config target=candidate config=@${editFile}`,
    'sget-config /bgp source=running',
    'sget-config /bgp source=candidate',
    'commit',
    'sget-config /bgp source=running',
    `sget-config /bgp/peer[address='${MERGED.address}'] source=running with-defaults=report-all`,
  ];
}
const COMMANDS = script('FILE').length;

interface Reply {
  /** As yangcli prints it: "RPC OK Reply", "RPC Data Reply", "RPC Error Reply". */
  kind: string;
  doc?: XmlElement;
}

/** The replies yangcli printed, in order, with the <rpc-reply> that --display-mode=xml shows for data and errors. */
function replies(stdout: string): Reply[] {
  const heads = [...stdout.matchAll(/^RPC (\w+) Reply \d+ for session \d+:$/gm)];
  return heads.map((h, i) => {
    const body = stdout.slice((h.index ?? 0) + h[0].length, heads[i + 1]?.index ?? stdout.length);
    const xml = /<rpc-reply[\s>][\s\S]*?<\/rpc-reply>/.exec(body);
    return { kind: h[1], doc: xml ? parseXml(xml[0]) : undefined };
  });
}

function descend(el: XmlElement | undefined, ...names: [string, string][]): XmlElement | undefined {
  let cur = el;
  for (const [ns, name] of names) cur = cur && child(cur, name, ns);
  return cur;
}

/** The peers of a get-config reply's bgp as address -> leaf -> text (leaves only). */
function peersOf(reply: Reply | undefined): Record<string, Record<string, string>> {
  const bgp = descend(reply?.doc, [NS.base, 'data'], [NS_BGP, 'bgp']);
  assert.ok(bgp, `no bgp in ${reply?.kind ?? 'a missing'} reply`);
  const out: Record<string, Record<string, string>> = {};
  for (const p of bgp.children.filter((c) => c.name === 'peer')) {
    const leaves = Object.fromEntries(p.children.filter((c) => c.children.length === 0).map((c) => [c.name, c.text]));
    out[leaves.address] = leaves;
  }
  return out;
}

describe('interop: yangcli (yuma123)', function () {
  this.timeout(120_000);
  let server: TestServer | undefined;
  let home = '';
  let out: ToolRun;
  let seen: Reply[] = [];

  before(async function () {
    requireTool(this, 'yangcli', 'package yangcli');
    home = mkdtempSync(path.join(os.tmpdir(), 'ncbgp-yangcli-'));
    server = await startServer({ config: { 'initial-content': INITIAL_CONTENT } });
    const editFile = path.join(home, 'edit.xml');
    writeFileSync(editFile, EDIT_XML);
    const commands = path.join(home, 'commands');
    writeFileSync(commands, script(editFile).join('\n') + '\n');
    out = await runTool(
      'yangcli',
      [
        `--user=${USERS.admin.name}`,
        `--password=${USERS.admin.password}`,
        '--server=127.0.0.1',
        `--ncport=${server.port}`,
        '--batch-mode',
        `--run-script=${commands}`,
        `--home=${home}`,
        '--display-mode=xml',
        '--timeout=15',
      ],
      // its default key files ($HOME/.ssh/id_rsa) are looked for under HOME
      { ...process.env, HOME: home },
      YANGCLI_TIMEOUT_MS,
    );
    seen = replies(out.stdout);
  });

  after(async function () {
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('connects with password auth and exits cleanly', function () {
    assert.equal(out.signal, null, `yangcli killed after ${YANGCLI_TIMEOUT_MS} ms:\n${out.stdout}`);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.ok(out.stdout.includes(`NETCONF session established for ${USERS.admin.name} on 127.0.0.1`), out.stdout);
    assert.equal(seen.length, COMMANDS, `expected ${COMMANDS} replies:\n${out.stdout}`);
  });

  it('sget /netconf-state/statistics shows the counters', function () {
    const stats = descend(seen[0]?.doc, [NS.base, 'data'], [NS.monitoring, 'netconf-state'], [NS.monitoring, 'statistics']);
    assert.ok(stats, out.stdout);
    for (const counter of ['in-sessions', 'in-rpcs', 'in-bad-rpcs', 'out-rpc-errors', 'out-notifications']) {
      assert.match(child(stats, counter, NS.monitoring)?.text ?? '', /^[0-9]+$/, `${counter}:\n${out.stdout}`);
    }
    assert.ok(Number(child(stats, 'in-sessions', NS.monitoring)?.text) >= 1);
  });

  it('sget /netconf-state/sessions lists its own admin session', function () {
    const sessions = descend(seen[1]?.doc, [NS.base, 'data'], [NS.monitoring, 'netconf-state'], [NS.monitoring, 'sessions']);
    assert.ok(sessions, out.stdout);
    const users = sessions.children
      .filter((s) => s.name === 'session')
      .map((s) => child(s, 'username', NS.monitoring)?.text);
    assert.ok(users.includes(USERS.admin.name), out.stdout);
  });

  it('sget-config /bgp, addressable only through the schema fetched with get-schema', function () {
    const bgp = descend(seen[2]?.doc, [NS.base, 'data'], [NS_BGP, 'bgp']);
    assert.ok(bgp, out.stdout);
    assert.equal(child(bgp, 'local-as', NS_BGP)?.text, '65000');
    const peers = bgp.children.filter((p) => p.name === 'peer').map((p) => child(p, 'address', NS_BGP)?.text);
    assert.deepEqual(peers, ['127.0.0.2', '127.0.0.3']);
  });

  it('merge and edit-config change candidate only', function () {
    assert.equal(seen[3]?.kind, 'OK', `merge: ${out.stdout}`);
    assert.equal(seen[4]?.kind, 'OK', `edit-config: ${out.stdout}`);
    assert.deepEqual(peersOf(seen[5]), peersOf(seen[2]), 'running changed before the commit');
    assert.deepEqual(peersOf(seen[6]), { ...peersOf(seen[2]), [MERGED.address]: MERGED, [EDITED.address]: EDITED });
  });

  it('commit; sget-config of running shows both peers', function () {
    assert.equal(seen[7]?.kind, 'OK', `commit: ${out.stdout}`);
    assert.deepEqual(peersOf(seen[8]), peersOf(seen[6]));
  });

  it('sget-config with-defaults=report-all adds the YANG defaults to what was set (RFC 6243 section 3.1)', function () {
    assert.deepEqual(peersOf(seen[9]), {
      [MERGED.address]: {
        ...MERGED,
        'remote-port': '179',
        passive: 'false',
        'route-refresh': 'true',
        'enhanced-route-refresh': 'true',
      },
    });
    const peer = descend(seen[9]?.doc, [NS.base, 'data'], [NS_BGP, 'bgp'], [NS_BGP, 'peer']);
    const timers = peer && child(peer, 'timers', NS_BGP);
    assert.ok(timers, out.stdout);
    assert.deepEqual(
      Object.fromEntries(timers.children.map((c) => [c.name, c.text])),
      { 'hold-time': '90', 'connect-retry': '120' },
    );
  });
});
