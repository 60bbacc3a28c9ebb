// Atomic persistence of a datastore's content: the XML is written to a
// temporary file beside the datastore file, fsynced, renamed over it, and the
// directory fsynced, so a crash at any point leaves either the previous or the
// new content on disk, never a mix.
//
// A save may be sealed: a comment after the XML declaration carries the
// SHA-256 of a seal (what the content was checked against: the schema) and
// the document. A load given the same seal reports whether the file is what
// that save wrote, byte for byte; a file edited since, or saved under another
// seal, is not sealed and its reader checks it in full.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
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

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const SEAL_START = '<!-- ncbgp seal sha256:';
const SEAL_END = ' -->\n';
const SEAL_HEX = 64;

const sealDigest = (seal: string, document: Uint8Array | string): string => createHash('sha256').update(seal).update('\0').update(document).digest('hex');

/**
 * Writes `content` as `<data xmlns="...netconf:base:1.0">` to `file`,
 * atomically, mode 0600, sealed with `seal` when given. Saves of one file
 * run one after another in call order, so the last call's content is what
 * stays.
 */
export function saveDatastore(file: string, content: readonly XmlElement[], seal?: string): Promise<void> {
  const key = path.resolve(file);
  // encoded once: the seal's digest and the file are of the same bytes
  const document = Buffer.from(serialize(elem(NS.base, 'data', [...content])) + '\n', 'utf8');
  const text = Buffer.concat([Buffer.from(DECLARATION + (seal === undefined ? '' : SEAL_START + sealDigest(seal, document) + SEAL_END), 'utf8'), document]);
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

async function writeAtomically(file: string, text: Buffer): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${tempCounter++}`;
  inFlight.add(temp);
  try {
    const fh = await fs.promises.open(temp, 'wx', 0o600);
    try {
      await fh.chmod(0o600); // whatever the umask
      await fh.writeFile(text);
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
  return loadSealedDatastore(file, undefined)?.content;
}

export interface LoadedDatastore {
  readonly content: XmlElement[];
  /** the file is, unchanged, what a save sealed with the seal asked for wrote */
  readonly sealed: boolean;
}

/** loadDatastore, and whether the file carries `seal` (undefined: not asked). */
export function loadSealedDatastore(file: string, seal: string | undefined): LoadedDatastore | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // a file truncated to nothing says so
  if (bytes.length === 0) throw new StateCorruptError(file, 'the file is empty');
  let root: XmlElement;
  try {
    // invalid UTF-8 reads as U+FFFD, as it always has
    root = parseXml(isUtf8(bytes) ? bytes : bytes.toString('utf8'), SERVER_XML_LIMITS, { parents: false });
  } catch (e) {
    if (e instanceof XmlParseError) throw new StateCorruptError(file, e.message);
    throw e;
  }
  if (root.ns !== NS.base || root.name !== 'data') throw new StateCorruptError(file, `the root element is not <data> in ${NS.base}`);
  return { content: root.children, sealed: seal !== undefined && hasSeal(bytes, seal) };
}

function hasSeal(bytes: Buffer, seal: string): boolean {
  const head = DECLARATION + SEAL_START;
  const at = head.length + SEAL_HEX;
  if (bytes.length < at + SEAL_END.length || bytes.toString('latin1', 0, head.length) !== head || bytes.toString('latin1', at, at + SEAL_END.length) !== SEAL_END) return false;
  return bytes.toString('latin1', head.length, at) === sealDigest(seal, bytes.subarray(at + SEAL_END.length));
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
