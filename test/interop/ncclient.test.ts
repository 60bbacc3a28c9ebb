// ncclient 0.6.13 (Debian python3-ncclient, for /usr/bin/python3) against the
// real server: each case runs ncclient_cases.py, which prints what the client
// saw as JSON, and the assertions are made here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, USERS, type TestServer } from '../helpers/server';
import { PYTHON, requireNcclient } from '../helpers/interop';

const SCRIPT = path.join(__dirname, 'ncclient_cases.py');
const YANG_DIR = path.join(__dirname, '..', '..', 'yang');
const NS_REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';
const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const PY_TIMEOUT_MS = 45_000;

const INITIAL_CONTENT = {
  'ncbgp-bgp:bgp': {
    'local-as': 65000,
    'router-id': '192.0.2.1',
    'peer-group': [{ name: 'ebgp-peers' }],
    listen: { port: 0 },
    peer: [
      { address: '127.0.0.2', 'remote-as': 65002 },
      { address: '127.0.0.3', 'remote-as': 65003 },
      { address: '127.0.0.4', 'remote-as': 65004 },
    ],
  },
};

interface RpcErrorSeen {
  type: string | null;
  tag: string | null;
  app_tag: string | null;
  severity: string | null;
  path: string | null;
  /** The prefixes in scope on error-path, as the client resolved them. */
  path_namespaces: Record<string, string>;
  message: string | null;
  info: string | null;
  info_session_id: string | null;
  xml: string;
}

/** What a case saw of one RPC: 'ok', or the rpc-errors ncclient raised. */
type Outcome = 'ok' | RpcErrorSeen[];

/** A datastore's peers as the client read them: address -> leaf -> text. */
type Peers = Record<string, Record<string, string | null>>;

function assertOk(outcome: Outcome, what: string): void {
  assert.equal(outcome, 'ok', `${what} failed: ${JSON.stringify(outcome)}`);
}

/** The one rpc-error of `outcome`, with the tag it must have. */
function onlyError(outcome: Outcome, tag: string, what: string): RpcErrorSeen {
  assert.ok(Array.isArray(outcome), `${what} succeeded; expected ${tag}`);
  assert.equal(outcome.length, 1, JSON.stringify(outcome));
  const [err] = outcome;
  assert.equal(err.tag, tag, err.xml);
  assert.equal(err.severity, 'error', err.xml);
  return err;
}

/** Arguments that run a case's second session as `user`. */
function secondUser(user: { name: string; password: string }): string[] {
  return ['--user2', user.name, '--password2', user.password];
}

/** Runs one case of ncclient_cases.py and returns its JSON output. */
function ncclient<T>(port: number, args: string[]): Promise<T> {
  const { name, password } = USERS.admin;
  const argv = [SCRIPT, ...args, '--port', String(port), '--user', name, '--password', password];
  return new Promise((resolve, reject) => {
    const proc = spawn(PYTHON, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), PY_TIMEOUT_MS);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`ncclient ${args[0]} exited ${code ?? signal}:\n${stderr}${stdout}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`ncclient ${args[0]} printed no JSON:\n${stdout}\n${stderr}`));
      }
    });
  });
}

function yangFile(dir: string, module: string): { file: string; revision: string } {
  const name = readdirSync(dir).find((f) => f === `${module}.yang` || f.startsWith(`${module}@`));
  assert.ok(name, `${module} not found in ${dir}`);
  const file = path.join(dir, name);
  const revision = /revision\s+"?(\d{4}-\d{2}-\d{2})/.exec(readFileSync(file, 'utf8'));
  assert.ok(revision, `no revision in ${file}`);
  return { file, revision: revision[1] };
}

describe('interop: ncclient 0.6.13', function () {
  this.timeout(120_000);
  let server: TestServer | undefined;
  let port = 0;

  before(async function () {
    requireNcclient(this);
    server = await startServer({ config: { 'initial-content': INITIAL_CONTENT } });
    port = server.port;
  });

  after(async function () {
    await server?.stop();
  });

  it('connects: hello with a session-id, base:1.1 and the server capabilities', async function () {
    const r = await ncclient<{ session_id: string; server_capabilities: string[]; base: string }>(port, [
      'hello',
    ]);
    assert.match(r.session_id, /^[1-9][0-9]*$/);
    for (const cap of [
      'urn:ietf:params:netconf:base:1.0',
      'urn:ietf:params:netconf:base:1.1',
      'urn:ietf:params:netconf:capability:notification:1.0',
      'urn:ietf:params:netconf:capability:interleave:1.0',
    ]) {
      assert.ok(r.server_capabilities.includes(cap), `hello lacks ${cap}: ${r.server_capabilities.join(' ')}`);
    }
    // RFC 7950 section 5.6.4: a server with YANG 1.1 modules advertises :yang-library
    assert.ok(
      r.server_capabilities.some((c) => c.startsWith('urn:ietf:params:netconf:capability:yang-library:')),
      'no :yang-library capability',
    );
    assert.equal(r.base, '1.1', 'ncclient did not settle on base:1.1 (chunked framing)');
  });

  it('get of netconf-state lists this session, the datastores, the schemas and the hello capabilities', async function () {
    interface State {
      session_id: string;
      capabilities: string[];
      datastores: string[];
      schemas: { identifier: string; version: string; format: string }[];
      sessions: { session_id: string; username: string; source_host: string }[];
      in_rpcs: string[];
      server_capabilities: string[];
    }
    const r = await ncclient<State>(port, ['netconf-state']);
    assert.deepEqual(
      [...r.capabilities].sort(),
      [...r.server_capabilities].sort(),
      'netconf-state/capabilities differs from the hello (RFC 6022 section 2.1.1)',
    );
    assert.ok(r.datastores.includes('running'), `datastores: ${r.datastores.join(' ')}`);
    const refresh = yangFile(YANG_DIR, 'ncbgp-refresh');
    assert.ok(
      r.schemas.some((s) => s.identifier === 'ncbgp-refresh' && s.version === refresh.revision && /yang$/.test(s.format)),
      `schemas lack ncbgp-refresh@${refresh.revision}: ${JSON.stringify(r.schemas)}`,
    );
    const me = r.sessions.find((s) => s.session_id === r.session_id);
    assert.ok(me, `own session ${r.session_id} not in ${JSON.stringify(r.sessions)}`);
    assert.equal(me.username, USERS.admin.name);
    assert.equal(me.source_host, '127.0.0.1');
    assert.equal(r.in_rpcs.length, 1, 'statistics/in-rpcs');
    assert.match(r.in_rpcs[0], /^[0-9]+$/);
  });

  it('get-config of running with a subtree filter returns only the selected peer', async function () {
    const r = await ncclient<{ peers: string[]; data_xml: string }>(port, ['get-config', '--address', '127.0.0.3']);
    assert.deepEqual(r.peers, ['127.0.0.3'], r.data_xml);
  });

  const schemaCases = [
    { name: 'ncbgp-refresh, no version', module: 'ncbgp-refresh', dir: YANG_DIR, withVersion: false, format: '' },
    { name: 'ncbgp-refresh, version and format yang', module: 'ncbgp-refresh', dir: YANG_DIR, withVersion: true, format: 'yang' },
    { name: 'ietf-netconf-monitoring', module: 'ietf-netconf-monitoring', dir: path.join(YANG_DIR, 'ietf'), withVersion: true, format: '' },
  ];
  for (const c of schemaCases) {
    it(`get-schema returns the module text: ${c.name}`, async function () {
      const { file, revision } = yangFile(c.dir, c.module);
      const args = ['get-schema', '--identifier', c.module];
      if (c.withVersion) args.push('--version', revision);
      if (c.format) args.push('--format', c.format);
      const r = await ncclient<{ text: string }>(port, args);
      assert.equal(r.text, readFileSync(file, 'utf8'));
    });
  }

  it('lock running; a second session is refused with lock-denied naming the holder', async function () {
    interface Lock {
      a_session_id: string;
      b_session_id: string;
      a_lock: boolean;
      b_lock: RpcErrorSeen[] | 'ok';
      a_unlock: boolean;
      b_lock_after_unlock: boolean;
      b_unlock: boolean;
    }
    const r = await ncclient<Lock>(port, ['lock', ...secondUser(USERS.admin)]);
    assert.equal(r.a_lock, true);
    assert.notEqual(r.b_lock, 'ok', 'second lock of running was granted');
    assert.ok(Array.isArray(r.b_lock));
    assert.equal(r.b_lock.length, 1);
    const [err] = r.b_lock;
    assert.equal(err.tag, 'lock-denied', err.xml);
    assert.equal(err.type, 'protocol', err.xml);
    assert.equal(err.severity, 'error', err.xml);
    // RFC 6241 section 7.5: error-info carries the session-id of the lock holder
    assert.equal(err.info_session_id, r.a_session_id, err.xml);
    assert.equal(r.a_unlock, true);
    assert.equal(r.b_lock_after_unlock, true, 'lock not granted after the holder unlocked');
    assert.equal(r.b_unlock, true);
  });

  const invalidCases = [
    {
      name: 'direction sideways',
      body: '<all/><direction>sideways</direction>',
      leaf: 'direction',
    },
    {
      name: 'peer-address 192.0.2.300',
      body: '<peer-address>192.0.2.300</peer-address><direction>import</direction>',
      leaf: 'peer-address',
    },
  ];
  for (const c of invalidCases) {
    it(`refresh-bgp-mvpn with an invalid value (${c.name}) gets invalid-value and an error-path`, async function () {
      const xml = `<refresh-bgp-mvpn xmlns="${NS_REFRESH}">${c.body}</refresh-bgp-mvpn>`;
      const r = await ncclient<{ errors?: RpcErrorSeen[]; reply_xml?: string }>(port, ['rpc', '--xml', xml]);
      assert.ok(r.errors, `no rpc-error: ${r.reply_xml}`);
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      const [err] = r.errors;
      assert.equal(err.tag, 'invalid-value', err.xml);
      assert.ok(err.type === 'application' || err.type === 'protocol', err.xml);
      assert.ok(err.path, `no error-path: ${err.xml}`);
      assert.match(err.path, new RegExp(`(^|/)([\\w.-]+:)?refresh-bgp-mvpn/([\\w.-]+:)?${c.leaf}$`), err.xml);
    });
  }

  it('edit-config to candidate, validate and commit: running changes only at the commit', async function () {
    interface CandidateCommit {
      running_before: Peers;
      candidate: Peers;
      running_before_commit: Peers;
      validate: Outcome;
      commit: Outcome;
      running_after: Peers;
    }
    const address = '192.0.2.10';
    const description = 'set with ncclient';
    const r = await ncclient<CandidateCommit>(port, ['candidate-commit', '--address', address, '--remote-as', '65010', '--description', description]);
    assert.equal(r.running_before[address], undefined, 'peer already in running');
    assert.deepEqual(r.candidate[address], { 'remote-as': '65010', description });
    assert.deepEqual(r.running_before_commit, r.running_before, 'an edit of candidate changed running');
    assertOk(r.validate, 'validate of candidate');
    assertOk(r.commit, 'commit');
    assert.deepEqual(r.running_after, { ...r.running_before, [address]: { 'remote-as': '65010', description } });
  });

  it('confirmed commit then cancel-commit restores running; with persist across sessions; without it at session end', async function () {
    interface ConfirmedCommit {
      running_before: Peers;
      commit: Outcome;
      running_confirmed: Peers;
      cancel: Outcome;
      running_after_cancel: Peers;
      candidate_after_discard: Peers;
      persist_commit: Outcome;
      running_persisted: Peers;
      persist_cancel: Outcome;
      running_after_persist_cancel: Peers;
      session_commit: Outcome;
      running_session_confirmed: Peers;
      running_after_session_end: Peers;
    }
    const address = '192.0.2.11';
    const r = await ncclient<ConfirmedCommit>(port, ['confirmed-commit', '--address', address, '--remote-as', '65011', '--persist', 'ncclient-token']);
    const added = { ...r.running_before, [address]: { 'remote-as': '65011' } };
    assertOk(r.commit, 'confirmed commit');
    assert.deepEqual(r.running_confirmed, added, 'running after the confirmed commit');
    assertOk(r.cancel, 'cancel-commit');
    // RFC 6241 section 8.4.1: running reverts to its state before the confirmed commit
    assert.deepEqual(r.running_after_cancel, r.running_before, 'running after cancel-commit');
    assert.deepEqual(r.candidate_after_discard, r.running_before, 'candidate after discard-changes');

    assertOk(r.persist_commit, 'confirmed commit with persist');
    assert.deepEqual(r.running_persisted, added, 'a persistent confirmed commit ended with its session');
    assertOk(r.persist_cancel, 'cancel-commit with persist-id from another session');
    assert.deepEqual(r.running_after_persist_cancel, r.running_before, 'running after cancel-commit with persist-id');

    assertOk(r.session_commit, 'confirmed commit without persist');
    assert.deepEqual(r.running_session_confirmed, added, 'running during the confirmed commit');
    assert.deepEqual(r.running_after_session_end, r.running_before, 'running after the committing session ended');
  });

  it('a commit that breaks a leafref is refused with data-missing naming the leaf; running is unchanged', async function () {
    interface CommitInvalid {
      running_before: Peers;
      edit_candidate: Outcome;
      validate: Outcome;
      commit: Outcome;
      running_after_commit: Peers;
      edit_running: Outcome;
      running_after_edit: Peers;
    }
    const address = '192.0.2.12';
    const r = await ncclient<CommitInvalid>(port, ['commit-invalid', '--address', address, '--remote-as', '65012', '--group', 'no-such-group']);
    assertOk(r.edit_candidate, 'edit-config of candidate (validated at commit, RFC 7950 section 8.3.3)');
    const path = `/bgp:bgp/bgp:peer[bgp:address='${address}']/bgp:group`;
    // RFC 7950 section 15.5: data-missing, instance-required, error-path to the leafref
    for (const [what, outcome] of [
      ['validate of candidate', r.validate],
      ['commit', r.commit],
      ['edit-config of running', r.edit_running],
    ] as const) {
      const err = onlyError(outcome, 'data-missing', what);
      assert.equal(err.type, 'application', err.xml);
      assert.equal(err.app_tag, 'instance-required', err.xml);
      assert.equal(err.path, path, err.xml);
      assert.equal(err.path_namespaces.bgp, NS_BGP, `prefix bgp of error-path not declared: ${err.xml}`);
    }
    assert.deepEqual(r.running_after_commit, r.running_before, 'running changed by a refused commit');
    assert.deepEqual(r.running_after_edit, r.running_before, 'running changed by a refused edit-config');
  });

  it('lock candidate: another session gets lock-denied naming the holder and in-use on edit-config', async function () {
    interface LockCandidate {
      a_session_id: string;
      a_lock: Outcome;
      b_lock: Outcome;
      b_edit: Outcome;
      a_edit: Outcome;
      a_discard: Outcome;
      a_unlock: Outcome;
      b_edit_after_unlock: Outcome;
      a_lock_modified: Outcome;
      c_lock: Outcome;
      b_lock_after_close: Outcome;
      b_unlock: Outcome;
    }
    const r = await ncclient<LockCandidate>(port, ['lock-candidate', '--address', '192.0.2.13', ...secondUser(USERS.admin)]);
    assertOk(r.a_lock, 'lock');
    // RFC 6241 section 7.5: error-info carries the session-id of the lock holder
    const denied = onlyError(r.b_lock, 'lock-denied', 'second lock of candidate');
    assert.equal(denied.type, 'protocol', denied.xml);
    assert.equal(denied.info_session_id, r.a_session_id, denied.xml);
    const inUse = onlyError(r.b_edit, 'in-use', 'edit-config of a candidate locked by another session');
    assert.ok(inUse.type === 'protocol' || inUse.type === 'application', inUse.xml);
    assertOk(r.a_edit, "the lock holder's edit-config");
    assertOk(r.a_discard, 'discard-changes');
    assertOk(r.a_unlock, 'unlock');
    assertOk(r.b_edit_after_unlock, 'edit-config after unlock');
    // RFC 6241 section 8.3.5.2: no lock on a candidate with changes not committed or discarded
    onlyError(r.a_lock_modified, 'lock-denied', 'lock of a modified candidate');
    assertOk(r.c_lock, 'lock by a third session');
    // RFC 6241 section 7.9: close-session releases the session's locks
    assertOk(r.b_lock_after_close, 'lock after the holder closed its session');
    assertOk(r.b_unlock, 'unlock');
  });

  it('a level-1 user reads the configuration but edit-config is access-denied', async function () {
    interface NacmViewer {
      admin_running: Peers;
      viewer_running: Peers;
      viewer_edit_candidate: Outcome;
      viewer_edit_running: Outcome;
      admin_candidate_after: Peers;
      admin_running_after: Peers;
    }
    const address = '192.0.2.14';
    const r = await ncclient<NacmViewer>(port, ['nacm-viewer', '--address', address, '--remote-as', '65014', ...secondUser(USERS.viewer)]);
    assert.ok(Object.keys(r.admin_running).length > 0, 'no peers in running');
    assert.deepEqual(r.viewer_running, r.admin_running, 'the viewer reads other peers than the admin');
    for (const [target, outcome] of [
      ['candidate', r.viewer_edit_candidate],
      ['running', r.viewer_edit_running],
    ] as const) {
      // RFC 8341 section 3.4.4: the factory rules refuse edit-config itself to level 1
      const err = onlyError(outcome, 'access-denied', `edit-config of ${target} by a level-1 user`);
      assert.equal(err.type, 'protocol', err.xml);
      assert.match(err.info ?? '', /bad-element>edit-config</, err.xml);
    }
    assert.equal(r.admin_candidate_after[address], undefined, 'the refused edit reached candidate');
    assert.deepEqual(r.admin_running_after, r.admin_running, 'the refused edit reached running');
  });

  it('create-subscription: the subscriber gets netconf-session-start for a second session', async function () {
    interface Start {
      subscriber_session_id: string;
      second_session_id: string;
      username?: string;
      session_id?: string;
      source_host?: string;
      notifications: string[];
    }
    const r = await ncclient<Start>(port, ['session-start', ...secondUser(USERS.viewer)]);
    const seen = r.notifications.join('\n');
    assert.equal(r.session_id, r.second_session_id, `no netconf-session-start for it; got:\n${seen}`);
    assert.notEqual(r.second_session_id, r.subscriber_session_id);
    assert.equal(r.username, USERS.viewer.name, seen);
    assert.equal(r.source_host, '127.0.0.1', seen);
  });

  it(':xpath: get and get-config with XPath filters; a level-1 user selects nothing of /nacm:nacm', async function () {
    interface XPathGet {
      xpath_capability: boolean;
      get_peers: string[];
      get_session_states: string[];
      config_peers: Record<string, string[]>;
      plain_form_peers: string[];
      unknown_prefix: Outcome;
      admin_rule_lists: string[];
      viewer_rule_lists: string[];
    }
    const r = await ncclient<XPathGet>(port, ['xpath-get', '--address', '127.0.0.3', ...secondUser(USERS.viewer)]);
    assert.equal(r.xpath_capability, true, 'ncclient does not see :xpath');
    // RFC 6241 section 8.9: the entry with its subtree, state data included in <get>
    assert.deepEqual(r.get_peers, ['127.0.0.3']);
    assert.equal(r.get_session_states.length, 1, JSON.stringify(r));
    // a leaf of every entry comes with the entry's key
    assert.ok(['127.0.0.2', '127.0.0.3', '127.0.0.4'].every((a) => a in r.config_peers), JSON.stringify(r.config_peers));
    for (const children of Object.values(r.config_peers)) assert.deepEqual(children, ['address', 'remote-as'], JSON.stringify(r.config_peers));
    // ncclient's plain form declares no prefix: an implemented module's name serves as one
    assert.deepEqual(r.plain_form_peers, ['127.0.0.3']);
    const err = onlyError(r.unknown_prefix, 'invalid-value', 'an xpath filter with an unknown prefix');
    assert.match(err.message ?? '', /unknown prefix "nosuch"/, err.xml);
    assert.ok(r.admin_rule_lists.length > 0, 'the admin reads the NACM rule-lists');
    assert.deepEqual(r.viewer_rule_lists, [], 'a level-1 user selected /nacm:nacm');
  });

  it('RFC 8526 get-data and edit-data sent with dispatch(): the peer added is in running, and in operational with or:origin', async function () {
    interface Origin {
      namespace: string | null;
      name: string;
    }
    interface GetData {
      edit: Outcome;
      running_peers: string[];
      remote_as: string | null;
      session_state: string | null;
      origins: { bgp: Origin | null; peer: Origin | null; state: Origin | null };
      with_origin_running: Outcome;
      delete: Outcome;
      running_after: string[];
    }
    const address = '192.0.2.20';
    const r = await ncclient<GetData>(port, ['get-data', '--address', address, '--remote-as', '65020']);
    assertOk(r.edit, 'edit-data of running');
    assert.deepEqual(r.running_peers, [address]);
    assert.equal(r.remote_as, '65020');
    assert.ok(r.session_state, JSON.stringify(r));
    // RFC 8342 section 5.3.4: configuration from intended, BGP state learned, the peer inherits its parent's
    const NS_ORIGIN = 'urn:ietf:params:xml:ns:yang:ietf-origin';
    assert.deepEqual(r.origins, { bgp: { namespace: NS_ORIGIN, name: 'intended' }, peer: null, state: { namespace: NS_ORIGIN, name: 'learned' } });
    onlyError(r.with_origin_running, 'invalid-value', 'with-origin on running');
    assertOk(r.delete, 'edit-data deleting the peer');
    assert.deepEqual(r.running_after, []);
  });

  it('RFC 8639 establish-subscription sent with dispatch(): each subscription sends what its filter passes, read with take_notification', async function () {
    interface Seen {
      event: string;
      ns: string;
      session_id: string | null;
      id: string | null;
      reason: string | null;
    }
    interface Subscribed {
      ids: string[];
      second_session_id: string;
      events: Seen[];
      delete_again: Outcome;
    }
    const SN = 'urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications';
    const r = await ncclient<Subscribed>(port, ['subscribed-notifications', ...secondUser(USERS.viewer)]);
    const [starts, ends] = r.ids;
    assert.match(starts, /^[1-9][0-9]*$/);
    assert.notEqual(starts, ends);
    const second = r.events.filter((e) => e.session_id === r.second_session_id).map((e) => e.event);
    // one of each: the subtree filter passes the start only, the XPath filter the end only
    assert.deepEqual(second, ['netconf-session-start', 'netconf-session-end'], JSON.stringify(r.events));
    const terminated = r.events[r.events.length - 1];
    assert.deepEqual(terminated, { event: 'subscription-terminated', ns: SN, session_id: null, id: starts, reason: 'sn:no-such-subscription' });
    const err = onlyError(r.delete_again, 'invalid-value', 'delete-subscription of a deleted subscription');
    assert.equal(err.app_tag, 'ietf-subscribed-notifications:no-such-subscription');
    assert.equal(err.type, 'application');
  });

  it('RFC 8641 establish-subscription to <running> sent with dispatch(): periodic push-updates read with take_notification', async function () {
    interface Pushed {
      id: string;
      updates: { ns: string; id: string; top: string[] }[];
    }
    const r = await ncclient<Pushed>(port, ['yang-push']);
    assert.match(r.id, /^[1-9][0-9]*$/);
    assert.equal(r.updates.length, 2, JSON.stringify(r));
    for (const u of r.updates) {
      assert.equal(u.ns, 'urn:ietf:params:xml:ns:yang:ietf-yang-push');
      assert.equal(u.id, r.id);
      assert.ok(u.top.includes('nacm'), JSON.stringify(u));
    }
  });
});
