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

/** The server's modules by conformance (RFC 8525 section 3), as the schema registry loaded them. */
export interface ModuleSet {
  readonly implemented: readonly ModuleInfo[];
  readonly importOnly: readonly ModuleInfo[];
}

export function moduleSet(all: readonly ModuleInfo[]): ModuleSet {
  return { implemented: all.filter((m) => m.conformance === 'implement'), importOnly: all.filter((m) => m.conformance === 'import') };
}

/** Changes whenever a module, its revision, its conformance, its features or its deviations change. */
function contentId(set: ModuleSet): string {
  const h = createHash('sha256');
  for (const m of [...set.implemented, ...set.importOnly]) h.update(`${m.conformance} ${m.name}@${m.revision ?? ''}:${m.supportedFeatures.join(',')}:${m.deviations.join(',')};`);
  return h.digest('hex').slice(0, 16);
}

/** RFC 7950 section 5.6.4: implemented YANG 1.0 modules are announced in the hello (RFC 6020 section 5.6.4 form); YANG 1.1 ones only through the library. */
export function moduleCapabilities(set: ModuleSet): string[] {
  const id = contentId(set);
  const caps = set.implemented
    .filter((m) => m.yangVersion === '1')
    .map((m) => {
      let uri = `${m.namespace}?module=${m.name}`;
      if (m.revision) uri += `&revision=${m.revision}`;
      if (m.supportedFeatures.length) uri += `&features=${m.supportedFeatures.join(',')}`;
      if (m.deviations.length) uri += `&deviations=${m.deviations.join(',')}`;
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
  const features = (m: ModuleInfo): XmlElement[] => m.supportedFeatures.map((f) => elem(L, 'feature', f));
  const rev = (m: ModuleInfo): XmlElement[] => (m.revision ? [elem(L, 'revision', m.revision)] : []);
  // RFC 7895: a deviation is named with its revision; RFC 8525: by the name of an implemented module
  const deviationsState = (m: ModuleInfo): XmlElement[] =>
    m.deviations.map((d) => elem(L, 'deviation', [elem(L, 'name', d), elem(L, 'revision', set.implemented.find((i) => i.name === d)?.revision ?? '')]));
  const library = elem(L, 'yang-library', [
    elem(L, 'module-set', [
      elem(L, 'name', 'all'),
      ...set.implemented.map((m) => elem(L, 'module', [elem(L, 'name', m.name), ...rev(m), elem(L, 'namespace', m.namespace), ...features(m), ...m.deviations.map((d) => elem(L, 'deviation', d))])),
      ...set.importOnly.map((m) => elem(L, 'import-only-module', [elem(L, 'name', m.name), elem(L, 'revision', m.revision ?? ''), elem(L, 'namespace', m.namespace)])),
    ]),
    elem(L, 'schema', [elem(L, 'name', 'all'), elem(L, 'module-set', 'all')]),
    // RFC 8342 section 5: the datastores <get-data> reads (RFC 8526 section 3.1), all of one schema
    ...['running', 'candidate', 'startup', 'intended', 'operational'].map((ds) => elem(L, 'datastore', [identity('name', 'ds', NS.datastores, ds), elem(L, 'schema', 'all')])),
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
        ...deviationsState(m),
        elem(L, 'conformance-type', m.conformance),
      ]),
    ),
  ]);
  return [
    // fixed while the server runs: nothing to signal, on-change holds (RFC 8641 section 3.10)
    { ns: L, name: 'yang-library', build: () => library, onChange: [] },
    { ns: L, name: 'modules-state', build: () => modulesState, onChange: [] },
  ];
}
