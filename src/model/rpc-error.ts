// RFC 6241 section 4.3 <rpc-error> and Appendix A error tags, one to one.
import { NS } from './namespaces';
import { elem, XML_NS, XmlElement } from './xml';

export const ErrorType = { transport: 'transport', rpc: 'rpc', protocol: 'protocol', application: 'application' } as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

export const ErrorTag = {
  inUse: 'in-use',
  invalidValue: 'invalid-value',
  tooBig: 'too-big',
  missingAttribute: 'missing-attribute',
  badAttribute: 'bad-attribute',
  unknownAttribute: 'unknown-attribute',
  missingElement: 'missing-element',
  badElement: 'bad-element',
  unknownElement: 'unknown-element',
  unknownNamespace: 'unknown-namespace',
  accessDenied: 'access-denied',
  lockDenied: 'lock-denied',
  resourceDenied: 'resource-denied',
  rollbackFailed: 'rollback-failed',
  dataExists: 'data-exists',
  dataMissing: 'data-missing',
  operationNotSupported: 'operation-not-supported',
  operationFailed: 'operation-failed',
  partialOperation: 'partial-operation',
  malformedMessage: 'malformed-message',
} as const;
export type ErrorTag = (typeof ErrorTag)[keyof typeof ErrorTag];

/** An instance of the data as error-path writes it (section 4.3): an absolute XPath, and the namespace of each prefix in it. */
export interface InstancePath {
  readonly path: string;
  /** prefix -> namespace URI of every prefix in `path` */
  readonly pathNamespaces: Record<string, string>;
}

/** error-info content of Appendix A. */
export interface ErrorInfo {
  badAttribute?: string;
  badElement?: string;
  badNamespace?: string;
  sessionId?: number;
  okElement?: string;
  errElement?: string;
  noopElement?: string;
  /** RFC 7950 section 15.6 */
  missingChoice?: string;
  /** RFC 7950 section 15.1: the leaves of a violated unique statement */
  nonUnique?: readonly InstancePath[];
  /** Structured data a module defines for error-info (RFC 8040 yang-data, e.g. RFC 8639's establish-subscription-stream-error-info) */
  content?: readonly XmlElement[];
}

export interface NetconfRpcErrorFields {
  type: ErrorType;
  tag: ErrorTag;
  severity?: 'error' | 'warning';
  appTag?: string;
  path?: string;
  /** prefix -> namespace URI used in `path` */
  pathNamespaces?: Record<string, string>;
  info?: ErrorInfo;
  message?: string;
}

export class NetconfRpcError extends Error {
  readonly type: ErrorType;
  readonly tag: ErrorTag;
  readonly severity: 'error' | 'warning';
  readonly appTag?: string;
  readonly path?: string;
  readonly pathNamespaces?: Record<string, string>;
  readonly info?: ErrorInfo;

  constructor(f: NetconfRpcErrorFields) {
    super(f.message ?? f.tag);
    this.type = f.type;
    this.tag = f.tag;
    this.severity = f.severity ?? 'error';
    this.appTag = f.appTag;
    this.path = f.path;
    this.pathNamespaces = f.pathNamespaces;
    this.info = f.info;
  }

  toElement(): XmlElement {
    const c: XmlElement[] = [elem(NS.base, 'error-type', this.type), elem(NS.base, 'error-tag', this.tag), elem(NS.base, 'error-severity', this.severity)];
    if (this.appTag) c.push(elem(NS.base, 'error-app-tag', this.appTag));
    if (this.path) {
      const p = elem(NS.base, 'error-path', this.path);
      if (this.pathNamespaces) p.nsDecls = { ...this.pathNamespaces };
      c.push(p);
    }
    if (this.message) {
      c.push(elem(NS.base, 'error-message', this.message, [{ ns: XML_NS, prefix: 'xml', name: 'lang', value: 'en' }]));
    }
    const info = infoElements(this.info);
    if (info.length) c.push(elem(NS.base, 'error-info', info));
    return elem(NS.base, 'rpc-error', c);
  }
}

const YANG_NS = 'urn:ietf:params:xml:ns:yang:1';

function infoElements(info: ErrorInfo | undefined): XmlElement[] {
  if (!info) return [];
  const out: XmlElement[] = [];
  const add = (name: string, v: string | number | undefined): void => {
    if (v !== undefined) out.push(elem(NS.base, name, v));
  };
  add('bad-attribute', info.badAttribute);
  add('bad-element', info.badElement);
  add('bad-namespace', info.badNamespace);
  add('session-id', info.sessionId);
  add('ok-element', info.okElement);
  add('err-element', info.errElement);
  add('noop-element', info.noopElement);
  if (info.missingChoice !== undefined) out.push(elem(YANG_NS, 'missing-choice', info.missingChoice));
  for (const leaf of info.nonUnique ?? []) {
    const e = elem(YANG_NS, 'non-unique', leaf.path);
    e.nsDecls = leaf.pathNamespaces;
    out.push(e);
  }
  out.push(...(info.content ?? []));
  return out;
}

/** Several errors in one reply (RFC 6241 section 4.3: continue-on-error, or every violation validation found). */
export class NetconfRpcErrors extends Error {
  constructor(readonly errors: readonly NetconfRpcError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}
