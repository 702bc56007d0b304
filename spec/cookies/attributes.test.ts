import { makeApp, setCookie, setCookies, type SetCookie } from '../support/app';
import { decodeJwt, visit } from '../support/session';
import type { SessionOptions } from '../../lib';

/** The Set-Cookie of both cookies for a new visitor, over HTTP or over HTTPS behind one proxy. */
async function cookiesOf(options: SessionOptions = {}, over: 'http' | 'https behind a proxy' = 'http') {
  const app = makeApp(options);
  app.set('trust proxy', 1);
  const req = visit(app);
  const res = over === 'http' ? await req : await req.set('X-Forwarded-Proto', 'https');
  const names = options.cookie ?? {};
  return {
    app,
    res,
    session: setCookie(res, names.sessionName ?? 'vtex_session')!,
    segment: setCookie(res, names.segmentName ?? 'vtex_segment')!,
  };
}

const both = (c: { session: SetCookie; segment: SetCookie }) => [c.session, c.segment];

describe('cookie attributes', () => {
  describe('when the request is plain HTTP', () => {
    it('should set HttpOnly, SameSite=Lax and Path=/, without Secure or Domain', async () => {
      for (const cookie of both(await cookiesOf())) {
        expect(cookie.attributes).toEqual({ httponly: true, samesite: 'Lax', path: '/', expires: expect.any(String) });
      }
    });

    it("should expire both cookies at the token's exp", async () => {
      const { session, segment } = await cookiesOf();
      const exp = decodeJwt(session.value).payload.exp as number;

      expect(Date.parse(session.attributes.expires as string)).toBe(exp * 1000);
      expect(Date.parse(segment.attributes.expires as string)).toBe(exp * 1000);
    });
  });

  describe('when the request is HTTPS behind a proxy the app trusts', () => {
    it('should add Secure', async () => {
      for (const cookie of both(await cookiesOf({}, 'https behind a proxy'))) expect(cookie.attributes.secure).toBe(true);
    });

    it('should not add Secure when the app does not trust the proxy', async () => {
      const app = makeApp();
      const res = await visit(app).set('X-Forwarded-Proto', 'https');

      for (const cookie of setCookies(res)) expect(cookie.attributes.secure).toBeUndefined();
    });
  });

  describe('cookie.secure', () => {
    it('should always add Secure when true, even over HTTP', async () => {
      for (const cookie of both(await cookiesOf({ cookie: { secure: true } }))) expect(cookie.attributes.secure).toBe(true);
    });

    it('should never add Secure when false, even over HTTPS', async () => {
      for (const cookie of both(await cookiesOf({ cookie: { secure: false } }, 'https behind a proxy'))) {
        expect(cookie.attributes.secure).toBeUndefined();
      }
    });
  });

  describe('cookie.sameSite', () => {
    it.each([
      ['strict', 'Strict'],
      ['lax', 'Lax'],
      ['none', 'None'],
    ] as const)('should write %s as SameSite=%s', async (sameSite, written) => {
      for (const cookie of both(await cookiesOf({ cookie: { sameSite } }, 'https behind a proxy'))) {
        expect(cookie.attributes.samesite).toBe(written);
      }
    });

    // Browsers drop a SameSite=None cookie that lacks Secure, so 'auto' cannot leave it out.
    it('should add Secure to SameSite=None even over plain HTTP', async () => {
      for (const cookie of both(await cookiesOf({ cookie: { sameSite: 'none' } }))) {
        expect(cookie.attributes).toMatchObject({ samesite: 'None', secure: true });
      }
    });
  });

  describe('cookie.domain and cookie.path', () => {
    it('should write them on both cookies', async () => {
      for (const cookie of both(await cookiesOf({ cookie: { domain: '.example.com', path: '/shop' } }))) {
        expect(cookie.attributes).toMatchObject({ domain: '.example.com', path: '/shop' });
      }
    });
  });

  describe('cookie.sessionName and cookie.segmentName', () => {
    it('should set and read the cookies under those names', async () => {
      const options = { cookie: { sessionName: 'sid', segmentName: 'seg' } };
      const { app, res, session, segment } = await cookiesOf(options);
      expect(setCookies(res).map((c) => c.name).sort()).toEqual(['seg', 'sid']);
      expect(segment.value).toBe(res.body.segment.token);

      const again = await visit(app, `sid=${session.value}; seg=${segment.value}`);

      expect(again.body.id).toBe(res.body.id);
      expect(again.headers['set-cookie']).toBeUndefined();
    });
  });
});
