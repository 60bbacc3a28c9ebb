// The configuration datastores (RFC 6241 section 5) and their global locks
// (section 7.5). Content is the XML element tree of the YANG modules.
import { XmlElement } from '../netconf/xml';

export type DatastoreName = 'running' | 'candidate' | 'startup';

export interface LockInfo {
  readonly sessionId: number;
  readonly lockedTime: Date;
}

export type LockResult = { readonly ok: true } | { readonly ok: false; readonly heldBy: number };

export class Datastores {
  private readonly content = new Map<DatastoreName, readonly XmlElement[]>();
  private readonly locks = new Map<DatastoreName, LockInfo>();

  constructor(names: readonly DatastoreName[], initial: readonly XmlElement[] = []) {
    for (const n of names) this.content.set(n, initial);
  }

  names(): DatastoreName[] {
    return [...this.content.keys()];
  }

  has(name: string): name is DatastoreName {
    return this.content.has(name as DatastoreName);
  }

  get(name: DatastoreName): readonly XmlElement[] {
    return this.content.get(name) ?? [];
  }

  lockInfo(name: DatastoreName): LockInfo | undefined {
    return this.locks.get(name);
  }

  /** RFC 6241 section 7.5: refused when any session, this one included, holds it. */
  lock(name: DatastoreName, sessionId: number): LockResult {
    const held = this.locks.get(name);
    if (held) return { ok: false, heldBy: held.sessionId };
    this.locks.set(name, { sessionId, lockedTime: new Date() });
    return { ok: true };
  }

  /** RFC 6241 section 7.6: only the holder may unlock. */
  unlock(name: DatastoreName, sessionId: number): LockResult {
    const held = this.locks.get(name);
    if (!held || held.sessionId !== sessionId) return { ok: false, heldBy: held?.sessionId ?? 0 };
    this.locks.delete(name);
    return { ok: true };
  }

  /** A session's locks end with it. */
  releaseAll(sessionId: number): void {
    for (const [name, l] of this.locks) if (l.sessionId === sessionId) this.locks.delete(name);
  }
}
