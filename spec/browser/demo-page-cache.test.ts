import request from 'supertest';
import type { Express } from 'express';
import { createApp, type DemoOptions } from '../../demo-store/app';
import { cookieHeader, memoryLogger, SECRET, setCookie } from '../support/app';

function demoStore(cache?: DemoOptions['cache']): Express {
  return createApp({ secret: SECRET, logger: memoryLogger(), cache });
}

/** A visitor who sends back the cookies it was given, as a browser does. */
function visitor(app: Express) {
  let cookies = '';
  const visit = async (path: string) => {
    const req = request(app).get(path);
    if (cookies !== '') req.set('Cookie', cookies);
    const res = await req;
    cookies = cookieHeader(res, cookies);
    return res;
  };
  return Object.assign(visit, { segment: () => /vtex_segment=([^;]*)/.exec(cookies)?.[1] });
}

/** The state the page's own badge shows (`HIT` or `MISS`), or undefined when it has none. */
const badgeOf = (html: string) => /<span class="cache-badge[^"]*" id="page-cache" data-cache="(HIT|MISS)"[^>]*>[^<]*\1[^<]*<\/span>/.exec(html)?.[1];

/** A page as the cache holds it: everything but the badge that says whether it came from the cache. */
const withoutBadge = (html: string) => html.replace(/<span class="cache-badge[^"]*" id="page-cache"[^>]*>[^<]*<\/span>/, '');

async function statsOf(app: Express) {
  return (await request(app).get('/cache-stats').set('Accept', 'application/json')).body as Record<string, number>;
}

describe('the demo store’s page cache', () => {
  describe('when a response sets cookies', () => {
    it('should not store it', async () => {
      const app = demoStore();
      const res = await visitor(app)('/');

      expect(setCookie(res, 'vtex_session')).toBeDefined();
      expect(res.headers['x-cache']).toBe('MISS');
      expect(await statsOf(app)).toMatchObject({ pages: 0, segments: 0 });
    });

    it('should answer a new visitor from the cache with its own cookies, never another visitor’s', async () => {
      const app = demoStore();
      const returning = visitor(app);
      const first = await returning('/');
      const stored = await returning('/');

      const res = await visitor(app)('/');

      expect(stored.headers['set-cookie']).toBeUndefined();
      expect(res.headers['x-cache']).toBe('HIT');
      expect(withoutBadge(res.text)).toBe(withoutBadge(stored.text));
      expect(setCookie(res, 'vtex_session')?.value).toBeDefined();
      expect(setCookie(res, 'vtex_session')?.value).not.toBe(setCookie(first, 'vtex_session')?.value);
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(await statsOf(app)).toMatchObject({ hits: 1, pages: 1 });
    });
  });

  describe('when a returning visitor asks for a page', () => {
    it('should store it and serve it to other visitors with the same segment', async () => {
      const app = demoStore();
      const first = visitor(app);
      const second = visitor(app);
      await first('/products/ceramic-mug');
      const stored = await first('/products/ceramic-mug');
      await second('/products/ceramic-mug');

      const served = await second('/products/ceramic-mug');

      expect(stored.headers['x-cache']).toBe('MISS');
      expect(setCookie(served, 'vtex_session')).toBeUndefined();
      expect(served.headers['x-cache']).toBe('HIT');
      expect(withoutBadge(served.text)).toBe(withoutBadge(stored.text));
      expect(await statsOf(app)).toMatchObject({ hits: 2, misses: 2, pages: 1, segments: 1 });
    });
  });

  describe('when a page is answered', () => {
    it('should show on the page itself whether it came from the cache', async () => {
      const app = demoStore();
      const first = visitor(app);
      const landing = await first('/products/house-blend');
      const stored = await first('/products/house-blend');
      const served = await visitor(app)('/products/house-blend');

      expect([landing, stored, served].map((res) => res.headers['x-cache'])).toEqual(['MISS', 'MISS', 'HIT']);
      expect([landing, stored, served].map((res) => badgeOf(res.text))).toEqual(['MISS', 'MISS', 'HIT']);
    });

    it('should keep the badge out of the page the cache stores', async () => {
      const app = demoStore();
      const first = visitor(app);
      await first('/');
      await first('/');

      const served = await visitor(app)('/');

      expect(badgeOf(served.text)).toBe('HIT');
      expect(served.text.match(/id="page-cache"/g)).toHaveLength(1);
    });

    it('should show no badge on the visitor’s own pages, which are never cached', async () => {
      const app = demoStore();
      const browse = visitor(app);
      await browse('/');

      for (const path of ['/session', '/login']) expect(badgeOf((await browse(path)).text)).toBeUndefined();
    });
  });

  describe('when visitors differ only by their UTMs', () => {
    it('should serve them the same cached page', async () => {
      const app = demoStore();
      const plain = visitor(app);
      await plain('/');
      await plain('/');
      const tracked = visitor(app);
      await tracked('/?utm_source=newsletter&utm_campaign=spring');

      const res = await tracked('/');

      expect(tracked.segment()).not.toBe(plain.segment());
      expect(res.headers['x-cache']).toBe('HIT');
      expect(await statsOf(app)).toMatchObject({ segments: 1 });
    });
  });

  describe('when a UTM puts the visitor in a campaign', () => {
    it('should keep the campaign’s pages apart from the others', async () => {
      const app = demoStore();
      const plain = visitor(app);
      await plain('/');
      const plainPage = await plain('/');
      const campaign = visitor(app);
      await campaign('/?utm_campaign=blackfriday');

      const res = await campaign('/');

      expect(res.headers['x-cache']).toBe('MISS');
      expect(res.text).toContain('data-campaign="blackfriday"');
      expect(plainPage.text).not.toContain('data-campaign="blackfriday"');
      expect(await statsOf(app)).toMatchObject({ pages: 2, segments: 2 });
    });
  });

  describe('when more pages are visited than the cache holds', () => {
    it('should keep only the most recently used ones', async () => {
      const app = demoStore({ max: 2 });
      const browse = visitor(app);
      await browse('/');
      for (const path of ['/', '/products/ceramic-mug', '/products/house-blend']) await browse(path);

      const evicted = await browse('/');

      expect(evicted.headers['x-cache']).toBe('MISS');
      expect(await statsOf(app)).toMatchObject({ pages: 2, max: 2 });
    });
  });

  describe('when the segment cannot buy the product', () => {
    it('should answer 404 and store nothing', async () => {
      const app = demoStore();
      const browse = visitor(app);
      await browse('/');

      const res = await browse('/products/croissants');

      expect(res.status).toBe(404);
      expect(await statsOf(app)).toMatchObject({ pages: 0 });
    });
  });

  describe('/cache-stats', () => {
    it('should show hits, misses and cached segments on a page', async () => {
      const app = demoStore();
      const browse = visitor(app);
      await browse('/');
      await browse('/');
      await browse('/');

      const res = await request(app).get('/cache-stats');

      expect(res.headers['content-type']).toMatch(/html/);
      for (const [name, value] of [['hits', 1], ['misses', 2], ['pages', 1], ['segments', 1]] as const) {
        expect(res.text).toContain(`data-stat="${name}">${value}<`);
      }
    });
  });
});
