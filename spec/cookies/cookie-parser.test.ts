import cookieParser from 'cookie-parser';
import express from 'express';
import request from 'supertest';
import { sessionMiddleware } from '../../lib';
import { SECRET, cookieHeader, memoryLogger, setCookie } from '../support/app';
import { sessionTokenOf } from '../support/session';

const PARSER_SECRET = 'the application’s own cookie secret';

/** An application that runs cookie-parser first, for its own cookies, as most Express apps do. */
function appWithCookieParser() {
  const app = express();
  app.use(cookieParser(PARSER_SECRET));
  app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger() }));
  app.get('/remember', (_req, res) => {
    res.cookie('theme', 'dark', { signed: true, httpOnly: true });
    res.cookie('lang', 'pt');
    res.json({});
  });
  app.post('/login', (req, res, next) => {
    // The application's cookies, set before and after a server-side write, all reach the browser.
    res.cookie('before', '1');
    req.vtexSession
      .patch({ authentication: { storeUserEmail: { value: 'ana@example.com' } } })
      .then(() => {
        res.cookie('after', '2');
        res.json({ id: req.vtexSession.id });
      }, next);
  });
  app.get('/read', (req, res) => res.json({ cookies: req.cookies, signed: req.signedCookies, id: req.vtexSession.id }));
  return app;
}

describe('with cookie-parser', () => {
  describe('when it runs before the middleware', () => {
    it('should leave its cookies and signed cookies as it parsed them', async () => {
      const app = appWithCookieParser();
      const remembered = await request(app).get('/remember').expect(200);

      const read = await request(app).get('/read').set('Cookie', cookieHeader(remembered)).expect(200);

      expect(read.body.signed).toEqual({ theme: 'dark' });
      expect(read.body.cookies).toMatchObject({ lang: 'pt', vtex_session: sessionTokenOf(remembered), vtex_segment: setCookie(remembered, 'vtex_segment')!.value });
      expect(read.body.id).toBe(JSON.parse(Buffer.from(sessionTokenOf(remembered)!.split('.')[1], 'base64url').toString()).id);
    });

    it('should keep the Set-Cookie headers the application sets, beside the session’s', async () => {
      const res = await request(appWithCookieParser()).get('/remember').expect(200);

      expect(setCookie(res, 'theme')!.value).toMatch(/^s%3Adark\./);
      expect(setCookie(res, 'lang')!.value).toBe('pt');
      expect(setCookie(res, 'vtex_session')).toBeDefined();
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
    });

    it('should keep them through a server-side patch that sets new session cookies', async () => {
      const app = appWithCookieParser();
      const first = await request(app).get('/read').expect(200);

      const login = await request(app).post('/login').set('Cookie', cookieHeader(first)).expect(200);

      expect(setCookie(login, 'before')!.value).toBe('1');
      expect(setCookie(login, 'after')!.value).toBe('2');
      expect(JSON.parse(Buffer.from(sessionTokenOf(login)!.split('.')[1], 'base64url').toString()).id).toBe(login.body.id);
      expect((login.headers['set-cookie'] as unknown as string[]).filter((line) => line.startsWith('vtex_session='))).toHaveLength(1);
    });
  });
});
