import { randomUUID } from 'node:crypto';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import request from 'supertest';
import { fromExpressSessionStore, type ExpressSessionStoreLike, type SessionStore } from '../../lib';
import { cookieHeader, makeApp } from '../support/app';
import { connectClient, describeWithRedis } from '../support/redis';
import { behavesAsSessionStore, sessionRecord } from '../support/store-contract';

const HOUR = 60 * 60 * 1000;

describe('fromExpressSessionStore', () => {
  describe('on express-session’s MemoryStore', () => {
    const memory = new session.MemoryStore();
    const store = fromExpressSessionStore(memory);

    describe('the store contract', () => {
      behavesAsSessionStore((): SessionStore => store);
    });

    it('should keep the record in the envelope express-session stores expect, with the TTL as cookie.expires', async () => {
      const id = randomUUID();
      const before = Date.now();
      await store.set(id, sessionRecord(id), { ttl: HOUR });
      const stored = await new Promise<session.SessionData | null | undefined>((resolve, reject) =>
        memory.get(id, (error, data) => (error ? reject(error) : resolve(data))),
      );
      const envelope = stored as unknown as { cookie: { originalMaxAge: number; expires: string }; vtexSession: unknown };
      expect(envelope.vtexSession).toEqual(sessionRecord(id));
      expect(envelope.cookie.originalMaxAge).toBe(HOUR);
      expect(Date.parse(envelope.cookie.expires)).toBeGreaterThanOrEqual(before + HOUR);
    });

    describe('when two writers race between the read and the write (no compare-and-set)', () => {
      it('should let both win, as documented: the version is checked by a read before the write', async () => {
        const id = randomUUID();
        await store.set(id, sessionRecord(id, 1), { ttl: HOUR });
        const [a, b] = await Promise.all([
          store.set(id, sessionRecord(id, 2, { a: '1' }), { ttl: HOUR, ifVersion: 1 }),
          store.set(id, sessionRecord(id, 2, { b: '1' }), { ttl: HOUR, ifVersion: 1 }),
        ]);
        expect([a, b]).toEqual([true, true]);
      });
    });

    describe('as the middleware’s store', () => {
      it('should create, read and edit sessions', async () => {
        const app = makeApp({ store: fromExpressSessionStore(new session.MemoryStore()) });
        const created = await request(app).post('/api/sessions').send({ public: { country: { value: 'BRA' } } });
        expect(created.status).toBe(201);
        const cookie = cookieHeader(created);
        await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { postalCode: { value: '22250-040' } } }).expect(200);
        const page = await request(app).get('/page').set('Cookie', cookie);
        expect(page.body.version).toBe(2);
        expect(page.body.namespaces.public).toEqual({ country: { value: 'BRA' }, postalCode: { value: '22250-040' } });
      });
    });
  });

  describe('options', () => {
    it('should refuse something that is not an express-session store, with a TypeError', () => {
      expect(() => fromExpressSessionStore({ get() {} } as unknown as ExpressSessionStoreLike)).toThrow(TypeError);
      expect(() => fromExpressSessionStore(undefined as unknown as ExpressSessionStoreLike)).toThrow(/^store is invalid: undefined/);
    });
  });
});

describeWithRedis('fromExpressSessionStore on connect-redis', (url) => {
  const prefix = `spec-connect-redis-${randomUUID()}:`;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let store: SessionStore;

  beforeAll(async () => {
    client = await connectClient(url);
    store = fromExpressSessionStore(new RedisStore({ client, prefix }));
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });

  describe('the store contract', () => {
    behavesAsSessionStore((): SessionStore => store);
  });

  it('should give the key the TTL of the write, in seconds, through connect-redis', async () => {
    const id = randomUUID();
    await store.set(id, sessionRecord(id), { ttl: 90_000 });
    const ttl = await client.ttl(prefix + id);
    expect(ttl).toBeGreaterThan(85);
    expect(ttl).toBeLessThanOrEqual(90);
  });

  it('should extend the TTL on touch', async () => {
    const id = randomUUID();
    await store.set(id, sessionRecord(id), { ttl: 10_000 });
    await store.touch(id, HOUR);
    expect(await client.ttl(prefix + id)).toBeGreaterThan(3_500);
  });

  describe('as the middleware’s store', () => {
    it('should create, read and edit sessions', async () => {
      const app = makeApp({ store });
      const created = await request(app).post('/api/sessions').send({ public: { country: { value: 'BRA' } } });
      const cookie = cookieHeader(created);
      await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { postalCode: { value: '22250-040' } } }).expect(200);
      const view = await request(app).get('/api/sessions?items=public.country,public.postalCode').set('Cookie', cookie);
      expect(view.body).toMatchObject({ version: 2, namespaces: { public: { country: { value: 'BRA' }, postalCode: { value: '22250-040' } } } });
      expect(await client.exists(prefix + view.body.id)).toBe(1);
    });
  });
});
