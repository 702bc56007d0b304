import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { LruSessionStore, RedisSessionStore, type Transform } from '../../lib';
import { cookieHeader, makeApp, setCookies } from '../support/app';
import { connectClient, describeWithRedis } from '../support/redis';
import { LANDING } from '../support/session';
import { close, ContendedStore, LatencyStore, listen } from '../support/stores';

const WRITERS = 50;

/**
 * A session, then one PATCH per writer at once, each with its own `public` key; answers what is
 * left. The session is stored first (its creation wrote `created`), or was never written, so that
 * the writers race for its first write.
 */
async function patchAtOnce(servers: Server[], session: 'stored' | 'never written') {
  const created = await request(servers[0])
    .post('/api/sessions')
    .send(session === 'stored' ? { public: { created: { value: 'yes' } } } : {});
  const cookie = cookieHeader(created);
  const answers = await Promise.all(
    Array.from({ length: WRITERS }, (_, i) =>
      request(servers[i % servers.length])
        .patch('/api/sessions')
        .set('Cookie', cookie)
        .send({ public: { [`writer${i}`]: { value: String(i) } } }),
    ),
  );
  // Read as the browser would afterwards, with the token of the last answer it got.
  const view = await request(servers[0]).get('/api/sessions?items=public').set('Cookie', cookieHeader(answers[WRITERS - 1], cookie));
  return { statuses: answers.map((a) => a.status), view: view.body as { version: number; namespaces: { public?: Record<string, { value: string }> } } };
}

const everyWriter = Object.fromEntries(Array.from({ length: WRITERS }, (_, i) => [`writer${i}`, { value: String(i) }]));

/** What the session holds after all the writers, and its version: one per write, the creation's included. */
const expected = {
  stored: { public: { created: { value: 'yes' }, ...everyWriter }, version: 1 + WRITERS },
  'never written': { public: everyWriter, version: WRITERS },
};
const SESSIONS = ['stored', 'never written'] as const;

describe('concurrent writes to one session', () => {
  describe('on the in-process store', () => {
    let server: Server;
    afterEach(() => close(server));

    // Each operation waits a network's round trip, so that concurrent requests meet between a read
    // and a write (without it, the in-process store answers before the next request is even read).
    it.each(SESSIONS)(`should keep the items of all ${WRITERS} concurrent PATCHes to a session (%s)`, async (session) => {
      server = await listen(makeApp({ store: new LatencyStore(new LruSessionStore({ max: 1000 })) }));
      const { statuses, view } = await patchAtOnce([server], session);
      expect(statuses).toEqual(Array(WRITERS).fill(200));
      expect(view.namespaces.public).toEqual(expected[session].public);
      expect(view.version).toBe(expected[session].version);
    });
  });

  describeWithRedis('on Redis, through two app instances', (url) => {
    const prefix = `spec-concurrency-${randomUUID()}:`;
    let clients: Array<Awaited<ReturnType<typeof connectClient>>> = [];
    let servers: Server[] = [];

    beforeAll(async () => {
      clients = [await connectClient(url), await connectClient(url)];
      servers = await Promise.all(clients.map((client) => listen(makeApp({ store: new RedisSessionStore({ client, prefix }) }))));
    });

    afterAll(async () => {
      await Promise.all(servers.map(close));
      const keys = await clients[0].keys(`${prefix}*`);
      if (keys.length > 0) await clients[0].del(keys);
      await Promise.all(clients.map((client) => client.close()));
    });

    it.each(SESSIONS)(`should keep the items of all ${WRITERS} concurrent PATCHes to a session (%s)`, async (session) => {
      const { statuses, view } = await patchAtOnce(servers, session);
      expect(statuses).toEqual(Array(WRITERS).fill(200));
      expect(view.namespaces.public).toEqual(expected[session].public);
      expect(view.version).toBe(expected[session].version);
    });
  });

  describe('when a write loses the compare-and-set', () => {
    it('should re-read the session, re-apply its change and re-run the transforms', async () => {
      let started!: () => void;
      let release!: () => void;
      const firstRunStarted = new Promise<void>((resolve) => (started = resolve));
      const secondWriterDone = new Promise<void>((resolve) => (release = resolve));
      const runs: string[] = [];
      const fullName: Transform = {
        name: 'fullName',
        input: { public: ['firstName', 'lastName'] },
        output: { profile: ['fullName'] },
        async run(input) {
          const first = String(input.public?.firstName?.value ?? '');
          const last = String(input.public?.lastName?.value ?? '');
          runs.push(`${first}|${last}`);
          // The first writer holds its write open until the second has stored its own.
          if (first !== '' && last === '') {
            started();
            await secondWriterDone;
          }
          return { profile: { fullName: { value: [first, last].filter(Boolean).join(' ') } } };
        },
      };
      const app = makeApp({ transforms: [fullName] });
      const cookie = cookieHeader(await request(app).post('/api/sessions').send({ public: { visited: { value: 'yes' } } }));
      const items = '?items=public.firstName,public.lastName,profile.fullName';

      const first = request(app).patch(`/api/sessions${items}`).set('Cookie', cookie).send({ public: { firstName: { value: 'Ana' } } }).then((res) => res);
      await firstRunStarted;
      const second = await request(app).patch(`/api/sessions${items}`).set('Cookie', cookie).send({ public: { lastName: { value: 'Silva' } } });
      release();
      const loser = await first;

      expect(second.body).toMatchObject({ version: 2, namespaces: { profile: { fullName: { value: 'Silva' } } } });
      expect(loser.status).toBe(200);
      expect(loser.body).toEqual({
        id: second.body.id,
        version: 3,
        active: true,
        debug: false,
        namespaces: {
          public: { firstName: { value: 'Ana' }, lastName: { value: 'Silva' } },
          profile: { fullName: { value: 'Ana Silva' } },
        },
      });
      expect(runs).toEqual(['Ana|', '|Silva', 'Ana|Silva']);
    });
  });

  describe('when a write keeps losing the compare-and-set', () => {
    let store: ContendedStore;
    beforeEach(() => {
      store = new ContendedStore();
    });
    /** A stored session: the contended store lets first writes through, and races every later one. */
    const storedSession = async (app: Express) => cookieHeader(await request(app).post('/api/sessions').send({ public: { visited: { value: 'yes' } } }).expect(201));

    it('should give up after a bounded number of attempts and answer 409 WRITE_CONFLICT', async () => {
      const app = makeApp({ store });
      const cookie = await storedSession(app);
      const res = await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { lost: { value: 'yes' } } });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ type: 'Conflict', message: expect.stringMatching(/not applied/), error: { code: 'WRITE_CONFLICT', message: expect.stringMatching(/not applied/) } });
      expect(setCookies(res)).toEqual([]);
      expect(store.attempts).toBeGreaterThan(1);
      expect(store.attempts).toBeLessThan(WRITERS);
    });

    it('should not store the write it gave up on', async () => {
      const app = makeApp({ store });
      const cookie = await storedSession(app);
      await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { lost: { value: 'yes' } } }).expect(409);
      const view = await request(app).get('/api/sessions?items=public.lost').set('Cookie', cookie);
      expect(view.body.namespaces).toEqual({});
    });

    it('should reject vtexSession.patch with a WriteConflictError that reaches the app’s error handler', async () => {
      const errors: unknown[] = [];
      const app = makeApp({ store }, (app) => {
        app.post('/login', async (req: Request, res: Response, next: NextFunction) => {
          try {
            await req.vtexSession.patch({ authentication: { storeUserEmail: { value: 'ana@example.com' } } });
            res.send('ok');
          } catch (error) {
            next(error);
          }
        });
        app.use((error: Error & { code?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
          errors.push(error);
          res.status(error.status ?? 500).json({ code: error.code });
        });
      });
      const cookie = cookieHeader(await request(app).get(LANDING));
      const res = await request(app).post('/login').set('Cookie', cookie);
      expect(res.status).toBe(409);
      expect(errors).toEqual([expect.objectContaining({ name: 'WriteConflictError', code: 'WRITE_CONFLICT' })]);
    });
  });
});

