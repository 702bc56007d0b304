import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Response as TestResponse } from 'supertest';
import { LruSessionStore, sessionMiddleware, type SessionOptions, type SessionRecord, type SessionStore, type SetOptions } from '../../lib';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const OTHER_SECRET = 'another-secret-that-is-at-least-32-characters';

/** Logs collected instead of printed, so tests can assert on them and the output stays clean. */
export function memoryLogger() {
  const lines: Array<{ level: 'warn' | 'error'; message: string; detail?: Record<string, unknown> }> = [];
  return {
    lines,
    warn: (message: string, detail?: Record<string, unknown>) => void lines.push({ level: 'warn', message, detail }),
    error: (message: string, detail?: Record<string, unknown>) => void lines.push({ level: 'error', message, detail }),
  };
}

/**
 * An Express app with the middleware and a `/page` handler that answers what the page sees:
 * `{ id, version, namespaces, segment }`. Extra routes can be added with `routes`.
 */
export function makeApp(options: SessionOptions = {}, routes?: (app: Express) => void): Express {
  const app = express();
  app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger(), ...options }));
  app.get('/page', (req, res) => {
    res.json({ id: req.vtexSession.id, version: req.vtexSession.version, degraded: req.vtexSession.degraded, namespaces: req.vtexSession.namespaces, segment: req.vtexSegment });
  });
  routes?.(app);
  return app;
}

export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** The Set-Cookie headers of a response, parsed. */
export function setCookies(res: TestResponse): SetCookie[] {
  const raw = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((line) => {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      if (i < 0) attributes[attr.toLowerCase()] = true;
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
  });
}

export function setCookie(res: TestResponse, name: string): SetCookie | undefined {
  return setCookies(res).find((c) => c.name === name);
}

/** A Cookie header that sends back what a response set (as a browser would). */
export function cookieHeader(res: TestResponse, previous = ''): string {
  const jar = new Map<string, string>();
  for (const part of previous.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const c of setCookies(res)) jar.set(c.name, c.value);
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** A store that can be told to fail or hang, and counts the calls it gets (for "never reaches the store"). */
export class ControllableStore implements SessionStore {
  readonly inner = new LruSessionStore({ max: 1000 });
  readonly calls: Record<'get' | 'set' | 'delete' | 'touch', number> = { get: 0, set: 0, delete: 0, touch: 0 };
  mode: 'ok' | 'fail' | 'hang' = 'ok';

  private gate<T>(op: keyof ControllableStore['calls'], run: () => Promise<T>): Promise<T> {
    this.calls[op]++;
    if (this.mode === 'fail') return Promise.reject(new Error('store is down'));
    if (this.mode === 'hang') return new Promise<T>(() => undefined);
    return run();
  }

  get(id: string) {
    return this.gate('get', () => this.inner.get(id));
  }
  set(id: string, record: SessionRecord, options: SetOptions) {
    return this.gate('set', () => this.inner.set(id, record, options));
  }
  delete(id: string) {
    return this.gate('delete', () => this.inner.delete(id));
  }
  touch(id: string, ttl: number) {
    return this.gate('touch', () => this.inner.touch(id, ttl));
  }
}

/**
 * The Redis URL for tests that need a real Redis. In CI a missing REDIS_URL fails the suite (CI
 * must run every test); elsewhere the caller skips with the reason.
 */
export function redisUrl(): string | undefined {
  const url = process.env.REDIS_URL;
  if (url === undefined && process.env.CI) {
    throw new Error('REDIS_URL is not set: CI must run the Redis tests (.ci/run starts Redis and sets it)');
  }
  return url;
}

/** A route that logs the visitor in through a server-side write, as a storefront's login route would. */
export function loginRoute(app: Express): void {
  app.post('/login', async (req: Request, res: Response, next: NextFunction) => {
    try {
      await req.vtexSession.patch({ authentication: { storeUserEmail: { value: 'ana@example.com' } } });
      res.json({ id: req.vtexSession.id });
    } catch (error) {
      next(error);
    }
  });
}
