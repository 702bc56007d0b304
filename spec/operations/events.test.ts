import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import request from 'supertest';
import { CHANNELS, type Transform } from '../../lib';
import { sessionClaims, signJwt } from '../support/adversarial';
import { ControllableStore, SECRET, cookieHeader, makeApp } from '../support/app';
import { publicItems } from '../support/api';
import { visit } from '../support/session';

type Message = { channel: string; message: Record<string, unknown> };

/** Every message of the package's channels while `run` runs, in order. */
async function published(run: () => Promise<unknown>): Promise<Message[]> {
  const messages: Message[] = [];
  const names = [
    ...Object.values(CHANNELS).filter((name) => name !== CHANNELS.store),
    ...['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => `tracing:${CHANNELS.store}:${event}`),
  ];
  const listeners = names.map((name) => {
    const listener = (message: unknown) => void messages.push({ channel: name, message: { ...(message as Record<string, unknown>) } });
    subscribe(name, listener);
    return [name, listener] as const;
  });
  try {
    await run();
  } finally {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
  }
  return messages;
}

const on = (messages: Message[], channel: string) => messages.filter((m) => m.channel === channel).map((m) => m.message);

/** Operators count and trace sessions through diagnostics_channel, without wrapping the middleware. */
describe('events on diagnostics_channel', () => {
  describe('when a visitor arrives, writes and comes back', () => {
    it('should publish created, stored and loaded, naming the session by a hash only', async () => {
      const app = makeApp();
      let id = '';
      let cookie = '';
      const messages = await published(async () => {
        const first = await visit(app).expect(200);
        id = first.body.id;
        cookie = cookieHeader(first);
        const write = await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ a: 'b' })).expect(200);
        cookie = cookieHeader(write, cookie);
        await visit(app, cookie).expect(200);
      });

      const [createdMessage] = on(messages, CHANNELS.created);
      expect(createdMessage).toEqual({ session: expect.stringMatching(/^[0-9a-f]{8}$/), stored: false });
      expect(on(messages, CHANNELS.stored)).toEqual([{ session: createdMessage.session }]);
      expect(on(messages, CHANNELS.loaded)).toEqual(expect.arrayContaining([{ session: createdMessage.session, version: 1 }]));
      const text = JSON.stringify(messages);
      expect(text).not.toContain(id);
      expect(text).not.toContain(cookie.split('vtex_session=')[1].split(';')[0]);
    });

    it('should trace every store operation with its name, and none for a visitor who never wrote', async () => {
      const app = makeApp({ store: new ControllableStore() });
      const first = await visit(app);
      const quiet = await published(() => visit(app, cookieHeader(first)).expect(200));
      expect(on(quiet, `tracing:${CHANNELS.store}:start`)).toEqual([]);

      const messages = await published(() => request(app).patch('/api/sessions').set('Cookie', cookieHeader(first)).send(publicItems({ a: 'b' })).expect(200));

      // The API looks whether the session was stored meanwhile, then the first write stores it.
      const hashed = { session: expect.stringMatching(/^[0-9a-f]{8}$/) };
      expect(on(messages, `tracing:${CHANNELS.store}:start`)).toEqual([{ operation: 'get', ...hashed }, { operation: 'set', ...hashed }]);
      expect(on(messages, `tracing:${CHANNELS.store}:asyncEnd`)).toEqual([{ operation: 'get', ...hashed }, { operation: 'set', ...hashed }]);
    });
  });

  describe('when the store fails', () => {
    it('should publish the store error and the degraded page', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store });
      const write = await request(app).post('/api/sessions').send(publicItems({ a: 'b' })).expect(201);
      store.mode = 'fail';

      const messages = await published(() => visit(app, cookieHeader(write)).expect(200));

      expect(on(messages, `tracing:${CHANNELS.store}:error`)).toEqual([expect.objectContaining({ operation: 'get', error: expect.any(Error) })]);
      expect(on(messages, CHANNELS.degraded)).toEqual([{ session: expect.stringMatching(/^[0-9a-f]{8}$/), error: expect.stringMatching(/session store get failed/) }]);
    });
  });

  describe('when a session is renewed, rotated or refused', () => {
    it('should publish renewed with the successor', async () => {
      const app = makeApp();
      const created = await request(app).post('/api/sessions').send(publicItems({ a: 'b' })).expect(201);
      const id = JSON.parse(Buffer.from(created.body.sessionToken.split('.')[1], 'base64url').toString()).id as string;
      const ending = signJwt({ alg: 'HS256', typ: 'JWT' }, sessionClaims(id, Math.floor(Date.now() / 1000) + 3600), SECRET);

      const messages = await published(() => visit(app, `vtex_session=${ending}`).expect(200));

      expect(on(messages, CHANNELS.renewed)).toEqual([{ session: expect.any(String), successor: expect.any(String) }]);
    });

    it('should publish rotated on a login', async () => {
      const app = makeApp({}, (a) =>
        a.post('/login', (req, res, next) => {
          req.vtexSession.patch({ authentication: { storeUserEmail: { value: 'ana@example.com' } } }).then(() => res.sendStatus(204), next);
        }),
      );
      const first = await visit(app);

      const messages = await published(() => request(app).post('/login').set('Cookie', cookieHeader(first)).expect(204));

      expect(on(messages, CHANNELS.rotated)).toEqual([{ session: expect.any(String), successor: expect.any(String) }]);
    });

    it('should publish refused with the code and status of a 4xx', async () => {
      const app = makeApp();
      const messages = await published(() => request(app).get('/api/sessions').expect(400));

      expect(on(messages, CHANNELS.refused)).toEqual([{ code: 'MISSING_ITEMS', status: 400 }]);
    });
  });

  describe('when a transform fails', () => {
    it('should publish transform.failed with its name', async () => {
      const broken: Transform = {
        name: 'broken',
        input: { public: ['trigger'] },
        output: { custom: ['x'] },
        run: () => {
          throw new Error('boom');
        },
      };
      const app = makeApp({ transforms: [broken] });

      const messages = await published(() => request(app).post('/api/sessions').send(publicItems({ trigger: 'yes' })).expect(201));

      expect(on(messages, CHANNELS.transformFailed)).toEqual([{ transform: 'broken', error: 'boom', timedOut: false }]);
    });
  });
});
