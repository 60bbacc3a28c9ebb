// The configuration operations end to end over SSH (RFC 6241 sections 7, 8;
// RFC 6243; RFC 6470 config events): what a NETCONF client sees.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetconfClient, replyErrors } from '../../src/netconf/client';
import { child, serialize, XmlElement } from '../../src/model/xml';
import { event, field, inbox, sessionPool, subscribe } from '../helpers/netconf';
import { connect, startServer, TestServer } from '../helpers/server';

const BGP = 'urn:ncbgp:yang:ncbgp-bgp';
const WD = 'urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults';

const bgpConfig = (inner: string): string => `<config><bgp xmlns="${BGP}">${inner}</bgp></config>`;
const BASE_BGP = bgpConfig('<local-as>65000</local-as><router-id>192.0.2.1</router-id><listen><port>0</port></listen><peer-group><name>ebgp</name><type>external</type><remote-as>65001</remote-as></peer-group>');
const peer = (address: string, extra = ''): string => bgpConfig(`<peer><address>${address}</address><remote-as>65001</remote-as>${extra}</peer>`);

const edit = (target: string, config: string, params = ''): string => `<edit-config><target><${target}/></target>${params}${config}</edit-config>`;
const getConfig = (source: string, params = ''): string => `<get-config><source><${source}/></source><filter type="subtree"><bgp xmlns="${BGP}"/></filter>${params}</get-config>`;

/** The peer addresses a get-config reply holds. */
function peers(reply: XmlElement): string[] {
  const bgp = child(child(reply, 'data') as XmlElement, 'bgp');
  return (bgp?.children ?? []).filter((c) => c.name === 'peer').map((p) => child(p, 'address')?.text ?? '');
}

function ok(reply: XmlElement): void {
  assert.deepEqual(replyErrors(reply), [], serialize(reply));
  assert.ok(child(reply, 'ok') || child(reply, 'data'), serialize(reply));
}

function error(reply: XmlElement): { tag: string; path?: string; appTag?: string; message?: string; info?: XmlElement } {
  const errors = replyErrors(reply);
  assert.equal(errors.length, 1, serialize(reply));
  return errors[0];
}

describe('configuration datastores (RFC 6241 sections 7, 8)', function () {
  this.timeout(30_000);
  let server: TestServer;
  const { session, closeAll } = sessionPool(() => server);

  beforeEach(async () => {
    server = await startServer();
    const c = await session();
    ok(await c.rpc(edit('running', BASE_BGP)));
  });
  afterEach(async () => {
    closeAll();
    await server.stop();
  });

  it('advertises the configuration capabilities and ietf-netconf features', async () => {
    const c = await session();
    for (const cap of ['writable-running:1.0', 'candidate:1.0', 'confirmed-commit:1.1', 'rollback-on-error:1.0', 'validate:1.1', 'startup:1.0']) {
      assert.ok(c.serverCapabilities.includes(`urn:ietf:params:netconf:capability:${cap}`), cap);
    }
    assert.ok(c.serverCapabilities.some((u) => u.startsWith('urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&also-supported=')));
    const netconf = c.serverCapabilities.find((u) => u.includes('module=ietf-netconf&')) ?? '';
    assert.match(netconf, /features=.*candidate/);
  });

  it('edit-config to the candidate changes running only at commit, and subscribers see netconf-config-change', async () => {
    const c = await session();
    const watcher = await session();
    const box = inbox(watcher);
    ok(await subscribe(watcher));
    ok(await c.rpc(edit('candidate', peer('10.0.0.1'))));
    assert.deepEqual(peers(await c.rpc(getConfig('candidate'))), ['10.0.0.1']);
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), []);
    ok(await c.rpc('<commit/>'));
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), ['10.0.0.1']);
    let n = event(await box.next());
    while (n.name !== 'netconf-config-change') n = event(await box.next());
    const changedBy = child(n, 'changed-by') as XmlElement;
    assert.equal(field(changedBy, 'username'), 'admin');
    assert.equal(field(n, 'datastore'), 'running');
    const edits = n.children.filter((e) => e.name === 'edit');
    assert.equal(edits.length, 1);
    assert.equal(field(edits[0], 'operation'), 'create');
    assert.equal(field(edits[0], 'target'), "/bgp:bgp/bgp:peer[bgp:address='10.0.0.1']");
  });

  it('refuses an invalid change with the offending node in error-path, and running stays as it was', async () => {
    const c = await session();
    const e = error(await c.rpc(edit('running', peer('10.0.0.1', '<group>nosuch</group>'))));
    assert.equal(e.tag, 'data-missing');
    assert.equal(e.appTag, 'instance-required');
    assert.equal(e.path, "/bgp:bgp/bgp:peer[bgp:address='10.0.0.1']/bgp:group");
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), []);
    const bad = error(await c.rpc(edit('running', peer('10.0.0.300'))));
    assert.equal(bad.tag, 'invalid-value');
  });

  it('test-option test-only validates without applying; continue-on-error applies what it can and reports the rest', async () => {
    const c = await session();
    ok(await c.rpc(edit('running', peer('10.0.0.1'), '<test-option>test-only</test-option>')));
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), []);
    const member = (address: string, remoteAs = ''): string => `<peer><address>${address}</address>${remoteAs && `<remote-as>${remoteAs}</remote-as>`}<group>ebgp</group></peer>`;
    const reply = await c.rpc(edit('running', bgpConfig(member('10.0.0.2', 'x') + member('10.0.0.3', 'y') + member('10.0.0.4')), '<error-option>continue-on-error</error-option>'));
    // each element in error is skipped with its subtree, the rest applied
    assert.deepEqual(replyErrors(reply).map((e) => [e.tag, e.path]), [
      ['invalid-value', "/bgp:bgp/bgp:peer[bgp:address='10.0.0.2']/bgp:remote-as"],
      ['invalid-value', "/bgp:bgp/bgp:peer[bgp:address='10.0.0.3']/bgp:remote-as"],
    ]);
    assert.equal(child(reply, 'ok'), undefined);
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    const running = serialize(await c.rpc(getConfig('running')));
    for (const address of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) assert.ok(running.includes(member(address)), running);
  });

  it('validate and commit report every violation of the candidate; discard-changes drops them', async () => {
    const c = await session();
    ok(await c.rpc(edit('candidate', bgpConfig('<peer><address>10.0.0.1</address><group>g1</group></peer><peer><address>10.0.0.2</address><group>g2</group></peer>'))));
    const v = replyErrors(await c.rpc('<validate><source><candidate/></source></validate>'));
    assert.deepEqual(v.map((e) => e.tag), ['data-missing', 'data-missing']);
    assert.equal(replyErrors(await c.rpc('<commit/>')).length, 2);
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), []);
    ok(await c.rpc('<discard-changes/>'));
    assert.deepEqual(peers(await c.rpc(getConfig('candidate'))), []);
    ok(await c.rpc('<validate><source><candidate/></source></validate>'));
  });

  it('locks: in-use for another session\'s writes, lock-denied with its session-id, released when the session dies', async () => {
    const a = await session();
    const b = await session();
    ok(await a.rpc('<lock><target><running/></target></lock>'));
    assert.equal(error(await b.rpc(edit('running', peer('10.0.0.1')))).tag, 'in-use');
    const denied = error(await b.rpc('<lock><target><running/></target></lock>'));
    assert.equal(denied.tag, 'lock-denied');
    assert.ok(denied.info && serialize(denied.info).includes('<session-id'));
    ok(await a.rpc(edit('running', peer('10.0.0.1'))));
    a.destroy();
    for (let i = 0; i < 50; i++) {
      const r = await b.rpc('<lock><target><running/></target></lock>');
      if (!replyErrors(r).length) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail('the lock was not released when its session ended');
  });

  it('a modified candidate cannot be locked; a candidate locked by a session that dies is discarded', async () => {
    const a = await session();
    const b = await session();
    ok(await a.rpc(edit('candidate', peer('10.0.0.1'))));
    assert.equal(error(await b.rpc('<lock><target><candidate/></target></lock>')).tag, 'lock-denied');
    ok(await a.rpc('<discard-changes/>'));
    ok(await a.rpc('<lock><target><candidate/></target></lock>'));
    ok(await a.rpc(edit('candidate', peer('10.0.0.1'))));
    assert.equal(error(await b.rpc('<commit/>')).tag, 'in-use');
    a.destroy();
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(peers(await b.rpc(getConfig('candidate'))), []);
  });

  it('confirmed commit rolls back at its timeout, with netconf-confirmed-commit events', async () => {
    const c = await session();
    const box = inbox(c);
    ok(await subscribe(c));
    ok(await c.rpc(edit('candidate', peer('10.0.0.1'))));
    ok(await c.rpc('<commit><confirmed/><confirm-timeout>1</confirm-timeout></commit>'));
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), ['10.0.0.1']);
    const events: string[] = [];
    while (!events.includes('timeout')) {
      const e = event(await box.next(5000));
      if (e.name === 'netconf-confirmed-commit') events.push(field(e, 'confirm-event') ?? '');
    }
    assert.deepEqual(events, ['start', 'timeout']);
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), []);
  });

  it('confirmed commit with persist survives its session; another session confirms it with persist-id, or cancels it', async () => {
    const a = await session();
    ok(await a.rpc(edit('candidate', peer('10.0.0.1'))));
    ok(await a.rpc('<commit><confirmed/><persist>tok1</persist></commit>'));
    a.destroy();
    const b = await session();
    assert.equal(error(await b.rpc('<commit><persist-id>wrong</persist-id></commit>')).tag, 'invalid-value');
    ok(await b.rpc('<commit><persist-id>tok1</persist-id></commit>'));
    assert.deepEqual(peers(await b.rpc(getConfig('running'))), ['10.0.0.1']);
    ok(await b.rpc(edit('candidate', peer('10.0.0.2'))));
    ok(await b.rpc('<commit><confirmed/><persist>tok2</persist></commit>'));
    assert.deepEqual(peers(await b.rpc(getConfig('running'))), ['10.0.0.1', '10.0.0.2']);
    ok(await b.rpc('<cancel-commit><persist-id>tok2</persist-id></cancel-commit>'));
    assert.deepEqual(peers(await b.rpc(getConfig('running'))), ['10.0.0.1']);
    assert.equal(error(await b.rpc('<cancel-commit/>')).tag, 'operation-failed');
  });

  it('a confirmed commit without persist is rolled back when its session ends', async () => {
    const a = await session();
    ok(await a.rpc(edit('candidate', peer('10.0.0.1'))));
    ok(await a.rpc('<commit><confirmed/></commit>'));
    a.destroy();
    const b = await session();
    for (let i = 0; i < 50 && peers(await b.rpc(getConfig('running'))).length; i++) await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(peers(await b.rpc(getConfig('running'))), []);
  });

  it('copy-config running to startup, delete-config startup; running is no delete-config target', async () => {
    const c = await session();
    ok(await c.rpc(edit('running', peer('10.0.0.1'))));
    ok(await c.rpc('<copy-config><target><startup/></target><source><running/></source></copy-config>'));
    assert.deepEqual(peers(await c.rpc(getConfig('startup'))), ['10.0.0.1']);
    ok(await c.rpc(edit('running', bgpConfig('<peer xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"><address>10.0.0.1</address></peer>'))));
    ok(await c.rpc('<copy-config><target><running/></target><source><startup/></source></copy-config>'));
    assert.deepEqual(peers(await c.rpc(getConfig('running'))), ['10.0.0.1']);
    ok(await c.rpc('<delete-config><target><startup/></target></delete-config>'));
    assert.deepEqual(peers(await c.rpc(getConfig('startup'))), []);
    // ietf-netconf (RFC 6241 section 10) offers startup and url only
    assert.equal(error(await c.rpc('<delete-config><target><running/></target></delete-config>')).tag, 'unknown-element');
  });

  it('with-defaults: explicit as stored, report-all adds defaults, trim drops values equal to them', async () => {
    const c = await session();
    ok(await c.rpc(edit('running', peer('10.0.0.1', '<remote-port>179</remote-port>'))));
    const port = async (mode?: string): Promise<string | undefined> => {
      const r = await c.rpc(getConfig('running', mode ? `<with-defaults xmlns="${WD}">${mode}</with-defaults>` : ''));
      const p = child(child(child(r, 'data') as XmlElement, 'bgp') as XmlElement, 'peer') as XmlElement;
      return child(p, 'remote-port')?.text;
    };
    assert.equal(await port(), '179');
    assert.equal(await port('trim'), undefined);
    ok(await c.rpc(edit('running', peer('10.0.0.1', '<remote-port xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"/>'))));
    assert.equal(await port(), undefined);
    assert.equal(await port('report-all'), '179');
  });
});

describe('access control by user level (RFC 8341)', function () {
  this.timeout(30_000);
  let server: TestServer;
  const users = [0, 1, 2, 3].map((level) => ({ name: `level${level}`, password: `level${level}`, level }));

  before(async () => {
    server = await startServer({ config: { netconf: { users } } });
    const c = await connect(server, 'level3');
    ok(await c.rpc(edit('running', BASE_BGP)));
    await c.close();
  });
  after(() => server.stop());

  const as = async <T>(level: number, fn: (c: NetconfClient) => Promise<T>): Promise<T> => {
    const c = await connect(server, `level${level}`);
    try {
      return await fn(c);
    } finally {
      c.destroy();
    }
  };

  it('level 1 reads but cannot configure; level 0 does not see bgp', async () => {
    await as(1, async (c) => {
      const r = await c.rpc(getConfig('running'));
      assert.ok(child(child(r, 'data') as XmlElement, 'bgp'));
      assert.equal(error(await c.rpc(edit('running', peer('10.0.0.9')))).tag, 'access-denied');
    });
    await as(0, async (c) => {
      const r = await c.rpc(getConfig('running'));
      assert.equal(child(child(r, 'data') as XmlElement, 'bgp'), undefined);
    });
  });

  it('refresh-bgp-mvpn is refused to levels 0 and 1 with access-denied', async () => {
    const rpc = '<refresh-bgp-mvpn xmlns="urn:ncbgp:yang:ncbgp-refresh"><all/><direction>export</direction></refresh-bgp-mvpn>';
    for (const level of [0, 1]) await as(level, async (c) => assert.equal(error(await c.rpc(rpc)).tag, 'access-denied'));
    await as(2, async (c) => assert.ok(child(await c.rpc(rpc), 'operation-id'), 'level 2 runs it'));
  });

  it('level 2 configures bgp but not access control; level 3 edits the NACM rules over NETCONF', async () => {
    const nacm = '<config><nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm"><read-default>deny</read-default></nacm></config>';
    await as(2, async (c) => {
      ok(await c.rpc(edit('running', peer('10.0.0.2'))));
      assert.equal(error(await c.rpc(edit('running', nacm))).tag, 'access-denied');
      assert.equal(error(await c.rpc('<kill-session><session-id>999</session-id></kill-session>')).tag, 'access-denied');
    });
    await as(3, async (c) => {
      ok(await c.rpc(edit('running', nacm)));
      ok(await c.rpc(edit('running', '<config><nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm"><read-default>permit</read-default></nacm></config>')));
      const r = await c.rpc('<get><filter type="subtree"><nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm"/></filter></get>');
      const counters = child(child(r, 'data') as XmlElement, 'nacm') as XmlElement;
      // level 1's edit-config was refused as an operation (factory rules), level 2's NACM write as data
      assert.ok(Number(field(counters, 'denied-operations')) >= 1, serialize(counters));
      assert.ok(Number(field(counters, 'denied-data-writes')) >= 1, serialize(counters));
    });
  });
});

describe('persistence: nothing committed is lost', function () {
  this.timeout(60_000);

  it('after kill -9 the server comes back with exactly the committed running configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncbgp-kill-'));
    try {
      const first = await startServer({ dir });
      const c = await connect(first);
      ok(await c.rpc(edit('running', BASE_BGP)));
      for (let i = 1; i <= 20; i++) {
        ok(await c.rpc(edit('candidate', peer(`10.0.1.${i}`))));
        ok(await c.rpc('<commit/>'));
      }
      ok(await c.rpc(edit('running', bgpConfig('<peer xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"><address>10.0.1.7</address></peer>'))));
      // a confirmed commit not yet confirmed is rolled back by the restart (RFC 6241 section 8.4.1)
      ok(await c.rpc(edit('candidate', peer('10.0.9.9'))));
      ok(await c.rpc('<commit><confirmed/><persist>p</persist></commit>'));
      const before = serialize(child(await c.rpc(getConfig('running')), 'data') as XmlElement);
      first.proc.kill('SIGKILL');
      await new Promise((res) => first.proc.once('exit', res));
      c.destroy();
      const second = await startServer({ dir });
      try {
        const d = await connect(second);
        const after = serialize(child(await d.rpc(getConfig('running')), 'data') as XmlElement);
        assert.equal(after, before.replace(/<peer><address>10\.0\.9\.9<\/address><remote-as>65001<\/remote-as><\/peer>/, ''));
        assert.equal(peers(await d.rpc(getConfig('running'))).length, 19);
        d.destroy();
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
