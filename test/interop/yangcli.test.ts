// yangcli (yuma123 2.13, libssh2) against the real server, in batch mode.
// yangcli reads the server's modules with get-schema before it can address
// them, so `sget-config /bgp` only works if get-schema of ncbgp-bgp did.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { child, parseXml, type XmlElement } from '../../src/netconf/xml';
import { NS } from '../../src/netconf/namespaces';
import { startServer, USERS, type TestServer } from '../helpers/server';
import { requireTool, runTool, ToolRun } from '../helpers/interop';

const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const YANGCLI_TIMEOUT_MS = 60_000;

const INITIAL_CONTENT = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.1',
    peer: [{ address: '127.0.0.2' }, { address: '127.0.0.3' }],
  },
};

// One command per line, run in order over one session. sget sends a subtree
// filter; xget would need :xpath, which the server does not advertise
// (yangcli then asks on the terminal whether to send it anyway).
const SCRIPT = ['sget /netconf-state/statistics', 'sget /netconf-state/sessions', 'sget-config /bgp source=running'];


/** The <rpc-reply> documents that --display-mode=xml prints, in order. */
function replies(stdout: string): XmlElement[] {
  return [...stdout.matchAll(/<rpc-reply[\s>][\s\S]*?<\/rpc-reply>/g)].map((m) => parseXml(m[0], { maxDepth: 64 }));
}

function descend(el: XmlElement | undefined, ...names: [string, string][]): XmlElement | undefined {
  let cur = el;
  for (const [ns, name] of names) cur = cur && child(cur, name, ns);
  return cur;
}

describe('interop: yangcli (yuma123)', function () {
  this.timeout(120_000);
  let server: TestServer | undefined;
  let home = '';
  let out: ToolRun;
  let docs: XmlElement[] = [];

  before(async function () {
    requireTool(this, 'yangcli', 'package yangcli');
    home = mkdtempSync(path.join(os.tmpdir(), 'ncbgp-yangcli-'));
    server = await startServer({ config: { 'initial-content': INITIAL_CONTENT } });
    const script = path.join(home, 'commands');
    writeFileSync(script, SCRIPT.join('\n') + '\n');
    out = await runTool(
      'yangcli',
      [
        `--user=${USERS.admin.name}`,
        `--password=${USERS.admin.password}`,
        '--server=127.0.0.1',
        `--ncport=${server.port}`,
        '--batch-mode',
        `--run-script=${script}`,
        `--home=${home}`,
        '--display-mode=xml',
        '--timeout=15',
      ],
      // its default key files ($HOME/.ssh/id_rsa) are looked for under HOME
      { ...process.env, HOME: home },
      YANGCLI_TIMEOUT_MS,
    );
    docs = replies(out.stdout);
  });

  after(async function () {
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('connects with password auth and exits cleanly', function () {
    assert.equal(out.signal, null, `yangcli killed after ${YANGCLI_TIMEOUT_MS} ms:\n${out.stdout}`);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.ok(out.stdout.includes(`NETCONF session established for ${USERS.admin.name} on 127.0.0.1`), out.stdout);
    assert.equal(docs.length, SCRIPT.length, `expected ${SCRIPT.length} replies:\n${out.stdout}`);
  });

  it('sget /netconf-state/statistics shows the counters', function () {
    const stats = descend(docs[0], [NS.base, 'data'], [NS.monitoring, 'netconf-state'], [NS.monitoring, 'statistics']);
    assert.ok(stats, out.stdout);
    for (const counter of ['in-sessions', 'in-rpcs', 'in-bad-rpcs', 'out-rpc-errors', 'out-notifications']) {
      assert.match(child(stats, counter, NS.monitoring)?.text ?? '', /^[0-9]+$/, `${counter}:\n${out.stdout}`);
    }
    assert.ok(Number(child(stats, 'in-sessions', NS.monitoring)?.text) >= 1);
  });

  it('sget /netconf-state/sessions lists its own admin session', function () {
    const sessions = descend(docs[1], [NS.base, 'data'], [NS.monitoring, 'netconf-state'], [NS.monitoring, 'sessions']);
    assert.ok(sessions, out.stdout);
    const users = sessions.children
      .filter((s) => s.name === 'session')
      .map((s) => child(s, 'username', NS.monitoring)?.text);
    assert.ok(users.includes(USERS.admin.name), out.stdout);
  });

  it('sget-config /bgp, addressable only through the schema fetched with get-schema', function () {
    const bgp = descend(docs[2], [NS.base, 'data'], [NS_BGP, 'bgp']);
    assert.ok(bgp, out.stdout);
    assert.equal(child(bgp, 'local-as', NS_BGP)?.text, '65000');
    const peers = bgp.children.filter((p) => p.name === 'peer').map((p) => child(p, 'address', NS_BGP)?.text);
    assert.deepEqual(peers, ['127.0.0.2', '127.0.0.3']);
  });
});
