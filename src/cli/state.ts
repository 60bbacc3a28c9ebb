// `ncbgp state check|recover DIR` (DESIGN.md section 2): what a start would
// find in a state directory, and the recovery an operator chooses knowingly
// when a start is refused for damaged files (src/datastore/state-dir.ts).
import { parseArgs } from 'node:util';
import { describeState, inspectState, recoverState } from '../datastore/state-dir';
import { StateDirError } from '../datastore/state-errors';

export const STATE_USAGE = `usage:
  ncbgp state check DIR           report on the state directory's files (reads only)
  ncbgp state recover DIR --to-last-good
                                  bring damaged state back to its last good commit; the damaged
                                  files are kept, byte for byte, in DIR/damaged-<time>/
  Exit status: 0 the server would start (unchanged, or cutting a torn journal tail) / recovery
  done or not needed; 1 the server would refuse to start / recovery failed; 2 usage error.
`;

const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export function stateCommand(args: string[]): void {
  let sub: string | undefined;
  let dir: string;
  let toLastGood: boolean;
  try {
    const { values, positionals } = parseArgs({ args, options: { 'to-last-good': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help || positionals[0] === 'help') {
      process.stdout.write(STATE_USAGE);
      return;
    }
    [sub] = positionals;
    if (sub !== 'check' && sub !== 'recover') throw new Error(sub === undefined ? 'missing the command: check or recover' : `unknown command ${sub}`);
    if (positionals.length !== 2) throw new Error(`${sub} takes one directory`);
    dir = positionals[1];
    toLastGood = values['to-last-good'] === true;
    if (sub === 'check' && toLastGood) throw new Error('--to-last-good goes with recover');
    if (sub === 'recover' && !toLastGood) throw new Error('recover drops what follows the damage: say so with --to-last-good (ncbgp state check DIR shows what would go)');
  } catch (e) {
    process.stderr.write(`ncbgp state: ${e instanceof Error ? e.message : String(e)}\n${STATE_USAGE}`);
    process.exitCode = EXIT.usage;
    return;
  }
  try {
    if (sub === 'check') check(dir);
    else recover(dir);
  } catch (e) {
    if (!(e instanceof StateDirError)) throw e;
    process.stderr.write(`ncbgp state ${sub}: ${e.message}\n`);
    process.exitCode = EXIT.refused;
  }
}

function check(dir: string): void {
  const report = inspectState(dir);
  process.stdout.write(describeState(report).join('\n') + '\n');
  process.stdout.write(report.startable ? 'the server would start\n' : 'the server would refuse to start: see ncbgp state recover --help\n');
  process.exitCode = report.startable ? EXIT.ok : EXIT.refused;
}

function recover(dir: string): void {
  const { copyDir, actions } = recoverState(dir);
  if (!copyDir) {
    process.stdout.write('nothing to recover: the server would start (ncbgp state check DIR tells more)\n');
    return;
  }
  process.stdout.write(`${actions.join('\n')}\nthe damaged files are in ${copyDir}\n`);
}
