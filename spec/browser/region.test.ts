import type { Page } from 'playwright-core';
import { regionIdOf } from '../../lib';
import { describeInBrowser, navigation, newVisitor, openStorefront, pricesOn, segmentOf, type Storefront } from './harness';

describeInBrowser('regions in the demo store', () => {
  let store: Storefront;

  beforeAll(async () => {
    store = await openStorefront();
  });

  afterAll(async () => {
    await store?.close();
  });

  /** Fills the region form as a visitor would; the page script PATCHes the session, then reloads. */
  async function setRegion(page: Page, country: string, postalCode: string) {
    const patch = page.waitForRequest((r) => r.method() === 'PATCH' && new URL(r.url()).pathname === '/api/sessions');
    const response = await navigation(page, async () => {
      await page.selectOption('#region-form select[name="country"]', country);
      await page.fill('#region-form input[name="postalCode"]', postalCode);
      await page.click('#region-form button[type="submit"]');
    });
    return { patch: await patch, response };
  }

  describe('when a visitor sets a São Paulo postal code', () => {
    it('should show the regional seller’s products and prices and change the segment’s regionId', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/`);
      expect(await pricesOn(page)).not.toHaveProperty('croissants');

      const { patch } = await setRegion(page, 'BRA', '01310-100');

      expect(patch.postDataJSON()).toEqual({ public: { country: { value: 'BRA' }, postalCode: { value: '01310-100' } } });
      expect((await segmentOf(context))?.regionId).toBe(regionIdOf(['padaria-sp']));
      const prices = await pricesOn(page);
      expect(prices).toMatchObject({ croissants: '36.90', 'cold-brew-bottle': '32.90', 'espresso-beans': '84.90' });
      expect(prices).not.toHaveProperty('pao-de-queijo');
      expect(await page.textContent('.card[data-sku="croissants"] .seller')).toBe('From São Paulo bakery');
      expect(await page.textContent('.context .region')).toContain('São Paulo bakery');
      // The page script fills the form back in from the session, after the page has loaded.
      await page.waitForFunction(`document.querySelector('#region-form input[name="postalCode"]').value === '01310-100'`);
      await context.close();
    });
  });

  describe('when the visitor moves to a Rio de Janeiro postal code', () => {
    it('should swap the São Paulo seller for the Rio seller', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/`);
      await setRegion(page, 'BRA', '01310-100');

      await setRegion(page, 'BRA', '22021-001');

      expect((await segmentOf(context))?.regionId).toBe(regionIdOf(['rio-cafe']));
      const prices = await pricesOn(page);
      expect(prices).toMatchObject({ 'pao-de-queijo': '29.90', 'house-blend': '45.90', 'espresso-beans': '89.90' });
      expect(prices).not.toHaveProperty('croissants');
      await context.close();
    });
  });

  describe('when no seller serves the postal code', () => {
    it('should keep the main store’s catalog and prices with a region of no sellers', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/`);
      const before = await pricesOn(page);

      await setRegion(page, 'USA', '10001');

      expect((await segmentOf(context))?.regionId).toBe(regionIdOf([]));
      expect(await pricesOn(page)).toEqual(before);
      await context.close();
    });
  });
});
