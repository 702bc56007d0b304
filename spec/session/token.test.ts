import { randomUUID } from 'node:crypto';
import { ControllableStore, makeApp, OTHER_SECRET, SECRET, setCookie } from '../support/app';
import { cookiesOf, decodeJwt, sessionTokenOf, signJwt, storedVisit, visit } from '../support/session';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the vtex_session token', () => {
  describe('when a new visitor arrives', () => {
    it('should be an HS256 JWT whose payload carries id, account, sub, iat, exp and jti, and stored: false until the first write', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await visit(makeApp({ account: { name: 'mystore' } }));
      const { header, payload } = decodeJwt(sessionTokenOf(res)!);

      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(Object.keys(payload).sort()).toEqual(['account', 'exp', 'iat', 'id', 'jti', 'stored', 'sub']);
      expect(payload).toMatchObject({ id: res.body.id, account: 'mystore', sub: 'session', stored: false });
      expect(payload.iat).toBeGreaterThanOrEqual(before);
      expect(typeof payload.jti).toBe('string');
    });

    it('should carry exactly id, account, sub, iat, exp and jti once the session is stored', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await storedVisit(makeApp({ account: { name: 'mystore' } }));
      const { header, payload } = decodeJwt(sessionTokenOf(res)!);

      expect(res.body.version).toBe(1);
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(Object.keys(payload).sort()).toEqual(['account', 'exp', 'iat', 'id', 'jti', 'sub']);
      expect(payload).toMatchObject({ id: res.body.id, account: 'mystore', sub: 'session' });
      expect(payload.iat).toBeGreaterThanOrEqual(before);
    });

    it('should name the session by a random UUID', async () => {
      const app = makeApp();
      const ids = await Promise.all([visit(app), visit(app), visit(app)].map(async (r) => (await r).body.id as string));
      for (const id of ids) expect(id).toMatch(UUID_V4);
      expect(new Set(ids).size).toBe(3);
    });

    it('should expire the token after maxAge (5 days by default)', async () => {
      const { payload } = decodeJwt(sessionTokenOf(await visit(makeApp()))!);
      expect((payload.exp as number) - (payload.iat as number)).toBe(5 * 24 * 60 * 60);
    });

    it('should give every token its own jti', async () => {
      const app = makeApp();
      const a = decodeJwt(sessionTokenOf(await visit(app))!).payload;
      const b = decodeJwt(sessionTokenOf(await visit(app))!).payload;
      expect(a.jti).not.toBe(b.jti);
    });
  });

  describe('when a returning visitor sends a valid token', () => {
    it('should open the same stored session with one store read and set no cookie', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store });
      const first = await storedVisit(app);
      const calls = { ...store.calls };

      const again = await visit(app, cookiesOf(first));

      expect(again.body.id).toBe(first.body.id);
      expect(again.body.version).toBe(1);
      expect(again.headers['set-cookie']).toBeUndefined();
      expect(store.calls).toEqual({ ...calls, get: calls.get + 1 });
    });

    it('should open the same never-written session without any store operation and set no cookie', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store });
      const first = await visit(app);

      const again = await visit(app, cookiesOf(first));

      expect(again.body).toEqual(first.body);
      expect(again.body.version).toBe(0);
      expect(again.headers['set-cookie']).toBeUndefined();
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
    });
  });

  describe('when the token cannot be verified', () => {
    // Each case turns the valid token of a stored session into one that differs from it by one
    // flaw; the last test signs the very same claims properly and is accepted.
    type Forge = (token: string, payload: Record<string, unknown>) => string;
    const forgeries: Array<[string, Forge]> = [
      [
        'tampered (the payload names another session, the signature is kept)',
        (token, payload) => {
          const [header, , signature] = token.split('.');
          return `${header}.${Buffer.from(JSON.stringify({ ...payload, id: randomUUID() })).toString('base64url')}.${signature}`;
        },
      ],
      ['truncated', (token) => token.slice(0, -6)],
      ['signed with a foreign secret', (_, payload) => signJwt(payload, OTHER_SECRET)],
      ['unsigned, with alg: none', (_, payload) => `${signJwt(payload, SECRET, { alg: 'none', typ: 'JWT' }).split('.').slice(0, 2).join('.')}.`],
      ['signed with our secret under another algorithm (HS512)', (_, payload) => signJwt(payload, SECRET, { alg: 'HS512', typ: 'JWT' })],
      ['expired', (_, payload) => signJwt({ ...payload, exp: Math.floor(Date.now() / 1000) - 1 }, SECRET)],
      ['garbage', () => 'not-a-token'],
      ['signed with our secret for another account', (_, payload) => signJwt({ ...payload, account: 'otherstore' }, SECRET)],
    ];

    async function storedSession() {
      const store = new ControllableStore();
      const app = makeApp({ store });
      const first = await storedVisit(app);
      const token = sessionTokenOf(first)!;
      return { store, app, id: first.body.id as string, token, payload: decodeJwt(token).payload };
    }

    it.each(forgeries)('should start a new session without reading the store when the token is %s', async (_, forge) => {
      const { store, app, id, token, payload } = await storedSession();
      const reads = store.calls.get;

      const res = await visit(app, `vtex_session=${forge(token, payload)}`);

      expect(store.calls.get).toBe(reads);
      expect(res.body.id).not.toBe(id);
      expect(decodeJwt(sessionTokenOf(res)!).payload.id).toBe(res.body.id);
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
      // The session the forged token pointed at is untouched.
      expect(await store.inner.get(id)).toMatchObject({ id, version: 1 });
    });

    it('should open the session when the same claims are signed with our secret', async () => {
      const { store, app, id, payload } = await storedSession();

      const res = await visit(app, `vtex_session=${signJwt(payload, SECRET)}`);

      expect(res.body.id).toBe(id);
      expect(store.calls.get).toBe(1);
    });
  });

  describe('when the token names a session the store no longer has', () => {
    it('should start a new session with new cookies, not stored until its first write', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store });
      const first = await storedVisit(app);
      await store.inner.delete(first.body.id);
      const reads = store.calls.get;

      const res = await visit(app, `vtex_session=${sessionTokenOf(first)}`);

      expect(store.calls.get).toBe(reads + 1);
      expect(res.body.id).not.toBe(first.body.id);
      expect(res.body.version).toBe(0);
      expect(decodeJwt(sessionTokenOf(res)!).payload).toMatchObject({ id: res.body.id, stored: false });
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
      expect(await store.inner.get(res.body.id)).toBeUndefined();
    });
  });
});
