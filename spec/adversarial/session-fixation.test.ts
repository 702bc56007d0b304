import express from 'express';
import { decodeSessionToken, sessionMiddleware, type Namespaces } from '../../lib';
import { listen, rawClient, sessionClaims, signJwt, type RunningServer } from '../support/adversarial';
import { SECRET, memoryLogger } from '../support/app';

interface Login {
  before: string;
  after: string;
}

/**
 * Session fixation: an attacker plants a session token of their own in a victim's browser and
 * waits for the victim to log in. A login moves the session to a new id and deletes the old one,
 * and the response must carry the token of the new id, whatever else happened to the session in
 * the same request (created, renewed, re-signed): otherwise the victim is logged out at once, or
 * the planted token keeps working.
 */
describe('session fixation', () => {
  let server: RunningServer;
  let client: ReturnType<typeof rawClient>;

  beforeAll(async () => {
    const app = express();
    app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger() }));
    app.post('/login', async (req, res) => {
      const before = req.vtexSession.id;
      await req.vtexSession.patch({ authentication: { storeUserEmail: { value: 'ana@example.com' } } });
      res.json({ before, after: req.vtexSession.id });
    });
    app.get('/page', (req, res) => void res.json({ id: req.vtexSession.id, namespaces: req.vtexSession.namespaces }));
    server = await listen(app);
    client = rawClient(server);
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  /** Logs in with `cookie`, then checks that the token handed out names the logged-in session. */
  async function expectLoggedInWithNewId(cookie: string | undefined): Promise<Login> {
    const res = await client.send({ method: 'POST', path: '/login', headers: cookie === undefined ? {} : { cookie } });
    const login = res.json as Login;
    expect(login.after).not.toBe(login.before);
    expect(decodeSessionToken(res.cookies.vtex_session)?.id).toBe(login.after);
    const next = await client.send({ path: '/page', headers: { cookie: `vtex_session=${res.cookies.vtex_session}` } });
    const page = next.json as { id: string; namespaces: Namespaces };
    expect(page.id).toBe(login.after);
    expect(page.namespaces.authentication).toEqual({ storeUserEmail: { value: 'ana@example.com' } });
    return login;
  }

  describe('when the victim logs in with a token the attacker planted', () => {
    it('should move the session to a new id, hand the victim its token, and leave the planted token naming nothing', async () => {
      const planted = (await client.send({ path: '/page' })).cookies.vtex_session;
      const login = await expectLoggedInWithNewId(`vtex_session=${planted}`);
      expect(login.before).toBe(decodeSessionToken(planted)?.id);
      const attacker = (await client.send({ path: '/page', headers: { cookie: `vtex_session=${planted}` } })).json as { id: string; namespaces: Namespaces };
      expect(attacker.id).not.toBe(login.after);
      expect(attacker.namespaces.authentication).toBeUndefined();
    });
  });

  describe('when the login is the request that creates the session', () => {
    it('should hand out the token of the logged-in id, not of the id the request started with', async () => {
      await expectLoggedInWithNewId(undefined);
    });
  });

  describe('when the login comes in the request that renews the session', () => {
    it('should hand out the token of the logged-in id', async () => {
      const created = (await client.send({ path: '/page' })).json as { id: string };
      const ending = signJwt({ alg: 'HS256', typ: 'JWT' }, sessionClaims(created.id, Math.floor(Date.now() / 1000) + 3600), SECRET);
      await expectLoggedInWithNewId(`vtex_session=${ending}`);
    });
  });
});
