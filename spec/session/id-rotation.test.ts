import request from 'supertest';
import { ControllableStore, cookieHeader, makeApp } from '../support/app';
import { decodeJwt, sessionTokenOf, storedVisit, visit } from '../support/session';

/** A storefront whose own routes log the customer in and out with server-side writes. */
function storefront() {
  const store = new ControllableStore();
  const app = makeApp({ store }, (app) => {
    app.post('/login', async (req, res) => {
      await req.vtexSession.patch({ authentication: { storeUserId: { value: 'u1' }, storeUserEmail: { value: 'a@b.c' } } });
      res.json({ id: req.vtexSession.id });
    });
    app.post('/logout', async (req, res) => {
      await req.vtexSession.patch({ authentication: { storeUserId: { value: '' }, storeUserEmail: { value: '' } } });
      res.json({ id: req.vtexSession.id });
    });
    app.post('/remember', async (req, res) => {
      await req.vtexSession.patch({ public: { country: { value: 'BRA' } } });
      res.json({ id: req.vtexSession.id });
    });
  });
  return { store, app };
}

/** An anonymous visitor who has written something to the session. */
async function anonymousVisitor(app: ReturnType<typeof storefront>['app']) {
  const first = await visit(app);
  const remembered = await request(app).post('/remember').set('Cookie', cookieHeader(first));
  expect(remembered.body.id).toBe(first.body.id);
  return { id: first.body.id as string, cookie: cookieHeader(remembered, cookieHeader(first)) };
}

describe('session id rotation', () => {
  describe('when a server-side write logs the customer in', () => {
    it('should move the session to a new id and set a new vtex_session for it', async () => {
      const { app } = storefront();
      const { id, cookie } = await anonymousVisitor(app);

      const res = await request(app).post('/login').set('Cookie', cookie);

      expect(res.body.id).not.toBe(id);
      expect(decodeJwt(sessionTokenOf(res)!).payload.id).toBe(res.body.id);
      expect(res.headers['cache-control']).toBe('private, no-store');
    });

    it('should leave under the old id a pointer that holds no data', async () => {
      const { store, app } = storefront();
      const { id, cookie } = await anonymousVisitor(app);

      const login = await request(app).post('/login').set('Cookie', cookie);

      const pointer = await store.inner.get(id);
      expect(pointer).toMatchObject({ id, version: 2, successor: login.body.id });
      expect(pointer!.namespaces).toEqual({});
      expect(await store.inner.get(login.body.id)).toMatchObject({ id: login.body.id, version: 1 });
    });

    it('should not let a session token planted before login open the logged-in session (session fixation)', async () => {
      const { store, app } = storefront();
      const { id, cookie } = await anonymousVisitor(app);

      const login = await request(app).post('/login').set('Cookie', cookie);
      // The attacker, who planted the token, comes back with it after the victim logged in.
      const planted = await visit(app, cookie);

      expect(planted.body.id).not.toBe(id);
      expect(planted.body.id).not.toBe(login.body.id);
      const issued = sessionTokenOf(planted);
      if (issued !== undefined) expect(decodeJwt(issued).payload.id).not.toBe(login.body.id);
      expect(planted.body.namespaces.authentication).toBeUndefined();
      expect(planted.body.namespaces.profile.isAuthenticated).toEqual({ value: 'false' });
      // Nor through the API, from the cookie or from the path.
      const token = /vtex_session=([^;]+)/.exec(cookie)![1];
      for (const read of [request(app).get('/api/sessions?items=*').set('Cookie', cookie), request(app).get(`/api/sessions/${token}?items=*`)]) {
        const res = await read;
        expect(res.status).toBeLessThan(500);
        expect(res.body.id).not.toBe(login.body.id);
        expect(res.body.namespaces?.authentication).toBeUndefined();
        const reissued = sessionTokenOf(res);
        if (reissued !== undefined) expect(decodeJwt(reissued).payload.id).not.toBe(login.body.id);
      }
      // And what it writes does not reach the logged-in session.
      const write = await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { planted: { value: 'yes' } } });
      expect(write.status).toBeLessThan(500);
      expect((await store.inner.get(login.body.id))!.namespaces.public).toEqual({ country: { value: 'BRA' } });
    });

    it('should keep the data under the new id', async () => {
      const { app } = storefront();
      const { cookie } = await anonymousVisitor(app);

      const login = await request(app).post('/login').set('Cookie', cookie);
      const page = await visit(app, cookieHeader(login, cookie));

      expect(page.body.id).toBe(login.body.id);
      expect(page.body.namespaces.public.country).toEqual({ value: 'BRA' });
      expect(page.body.namespaces.authentication).toEqual({ storeUserId: { value: 'u1' }, storeUserEmail: { value: 'a@b.c' } });
      expect(page.body.namespaces.profile.isAuthenticated).toEqual({ value: 'true' });
    });
  });

  describe('when a server-side write logs the customer out', () => {
    it('should move the session to a new id again, leave only a pointer under the old one and keep the rest of the data', async () => {
      const { store, app } = storefront();
      const { cookie } = await anonymousVisitor(app);
      const login = await request(app).post('/login').set('Cookie', cookie);
      const loggedIn = cookieHeader(login, cookie);

      const logout = await request(app).post('/logout').set('Cookie', loggedIn);
      const page = await visit(app, cookieHeader(logout, loggedIn));

      expect(logout.body.id).not.toBe(login.body.id);
      expect(decodeJwt(sessionTokenOf(logout)!).payload.id).toBe(logout.body.id);
      expect(await store.inner.get(login.body.id)).toMatchObject({ id: login.body.id, successor: logout.body.id });
      expect((await store.inner.get(login.body.id))!.namespaces).toEqual({});
      expect(page.body.id).toBe(logout.body.id);
      expect(page.body.namespaces.authentication).toBeUndefined();
      expect(page.body.namespaces.profile.isAuthenticated).toEqual({ value: 'false' });
      expect(page.body.namespaces.public.country).toEqual({ value: 'BRA' });
    });
  });

  describe('when a write does not change who the visitor is', () => {
    it('should keep the id and set no new vtex_session', async () => {
      const { store, app } = storefront();
      const first = await storedVisit(app);

      const res = await request(app).post('/remember').set('Cookie', cookieHeader(first));

      expect(res.body.id).toBe(first.body.id);
      expect(sessionTokenOf(res)).toBeUndefined();
      expect(store.calls.delete).toBe(0);
    });
  });
});
