import { LRUCache } from 'lru-cache';
import type { SessionRecord } from '../namespaces';
import type { SessionStore, SetOptions } from './store';

export interface LruSessionStoreOptions {
  /** How many sessions the process keeps; the least recently used is evicted past it. Default 100,000. */
  max?: number;
  /**
   * How many bytes of session JSON the process keeps; the least recently used are evicted past it.
   * Default 64 MiB. The heap a session takes is about twice its JSON.
   */
  maxSize?: number;
}

/** The size a record counts for: the bytes of its JSON, which is what it costs and what it grows with. */
const sizeOf = (record: SessionRecord): number => Buffer.byteLength(JSON.stringify(record));

/**
 * The default store: sessions in this process's memory, bounded by `max`, each with its idle TTL.
 * One process only: a second server instance would not see these sessions (use RedisSessionStore).
 *
 * Records are kept as the immutable objects the session layer builds, so sessions that hold the
 * same namespaces (every new anonymous visitor, say) share one object instead of a copy each.
 */
export class LruSessionStore implements SessionStore {
  private readonly cache: LRUCache<string, SessionRecord>;
  readonly maxSize: number;

  constructor({ max = 100_000, maxSize = 64 * 1024 * 1024 }: LruSessionStoreOptions = {}) {
    // An unbounded cache of sessions is a memory leak that anyone can trigger by sending requests.
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError(`option max is invalid: ${String(max)} (a positive integer bounds the store)`);
    }
    if (!Number.isInteger(maxSize) || maxSize < 1) {
      throw new TypeError(`option maxSize is invalid: ${String(maxSize)} (a positive number of bytes bounds the store)`);
    }
    this.maxSize = maxSize;
    // ttlAutopurge is left off: expired records are dropped when read or evicted, without a timer each.
    this.cache = new LRUCache<string, SessionRecord>({ max, maxSize, sizeCalculation: sizeOf, ttlResolution: 1000 });
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    return this.cache.get(id);
  }

  /** `get` without a promise: the page path of the middleware reads this store in the same tick. */
  getNow(id: string): SessionRecord | undefined {
    return this.cache.get(id);
  }

  async set(id: string, record: SessionRecord, { ttl, ifVersion }: SetOptions): Promise<boolean> {
    if (ifVersion !== undefined) {
      const stored = this.cache.get(id, { updateAgeOnGet: false });
      if ((stored?.version ?? 0) !== ifVersion) return false;
    }
    this.cache.set(id, record, { ttl });
    return true;
  }

  async delete(id: string): Promise<void> {
    this.cache.delete(id);
  }

  async touch(id: string, ttl: number): Promise<void> {
    const stored = this.cache.get(id);
    if (stored !== undefined) this.cache.set(id, stored, { ttl });
  }

  /** How many sessions are held (expired ones not yet dropped included). */
  get size(): number {
    return this.cache.size;
  }

  /** How many bytes of session JSON are held. */
  get calculatedSize(): number {
    return this.cache.calculatedSize;
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}
