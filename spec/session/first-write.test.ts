import request from 'supertest';
import { decodeSessionToken, LruSessionStore, type SessionRecord, type SessionStore, type SetOptions } from '../../lib';
import { ControllableStore, cookieHeader, makeApp, setCookie } from '../support/app';
import { publicItems, sessionIdOf } from '../support/api';
import { LatencyStore } from '../support/stores';
import { sessionTokenOf, visit } from '../support/session';

/** Counts what reaches the store, by operation, over a real LRU store. */
class CountingStore implements SessionStore {
  readonly inner = new LruSessionStore({ max: 1000 });
  readonly calls = { get: 0, set: 0, delete: 0, touch: 0 };
  get total(): number {
    return this.calls.get + this.calls.set + this.calls.delete + this.calls.touch;
  }
  get(id: string) {
    this.calls.get++;
    return this.inner.get(id);
  }
  set(id: string, record: SessionRecord, options: SetOptions) {
    this.calls.set++;
    return this.inner.set(id, record, options);
  }
  delete(id: string) {
    this.calls.delete++;
    return this.inner.delete(id);
  }
  touch(id: string, ttl: number) {
    this.calls.touch++;
    return this.inner.touch(id, ttl);
  }
}

/**
 * Stored on first write: a session that holds only what the options compute is not stored, so
 * that anonymous traffic costs nothing; its first write stores it under the id it already had.
 */
describe('a session that was never written', () => {
  describe('when a visitor arrives without cookies', () => {
    it('should set both cookies and store nothing', async () => {
      const store = new CountingStore();
      const res = await visit(makeApp({ store })).expect(200);

      expect(setCookie(res, 'vtex_session')).toBeDefined();
      expect(setCookie(res, 'vtex_segment')!.value).toBe(res.body.segment.token);
      expect(store.calls.set).toBe(0);
      expect(store.inner.size).toBe(0);
    });

    it('should give it version 0 and say so in its token, which keeps the id VTEX clients read', async () => {
      const res = await visit(makeApp({ store: new CountingStore() }));
      const claims = decodeSessionToken(sessionTokenOf(res)!)!;

      expect(res.body.version).toBe(0);
      expect(claims).toMatchObject({ id: res.body.id, stored: false, sub: 'session' });
      expect(res.body.namespaces.store.channel).toEqual({ value: '1' });
    });
  });

  describe('when the visitor comes back without having written', () => {
    it('should open the same session without a single store operation, and set no cookie', async () => {
      const store = new CountingStore();
      const app = makeApp({ store });
      const first = await visit(app);
      const cookie = cookieHeader(first);

      for (let i = 0; i < 5; i++) {
        const again = await visit(app, cookie).expect(200);
        expect(again.body.id).toBe(first.body.id);
        expect(again.body.segment).toEqual(first.body.segment);
        expect(again.headers['set-cookie']).toBeUndefined();
      }
      expect(store.total).toBe(0);
    });

    it('should answer the computed session on GET /api/sessions?items=*, still storing nothing', async () => {
      const store = new CountingStore();
      const app = makeApp({ store });
      const first = await visit(app);

      const view = await request(app).get('/api/sessions?items=*').set('Cookie', cookieHeader(first)).expect(200);

      expect(view.body).toMatchObject({ id: first.body.id, version: 0, active: true });
      expect(view.body.namespaces.account).toEqual(first.body.namespaces.account);
      // The API looks once whether a concurrent first write stored it; nothing is written.
      expect(store.calls).toEqual({ get: 1, set: 0, delete: 0, touch: 0 });
    });

    it('should store nothing for a POST {} (the page script’s first call on a clean URL)', async () => {
      const store = new CountingStore();
      const app = makeApp({ store });
      const first = await visit(app);

      const res = await request(app).post('/api/sessions').set('Cookie', cookieHeader(first)).send({}).expect(201);

      expect(decodeSessionToken(res.body.sessionToken)).toMatchObject({ id: first.body.id, stored: false });
      expect(store.calls.set).toBe(0);
    });
  });

  describe('when its first write arrives', () => {
    it('should store it as version 1 under the id it already had, and hand out a token for the stored session', async () => {
      const store = new CountingStore();
      const app = makeApp({ store });
      const first = await visit(app);

      const write = await request(app).patch('/api/sessions').set('Cookie', cookieHeader(first)).send(publicItems({ country: 'BRA' })).expect(200);

      const claims = decodeSessionToken(write.body.sessionToken)!;
      expect(claims.id).toBe(first.body.id);
      expect(claims.stored).toBeUndefined();
      const stored = await store.inner.get(first.body.id);
      expect(stored).toMatchObject({ id: first.body.id, version: 1, namespaces: { public: { country: { value: 'BRA' } } } });
      const page = await visit(app, cookieHeader(write, cookieHeader(first))).expect(200);
      expect(page.body).toMatchObject({ id: first.body.id, version: 1 });
    });

    it('should keep the session’s end: the stored session expires when the never-written one would have', async () => {
      const app = makeApp({ store: new CountingStore() });
      const first = await visit(app);
      const write = await request(app).post('/api/sessions').set('Cookie', cookieHeader(first)).send(publicItems({ a: 'b' })).expect(201);

      expect(decodeSessionToken(write.body.sessionToken)!.exp).toBe(decodeSessionToken(sessionTokenOf(first)!)!.exp);
      expect(setCookie(write, 'vtex_session')!.attributes.expires).toBe(setCookie(first, 'vtex_session')!.attributes.expires);
    });

    it('should store it when a page view captures a campaign from its URL', async () => {
      const store = new CountingStore();
      const app = makeApp({ store });
      const first = await visit(app);

      const landing = await visit(app, cookieHeader(first), '/page?utm_source=newsletter').expect(200);

      expect(landing.body).toMatchObject({ id: first.body.id, version: 1, segment: { data: { utm_source: 'newsletter' } } });
      expect(decodeSessionToken(sessionTokenOf(landing)!)!.stored).toBeUndefined();
      expect(store.calls.set).toBe(1);
    });

    it('should store it when a server-side patch writes to it', async () => {
      const store = new CountingStore();
      const app = makeApp({ store }, (a) =>
        a.post('/remember', (req, res, next) => {
          req.vtexSession.patch({ public: { remembered: { value: 'yes' } } }).then(() => res.json({ id: req.vtexSession.id, version: req.vtexSession.version }), next);
        }),
      );
      const first = await visit(app);

      const res = await request(app).post('/remember').set('Cookie', cookieHeader(first)).expect(200);

      expect(res.body).toEqual({ id: first.body.id, version: 1 });
      expect(decodeSessionToken(sessionTokenOf(res)!)).toMatchObject({ id: first.body.id });
      expect(decodeSessionToken(sessionTokenOf(res)!)!.stored).toBeUndefined();
    });

    it('should start a stored session at once for a first visit that already writes (a campaign landing)', async () => {
      const store = new CountingStore();
      const res = await visit(makeApp({ store }), undefined, '/page?utm_campaign=winter').expect(200);

      expect(res.body.version).toBe(1);
      expect(await store.inner.get(res.body.id)).toMatchObject({ version: 1 });
    });
  });

  describe('when a client still holds the first token after its first write', () => {
    it('should read and write the stored session through the API, and hand it the stored token', async () => {
      const store = new CountingStore();
      const app = makeApp({ store });
      const first = await visit(app);
      const cookie = cookieHeader(first);
      await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ country: 'BRA' })).expect(200);

      const read = await request(app).get('/api/sessions?items=public.country').set('Cookie', cookie).expect(200);
      const write = await request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ city: 'Rio' })).expect(200);

      expect(read.body).toMatchObject({ id: first.body.id, version: 1, namespaces: { public: { country: { value: 'BRA' } } } });
      expect(decodeSessionToken(sessionTokenOf(read)!)!.stored).toBeUndefined();
      expect(decodeSessionToken(write.body.sessionToken)!.stored).toBeUndefined();
      expect((await store.inner.get(first.body.id))!.namespaces.public).toEqual({ country: { value: 'BRA' }, city: { value: 'Rio' } });
    });
  });

  describe('when 20 first writes of one visitor race (two tabs, parallel API calls)', () => {
    it('should keep every one of them in the one stored session', async () => {
      const store = new LatencyStore(new LruSessionStore({ max: 1000 }), 3);
      const app = makeApp({ store });
      const first = await visit(app);
      const cookie = cookieHeader(first);

      const writes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => request(app).patch('/api/sessions').set('Cookie', cookie).send(publicItems({ [`tab${i}`]: `${i}` }))),
      );

      for (const write of writes) {
        expect(write.status).toBe(200);
        expect(decodeSessionToken(write.body.sessionToken)!.id).toBe(first.body.id);
      }
      const stored = (await store.inner.get(first.body.id))!;
      expect(Object.keys(stored.namespaces.public ?? {}).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `tab${i}`).sort());
      expect(stored.version).toBe(20);
    });
  });

  describe('when its record is evicted after it was written', () => {
    it('should start a new never-written session, as an expired one does', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store });
      const write = await request(app).post('/api/sessions').send(publicItems({ a: 'b' })).expect(201);
      const id = sessionIdOf(write);
      await store.inner.delete(id);

      const page = await visit(app, cookieHeader(write)).expect(200);

      expect(page.body.id).not.toBe(id);
      expect(page.body.version).toBe(0);
      expect(decodeSessionToken(sessionTokenOf(page)!)).toMatchObject({ id: page.body.id, stored: false });
    });
  });
});
