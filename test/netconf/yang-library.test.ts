// What the server says about its modules, all from src/yang/implemented.ts
// through the schema registry: the hello capabilities (RFC 7950 section
// 5.6.4), RFC 8525 /yang-library and the RFC 7895 /modules-state.
import assert from 'node:assert/strict';
import { NS } from '../../src/model/namespaces';
import { child, XmlElement } from '../../src/model/xml';
import { moduleCapabilities, moduleSet, yangLibraryProviders } from '../../src/netconf/yang-library';
import { IMPLEMENTED } from '../../src/yang/implemented';
import { SchemaRegistry } from '../../src/yang/registry';

const L = NS.yangLibrary;

function trees(registry: SchemaRegistry): { library: XmlElement; state: XmlElement } {
  const [library, state] = yangLibraryProviders(moduleSet(registry.modules())).map((p) => p.build());
  return { library, state };
}
const text = (e: XmlElement, name: string): string | undefined => child(e, name, L)?.text;
const all = (e: XmlElement, name: string): XmlElement[] => e.children.filter((c) => c.name === name && c.ns === L);

describe('yang-library and hello capabilities from the implemented modules', function () {
  const registry = SchemaRegistry.load();
  const set = moduleSet(registry.modules());
  const { library, state } = trees(registry);
  const moduleSetEl = child(library, 'module-set', L) as XmlElement;

  it('lists as implemented exactly the modules of implemented.ts, each once, with the features it supports', () => {
    const modules = all(moduleSetEl, 'module');
    const names = modules.map((m) => text(m, 'name'));
    assert.equal(new Set(names).size, names.length, 'no module twice');
    assert.deepEqual([...names].sort(), [...IMPLEMENTED.keys()].filter((n) => registry.module(n)).sort());
    for (const m of modules) {
      assert.deepEqual(
        all(m, 'feature').map((f) => f.text),
        IMPLEMENTED.get(text(m, 'name') ?? ''),
        text(m, 'name'),
      );
    }
  });

  it('lists every other module as import-only, without features', () => {
    const importOnly = all(moduleSetEl, 'import-only-module');
    const names = importOnly.map((m) => text(m, 'name') ?? '');
    assert.deepEqual([...names].sort(), registry.modules().filter((m) => !IMPLEMENTED.has(m.name)).map((m) => m.name).sort());
    for (const n of ['ietf-inet-types', 'ietf-yang-types', 'yuma-ncx']) assert.ok(names.includes(n), n);
    assert.ok(importOnly.every((m) => all(m, 'feature').length === 0 && text(m, 'revision')));
  });

  it('names the deviation of notifications (RFC 5277) by ncbgp-deviations, in both trees', () => {
    const notifications = all(moduleSetEl, 'module').find((m) => text(m, 'name') === 'notifications');
    assert.ok(notifications);
    assert.deepEqual(
      all(notifications, 'deviation').map((d) => d.text),
      ['ncbgp-deviations'],
    );
    assert.ok(all(moduleSetEl, 'module').some((m) => text(m, 'name') === 'ncbgp-deviations'), 'the deviation module is implemented');
    const old = all(state, 'module').find((m) => text(m, 'name') === 'notifications');
    assert.ok(old);
    assert.deepEqual(
      all(old, 'deviation').map((d) => `${text(d, 'name')}@${text(d, 'revision')}`),
      [`ncbgp-deviations@${registry.module('ncbgp-deviations')?.revision}`],
    );
  });

  it('gives /modules-state the same modules, features and conformance (RFC 7895)', () => {
    const entries = all(state, 'module').map((m) => `${text(m, 'name')}@${text(m, 'revision')} ${text(m, 'conformance-type')} ${all(m, 'feature').map((f) => f.text).join(',')}`);
    const expected = registry.modules().map((m) => `${m.name}@${m.revision} ${IMPLEMENTED.has(m.name) ? 'implement' : 'import'} ${(IMPLEMENTED.get(m.name) ?? []).join(',')}`);
    assert.deepEqual(entries.sort(), expected.sort());
    assert.equal(text(state, 'module-set-id'), text(library, 'content-id'));
  });

  it('announces in the hello the implemented YANG 1.0 modules only, with their features and deviations', () => {
    const caps = moduleCapabilities(set);
    const modules = caps.filter((c) => c.includes('?module='));
    const expected = registry
      .modules()
      .filter((m) => IMPLEMENTED.has(m.name) && m.yangVersion === '1')
      .map((m) => {
        const features = IMPLEMENTED.get(m.name) ?? [];
        return `${m.namespace}?module=${m.name}&revision=${m.revision}${features.length ? `&features=${features.join(',')}` : ''}${m.deviations.length ? `&deviations=${m.deviations.join(',')}` : ''}`;
      });
    assert.deepEqual([...modules].sort(), expected.sort());
    assert.ok(modules.includes('urn:ietf:params:xml:ns:netconf:notification:1.0?module=notifications&revision=2008-07-14&deviations=ncbgp-deviations'));
    for (const name of ['yuma-ncx', 'ietf-inet-types', 'ncbgp-bgp']) assert.ok(!modules.some((c) => c.includes(`module=${name}&`)), name);
    const id = text(library, 'content-id');
    assert.ok(caps.includes(`urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04&content-id=${id}`));
  });

  it('changes the content-id when the implemented modules or their features change, and only then', () => {
    const id = (implemented: ReadonlyMap<string, readonly string[]>): string | undefined => text(trees(SchemaRegistry.load(undefined, { implemented })).library, 'content-id');
    const same = id(new Map(IMPLEMENTED));
    assert.equal(same, text(library, 'content-id'));
    const fewerFeatures = new Map(IMPLEMENTED);
    fewerFeatures.set('ietf-netconf', (IMPLEMENTED.get('ietf-netconf') ?? []).filter((f) => f !== 'startup'));
    const importOnly = new Map(IMPLEMENTED);
    importOnly.delete('nc-notifications');
    const ids = new Set([same, id(fewerFeatures), id(importOnly)]);
    assert.equal(ids.size, 3);
  });
});
