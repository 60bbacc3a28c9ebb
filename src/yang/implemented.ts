// The modules this server implements (RFC 8525 section 3: their data nodes,
// operations, notifications and augments are served) and the features of
// each it supports. Every other module under yang/ is import-only: its
// typedefs, groupings and identities are there for the modules that use them.
export const IMPLEMENTED: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['ietf-datastores', []],
  // RFC 6241 section 10.2: the features of the optional capabilities server.ts announces
  ['ietf-netconf', ['writable-running', 'candidate', 'confirmed-commit', 'rollback-on-error', 'validate', 'startup']],
  ['ietf-netconf-monitoring', []],
  ['ietf-netconf-acm', []],
  ['ietf-netconf-notifications', []],
  ['ietf-netconf-with-defaults', []],
  ['ietf-yang-library', []],
  ['notifications', []],
  ['nc-notifications', []],
  ['ncbgp-bgp', []],
  ['ncbgp-refresh', []],
]);
