// The files of examples/ run as a user runs them (issue 5, "What a user
// runs"): the ncclient script and the Ansible playbook against `ncbgp lab`,
// and the startup configuration loaded by `ncbgp serve --config` (a copy on
// a free port and its own state directory) and checked by yanglint.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { NetconfClient } from '../../src/netconf/client';
import { child, XmlElement } from '../../src/model/xml';
import { JsonCallbackOutput, playTask, runPlaybook } from '../helpers/ansible';
import { PYTHON, requireNcclient, requireTool, runTool, ToolRun } from '../helpers/interop';
import { LabProcess, startLab } from '../helpers/lab';
import { connect, REPO_ROOT, startServer, TestServer } from '../helpers/server';
import { yanglint } from '../helpers/yanglint';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const NS_REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const RUN_TIMEOUT_MS = 120_000;
/** A lab peer of group ebgp-b (the lab's peers go to ebgp-a, ebgp-b, ibgp in turn). */
const PEER = '127.0.1.2';

/** `NAME leaf=value ...` lines of the script's output, by notification name. */
function notificationLines(stdout: string, name: string): Record<string, string>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`${name} `))
    .map((l) => Object.fromEntries(l.split(' ').slice(1).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
}

/** The MVPN routes the server advertises to `peer`, as <get> shows them. */
async function advertised(c: NetconfClient, peer: string): Promise<number> {
  const reply = await c.rpc(`<get><filter type="subtree"><bgp xmlns="${NS_BGP}"><peer><address>${peer}</address><state><mvpn><advertised/></mvpn></state></peer></bgp></filter></get>`);
  const p = child(child(child(reply, 'data') ?? reply, 'bgp', NS_BGP) ?? reply, 'peer', NS_BGP);
  const text = child(child(child(p ?? reply, 'state', NS_BGP) ?? reply, 'mvpn', NS_BGP) ?? reply, 'advertised', NS_BGP)?.text;
  assert.ok(text !== undefined, `no advertised count for ${peer}`);
  return Number(text);
}

async function exportPolicy(c: NetconfClient, peer: string): Promise<string | undefined> {
  const reply = await c.rpc(`<get-config><source><running/></source><filter type="subtree"><bgp xmlns="${NS_BGP}"><peer><address>${peer}</address><mvpn/></peer></bgp></filter></get-config>`);
  const p = child(child(child(reply, 'data') ?? reply, 'bgp', NS_BGP) ?? reply, 'peer', NS_BGP);
  return child(child(p ?? reply, 'mvpn', NS_BGP) ?? reply, 'export-policy', NS_BGP)?.text;
}

describe('examples/refresh_one_peer.py (ncclient) against ncbgp lab', function () {
  this.timeout(180_000);
  let lab: LabProcess | undefined;
  let admin: NetconfClient | undefined;
  const script = (args: string[]): Promise<ToolRun> => runTool(PYTHON, [path.join(EXAMPLES, 'refresh_one_peer.py'), '--port', String(lab?.port), ...args], process.env, RUN_TIMEOUT_MS);

  before(async function () {
    requireNcclient(this);
    lab = await startLab(['--peers', '6', '--routes', '100']);
    admin = await connect(lab);
  });

  after(async () => {
    admin?.destroy();
    await lab?.stop();
  });

  let first: Record<string, string> | undefined;
  let advertisedBefore = 0;

  it('commits the new export policy, refreshes the peer and prints its notifications; exit 0', async () => {
    const c = admin as NetconfClient;
    advertisedBefore = await advertised(c, PEER);
    const r = await script(['--peer', PEER, '--policy', 'no-vrf-2', '--reject-route-target', 'target:65000:2']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^peer ${PEER.replace(/\./g, '\\.')}: export-policy no-vrf-2 \\(rejects target:65000:2\\)$`, 'm'));
    const peers = notificationLines(r.stdout, 'peer-refresh-complete');
    assert.equal(peers.length, 1, r.stdout);
    first = peers[0];
    assert.deepEqual([first['peer-address'], first['afi-safi'], first.direction, first.status, first.completion], [PEER, 'bgp:ipv4-mvpn', 'export', 'completed', 'drained']);
    assert.ok(Number(first.routes) > 0, 'the policy change re-advertised something');
    const done = notificationLines(r.stdout, 'refresh-complete');
    assert.deepEqual(done, [{ 'operation-id': first['operation-id'], selected: '1', completed: '1', skipped: '0', failed: '0' }]);
    assert.equal(await exportPolicy(c, PEER), 'no-vrf-2', 'running has the new export policy');
  });

  it('--clear removes the export policy again: the same routes change back', async () => {
    const r = await script(['--peer', PEER, '--clear']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const [peer] = notificationLines(r.stdout, 'peer-refresh-complete');
    assert.deepEqual([peer?.status, peer?.routes], ['completed', first?.routes]);
    assert.equal(await exportPolicy(admin as NetconfClient, PEER), undefined);
    assert.equal(await advertised(admin as NetconfClient, PEER), advertisedBefore);
  });

  it('exit 2: a peer that is not configured; a monitoring user (access-denied)', async () => {
    const unknown = await script(['--peer', '127.0.0.99']);
    assert.deepEqual([unknown.code, unknown.stderr.trim()], [2, 'peer 127.0.0.99 is not configured']);
    const viewer = await script(['--peer', PEER, '--user', 'viewer', '--password', 'viewer']);
    assert.equal(viewer.code, 2, viewer.stdout);
    assert.match(viewer.stderr, /^rpc-error: access-denied /m);
    assert.equal(await exportPolicy(admin as NetconfClient, PEER), undefined, 'nothing changed');
  });
});

describe('examples/refresh-group.yml (Ansible netconf_rpc + netconf_get) against ncbgp lab', function () {
  this.timeout(300_000);
  let lab: LabProcess | undefined;
  let home = '';

  before(async function () {
    requireTool(this, 'ansible-playbook', 'package ansible');
    home = mkdtempSync(path.join(os.tmpdir(), 'ncbgp-ansible-'));
    lab = await startLab(['--peers', '6', '--routes', '100']);
  });

  after(async () => {
    await lab?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** The playbook with examples/inventory.ini and the lab's port, the json callback. */
  async function playbook(vars: Record<string, string>): Promise<{ run: ToolRun; result: JsonCallbackOutput }> {
    const extra = Object.entries({ ansible_port: String(lab?.port), ...vars }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const { out: run, result } = await runPlaybook(['-i', path.join(EXAMPLES, 'inventory.ini'), ...extra, path.join(EXAMPLES, 'refresh-group.yml')], home, RUN_TIMEOUT_MS);
    assert.equal(run.signal, null, `ansible-playbook killed after ${RUN_TIMEOUT_MS} ms`);
    assert.ok(result, `no json output:\n${run.stdout}\n${run.stderr}`);
    return { run, result };
  }

  const taskMsg = (r: JsonCallbackOutput, name: string): string | undefined => playTask(r, name)?.hosts.lab?.msg;

  for (const [group, direction, peers] of [['ebgp-a', 'export', 2], ['ebgp-b', 'import', 2], ['ibgp', 'import', 2]] as const) {
    it(`group ${group} ${direction}: every task ok, no failure, the peers completed`, async () => {
      const { run, result } = await playbook({ peer_group: group, direction });
      assert.deepEqual(result.stats.lab, { ...result.stats.lab, ok: 6, failures: 0, unreachable: 0 }, run.stdout);
      assert.equal(run.code, 0, run.stderr);
      assert.match(taskMsg(result, 'summary') ?? '', new RegExp(`\\(${direction}, group ${group}\\): ${peers} selected, ${peers} completed, 0 skipped, 0 failed`));
      assert.equal(taskMsg(result, 'no peer failed'), `${peers} of ${peers} peers completed; not completed: []`);
    });
  }

  it('a group that does not exist: the RPC task fails, the playbook fails', async () => {
    const { run, result } = await playbook({ peer_group: 'no-such-group' });
    assert.deepEqual([result.stats.lab?.ok, result.stats.lab?.failures], [0, 1]);
    assert.match(taskMsg(result, 'refresh-bgp-mvpn group') ?? '', /no-such-group/);
    assert.notEqual(run.code, 0);
  });
});

describe('examples/startup-config.yaml', function () {
  this.timeout(120_000);
  const file = path.join(EXAMPLES, 'startup-config.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as { 'state-dir'?: string; netconf: { listen: Record<string, unknown> }; 'initial-content': { 'ncbgp-bgp:bgp': Record<string, unknown> } };
  const bgp = doc['initial-content']['ncbgp-bgp:bgp'];
  const names = (key: string, leaf: string): string[] => (bgp[key] as Record<string, string>[]).map((x) => x[leaf]);
  let server: TestServer | undefined;
  const open: NetconfClient[] = [];
  const session = async (user: string, password: string): Promise<NetconfClient> => {
    const c = await connect(server as TestServer, user, password);
    open.push(c);
    return c;
  };

  after(async () => {
    for (const c of open) c.destroy();
    await server?.stop();
  });

  it('its initial-content is valid ncbgp-bgp configuration for yanglint', function () {
    requireTool(this, 'yanglint', 'libyang2-tools');
    const r = yanglint({ type: 'config', modules: ['yang/ncbgp-bgp.yang'], file: 'bgp.json', data: JSON.stringify(doc['initial-content']) });
    assert.equal(r.status, 0, r.output);
  });

  it('ncbgp serve --config loads it (a copy on a free port): running holds its peers, groups, policies and routes', async () => {
    // the copy: a temporary state-dir (the helper's), NETCONF and BGP on ports the system picks
    const copy = { ...doc, netconf: { ...doc.netconf, listen: { ...doc.netconf.listen, port: 0 } }, 'initial-content': { 'ncbgp-bgp:bgp': { ...bgp, listen: { address: '127.0.0.1', port: 0 } } } };
    delete copy['state-dir'];
    server = await startServer({ config: copy });
    const c = await session('admin', 'admin');
    const reply = await c.rpc(`<get-config><source><running/></source><filter type="subtree"><bgp xmlns="${NS_BGP}"/></filter></get-config>`);
    const running = child(child(reply, 'data') ?? reply, 'bgp', NS_BGP);
    assert.ok(running, 'no bgp in running');
    const list = (name: string, key: string): string[] => running.children.filter((e: XmlElement) => e.name === name).map((e) => child(e, key, NS_BGP)?.text ?? '');
    assert.deepEqual(list('peer', 'address'), names('peer', 'address'));
    assert.deepEqual(list('peer-group', 'name'), names('peer-group', 'name'));
    assert.deepEqual(list('policy', 'name'), names('policy', 'name'));
    assert.deepEqual(list('mvpn-route', 'name'), names('mvpn-route', 'name'));
    const keepAll = running.children.find((p) => p.name === 'peer' && child(p, 'address', NS_BGP)?.text === '198.51.100.22');
    assert.equal(child(child(keepAll ?? running, 'mvpn', NS_BGP) ?? running, 'keep-all-routes', NS_BGP)?.text, 'true');
  });

  it('its users log in with their levels: operator (password-hash) may refresh, noc is refused', async () => {
    assert.ok(server, 'the server did not start');
    const rpc = `<refresh-bgp-mvpn xmlns="${NS_REFRESH}"><all/><direction>export</direction></refresh-bgp-mvpn>`;
    const operator = await session('operator', 'operator');
    const ok = await operator.rpc(rpc);
    assert.ok(child(ok, 'operation-id', NS_REFRESH), JSON.stringify(ok.children.map((x) => x.name)));
    // no peer is reachable from here: every one is skipped, with its session state as the reason
    const skipped = ok.children.filter((x) => x.name === 'skipped-peer').map((x) => child(x, 'peer-address', NS_REFRESH)?.text);
    assert.deepEqual(skipped.sort(), names('peer', 'address').sort());
    const noc = await session('noc', 'noc');
    const denied = await noc.rpc(rpc);
    const err = child(denied, 'rpc-error');
    assert.equal(child(err ?? denied, 'error-tag')?.text, 'access-denied');
  });
});
