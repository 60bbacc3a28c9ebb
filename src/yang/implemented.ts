// The modules this server implements (RFC 8525 section 3: their data nodes,
// operations, notifications and augments are served) and the features of
// each it supports. Every other module under yang/ is import-only: its
// typedefs, groupings and identities are there for the modules that use them.
export const IMPLEMENTED: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['ietf-datastores', []],
  // RFC 6241 section 10.2: the features of the optional capabilities server.ts announces
  ['ietf-netconf', ['writable-running', 'candidate', 'confirmed-commit', 'rollback-on-error', 'validate', 'startup', 'xpath']],
  ['ietf-netconf-monitoring', []],
  ['ietf-netconf-acm', []],
  ['ietf-netconf-notifications', []],
  ['ietf-netconf-with-defaults', []],
  // RFC 8526: get-data, edit-data, with the origin annotation and with-defaults
  ['ietf-netconf-nmda', ['origin', 'with-defaults']],
  ['ietf-origin', []],
  // RFC 8639 dynamic subscriptions over NETCONF (RFC 8640): not configured ones, dscp, qos or JSON
  ['ietf-subscribed-notifications', ['encode-xml', 'replay', 'subtree', 'xpath']],
  // RFC 8641 YANG-Push over NETCONF: periodic and on-change subscriptions to <running> and <operational>
  ['ietf-yang-push', ['on-change']],
  // RFC 9196: /system-capabilities tells which nodes support on-change
  ['ietf-system-capabilities', []],
  ['ietf-notification-capabilities', []],
  ['ietf-yang-library', []],
  // RFC 5277: create-subscription (its <notification> envelope deviated away by ncbgp-deviations), /netconf/streams
  ['notifications', []],
  ['nc-notifications', []],
  ['ncbgp-deviations', []],
  ['ncbgp-bgp', []],
  ['ncbgp-refresh', []],
]);
