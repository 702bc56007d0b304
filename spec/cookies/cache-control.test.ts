import { encodeSegment } from '../../lib';
import { cookieHeader, makeApp, setCookie } from '../support/app';
import { storedVisit, visit } from '../support/session';

describe('Cache-Control on page responses', () => {
  describe('when the response sets vtex_session', () => {
    it('should be private, no-store for a new visitor', async () => {
      const res = await visit(makeApp());

      expect(setCookie(res, 'vtex_session')).toBeDefined();
      expect(res.headers['cache-control']).toBe('private, no-store');
    });

    it('should be private, no-store when an invalid token is replaced', async () => {
      const res = await visit(makeApp(), 'vtex_session=not-a-token');

      expect(setCookie(res, 'vtex_session')).toBeDefined();
      expect(res.headers['cache-control']).toBe('private, no-store');
    });
  });

  describe('when a returning visitor sends both cookies and nothing changes', () => {
    it.each([
      ['was never written', visit],
      ['is stored', storedVisit],
    ])('should set no cookie and no Cache-Control when the session %s, so that the page may be cached by its segment', async (_, first) => {
      const app = makeApp();
      const landing = await first(app);

      const res = await visit(app, cookieHeader(landing));

      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['cache-control']).toBeUndefined();
    });
  });

  describe('when only vtex_segment is reset', () => {
    // The page is rendered for the session's segment, not the one the request's cookie names: a
    // shared cache keyed on that cookie would serve it to the other segment's visitors.
    it('should be private, no-store, since the page does not belong to the segment the request named', async () => {
      const app = makeApp();
      const first = await visit(app);
      const forged = encodeSegment({ ...first.body.segment.data, priceTables: 'vip' });

      const res = await visit(app, `vtex_session=${setCookie(first, 'vtex_session')!.value}; vtex_segment=${forged}`);

      expect(setCookie(res, 'vtex_session')).toBeUndefined();
      expect(setCookie(res, 'vtex_segment')!.value).toBe(first.body.segment.token);
      expect(res.headers['cache-control']).toBe('private, no-store');
    });
  });
});
