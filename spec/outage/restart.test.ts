import type { Express } from 'express';
import request from 'supertest';
import { RedisSessionStore } from '../../lib';
import { cookieHeader, makeApp, setCookies } from '../support/app';
import { connectClient, describeWithRedisServer, RedisServer, until } from '../support/redis';
import { watchUnhandledRejections } from '../support/unhandled';

const STORE_TIMEOUT = 200;

describeWithRedisServer('a Redis restart', () => {
  const server = new RedisServer();
  const unhandled = watchUnhandledRejections();
  let client: Awaited<ReturnType<typeof connectClient>>;
  let app: Express;
  let cookie: string;
  let before: { id: string; version: number; namespaces: Record<string, unknown> };

  beforeAll(async () => {
    await server.start();
    client = await connectClient(server.url);
    app = makeApp({ store: new RedisSessionStore({ client, commandTimeout: STORE_TIMEOUT }), storeTimeout: STORE_TIMEOUT });
    const created = await request(app).post('/api/sessions').send({ public: { country: { value: 'BRA' }, postalCode: { value: '22250-040' } } });
    cookie = cookieHeader(created);
    cookie = cookieHeader(await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { utm_source: { value: 'newsletter' } } }), cookie);
    before = (await request(app).get('/api/sessions?items=*').set('Cookie', cookie)).body;
  });

  afterAll(async () => {
    unhandled.stop();
    client?.destroy();
    await server.destroy();
  });

  describe('while Redis is stopped', () => {
    beforeAll(() => server.stop());

    it('should serve the visitor’s pages on the default segment and leave the visitor’s cookies alone', async () => {
      for (let i = 0; i < 5; i++) {
        const page = await request(app).get('/page').set('Cookie', cookie);
        expect(page.status).toBe(200);
        expect(page.body).toMatchObject({ id: before.id, degraded: true });
        expect(setCookies(page)).toEqual([]);
      }
    });

    it('should refuse the visitor’s writes with 503 STORE_UNAVAILABLE', async () => {
      const res = await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { lost: { value: 'during the outage' } } });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('STORE_UNAVAILABLE');
    });
  });

  describe('when Redis is back', () => {
    beforeAll(async () => {
      // Past the command timeout, what the outage left in the client's queue has been dropped.
      await new Promise((resolve) => setTimeout(resolve, STORE_TIMEOUT + 50));
      await server.start();
      await until(() => client.isReady, 'the Redis client to reconnect');
    });

    it('should not send Redis the reads and writes it gave up on during the outage', async () => {
      const stats = await client.info('commandstats');
      expect(stats).not.toMatch(/cmdstat_(hget|evalsha|eval|expire):/);
    });

    it('should find the visitor’s session as it was: the same id, version and items', async () => {
      const after = await request(app).get('/api/sessions?items=*').set('Cookie', cookie);
      expect(after.status).toBe(200);
      expect(after.body).toEqual(before);
    });

    it('should serve the visitor’s pages from the session again, without new cookies', async () => {
      const page = await request(app).get('/page').set('Cookie', cookie);
      expect(page.body).toMatchObject({ id: before.id, degraded: false, version: before.version });
      expect(page.body.segment.data.utm_source).toBe('newsletter');
      expect(setCookies(page)).toEqual([]);
    });

    it('should accept the visitor’s writes again', async () => {
      const res = await request(app).patch('/api/sessions?items=public.lost').set('Cookie', cookie).send({ public: { lost: { value: 'after the outage' } } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: before.version + 1, namespaces: { public: { lost: { value: 'after the outage' } } } });
    });

    it('should have crashed nothing: the client reported the outage to its error listener, and no promise was left rejected', () => {
      expect(client.errors.length).toBeGreaterThan(0);
      expect(unhandled.reasons).toEqual([]);
    });
  });
});
