// The compiled YANG schema tree (RFC 7950): the immutable, typed tree that
// registry.ts loads and compile.ts builds from statement trees. Modules,
// data nodes (sections 7.5-7.11), rpcs and notifications (sections 7.14,
// 7.16), types with typedef chains resolved (section 9), identities (section
// 7.18), the `when` and `must` expressions (sections 7.5.3, 7.21.5), and the
// small helpers that walk the tree through choices and cases.

// ---------------------------------------------------------------------------
// Public schema tree

export interface ModuleInfo {
  readonly name: string;
  readonly revision?: string;
  readonly namespace: string;
  readonly prefix: string;
  readonly yangVersion: '1' | '1.1';
  readonly features: readonly string[]; // features the module defines
  readonly imports: readonly { readonly name: string; readonly revision?: string }[];
  readonly source: string; // exact file text
  readonly file: string;
  readonly conformance: 'implement' | 'import'; // RFC 8525 section 3
  readonly supportedFeatures: readonly string[]; // RFC 8525 `feature`: of an implemented module, those the server supports
  readonly deviations: readonly string[]; // RFC 8525 `deviation`: the implemented modules whose deviations apply to it
}

export interface Identity {
  readonly module: string;
  readonly namespace: string;
  readonly name: string;
  readonly bases: readonly string[]; // 'module:name'
}

export interface LengthRestriction {
  readonly intervals: readonly { readonly min: number; readonly max: number }[];
  readonly errorMessage?: string;
  readonly errorAppTag?: string;
}
/** Integer bounds; decimal64 bounds are scaled by 10^fraction-digits. */
export interface RangeRestriction {
  readonly intervals: readonly { readonly min: bigint; readonly max: bigint }[];
  readonly errorMessage?: string;
  readonly errorAppTag?: string;
}
export interface Pattern {
  readonly source: string; // the XSD regular expression as written
  readonly regex: RegExp; // anchored translation
  readonly invert: boolean; // YANG 1.1 modifier invert-match
  readonly errorMessage?: string;
  readonly errorAppTag?: string;
}

export type IntegerBase = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64';
export const INT_BOUNDS: Record<IntegerBase, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-9223372036854775808n, 9223372036854775807n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, 18446744073709551615n],
};

interface TypeCommon {
  /** outermost typedef, 'module:name', when the type is a derived one */
  readonly typedef?: string;
}
export type YangType = TypeCommon &
  (
    | { readonly base: 'string'; readonly length?: LengthRestriction; readonly patterns: readonly Pattern[] }
    | { readonly base: 'binary'; readonly length?: LengthRestriction }
    | { readonly base: IntegerBase; readonly range?: RangeRestriction }
    | { readonly base: 'decimal64'; readonly fractionDigits: number; readonly range?: RangeRestriction }
    | { readonly base: 'boolean' }
    | { readonly base: 'empty' }
    | { readonly base: 'enumeration'; readonly enums: readonly { readonly name: string; readonly value: number }[] }
    | { readonly base: 'bits'; readonly bits: readonly { readonly name: string; readonly position: number }[] }
    | { readonly base: 'identityref'; readonly bases: readonly string[]; readonly identities: readonly Identity[] }
    | {
        readonly base: 'leafref';
        readonly path: string; // as written
        readonly targetPath: string; // absolute, RFC 7951 section 6.11 style, predicates dropped
        readonly requireInstance: boolean;
        readonly target?: YangType; // the referred leaf's type
      }
    | { readonly base: 'instance-identifier'; readonly requireInstance: boolean }
    | { readonly base: 'union'; readonly types: readonly YangType[] }
  );

/** A `when` or `must` expression (RFC 7950 sections 7.5.3, 7.21.5) with the prefixes in scope where it was written. */
export interface XPathConstraint {
  readonly expression: string;
  /** prefix -> namespace of the module that wrote the expression and its imports */
  readonly namespaces: ReadonlyMap<string, string>;
  readonly errorMessage?: string;
  readonly errorAppTag?: string;
}

/** RFC 8341 section 3.4.5 extensions nacm:default-deny-write and nacm:default-deny-all. */
export type NacmDefault = 'default-deny-write' | 'default-deny-all';

export interface NodeCommon {
  readonly name: string;
  readonly module: string; // module whose namespace the node is in
  readonly namespace: string;
  readonly prefix: string; // that module's prefix
  readonly config: boolean; // RFC 7950 section 7.21.1, inherited; false inside rpc and notification
  readonly ifFeatures: readonly string[]; // expressions, prefixes replaced by module names
  readonly description?: string;
  readonly when?: XPathConstraint;
  readonly musts: readonly XPathConstraint[];
  readonly nacm?: NacmDefault;
}
export interface ContainerSchema extends NodeCommon {
  readonly kind: 'container';
  readonly presence: boolean;
  readonly children: readonly DataNodeSchema[];
}
export interface ListSchema extends NodeCommon {
  readonly kind: 'list';
  readonly keys: readonly string[];
  readonly orderedBy: 'system' | 'user';
  readonly minElements: number;
  readonly maxElements: number; // Infinity for unbounded
  /** RFC 7950 section 7.8.3: each a set of descendant schema node ids, prefixes dropped ('a/b') */
  readonly uniques: readonly (readonly string[])[];
  readonly children: readonly DataNodeSchema[];
}
export interface LeafSchema extends NodeCommon {
  readonly kind: 'leaf';
  readonly type: YangType;
  readonly mandatory: boolean;
  readonly default?: string;
  readonly units?: string;
}
export interface LeafListSchema extends NodeCommon {
  readonly kind: 'leaf-list';
  readonly type: YangType;
  readonly defaults: readonly string[];
  readonly orderedBy: 'system' | 'user';
  readonly minElements: number;
  readonly maxElements: number;
  readonly units?: string;
}
export interface ChoiceSchema extends NodeCommon {
  readonly kind: 'choice';
  readonly cases: readonly CaseSchema[];
  readonly mandatory: boolean;
  readonly default?: string; // case name
}
export interface CaseSchema extends NodeCommon {
  readonly kind: 'case';
  readonly children: readonly DataNodeSchema[];
}
export interface AnySchema extends NodeCommon {
  readonly kind: 'anydata' | 'anyxml';
  readonly mandatory: boolean;
}
/** Schema nodes that may stand among a parent's children (choice is not a data node but stands there). */
export type DataNodeSchema = ContainerSchema | ListSchema | LeafSchema | LeafListSchema | ChoiceSchema | AnySchema;
export interface OperationBody {
  readonly children: readonly DataNodeSchema[];
}
export interface RpcSchema extends NodeCommon {
  readonly kind: 'rpc';
  readonly input: OperationBody;
  readonly output: OperationBody;
}
export interface NotificationSchema extends NodeCommon {
  readonly kind: 'notification';
  readonly children: readonly DataNodeSchema[];
}
export interface ModuleSchema {
  readonly kind: 'module';
  readonly info: ModuleInfo;
  readonly name: string;
  readonly namespace: string;
  readonly prefix: string;
  readonly children: readonly DataNodeSchema[]; // top-level data nodes, augments of other modules excluded
  readonly rpcs: readonly RpcSchema[];
  readonly notifications: readonly NotificationSchema[];
  readonly identities: readonly Identity[];
}
export type SchemaNode = DataNodeSchema | CaseSchema | RpcSchema | NotificationSchema | ModuleSchema;
/** A node that has schema children. */
export type SchemaParent = DataNodeSchema | CaseSchema | RpcSchema | NotificationSchema | ModuleSchema | OperationBody;

export interface Diagnostic {
  readonly file: string;
  readonly module?: string;
  readonly source: 'yang-js' | 'ncbgp';
  readonly message: string;
}

// ---------------------------------------------------------------------------
// Tree helpers

/** A data child, looking through choices and cases. */
export function dataChild(node: SchemaParent, name: string, ns: string): DataNodeSchema | undefined {
  const list: readonly DataNodeSchema[] | undefined = 'kind' in node && node.kind === 'rpc' ? node.input.children : 'children' in node ? node.children : undefined;
  if (!list) return undefined;
  for (const c of list) {
    if (c.kind === 'choice') {
      for (const k of c.cases) {
        const found = dataChild(k, name, ns);
        if (found) return found;
      }
    } else if (c.name === name && c.namespace === ns) {
      return c;
    }
  }
  return undefined;
}

/** Data children of a node, choices and cases looked through. */
export function dataChildren(node: DataNodeSchema | CaseSchema | OperationBody): DataNodeSchema[] {
  if (!('children' in node)) return [];
  return node.children.flatMap((c) => (c.kind === 'choice' ? c.cases.flatMap(dataChildren) : [c]));
}
