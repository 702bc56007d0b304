import express from 'express';
import fc from 'fast-check';
import { sessionMiddleware } from '../../lib';
import {
  RecordingStore,
  foreignPrototypes,
  listen,
  percentEncode,
  prototypeGuard,
  rawClient,
  storefrontOptions,
  watchProcess,
  type RunningServer,
} from '../support/adversarial';
import { SECRET, memoryLogger } from '../support/app';
import { runs } from '../support/hostile-input';

// Keys that reach a prototype through a careless merge, a path setter or a query parser.
const POISON = ['__proto__', 'constructor', 'prototype', 'constructor.prototype', 'constructor[prototype]', '__proto__[polluted]', '__proto__.polluted'];
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const HARMLESS = ['public', 'utm_source', 'value', 'keepAlive', 'items', 'a'];

/** JSON text nesting `path` down to `{"polluted":"yes"}`; written by hand, since JSON.stringify drops `__proto__` keys of literals. */
const nestedJson = (path: string[]): string => path.reduceRight((inner, key) => `{${JSON.stringify(key)}:${inner}}`, '{"polluted":"yes"}');

/**
 * Prototype pollution: keys such as `__proto__` and `constructor.prototype`, at any depth of a body,
 * in a query, in `items`, in cookies and in segment tokens, through the package's own body reader
 * and through an application's express.json(), never give any object a new prototype or
 * Object.prototype a new key.
 */
describe('prototype pollution', () => {
  const store = new RecordingStore();
  const watcher = watchProcess();
  const guard = prototypeGuard();
  let server: RunningServer;
  let client: ReturnType<typeof rawClient>;
  let token: string;

  beforeAll(async () => {
    const app = express();
    // An application that parses JSON before the session layer hands it objects with own `__proto__` keys.
    app.use('/parsed', express.json());
    app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger(), apiPrefix: ['/api', '/parsed/api'], captureQuery: ['utm_source', '__proto__.polluted', 'constructor.prototype'], ...storefrontOptions(store) }));
    // A page handler that hands a client's JSON to a server-side write.
    app.post('/server-write', express.json(), async (req, res) => {
      try {
        await req.vtexSession.patch(req.body);
        res.json({ namespaces: req.vtexSession.namespaces });
      } catch (error) {
        res.status(400).json({ error: (error as Error).message });
      }
    });
    app.get('/page', (req, res) => void res.json({ id: req.vtexSession.id, namespaces: req.vtexSession.namespaces, segment: req.vtexSegment }));
    server = await listen(app);
    client = rawClient(server);
    token = (await client.send({ path: '/page' })).cookies.vtex_session;
  });

  afterAll(async () => {
    client.close();
    await server.close();
    expect(watcher.stop()).toEqual([]);
  });

  afterEach(() => {
    expect(guard.added()).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const id of store.ids()) expect(foreignPrototypes(store.read(id))).toEqual([]);
  });

  const path = fc.array(fc.constantFrom(...POISON, ...HARMLESS), { minLength: 1, maxLength: 6 });

  describe('when a body nests such keys at any depth', () => {
    it('should refuse the write (400) when a key is one of them, and never pollute', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('/api/sessions', '/parsed/api/sessions'), fc.constantFrom('POST', 'PATCH'), path, async (target, method, keys) => {
          const before = store.snapshot();
          const res = await client.send({ method, path: target, headers: { 'content-type': 'application/json', cookie: `vtex_session=${token}` }, body: nestedJson(keys) });
          expect(res.status).toBeLessThan(500);
          if (keys.some((key) => FORBIDDEN.has(key))) {
            expect(res.status).toBe(400);
            expect(store.snapshot()).toEqual(before);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: runs(150) },
      );
    });

    it('should refuse such a key spelled with JSON escapes, at any depth', async () => {
      const spellings = ['\\u005f\\u005fproto\\u005f\\u005f', '__\\u0070roto__', 'constructo\\u0072', 'prototyp\\u0065'];
      for (const key of spellings) {
        for (const body of [`{"public":{"${key}":{"value":"x"}}}`, `{"public":{"a":{"value":{"${key}":{"polluted":"yes"}}}}}`, `{"${key}":{"polluted":"yes"}}`]) {
          const before = store.snapshot();
          const res = await client.send({ method: 'PATCH', path: '/api/sessions', headers: { 'content-type': 'application/json', cookie: `vtex_session=${token}` }, body });
          expect({ body, status: res.status }).toEqual({ body, status: 400 });
          expect(store.snapshot()).toEqual(before);
        }
      }
    });

    it('should never pollute through a server-side write of the same JSON', async () => {
      await fc.assert(
        fc.asyncProperty(path, async (keys) => {
          const res = await client.send({ method: 'POST', path: '/server-write', headers: { 'content-type': 'application/json', cookie: `vtex_session=${token}` }, body: nestedJson(['public', ...keys]) });
          expect(res.status).toBeLessThan(500);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: runs(50) },
      );
    });
  });

  describe('when a query, items, cookies or a segment token carry such keys', () => {
    const segment = (json: string) => Buffer.from(json).toString('base64');

    it('should never pollute, on the API and on pages', async () => {
      await fc.assert(
        fc.asyncProperty(path, fc.constantFrom('GET', 'POST', 'PATCH'), async (keys, method) => {
          const name = keys.join('.');
          const bracketed = keys[0] + keys.slice(1).map((k) => `[${k}]`).join('');
          const query = [`${percentEncode(name)}=yes`, `${bracketed}=yes`, `items=${percentEncode(`${name},${keys[0]}.${keys[1] ?? '*'}`)}`].join('&');
          const cookie = `vtex_session=${token}; ${keys[0]}=yes; VtexIdclientAutCookie${keys[0]}=yes; vtex_segment=${segment(nestedJson(keys))}`;
          for (const target of ['/api/sessions', '/page', '/api/segments', `/api/segments/${segment(`{${JSON.stringify(keys[0])}:"yes","channel":"1"}`)}`]) {
            const res = await client.send({ method: target === '/api/sessions' ? method : 'GET', path: `${target}?${query}`, headers: { cookie } });
            expect(res.status).toBeLessThan(500);
          }
        }),
        { numRuns: runs(100) },
      );
    });
  });
});
