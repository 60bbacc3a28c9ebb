// Ansible 7.7 (ansible-core 2.14, ansible.netcommon, ncclient over paramiko)
// against the real server: fixtures/netconf-get.yml run with the json callback.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { child, parseXml, type XmlElement } from '../../src/netconf/xml';
import { NS } from '../../src/netconf/namespaces';
import { startServer, type TestServer } from '../helpers/server';
import { requireTool, runTool, ToolRun } from '../helpers/interop';

const FIXTURES = path.join(__dirname, 'fixtures');
const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const PLAYBOOK_TIMEOUT_MS = 120_000;

const INITIAL_CONTENT = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.1',
    peer: [{ address: '127.0.0.2' }, { address: '127.0.0.3' }],
  },
};

interface TaskResult {
  failed?: boolean;
  msg?: string;
  stdout?: string;
}

interface JsonCallbackOutput {
  plays: { tasks: { task: { name: string }; hosts: Record<string, TaskResult> }[] }[];
  stats: Record<string, { failures: number; unreachable: number; ok: number }>;
}


describe('interop: Ansible ansible.netcommon.netconf_get', function () {
  this.timeout(180_000);
  let server: TestServer | undefined;
  let home = '';
  let out: ToolRun;
  let result: JsonCallbackOutput | undefined;

  function task(name: string): TaskResult {
    assert.ok(result, `no json output:\n${out.stdout}\n${out.stderr}`);
    const t = result.plays[0]?.tasks.find((x) => x.task.name === name);
    assert.ok(t, `task "${name}" did not run:\n${out.stdout}`);
    const r = t.hosts.r1;
    assert.ok(r, `task "${name}" has no result for r1`);
    assert.ok(!r.failed, `task "${name}" failed: ${r.msg}`);
    return r;
  }

  function data(r: TaskResult): XmlElement {
    assert.ok(r.stdout, 'no stdout in the task result');
    const el = parseXml(r.stdout, { maxDepth: 64 });
    assert.equal(el.name, 'data', r.stdout);
    return el;
  }

  before(async function () {
    requireTool(this, 'ansible-playbook', 'package ansible');
    home = mkdtempSync(path.join(os.tmpdir(), 'ncbgp-ansible-'));
    server = await startServer({ config: { 'initial-content': INITIAL_CONTENT } });
    out = await runTool(
      'ansible-playbook',
      [
        '-i',
        path.join(FIXTURES, 'ansible-inventory.ini'),
        '-e',
        `ansible_port=${server.port}`,
        path.join(FIXTURES, 'netconf-get.yml'),
      ],
      {
        ...process.env,
        HOME: home,
        ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'),
        ANSIBLE_PERSISTENT_CONTROL_PATH_DIR: path.join(home, 'pc'),
        ANSIBLE_HOST_KEY_CHECKING: 'False',
        ANSIBLE_STDOUT_CALLBACK: 'json',
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_RETRY_FILES_ENABLED: 'False',
      },
      PLAYBOOK_TIMEOUT_MS,
    );
    try {
      result = JSON.parse(out.stdout) as JsonCallbackOutput;
    } catch {
      result = undefined;
    }
  });

  after(async function () {
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs the playbook without failures', function () {
    assert.equal(out.signal, null, `ansible-playbook killed after ${PLAYBOOK_TIMEOUT_MS} ms`);
    assert.ok(result, `no json output:\n${out.stdout}\n${out.stderr}`);
    assert.deepEqual(
      { failures: result.stats.r1?.failures, unreachable: result.stats.r1?.unreachable, ok: result.stats.r1?.ok },
      { failures: 0, unreachable: 0, ok: 2 },
      out.stdout,
    );
    assert.equal(out.code, 0, out.stderr);
  });

  it('<get> with a netconf-state filter returns only the statistics', function () {
    const d = data(task('netconf-state statistics'));
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
    const d = data(task('running bgp peers'));
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
