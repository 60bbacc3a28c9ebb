// Import and export policies, shaped as the `policy` list of
// yang/ncbgp-bgp.yang: ordered terms, the first matching term decides, else
// the default action (reject unless configured). A term matches when the
// route meets every condition given: MVPN route type (any of), route
// distinguisher (equal; routes without an RD, Leaf A-D and non-MVPN routes,
// never match), route target (any of the route's, RFC 4360).

import { mvpnRouteDistinguisher, mvpnRouteType } from '../wire/mvpn';
import { routeTargets } from '../wire/update';
import { MvpnRouteType, type AfiSafi } from '../wire/types';
import { isMvpn, type AttributeSet, type NlriKey } from './attributes';

/** RFC 6514 section 4 route types by their YANG enum names. */
export const MVPN_ROUTE_TYPE_NAMES = {
  'intra-as-i-pmsi-ad': MvpnRouteType.INTRA_AS_I_PMSI_AD,
  'inter-as-i-pmsi-ad': MvpnRouteType.INTER_AS_I_PMSI_AD,
  's-pmsi-ad': MvpnRouteType.S_PMSI_AD,
  'leaf-ad': MvpnRouteType.LEAF_AD,
  'source-active-ad': MvpnRouteType.SOURCE_ACTIVE_AD,
  'shared-tree-join': MvpnRouteType.SHARED_TREE_JOIN,
  'source-tree-join': MvpnRouteType.SOURCE_TREE_JOIN,
} as const;
export type MvpnRouteTypeName = keyof typeof MVPN_ROUTE_TYPE_NAMES;

export type PolicyAction = 'accept' | 'reject';

export interface PolicyMatch {
  /** the route is of one of these types */
  readonly routeType?: readonly MvpnRouteTypeName[];
  /** the route's RD equals this ('65000:100', '192.0.2.1:100', '4200000000:100') */
  readonly routeDistinguisher?: string;
  /** the route carries at least one of these ('target:65000:100') */
  readonly routeTarget?: readonly string[];
}

export interface PolicyTerm {
  readonly name: string;
  /** absent or empty conditions: every route matches */
  readonly match?: PolicyMatch;
  readonly action: PolicyAction;
}

export interface PolicyConfig {
  readonly name: string;
  readonly terms: readonly PolicyTerm[];
  /** default: reject */
  readonly defaultAction?: PolicyAction;
}

interface CompiledTerm {
  readonly term: PolicyTerm;
  /** bit (1 << route type) per accepted type; 0: no route type condition */
  readonly routeTypes: number;
  readonly routeDistinguisher: string | undefined;
  readonly routeTargets: ReadonlySet<string> | undefined;
}

/** Route targets per attribute set, read once. */
const targetsCache = new WeakMap<AttributeSet, readonly string[]>();
function targetsOf(attributes: AttributeSet): readonly string[] {
  let t = targetsCache.get(attributes);
  if (t === undefined) {
    t = routeTargets(attributes.attributes);
    targetsCache.set(attributes, t);
  }
  return t;
}

export class Policy {
  readonly name: string;
  readonly defaultAction: PolicyAction;
  private readonly terms: readonly CompiledTerm[];
  /** some term has a route type condition */
  private readonly readsRouteType: boolean;
  /** some term has an RD condition */
  private readonly readsRd: boolean;

  /** Throws RangeError on an unknown route type name or a route target not written 'target:...'. */
  constructor(config: PolicyConfig) {
    this.name = config.name;
    this.defaultAction = config.defaultAction ?? 'reject';
    this.terms = config.terms.map((term) => {
      let routeTypes = 0;
      for (const name of term.match?.routeType ?? []) {
        const code: number | undefined = (MVPN_ROUTE_TYPE_NAMES as Record<string, number>)[name];
        if (code === undefined) throw new RangeError(`policy ${config.name} term ${term.name}: unknown route type ${name}`);
        routeTypes |= 1 << code;
      }
      const targets = term.match?.routeTarget ?? [];
      for (const t of targets) {
        if (!t.startsWith('target:')) throw new RangeError(`policy ${config.name} term ${term.name}: route target ${t} is not written target:...`);
      }
      return { term, routeTypes, routeDistinguisher: term.match?.routeDistinguisher, routeTargets: targets.length > 0 ? new Set(targets) : undefined };
    });
    this.readsRouteType = this.terms.some((t) => t.routeTypes !== 0);
    this.readsRd = this.terms.some((t) => t.routeDistinguisher !== undefined);
  }

  /** The first term that matches the route, or undefined when the default action applies. */
  decide(nlri: NlriKey, attributes: AttributeSet, family: AfiSafi): PolicyTerm | undefined {
    const mvpn = isMvpn(family);
    // the NLRI is read only when a condition needs it, once per decision
    let routeTypeBit = 0;
    let rd: string | undefined;
    if (mvpn && (this.readsRouteType || this.readsRd)) {
      const bytes = Buffer.from(nlri, 'latin1');
      if (this.readsRouteType) {
        const routeType = mvpnRouteType(bytes);
        routeTypeBit = routeType < 31 ? 1 << routeType : 0;
      }
      if (this.readsRd) rd = mvpnRouteDistinguisher(bytes);
    }
    for (const t of this.terms) {
      if (t.routeTypes !== 0 && (t.routeTypes & routeTypeBit) === 0) continue;
      if (t.routeDistinguisher !== undefined && rd !== t.routeDistinguisher) continue;
      if (t.routeTargets !== undefined && !targetsOf(attributes).some((rt) => t.routeTargets?.has(rt))) continue;
      return t.term;
    }
    return undefined;
  }

  accepts(nlri: NlriKey, attributes: AttributeSet, family: AfiSafi): boolean {
    return (this.decide(nlri, attributes, family)?.action ?? this.defaultAction) === 'accept';
  }
}
