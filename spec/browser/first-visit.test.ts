import { readFileSync } from 'node:fs';
import {
  cookieOf,
  describeInBrowser,
  navigation,
  newVisitor,
  openStorefront,
  outputPath,
  priceTextOf,
  pricesOn,
  segmentOf,
  type Storefront,
} from './harness';

/** A page as the cache holds it: everything but the badge that says whether it came from the cache. */
const withoutBadge = (html: string) => html.replace(/<span class="cache-badge[^"]*" id="page-cache"[^>]*>[^<]*<\/span>/, '');

describeInBrowser('the demo store in a browser', () => {
  let store: Storefront;

  beforeAll(async () => {
    store = await openStorefront();
  });

  afterAll(async () => {
    await store?.close();
  });

  describe('when a visitor arrives for the first time', () => {
    it('should set both cookies HttpOnly, out of reach of page scripts', async () => {
      const { context, page } = await newVisitor(store);
      const response = await page.goto(`${store.url}/`);

      expect(response?.status()).toBe(200);
      for (const name of ['vtex_session', 'vtex_segment']) {
        expect(await cookieOf(context, name)).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      }
      // (A string, evaluated in the page: the tests are compiled without the DOM's types.)
      expect(await page.evaluate<string>('document.cookie')).not.toMatch(/vtex_(session|segment)/);
      await context.close();
    });

    it('should show the list prices of the default segment', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/`);

      const prices = await pricesOn(page);
      expect(prices).toMatchObject({ 'espresso-beans': '89.90', 'ceramic-mug': '39.90', 'gooseneck-kettle': '249.90' });
      expect(await priceTextOf(page, 'espresso-beans')).toBe('R$ 89,90');
      // Regional and wholesale products need a region or the B2B channel.
      expect(prices).not.toHaveProperty('croissants');
      expect(prices).not.toHaveProperty('bulk-espresso');
      expect(await page.$('.banner')).toBeNull();
      expect(await segmentOf(context)).toMatchObject({ channel: '1', priceTables: null, regionId: null, campaigns: null });
      await context.close();
    });

    it('should write a screenshot of the product list', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/`);
      const file = outputPath('product-list.png');

      await page.screenshot({ path: file, fullPage: true });

      // A PNG starts with its eight-byte signature.
      expect(readFileSync(file).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      await context.close();
    });
  });

  describe('when a second visitor without cookies has the same segment', () => {
    it('should get the same segment token and the page the first visitor filled the cache with', async () => {
      const first = await newVisitor(store);
      await first.page.goto(`${store.url}/products/house-blend`);
      // The second request of a visitor sets no cookie, so its page is stored.
      const stored = await navigation(first.page, () => first.page.reload());
      expect(stored.headers()['x-cache']).toBe('MISS');

      const second = await newVisitor(store);
      const landing = await second.page.goto(`${store.url}/products/house-blend`);
      // A first visit gets its own new cookies, and the page its segment already has in the cache.
      expect(landing?.headers()['x-cache']).toBe('HIT');
      expect(await second.page.textContent('#page-cache')).toMatch(/HIT/);
      expect(withoutBadge(await landing!.text())).toBe(withoutBadge(await stored.text()));
      expect((await landing?.allHeaders())?.['set-cookie']).toMatch(/vtex_session=/);
      expect((await cookieOf(second.context, 'vtex_segment'))?.value).toBe((await cookieOf(first.context, 'vtex_segment'))?.value);
      expect((await cookieOf(second.context, 'vtex_session'))?.value).not.toBe((await cookieOf(first.context, 'vtex_session'))?.value);

      const again = await navigation(second.page, () => second.page.reload());
      expect(again.headers()['x-cache']).toBe('HIT');
      expect(withoutBadge(await again.text())).toBe(withoutBadge(await stored.text()));
      await first.context.close();
      await second.context.close();
    });
  });
});
