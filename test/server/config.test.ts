// loadConfig reads YAML 1.2, and a file that is JSON (a subset of it) through
// JSON.parse: the same configuration either way, and YAML's flow style or
// broken JSON still read, or refused, by the YAML parser.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/server/config';

describe('server config file: YAML, and JSON as YAML 1.2', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'ncbgp-config-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const load = (name: string, text: string): ReturnType<typeof loadConfig> => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return loadConfig(file);
  };
  const doc = { 'state-dir': 'st', netconf: { listen: { address: '127.0.0.1', port: 0 }, users: [{ name: 'a', password: 'b', level: 2 }] }, 'initial-content': { 'ncbgp-bgp:bgp': { 'local-as': 65000 } } };

  it('the same configuration from YAML block style, JSON and YAML flow style', () => {
    const yaml = 'state-dir: st\nnetconf:\n  listen:\n    address: 127.0.0.1\n    port: 0\n  users:\n    - { name: a, password: b, level: 2 }\ninitial-content:\n  ncbgp-bgp:bgp:\n    local-as: 65000\n';
    const fromYaml = load('c.yaml', yaml);
    assert.deepEqual(load('c.json', JSON.stringify(doc, null, 2)), fromYaml);
    // flow style is not JSON (unquoted keys): read by the YAML parser
    assert.deepEqual(load('flow.yaml', '{ state-dir: st, netconf: { listen: { address: 127.0.0.1, port: 0 }, users: [ { name: a, password: b, level: 2 } ] }, initial-content: { ncbgp-bgp:bgp: { local-as: 65000 } } }'), fromYaml);
    assert.equal(fromYaml.stateDir, join(dir, 'st'));
  });

  it('JSON that does not parse is refused with the YAML parser\'s reason and the file name', () => {
    assert.throws(
      () => load('broken.json', '{"netconf": {"listen": '),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(join(dir, 'broken.json')),
    );
  });

  it('a JSON file is checked as any other: an unknown key is named', () => {
    assert.throws(() => load('unknown.json', JSON.stringify({ ...doc, netconf: { listen: { adress: '127.0.0.1' } } })), /netconf\.listen\.adress: unknown key/);
  });
});
