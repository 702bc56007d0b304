import { shortHash, storeOperations, type StoreOperation } from '../events';
import type { SessionRecord } from '../namespaces';
import type { MaybePromise } from '../maybe';
import { LruSessionStore } from './lru';
import type { SessionStore, SetOptions } from './store';

/**
 * Publishes every store operation on the `vtex-session:store` TracingChannel, with its duration
 * (start to asyncEnd) and its error. While nobody subscribes, an operation goes straight through.
 */
export class TracedStore implements SessionStore {
  /**
   * The in-process store as the package ships it. A subclass that overrides `get` (to count reads,
   * to read through to another store) is read through its `get`, as any other store.
   */
  private readonly immediate: LruSessionStore | undefined;

  constructor(readonly inner: SessionStore) {
    this.immediate = inner instanceof LruSessionStore && inner.get === LruSessionStore.prototype.get ? inner : undefined;
  }

  get(id: string): Promise<SessionRecord | undefined> {
    return this.trace('get', id, () => this.inner.get(id));
  }

  /**
   * `get`, answered at once by a store that can (the in-process one) while nobody traces its
   * operations; a traced read keeps its asynchronous start and end, as subscribers expect them.
   */
  read(id: string): MaybePromise<SessionRecord | undefined> {
    return this.immediate !== undefined && !storeOperations.hasSubscribers ? this.immediate.getNow(id) : this.get(id);
  }

  set(id: string, record: SessionRecord, options: SetOptions): Promise<boolean> {
    return this.trace('set', id, () => this.inner.set(id, record, options));
  }

  delete(id: string): Promise<void> {
    return this.trace('delete', id, () => this.inner.delete(id));
  }

  touch(id: string, ttl: number): Promise<void> {
    return this.trace('touch', id, () => this.inner.touch(id, ttl));
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  private trace<T>(operation: StoreOperation['operation'], id: string, run: () => Promise<T>): Promise<T> {
    if (!storeOperations.hasSubscribers) return run();
    const context: StoreOperation = { operation, session: shortHash(id) };
    // tracePromise hands subscribers the result, and a record holds the raw session id: the
    // traced promise resolves to nothing, and the value goes around it.
    let value: T;
    return storeOperations
      .tracePromise(async () => {
        value = await run();
      }, context)
      .then(() => value);
  }
}
