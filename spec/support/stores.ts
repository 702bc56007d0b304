import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { LruSessionStore, type SessionRecord, type SessionStore, type SetOptions } from '../../lib';

/**
 * The in-process store with a network's round trip: every operation waits a little first, as it
 * would for Redis, so that concurrent requests really meet between a read and a write.
 */
export class LatencyStore implements SessionStore {
  constructor(
    readonly inner: SessionStore = new LruSessionStore({ max: 1000 }),
    private readonly latency = 2,
  ) {}

  private turn(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.latency));
  }

  async get(id: string) {
    await this.turn();
    return this.inner.get(id);
  }
  async set(id: string, record: SessionRecord, options: SetOptions) {
    await this.turn();
    return this.inner.set(id, record, options);
  }
  async delete(id: string) {
    await this.turn();
    return this.inner.delete(id);
  }
  async touch(id: string, ttl: number) {
    await this.turn();
    return this.inner.touch(id, ttl);
  }
}

/**
 * A store on which another writer always gets in first: before each compare-and-set on an existing
 * session it bumps the stored version, so every attempt of the write under test loses.
 */
export class ContendedStore implements SessionStore {
  readonly inner = new LruSessionStore({ max: 1000 });
  attempts = 0;

  get(id: string) {
    return this.inner.get(id);
  }
  async set(id: string, record: SessionRecord, options: SetOptions) {
    const stored = await this.inner.get(id);
    if (options.ifVersion !== undefined && options.ifVersion > 0 && stored !== undefined) {
      this.attempts++;
      await this.inner.set(id, { ...stored, version: stored.version + 1 }, { ttl: options.ttl });
    }
    return this.inner.set(id, record, options);
  }
  delete(id: string) {
    return this.inner.delete(id);
  }
  touch(id: string, ttl: number) {
    return this.inner.touch(id, ttl);
  }
}

/** One listening server for many requests (supertest would open one per request otherwise). */
export async function listen(app: Express): Promise<Server> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

export function close(server: Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
