import fc from 'fast-check';
import type { Server } from 'node:http';
import { ControllableStore, makeApp } from '../support/app';
import { closed, listening, newVisitor, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

const METHODS = ['get', 'head', 'post', 'patch', 'put', 'delete', 'options'] as const;

/** Names a client might send: the ones the API knows, the ones that reach prototypes, and anything. */
const name = fc.oneof(
  fc.constantFrom('items', 'an', 'utm_source', 'utmi_cp', 'cultureInfo', 'defaultSegment', 'sc', '__proto__', 'constructor', 'prototype', 'public', 'a.b'),
  fc.string({ maxLength: 12 }),
);

const query = fc
  .array(fc.tuple(name, fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('*', 'public.a,*', 'true', ''))), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

const path = fc.oneof(
  fc.constantFrom('/api/sessions', '/api/sessions/', '/api/segments', '/api/segments/', '/api/sessions/%E0%A4%A', '/api/segments/%', '/api/segments/eyJ9'),
  fc.tuple(fc.constantFrom('/api/sessions/', '/api/segments/'), fc.string({ maxLength: 40 })).map(([base, token]) => base + encodeURIComponent(token)),
);

const item = fc.oneof(fc.record({ value: fc.jsonValue({ maxDepth: 2 }) }), fc.jsonValue({ maxDepth: 1 }));
const body = fc.oneof(
  fc.record({ public: fc.dictionary(name, item, { maxKeys: 4 }) }).map((b) => JSON.stringify(b)),
  fc.dictionary(name, fc.dictionary(name, item, { maxKeys: 2 }), { maxKeys: 3 }).map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 3 }).map((b) => JSON.stringify(b)),
  fc.string({ maxLength: 60 }),
);

const contentType = fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'nonsense');

describe('the API under arbitrary input', () => {
  let server: Server;
  let api: ApiClient;
  let store: ControllableStore;
  let visitor: { cookie: string; id: string };
  beforeAll(async () => {
    store = new ControllableStore();
    server = await listening(makeApp({ store, limits: { keysPerWrite: 3, valueSize: 64 } }));
    api = apiClient(server);
    visitor = await newVisitor(api, { country: 'BRA' });
  });
  afterAll(() => closed(server));

  it('should never answer a 5xx, should answer every refusal as documented, and should change nothing on a refusal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), path, query, body, contentType, fc.boolean(), async (method, where, q, payload, type, withCookie) => {
        const before = await viewOf(api, visitor.cookie);
        let req = api[method](q === '' ? where : `${where}?${q}`);
        if (withCookie) req = req.set('Cookie', visitor.cookie);
        if (type !== undefined) req = req.set('Content-Type', type);
        if (method === 'post' || method === 'patch' || method === 'put') req = req.send(payload);
        // apiClient has already held the answer to the OpenAPI document, error shape included.
        const res = await req;
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(await viewOf(api, visitor.cookie)).toEqual(before);
      }),
      { numRuns: 250 },
    );
    expect(({} as Record<string, unknown>).value).toBeUndefined();
  });
});
