import { randomUUID } from 'node:crypto';
import { sessionClaims, signJwt } from '../support/adversarial';
import { ControllableStore, SECRET, makeApp } from '../support/app';
import { visit } from '../support/session';

/** Several shops may share a secret and a store: a token is only good for the account it names. */
describe('the token’s account claim', () => {
  const header = { alg: 'HS256', typ: 'JWT' };
  const exp = () => Math.floor(Date.now() / 1000) + 3600 * 24;

  describe('when a token signed with our secret names another account', () => {
    it('should be refused like any bad token: a new session, and no store lookup', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store, account: { name: 'shop-a' } });
      const id = randomUUID();
      await store.inner.set(id, { id, namespaces: { public: { secret: { value: 'of shop b' } } }, version: 1, createdAt: Date.now(), lastSeen: Date.now() }, { ttl: 60_000 });
      const foreign = signJwt(header, sessionClaims(id, exp(), 'shop-b'), SECRET);

      const res = await visit(app, `vtex_session=${foreign}`).expect(200);

      expect(res.body.id).not.toBe(id);
      expect(res.body.namespaces.public).toBeUndefined();
      expect(store.calls.get).toBe(0);
    });
  });

  describe('when the same claims name this account', () => {
    it('should open the session', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store, account: { name: 'shop-a' } });
      const id = randomUUID();
      await store.inner.set(id, { id, namespaces: { public: { mine: { value: 'yes' } } }, version: 1, createdAt: Date.now(), lastSeen: Date.now() }, { ttl: 60_000 });

      const res = await visit(app, `vtex_session=${signJwt(header, sessionClaims(id, exp(), 'shop-a'), SECRET)}`).expect(200);

      expect(res.body.id).toBe(id);
      expect(res.body.namespaces.public.mine).toEqual({ value: 'yes' });
    });
  });
});
