import express from 'express';
import { sessionMiddleware } from '../../lib';
import { memoryLogger, SECRET } from '../support/app';
import { cookieOf, describeInBrowser, newVisitor, openInBrowser, type Storefront } from './harness';

const LOCALES = 'pt-BR,en-US';

/**
 * What VTEX's render-session script does on every page of a VTEX IO store: it posts the page's
 * whole `location.search` (and the store's locales) to the Session Manager API, with `{}` or the
 * public items as the body, sending the visitor's cookies with `credentials: 'same-origin'`.
 */
const RENDER_SESSION = `
'use strict';
const search = window.location.search;
const locales = '${LOCALES}';
const supportedLocalesSearch = \`\${search ? '&' : '?'}supportedLocales=\${locales}\`;
const data = document.currentScript.dataset.items ? JSON.parse(document.currentScript.dataset.items) : undefined;
window.sessionPromise = fetch(\`\${window.location.origin}/api/sessions\${search}\${supportedLocalesSearch}\`, {
  body: data ? JSON.stringify({ public: data }) : '{}',
  credentials: 'same-origin',
  headers: new Headers({ 'Content-Type': 'application/json' }),
  method: 'POST',
})
  .then(async (res) => ({ status: res.status, body: await res.json() }))
  .then(async (answer) => {
    const read = await fetch('/api/sessions?items=public.*', { credentials: 'same-origin' });
    return { ...answer, public: (await read.json()).namespaces.public ?? {} };
  });
`;

/**
 * A storefront whose page loads the script above; the page itself is served before the session
 * layer, and names an inline icon so that no favicon request of the browser races the script's.
 */
function storefront() {
  const app = express();
  app.get('/render-session.js', (_req, res) => void res.type('js').send(RENDER_SESSION));
  app.get('/', (req, res) => {
    const items = typeof req.query.body === 'string' ? ` data-items='{"country":{"value":"BRA"}}'` : '';
    res.type('html').send(`<!doctype html><html lang="en"><title>Store</title><link rel="icon" href="data:,"><script src="/render-session.js"${items}></script></html>`);
  });
  app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger() }));
  return app;
}

interface SessionAnswer {
  status: number;
  body: Record<string, unknown>;
  public: Record<string, { value: unknown }>;
}

describeInBrowser('VTEX’s render-session script on page URLs as people share them', () => {
  let store: Storefront;

  beforeAll(async () => {
    store = await openInBrowser(storefront());
  });

  afterAll(async () => {
    await store?.close();
  });

  async function visit(path: string): Promise<{ answer: SessionAnswer; cookie: string | undefined }> {
    const { context, page } = await newVisitor(store);
    try {
      await page.goto(`${store.url}${path}`);
      const answer = await page.evaluate<SessionAnswer>('window.sessionPromise');
      return { answer, cookie: (await cookieOf(context, 'vtex_session'))?.value };
    } finally {
      await context.close();
    }
  }

  const values = (items: SessionAnswer['public']) => Object.fromEntries(Object.entries(items).map(([key, item]) => [key, item.value]));

  it.each([
    ['a clean campaign link', '/?utm_source=news&utm_campaign=spring', { utm_source: 'news', utm_campaign: 'spring' }],
    ['an e-mail link whose & became &amp;', '/?utm_source=news&amp;utm_medium=email', { utm_source: 'news' }],
    ['a bracketed filter', '/?filter[color]=red&utm_campaign=x', { utm_campaign: 'x' }],
    ['a plus sign in a key', '/?a+b=1', {}],
    ['an empty key', '/?=x', {}],
    ['a 2,100-byte tracking value', `/?utm_source=${'x'.repeat(2100)}&utm_campaign=x`, { utm_campaign: 'x' }],
  ])('should give the page its session on %s, with the valid keys in public', async (_, path, written) => {
    const { answer, cookie } = await visit(path);

    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ sessionToken: expect.any(String), segmentToken: expect.any(String) });
    expect(cookie).toBe(answer.body.sessionToken);
    expect(values(answer.public)).toEqual({ ...written, supportedLocales: LOCALES });
  });

  it('should write the body’s public items beside the valid query keys', async () => {
    const { answer } = await visit('/?body=1&filter[size]=m&utm_source=x');

    expect(answer.status).toBe(201);
    expect(values(answer.public)).toEqual({ body: '1', utm_source: 'x', country: 'BRA', supportedLocales: LOCALES });
  });
});
