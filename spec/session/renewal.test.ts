import { HOUR, MINUTE, SECOND } from '../support/fake-clock';
import request from 'supertest';
import { ControllableStore, cookieHeader, makeApp } from '../support/app';
import { decodeJwt, sessionTokenOf, visit } from '../support/session';

const MAX_AGE = 10 * HOUR;

/** A session with a keepAlive item and a plain one, written through the API as a page script would. */
async function sessionWithItems() {
  const store = new ControllableStore();
  const app = makeApp({ store, maxAge: MAX_AGE, idleTimeout: MAX_AGE });
  const first = await visit(app);
  const patched = await request(app)
    .patch('/api/sessions')
    .set('Cookie', cookieHeader(first))
    .send({ public: { favoriteStore: { value: 'rio', keepAlive: true }, lastSearch: { value: 'shoes' } } });
  expect(patched.status).toBe(200);
  return { store, app, id: first.body.id as string, cookie: cookieHeader(patched, cookieHeader(first)) };
}

describe('session renewal and keepAlive items', () => {
  describe('when a request comes in the last tenth of maxAge', () => {
    it('should replace the session by a new id that carries only the keepAlive items', async () => {
      const { store, app, id, cookie } = await sessionWithItems();
      const before = await visit(app, cookie);
      expect(before.body.namespaces.public).toEqual({ favoriteStore: { value: 'rio', keepAlive: true }, lastSearch: { value: 'shoes' } });

      jest.advanceTimersByTime(MAX_AGE - MAX_AGE / 10 + MINUTE);
      const res = await visit(app, cookie);

      expect(res.body.id).not.toBe(id);
      expect(res.body.version).toBe(1);
      expect(res.body.namespaces.public).toEqual({ favoriteStore: { value: 'rio', keepAlive: true } });
      expect(res.body.namespaces.account.id).toEqual(before.body.namespaces.account.id);
      expect(await store.inner.get(res.body.id)).toMatchObject({ id: res.body.id, version: 1 });
    });

    it('should leave under the old id, for five minutes, a pointer to the new one that holds no data', async () => {
      const { store, app, id, cookie } = await sessionWithItems();

      jest.advanceTimersByTime(MAX_AGE - MAX_AGE / 10 + MINUTE);
      const res = await visit(app, cookie);

      const pointer = await store.inner.get(id);
      expect(pointer).toMatchObject({ id, version: 2, successor: res.body.id });
      expect(pointer!.namespaces).toEqual({});
      // A request still holding the old token lands on the new session, and is handed its token.
      const late = await visit(app, cookie);
      expect(late.body.id).toBe(res.body.id);
      expect(late.body.namespaces.public).toEqual({ favoriteStore: { value: 'rio', keepAlive: true } });
      expect(decodeJwt(sessionTokenOf(late)!).payload.id).toBe(res.body.id);

      jest.advanceTimersByTime(5 * MINUTE + SECOND);
      expect(await store.inner.get(id)).toBeUndefined();
      expect(await store.inner.get(res.body.id)).toMatchObject({ id: res.body.id });
    });

    it('should set a new vtex_session whose exp is maxAge from the renewal', async () => {
      const { app, cookie } = await sessionWithItems();

      jest.advanceTimersByTime(MAX_AGE - MAX_AGE / 10 + MINUTE);
      const res = await visit(app, cookie);
      const { payload } = decodeJwt(sessionTokenOf(res)!);

      expect(payload.id).toBe(res.body.id);
      expect(payload.exp).toBe(Math.floor((Date.now() + MAX_AGE) / 1000));
      expect(res.headers['cache-control']).toBe('private, no-store');
    });
  });

  describe('when a request comes before the last tenth of maxAge', () => {
    it('should keep the session and all its items', async () => {
      const { app, id, cookie } = await sessionWithItems();

      jest.advanceTimersByTime(MAX_AGE - MAX_AGE / 10 - MINUTE);
      const res = await visit(app, cookie);

      expect(res.body.id).toBe(id);
      expect(Object.keys(res.body.namespaces.public).sort()).toEqual(['favoriteStore', 'lastSearch']);
    });
  });

  describe('when a session that was never written reaches the last tenth of maxAge', () => {
    // Nothing was written, so nothing is carried: it is not replaced, it simply ends at its exp.
    it('should keep its id and its token, with no store operation, until the token expires', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store, maxAge: MAX_AGE, idleTimeout: MAX_AGE });
      const first = await visit(app);
      const cookie = cookieHeader(first);

      jest.advanceTimersByTime(MAX_AGE - MAX_AGE / 10 + MINUTE);
      const res = await visit(app, cookie);

      expect(res.body).toMatchObject({ id: first.body.id, version: 0 });
      expect(sessionTokenOf(res)).toBeUndefined();
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });

      jest.advanceTimersByTime(MAX_AGE / 10);
      const after = await visit(app, cookie);
      expect(after.body.id).not.toBe(first.body.id);
      expect(decodeJwt(sessionTokenOf(after)!).payload).toMatchObject({ id: after.body.id, stored: false });
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
    });
  });

  describe('when the session is left until its token expires', () => {
    // An expired token is never looked up, so nothing of it can be carried: renewal needs a visit in the window.
    it('should start a clean session without the keepAlive items', async () => {
      const { app, id, cookie } = await sessionWithItems();

      jest.advanceTimersByTime(MAX_AGE + SECOND);
      const res = await visit(app, cookie);

      expect(res.body.id).not.toBe(id);
      expect(res.body.namespaces.public).toBeUndefined();
    });
  });
});
