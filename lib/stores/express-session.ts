import type { SessionRecord } from '../namespaces';
import type { SessionStore, SetOptions } from './store';

/** The callback API every express-session store implements (connect-redis, connect-mongo, ...). */
export interface ExpressSessionStoreLike {
  get(sid: string, callback: (error: unknown, session?: unknown) => void): void;
  set(sid: string, session: unknown, callback?: (error?: unknown) => void): void;
  destroy(sid: string, callback?: (error?: unknown) => void): void;
  touch?(sid: string, session: unknown, callback?: (error?: unknown) => void): void;
}

type Envelope = { cookie: { originalMaxAge: number; expires: string }; vtexSession: SessionRecord };

const call = <T>(run: (callback: (error: unknown, value?: T) => void) => void): Promise<T | undefined> =>
  new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(value)));
  });

/**
 * Adapts an express-session store to the store contract. Those stores have no compare-and-set, so
 * the version is checked with a read before the write: two writers racing within that window can
 * still overwrite each other. Use RedisSessionStore where concurrent writes to one session matter.
 *
 * Records are wrapped in the envelope express-session stores expect (`cookie.expires` and
 * `cookie.originalMaxAge` carry the TTL, which they read to expire the entry).
 */
export function fromExpressSessionStore(store: ExpressSessionStoreLike): SessionStore {
  if (store === null || typeof store !== 'object' || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.destroy !== 'function') {
    throw new TypeError(`store is invalid: ${String(store)} (an express-session store with get, set and destroy is expected)`);
  }
  const envelope = (record: SessionRecord, ttl: number): Envelope => ({
    cookie: { originalMaxAge: ttl, expires: new Date(Date.now() + ttl).toISOString() },
    vtexSession: record,
  });
  const read = async (id: string): Promise<SessionRecord | undefined> => {
    const data = await call<unknown>((cb) => store.get(id, cb));
    const record = (data as Partial<Envelope> | null | undefined)?.vtexSession;
    return record && typeof record === 'object' ? record : undefined;
  };
  return {
    get: read,
    async set(id: string, record: SessionRecord, { ttl, ifVersion }: SetOptions): Promise<boolean> {
      if (ifVersion !== undefined && ((await read(id))?.version ?? 0) !== ifVersion) return false;
      await call<void>((cb) => store.set(id, envelope(record, ttl), cb));
      return true;
    },
    async delete(id: string): Promise<void> {
      await call<void>((cb) => store.destroy(id, cb));
    },
    async touch(id: string, ttl: number): Promise<void> {
      const record = await read(id);
      if (record === undefined) return;
      if (typeof store.touch === 'function') await call<void>((cb) => store.touch!(id, envelope(record, ttl), cb));
      else await call<void>((cb) => store.set(id, envelope(record, ttl), cb));
    },
  };
}
