// BGP-4 wire types (RFC 4271 section 4) as tagged unions on `type`, and the
// code tables named as in the RFCs. NLRI stay encoded (Buffer, one per NLRI)
// at the message level: RIBs key and pack them without re-encoding; the
// structured views are in nlri.ts / mvpn.ts.

/** RFC 4271 section 4.1 message types, RFC 2918 ROUTE-REFRESH. */
/** What the session negotiated that changes the encoding. */
export interface CodecOptions {
  /** negotiated RFC 6793 (AS_PATH ASN width) */
  fourOctetAs: boolean;
}

export const MessageType = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 } as const;

export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096; // RFC 4271 section 4.1 (no RFC 8654 extended messages)

/** Address families (IANA AFI / SAFI). */
export const AFI = { IPV4: 1, IPV6: 2 } as const;
export const SAFI = { UNICAST: 1, MCAST_VPN: 5 } as const;

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export const IPV4_UNICAST: AfiSafi = { afi: 1, safi: 1 };
export const IPV4_MVPN: AfiSafi = { afi: 1, safi: 5 };

/** RFC 5492 capability codes. */
export const CapabilityCode = {
  MULTIPROTOCOL: 1, // RFC 4760
  ROUTE_REFRESH: 2, // RFC 2918
  FOUR_OCTET_AS: 65, // RFC 6793
  ENHANCED_ROUTE_REFRESH: 70, // RFC 7313
} as const;

export type Capability =
  | { readonly type: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly type: 'route-refresh' }
  | { readonly type: 'enhanced-route-refresh' }
  | { readonly type: 'four-octet-as'; readonly asn: number }
  | { readonly type: 'unknown'; readonly code: number; readonly value: Buffer };

export const AS_TRANS = 23456; // RFC 6793 section 9

/** RFC 4271 section 4.2 */
export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** the 2-octet My Autonomous System field (AS_TRANS when the real AS needs four octets) */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier, dotted quad */
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
}

/** RFC 4271 section 4.3 path attribute type codes, and later RFCs'. */
export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8, // RFC 1997
  ORIGINATOR_ID: 9, // RFC 4456
  CLUSTER_LIST: 10, // RFC 4456
  MP_REACH_NLRI: 14, // RFC 4760
  MP_UNREACH_NLRI: 15, // RFC 4760
  EXTENDED_COMMUNITIES: 16, // RFC 4360
  AS4_PATH: 17, // RFC 6793
  AS4_AGGREGATOR: 18, // RFC 6793
} as const;

/** RFC 4271 section 4.3 attribute flags */
export const AttrFlag = { OPTIONAL: 0x80, TRANSITIVE: 0x40, PARTIAL: 0x20, EXTENDED_LENGTH: 0x10 } as const;

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;

export const AsPathSegmentType = { AS_SET: 1, AS_SEQUENCE: 2 } as const;
export interface AsPathSegment {
  readonly type: 1 | 2;
  readonly asns: readonly number[];
}

export type PathAttribute =
  | { readonly type: 'origin'; readonly value: number }
  /** AS_PATH with 4-octet ASNs when both sides negotiated them (RFC 6793), else 2-octet */
  | { readonly type: 'as-path'; readonly segments: readonly AsPathSegment[] }
  | { readonly type: 'next-hop'; readonly address: string }
  | { readonly type: 'med'; readonly value: number }
  | { readonly type: 'local-pref'; readonly value: number }
  | { readonly type: 'atomic-aggregate' }
  | { readonly type: 'aggregator'; readonly asn: number; readonly address: string }
  | { readonly type: 'communities'; readonly values: readonly number[] }
  | { readonly type: 'originator-id'; readonly id: string }
  | { readonly type: 'cluster-list'; readonly ids: readonly string[] }
  /** each NLRI encoded on its own (for MVPN: route type, length, value) */
  | { readonly type: 'mp-reach'; readonly afi: number; readonly safi: number; readonly nextHop: Buffer; readonly nlri: readonly Buffer[] }
  | { readonly type: 'mp-unreach'; readonly afi: number; readonly safi: number; readonly withdrawn: readonly Buffer[] }
  /** 8 octets each (RFC 4360) */
  | { readonly type: 'extended-communities'; readonly values: readonly Buffer[] }
  | { readonly type: 'as4-path'; readonly segments: readonly AsPathSegment[] }
  | { readonly type: 'as4-aggregator'; readonly asn: number; readonly address: string }
  /** any other attribute, kept as received (optional transitive ones are passed on with PARTIAL set) */
  | { readonly type: 'unknown'; readonly flags: number; readonly code: number; readonly value: Buffer };

/** RFC 4271 section 4.3 */
export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 unicast prefixes, each encoded (length octet, prefix octets) */
  readonly withdrawn: readonly Buffer[];
  readonly attributes: readonly PathAttribute[];
  readonly nlri: readonly Buffer[];
  /**
   * Set by the decoder only when the UPDATE had errors that RFC 7606 lets the
   * session survive (attribute-discard, treat-as-withdraw); heavier ones are
   * thrown. Treat-as-withdraw (RFC 7606 section 2): every NLRI of `nlri` and of
   * the 'mp-reach' attribute is to be handled as withdrawn; `withdrawn` and
   * 'mp-unreach' still apply. Attribute-discard: the attribute is already gone
   * from `attributes`. The heaviest handling wins (RFC 7606 section 3 (h)).
   */
  readonly errors?: readonly BgpMessageError[];
}

/** RFC 4271 section 4.5 */
export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

/** RFC 7313 section 3.2 message subtypes of ROUTE-REFRESH (RFC 2918 calls the octet Reserved). */
export const RouteRefreshSubtype = { REQUEST: 0, BORR: 1, EORR: 2 } as const;

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** RFC 4271 section 4.5 error codes, subcodes of 6.1-6.6, RFC 4486 cease subcodes, RFC 7313 section 5. */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH_MESSAGE: 7,
} as const;

export const HeaderSubcode = { CONNECTION_NOT_SYNCHRONIZED: 1, BAD_MESSAGE_LENGTH: 2, BAD_MESSAGE_TYPE: 3 } as const;

export const OpenSubcode = {
  UNSUPPORTED_VERSION_NUMBER: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7, // RFC 5492
} as const;

export const UpdateSubcode = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN_ATTRIBUTE: 6,
  INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

export const CeaseSubcode = {
  MAXIMUM_PREFIXES: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
} as const;

export const RouteRefreshSubcode = { INVALID_MESSAGE_LENGTH: 1 } as const;

/**
 * RFC 7606 section 2 error handling, ordered from the lightest to the
 * heaviest: when several errors are found in one UPDATE, the heaviest wins.
 */
export const ErrorHandling = { ATTRIBUTE_DISCARD: 1, TREAT_AS_WITHDRAW: 2, AFI_SAFI_DISABLE: 3, SESSION_RESET: 4 } as const;
export type ErrorHandling = (typeof ErrorHandling)[keyof typeof ErrorHandling];

/** A malformed message: the NOTIFICATION it calls for and how RFC 7606 says to handle it. */
export class BgpMessageError extends Error {
  constructor(
    readonly code: number,
    readonly subcode: number,
    readonly data: Buffer,
    readonly handling: ErrorHandling,
    message: string,
    /** the address family to disable when `handling` is afi-safi-disable (RFC 7606 section 2, RFC 4760 section 7) */
    readonly afiSafi?: AfiSafi,
  ) {
    super(message);
  }
}

/** RFC 6514 section 4 MCAST-VPN route types. */
export const MvpnRouteType = {
  INTRA_AS_I_PMSI_AD: 1,
  INTER_AS_I_PMSI_AD: 2,
  S_PMSI_AD: 3,
  LEAF_AD: 4,
  SOURCE_ACTIVE_AD: 5,
  SHARED_TREE_JOIN: 6,
  SOURCE_TREE_JOIN: 7,
} as const;
