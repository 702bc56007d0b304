import { StoreUnavailableError } from '../errors';
import type { SessionRecord } from '../namespaces';
import type { SessionStore, SetOptions } from './store';

/**
 * Bounds every store operation. node-redis queues commands while it reconnects, and its own
 * timeout stops counting once a command is sent, so without this bound a Redis that is down or
 * restarting would hold requests instead of failing fast. Any failure becomes a
 * StoreUnavailableError, which the session layer knows how to degrade on.
 */
export class TimeoutStore implements SessionStore {
  constructor(
    readonly inner: SessionStore,
    private readonly timeout: number,
  ) {}

  get(id: string): Promise<SessionRecord | undefined> {
    return this.bound('get', () => this.inner.get(id));
  }

  set(id: string, record: SessionRecord, options: SetOptions): Promise<boolean> {
    return this.bound('set', () => this.inner.set(id, record, options));
  }

  delete(id: string): Promise<void> {
    return this.bound('delete', () => this.inner.delete(id));
  }

  touch(id: string, ttl: number): Promise<void> {
    return this.bound('touch', () => this.inner.touch(id, ttl));
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  private bound<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new StoreUnavailableError(`session store ${operation} did not answer within ${this.timeout} ms`));
      }, this.timeout);
      let pending: Promise<T>;
      try {
        pending = run();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // The driver's text stays in `cause`, out of the message: the API answers the message to
          // the client, and a driver's error may name an internal host and port.
          reject(error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`session store ${operation} failed`, { cause: error }));
        },
      );
    });
  }
}
