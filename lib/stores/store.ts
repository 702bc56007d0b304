import type { SessionRecord } from '../namespaces';

export interface SetOptions {
  /** Milliseconds the record lives without being touched (the idle timeout). */
  ttl: number;
  /**
   * Compare-and-set: the write happens only when the stored record's `version` equals this number;
   * `0` means the record must not exist yet. Omitted: the write is unconditional.
   */
  ifVersion?: number;
}

/**
 * What the session layer needs from a store. Promise-only, and knows nothing of Express: a store
 * keeps records under ids, with a TTL, and refuses a write that lost a compare-and-set.
 */
export interface SessionStore {
  get(id: string): Promise<SessionRecord | undefined>;
  /** Answers false when `ifVersion` did not match (another writer won); true when written. */
  set(id: string, record: SessionRecord, options: SetOptions): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** Extends the TTL without rewriting the record. */
  touch(id: string, ttl: number): Promise<void>;
  close?(): Promise<void>;
}

export function isSessionStore(value: unknown): value is SessionStore {
  if (value === null || typeof value !== 'object') return false;
  const store = value as Record<string, unknown>;
  return ['get', 'set', 'delete', 'touch'].every((method) => typeof store[method] === 'function');
}
