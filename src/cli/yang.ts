// `ncbgp yang check [DIR]` (DESIGN.md section 2): the YANG modules under a
// directory compiled by our compiler (src/yang/compile.ts), as the server
// does at every start, and by yang-js as a cross-check, which the server
// leaves out (src/yang/yang-js-check.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_YANG_DIR, SchemaRegistry } from '../yang/registry';
import type { Diagnostic } from '../yang/schema';
import { knownYangJsComplaint } from '../yang/yang-js-check';

export const YANG_USAGE = `usage:
  ncbgp yang check [DIR] [--json] compile the YANG modules under DIR (default: the server's yang/) with
                                  our compiler and with yang-js; one line per diagnostic: module, source, message.
                                  The server's yang/ is compiled as the server implements it (src/yang/implemented.ts:
                                  the other modules import-only); any other DIR with every module implemented and
                                  every feature supported
  Exit status: 0 our compiler accepts every module and yang-js refuses only what it is known to
  refuse (RFC 7950 allows it); 1 a module fails our compiler, or yang-js refuses something new;
  2 usage error.
`;

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A diagnostic as printed: `known` for a complaint of yang-js listed in KNOWN_YANG_JS_COMPLAINTS. */
interface CheckedDiagnostic {
  readonly module: string;
  readonly file: string;
  readonly source: Diagnostic['source'];
  readonly message: string;
  readonly known: boolean;
}

export function yangCommand(args: string[]): void {
  let dir: string;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help || positionals[0] === 'help') {
      process.stdout.write(YANG_USAGE);
      return;
    }
    const [sub, ...rest] = positionals;
    if (sub !== 'check') throw new Error(sub === undefined ? 'missing the command: check' : `unknown command ${sub}`);
    if (rest.length > 1) throw new Error('check takes at most one directory');
    dir = path.resolve(rest[0] ?? DEFAULT_YANG_DIR);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${dir} is no directory`);
    json = values.json === true;
  } catch (e) {
    process.stderr.write(`ncbgp yang: ${e instanceof Error ? e.message : String(e)}\n${YANG_USAGE}`);
    process.exitCode = EXIT.usage;
    return;
  }
  const registry = SchemaRegistry.load(dir, { crossCheck: true });
  const diags: CheckedDiagnostic[] = registry.diagnostics().map((d) => ({
    module: d.module ?? path.relative(dir, d.file),
    file: d.file,
    source: d.source,
    message: d.message,
    known: d.source === 'yang-js' && knownYangJsComplaint(d.module, d.message) !== undefined,
  }));
  const failures = diags.filter((d) => !d.known);
  const modules = registry.modules().length;
  if (json) process.stdout.write(JSON.stringify(diags, null, 2) + '\n');
  else {
    for (const d of diags) process.stdout.write(`${d.module}: ${d.source}${d.known ? ' (known)' : ''}: ${d.message}\n`);
    const own = diags.filter((d) => d.source === 'ncbgp').length;
    const yangJs = diags.filter((d) => d.source === 'yang-js');
    process.stdout.write(
      `${modules} module${modules === 1 ? '' : 's'} in ${dir}: ` +
        `${own ? `${own} problem${own === 1 ? '' : 's'} for our compiler` : 'our compiler accepts every one'}; ` +
        `yang-js refuses ${yangJs.length} (${yangJs.filter((d) => d.known).length} known)\n`,
    );
  }
  if (modules === 0) process.stderr.write(`ncbgp yang check: no YANG module under ${dir}\n`);
  process.exitCode = failures.length || modules === 0 ? EXIT.failed : EXIT.ok;
}
