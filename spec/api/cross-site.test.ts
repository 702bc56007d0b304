import type { Express } from 'express';
import { ControllableStore, makeApp } from '../support/app';
import { expectError, newVisitor, publicItems, publicValues, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

const HOST = 'www.shop.test';

type Headers = Record<string, string>;

describe('cross-site writes to the session API', () => {
  let store: ControllableStore;
  let api: ApiClient;

  function shop(options: Parameters<typeof makeApp>[0] = {}, configure?: (app: Express) => void): ApiClient {
    store = new ControllableStore();
    return apiClient(makeApp({ store, ...options }, configure));
  }

  /** A write with the browser's headers, to the shop at `HOST` unless the headers say otherwise. */
  function write(method: 'POST' | 'PATCH', headers: Headers, cookie?: string, path = '/api/sessions') {
    let req = (method === 'POST' ? api.post(path) : api.patch(path)).set('Host', HOST);
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    if (cookie !== undefined) req = req.set('Cookie', cookie);
    return req.send(publicItems({ country: 'ARG' }));
  }

  async function expectRefusedAndNothingChanged(method: 'POST' | 'PATCH', headers: Headers): Promise<void> {
    const visitor = await newVisitor(api, { country: 'BRA' });
    const before = await viewOf(api, visitor.cookie);
    const sets = store.calls.set;
    const res = await write(method, headers, visitor.cookie);
    expectError(res, 403, 'CROSS_SITE_WRITE');
    expect(store.calls.set).toBe(sets);
    expect(await viewOf(api, visitor.cookie)).toEqual(before);
  }

  describe.each(['POST', 'PATCH'] as const)('when the browser marks a %s as cross-site', (method) => {
    beforeEach(() => {
      api = shop();
    });

    it.each([
      ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
      ['Sec-Fetch-Site: cross-site with the attacker’s Origin', { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }],
      ['an Origin of another site, from a browser without Sec-Fetch-Site', { Origin: 'https://evil.example' }],
      ['an Origin that is the shop’s host on another port', { Origin: `http://${HOST}:8080` }],
      ['an Origin of a sibling subdomain', { 'Sec-Fetch-Site': 'same-site', Origin: `https://blog.shop.test` }],
      ['Sec-Fetch-Site: same-site without an Origin to check', { 'Sec-Fetch-Site': 'same-site' }],
      ['Origin: null from a sandboxed frame or a cross-site redirect', { Origin: 'null' }],
      ['Origin: null with Sec-Fetch-Site: cross-site', { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }],
      ['an Origin that is not a URL', { Origin: 'www.shop.test' }],
    ])('should refuse %s with 403 and change nothing', async (_, headers) => {
      await expectRefusedAndNothingChanged(method, headers);
    });

    it('should refuse a text/plain form post carrying the visitor’s cookie', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const sets = store.calls.set;
      const res = await api
        .post('/api/sessions')
        .set('Host', HOST)
        .set('Origin', 'https://evil.example')
        .set('Sec-Fetch-Site', 'cross-site')
        .set('Cookie', visitor.cookie)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(publicItems({ country: 'ARG' })));
      expectError(res, 403, 'CROSS_SITE_WRITE');
      expect(store.calls.set).toBe(sets);
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'BRA' });
    });

    it('should refuse it without creating a session for a visitor who has none', async () => {
      const res = await write(method, { 'Sec-Fetch-Site': 'cross-site' });
      expectError(res, 403, 'CROSS_SITE_WRITE');
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
    });

    it('should refuse it on /api/sessions/:token too', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const token = visitor.cookie.match(/vtex_session=([^;]+)/)![1];
      const res = await write(method, { Origin: 'https://evil.example' }, undefined, `/api/sessions/${token}`);
      expectError(res, 403, 'CROSS_SITE_WRITE');
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'BRA' });
    });

    it('should say why, naming the origin', async () => {
      const res = await write(method, { Origin: 'https://evil.example' });
      expect(res.body.message).toBe('cross-site writes to the session API are refused: origin https://evil.example is not this site nor in allowedOrigins');
    });
  });

  describe.each(['POST', 'PATCH'] as const)('when a %s comes from the shop itself or from a server', (method) => {
    beforeEach(() => {
      api = shop();
    });

    it.each([
      ['no Origin nor Sec-Fetch-Site (a server-to-server client)', {}],
      ['an Origin that is the request’s host', { Origin: `http://${HOST}` }],
      ['an Origin in another case', { Origin: 'HTTPS://WWW.Shop.Test' }],
      ['Sec-Fetch-Site: same-origin and its Origin', { 'Sec-Fetch-Site': 'same-origin', Origin: `https://${HOST}` }],
      ['Sec-Fetch-Site: same-origin behind a proxy that rewrote Host', { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://shop.example', Host: '127.0.0.1:3000' }],
      ['Sec-Fetch-Site: same-origin with Origin: null (a no-referrer policy)', { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' }],
      ['an explicit default port in Host', { Origin: `https://${HOST}`, Host: `${HOST}:443` }],
      ['a non-default port in both', { Origin: `http://${HOST}:8080`, Host: `${HOST}:8080` }],
    ])('should accept %s', async (_, headers) => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const res = await write(method, headers, visitor.cookie);
      expect(res.status).toBe(method === 'POST' ? 201 : 200);
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'ARG' });
    });

    it('should not refuse a cross-site read', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const res = await api.get('/api/sessions?items=public.country').set('Sec-Fetch-Site', 'cross-site').set('Origin', 'https://evil.example').set('Cookie', visitor.cookie);
      expect(res.status).toBe(200);
      await api.get('/api/segments').set('Sec-Fetch-Site', 'cross-site').expect(200);
    });
  });

  describe('when allowedOrigins lists another origin', () => {
    beforeEach(() => {
      api = shop({ allowedOrigins: ['https://blog.shop.test', 'http://localhost:8080'] });
    });

    it.each([
      ['a sibling subdomain the list names', { 'Sec-Fetch-Site': 'same-site', Origin: 'https://blog.shop.test' }],
      ['a listed origin the browser calls cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://localhost:8080' }],
      ['a listed origin written in another case', { Origin: 'https://BLOG.shop.test' }],
    ])('should accept %s', async (_, headers) => {
      const res = await write('POST', headers);
      expect(res.status).toBe(201);
    });

    it.each([
      ['an origin the list does not name', { 'Sec-Fetch-Site': 'same-site', Origin: 'https://shop.shop.test' }],
      ['a listed host with another scheme', { Origin: 'http://blog.shop.test' }],
      ['a listed host on another port', { Origin: 'http://localhost:8081' }],
    ])('should still refuse %s', async (_, headers) => {
      await expectRefusedAndNothingChanged('POST', headers);
    });
  });

  describe('when the application sits behind a proxy that sends X-Forwarded-Host', () => {
    const behindProxy = { Host: '127.0.0.1:3000', 'X-Forwarded-Host': HOST, Origin: `https://${HOST}` };

    it('should take the forwarded host as the request’s own when trust proxy is on', async () => {
      api = shop({}, (app) => app.set('trust proxy', true));
      expect((await write('POST', behindProxy)).status).toBe(201);
      expect((await write('POST', { ...behindProxy, 'X-Forwarded-Host': `${HOST}, proxy.internal` })).status).toBe(201);
    });

    it('should ignore the forwarded host when trust proxy is off', async () => {
      api = shop();
      await expectRefusedAndNothingChanged('POST', behindProxy);
    });
  });
});
