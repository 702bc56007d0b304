import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { decodeSessionToken, LruSessionStore, RedisSessionStore, type SessionStore } from '../../lib';
import { sessionClaims, signJwt } from '../support/adversarial';
import { SECRET, loginRoute, makeApp } from '../support/app';
import { publicItems } from '../support/api';
import { LatencyStore } from '../support/stores';
import { connectClient, describeWithRedis } from '../support/redis';

const HOUR = 3600;
const RACERS = 20;

/** A stored session with a keepAlive item, and its token as it looks an hour before its end. */
async function endingSession(app: Express): Promise<{ id: string; cookie: string }> {
  const created = await request(app)
    .post('/api/sessions')
    .send({ public: { country: { value: 'BRA', keepAlive: true }, utm_source: { value: 'newsletter' } } })
    .expect(201);
  const id = decodeSessionToken(created.body.sessionToken)!.id!;
  const ending = signJwt({ alg: 'HS256', typ: 'JWT' }, sessionClaims(id, Math.floor(Date.now() / 1000) + HOUR), SECRET);
  return { id, cookie: `vtex_session=${ending}` };
}

/** The same race on every store: the renewal and the rotation must converge wherever sessions live. */
function racesOn(makeStore: () => SessionStore, readStore: (store: SessionStore, id: string) => ReturnType<SessionStore['get']>) {
  describe(`when ${RACERS} PATCHes of one visitor arrive in the renewal window at once`, () => {
    it('should answer them all with one successor session that holds every write and the keepAlive item', async () => {
      const store = makeStore();
      const app = makeApp({ store });
      const visitor = await endingSession(app);

      const writes = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => request(app).patch('/api/sessions').set('Cookie', visitor.cookie).send(publicItems({ [`w${i}`]: `${i}` }))),
      );

      expect(writes.map((w) => w.status)).toEqual(Array(RACERS).fill(200));
      const successors = new Set(writes.map((w) => decodeSessionToken(w.body.sessionToken)!.id));
      expect(successors.size).toBe(1);
      const [successor] = successors;
      expect(successor).not.toBe(visitor.id);
      const record = (await readStore(store, successor!))!;
      expect(Object.keys(record.namespaces.public).sort()).toEqual(['country', ...Array.from({ length: RACERS }, (_, i) => `w${i}`)].sort());
      expect(record.namespaces.public.country).toEqual({ value: 'BRA', keepAlive: true });
      // Renewal carries only the keepAlive items: the rest of the old session ends with it.
      expect(record.namespaces.public.utm_source).toBeUndefined();
      // The old record keeps no data, only the way to its successor.
      expect(await readStore(store, visitor.id)).toMatchObject({ namespaces: {}, successor });
    });

    it('should send a page view with the old token, arriving late, to the same successor', async () => {
      const store = makeStore();
      const app = makeApp({ store });
      const visitor = await endingSession(app);
      const write = await request(app).patch('/api/sessions').set('Cookie', visitor.cookie).send(publicItems({ first: 'yes' })).expect(200);

      const late = await request(app).get('/page').set('Cookie', visitor.cookie).expect(200);

      expect(late.body.id).toBe(decodeSessionToken(write.body.sessionToken)!.id);
      expect(late.body.namespaces.public.first).toEqual({ value: 'yes' });
    });
  });

  describe('when writes race a login of the same visitor', () => {
    it('should keep every write it acknowledged, and refuse the others with 409 SESSION_ROTATED', async () => {
      const store = makeStore();
      const app = makeApp({ store }, loginRoute);
      const created = await request(app).post('/api/sessions').send(publicItems({ start: 'yes' })).expect(201);
      const cookie = `vtex_session=${created.body.sessionToken}`;

      const [signedIn, ...writes] = await Promise.all([
        request(app).post('/login').set('Cookie', cookie),
        ...Array.from({ length: 10 }, (_, i) => request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ [`w${i}`]: `${i}` }))),
      ]);

      expect(signedIn.status).toBe(200);
      const record = (await readStore(store, signedIn.body.id))!;
      for (const [i, write] of writes.entries()) {
        expect([200, 409]).toContain(write.status);
        if (write.status === 200) expect(record.namespaces.public[`w${i}`]).toEqual({ value: `${i}` });
        else expect(write.body.error.code).toBe('SESSION_ROTATED');
      }
      expect(record.namespaces.authentication.storeUserEmail).toEqual({ value: 'ana@example.com' });
    });

    it('should never open the logged-in session with the token from before the login', async () => {
      const store = makeStore();
      const app = makeApp({ store }, loginRoute);
      const created = await request(app).post('/api/sessions').send(publicItems({ start: 'yes' })).expect(201);
      const planted = `vtex_session=${created.body.sessionToken}`;
      const signedIn = await request(app).post('/login').set('Cookie', planted).expect(200);

      const page = await request(app).get('/page').set('Cookie', planted).expect(200);
      const read = await request(app).get('/api/sessions?items=*').set('Cookie', planted);

      expect(page.body.id).not.toBe(signedIn.body.id);
      expect(page.body.namespaces.authentication).toBeUndefined();
      // No cookie either: a racing response must not replace the logged-in session in the browser.
      expect(page.headers['set-cookie']).toBeUndefined();
      expect(read.status).toBe(409);
      expect(read.body.error.code).toBe('SESSION_ROTATED');
    });
  });
}

describe('renewal and id rotation under concurrent requests', () => {
  describe('on the in-process store', () => {
    racesOn(
      () => new LatencyStore(new LruSessionStore({ max: 1000 }), 3),
      (store, id) => (store as LatencyStore).inner.get(id),
    );
  });
});

describeWithRedis('renewal and id rotation under concurrent requests, on Redis', (url) => {
  const prefix = `spec-renewal-race-${randomUUID()}:`;
  let client: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    client = await connectClient(url);
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });

  racesOn(
    () => new RedisSessionStore({ client, prefix }),
    (store, id) => store.get(id),
  );
});
