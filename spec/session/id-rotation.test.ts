import request from 'supertest';
import { ControllableStore, cookieHeader, makeApp } from '../support/app';
import { decodeJwt, sessionTokenOf, visit } from '../support/session';

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

    it('should delete the old record, so that an id planted before login opens nothing', async () => {
      const { store, app } = storefront();
      const { id, cookie } = await anonymousVisitor(app);

      await request(app).post('/login').set('Cookie', cookie);

      expect(await store.inner.get(id)).toBeUndefined();
      const planted = await visit(app, cookie);
      expect(planted.body.id).not.toBe(id);
      expect(planted.body.namespaces.authentication).toBeUndefined();
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
    it('should move the session to a new id again, delete the old record and keep the rest of the data', async () => {
      const { store, app } = storefront();
      const { cookie } = await anonymousVisitor(app);
      const login = await request(app).post('/login').set('Cookie', cookie);
      const loggedIn = cookieHeader(login, cookie);

      const logout = await request(app).post('/logout').set('Cookie', loggedIn);
      const page = await visit(app, cookieHeader(logout, loggedIn));

      expect(logout.body.id).not.toBe(login.body.id);
      expect(decodeJwt(sessionTokenOf(logout)!).payload.id).toBe(logout.body.id);
      expect(await store.inner.get(login.body.id)).toBeUndefined();
      expect(page.body.id).toBe(logout.body.id);
      expect(page.body.namespaces.authentication).toBeUndefined();
      expect(page.body.namespaces.profile.isAuthenticated).toEqual({ value: 'false' });
      expect(page.body.namespaces.public.country).toEqual({ value: 'BRA' });
    });
  });

  describe('when a write does not change who the visitor is', () => {
    it('should keep the id and set no new vtex_session', async () => {
      const { store, app } = storefront();
      const first = await visit(app);

      const res = await request(app).post('/remember').set('Cookie', cookieHeader(first));

      expect(res.body.id).toBe(first.body.id);
      expect(sessionTokenOf(res)).toBeUndefined();
      expect(store.calls.delete).toBe(0);
    });
  });
});
