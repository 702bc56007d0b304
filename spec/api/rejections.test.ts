import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControllableStore, makeApp } from '../support/app';
import { closed, expectError, listening, newVisitor, publicItems, publicValues, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

const KEYS_PER_WRITE = 5;
const VALUE_SIZE = 100;

interface BadWrite {
  what: string;
  body?: string;
  type?: string;
  query?: string;
  status: number;
  code: string;
}

const items = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, { value: 'v' }]));
const queryOf = (n: number, prefix = 'q') => Array.from({ length: n }, (_, i) => `${prefix}${i}=v`).join('&');
const json = (value: unknown) => JSON.stringify(value);

const BAD_WRITES: BadWrite[] = [
  // Malformed JSON.
  { what: 'truncated JSON', body: '{"public":', status: 400, code: 'MALFORMED_JSON' },
  { what: 'JSON with unquoted keys', body: '{public: {}}', status: 400, code: 'MALFORMED_JSON' },
  { what: 'JSON followed by garbage', body: '{"public":{}}}', status: 400, code: 'MALFORMED_JSON' },
  // Bodies that are not objects.
  { what: 'an array body', body: '[{"public":{}}]', status: 400, code: 'INVALID_BODY' },
  { what: 'an empty array body', body: '[]', status: 400, code: 'INVALID_BODY' },
  { what: 'a string body', body: '"public"', status: 400, code: 'INVALID_BODY' },
  { what: 'a number body', body: '42', status: 400, code: 'INVALID_BODY' },
  { what: 'a boolean body', body: 'true', status: 400, code: 'INVALID_BODY' },
  { what: 'a null body', body: 'null', status: 400, code: 'INVALID_BODY' },
  // `public` that is not an object of items.
  { what: 'public as a string', body: json({ public: 'x' }), status: 400, code: 'INVALID_BODY' },
  { what: 'public as an array', body: json({ public: [{ value: 1 }] }), status: 400, code: 'INVALID_BODY' },
  { what: 'public as a number', body: json({ public: 1 }), status: 400, code: 'INVALID_BODY' },
  { what: 'public as null', body: json({ public: null }), status: 400, code: 'INVALID_BODY' },
  { what: 'an item that is a bare value', body: json({ public: { a: 'x' } }), status: 400, code: 'INVALID_BODY' },
  { what: 'an item without value', body: json({ public: { a: {} } }), status: 400, code: 'INVALID_BODY' },
  { what: 'an item with a misspelt value', body: json({ public: { a: { val: 'x' } } }), status: 400, code: 'INVALID_BODY' },
  { what: 'an item that is null', body: json({ public: { a: null } }), status: 400, code: 'INVALID_BODY' },
  { what: 'an item that is an array', body: json({ public: { a: ['x'] } }), status: 400, code: 'INVALID_BODY' },
  { what: 'a keepAlive that is not a boolean', body: json({ public: { a: { value: 'x', keepAlive: 'yes' } } }), status: 400, code: 'INVALID_BODY' },
  // Keys.
  { what: 'a key with a space', body: json({ public: { 'a b': { value: 1 } } }), status: 400, code: 'INVALID_KEY' },
  { what: 'a key with a slash', body: json({ public: { 'a/b': { value: 1 } } }), status: 400, code: 'INVALID_KEY' },
  { what: 'a key with an accent', body: json({ public: { país: { value: 1 } } }), status: 400, code: 'INVALID_KEY' },
  { what: 'an empty key', body: json({ public: { '': { value: 1 } } }), status: 400, code: 'INVALID_KEY' },
  { what: 'a key of 129 characters', body: json({ public: { ['k'.repeat(129)]: { value: 1 } } }), status: 400, code: 'INVALID_KEY' },
  { what: 'a namespace name with a space', body: json({ 'my ns': {} }), status: 400, code: 'INVALID_KEY' },
  // Keys that would reach a prototype, at any depth.
  { what: '__proto__ as a namespace', body: '{"__proto__":{"a":{"value":1}}}', status: 400, code: 'INVALID_KEY' },
  { what: '__proto__ as an item key', body: '{"public":{"__proto__":{"value":1}}}', status: 400, code: 'INVALID_KEY' },
  { what: 'constructor as an item key', body: '{"public":{"constructor":{"value":1}}}', status: 400, code: 'INVALID_KEY' },
  { what: 'prototype as an item key', body: '{"public":{"prototype":{"value":1}}}', status: 400, code: 'INVALID_KEY' },
  { what: '__proto__ inside a value', body: '{"public":{"a":{"value":{"__proto__":{"polluted":true}}}}}', status: 400, code: 'INVALID_KEY' },
  { what: 'constructor inside an array value', body: '{"public":{"a":{"value":[{"constructor":{"prototype":1}}]}}}', status: 400, code: 'INVALID_KEY' },
  { what: 'prototype in an ignored namespace', body: '{"profile":{"prototype":{"value":1}}}', status: 400, code: 'INVALID_KEY' },
  // Limits.
  { what: 'too many keys in the body', body: json({ public: items(KEYS_PER_WRITE + 1) }), status: 400, code: 'TOO_MANY_KEYS' },
  // The body is strict even when the query string is fine (query parameters are skipped, never fatal).
  { what: 'too many keys in the body beside a valid query', body: json({ public: items(KEYS_PER_WRITE + 1) }), query: 'utm_source=x', status: 400, code: 'TOO_MANY_KEYS' },
  { what: 'a value too large in the body', body: json(publicItems({ a: 'x'.repeat(VALUE_SIZE - 1) })), status: 400, code: 'VALUE_TOO_LARGE' },
  { what: 'an object value too large in the body', body: json(publicItems({ a: { list: 'x'.repeat(VALUE_SIZE) } })), status: 400, code: 'VALUE_TOO_LARGE' },
  // Deep enough to exhaust the stack of JSON.stringify, yet within the body limit.
  { what: 'a value of arrays nested 7,000 deep', body: `{"public":{"a":{"value":${'['.repeat(7000)}1${']'.repeat(7000)}}}}`, status: 400, code: 'VALUE_TOO_LARGE' },
  { what: 'a value of objects nested 2,000 deep', body: `{"public":{"a":{"value":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}}}`, status: 400, code: 'VALUE_TOO_LARGE' },
  { what: 'more than 100 items', body: '{}', query: `items=${Array.from({ length: 101 }, (_, i) => `public.k${i}`).join(',')}`, status: 400, code: 'TOO_MANY_ITEMS' },
  { what: 'a body over 16 KiB', body: json(publicItems({ a: 'x'.repeat(16 * 1024) })), status: 413, code: 'BODY_TOO_LARGE' },
  // Media types.
  { what: 'a form body', body: 'public[a][value]=x', type: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { what: 'a multipart body', body: '--x\r\n\r\n{}\r\n--x--', type: 'multipart/form-data; boundary=x', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { what: 'an XML body', body: '<public/>', type: 'application/xml', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { what: 'JSON sent as HTML', body: json(publicItems({ a: 'x' })), type: 'text/html', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { what: 'JSON in another charset', body: json(publicItems({ a: 'x' })), type: 'application/json; charset=latin1', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
];

describe('refused writes to /api/sessions', () => {
  let store: ControllableStore;
  let server: Server;
  let api: ApiClient;
  beforeAll(async () => {
    store = new ControllableStore();
    server = await listening(makeApp({ store, limits: { keysPerWrite: KEYS_PER_WRITE, valueSize: VALUE_SIZE } }));
    api = apiClient(server);
  });
  afterAll(() => closed(server));

  const send = (method: 'POST' | 'PATCH', bad: BadWrite, cookie?: string) => {
    const url = `/api/sessions${bad.query === undefined ? '' : `?${bad.query}`}`;
    let req = method === 'POST' ? api.post(url) : api.patch(url);
    if (cookie !== undefined) req = req.set('Cookie', cookie);
    if (bad.body !== undefined) req = req.set('Content-Type', bad.type ?? 'application/json').send(bad.body);
    return req;
  };

  describe.each(['POST', 'PATCH'] as const)('when %s edits a session', (method) => {
    it.each(BAD_WRITES.map((bad) => [bad.what, bad] as const))('should refuse %s with a 4xx error and leave the session as it was', async (_, bad) => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const before = await viewOf(api, visitor.cookie);
      const sets = store.calls.set;
      expectError(await send(method, bad, visitor.cookie), bad.status, bad.code);
      expect(store.calls.set).toBe(sets);
      expect(await viewOf(api, visitor.cookie)).toEqual(before);
    });
  });

  describe('when the request carries no session', () => {
    it.each(BAD_WRITES.map((bad) => [bad.what, bad] as const))('should refuse %s and create no session', async (_, bad) => {
      const sets = store.calls.set;
      expectError(await send('POST', bad), bad.status, bad.code);
      expect(store.calls.set).toBe(sets);
    });
  });

  describe('when a key is refused', () => {
    it('should say which key, where, and what keys may be', async () => {
      const res = await api.post('/api/sessions').send({ public: { country: { value: 'BRA' }, 'postal code': { value: '1' } } });
      expectError(res, 400, 'INVALID_KEY');
      expect(res.body.error.message).toBe(
        'public has an invalid key "postal code": keys match ^[A-Za-z0-9_.:-]{1,128}$ and are not __proto__, constructor or prototype',
      );
    });
  });

  describe('when a refusal names a prototype key', () => {
    it('should leave Object.prototype untouched', async () => {
      await send('POST', BAD_WRITES.find((b) => b.what === '__proto__ inside a value')!).expect(400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('when a write is exactly at a limit', () => {
    it.each([
      ['as many keys as allowed', json({ public: items(KEYS_PER_WRITE) }), ''],
      ['keys shared between the body and the query up to the limit', json({ public: items(3) }), queryOf(2)],
      ['more query parameters than the limit (the extra ones are skipped)', json({ public: items(3) }), queryOf(KEYS_PER_WRITE + 1)],
      ['a query value over the limit (it is skipped)', '{}', `a=${'x'.repeat(VALUE_SIZE)}&b=1`],
      ['a value of exactly the allowed size', json(publicItems({ a: 'x'.repeat(VALUE_SIZE - 2) })), ''],
      ['a key of 128 characters', json(publicItems({ ['k'.repeat(128)]: 1 })), ''],
      ['keys using every allowed character', json(publicItems({ 'aZ09_.:-': 1 })), ''],
      ['100 items', '{}', `items=${Array.from({ length: 100 }, (_, i) => `public.k${i}`).join(',')}`],
      ['JSON sent as text/plain, as sendBeacon does', json(publicItems({ a: 'x' })), ''],
    ])('should accept %s', async (what, body, query) => {
      const type = what.includes('text/plain') ? 'text/plain;charset=UTF-8' : 'application/json; charset=utf-8';
      const res = await api.post(`/api/sessions${query ? `?${query}` : ''}`).set('Content-Type', type).send(body);
      expect(res.status).toBe(201);
    });
  });
});

describe('a body over the limit without Content-Length', () => {
  let store: ControllableStore;
  let server: Server;
  beforeAll(async () => {
    store = new ControllableStore();
    server = await listening(makeApp({ store }));
  });
  afterAll(() => closed(server));

  /** A chunked POST, as a client streaming a body of unknown length sends it. */
  function postChunked(chunks: string[], cookie?: string): Promise<{ status: number; body: string; setCookie?: string[] }> {
    return new Promise((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' };
      if (cookie) headers.Cookie = cookie;
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/api/sessions', headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, setCookie: res.headers['set-cookie'] }));
      });
      // The server may answer before the whole body is sent; the rest of the body is then refused.
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  it('should answer 413 once the streamed body passes 16 KiB, and store nothing', async () => {
    const api = apiClient(server);
    const visitor = await newVisitor(api, { country: 'BRA' });
    const before = await viewOf(api, visitor.cookie);
    const sets = store.calls.set;
    const value = 'x'.repeat(4096);
    const res = await postChunked(['{"public":{', ...Array.from({ length: 5 }, (_, i) => `"k${i}":{"value":"${value}"},`), '"z":{"value":1}}}'], visitor.cookie);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({
      type: 'PayloadTooLarge',
      message: expect.stringContaining('16384'),
      error: { code: 'BODY_TOO_LARGE', message: expect.stringContaining('16384') },
    });
    expect(res.setCookie).toBeUndefined();
    expect(store.calls.set).toBe(sets);
    expect(await viewOf(api, visitor.cookie)).toEqual(before);
  });

  it('should accept a streamed body under the limit', async () => {
    const res = await postChunked(['{"public":', '{"a":{"value":', '"chunked"}}}']);
    expect(res.status).toBe(201);
  });
});

describe('refused reads of /api/sessions', () => {
  it('should refuse more than 100 items with 400', async () => {
    const store = new ControllableStore();
    const api = apiClient(makeApp({ store }));
    const res = await api.get(`/api/sessions?items=${Array.from({ length: 101 }, (_, i) => `public.k${i}`).join(',')}`);
    expectError(res, 400, 'TOO_MANY_ITEMS');
    expect(res.body.error.message).toMatch(/101.*100/);
    expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
  });

  it('should honour limits.items', async () => {
    const api = apiClient(makeApp({ limits: { items: 2 } }));
    expectError(await api.get('/api/sessions?items=public.a,public.b,public.c'), 400, 'TOO_MANY_ITEMS');
    await api.get('/api/sessions?items=public.a,public.b').expect(200);
  });
});

describe('the default limits', () => {
  let api: ApiClient;
  beforeAll(() => {
    api = apiClient(makeApp());
  });

  it('should allow 64 keys per write and refuse 65', async () => {
    await api.post('/api/sessions').send({ public: items(64) }).expect(201);
    expectError(await api.post('/api/sessions').send({ public: items(65) }), 400, 'TOO_MANY_KEYS');
  });

  it('should allow a value of 2048 bytes of JSON and refuse 2049', async () => {
    const res = await api.post('/api/sessions').send(publicItems({ a: 'x'.repeat(2046) })).expect(201);
    expect(publicValues(await viewOf(api, `vtex_session=${res.body.sessionToken}`)).a).toHaveLength(2046);
    expectError(await api.post('/api/sessions').send(publicItems({ a: 'x'.repeat(2047) })), 400, 'VALUE_TOO_LARGE');
  });
});
