import { LruSessionStore } from '../../lib';
import { makeApp, OTHER_SECRET, SECRET, setCookie } from '../support/app';
import { decodeJwt, sessionTokenOf, visit } from '../support/session';

const NEWEST = 'the-newest-secret-of-the-rotation-0123456789';

describe('secret rotation', () => {
  // One store, three deployments: before, during and after a rotation from SECRET to NEWEST.
  function deployments() {
    const store = new LruSessionStore();
    return {
      before: makeApp({ store, secret: SECRET }),
      during: makeApp({ store, secret: [NEWEST, SECRET] }),
      after: makeApp({ store, secret: NEWEST }),
    };
  }

  describe('when a token was signed with an older secret of the array', () => {
    it('should open the same session and re-sign its token with the first secret', async () => {
      const { before, during, after } = deployments();
      const first = await visit(before);
      const oldToken = sessionTokenOf(first)!;

      const res = await visit(during, `vtex_session=${oldToken}`);
      const reissued = sessionTokenOf(res);

      expect(res.body.id).toBe(first.body.id);
      expect(reissued).toBeDefined();
      expect(reissued).not.toBe(oldToken);
      expect(decodeJwt(reissued!).payload).toMatchObject({ id: first.body.id, exp: decodeJwt(oldToken).payload.exp });
      expect(res.headers['cache-control']).toBe('private, no-store');
      // Only NEWEST can have signed the new token: a deployment that knows only NEWEST opens it.
      expect((await visit(after, `vtex_session=${reissued}`)).body.id).toBe(first.body.id);
    });

    it('should not re-sign a token signed with the first secret', async () => {
      const { during } = deployments();
      const first = await visit(during);
      const cookie = `vtex_session=${sessionTokenOf(first)}; vtex_segment=${setCookie(first, 'vtex_segment')!.value}`;

      const res = await visit(during, cookie);

      expect(res.body.id).toBe(first.body.id);
      expect(res.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('when a secret has been removed from the array', () => {
    it('should start a new session for a token it signed', async () => {
      const { before, after } = deployments();
      const first = await visit(before);

      const res = await visit(after, `vtex_session=${sessionTokenOf(first)}`);

      expect(res.body.id).not.toBe(first.body.id);
    });
  });

  describe('when the secret is not in the array at all', () => {
    it('should start a new session', async () => {
      const store = new LruSessionStore();
      const first = await visit(makeApp({ store, secret: OTHER_SECRET }));

      const res = await visit(makeApp({ store, secret: [NEWEST, SECRET] }), `vtex_session=${sessionTokenOf(first)}`);

      expect(res.body.id).not.toBe(first.body.id);
    });
  });
});
