// Atomic persistence of a datastore's content: the XML is written to a
// temporary file beside the datastore file, fsynced, renamed over it, and the
// directory fsynced, so a crash at any point leaves either the previous or the
// new content on disk, never a mix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NS } from '../model/namespaces';
import { elem, parseXml, serialize, SERVER_XML_LIMITS, XmlElement, XmlParseError } from '../model/xml';
import { StateCorruptError } from './state-errors';

/** `<file>.tmp-<pid>-<n>`: never the datastore's own name. */
const TEMP_SUFFIX = /\.tmp-\d+-\d+$/;

let tempCounter = 0;
const chains = new Map<string, Promise<void>>();
/** Temporary files of saves in progress here: the only ones that are not stale. */
const inFlight = new Set<string>();

/**
 * Writes `content` as `<data xmlns="...netconf:base:1.0">` to `file`,
 * atomically, mode 0600. Saves of one file run one after another in call
 * order, so the last call's content is what stays.
 */
export function saveDatastore(file: string, content: readonly XmlElement[]): Promise<void> {
  const key = path.resolve(file);
  const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + serialize(elem(NS.base, 'data', [...content])) + '\n';
  const previous = chains.get(key) ?? Promise.resolve();
  // a failed save does not stop the ones queued behind it
  const next = previous.catch(() => undefined).then(() => writeAtomically(key, text));
  chains.set(key, next);
  const forget = (): void => {
    if (chains.get(key) === next) chains.delete(key);
  };
  next.then(forget, forget);
  return next;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${tempCounter++}`;
  inFlight.add(temp);
  try {
    const fh = await fs.promises.open(temp, 'wx', 0o600);
    try {
      await fh.chmod(0o600); // whatever the umask
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(temp, file);
  } catch (e) {
    await fs.promises.rm(temp, { force: true });
    throw e;
  } finally {
    inFlight.delete(temp);
  }
  // the rename itself is durable once the directory entry is
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * The content saved in `file`, or undefined when there is no such file.
 * Changes nothing on disk. Throws StateCorruptError, naming the file, when it
 * does not hold a saved datastore.
 */
export function loadDatastore(file: string): XmlElement[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // a file truncated to nothing says so
  if (text === '') throw new StateCorruptError(file, 'the file is empty');
  let root: XmlElement;
  try {
    root = parseXml(text, SERVER_XML_LIMITS);
  } catch (e) {
    if (e instanceof XmlParseError) throw new StateCorruptError(file, e.message);
    throw e;
  }
  if (root.ns !== NS.base || root.name !== 'data') throw new StateCorruptError(file, `the root element is not <data> in ${NS.base}`);
  for (const el of root.children) detach(el);
  return root.children;
}

/** Content trees carry no parent links: versions share subtrees. */
function detach(el: XmlElement): void {
  delete el.parent;
  for (const c of el.children) detach(c);
}

/** Removes the temporary files that a killed writer of `file` left beside it. */
export function removeStaleTemporaries(file: string): void {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no directory: nothing saved yet
  }
  for (const name of names) {
    const m = TEMP_SUFFIX.exec(name);
    const full = path.join(dir, name);
    // a dead writer may have had this very pid (a restarted container's pid 1)
    if (m && name.slice(0, m.index) === base && !inFlight.has(path.resolve(full))) fs.rmSync(full, { force: true });
  }
}
