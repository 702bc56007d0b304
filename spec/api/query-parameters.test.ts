import type { Server } from 'node:http';
import { ControllableStore, makeApp, memoryLogger } from '../support/app';
import { closed, expectError, listening, newVisitor, publicItems, publicValues, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

const KEYS_PER_WRITE = 4;
const LONG = 'x'.repeat(2100);

/** A logger with a debug level, as pino, bunyan and winston have. */
function debugLogger() {
  const base = memoryLogger();
  const debug: Array<{ message: string; detail?: Record<string, unknown> }> = [];
  return { ...base, debug: (message: string, detail?: Record<string, unknown>) => void debug.push({ message, detail }), debugLines: debug };
}

describe('query parameters of a write', () => {
  let store: ControllableStore;
  let logger: ReturnType<typeof debugLogger>;
  let server: Server;
  let api: ApiClient;
  beforeAll(async () => {
    store = new ControllableStore();
    logger = debugLogger();
    server = await listening(makeApp({ store, logger, limits: { keysPerWrite: KEYS_PER_WRITE } }));
    api = apiClient(server);
  });
  afterAll(() => closed(server));
  beforeEach(() => {
    logger.debugLines.length = 0;
  });

  const write = (method: 'POST' | 'PATCH', url: string) => (method === 'POST' ? api.post(url) : api.patch(url));

  // [what, the query string a page URL holds, what lands in public]
  const SLOPPY: Array<[string, string, Record<string, string>]> = [
    ['an &amp; left by an e-mail link', '?utm_source=news&amp;utm_medium=email', { utm_source: 'news' }],
    ['a bracketed filter', '?filter[color]=red&utm_campaign=x', { utm_campaign: 'x' }],
    ['a plus sign in a key (a space)', '?a+b=1&utm_source=x', { utm_source: 'x' }],
    ['a percent-encoded space in a key', '?a%20b=1&utm_source=x', { utm_source: 'x' }],
    ['an empty key', '?=x&utm_source=y', { utm_source: 'y' }],
    ['a key of 129 characters', `?${'q'.repeat(129)}=x&utm_source=y`, { utm_source: 'y' }],
    ['a key with an accent', '?país=BR&utm_source=y', { utm_source: 'y' }],
    ['a 2,100-byte tracking value', `?utm_source=${LONG}&utm_campaign=x`, { utm_campaign: 'x' }],
    ['__proto__', '?__proto__=x&utm_source=y', { utm_source: 'y' }],
    ['constructor and prototype', '?constructor=x&prototype=y&utm_source=z', { utm_source: 'z' }],
    ['a bracketed __proto__', '?a[__proto__][polluted]=x&utm_source=y', { utm_source: 'y' }],
    ['malformed percent-encoding', '?utm_source=%E0%A4%A&b%ZZ=1&sc=1', { utm_source: '\uFFFD%A', sc: '1' }],
    ['nothing valid at all', '?=x&a+b=1', {}],
  ];

  describe.each(['POST', 'PATCH'] as const)('when %s is sent a page’s whole query string', (method) => {
    it.each(SLOPPY)('should skip %s and write the valid keys', async (_, query, written) => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const res = await write(method, `/api/sessions${query}`).set('Cookie', visitor.cookie).send({});
      expect(res.status).toBe(method === 'POST' ? 201 : 200);
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'BRA', ...written });
    });

    it('should create the session of a visitor who has none', async () => {
      const res = await write(method, '/api/sessions?utm_source=news&amp;utm_medium=email&filter[color]=red').send({});
      expect(res.status).toBe(method === 'POST' ? 201 : 200);
      expect(publicValues(await viewOf(api, `vtex_session=${res.body.sessionToken}`))).toEqual({ utm_source: 'news' });
    });
  });

  describe('when a repeated parameter has a value over the limit', () => {
    it('should keep the last value that fits', async () => {
      const res = await api.post(`/api/sessions?utm_source=a&utm_source=${LONG}`).send({}).expect(201);
      expect(publicValues(await viewOf(api, `vtex_session=${res.body.sessionToken}`))).toEqual({ utm_source: 'a' });
    });
  });

  describe('when the valid parameters are more than limits.keysPerWrite', () => {
    it('should keep the first ones and skip the rest', async () => {
      const res = await api.post('/api/sessions?a=1&bad+key=x&b=2&c=3&d=4&e=5&f=6').send({}).expect(201);
      expect(publicValues(await viewOf(api, `vtex_session=${res.body.sessionToken}`))).toEqual({ a: '1', b: '2', c: '3', d: '4' });
    });

    it('should count a repeated parameter once', async () => {
      const res = await api.post('/api/sessions?a=1&a=2&b=3&c=4&d=5').send({}).expect(201);
      expect(publicValues(await viewOf(api, `vtex_session=${res.body.sessionToken}`))).toEqual({ a: '2', b: '3', c: '4', d: '5' });
    });

    it('should give the body’s items the room first', async () => {
      const res = await api.post('/api/sessions?a=1&b=2&c=3&d=4').send(publicItems({ x: 'body', b: 'body', y: 'body' })).expect(201);
      expect(publicValues(await viewOf(api, `vtex_session=${res.body.sessionToken}`))).toEqual({ x: 'body', b: 'body', y: 'body', a: '1' });
    });

    it('should still refuse a body with more items than the limit', async () => {
      const sets = store.calls.set;
      const body = publicItems(Object.fromEntries(Array.from({ length: KEYS_PER_WRITE + 1 }, (_, i) => [`k${i}`, 'v'])));
      expectError(await api.post('/api/sessions?a=1').send(body), 400, 'TOO_MANY_KEYS');
      expect(store.calls.set).toBe(sets);
    });
  });

  describe('when parameters are skipped', () => {
    it('should log how many and why at debug level, without their keys or values', async () => {
      await api.post(`/api/sessions?a=1&amp;utm_medium=email&filter[color]=red&utm_source=${LONG}&b=2&c=3&d=4&e=5`).send({}).expect(201);
      expect(logger.debugLines).toEqual([
        { message: 'session API skipped query parameters of a write', detail: { skipped: 4, invalidKey: 2, valueTooLarge: 1, overKeyLimit: 1 } },
      ]);
      const logged = JSON.stringify([logger.debugLines, logger.lines]);
      for (const raw of ['amp;utm_medium', 'filter', 'email', 'red', LONG.slice(0, 50)]) expect(logged).not.toContain(raw);
    });

    it('should log nothing when every parameter is written', async () => {
      await api.post('/api/sessions?utm_source=x&an=store&items=public.utm_source').send({}).expect(201);
      expect(logger.debugLines).toEqual([]);
    });

    it('should log nothing with a logger that has no debug level', async () => {
      const quiet = memoryLogger();
      const app = makeApp({ logger: quiet });
      await apiClient(app).post('/api/sessions?a+b=1').send({}).expect(201);
      expect(quiet.lines).toEqual([]);
    });
  });

  describe('when the body is not valid', () => {
    it('should refuse the write even though the query is fine', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const before = await viewOf(api, visitor.cookie);
      const res = await api.patch('/api/sessions?utm_source=x').set('Cookie', visitor.cookie).send({ public: { 'a b': { value: 1 } } });
      expectError(res, 400, 'INVALID_KEY');
      expect(await viewOf(api, visitor.cookie)).toEqual(before);
    });
  });

  describe('when a skipped parameter names a prototype key', () => {
    it('should leave Object.prototype untouched', async () => {
      await api.post('/api/sessions?a[__proto__][polluted]=x&__proto__[polluted]=y&constructor[prototype][polluted]=z').send({}).expect(201);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
