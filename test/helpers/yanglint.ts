// libyang's yanglint over instance data, for the tests that check what the
// server sends (or is given) against the repository's YANG modules. The
// caller asks requireTool(this, 'yanglint', ...) first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { REPO_ROOT } from './server';

export interface YanglintInput {
  /** -t: 'config', 'get', 'rpc', 'nc-reply', 'nc-notif', ... */
  type: string;
  /** The modules to load, relative to the repository ('yang/ncbgp-bgp.yang'); yang/ and yang/ietf are the search path. */
  modules: readonly string[];
  /** The file name the data is written to; its ending (.xml, .json) tells yanglint the format. */
  file: string;
  data: string;
  /** Further data files by flag, written beside `file`: -R (the request of an nc-reply), -O (operational data an instance-identifier refers to). */
  flags?: Record<string, string>;
  /** Where the files go; without it a temp directory, removed again. */
  dir?: string;
  /** -F: `module:feature,...` each, the features the server supports (without it yanglint enables every feature) */
  features?: readonly string[];
}

export interface YanglintRun {
  status: number | null;
  /** stdout and stderr */
  output: string;
}

/** `yanglint -p yang -p yang/ietf [-F FEATURES]... -t TYPE [FLAG FILE]... MODULE... FILE` in the repository (killed after 30 s). */
export function yanglint(input: YanglintInput): YanglintRun {
  const dir = input.dir ?? mkdtempSync(join(tmpdir(), 'ncbgp-yanglint-'));
  try {
    const file = join(dir, input.file);
    writeFileSync(file, input.data);
    const flags: string[] = [];
    for (const [flag, content] of Object.entries(input.flags ?? {})) {
      const f = join(dir, `${basename(input.file, extname(input.file))}${flag}.xml`);
      writeFileSync(f, content);
      flags.push(flag, f);
    }
    const features = (input.features ?? []).flatMap((f) => ['-F', f]);
    const r = spawnSync('yanglint', ['-p', 'yang', '-p', 'yang/ietf', ...features, '-t', input.type, ...flags, ...input.modules, file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    if (input.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** yanglint's complaints, trimmed: '' when it exits 0 and says nothing, else `exit N` and what it said. */
export function complaints(run: YanglintRun, ignore?: RegExp): string {
  const output = ignore ? run.output.replace(ignore, '') : run.output;
  return `${run.status === 0 ? '' : `exit ${run.status}\n`}${output}`.trim();
}
