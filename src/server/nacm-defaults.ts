// The access rules a fresh server starts with (RFC 8341 section 3.5.2
// /nacm:nacm), built on the router CLI's user levels: each level is one NACM
// group that the transport layer reports for the user (section 3.3.2,
// enable-external-groups).
//   level 0 visit:          reads, but not the BGP configuration or state
//   level 1 monitoring:     reads everything but the NACM rules
//   level 2 configuration:  also configures bgp (the write-side protocol
//                           operations) and runs refresh-bgp-mvpn
//   level 3 management:     everything, NACM rules, kill-session and delete-config included
// Levels 0 and 1 keep get, get-config, get-data, get-schema, the subscriptions
// and close-session; every operation that writes a datastore, holds a lock or
// decides the fate of others' changes is denied to them by its own rule
// (section 3.4.4), as exec-default is permit.
import { NS } from '../model/namespaces';
import { elem, XmlElement } from '../model/xml';

export const LEVEL_GROUPS = ['visit', 'monitoring', 'configuration', 'management'] as const;

/** The NACM groups of a user of this level: the one named for it. */
export function levelGroups(level: number): string[] {
  const group = LEVEL_GROUPS[level];
  return group === undefined ? [] : [group];
}

const BGP_MODULE = 'ncbgp-bgp';
const REFRESH_MODULE = 'ncbgp-refresh';
const NETCONF_MODULE = 'ietf-netconf';
const NMDA_MODULE = 'ietf-netconf-nmda';

interface FactoryRule {
  name: string;
  moduleName: string;
  rpcName?: string;
  accessOperations: string;
  action: 'permit' | 'deny';
  comment: string;
}

/** RFC 6241 operations that change a datastore, lock one, or end or keep the changes of others: level 2 (configuration) and above. */
const WRITE_SIDE_OPERATIONS: readonly (readonly [string, string])[] = [
  ['edit-config', 'Writing configuration is for level 2 (configuration) and above.'],
  ['copy-config', 'Writing configuration is for level 2 (configuration) and above.'],
  ['delete-config', 'Deleting startup is for level 3 (management) alone (RFC 8341 section 3.2.7); said here too.'],
  ['lock', 'A lock holds off the writers: level 2 (configuration) and above.'],
  ['unlock', 'A lock holds off the writers: level 2 (configuration) and above.'],
  ['commit', 'Committing the shared candidate makes it running: level 2 (configuration) and above.'],
  ['discard-changes', "Discarding the shared candidate throws away others' changes: level 2 (configuration) and above."],
  ['cancel-commit', 'Ending a confirmed commit is for level 2 (configuration) and above.'],
  ['validate', 'Validation is a step of the configuration workflow, and its errors can name configuration the user may not read: level 2 (configuration) and above.'],
];

const RULE_LISTS: readonly { name: string; groups: readonly string[]; rules: readonly FactoryRule[] }[] = [
  {
    name: 'read-only',
    groups: ['visit', 'monitoring'],
    rules: [
      { name: 'deny-refresh', moduleName: REFRESH_MODULE, rpcName: '*', accessOperations: 'exec', action: 'deny', comment: 'Soft resets are for level 2 (configuration) and above.' },
      ...WRITE_SIDE_OPERATIONS.map(([rpcName, comment]): FactoryRule => ({ name: `deny-${rpcName}`, moduleName: NETCONF_MODULE, rpcName, accessOperations: 'exec', action: 'deny', comment })),
      { name: 'deny-edit-data', moduleName: NMDA_MODULE, rpcName: 'edit-data', accessOperations: 'exec', action: 'deny', comment: 'Writing configuration is for level 2 (configuration) and above (RFC 8526 edit-data, as edit-config).' },
    ],
  },
  {
    name: 'visit',
    groups: ['visit'],
    rules: [
      { name: 'deny-bgp', moduleName: BGP_MODULE, accessOperations: 'read', action: 'deny', comment: 'Level 0 (visit) does not see the BGP configuration or state.' },
      { name: 'deny-refresh-state', moduleName: REFRESH_MODULE, accessOperations: 'read', action: 'deny', comment: 'Nor the soft reset operations and their notifications.' },
    ],
  },
  {
    name: 'configuration',
    groups: ['configuration', 'management'],
    rules: [{ name: 'permit-bgp-config', moduleName: BGP_MODULE, accessOperations: 'create update delete', action: 'permit', comment: 'Level 2 (configuration) and above configure BGP.' }],
  },
  {
    name: 'management',
    groups: ['management'],
    rules: [{ name: 'permit-all', moduleName: '*', accessOperations: '*', action: 'permit', comment: 'Level 3 (management) may do everything, access control included.' }],
  },
];

const leaf = (name: string, value: string): XmlElement => elem(NS.nacm, name, value);

/** The /nacm:nacm container a server starts with when its initial content has none. */
export function factoryNacm(): XmlElement {
  const ruleLists = RULE_LISTS.map((rl) =>
    elem(NS.nacm, 'rule-list', [
      leaf('name', rl.name),
      ...rl.groups.map((g) => leaf('group', g)),
      ...rl.rules.map((r) =>
        elem(NS.nacm, 'rule', [
          leaf('name', r.name),
          leaf('module-name', r.moduleName),
          ...(r.rpcName === undefined ? [] : [leaf('rpc-name', r.rpcName)]),
          leaf('access-operations', r.accessOperations),
          leaf('action', r.action),
          leaf('comment', r.comment),
        ]),
      ),
    ]),
  );
  return elem(NS.nacm, 'nacm', [
    leaf('enable-nacm', 'true'),
    leaf('read-default', 'permit'),
    leaf('write-default', 'deny'),
    leaf('exec-default', 'permit'),
    leaf('enable-external-groups', 'true'),
    ...ruleLists,
  ]);
}
