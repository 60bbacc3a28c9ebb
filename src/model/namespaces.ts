// XML namespaces of the NETCONF standards (RFC 6241, 5277, 6022, 6470, 8525, 6243, 8341).
export const NS = {
  base: 'urn:ietf:params:xml:ns:netconf:base:1.0',
  notification: 'urn:ietf:params:xml:ns:netconf:notification:1.0',
  netmod: 'urn:ietf:params:xml:ns:netmod:notification',
  monitoring: 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring',
  notifications: 'urn:ietf:params:xml:ns:yang:ietf-netconf-notifications',
  yangLibrary: 'urn:ietf:params:xml:ns:yang:ietf-yang-library',
  withDefaults: 'urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults',
  /** RFC 6243 section 6: the wd:default attribute */
  defaultAttribute: 'urn:ietf:params:xml:ns:netconf:default:1.0',
  nacm: 'urn:ietf:params:xml:ns:yang:ietf-netconf-acm',
  /** RFC 8342 datastore identities and the origin annotation, RFC 8526 get-data and edit-data */
  datastores: 'urn:ietf:params:xml:ns:yang:ietf-datastores',
  nmda: 'urn:ietf:params:xml:ns:yang:ietf-netconf-nmda',
  origin: 'urn:ietf:params:xml:ns:yang:ietf-origin',
  /** RFC 8639 subscribed notifications */
  subscribedNotifications: 'urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications',
  /** RFC 8641 YANG-Push, RFC 8072 YANG Patch */
  yangPush: 'urn:ietf:params:xml:ns:yang:ietf-yang-push',
  yangPatch: 'urn:ietf:params:xml:ns:yang:ietf-yang-patch',
  /** RFC 9196 system and notification capabilities */
  systemCapabilities: 'urn:ietf:params:xml:ns:yang:ietf-system-capabilities',
  notificationCapabilities: 'urn:ietf:params:xml:ns:yang:ietf-notification-capabilities',
} as const;

// RFC 6241 section 8 capability URNs.
export const CAPABILITY = {
  base10: 'urn:ietf:params:netconf:base:1.0',
  base11: 'urn:ietf:params:netconf:base:1.1',
  notification: 'urn:ietf:params:netconf:capability:notification:1.0',
  interleave: 'urn:ietf:params:netconf:capability:interleave:1.0',
  xpath: 'urn:ietf:params:netconf:capability:xpath:1.0',
  writableRunning: 'urn:ietf:params:netconf:capability:writable-running:1.0',
  candidate: 'urn:ietf:params:netconf:capability:candidate:1.0',
  confirmedCommit: 'urn:ietf:params:netconf:capability:confirmed-commit:1.1',
  rollbackOnError: 'urn:ietf:params:netconf:capability:rollback-on-error:1.0',
  validate: 'urn:ietf:params:netconf:capability:validate:1.1',
  startup: 'urn:ietf:params:netconf:capability:startup:1.0',
  /** RFC 6243 section 4: the stored configuration is what the client set */
  withDefaults: 'urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&also-supported=report-all,report-all-tagged,trim',
  /** RFC 8526 section 3.1.1.2: with-defaults applies to <operational> too, in the same modes */
  withOperationalDefaults: 'urn:ietf:params:netconf:capability:with-operational-defaults:1.0?basic-mode=explicit&also-supported=report-all,report-all-tagged,trim',
} as const;
