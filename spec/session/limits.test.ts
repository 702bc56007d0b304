import request from 'supertest';
import express from 'express';
import {
  LruSessionStore,
  SessionTooLargeError,
  sessionMiddleware,
  type SessionRecord,
  type SessionStore,
  type SetOptions,
  type Transform,
} from '../../lib';
import { SECRET, cookieHeader, makeApp, memoryLogger } from '../support/app';
import { expectError, publicItems } from '../support/api';
import { visit } from '../support/session';

/** An LRU store that adds up the bytes of JSON it is asked to write. */
class MeasuringStore implements SessionStore {
  readonly inner = new LruSessionStore({ max: 1000 });
  bytesWritten = 0;
  writes = 0;
  get(id: string) {
    return this.inner.get(id);
  }
  set(id: string, record: SessionRecord, options: SetOptions) {
    this.writes++;
    this.bytesWritten += JSON.stringify(record).length;
    return this.inner.set(id, record, options);
  }
  delete(id: string) {
    return this.inner.delete(id);
  }
  touch(id: string, ttl: number) {
    return this.inner.touch(id, ttl);
  }
}

const filler = (n: number) => 'x'.repeat(n);

describe('limits.sessionSize', () => {
  describe('when writes that each respect the other limits would grow one session past it', () => {
    it('should answer 413 SESSION_TOO_LARGE once the session is full, and change nothing', async () => {
      const store = new MeasuringStore();
      const app = makeApp({ store });
      const first = await request(app).post('/api/sessions').send(publicItems({ k0: filler(2000) })).expect(201);
      const cookie = cookieHeader(first);
      let status = 200;
      let writes = 0;
      // 64 KiB by default: about 32 values of 2,000 characters.
      while (status === 200 && writes < 100) {
        writes++;
        status = (await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ [`k${writes}`]: filler(2000) }))).status;
      }
      expect(status).toBe(413);
      expect(writes).toBeGreaterThan(25);
      expect(writes).toBeLessThan(40);

      const id = JSON.parse(Buffer.from(cookie.split('vtex_session=')[1].split(';')[0].split('.')[1], 'base64url').toString()).id as string;
      const before = JSON.stringify(await store.inner.get(id));
      const refused = await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ more: filler(2000) }));
      expectError(refused, 413, 'SESSION_TOO_LARGE');
      expect(JSON.stringify(await store.inner.get(id))).toBe(before);
      expect(Buffer.byteLength(JSON.stringify((await store.inner.get(id))!.namespaces))).toBeLessThanOrEqual(64 * 1024);
    });

    it('should still accept a write that makes the session smaller', async () => {
      const app = makeApp({ limits: { sessionSize: 4096 } });
      const first = await request(app).post('/api/sessions').send(publicItems({ a: filler(1500), b: filler(1500) })).expect(201);
      const cookie = cookieHeader(first);
      await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ c: filler(1500) })).expect(413);

      await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ a: '' })).expect(200);
      await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ c: filler(1500) })).expect(200);
    });
  });

  describe('when a server-side patch would pass it', () => {
    it('should reject with a SessionTooLargeError and store nothing', async () => {
      const store = new MeasuringStore();
      let caught: unknown;
      const app = makeApp({ store, limits: { sessionSize: 2048, valueSize: 4096 } }, (a) =>
        a.post('/big', (req, res) => {
          req.vtexSession.patch({ public: { big: { value: filler(3000) } } }).then(
            () => res.sendStatus(204),
            (error: unknown) => {
              caught = error;
              res.sendStatus(500);
            },
          );
        }),
      );

      await request(app).post('/big').expect(500);

      expect(caught).toBeInstanceOf(SessionTooLargeError);
      expect(caught).toMatchObject({ code: 'SESSION_TOO_LARGE', status: 413 });
      expect(store.writes).toBe(0);
    });
  });

  describe('when a page view’s captures would pass it', () => {
    it('should serve the page with the session as it is', async () => {
      const logger = memoryLogger();
      const store = new MeasuringStore();
      const app = makeApp({ store, logger, limits: { sessionSize: 4000 } });
      const first = await request(app).post('/api/sessions').send(publicItems({ a: filler(1500), b: filler(1500) })).expect(201);
      const writes = store.writes;

      const page = await visit(app, cookieHeader(first), `/page?utm_source=${filler(1000)}`).expect(200);

      expect(page.body.namespaces.public.utm_source).toBeUndefined();
      expect(store.writes).toBe(writes);
      expect(logger.lines.some((line) => line.level === 'warn' && /limits\.sessionSize/.test(line.message))).toBe(true);
    });
  });
});

describe('LruSessionStore', () => {
  describe('when maxSize bounds the bytes it holds', () => {
    it('should evict the least recently used sessions to stay within it', async () => {
      const store = new LruSessionStore({ max: 1000, maxSize: 20_000 });
      const app = makeApp({ store, limits: { sessionSize: 8 * 1024, valueSize: 4096 } });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await request(app).post('/api/sessions').send(publicItems({ big: filler(3000) })).expect(201);
        ids.push(JSON.parse(Buffer.from(res.body.sessionToken.split('.')[1], 'base64url').toString()).id);
      }

      expect(store.calculatedSize).toBeLessThanOrEqual(20_000);
      expect(store.size).toBeLessThan(10);
      expect(await store.get(ids[0])).toBeUndefined();
      expect(await store.get(ids[19])).toBeDefined();
    });

    it('should default to 64 MiB besides the 100,000 sessions', () => {
      expect(new LruSessionStore().maxSize).toBe(64 * 1024 * 1024);
    });

    it.each([0, -1, 1.5, Number.POSITIVE_INFINITY, '1000'])('should refuse maxSize %p', (maxSize) => {
      expect(() => new LruSessionStore({ maxSize: maxSize as number })).toThrow(/option maxSize is invalid/);
    });

    it('should be refused by the middleware when a session could not fit in it', () => {
      expect(() => sessionMiddleware({ secret: SECRET, store: new LruSessionStore({ maxSize: 1000 }) })).toThrow(
        /option store is invalid: its maxSize \(1000\) is smaller than limits.sessionSize \(65536\)/,
      );
    });
  });
});

/** 500 cookies of about 29 bytes each, inside Node's 16 KB header limit. */
const cookies = (name: (i: number) => string) => Array.from({ length: 500 }, (_, i) => `${name(i)}=x`).join('; ');

describe('captured cookies', () => {
  describe('when a request carries 500 cookies the capture matches', () => {
    it('should capture no more than limits.capturedCookies of them, and warn once', async () => {
      const logger = memoryLogger();
      const app = makeApp({ logger });
      const header = cookies((i) => `VtexIdclientAutCookie_${i}`);

      const first = await visit(app, header).expect(200);
      await visit(app, cookieHeader(first, header)).expect(200);
      const view = await request(app).get('/page').set('Cookie', cookieHeader(first, header)).expect(200);

      expect(Object.keys(view.body.namespaces.cookie)).toEqual(Array.from({ length: 8 }, (_, i) => `VtexIdclientAutCookie_${i}`));
      expect(logger.lines.filter((line) => line.detail?.code === 'VTEX_SESSION_COOKIES_IGNORED')).toHaveLength(1);
    });

    it('should hold to limits.capturedCookieBytes', async () => {
      const app = makeApp({ limits: { capturedCookies: 100, capturedCookieBytes: 300 } });
      const res = await visit(app, cookies((i) => `VtexIdclientAutCookie_${i}`)).expect(200);

      const captured = Object.entries(res.body.namespaces.cookie as Record<string, { value: string }>);
      expect(captured.reduce((sum, [name, item]) => sum + name.length + item.value.length, 0)).toBeLessThanOrEqual(300);
      expect(captured.length).toBeGreaterThan(5);
    });

    it('should cost no more than twice what 500 other cookies cost, counted in bytes handled', async () => {
      // What the session layer does with a request's cookies: parse the header, store what it
      // captured, and hand the captured items to the transforms that watch them.
      async function work(header: string): Promise<number> {
        const store = new MeasuringStore();
        let transformed = 0;
        const watcher: Transform = {
          name: 'watches-cookies',
          input: { cookie: ['*'] },
          output: { watched: ['count'] },
          run(input) {
            transformed += JSON.stringify(input.cookie ?? {}).length;
            return { watched: { count: { value: String(Object.keys(input.cookie ?? {}).length) } } };
          },
        };
        const app = express();
        app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger(), store, transforms: [watcher] }));
        app.get('/page', (_req, res) => void res.sendStatus(204));
        await request(app).get('/page').set('Cookie', header).expect(204);
        return header.length + store.bytesWritten + transformed;
      }

      const matching = await work(cookies((i) => `VtexIdclientAutCookie_${i}`));
      const other = await work(cookies((i) => `OtherTrackingCookie_ab_${i}`));

      expect(matching).toBeLessThanOrEqual(2 * other);
    });
  });
});
