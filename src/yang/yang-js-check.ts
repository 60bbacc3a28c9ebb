// The cross-check with yang-js 0.24: every module is compiled by yang-js too
// (imports registered in dependency order, RFC 7950 section 5.1), and what it
// rejects is reported by SchemaRegistry.diagnostics(). The schema tree itself
// is compiled by compile.ts.
import * as yangJsModule from 'yang-js';

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
// parse/use/clear are static (non-enumerable) members of the exported class:
// reach the module object itself, not a namespace copy of its own keys.
const yangJsApi = (yangJsModule as unknown as { default: YangJsApi }).default;

/** Compiles each module with yang-js, dependencies first; returns the failures. */
export function yangJsCheck(order: readonly YangSource[]): Map<string, string> {
  const failed = new Map<string, string>();
  yangJsApi.clear();
  try {
    for (const info of order) {
      try {
        yangJsApi.use(yangJsApi.parse(info.source));
      } catch (e) {
        failed.set(info.name, (e as Error).message.split('\n')[0]);
      }
    }
  } finally {
    yangJsApi.clear();
  }
  return failed;
}
