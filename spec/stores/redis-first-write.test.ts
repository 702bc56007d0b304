import request from 'supertest';
import { decodeSessionToken, RedisSessionStore } from '../../lib';
import { cookieHeader, makeApp } from '../support/app';
import { publicItems } from '../support/api';
import { RedisServer, connectClient, describeWithRedisServer } from '../support/redis';

/**
 * On Redis, stored-on-first-write is counted in commands: a private redis-server, so that the
 * count is this test's alone.
 */
describeWithRedisServer('RedisSessionStore and sessions that were never written', () => {
  const server = new RedisServer();
  let client: Awaited<ReturnType<typeof connectClient>>;
  let counter: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    await server.start();
    client = await connectClient(server.url);
    counter = await connectClient(server.url);
  });

  afterAll(async () => {
    await client?.close();
    await counter?.close();
    await server.destroy();
  });

  /** Commands Redis processed so far, less the INFO that asks (it counts itself after answering). */
  async function commandsProcessed(): Promise<number> {
    const info = await counter.info('stats');
    return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
  }

  async function commandsDuring(run: () => Promise<unknown>): Promise<number> {
    const before = await commandsProcessed();
    await run();
    // The INFO of `before` is counted once it has answered, so it shows in `after`.
    return (await commandsProcessed()) - before - 1;
  }

  describe('when cookieless visitors arrive and come back without writing', () => {
    it('should send Redis no command at all for their page views', async () => {
      const app = makeApp({ store: new RedisSessionStore({ client, prefix: 'first-write:' }) });
      const commands = await commandsDuring(async () => {
        for (let i = 0; i < 10; i++) {
          const first = await request(app).get('/page').expect(200);
          const cookie = cookieHeader(first);
          for (let j = 0; j < 3; j++) await request(app).get('/page').set('Cookie', cookie).expect(200);
        }
      });

      expect(commands).toBe(0);
      expect(await client.keys('first-write:*')).toEqual([]);
    });

    it('should send one read, and no write, for each of their API calls', async () => {
      const app = makeApp({ store: new RedisSessionStore({ client, prefix: 'first-write:' }) });
      const first = await request(app).get('/page').expect(200);
      const cookie = cookieHeader(first);
      const commands = await commandsDuring(async () => {
        await request(app).get('/api/sessions?items=*').set('Cookie', cookie).expect(200);
        await request(app).post('/api/sessions').set('Cookie', cookie).send({}).expect(201);
      });

      expect(commands).toBe(2);
      expect(await client.keys('first-write:*')).toEqual([]);
    });

    it('should count the first write, so that the measure above can see a command', async () => {
      const app = makeApp({ store: new RedisSessionStore({ client, prefix: 'first-write:' }) });
      const first = await request(app).get('/page').expect(200);

      const commands = await commandsDuring(() => request(app).patch('/api/sessions').set('Cookie', cookieHeader(first)).send(publicItems({ a: 'b' })).expect(200));

      expect(commands).toBeGreaterThanOrEqual(1);
    });
  });

  describe('when 20 first writes of one never-written visitor race', () => {
    it('should keep all of them in one Redis key', async () => {
      const app = makeApp({ store: new RedisSessionStore({ client, prefix: 'first-race:' }) });
      const first = await request(app).get('/page').expect(200);
      const cookie = cookieHeader(first);

      const writes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => request(app).post('/api/sessions').set('Cookie', cookie).send(publicItems({ [`tab${i}`]: `${i}` }))),
      );

      expect(writes.map((w) => w.status)).toEqual(Array(20).fill(201));
      expect(new Set(writes.map((w) => decodeSessionToken(w.body.sessionToken)!.id))).toEqual(new Set([first.body.id]));
      expect(await client.keys('first-race:*')).toEqual([`first-race:${first.body.id}`]);
      const stored = JSON.parse((await client.hGet(`first-race:${first.body.id}`, 'd'))!);
      expect(Object.keys(stored.namespaces.public).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `tab${i}`).sort());
      expect(stored.version).toBe(20);
    });
  });
});
