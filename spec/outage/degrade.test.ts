import type { Express, NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { RedisSessionStore, StoreUnavailableError, type VtexSession } from '../../lib';
import { cookieHeader, makeApp, memoryLogger, setCookies } from '../support/app';
import { connectClient, describeWithRedisServer, RedisServer } from '../support/redis';

const STORE_TIMEOUT = 200;

/** A page handler that writes on the server side, answering the error code it gets, if any. */
function checkout(app: Express): void {
  app.post('/checkout', async (req: Request, res: Response) => {
    try {
      await req.vtexSession.patch({ checkout: { orderFormId: { value: 'of-1' } } });
      res.json({ written: true });
    } catch (error) {
      res.json({ written: false, name: (error as Error).name, code: (error as StoreUnavailableError).code });
    }
  });
}

describeWithRedisServer('onStoreError', () => {
  const server = new RedisServer();
  let client: Awaited<ReturnType<typeof connectClient>>;
  let store: RedisSessionStore;
  let cookie: string;
  let visitor: { id: string; segment: { token: string } };
  let defaultSegment: string;

  beforeAll(async () => {
    await server.start();
    client = await connectClient(server.url);
    store = new RedisSessionStore({ client, commandTimeout: STORE_TIMEOUT });
    // A visitor whose segment is not the default one, so that the default segment shows.
    const app = makeApp({ store });
    cookie = cookieHeader(await request(app).get('/page?utm_source=newsletter'));
    visitor = (await request(app).get('/page').set('Cookie', cookie)).body;
    // The channel's default segment: what a new visitor gets while the store is up.
    defaultSegment = (await request(app).get('/page')).body.segment.token;
    await server.stop();
  });

  afterAll(async () => {
    client?.destroy();
    await server.destroy();
  });

  describe("when it is 'degrade' (the default) and the store is down", () => {
    const logger = memoryLogger();
    let app: Express;
    beforeAll(() => {
      app = makeApp({ store, storeTimeout: STORE_TIMEOUT, logger }, checkout);
    });

    it('should serve a page request with the channel’s default segment', async () => {
      const page = await request(app).get('/page').set('Cookie', cookie);
      expect(page.status).toBe(200);
      expect(visitor.segment.token).not.toBe(defaultSegment);
      expect(page.body.segment.token).toBe(defaultSegment);
      expect(page.body.segment.data).toMatchObject({ channel: '1', utm_source: null, currencyCode: 'BRL' });
    });

    it('should give the page a req.vtexSession marked degraded, under the visitor’s session id', async () => {
      const page = await request(app).get('/page').set('Cookie', cookie);
      expect(page.body).toMatchObject({ id: visitor.id, version: 0, degraded: true });
      expect(page.body.namespaces.store.channel).toEqual({ value: '1' });
    });

    it('should not overwrite the visitor’s cookies', async () => {
      const page = await request(app).get('/page').set('Cookie', cookie);
      expect(setCookies(page)).toEqual([]);
    });

    it('should serve a new visitor the same way, without cookies', async () => {
      const page = await request(app).get('/page?utm_source=ads');
      expect(page.status).toBe(200);
      expect(page.body.degraded).toBe(true);
      expect(page.body.segment.token).toBe(defaultSegment);
      expect(setCookies(page)).toEqual([]);
    });

    it('should answer API writes with 503 and a STORE_UNAVAILABLE error', async () => {
      for (const method of ['post', 'patch'] as const) {
        const res = await request(app)[method]('/api/sessions').set('Cookie', cookie).send({ public: { country: { value: 'ARG' } } });
        expect(res.status).toBe(503);
        expect(res.body).toEqual({
          type: 'ServiceUnavailable',
          message: expect.stringMatching(/session store/),
          error: { code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/session store/) },
        });
        expect(setCookies(res)).toEqual([]);
      }
    });

    it('should answer a new visitor’s API write with 503 too, creating nothing', async () => {
      const res = await request(app).post('/api/sessions').send({ public: { country: { value: 'ARG' } } });
      expect(res.status).toBe(503);
      expect(setCookies(res)).toEqual([]);
    });

    it('should serve what needs no store as usual: a new visitor’s plain page view and empty write (sessions never written)', async () => {
      const page = await request(app).get('/page');
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ version: 0, degraded: false });
      expect(page.body.segment.token).toBe(defaultSegment);
      const empty = await request(app).post('/api/sessions').send({});
      expect(empty.status).toBe(201);
      expect(setCookies(empty).map((c) => c.name)).toEqual(['vtex_session', 'vtex_segment']);
    });

    it('should answer API reads of the session with 503', async () => {
      const res = await request(app).get('/api/sessions?items=public.utm_source').set('Cookie', cookie);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('STORE_UNAVAILABLE');
    });

    it('should answer the segment API with the default segment, without a cookie', async () => {
      const res = await request(app).get('/api/segments').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ channel: '1', utm_source: null });
      expect(setCookies(res)).toEqual([]);
    });

    it('should refuse a server-side write with a StoreUnavailableError', async () => {
      const res = await request(app).post('/checkout').set('Cookie', cookie);
      expect(res.body).toEqual({ written: false, name: 'StoreUnavailableError', code: 'STORE_UNAVAILABLE' });
    });

    it('should log the outage, naming the session by a short hash, never by its id', () => {
      const line = logger.lines.find((l) => l.message.includes('session store unavailable'));
      expect(line).toBeDefined();
      expect(JSON.stringify(logger.lines)).not.toContain(visitor.id);
    });
  });

  describe("when it is 'fail' and the store is down", () => {
    const seen: Array<{ error: unknown; session: VtexSession | undefined }> = [];
    let app: Express;
    beforeAll(() => {
      app = makeApp({ store, storeTimeout: STORE_TIMEOUT, onStoreError: 'fail' }, (app) => {
        app.use((error: StoreUnavailableError, req: Request, res: Response, _next: NextFunction) => {
          seen.push({ error, session: req.vtexSession });
          res.status(error.status ?? 500).json({ code: error.code });
        });
      });
    });
    beforeEach(() => {
      seen.length = 0;
    });

    it('should pass a StoreUnavailableError to the app’s error handler, with req.vtexSession set', async () => {
      const page = await request(app).get('/page').set('Cookie', cookie);
      expect(page.status).toBe(503);
      expect(seen).toHaveLength(1);
      expect(seen[0].error).toBeInstanceOf(StoreUnavailableError);
      expect(seen[0].error).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
      expect(seen[0].session).toBeDefined();
      expect(setCookies(page)).toEqual([]);
    });

    it('should pass the error for a new visitor too, when the page view writes', async () => {
      await request(app).get('/page?utm_source=ads').expect(503);
      expect(seen[0].error).toBeInstanceOf(StoreUnavailableError);
    });

    it('should serve a new visitor’s plain page view, which needs no store', async () => {
      const page = await request(app).get('/page').expect(200);
      expect(page.body).toMatchObject({ version: 0, degraded: false });
      expect(seen).toEqual([]);
    });

    it('should still answer the API itself, with 503', async () => {
      const res = await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { country: { value: 'ARG' } } });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('STORE_UNAVAILABLE');
      expect(seen).toEqual([]);
    });
  });
});
