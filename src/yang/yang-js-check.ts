// The cross-check with yang-js 0.24: every module is compiled by yang-js too
// (imports registered in dependency order, RFC 7950 section 5.1), and what it
// rejects is reported by SchemaRegistry.diagnostics() when the registry is
// loaded with { crossCheck: true } (the tests and `ncbgp yang check` do; the
// server does not). The schema tree itself is compiled by compile.ts.
//
// yang-js is required here, at the first check, and nowhere else: it holds
// most of a process's idle memory once loaded, and the server never needs it.

/** A module's name and YANG text. */
export interface YangSource {
  readonly name: string;
  readonly source: string;
}

interface YangJsApi {
  parse(text: string): unknown;
  use(module: unknown): unknown;
  clear(): void;
}

/**
 * What yang-js 0.24 refuses in modules that RFC 7950 allows, by module: the
 * known complaints, which `ncbgp yang check` does not count as failures.
 */
export const KNOWN_YANG_JS_COMPLAINTS: readonly { readonly module: string; readonly message: RegExp; readonly why: string }[] = [
  {
    module: 'ietf-netconf-notifications',
    message: /choice\(server-or-user\)\] cannot contain short-hand non-case data node statement when using case statements/,
    why: 'yang-js 0.24 refuses a shorthand case next to case statements (RFC 7950 section 7.9.2 allows it)',
  },
  {
    module: 'ietf-netconf-nmda',
    message: /\[choice\(filter-spec\)\] scope violation - invalid 'anydata' extension found/,
    why: 'yang-js 0.24 refuses anydata as a shorthand case (RFC 7950 section 7.9.2 allows it)',
  },
  {
    module: 'ietf-subscribed-notifications',
    message: /\[identity\([a-z-]+\)\] scope violation - invalid 'if-feature' extension found/,
    why: 'yang-js 0.24 refuses if-feature in an identity (RFC 7950 section 7.18 allows it in YANG 1.1)',
  },
  {
    module: 'ietf-yang-patch',
    message: /choice\(global-status\)\] cannot contain short-hand non-case data node statement when using case statements/,
    why: 'yang-js 0.24 refuses a shorthand case next to case statements (RFC 7950 section 7.9.2 allows it)',
  },
  {
    module: 'ietf-yang-push',
    message: /\[identity\([a-z-]+\)\] constraint violation for 'base' - cannot define more than once/,
    why: 'yang-js 0.24 refuses an identity with several bases (RFC 7950 section 7.18.2 allows them in YANG 1.1)',
  },
  {
    module: 'ietf-notification-capabilities',
    message: /import\(ietf-yang-push\)\] unable to resolve 'ietf-yang-push' module/,
    why: 'yang-js 0.24 refuses ietf-yang-push (an identity with several bases), so cannot import it',
  },
];

/** The entry of KNOWN_YANG_JS_COMPLAINTS that explains a complaint of yang-js about `module`, if any. */
export function knownYangJsComplaint(module: string | undefined, message: string): (typeof KNOWN_YANG_JS_COMPLAINTS)[number] | undefined {
  return KNOWN_YANG_JS_COMPLAINTS.find((k) => k.module === module && k.message.test(message));
}

let api: YangJsApi | undefined;
function yangJs(): YangJsApi {
  // parse/use/clear are static (non-enumerable) members of the class that is
  // the package's module.exports
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  api ??= require('yang-js') as YangJsApi;
  return api;
}

/** Compiles each module with yang-js, dependencies first; returns the failures. */
export function yangJsCheck(order: readonly YangSource[]): Map<string, string> {
  const yang = yangJs();
  const failed = new Map<string, string>();
  yang.clear();
  try {
    for (const info of order) {
      try {
        yang.use(yang.parse(info.source));
      } catch (e) {
        failed.set(info.name, (e as Error).message.split('\n')[0]);
      }
    }
  } finally {
    yang.clear();
  }
  return failed;
}
