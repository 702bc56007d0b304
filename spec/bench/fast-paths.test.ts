import { createHmac } from 'node:crypto';
import { sessionMiddleware } from '../../lib';
import { TokenSigner } from '../../lib/session/token';
import { makeApp, memoryLogger, setCookie, SECRET } from '../support/app';
import { cookiesOf, decodeJwt, sessionTokenOf, signJwt, storedVisit, visit } from '../support/session';

// The module object itself, as lib/cookies.ts calls it, so that a spy sees its calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cookie = require('cookie') as typeof import('cookie');

/**
 * The request path takes shortcuts for speed (a cache of verified tokens, a pool of random bytes
 * for `jti`, one formatted date per second). Each must give exactly what the plain way gives.
 */

const signatureOf = (token: string, secret: string) => {
  const dot = token.lastIndexOf('.');
  return { body: token.slice(0, dot), signature: token.slice(dot + 1), expected: createHmac('sha256', secret).update(token.slice(0, dot)).digest('base64url') };
};

// SHA-256 hashes keys longer than its 64-byte block first; multi-byte characters count in bytes.
const SECRETS = {
  'shorter than a block': 'a'.repeat(32),
  'exactly a block': 'b'.repeat(64),
  'one byte over a block': 'c'.repeat(65),
  'much longer than a block': 'd'.repeat(300),
  'of multi-byte characters': 'ção-segredo-😀'.repeat(4),
};

describe('the fast paths of the request path', () => {
  describe.each(Object.entries(SECRETS))('when the secret is %s', (_label, secret) => {
    it('should sign tokens exactly as HMAC-SHA256 does', async () => {
      const token = sessionTokenOf(await visit(makeApp({ secret })))!;
      const { signature, expected } = signatureOf(token, secret);
      expect(signature).toBe(expected);
    });

    it('should accept a token signed by any HMAC-SHA256 implementation, and no other signature', async () => {
      const app = makeApp({ secret });
      const { payload } = decodeJwt(sessionTokenOf(await visit(app))!);
      const forged = signJwt(payload, `${secret}x`);
      const genuine = signJwt(payload, secret);

      expect((await visit(app, `vtex_session=${genuine}`)).body.id).toBe(payload.id);
      expect((await visit(app, `vtex_session=${forged}`)).body.id).not.toBe(payload.id);
    });
  });

  describe('when a token is sent again after it was verified', () => {
    const NOW = Date.parse('2026-03-01T10:00:00Z');
    const claims = (exp: number) => ({ id: '6f1c2f3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f', account: 'store', exp: Math.floor(exp / 1000) });

    it('should still refuse it once it has expired', () => {
      const signer = new TokenSigner([SECRET], 'store');
      const token = signer.sign(claims(NOW + 10_000));
      expect(signer.verify(token, NOW)?.claims.id).toBe(claims(0).id);
      expect(signer.verify(token, NOW + 5_000)?.claims.id).toBe(claims(0).id);
      expect(signer.verify(token, NOW + 10_000)).toBeUndefined();
      expect(signer.verify(token, NOW + 20_000)).toBeUndefined();
    });

    it('should refuse any other spelling of it', () => {
      const signer = new TokenSigner([SECRET], 'store');
      const token = signer.sign(claims(NOW + 60_000));
      expect(signer.verify(token, NOW)).toBeDefined();
      const last = token.at(-1)!;
      for (const respelled of [`${token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`, `${token} `, `${token}\u0000`, ` ${token}`, token.replace('.', '..')]) {
        expect(signer.verify(respelled, NOW)).toBeUndefined();
      }
      expect(signer.verify(token, NOW)).toBeDefined();
    });

    it('should keep telling a token signed with an older secret, so that it is re-signed', () => {
      const token = new TokenSigner(['old-secret-that-is-at-least-32-characters'], 'store').sign(claims(NOW + 60_000));
      const signer = new TokenSigner([SECRET, 'old-secret-that-is-at-least-32-characters'], 'store');
      expect(signer.verify(token, NOW)?.stale).toBe(true);
      expect(signer.verify(token, NOW)?.stale).toBe(true);
      expect(new TokenSigner([SECRET], 'store').verify(token, NOW)).toBeUndefined();
    });

    it('should answer claims nobody can change for the next request', () => {
      const signer = new TokenSigner([SECRET], 'store');
      const token = signer.sign(claims(NOW + 60_000));
      const first = signer.verify(token, NOW)!;
      expect(() => {
        (first.claims as { id: string }).id = 'someone-else';
      }).toThrow(TypeError);
      expect(signer.verify(token, NOW)!.claims.id).toBe(claims(0).id);
    });

    it('should keep a bounded number of them', () => {
      const signer = new TokenSigner([SECRET], 'store');
      for (let i = 0; i < 5_000; i++) signer.verify(signer.sign(claims(NOW + 60_000)), NOW);
      expect((signer as unknown as { verified: { size: number } }).verified.size).toBeLessThanOrEqual(4096);
    });
  });

  describe('when many tokens are issued', () => {
    it('should give each its own 12 random bytes of jti, across refills of the pool', async () => {
      const app = makeApp();
      const jtis: string[] = [];
      for (let i = 0; i < 300; i++) jtis.push(decodeJwt(sessionTokenOf(await visit(app))!).payload.jti as string);

      for (const jti of jtis) expect(Buffer.from(jti, 'base64url')).toHaveLength(12);
      expect(new Set(jtis).size).toBe(jtis.length);
    });
  });

  describe('when sessions are created in different seconds', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    it('should write each cookie the Expires of its own session', async () => {
      const app = makeApp();
      const expiries: string[] = [];
      for (const at of ['2026-03-01T10:00:00.200Z', '2026-03-01T10:00:00.900Z', '2026-03-01T10:00:01.100Z', '2026-03-01T11:30:00Z']) {
        jest.setSystemTime(new Date(at));
        const res = await visit(app);
        const exp = decodeJwt(sessionTokenOf(res)!).payload.exp as number;
        const expires = setCookie(res, 'vtex_session')!.attributes.expires as string;
        expect(expires).toBe(new Date(exp * 1000).toUTCString());
        expect(setCookie(res, 'vtex_segment')!.attributes.expires).toBe(expires);
        expiries.push(expires);
      }
      expect(new Set(expiries).size).toBe(3);
    });
  });

  describe('when a returning visitor\'s browser sends many cookies', () => {
    // Analytics, consent and A/B-test cookies: the header a storefront's visitors really send.
    const others = Array.from({ length: 30 }, (_, i) => `_ga_${i}=GA1.1.${1000 + i}.${1_700_000_000 + i}`).join('; ');
    let parse: jest.SpyInstance;
    beforeEach(() => {
      parse = jest.spyOn(cookie, 'parse');
      // One second throughout: a new second computes a never-written session's namespaces again,
      // and that computation (rightly) hands the creation transforms the request's cookies.
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: Date.parse('2026-03-01T10:00:00.100Z') });
    });
    afterEach(() => {
      jest.useRealTimers();
      parse.mockRestore();
    });

    it('should not parse the whole Cookie header for a page view that captures nothing', async () => {
      const app = makeApp();
      const never = cookiesOf(await visit(app));
      const stored = cookiesOf(await storedVisit(app));
      parse.mockClear();
      expect((await visit(app, `${others}; ${never}`)).status).toBe(200);
      expect((await visit(app, `${others}; ${stored}`)).status).toBe(200);
      expect(parse).not.toHaveBeenCalled();
    });

    it('should still hand a write\'s transforms every cookie', async () => {
      const seen: Array<Record<string, string>> = [];
      const app = makeApp({
        transforms: [{ name: 'cookie-reader', input: { public: ['utm_source'] }, output: {}, run: (_input, context) => void seen.push({ ...context.cookies }) }],
      });
      const { status } = await visit(app, `${others}; ${cookiesOf(await visit(app))}`, '/page?utm_source=mail');
      expect(status).toBe(200);
      expect(seen.at(-1)).toMatchObject({ _ga_0: 'GA1.1.1000.1700000000', _ga_29: 'GA1.1.1029.1700000029' });
    });
  });

  describe('what sessionMiddleware() returns', () => {
    it('should be a plain named middleware, not a router with private parts to rely on', () => {
      const middleware = sessionMiddleware({ secret: SECRET, logger: memoryLogger() });
      expect(middleware).toBeInstanceOf(Function);
      expect(middleware.name).toBe('vtexSession');
      expect(middleware.length).toBe(3);
      expect(middleware).not.toHaveProperty('stack');
    });
  });
});
