import express, { type Express, type RequestHandler } from 'express';
import type { Server } from 'node:http';
import { sessionMiddleware } from '../../lib';
import { parseCookies } from '../../lib/cookies';
import { ControllableStore, SECRET, makeApp, memoryLogger } from '../support/app';
import { closed, expectError, listening, newVisitor, publicItems, publicValues, sessionIdOf, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

describe('apiPrefix', () => {
  describe('when it is not given', () => {
    it('should mount the API under /api', async () => {
      const api = apiClient(makeApp());
      await api.post('/api/sessions').expect(201);
      await api.get('/api/segments').expect(200);
    });
  });

  describe('when it is a list', () => {
    it('should mount the API under each prefix, over the same sessions', async () => {
      const api = apiClient(makeApp({ apiPrefix: ['/api', '/en/api'] }), ['/api', '/en/api']);
      const visitor = await newVisitor(api, { country: 'BRA' });
      await api.patch('/en/api/sessions').set('Cookie', visitor.cookie).send(publicItems({ locale: 'en-US' })).expect(200);
      const res = await api.get('/en/api/sessions?items=public.country,public.locale').set('Cookie', visitor.cookie).expect(200);
      expect(res.body.namespaces.public).toEqual({ country: { value: 'BRA' }, locale: { value: 'en-US' } });
      await api.get('/en/api/segments').expect(200);
      await api.get('/en/api/sessions/openapi.json').expect(200);
    });
  });

  describe('when it is one custom prefix', () => {
    it('should mount the API there only, leaving /api to the application', async () => {
      const app = makeApp({ apiPrefix: '/_v/session/' });
      const api = apiClient(app, ['/_v/session']);
      await api.post('/_v/session/sessions').expect(201);
      await api.get('/api/sessions?items=*').expect(404);
    });
  });

  describe('when it is false', () => {
    it('should mount nothing, so /api/sessions reaches the application as a page', async () => {
      const app = makeApp({ apiPrefix: false }, (a) => {
        a.get('/api/sessions', (req, res) => void res.json({ servedBy: 'application', session: req.vtexSession.id }));
      });
      // Nothing is mounted, so no answer is held to the document.
      const api = apiClient(app, []);
      const res = await api.get('/api/sessions?items=*').expect(200);
      expect(res.body).toEqual({ servedBy: 'application', session: expect.any(String) });
      await api.post('/api/sessions').send(publicItems({ a: 'b' })).expect(404);
      await api.get('/api/segments').expect(404);
      await api.get('/api/sessions/openapi.json').expect(404);
    });
  });
});

describe('the API behind body parsers the application installed first', () => {
  // Servers of our own, closed with their connections: a middleware that waited for a stream
  // already consumed would otherwise hold the test run open after the timeout.
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(closed));
  });

  async function serve(app: Express): Promise<ApiClient> {
    const server = await listening(app);
    servers.push(server);
    return apiClient(server);
  }

  function appAfter(...parsers: RequestHandler[]): Promise<ApiClient> {
    const app = express();
    app.use(...parsers);
    app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger() }));
    return serve(app);
  }

  describe('when express.json() ran before the middleware', () => {
    const api = () => appAfter(express.json());

    it('should take the parsed body and write its items', async () => {
      const client = await api();
      // A short timeout: a middleware that waits for a consumed stream would hang here.
      const res = await client.post('/api/sessions').timeout(3000).send(publicItems({ country: 'BRA' })).expect(201);
      expect(publicValues(await viewOf(client, `vtex_session=${res.body.sessionToken}`))).toEqual({ country: 'BRA' });
    });

    it('should merge a PATCH into the session of the cookie', async () => {
      const client = await api();
      const visitor = await newVisitor(client, { country: 'BRA' });
      await client.patch('/api/sessions').timeout(3000).set('Cookie', visitor.cookie).send(publicItems({ city: 'Rio' })).expect(200);
      expect(publicValues(await viewOf(client, visitor.cookie))).toEqual({ country: 'BRA', city: 'Rio' });
    });

    it('should accept an empty body', async () => {
      await (await api()).post('/api/sessions').timeout(3000).expect(201);
    });

    it.each([
      ['a prototype key', '{"public":{"__proto__":{"value":1}}}', 400, 'INVALID_KEY'],
      ['a bad key', '{"public":{"a b":{"value":1}}}', 400, 'INVALID_KEY'],
      ['an item without value', '{"public":{"a":{}}}', 400, 'INVALID_BODY'],
      ['an array body', '[{"public":{}}]', 400, 'INVALID_BODY'],
    ])('should still refuse %s', async (_, body, status, code) => {
      const res = await (await api()).post('/api/sessions').timeout(3000).set('Content-Type', 'application/json').send(body);
      expectError(res, status, code);
    });
  });

  describe('when express.urlencoded() ran before the middleware', () => {
    it('should refuse a form body with 415, however it was shaped', async () => {
      const store = new ControllableStore();
      const app = express();
      app.use(express.urlencoded({ extended: true }));
      app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger(), store }));
      const res = await (await serve(app)).post('/api/sessions').timeout(3000).type('form').send('public[a][value]=x');
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(store.calls.set).toBe(0);
    });
  });

  describe('when express.text() ran before the middleware', () => {
    it('should parse JSON sent as text/plain, as sendBeacon sends it', async () => {
      const client = await appAfter(express.text());
      const res = await client.post('/api/sessions').timeout(3000).set('Content-Type', 'text/plain').send(JSON.stringify(publicItems({ a: 'beacon' }))).expect(201);
      expect(publicValues(await viewOf(client, `vtex_session=${res.body.sessionToken}`))).toEqual({ a: 'beacon' });
    });
  });
});

describe('what VTEX clients send', () => {
  const api = apiClient(makeApp());

  describe('when the Cookie header ends with ; and the query holds session_path and workspace', () => {
    it('should read the session', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const token = parseCookies(visitor.cookie).vtex_session;
      const res = await api.get('/api/sessions?items=public.country&session_path=&workspace=master').set('Cookie', `vtex_session=${token};`).expect(200);
      expect(res.body).toMatchObject({ id: visitor.id, namespaces: { public: { country: { value: 'BRA' } } } });
    });

    it('should write to the session and answer the items asked for, as updateSession expects', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const token = parseCookies(visitor.cookie).vtex_session;
      const res = await api.post('/api/sessions?items=public.country,public.city').set('Cookie', `vtex_session=${token};`).send(publicItems({ city: 'Rio' })).expect(201);
      expect(res.body).toMatchObject({ id: visitor.id, namespaces: { public: { country: { value: 'BRA' } } } });
      expect(sessionIdOf(res)).toBe(visitor.id);
    });

    it('should answer the segment', async () => {
      const visitor = await newVisitor(api, { utm_source: 'google' });
      const res = await api.get('/api/segments?session_path=&workspace=master').set('Cookie', `${visitor.cookie};`).expect(200);
      expect(res.body.utm_source).toBe('google');
    });
  });

  describe('when the Cookie header carries other cookies and odd spacing', () => {
    it('should still find vtex_session', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const token = parseCookies(visitor.cookie).vtex_session;
      const res = await api.get('/api/sessions?items=public.country').set('Cookie', `_ga=GA1.2.3; my_vtex_session=x;  vtex_session = ${token} ; consent=yes;;`).expect(200);
      expect(res.body.id).toBe(visitor.id);
    });
  });
});

describe('methods the API does not offer', () => {
  const store = new ControllableStore();
  const api = apiClient(makeApp({ store }));

  it.each([
    ['PUT', '/api/sessions', 'GET, HEAD, POST, PATCH'],
    ['DELETE', '/api/sessions', 'GET, HEAD, POST, PATCH'],
    ['OPTIONS', '/api/sessions', 'GET, HEAD, POST, PATCH'],
    ['DELETE', '/api/sessions/some-token', 'GET, HEAD, POST, PATCH'],
    ['POST', '/api/segments', 'GET, HEAD'],
    ['PATCH', '/api/segments/eyJ9', 'GET, HEAD'],
    ['POST', '/api/sessions/openapi.json', 'GET, HEAD'],
  ])('should answer %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const lower = method.toLowerCase() as 'put' | 'delete' | 'options' | 'post' | 'patch';
    const res = await api[lower](path);
    expectError(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe(allow);
  });

  it('should delete nothing on DELETE (there is no delete)', async () => {
    const visitor = await newVisitor(api, { country: 'BRA' });
    const before = await viewOf(api, visitor.cookie);
    await api.delete('/api/sessions').set('Cookie', visitor.cookie).expect(405);
    expect(store.calls.delete).toBe(0);
    expect(await viewOf(api, visitor.cookie)).toEqual(before);
  });
});
