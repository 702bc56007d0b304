import fc from 'fast-check';
import { decodeSessionToken, encodeSegment, type Namespaces, type SessionRecord } from '../../lib';
import {
  CLIENT_DERIVED,
  RecordingStore,
  expectCookiesFit,
  fuzzVisitor,
  keepIssuedToken,
  listen,
  percentEncode,
  prototypeGuard,
  rawClient,
  storeChanges,
  storefrontOptions,
  watchProcess,
  type FuzzVisitor,
  type RawRequest,
  type RawResponse,
  type RunningServer,
} from '../support/adversarial';
import { makeApp, memoryLogger } from '../support/app';
import { LANDING } from '../support/session';
import { anyKey, contentType, headerText, mutation, rawBody, rawQuery, runs, wireText } from '../support/hostile-input';
import { openApiChecker, type OpenApiCheck } from '../support/openapi-check';

/**
 * Property-based tests of the HTTP API: whatever a client sends, the answer is never a 5xx and
 * matches the OpenAPI document; a rejected request changes nothing stored; an accepted write
 * changes only `public` and what the transforms derive from it, in the session it answers about.
 */
describe('the HTTP API under hostile input', () => {
  const store = new RecordingStore();
  const watcher = watchProcess();
  const guard = prototypeGuard();
  const logger = memoryLogger();
  let server: RunningServer;
  let client: ReturnType<typeof rawClient>;
  let check: OpenApiCheck;
  let visitors: FuzzVisitor[];
  let fresh: Namespaces;

  beforeAll(async () => {
    server = await listen(makeApp({ ...storefrontOptions(store), logger }));
    client = rawClient(server);
    check = openApiChecker((await client.send({ path: '/api/sessions/openapi.json' })).json as never);
    // Two visitors whose sessions are stored (they landed from a campaign link, whose UTM key is
    // captured) and two whose sessions were never written (a plain page view stores nothing).
    visitors = [];
    for (const path of [LANDING, LANDING, '/page', '/page']) {
      const page = await client.send({ path });
      visitors.push(fuzzVisitor((page.json as { id: string }).id, page.cookies.vtex_session));
    }
    expect(visitors.map((v) => store.read(v.id) !== undefined)).toEqual([true, true, false, false]);
    // What a new session holds before its first write: the creation's namespaces, never stored.
    fresh = ((await client.send({ path: '/page' })).json as { namespaces: Namespaces }).namespaces;
  });

  afterAll(async () => {
    client.close();
    await server.close();
    expect(watcher.stop()).toEqual([]);
    expect(guard.added()).toEqual([]);
    // Logs name sessions by a short hash, never by an id or a token.
    const logged = JSON.stringify(logger.lines);
    expect([...store.ids(), ...visitors.flatMap((v) => v.tokens)].filter((secret) => logged.includes(secret))).toEqual([]);
  });

  /** A session cookie as a visitor, a tamperer or a stranger sends it. */
  const sessionCookie = fc.oneof(
    fc.constant(() => undefined),
    fc.nat().map((i) => () => `vtex_session=${visitors[i % visitors.length].token}`),
    fc.tuple(fc.nat(), mutation).map(([i, mutate]) => () => `vtex_session=${mutate(visitors[i % visitors.length].token)}`),
    headerText(40).map((garbage) => () => `vtex_session=${garbage}`),
  );

  async function send(request: RawRequest): Promise<{ res: RawResponse; before: Map<string, string>; after: Map<string, string> }> {
    const before = store.snapshot();
    const res = await client.send(request);
    const after = store.snapshot();
    keepIssuedToken(visitors, res);
    return { res, before, after };
  }

  function expectDocumented(request: RawRequest, res: RawResponse): void {
    expect(res.status).toBeLessThan(500);
    expectCookiesFit(res);
    const path = request.path.split('?')[0];
    expect(check({ method: request.method ?? 'GET', path, status: res.status, contentType: res.headers['content-type'], body: res.json })).toEqual([]);
  }

  function expectNothingChanged(before: Map<string, string>, after: Map<string, string>): void {
    expect(storeChanges(before, after)).toEqual({ added: [], removed: [], changed: [] });
  }

  /** The session a 2xx answer speaks of: the view's id, or the id in the session token. */
  function answeredId(res: RawResponse): string {
    const body = res.json as { id?: string; sessionToken?: string };
    const id = body.id ?? decodeSessionToken(body.sessionToken ?? '')?.id;
    expect(typeof id).toBe('string');
    return id!;
  }

  /**
   * The public items a write asked for, as the API reads them: the body's, then the query's that
   * could be items (a valid key, a value within the limit), up to the keys a write may set.
   */
  function requestedItems(query: string, body: string | Buffer | undefined): Map<string, { value: unknown; keepAlive: boolean }> {
    const items = new Map<string, { value: unknown; keepAlive: boolean }>();
    const text = body === undefined ? '' : body.toString();
    const parsed = text.trim() === '' ? {} : (JSON.parse(text) as { public?: Record<string, { value: unknown; keepAlive?: boolean }> });
    for (const [key, item] of Object.entries(parsed.public ?? {})) items.set(key, { value: item.value, keepAlive: item.keepAlive === true });
    const fromBody = new Set(items.keys());
    for (const [key, value] of new URLSearchParams(query)) {
      if (key === 'items' || key === 'an' || fromBody.has(key)) continue;
      if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(key) || ['__proto__', 'constructor', 'prototype'].includes(key)) continue;
      if (Buffer.byteLength(JSON.stringify(value)) > 2048 || (!items.has(key) && items.size >= 64)) continue;
      items.set(key, { value, keepAlive: false });
    }
    return items;
  }

  /**
   * An accepted write: one session changed or added, only in `public` and derived namespaces, holding
   * what was sent. A write that leaves a session that was never stored as it was (nothing sent, or
   * only clears) stores nothing at all.
   */
  function expectOnlyPublicWritten(res: RawResponse, before: Map<string, string>, after: Map<string, string>, items: ReturnType<typeof requestedItems>) {
    const id = answeredId(res);
    expect(decodeSessionToken(res.cookies.vtex_session ?? '')?.id).toBe(id);
    if (!after.has(id)) {
      expectNothingChanged(before, after);
      expect(decodeSessionToken(res.cookies.vtex_session ?? '')?.stored).toBe(false);
      for (const [key, { value }] of items) expect({ [key]: value }).toEqual({ [key]: '' });
      return;
    }
    const { added, removed, changed } = storeChanges(before, after);
    expect(removed).toEqual([]);
    expect([...added, ...changed].filter((other) => other !== id)).toEqual([]);
    const record = JSON.parse(after.get(id)!) as SessionRecord;
    const previous = before.has(id) ? (JSON.parse(before.get(id)!) as SessionRecord).namespaces : fresh;
    for (const ns of new Set([...Object.keys(previous), ...Object.keys(record.namespaces)])) {
      if (!CLIENT_DERIVED.has(ns)) expect({ [ns]: record.namespaces[ns] }).toEqual({ [ns]: previous[ns] });
    }
    for (const [key, { value, keepAlive }] of items) {
      const pub = record.namespaces.public ?? {};
      const stored = Object.prototype.hasOwnProperty.call(pub, key) ? pub[key] : undefined;
      if (value === '') expect({ [key]: stored }).toEqual({ [key]: undefined });
      else expect({ [key]: stored }).toEqual({ [key]: keepAlive ? { value, keepAlive: true } : { value } });
    }
  }

  describe('when a write sends any body', () => {
    it('should answer a documented 2xx or 4xx, and store only what a valid body writes to public', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('POST', 'PATCH'),
          fc.option(rawQuery, { freq: 3 }),
          rawBody,
          contentType,
          sessionCookie,
          async (method, query, body, type, cookie) => {
            const headers: Record<string, string> = {};
            if (type !== undefined) headers['content-type'] = type;
            const cookieValue = cookie();
            if (cookieValue !== undefined) headers.cookie = cookieValue;
            const request = { method, path: `/api/sessions${query === null ? '' : `?${query}`}`, headers, body };
            const { res, before, after } = await send(request);
            expectDocumented(request, res);
            if (res.status >= 400) expectNothingChanged(before, after);
            else expectOnlyPublicWritten(res, before, after, requestedItems(query ?? '', body));
          },
        ),
        { numRuns: runs(500) },
      );
    });
  });

  describe('when a request sends any query string', () => {
    it('should answer a documented 2xx or 4xx on every resource, and store only what a valid query writes to public', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT'),
          fc.constantFrom('/api/sessions', '/api/sessions/', '/api/segments'),
          rawQuery,
          sessionCookie,
          async (method, resource, query, cookie) => {
            const cookieValue = cookie();
            const request = { method, path: `${resource}?${query}`, headers: cookieValue === undefined ? undefined : { cookie: cookieValue } };
            const { res, before, after } = await send(request);
            if (method === 'DELETE' || method === 'PUT' || (resource === '/api/segments' && (method === 'POST' || method === 'PATCH'))) {
              expect(res.status).toBe(405);
              expectNothingChanged(before, after);
              return;
            }
            expectDocumented(request, res);
            const writes = method === 'POST' || method === 'PATCH';
            if (res.status >= 400 || resource === '/api/segments') expectNothingChanged(before, after);
            else if (writes) expectOnlyPublicWritten(res, before, after, requestedItems(query, undefined));
            // A read may start a session for a visitor without one, never change or drop another.
            else expect(storeChanges(before, after)).toMatchObject({ removed: [], changed: [] });
          },
        ),
        { numRuns: runs(400) },
      );
    });
  });

  describe('when a read names any items', () => {
    /** Whether `items` asks for an item: `*`, `ns`, `ns.` or `ns.*` for a namespace, `ns.key` split at its first dot. */
    const askedFor = (items: string) => {
      const names = items.split(',').map((n) => n.trim()).filter((n) => n !== '');
      return (ns: string, key: string) =>
        names.some((n) => {
          if (n === '*') return true;
          const dot = n.indexOf('.');
          if (dot < 0) return n === ns;
          const rest = n.slice(dot + 1);
          return n.slice(0, dot) === ns && (rest === '' || rest === '*' || rest === key);
        });
    };

    const name = fc.oneof(
      fc.constantFrom('*', 'public.*', 'public', 'store.channel', 'account.id', 'profile.isAuthenticated', 'checkout.regionId', '__proto__.polluted', 'constructor', 'public.__proto__', '.x', 'x.', '.', ' store.currencyCode '),
      fc.tuple(fc.constantFrom('public', 'store', 'account', 'profile', 'impersonate', 'rnb'), anyKey).map(([ns, key]) => `${ns}.${key}`),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );

    it('should answer only the items asked for, exactly as stored, and change no stored session', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(name, { maxLength: 110 }), fc.boolean(), sessionCookie, async (names, encodeCommas, cookie) => {
          const items = names.map(percentEncode).join(encodeCommas ? '%2C' : ',');
          const cookieValue = cookie();
          const request = { path: `/api/sessions?items=${items}`, headers: cookieValue === undefined ? undefined : { cookie: cookieValue } };
          const { res, before, after } = await send(request);
          expectDocumented(request, res);
          const { removed, changed } = storeChanges(before, after);
          expect({ removed, changed }).toEqual({ removed: [], changed: [] });
          if (res.status !== 200) {
            expect((res.json as { error: { code: string } }).error.code).toBe('TOO_MANY_ITEMS');
            return;
          }
          const view = res.json as { id: string; namespaces: Namespaces };
          // A session that was never written is what the creation computes.
          const stored = after.has(view.id) ? (JSON.parse(after.get(view.id)!) as SessionRecord) : { namespaces: fresh };
          const wanted = askedFor(new URLSearchParams(`items=${items}`).get('items')!);
          for (const [ns, namespace] of Object.entries(view.namespaces)) {
            for (const [key, item] of Object.entries(namespace)) {
              expect({ [`${ns}.${key}`]: wanted(ns, key) }).toEqual({ [`${ns}.${key}`]: true });
              expect(item).toEqual(stored.namespaces[ns][key]);
            }
          }
        }),
        { numRuns: runs(250) },
      );
    });
  });

  describe('when the path names any session token', () => {
    const pathToken = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }).map(percentEncode),
      wireText(30).filter((t) => !t.includes('/') && !t.includes('?') && !t.includes('#')),
      fc.constantFrom('..%2F..', '..%2F..%2Fpage', '%2e%2e', '%00', 'x%00', '%', '%ZZ', '%E2%98%83', '%F0%9F%92%A5', 'x'.repeat(5000), '%252e%252e', 'openapi.json%00', '%FF%FE'),
      fc.nat().map((i) => visitors[i % visitors.length].token),
      fc.nat().map((i) => percentEncode(visitors[i % visitors.length].token)),
      fc.tuple(fc.nat(), mutation).map(([i, mutate]) => percentEncode(mutate(visitors[i % visitors.length].token))),
    );

    it('should answer that session only for its own token, and a new session or a 4xx for anything else', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PATCH'), pathToken, sessionCookie, async (method, token, cookie) => {
          const cookieValue = cookie();
          const headers: Record<string, string> = cookieValue === undefined ? {} : { cookie: cookieValue };
          const request = { method, path: `/api/sessions/${token}${method === 'GET' ? '?items=*' : ''}`, headers };
          const { res, before, after } = await send(request);
          expectDocumented(request, res);
          if (res.status >= 400) {
            expectNothingChanged(before, after);
            return;
          }
          const id = answeredId(res);
          if (before.has(id) || visitors.some((v) => v.id === id)) {
            // Reaching a visitor's session, stored or never written, takes that session's own token,
            // spelled as it was issued (an empty path token leaves the cookie in charge, read as a
            // cookie: trimmed, unquoted).
            let presented = token === '' ? (cookieValue ?? '').slice('vtex_session='.length).trim().replace(/^"(.*)"$/, '$1') : token;
            try {
              presented = decodeURIComponent(presented);
            } catch {
              // undecodable: compared as sent
            }
            expect(visitors.find((v) => v.id === id)!.tokens).toContain(presented);
          } else {
            // A new session: both cookies are reset to it.
            expect(decodeSessionToken(res.cookies.vtex_session ?? '')?.id).toBe(id);
            expect(res.cookies.vtex_segment).toBeDefined();
          }
          if (method !== 'GET') expectOnlyPublicWritten(res, before, after, new Map());
          else expect(storeChanges(before, after).changed).toEqual([]);
        }),
        { numRuns: runs(300) },
      );
    });
  });

  describe('when the path names any segment token', () => {
    const field = fc.constantFrom('campaigns', 'channel', 'priceTables', 'regionId', 'utm_source', 'utm_campaign', 'utmi_campaign', 'currencyCode', 'cultureInfo', 'facets', 'admin_cultureInfo', 'unknown', '__proto__');
    const json = fc.oneof(
      fc.dictionary(field, fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constant(null))).map((data) => JSON.stringify(data)),
      fc.json(),
      fc.constantFrom('{"__proto__":"x","channel":"1"}', '{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}', '[]', 'null', '"x"'),
    );
    const segmentToken = fc.oneof(
      json.map((text) => Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '')),
      json.map((text) => Buffer.from(text, 'utf8').toString('base64')),
      json.map((text) => Buffer.from(text, 'utf8').toString('base64url')),
      fc.tuple(json, mutation).map(([text, mutate]) => mutate(Buffer.from(text, 'utf8').toString('base64'))),
      wireText(40),
      fc.integer({ min: 4000, max: 6000 }).map((n) => Buffer.from(JSON.stringify({ channel: 'x'.repeat(n) })).toString('base64')),
    );

    it('should answer the decoded fields and set vtex_segment to their token, or a 400, and never store anything', async () => {
      await fc.assert(
        fc.asyncProperty(segmentToken, sessionCookie, async (token, cookie) => {
          const cookieValue = cookie();
          const path = `/api/segments/${token.replace(/[^\x21-\x7e]|[/?#%]/g, (c) => percentEncode(c))}`;
          const request = { path, headers: cookieValue === undefined ? undefined : { cookie: cookieValue } };
          const { res, before, after } = await send(request);
          expectDocumented(request, res);
          expectNothingChanged(before, after);
          if (res.status === 200) expect(res.cookies.vtex_segment).toBe(encodeSegment(res.json as never));
          else expect((res.json as { error: { code: string } }).error.code).toBe('INVALID_SEGMENT_TOKEN');
        }),
        { numRuns: runs(300) },
      );
    });
  });
});
