import { describeInBrowser, newVisitor, openStorefront, outputPath, pricesOn, segmentOf, type Storefront } from './harness';

describeInBrowser('campaigns in the demo store', () => {
  let store: Storefront;

  beforeAll(async () => {
    store = await openStorefront();
  });

  afterAll(async () => {
    await store?.close();
  });

  describe('when a visitor arrives from /?utm_campaign=blackfriday', () => {
    it('should show the campaign banner and promotion prices on the first render', async () => {
      const { context, page } = await newVisitor(store);

      const response = await page.goto(`${store.url}/?utm_campaign=blackfriday`);

      // The first response already renders the campaign: the landing page is what the link promised.
      const html = await response!.text();
      expect(html).toContain('data-campaign="blackfriday"');
      expect(await page.textContent('.banner[data-campaign="blackfriday"]')).toContain('Black Friday');
      expect(await pricesOn(page)).toMatchObject({ 'espresso-beans': '59.90', 'ceramic-mug': '24.90', 'gooseneck-kettle': '179.90', 'house-blend': '49.90' });
      expect(await page.getAttribute('.card[data-sku="espresso-beans"] .list-price', 'data-price')).toBe('89.90');
      expect(await segmentOf(context)).toMatchObject({ campaigns: 'blackfriday', utm_campaign: 'blackfriday' });
      await page.screenshot({ path: outputPath('product-list-blackfriday.png'), fullPage: true });
      await context.close();
    });

    it('should keep the campaign on the next pages, whose links carry no UTM', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/?utm_campaign=blackfriday`);

      await Promise.all([page.waitForURL(`${store.url}/products/ceramic-mug`), page.click('.card[data-sku="ceramic-mug"] a')]);

      expect(await page.$('.banner[data-campaign="blackfriday"]')).not.toBeNull();
      expect(await page.getAttribute('.product .price', 'data-price')).toBe('24.90');
      await context.close();
    });
  });

  describe('when a visitor arrives from another campaign', () => {
    it('should show neither the banner nor the promotion prices', async () => {
      const { context, page } = await newVisitor(store);

      await page.goto(`${store.url}/?utm_campaign=spring`);

      expect(await page.$('.banner')).toBeNull();
      expect(await pricesOn(page)).toMatchObject({ 'espresso-beans': '89.90', 'ceramic-mug': '39.90' });
      expect(await segmentOf(context)).toMatchObject({ campaigns: null, utm_campaign: 'spring' });
      await context.close();
    });
  });
});
