// NETCONF Access Control Model, RFC 8341: the server's enforcement points of
// section 3.4 (protocol operations 3.4.4, data nodes 3.4.5, notifications
// 3.4.6) over the rules of the running datastore's /nacm:nacm container.
// Pure: the caller hands in the configuration and the data; no I/O.
//
// Choices made where the RFC leaves room:
// - Read (3.2.4): a node the user may not read is omitted with all its
//   descendants, even when a later rule would permit one of them. A list entry
//   whose key leaf may not be read is omitted too (an entry without its key
//   is no entry). A container is kept, empty if need be, when its children are.
// - Write (3.2.5): every node of a created subtree needs "create" and every
//   node of a deleted subtree "delete"; a changed leaf or a moved entry needs
//   "update". Denied, error-path names the node the client created, or the
//   topmost node of a deletion (never a node below it that the client may not
//   be able to read, 3.4.3). When the user may not read that node or one
//   above it, error-path names the topmost such node and the message no kind
//   of change: which node was refused, and whether as a create or an update,
//   would tell what exists there (3.4.5).
// - Notifications (3.4.6): past the event type, an RFC 6470
//   netconf-config-change keeps only the edits whose target the subscriber
//   may read as <get> would show it (the node, its ancestors, a list entry's
//   keys); one left with no edit is not sent. The other notifications this
//   server sends name no data node of another module (the soft reset ones
//   tell of ncbgp-refresh's own operations, whose rules cover them).
// - A rule's path is a node-instance-identifier whose prefixes mean what the
//   XML namespace declarations around the <path> leaf say; a prefix declared
//   nowhere is taken as a module name, then as a YANG module prefix. A path
//   that cannot be resolved matches no node.
//
// Cost: the parsed rules are cached per /nacm:nacm element (a new object is a
// new configuration) and per user. A node whose descendants all get its own
// decision (no rule can tell them apart from it, no default-deny extension
// below it changes a default) is decided once and its subtree is not walked:
// a read of 10,000 peers under the factory rules costs microseconds.
import type { DiffEntry } from '../datastore/diff';
import { childLookup, frameOf } from '../yang/data-tree';
import type { DataNodeSchema, NacmDefault, RpcSchema } from '../yang/schema';
import type { SchemaRegistry } from '../yang/registry';
import { dataChildren } from '../yang/schema';
import { Frame, pathOf } from '../yang/instance-path';
import { NS } from '../model/namespaces';
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import { elem, resolvePrefix, XmlElement } from '../model/xml';

export interface NacmUser {
  readonly name: string;
  /** groups the transport layer reports (section 3.3.2); here, the user's level */
  readonly externalGroups: readonly string[];
  /** section 3.3.3: a recovery session bypasses access control */
  readonly recovery: boolean;
}

/** Section 3.2.2 access operations. */
export type AccessOperation = 'create' | 'read' | 'update' | 'delete' | 'exec';

/** The config false counters of /nacm:nacm (section 3.5.2). */
export interface NacmCounters {
  deniedOperations: number;
  deniedDataWrites: number;
  deniedNotifications: number;
}

const ALL_OPERATIONS: readonly AccessOperation[] = ['create', 'read', 'update', 'delete', 'exec'];
type DataOperation = Exclude<AccessOperation, 'exec'>;

/** One step of a rule's path: a node name, its namespace and its predicates ('.' for a leaf-list value). */
interface PathStep {
  readonly ns: string;
  readonly name: string;
  readonly predicates: readonly { readonly ns: string; readonly name: string; readonly value: string }[];
}

type RuleType =
  | { readonly kind: 'any' }
  | { readonly kind: 'protocol-operation'; readonly rpcName: string }
  | { readonly kind: 'notification'; readonly notificationName: string }
  /** steps undefined: the path did not resolve and matches nothing */
  | { readonly kind: 'data-node'; readonly steps: readonly PathStep[] | undefined };

interface Rule {
  readonly name: string;
  readonly moduleName: string;
  readonly type: RuleType;
  readonly operations: ReadonlySet<AccessOperation>;
  readonly permit: boolean;
}

interface RuleList {
  readonly groups: ReadonlySet<string>;
  readonly rules: readonly Rule[];
}

/** The rules one user is subject to, in order, split by what they can match. */
interface UserRules {
  readonly data: Readonly<Record<DataOperation, readonly Rule[]>>;
  readonly exec: readonly Rule[];
  readonly notification: readonly Rule[];
  /** 3.4.4 decisions on the operations of loaded modules, by namespace and name */
  readonly operations: Map<string, Map<string, boolean>>;
}

/** Section 3.3.4 global controls and the rules, parsed from /nacm:nacm. */
interface Policy {
  readonly enabled: boolean;
  readonly readPermit: boolean;
  readonly writePermit: boolean;
  readonly execPermit: boolean;
  readonly externalGroups: boolean;
  readonly members: ReadonlyMap<string, readonly string[]>; // user-name -> groups
  readonly ruleLists: readonly RuleList[];
  readonly users: Map<string, UserRules>;
  /** the same, by the user object a session keeps */
  readonly byUser: WeakMap<NacmUser, UserRules>;
}

/** Users remembered per policy; past this the cache starts again. */
const USER_CACHE_LIMIT = 1024;

/** Where a node stands: its element, its schema, its ancestors. */
interface Step {
  readonly up?: Step;
  readonly el: XmlElement;
  readonly schema?: DataNodeSchema;
  readonly depth: number; // 0 for a top-level node
  readonly module: string;
  /** the strongest default-deny extension on the node or an ancestor (3.4.5 steps 9, 10: "and all its descendants") */
  readonly deny?: NacmDefault;
}

/** What the schema below a node holds: the modules of its descendants and their extensions. */
interface Below {
  readonly modules: ReadonlySet<string>;
  readonly denyAll: boolean;
  readonly denyWrite: boolean;
}

const NO_BELOW: Below = { modules: new Set(), denyAll: false, denyWrite: false };

interface Decision {
  readonly permit: boolean;
  readonly byRule: boolean;
}
const PERMIT_BY_RULE: Decision = { permit: true, byRule: true };
const DENY_BY_RULE: Decision = { permit: false, byRule: true };
const PERMIT_BY_DEFAULT: Decision = { permit: true, byRule: false };
const DENY_BY_DEFAULT: Decision = { permit: false, byRule: false };

export class AccessControl {
  readonly counters: NacmCounters = { deniedOperations: 0, deniedDataWrites: 0, deniedNotifications: 0 };
  private readonly policies = new WeakMap<XmlElement, Policy>();
  private readonly factoryPolicy: Policy;
  private readonly below = new WeakMap<DataNodeSchema, Below>();
  /** a config-change target's nodes, parsed once for every subscriber (null: it names no node) */
  private readonly targets = new WeakMap<XmlElement, readonly XmlElement[] | null>();
  private modulePrefixes?: ReadonlyMap<string, string>;
  /** top-level schema nodes found, by namespace and name (the schema does not change) */
  private readonly tops = new Map<string, Map<string, DataNodeSchema>>();

  constructor(
    private readonly schema: SchemaRegistry,
    private readonly nacmConfig: () => XmlElement | undefined,
  ) {
    this.factoryPolicy = this.parsePolicy(undefined);
  }

  /** Section 3.4.4: may the user invoke this protocol operation (the rpc element's namespace and name)? */
  operationAllowed(user: NacmUser, ns: string, name: string): boolean {
    const policy = this.policy();
    // steps 1-3
    if (!policy.enabled || user.recovery || (ns === NS.base && name === 'close-session')) return true;
    const rules = this.userRules(policy, user);
    let permit = rules.operations.get(ns)?.get(name);
    if (permit === undefined) {
      const rpc = this.schema.rpc(ns, name);
      permit = this.execDecision(policy, rules, ns, name, rpc);
      // remembered for the operations of loaded modules only: the others are as many as clients send
      if (rpc) {
        const byName = rules.operations.get(ns) ?? new Map<string, boolean>();
        rules.operations.set(ns, byName.set(name, permit));
      }
    }
    if (!permit) this.counters.deniedOperations++;
    return permit;
  }

  /** Steps 4-12 of 3.4.4. */
  private execDecision(policy: Policy, rules: UserRules, ns: string, name: string, rpc: RpcSchema | undefined): boolean {
    const moduleName = rpc?.module ?? this.moduleOf(ns);
    // steps 4-8
    const rule = rules.exec.find((r) => moduleMatches(r, moduleName) && (r.type.kind === 'any' || (r.type.kind === 'protocol-operation' && nameMatches(r.type.rpcName, name))));
    if (rule) return rule.permit;
    if (rpc?.nacm === 'default-deny-all') return false; // step 10
    if (ns === NS.base && (name === 'kill-session' || name === 'delete-config')) return false; // step 11, sections 3.2.7, 3.2.10
    return policy.execPermit; // step 12
  }

  /** Sections 3.2.4, 3.4.5: the nodes the user may read; the others are omitted silently with their descendants. */
  filterRead(user: NacmUser, nodes: readonly XmlElement[]): XmlElement[] {
    const policy = this.policy();
    if (!policy.enabled || user.recovery) return [...nodes];
    const rules = this.userRules(policy, user).data.read;
    const out: XmlElement[] = [];
    for (const el of nodes) {
      const kept = this.readable(policy, rules, this.step(undefined, el, this.topLevel(el.ns, el.name)));
      if (kept) out.push(kept);
    }
    return out;
  }

  /**
   * Sections 3.2.5, 3.4.5: the first change the user may not make, as an
   * access-denied error naming the node; undefined when every change is
   * permitted. Counts a denied request in denied-data-writes.
   */
  checkWrite(user: NacmUser, changes: readonly DiffEntry[]): NetconfRpcError | undefined {
    const policy = this.policy();
    if (!policy.enabled || user.recovery) return undefined;
    const rules = this.userRules(policy, user).data;
    for (const change of changes) {
      const at = this.diffStep(change);
      let denied: Step | undefined;
      if (change.op === 'replace') denied = this.decide(policy, rules.update, at, 'update').permit ? undefined : at;
      else denied = this.firstDenied(policy, rules[change.op], at, change.op);
      if (denied) {
        this.counters.deniedDataWrites++;
        const unreadable = this.topmostUnreadable(policy, this.userRules(policy, user).data.read, denied);
        if (unreadable) {
          const hidden = pathOf(this.frame(unreadable));
          return new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.accessDenied, path: hidden.path, pathNamespaces: hidden.pathNamespaces, message: `access denied: ${hidden.path}` });
        }
        // a deletion is named by its topmost node only (section 3.4.3: nothing the user may not read)
        const where = denied === at || change.op === 'delete' ? { path: change.path, pathNamespaces: change.pathNamespaces } : pathOf(this.frame(denied));
        const verb = change.op === 'replace' ? 'update' : change.op;
        return new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.accessDenied, path: where.path, pathNamespaces: where.pathNamespaces, message: `access denied: ${verb} ${where.path}` });
      }
    }
    return undefined;
  }

  /** Section 3.4.6: may the user receive this notification (the <notification>'s content element)? */
  notificationAllowed(user: NacmUser, content: XmlElement): boolean {
    const policy = this.policy();
    // steps 1-3: RFC 5277 replayComplete and notificationComplete always
    if (!policy.enabled || user.recovery || (content.ns === NS.netmod && (content.name === 'replayComplete' || content.name === 'notificationComplete'))) return true;
    const notification = this.schema.notification(content.ns, content.name);
    const moduleName = notification?.module ?? this.moduleOf(content.ns);
    // steps 4-8
    const rule = this.userRules(policy, user).notification.find((r) => moduleMatches(r, moduleName) && (r.type.kind === 'any' || (r.type.kind === 'notification' && nameMatches(r.type.notificationName, content.name))));
    let permit: boolean;
    if (rule) permit = rule.permit;
    else if (notification?.nacm === 'default-deny-all') permit = false; // step 10
    else permit = policy.readPermit; // step 11
    if (!permit) this.counters.deniedNotifications++;
    return permit;
  }

  /**
   * Section 3.4.6: the notification (the <notification>'s content element) as
   * the user may receive it, undefined when not at all: a netconf-config-change
   * without the edits whose target the user may not read (RFC 6470 section
   * 2.3), none at all when that leaves no edit.
   */
  filterNotification(user: NacmUser, content: XmlElement): XmlElement | undefined {
    if (!this.notificationAllowed(user, content)) return undefined;
    const policy = this.policy();
    if (!policy.enabled || user.recovery || content.ns !== NS.notifications || content.name !== 'netconf-config-change') return content;
    const rules = this.userRules(policy, user).data.read;
    const kept = content.children.filter((c) => !isEdit(c) || this.targetReadable(policy, rules, c));
    if (kept.length === content.children.length) return content;
    return kept.some(isEdit) ? { ...content, children: kept } : undefined;
  }

  /** denied-operations, denied-data-writes, denied-notifications: children of /nacm:nacm (zero-based-counter32). */
  stateLeaves(): XmlElement[] {
    const c32 = (n: number): number => n % 2 ** 32;
    return [
      elem(NS.nacm, 'denied-operations', c32(this.counters.deniedOperations)),
      elem(NS.nacm, 'denied-data-writes', c32(this.counters.deniedDataWrites)),
      elem(NS.nacm, 'denied-notifications', c32(this.counters.deniedNotifications)),
    ];
  }

  // -- configuration

  private policy(): Policy {
    const el = this.nacmConfig();
    if (!el) return this.factoryPolicy;
    let p = this.policies.get(el);
    if (!p) {
      p = this.parsePolicy(el);
      this.policies.set(el, p);
    }
    return p;
  }

  /** Section 3.3.4 defaults (the YANG defaults) where the configuration says nothing. */
  private parsePolicy(el: XmlElement | undefined): Policy {
    const leaf = (parent: XmlElement | undefined, name: string): string | undefined => parent?.children.find((c) => c.ns === NS.nacm && c.name === name)?.text.trim();
    const children = (parent: XmlElement | undefined, name: string): XmlElement[] => parent?.children.filter((c) => c.ns === NS.nacm && c.name === name) ?? [];
    const members = new Map<string, string[]>();
    for (const group of children(children(el, 'groups')[0], 'group')) {
      const name = leaf(group, 'name');
      if (name === undefined) continue;
      for (const u of children(group, 'user-name')) {
        const user = u.text.trim();
        members.set(user, [...(members.get(user) ?? []), name]);
      }
    }
    const ruleLists = children(el, 'rule-list').map((rl) => ({
      groups: new Set(children(rl, 'group').map((g) => g.text.trim())),
      rules: children(rl, 'rule').map((r) => this.parseRule(r, leaf)),
    }));
    return {
      enabled: leaf(el, 'enable-nacm') !== 'false',
      readPermit: leaf(el, 'read-default') !== 'deny',
      writePermit: leaf(el, 'write-default') === 'permit',
      execPermit: leaf(el, 'exec-default') !== 'deny',
      externalGroups: leaf(el, 'enable-external-groups') !== 'false',
      members,
      ruleLists,
      users: new Map(),
      byUser: new WeakMap(),
    };
  }

  private parseRule(r: XmlElement, leaf: (parent: XmlElement | undefined, name: string) => string | undefined): Rule {
    const rpcName = leaf(r, 'rpc-name');
    const notificationName = leaf(r, 'notification-name');
    const pathEl = r.children.find((c) => c.ns === NS.nacm && c.name === 'path');
    let type: RuleType = { kind: 'any' };
    if (rpcName !== undefined) type = { kind: 'protocol-operation', rpcName };
    else if (notificationName !== undefined) type = { kind: 'notification', notificationName };
    else if (pathEl) type = { kind: 'data-node', steps: this.parsePath(pathEl) };
    const ops = (leaf(r, 'access-operations') ?? '*').split(/\s+/).filter(Boolean);
    return {
      name: leaf(r, 'name') ?? '',
      moduleName: leaf(r, 'module-name') ?? '*',
      type,
      operations: new Set(ops.includes('*') ? ALL_OPERATIONS : ALL_OPERATIONS.filter((o) => ops.includes(o))),
      permit: leaf(r, 'action') === 'permit',
    };
  }

  /** A node-instance-identifier (section 3.5.2 typedef): '/' or steps with optional key and leaf-list predicates. */
  private parsePath(el: XmlElement): readonly PathStep[] | undefined {
    const text = el.text.trim();
    if (text === '/') return [];
    const steps: PathStep[] = [];
    const qname = /\s*(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*|\.)\s*/y;
    let i = 0;
    while (i < text.length) {
      if (text[i] !== '/') return undefined;
      qname.lastIndex = i + 1;
      const m = qname.exec(text);
      if (!m || m[2] === '.') return undefined;
      // an unprefixed step is in the namespace of the step before it (as in RFC 7951 section 6.11)
      const ns = m[1] === undefined ? steps[steps.length - 1]?.ns : this.namespaceOf(el, m[1]);
      if (ns === undefined) return undefined;
      i = qname.lastIndex;
      const predicates: { ns: string; name: string; value: string }[] = [];
      while (text[i] === '[') {
        qname.lastIndex = i + 1;
        const k = qname.exec(text);
        if (!k) return undefined;
        const kns = k[1] === undefined ? ns : this.namespaceOf(el, k[1]);
        const lit = /=\s*(?:'([^']*)'|"([^"]*)")\s*\]\s*/y;
        lit.lastIndex = qname.lastIndex;
        const v = lit.exec(text);
        if (!v || kns === undefined) return undefined;
        predicates.push({ ns: kns, name: k[2], value: v[1] ?? v[2] });
        i = lit.lastIndex;
      }
      steps.push({ ns, name: m[2], predicates });
    }
    return steps.length ? steps : undefined;
  }

  /** The namespace a prefix of a path means: the XML declarations around it, else a module name, else a YANG prefix. */
  private namespaceOf(el: XmlElement, prefix: string): string | undefined {
    const declared = resolvePrefix(el, prefix);
    if (declared !== undefined) return declared;
    const byName = this.schema.module(prefix)?.namespace;
    if (byName !== undefined) return byName;
    if (!this.modulePrefixes) {
      const m = new Map<string, string>();
      const ambiguous = new Set<string>();
      for (const info of this.schema.modules()) {
        if (m.has(info.prefix) && m.get(info.prefix) !== info.namespace) ambiguous.add(info.prefix);
        m.set(info.prefix, info.namespace);
      }
      for (const p of ambiguous) m.delete(p);
      this.modulePrefixes = m;
    }
    return this.modulePrefixes.get(prefix);
  }

  /** Steps 3-6 of 3.4.4/3.4.5/3.4.6 once per user: the user's groups, the rule-lists of those groups, their rules by access operation. */
  private userRules(policy: Policy, user: NacmUser): UserRules {
    let u = policy.byUser.get(user);
    if (u) return u;
    const key = [user.name, ...user.externalGroups].join('\n');
    u = policy.users.get(key);
    if (u) {
      policy.byUser.set(user, u);
      return u;
    }
    const groups = new Set([...(policy.members.get(user.name) ?? []), ...(policy.externalGroups ? user.externalGroups : [])]);
    // "If no groups are found", no rule-list applies, not even group '*'
    const rules = groups.size ? policy.ruleLists.filter((rl) => rl.groups.has('*') || [...rl.groups].some((g) => groups.has(g))).flatMap((rl) => rl.rules) : [];
    const dataRules = (op: DataOperation): Rule[] => rules.filter((r) => r.operations.has(op) && (r.type.kind === 'any' || r.type.kind === 'data-node'));
    u = {
      data: { create: dataRules('create'), read: dataRules('read'), update: dataRules('update'), delete: dataRules('delete') },
      exec: rules.filter((r) => r.operations.has('exec') && (r.type.kind === 'any' || r.type.kind === 'protocol-operation')),
      notification: rules.filter((r) => r.operations.has('read') && (r.type.kind === 'any' || r.type.kind === 'notification')),
      operations: new Map(),
    };
    if (policy.users.size >= USER_CACHE_LIMIT) policy.users.clear();
    policy.users.set(key, u);
    policy.byUser.set(user, u);
    return u;
  }

  private topLevel(ns: string, name: string): DataNodeSchema | undefined {
    const known = this.tops.get(ns)?.get(name);
    if (known) return known;
    const node = this.schema.topLevel(ns, name);
    if (node) {
      const byName = this.tops.get(ns) ?? new Map<string, DataNodeSchema>();
      this.tops.set(ns, byName.set(name, node));
    }
    return node;
  }

  private moduleOf(ns: string): string {
    return this.schema.moduleByNamespace(ns)?.name ?? '';
  }

  // -- data nodes (section 3.4.5)

  private step(up: Step | undefined, el: XmlElement, schema: DataNodeSchema | undefined): Step {
    const own = schema?.nacm;
    const deny = up?.deny === 'default-deny-all' || own === 'default-deny-all' ? 'default-deny-all' : (up?.deny ?? own);
    return { up, el, schema, depth: up ? up.depth + 1 : 0, module: schema?.module ?? this.moduleOf(el.ns), deny };
  }

  /** Where a changed node stands: its ancestors (schema found from the top) and itself. */
  private diffStep(change: DiffEntry): Step {
    let up: Step | undefined;
    let schema: DataNodeSchema | undefined;
    for (const a of change.ancestors) {
      schema = up ? childSchema(schema, a) : this.topLevel(a.ns, a.name);
      up = this.step(up, a, schema);
    }
    const el = change.after ?? change.before;
    if (!el) throw new Error(`diff entry ${change.path} has neither before nor after`);
    return this.step(up, el, change.schema);
  }

  /** Steps 6-13 of 3.4.5 for one node. */
  private decide(policy: Policy, rules: readonly Rule[], at: Step, op: DataOperation): Decision {
    const rule = firstMatch(rules, at);
    if (rule) return rule.permit ? PERMIT_BY_RULE : DENY_BY_RULE;
    if (op === 'read') return at.deny !== 'default-deny-all' && policy.readPermit ? PERMIT_BY_DEFAULT : DENY_BY_DEFAULT;
    return at.deny === undefined && policy.writePermit ? PERMIT_BY_DEFAULT : DENY_BY_DEFAULT;
  }

  /**
   * Whether every descendant of `at` gets the decision `at` got: no rule
   * tells a descendant's module apart from the node's, no path rule reaches
   * below the node, and (when a default decided) no default-deny extension
   * below it changes the default.
   */
  private uniformBelow(rules: readonly Rule[], at: Step, decision: Decision, op: DataOperation): boolean {
    const below = at.schema ? this.belowOf(at.schema) : NO_BELOW;
    for (const r of rules) {
      if (r.moduleName !== '*') {
        for (const m of below.modules) if ((m === r.moduleName) !== (at.module === r.moduleName)) return false;
      }
      if (r.type.kind === 'data-node' && r.type.steps && r.type.steps.length > at.depth + 1 && chainMatches(r.type.steps, at.depth + 1, at)) return false;
    }
    if (decision.byRule) return true;
    if (op === 'read') return at.deny === 'default-deny-all' || !below.denyAll;
    return at.deny !== undefined || !(below.denyAll || below.denyWrite);
  }

  private belowOf(node: DataNodeSchema): Below {
    let b = this.below.get(node);
    if (b) return b;
    const modules = new Set<string>();
    let denyAll = false;
    let denyWrite = false;
    if (node.kind === 'container' || node.kind === 'list') {
      for (const c of dataChildren(node)) {
        modules.add(c.module);
        if (c.nacm === 'default-deny-all') denyAll = true;
        if (c.nacm === 'default-deny-write') denyWrite = true;
        const cb = this.belowOf(c);
        cb.modules.forEach((m) => modules.add(m));
        denyAll ||= cb.denyAll;
        denyWrite ||= cb.denyWrite;
      }
    }
    b = { modules, denyAll, denyWrite };
    this.below.set(node, b);
    return b;
  }

  /** The topmost of a node and its ancestors that the user may not read. */
  private topmostUnreadable(policy: Policy, rules: readonly Rule[], at: Step): Step | undefined {
    let found: Step | undefined;
    for (let s: Step | undefined = at; s; s = s.up) if (!this.decide(policy, rules, s, 'read').permit) found = s;
    return found;
  }

  /** Whether the user may read the node a config-change edit's target names (what readable() would keep of it). */
  private targetReadable(policy: Policy, rules: readonly Rule[], edit: XmlElement): boolean {
    const target = edit.children.find((c) => c.ns === NS.notifications && c.name === 'target');
    const nodes = target ? this.targetNodes(target) : null;
    if (!nodes) return false; // no target, or one naming no node this server knows: nothing it may be shown
    let at: Step | undefined;
    for (const el of nodes) {
      const schema = at ? childSchema(at.schema, el) : this.topLevel(el.ns, el.name);
      at = this.step(at, el, schema);
      if (!this.decide(policy, rules, at, 'read').permit) return false;
      // a list entry whose key may not be read is no entry (readable())
      if (schema?.kind === 'list') for (const key of el.children) if (!this.decide(policy, rules, this.step(at, key, childSchema(schema, key)), 'read').permit) return false;
    }
    return true;
  }

  /** The nodes from the top down to the one an instance-identifier names: names, key leaves, leaf-list value. */
  private targetNodes(target: XmlElement): readonly XmlElement[] | null {
    let nodes = this.targets.get(target);
    if (nodes === undefined) {
      const steps = this.parsePath(target);
      nodes = steps?.length
        ? steps.map((s) => ({
            ns: s.ns,
            name: s.name,
            attrs: [],
            children: s.predicates.filter((p) => p.name !== '.').map((p) => elem(p.ns, p.name, p.value)),
            text: s.predicates.find((p) => p.name === '.')?.value ?? '',
          }))
        : null;
      this.targets.set(target, nodes);
    }
    return nodes;
  }

  /** The node as the user may read it, undefined when it may not be read at all. */
  private readable(policy: Policy, rules: readonly Rule[], at: Step): XmlElement | undefined {
    const decision = this.decide(policy, rules, at, 'read');
    if (!decision.permit) return undefined;
    const { el, schema } = at;
    if (el.children.length === 0 || !hasDataChildren(schema) || this.uniformBelow(rules, at, decision, 'read')) return el;
    const kept: XmlElement[] = [];
    let changed = false;
    for (const c of el.children) {
      const r = this.readable(policy, rules, this.step(at, c, childSchema(schema, c)));
      if (r !== c) changed = true;
      if (r) kept.push(r);
      else if (schema?.kind === 'list' && c.ns === schema.namespace && schema.keys.includes(c.name)) return undefined;
    }
    return changed ? { ...el, children: kept } : el;
  }

  /** The first node of the subtree at `at` the user may not create or delete. */
  private firstDenied(policy: Policy, rules: readonly Rule[], at: Step, op: 'create' | 'delete'): Step | undefined {
    const decision = this.decide(policy, rules, at, op);
    if (!decision.permit) return at;
    const { el, schema } = at;
    if (el.children.length === 0 || !hasDataChildren(schema) || this.uniformBelow(rules, at, decision, op)) return undefined;
    for (const c of el.children) {
      const denied = this.firstDenied(policy, rules, this.step(at, c, childSchema(schema, c)), op);
      if (denied) return denied;
    }
    return undefined;
  }

  /** The instance path of a node (src/yang/instance-path.ts form). */
  private frame(s: Step): Frame {
    const up = s.up ? this.frame(s.up) : undefined;
    if (s.schema && s.schema.kind !== 'choice') return frameOf(s.schema, s.el, up);
    return { up, prefix: this.schema.moduleByNamespace(s.el.ns)?.prefix ?? 'ns', ns: s.el.ns, name: s.el.name };
  }
}

const isEdit = (el: XmlElement): boolean => el.ns === NS.notifications && el.name === 'edit';
const moduleMatches = (r: Rule, moduleName: string): boolean => r.moduleName === '*' || r.moduleName === moduleName;
const nameMatches = (pattern: string, name: string): boolean => pattern === '*' || pattern === name;

/** Containers and lists hold data nodes; leaves, leaf-lists and anydata do not (anydata content is the node's value). */
function hasDataChildren(schema: DataNodeSchema | undefined): boolean {
  return schema === undefined || schema.kind === 'container' || schema.kind === 'list';
}

/** The schema of a child element, choices looked through. */
function childSchema(parent: DataNodeSchema | undefined, el: XmlElement): DataNodeSchema | undefined {
  return parent?.kind === 'container' || parent?.kind === 'list' ? childLookup(parent)(el) : undefined;
}

/** "A path is considered to match if the requested node is the node specified by the path or is a descendant node of the path." */
function covers(steps: readonly PathStep[], at: Step): boolean {
  if (steps.length > at.depth + 1) return false;
  let s: Step | undefined = at;
  while (s && s.depth >= steps.length) s = s.up;
  return steps.length === 0 || (s !== undefined && chainMatches(steps, steps.length, s));
}

/** Whether steps[0..count) name `at` (at depth count - 1) and its ancestors. */
function chainMatches(steps: readonly PathStep[], count: number, at: Step): boolean {
  let s: Step | undefined = at;
  for (let i = count - 1; i >= 0; i--, s = s.up) {
    if (!s || !stepMatches(steps[i], s.el)) return false;
  }
  return true;
}

/** The first rule that matches a data node (3.4.5 step 6): its module, and its path if it has one. */
function firstMatch(rules: readonly Rule[], at: Step): Rule | undefined {
  for (const r of rules) {
    if (!moduleMatches(r, at.module)) continue;
    if (r.type.kind === 'any' || (r.type.kind === 'data-node' && r.type.steps !== undefined && covers(r.type.steps, at))) return r;
  }
  return undefined;
}

function stepMatches(step: PathStep, el: XmlElement): boolean {
  if (el.ns !== step.ns || el.name !== step.name) return false;
  for (const p of step.predicates) {
    if (p.name === '.' ? el.text !== p.value : !el.children.some((c) => c.name === p.name && c.ns === p.ns && c.text === p.value)) return false;
  }
  return true;
}
