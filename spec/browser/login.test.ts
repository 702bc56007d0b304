import type { Page } from 'playwright-core';
import {
  cookieOf,
  describeInBrowser,
  navigation,
  newVisitor,
  openStorefront,
  pricesOn,
  segmentOf,
  sessionIdOf,
  type Storefront,
} from './harness';

describeInBrowser('logging in to the demo store', () => {
  let store: Storefront;

  beforeAll(async () => {
    store = await openStorefront();
  });

  afterAll(async () => {
    await store?.close();
  });

  async function logInAs(page: Page, firstName: string) {
    await page.goto(`${store.url}/login`);
    await Promise.all([page.waitForURL(`${store.url}/`), page.click(`text=Log in as ${firstName}`)]);
  }

  /** The greeting the page script writes from GET /api/sessions (cached pages hold no name). */
  function greetingOf(page: Page) {
    return page.textContent('#account .greeting');
  }

  describe('when the B2B buyer logs in', () => {
    it('should show gold prices in the private channel under a new session id', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/`);
      const anonymous = await cookieOf(context, 'vtex_session');
      const anonymousId = await sessionIdOf(context);

      await logInAs(page, 'Bruno');

      expect((await cookieOf(context, 'vtex_session'))?.value).not.toBe(anonymous?.value);
      expect(await sessionIdOf(context)).not.toBe(anonymousId);
      expect(await segmentOf(context)).toMatchObject({ priceTables: 'gold', channel: '2', channelPrivacy: 'private' });
      const prices = await pricesOn(page);
      expect(prices).toMatchObject({ 'espresso-beans': '71.90', 'ceramic-mug': '29.90', 'bulk-espresso': '329.90' });
      expect(await page.textContent('.card[data-sku="espresso-beans"] .badge')).toBe('gold price');
      expect(await page.$('.chip-b2b')).not.toBeNull();
      expect(await greetingOf(page)).toBe('Hello, Bruno');
      await context.close();
    });
  });

  describe('when the B2B buyer logs out', () => {
    it('should restore the retail channel and list prices under yet another session id', async () => {
      const { context, page } = await newVisitor(store);
      await page.goto(`${store.url}/`);
      const retail = await pricesOn(page);
      await logInAs(page, 'Bruno');
      const loggedInId = await sessionIdOf(context);
      await page.goto(`${store.url}/products/espresso-beans`);

      // The Log out button the page script puts in the header.
      const accountRead = page.waitForResponse((r) => r.url().includes('/api/sessions?items='));
      await Promise.all([page.waitForURL(`${store.url}/`), page.click('#account button')]);
      await accountRead;

      expect(await pricesOn(page)).toEqual(retail);
      expect(await segmentOf(context)).toMatchObject({ priceTables: null, channel: '1', channelPrivacy: 'public' });
      expect(await sessionIdOf(context)).not.toBe(loggedInId);
      expect(await page.textContent('#account')).toContain('Log in');
      await context.close();
    });
  });

  describe('when a retail customer of the VIP cluster logs in', () => {
    it('should add the vip campaign: its banner and its prices', async () => {
      const { context, page } = await newVisitor(store);

      await logInAs(page, 'Ana');

      expect((await segmentOf(context))?.campaigns).toBe('vip');
      expect(await page.textContent('.banner[data-campaign="vip"]')).toContain('VIP club');
      expect(await pricesOn(page)).toMatchObject({ 'house-blend': '42.90', 'ceramic-mug': '34.90', 'espresso-beans': '89.90' });
      await context.close();
    });
  });

  describe('when the admin impersonates a customer', () => {
    it('should show the customer’s price table to the admin', async () => {
      const { context, page } = await newVisitor(store);
      await logInAs(page, 'Dora');
      expect((await segmentOf(context))?.priceTables).toBeNull();
      const adminId = await sessionIdOf(context);
      await page.goto(`${store.url}/session`);

      await navigation(page, async () => {
        await page.selectOption('#impersonate-form select', 'carla@b2b.example.com');
        await page.click('#impersonate-form button');
      });

      expect((await segmentOf(context))?.priceTables).toBe('silver');
      expect(await sessionIdOf(context)).not.toBe(adminId);
      await page.goto(`${store.url}/`);
      expect(await pricesOn(page)).toMatchObject({ 'espresso-beans': '80.90', 'gooseneck-kettle': '224.90' });
      await page.waitForSelector('#account .greeting');
      expect(await greetingOf(page)).toBe('Admin admin@example.com, browsing as Carla');
      await context.close();
    });
  });
});
