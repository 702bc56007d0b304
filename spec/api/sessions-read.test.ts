import request from 'supertest';
import { parseCookies } from '../../lib/cookies';
import { ControllableStore, cookieHeader, makeApp, setCookie, setCookies } from '../support/app';
import { expectError, newVisitor, publicItems, sessionIdOf, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

describe('GET /api/sessions', () => {
  let api: ApiClient;
  let visitor: { cookie: string; id: string };
  beforeEach(async () => {
    api = apiClient(makeApp());
    visitor = await newVisitor(api, { country: 'BRA', city: 'Recife', 'a.b': 'dotted' });
  });

  describe('when items is *', () => {
    it('should answer the whole session as { id, namespaces, version, active, debug }', async () => {
      const res = await api.get('/api/sessions?items=*').set('Cookie', visitor.cookie).expect(200);
      expect(Object.keys(res.body)).toEqual(['id', 'namespaces', 'version', 'active', 'debug']);
      expect(res.body).toMatchObject({ id: visitor.id, version: 1, active: true, debug: false });
      expect(Object.keys(res.body.namespaces).sort()).toEqual(['account', 'impersonate', 'profile', 'public', 'store']);
      expect(res.body.namespaces.public).toEqual({ country: { value: 'BRA' }, city: { value: 'Recife' }, 'a.b': { value: 'dotted' } });
    });
  });

  describe('when items names ns.key pairs', () => {
    it('should answer only the items asked for', async () => {
      const res = await api.get('/api/sessions?items=public.country,store.channel,profile.isAuthenticated').set('Cookie', visitor.cookie).expect(200);
      expect(res.body.namespaces).toEqual({
        public: { country: { value: 'BRA' } },
        store: { channel: { value: '1' } },
        profile: { isAuthenticated: { value: 'false' } },
      });
    });

    it('should split each name at its first dot, so public.a.b reads the key a.b', async () => {
      const res = await api.get('/api/sessions?items=public.a.b').set('Cookie', visitor.cookie).expect(200);
      expect(res.body.namespaces).toEqual({ public: { 'a.b': { value: 'dotted' } } });
    });

    it('should leave out items and namespaces that are absent', async () => {
      const res = await api.get('/api/sessions?items=public.missing,search.facets,public.country').set('Cookie', visitor.cookie).expect(200);
      expect(res.body.namespaces).toEqual({ public: { country: { value: 'BRA' } } });
    });

    it('should answer no items at all when none of them exist', async () => {
      const res = await api.get('/api/sessions?items=public.missing').set('Cookie', visitor.cookie).expect(200);
      expect(res.body).toMatchObject({ id: visitor.id, namespaces: {} });
    });

    it('should ignore blanks and spaces around names', async () => {
      const res = await api.get('/api/sessions?items=%20public.country%20,,store.channel,').set('Cookie', visitor.cookie).expect(200);
      expect(res.body.namespaces).toEqual({ public: { country: { value: 'BRA' } }, store: { channel: { value: '1' } } });
    });

    it('should answer everything when * is one of the names', async () => {
      const res = await api.get('/api/sessions?items=public.country,*').set('Cookie', visitor.cookie).expect(200);
      expect(res.body).toEqual(await viewOf(api, visitor.cookie));
    });
  });

  describe('when items names a namespace without a key', () => {
    it.each(['public', 'public.', 'public.*'])('should answer the whole namespace for %s', async (items) => {
      const res = await api.get(`/api/sessions?items=${items},store.channel`).set('Cookie', visitor.cookie).expect(200);
      expect(res.body.namespaces).toEqual({
        public: { country: { value: 'BRA' }, city: { value: 'Recife' }, 'a.b': { value: 'dotted' } },
        store: { channel: { value: '1' } },
      });
    });
  });

  describe('when items is missing', () => {
    it('should answer 400 with a message that says how to name items', async () => {
      const res = await api.get('/api/sessions').set('Cookie', visitor.cookie);
      expectError(res, 400, 'MISSING_ITEMS');
      expect(res.body.error.message).toMatch(/items=ns\.key/);
    });

    it('should neither read nor create a session', async () => {
      const store = new ControllableStore();
      const res = await apiClient(makeApp({ store })).get('/api/sessions?an=store');
      expectError(res, 400, 'MISSING_ITEMS');
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
    });
  });

  describe('when the request carries a valid vtex_session cookie', () => {
    it('should set vtex_session first and vtex_segment after it, as VTEX\'s node client reads the token from the first Set-Cookie', async () => {
      const token = parseCookies(visitor.cookie).vtex_session;
      // VTEX's node client sends only the session cookie, with a trailing `;`.
      const res = await api.get('/api/sessions?items=public.country').set('Cookie', `vtex_session=${token};`).expect(200);
      expect(setCookies(res).map((c) => c.name)).toEqual(['vtex_session', 'vtex_segment']);
      expect(sessionIdOf(res)).toBe(visitor.id);
      expect(res.headers['cache-control']).toBe('private, no-store');
    });

    it('should not write to the store', async () => {
      const store = new ControllableStore();
      const own = apiClient(makeApp({ store }));
      const mine = await newVisitor(own, { country: 'BRA' });
      const sets = store.calls.set;
      await own.get('/api/sessions?items=*').set('Cookie', mine.cookie).expect(200);
      expect(store.calls.set).toBe(sets);
    });
  });

  describe('when the request carries no session', () => {
    it('should answer a new session as version 0 and set both cookies, storing nothing', async () => {
      const store = new ControllableStore();
      const own = apiClient(makeApp({ store }));
      const res = await own.get('/api/sessions?items=*').expect(200);
      expect(res.body).toMatchObject({ id: sessionIdOf(res), version: 0, active: true });
      expect(res.body.namespaces.store.channel).toEqual({ value: '1' });
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
    });

    it('should answer the same id to the cookies it set, still storing nothing, until the first write stores version 1', async () => {
      const store = new ControllableStore();
      const own = apiClient(makeApp({ store }));
      const first = await own.get('/api/sessions?items=*').expect(200);
      const cookie = cookieHeader(first);

      const again = await own.get('/api/sessions?items=*').set('Cookie', cookie).expect(200);
      expect(again.body).toEqual(first.body);
      // One read: whether a concurrent first write stored the session meanwhile. No write.
      expect(store.calls).toEqual({ get: 1, set: 0, delete: 0, touch: 0 });

      const written = await own.patch('/api/sessions?items=*').set('Cookie', cookie).send(publicItems({ country: 'BRA' })).expect(200);
      expect(written.body).toMatchObject({ id: first.body.id, version: 1, namespaces: { public: { country: { value: 'BRA' } } } });
      expect(await store.inner.get(first.body.id)).toMatchObject({ id: first.body.id, version: 1 });
    });
  });

  describe('when a read sent before the session’s first write is answered after it', () => {
    // A page script reads while another writes, both with the cookies of the first page view; the
    // browser keeps the Set-Cookie of whichever answer arrives last.
    it('should leave the browser with cookies that still open what the write stored', async () => {
      const app = makeApp();
      const own = apiClient(app);
      const first = await request(app).get('/page');
      const cookie = cookieHeader(first);

      const written = await own.patch('/api/sessions').set('Cookie', cookie).send(publicItems({ postalCode: '01310-100' })).expect(200);
      const late = await request(app).get('/api/sessions?items=public.postalCode').set('Cookie', cookie).expect(200);
      const page = await request(app).get('/page').set('Cookie', cookieHeader(late, cookieHeader(written, cookie)));

      expect(page.body).toMatchObject({ id: first.body.id, version: 1, namespaces: { public: { postalCode: { value: '01310-100' } } } });
    });
  });

  describe('when the method is HEAD', () => {
    it('should answer the status of a GET without a body', async () => {
      const res = await api.head('/api/sessions?items=*').set('Cookie', visitor.cookie).expect(200);
      expect(res.text).toBeUndefined();
      await api.head('/api/sessions').set('Cookie', visitor.cookie).expect(400);
    });
  });

  describe('when the write and the read are done in one call', () => {
    it('should answer a POST with items= as the read would', async () => {
      const res = await api.post('/api/sessions?items=public.country').set('Cookie', visitor.cookie).send(publicItems({ city: 'Rio' })).expect(201);
      expect(res.body.namespaces).toEqual({ public: { country: { value: 'BRA' } } });
      expect(res.body.version).toBe(2);
    });
  });
});
