import type { Express } from 'express';
import request from 'supertest';
import { RedisSessionStore } from '../../lib';
import { cookieHeader, makeApp } from '../support/app';
import { connectClient, describeWithRedisServer, RedisServer } from '../support/redis';

const STORE_TIMEOUT = 200;
// Room for a loaded machine; a store without a bound would hold the request until Jest gave up.
const MARGIN = 600;

async function timed<T>(run: () => PromiseLike<T>): Promise<{ answer: T; ms: number }> {
  const start = performance.now();
  const answer = await run();
  return { answer, ms: performance.now() - start };
}

describeWithRedisServer('storeTimeout', () => {
  const server = new RedisServer();
  let client: Awaited<ReturnType<typeof connectClient>>;
  let app: Express;
  let cookie: string;

  beforeAll(async () => {
    await server.start();
    client = await connectClient(server.url);
    app = makeApp({ store: new RedisSessionStore({ client, commandTimeout: STORE_TIMEOUT }), storeTimeout: STORE_TIMEOUT });
    cookie = cookieHeader(await request(app).post('/api/sessions').send({ public: { country: { value: 'BRA' } } }));
  });

  afterAll(async () => {
    client?.destroy();
    await server.destroy();
  });

  describe('when Redis hangs (it takes commands and never answers)', () => {
    beforeAll(() => server.hang());
    afterAll(() => server.resume());

    it('should answer a page request within the timeout, on the default segment', async () => {
      const { answer, ms } = await timed(() => request(app).get('/page').set('Cookie', cookie));
      expect(answer.status).toBe(200);
      expect(answer.body.degraded).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(STORE_TIMEOUT - 5);
      expect(ms).toBeLessThan(STORE_TIMEOUT + MARGIN);
    });

    it('should answer an API write within the timeout, with 503', async () => {
      const { answer, ms } = await timed(() => request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { a: { value: '1' } } }));
      expect(answer.status).toBe(503);
      expect(answer.body.error).toEqual({ code: 'STORE_UNAVAILABLE', message: `session store get did not answer within ${STORE_TIMEOUT} ms` });
      expect(ms).toBeLessThan(STORE_TIMEOUT + MARGIN);
    });

    // A plain first page view stores nothing; a landing with a captured key is the creation that writes.
    it('should answer a new visitor’s page within the timeout too (the write of a landing with a UTM is bounded)', async () => {
      const { answer, ms } = await timed(() => request(app).get('/page?utm_source=ads'));
      expect(answer.body.degraded).toBe(true);
      expect(ms).toBeLessThan(STORE_TIMEOUT + MARGIN);
    });

    describe('with the default timeout', () => {
      it('should answer within about a second', async () => {
        const defaults = makeApp({ store: new RedisSessionStore({ client }) });
        const { answer, ms } = await timed(() => request(defaults).get('/page').set('Cookie', cookie));
        expect(answer.body.degraded).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(995);
        expect(ms).toBeLessThan(1000 + MARGIN);
      });
    });
  });

  describe('when Redis is stopped and the client queues commands while it reconnects', () => {
    beforeAll(() => server.stop());

    it('should answer a page request within the timeout, on the default segment', async () => {
      const { answer, ms } = await timed(() => request(app).get('/page').set('Cookie', cookie));
      expect(answer.status).toBe(200);
      expect(answer.body.degraded).toBe(true);
      expect(ms).toBeLessThan(STORE_TIMEOUT + MARGIN);
    });

    it('should answer API calls within the timeout, with 503', async () => {
      const write = await timed(() => request(app).post('/api/sessions').set('Cookie', cookie).send({ public: { a: { value: '1' } } }));
      const read = await timed(() => request(app).get('/api/sessions?items=*').set('Cookie', cookie));
      for (const { answer, ms } of [write, read]) {
        expect(answer.status).toBe(503);
        expect(answer.body.error.code).toBe('STORE_UNAVAILABLE');
        expect(ms).toBeLessThan(STORE_TIMEOUT + MARGIN);
      }
    });
  });
});
