// Ansible 7.7 (ansible-core 2.14, ansible.netcommon, ncclient over paramiko)
// against the real server: the playbooks of fixtures/ run with the json callback.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { child, parseXml, type XmlElement } from '../../src/model/xml';
import { NS } from '../../src/model/namespaces';
import { startServer, type TestServer } from '../helpers/server';
import { playTask, runPlaybook, type PlaybookRun, type TaskResult } from '../helpers/ansible';
import { requireTool } from '../helpers/interop';

const FIXTURES = path.join(__dirname, 'fixtures');
const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const PLAYBOOK_TIMEOUT_MS = 120_000;

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

/** Runs fixtures/`playbook` against `port` with the json callback, `home` as HOME. */
function runFixture(playbook: string, port: number, home: string): Promise<PlaybookRun> {
  return runPlaybook(['-i', path.join(FIXTURES, 'ansible-inventory.ini'), '-e', `ansible_port=${port}`, '--diff', path.join(FIXTURES, playbook)], home, PLAYBOOK_TIMEOUT_MS);
}

/** The result for r1 of the task named `name`, which must not have failed. */
function task(run: PlaybookRun, name: string): TaskResult {
  const { out, result } = run;
  assert.ok(result, `no json output:\n${out.stdout}\n${out.stderr}`);
  const t = playTask(result, name);
  assert.ok(t, `task "${name}" did not run:\n${out.stdout}`);
  const r = t.hosts.r1;
  assert.ok(r, `task "${name}" has no result for r1`);
  assert.ok(!r.failed, `task "${name}" failed: ${r.msg}`);
  return r;
}

function data(r: TaskResult): XmlElement {
  assert.ok(r.stdout, 'no stdout in the task result');
  const el = parseXml(r.stdout);
  assert.equal(el.name, 'data', r.stdout);
  return el;
}

/** The playbook ran to its end: exit 0, no failed or unreachable host, `ok` tasks ok. */
function assertRan(run: PlaybookRun, ok: number): void {
  const { out, result } = run;
  assert.equal(out.signal, null, `ansible-playbook killed after ${PLAYBOOK_TIMEOUT_MS} ms`);
  assert.ok(result, `no json output:\n${out.stdout}\n${out.stderr}`);
  assert.deepEqual(
    { failures: result.stats.r1?.failures, unreachable: result.stats.r1?.unreachable, ok: result.stats.r1?.ok },
    { failures: 0, unreachable: 0, ok },
    out.stdout,
  );
  assert.equal(out.code, 0, out.stderr);
}

/** A server with INITIAL_CONTENT and a temporary HOME for one playbook run. */
function playbookSuite(playbook: string): { run: () => PlaybookRun } {
  let server: TestServer | undefined;
  let home = '';
  let run: PlaybookRun | undefined;

  before(async function () {
    requireTool(this, 'ansible-playbook', 'package ansible');
    home = mkdtempSync(path.join(os.tmpdir(), 'ncbgp-ansible-'));
    server = await startServer({ config: { 'initial-content': INITIAL_CONTENT } });
    run = await runFixture(playbook, server.port, home);
  });

  after(async function () {
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  return {
    run: () => {
      assert.ok(run, 'the playbook did not run');
      return run;
    },
  };
}

describe('interop: Ansible ansible.netcommon.netconf_get', function () {
  this.timeout(180_000);
  const suite = playbookSuite('netconf-get.yml');

  it('runs the playbook without failures', function () {
    assertRan(suite.run(), 2);
  });

  it('<get> with a netconf-state filter returns only the statistics', function () {
    const d = data(task(suite.run(), 'netconf-state statistics'));
    const state = child(d, 'netconf-state', NS.monitoring);
    assert.ok(state);
    assert.deepEqual(
      state.children.map((c) => c.name),
      ['statistics'],
    );
    const stats = child(state, 'statistics', NS.monitoring);
    assert.ok(stats);
    assert.ok(Number(child(stats, 'in-sessions', NS.monitoring)?.text) >= 1);
    assert.match(child(stats, 'in-rpcs', NS.monitoring)?.text ?? '', /^[0-9]+$/);
  });

  it('<get-config> of running with a bgp filter returns the peers and nothing else', function () {
    const d = data(task(suite.run(), 'running bgp peers'));
    const bgp = child(d, 'bgp', NS_BGP);
    assert.ok(bgp);
    assert.deepEqual(
      bgp.children.map((c) => c.name),
      ['peer', 'peer'],
    );
    assert.deepEqual(
      bgp.children.map((p) => child(p, 'address', NS_BGP)?.text),
      ['127.0.0.2', '127.0.0.3'],
    );
  });
});

describe('interop: Ansible ansible.netcommon.netconf_config', function () {
  this.timeout(180_000);
  const suite = playbookSuite('netconf-config.yml');

  it('runs the playbook without failures', function () {
    assertRan(suite.run(), 3);
  });

  it('pushes a BGP peer to candidate and commits it: changed', function () {
    const r = task(suite.run(), 'push peer');
    assert.equal(r.changed, true, JSON.stringify(r));
  });

  it('the same push again reports no change (idempotent)', function () {
    const r = task(suite.run(), 'push peer again');
    // netconf_config compares get-config of candidate before and after its edit-config
    assert.equal(r.changed, false, `before:\n${r.diff?.before}\nafter:\n${r.diff?.after}`);
  });

  it('netconf_get of running shows the peer', function () {
    const r = task(suite.run(), 'running peer');
    const bgp = child(data(r), 'bgp', NS_BGP);
    assert.ok(bgp, r.stdout);
    const peers = bgp.children.filter((c) => c.name === 'peer');
    assert.equal(peers.length, 1);
    assert.deepEqual(
      Object.fromEntries(peers[0].children.map((c) => [c.name, c.text])),
      { address: '192.0.2.20', 'remote-as': '65020', description: 'pushed by ansible' },
    );
  });
});
