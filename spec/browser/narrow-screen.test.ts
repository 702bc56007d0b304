import type { Page } from 'playwright-core';
import { describeInBrowser, navigation, newVisitor, openStorefront, outputPath, type Storefront } from './harness';

const PHONE = { width: 390, height: 844 };

/**
 * What is wrong with the header on this screen: a link, button or label cut off by the edge,
 * covered by another element (the one at its centre is not itself), or a page wider than the
 * screen. Evaluated in the page (a string: the tests are compiled without the DOM's types).
 */
function headerProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const problems = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
    for (const el of document.querySelectorAll('header.top a, header.top button, header.top .greeting, header.top #page-cache')) {
      const r = el.getBoundingClientRect();
      const name = el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 40) + '"';
      if (r.width === 0 || r.height === 0) { problems.push(name + ' is not shown'); continue; }
      if (r.left < 0 || r.right > width + 0.5) problems.push(name + ' is cut off: ' + Math.round(r.left) + '..' + Math.round(r.right));
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (hit === null || !(hit === el || el.contains(hit))) problems.push(name + ' is covered by ' + (hit ? hit.tagName.toLowerCase() + '.' + hit.className : 'nothing'));
    }
    return problems;
  })()`);
}

describeInBrowser('the demo store on a 390 px wide phone', () => {
  let store: Storefront;

  beforeAll(async () => {
    store = await openStorefront();
  });

  afterAll(async () => {
    await store?.close();
  });

  it('should keep every link of the header on screen and clickable for a visitor', async () => {
    const { context, page } = await newVisitor(store, PHONE);
    await page.goto(`${store.url}/`);

    expect(await headerProblems(page)).toEqual([]);
    await page.screenshot({ path: outputPath('header-390-visitor.png') });
    await Promise.all([page.waitForURL(`${store.url}/session`), page.click('header.top >> text=Session')]);
    await context.close();
  });

  it('should keep the header usable for an admin browsing as a customer, the longest greeting', async () => {
    const { context, page } = await newVisitor(store, PHONE);
    await page.goto(`${store.url}/login`);
    await Promise.all([page.waitForURL(`${store.url}/`), page.click('text=Log in as Dora')]);
    await page.goto(`${store.url}/session`);
    await page.selectOption('#impersonate-form select', 'bruno@b2b.example.com');
    await navigation(page, () => page.click('#impersonate-form button'));
    await page.goto(`${store.url}/`);
    await page.waitForSelector('#account .greeting');

    expect(await page.textContent('#account .greeting')).toBe('Admin admin@example.com, browsing as Bruno');
    expect(await headerProblems(page)).toEqual([]);
    await page.screenshot({ path: outputPath('header-390-admin.png') });
    await context.close();
  });

  it('should show whether the page came from the cache in the header', async () => {
    const { context, page } = await newVisitor(store, PHONE);
    await page.goto(`${store.url}/products/gooseneck-kettle`);
    expect(await page.textContent('#page-cache')).toMatch(/MISS/);
    await navigation(page, () => page.reload());
    await navigation(page, () => page.reload());

    expect(await page.textContent('#page-cache')).toMatch(/HIT/);
    expect(await page.isVisible('#page-cache')).toBe(true);
    await context.close();
  });
});
