// What the server says about its modules: hello capabilities (RFC 6020
// section 5.6.4, RFC 7950 section 5.6.4, RFC 8526 section 2) and the
// ietf-yang-library state, RFC 8525 and its deprecated RFC 7895 subtree.
import { createHash } from 'node:crypto';
import { ModuleInfo } from '../yang/schema';
import { NS } from '../model/namespaces';
import { StateProvider } from './server';
import { elem, XmlElement } from '../model/xml';

const L = NS.yangLibrary;
const LIBRARY_REVISION = '2019-01-04';

export interface ModuleSet {
  readonly implemented: readonly ModuleInfo[];
  readonly importOnly: readonly ModuleInfo[];
  /** enabled features by module name */
  readonly features: ReadonlyMap<string, readonly string[]>;
}

export function moduleSet(all: readonly ModuleInfo[], implemented: ReadonlySet<string>, features: ReadonlyMap<string, readonly string[]> = new Map()): ModuleSet {
  return { implemented: all.filter((m) => implemented.has(m.name)), importOnly: all.filter((m) => !implemented.has(m.name)), features };
}

/** Changes whenever the set of modules, revisions or features changes. */
function contentId(set: ModuleSet): string {
  const h = createHash('sha256');
  for (const m of [...set.implemented, ...set.importOnly]) h.update(`${m.name}@${m.revision ?? ''}:${(set.features.get(m.name) ?? []).join(',')};`);
  return h.digest('hex').slice(0, 16);
}

/** YANG 1.0 modules are announced in the hello; YANG 1.1 modules only through the library. */
export function moduleCapabilities(set: ModuleSet): string[] {
  const id = contentId(set);
  const caps = set.implemented
    .filter((m) => m.yangVersion === '1')
    .map((m) => {
      let uri = `${m.namespace}?module=${m.name}`;
      if (m.revision) uri += `&revision=${m.revision}`;
      const f = set.features.get(m.name);
      if (f && f.length) uri += `&features=${f.join(',')}`;
      return uri;
    });
  caps.push(`urn:ietf:params:netconf:capability:yang-library:1.0?revision=${LIBRARY_REVISION}&module-set-id=${id}`);
  caps.push(`urn:ietf:params:netconf:capability:yang-library:1.1?revision=${LIBRARY_REVISION}&content-id=${id}`);
  return caps;
}

function identity(name: string, prefix: string, ns: string, value: string): XmlElement {
  const e = elem(L, name, `${prefix}:${value}`);
  e.nsDecls = { [prefix]: ns };
  return e;
}

export function yangLibraryProviders(set: ModuleSet): StateProvider[] {
  const id = contentId(set);
  const features = (m: ModuleInfo): XmlElement[] => (set.features.get(m.name) ?? []).map((f) => elem(L, 'feature', f));
  const rev = (m: ModuleInfo): XmlElement[] => (m.revision ? [elem(L, 'revision', m.revision)] : []);
  const library = elem(L, 'yang-library', [
    elem(L, 'module-set', [
      elem(L, 'name', 'all'),
      ...set.implemented.map((m) => elem(L, 'module', [elem(L, 'name', m.name), ...rev(m), elem(L, 'namespace', m.namespace), ...features(m)])),
      ...set.importOnly.map((m) => elem(L, 'import-only-module', [elem(L, 'name', m.name), elem(L, 'revision', m.revision ?? ''), elem(L, 'namespace', m.namespace)])),
    ]),
    elem(L, 'schema', [elem(L, 'name', 'all'), elem(L, 'module-set', 'all')]),
    ...['running', 'candidate', 'startup', 'operational'].map((ds) => elem(L, 'datastore', [identity('name', 'ds', 'urn:ietf:params:xml:ns:yang:ietf-datastores', ds), elem(L, 'schema', 'all')])),
    elem(L, 'content-id', id),
  ]);
  const modulesState = elem(L, 'modules-state', [
    elem(L, 'module-set-id', id),
    ...[...set.implemented, ...set.importOnly].map((m) =>
      elem(L, 'module', [
        elem(L, 'name', m.name),
        elem(L, 'revision', m.revision ?? ''),
        elem(L, 'namespace', m.namespace),
        ...features(m),
        elem(L, 'conformance-type', set.importOnly.includes(m) ? 'import' : 'implement'),
      ]),
    ),
  ]);
  return [
    { ns: L, name: 'yang-library', build: () => library },
    { ns: L, name: 'modules-state', build: () => modulesState },
  ];
}
