import fc from 'fast-check';
import { encodeSegment, type Namespaces, type SessionRecord } from '../../lib';
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
  utf8OnTheWire,
  watchProcess,
  type FuzzVisitor,
  type RawResponse,
  type RunningServer,
} from '../support/adversarial';
import { makeApp } from '../support/app';
import { LANDING } from '../support/session';
import { headerText, mutation, rawQuery, runs, transformValue } from '../support/hostile-input';
import { openApiChecker, type OpenApiCheck } from '../support/openapi-check';

interface Page {
  id: string;
  namespaces: Namespaces;
  segment: { token: string; data: Record<string, string | null> };
}

/** Without control characters, which a header cannot carry. */
const printable = (value: string) => [...value].filter((c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f').join('');

// The default `captureQuery`: the UTM keys.
const CAPTURED = ['utm_source', 'utm_campaign', 'utm_medium', 'utm_term', 'utm_content', 'utmi_cp', 'utmi_p', 'utmi_pc'];

const own = (object: object | undefined, key: string) => object !== undefined && Object.prototype.hasOwnProperty.call(object, key);
const valueOf = (namespaces: Namespaces, ns: string, key: string) => (own(namespaces, ns) && own(namespaces[ns], key) ? namespaces[ns][key].value : undefined);
const text = (value: unknown) => (value === undefined || value === null || value === '' ? null : typeof value === 'string' ? value : undefined);

/**
 * Property-based tests of the page middleware: whatever Cookie header and query string a browser,
 * an in-app browser or an attacker sends, the page is served, sees the session its own valid token
 * names (or a new one), sees the segment derived from that session (never the client's), and the
 * store changes only in that session's `public`, captured `cookie` and derived namespaces.
 */
describe('the page middleware under hostile input', () => {
  const store = new RecordingStore();
  const watcher = watchProcess();
  const guard = prototypeGuard();
  let server: RunningServer;
  let client: ReturnType<typeof rawClient>;
  let check: OpenApiCheck;
  let visitors: FuzzVisitor[];
  let fresh: Namespaces;

  beforeAll(async () => {
    server = await listen(makeApp(storefrontOptions(store)));
    client = rawClient(server);
    check = openApiChecker((await client.send({ path: '/api/sessions/openapi.json' })).json as never);
    // One visitor landed from a campaign link (its UTM key is captured, which stores the session);
    // the others viewed a plain page, which stores nothing, and one of them then writes.
    visitors = [];
    for (const path of [LANDING, '/page', '/page', '/page']) {
      const page = await client.send({ path });
      visitors.push(fuzzVisitor((page.json as Page).id, page.cookies.vtex_session));
    }
    // What a new session holds before its first write: the creation's namespaces, never stored.
    fresh = ((await client.send({ path: '/page' })).json as Page).namespaces;
    // Some visitors carry a segment of their own (a channel, a region, a campaign).
    const written = await client.send({
      method: 'PATCH',
      path: '/api/sessions',
      headers: { cookie: `vtex_session=${visitors[1].token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ public: { sc: { value: '2' }, country: { value: 'BRA' }, postalCode: { value: '01310-100' }, utm_source: { value: 'newsletter' } } }),
    });
    keepIssuedToken(visitors, written);
    expect(visitors.map((v) => store.read(v.id) !== undefined)).toEqual([true, true, false, false]);
  });

  afterAll(async () => {
    client.close();
    await server.close();
    expect(watcher.stop()).toEqual([]);
    expect(guard.added()).toEqual([]);
  });

  /** The segment fields a page must see for the namespaces it sees (SPEC section 5). */
  function expectSegmentOf(page: Page): void {
    const ns = page.namespaces;
    expect(page.segment.token).toBe(encodeSegment(page.segment.data));
    expect(page.segment.data).toMatchObject({
      channel: text(valueOf(ns, 'store', 'channel')),
      currencyCode: text(valueOf(ns, 'store', 'currencyCode')),
      countryCode: text(valueOf(ns, 'store', 'countryCode')),
      cultureInfo: text(valueOf(ns, 'store', 'cultureInfo')),
      regionId: text(valueOf(ns, 'checkout', 'regionId')),
      campaigns: text(valueOf(ns, 'rnb', 'campaigns')),
      priceTables: text(valueOf(ns, 'profile', 'priceTables')),
    });
    for (const field of ['utm_source', 'utm_campaign']) {
      const stored = valueOf(ns, 'public', field);
      // A long tracking value is left out rather than make the segment too long for a cookie.
      const allowed = typeof stored === 'string' && stored.length > 500 ? [stored, null] : [text(stored)];
      if (typeof stored === 'string' || stored === undefined) expect(allowed).toContainEqual(page.segment.data[field]);
    }
  }

  /**
   * A page view: one session changed or added, outside `public`, `cookie` and derived namespaces
   * unchanged; or, for a session that was never written and that the view did not write either,
   * nothing stored and the creation's namespaces.
   */
  function expectOnlyClientInputChanged(page: Page, before: Map<string, string>, after: Map<string, string>): Pick<SessionRecord, 'namespaces'> {
    if (!after.has(page.id)) {
      expect(storeChanges(before, after)).toEqual({ added: [], removed: [], changed: [] });
      expect(page.namespaces).toEqual(fresh);
      return { namespaces: page.namespaces };
    }
    const { added, removed, changed } = storeChanges(before, after);
    expect(removed).toEqual([]);
    expect([...added, ...changed].filter((other) => other !== page.id)).toEqual([]);
    const record = JSON.parse(after.get(page.id)!) as SessionRecord;
    const previous = before.has(page.id) ? (JSON.parse(before.get(page.id)!) as SessionRecord).namespaces : fresh;
    for (const ns of new Set([...Object.keys(previous), ...Object.keys(record.namespaces)])) {
      if (!CLIENT_DERIVED.has(ns) && ns !== 'cookie') expect({ [ns]: record.namespaces[ns] }).toEqual({ [ns]: previous[ns] });
    }
    for (const name of Object.keys(record.namespaces.cookie ?? {})) expect(name).toMatch(/^VtexIdclientAutCookie/);
    expect(record.namespaces).toEqual(page.namespaces);
    return record;
  }

  /** What the API answers about the session afterwards matches the OpenAPI document too. */
  async function expectApiViewDocumented(res: RawResponse, page: Page): Promise<void> {
    const token = res.cookies.vtex_session;
    if (token === undefined) return;
    const view = await client.send({ path: '/api/sessions?items=*', headers: { cookie: `vtex_session=${token}` } });
    expect(check({ method: 'GET', path: '/api/sessions', status: view.status, contentType: view.headers['content-type'], body: view.json })).toEqual([]);
    expect((view.json as { id: string }).id).toBe(page.id);
  }

  describe('when a captured cookie is named with characters an item key cannot hold', () => {
    it('should leave it out of the cookie namespace, so that the API can still answer the session as documented', async () => {
      const res = await client.send({ path: '/page', headers: { cookie: 'VtexIdclientAutCookie_store=ok; VtexIdclientAutCookie!{x}=bad; VtexIdclientAutCookie\u00e9=bad' } });
      const page = res.json as Page;
      expect(page.namespaces.cookie).toEqual({ VtexIdclientAutCookie_store: { value: 'ok' } });
      await expectApiViewDocumented(res, page);
    });
  });

  describe('when a campaign link carries UTMs of a thousand characters each', () => {
    it('should set a vtex_segment that a browser keeps and that the segment API decodes', async () => {
      const long = (c: string) => c.repeat(1000);
      const res = await client.send({ path: `/page?utm_source=${long('s')}&utm_campaign=${long('c')}&utmi_cp=${long('i')}` });
      const page = res.json as Page;
      expect(res.cookies.vtex_segment).toBe(page.segment.token);
      expectCookiesFit(res);
      const decoded = await client.send({ path: `/api/segments/${page.segment.token}` });
      expect(decoded.status).toBe(200);
      expect(decoded.json).toEqual(page.segment.data);
    });

    it('should keep the full values in public, where only the session reads them', async () => {
      const res = await client.send({ path: `/page?utm_source=${'s'.repeat(1000)}&utm_campaign=${'c'.repeat(1000)}&utmi_cp=${'i'.repeat(1000)}` });
      const page = res.json as Page;
      expect(valueOf(page.namespaces, 'public', 'utm_source')).toBe('s'.repeat(1000));
      expect(valueOf(page.namespaces, 'public', 'utm_campaign')).toBe('c'.repeat(1000));
    });
  });

  describe('when the Cookie header is anything a client sends', () => {
    type SessionPart = { kind: 'none' | 'real' | 'quoted' | 'mutated' | 'garbage'; visitor: number; cookie?: string };
    const sessionPart: fc.Arbitrary<SessionPart> = fc.oneof(
      fc.constant<SessionPart>({ kind: 'none', visitor: 0 }),
      fc.nat().map<SessionPart>((visitor) => ({ kind: 'real', visitor })),
      fc.nat().map<SessionPart>((visitor) => ({ kind: 'quoted', visitor })),
      fc.nat().map<SessionPart>((visitor) => ({ kind: 'mutated', visitor })),
      headerText(60).map<SessionPart>((garbage) => ({ kind: 'garbage', visitor: 0, cookie: garbage.replace(/;/g, '') })),
    );
    const mutations = fc.array(mutation, { minLength: 1, maxLength: 1 });
    const forgedSegment = fc.oneof(
      fc.constant(encodeSegment({ channel: '1', priceTables: 'vip', campaigns: 'black-friday', currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', channelPrivacy: 'public' })),
      headerText(30).map((t) => t.replace(/;/g, '')),
    );
    const otherPart = fc.oneof(
      fc.tuple(headerText(12), headerText(30)).map(([name, value]) => `${name.replace(/[;=]/g, '')}=${value.replace(/;/g, '')}`),
      fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 20 })).map(([name, value]) => utf8OnTheWire(`${printable(name).replace(/[;=]/g, '')}=${printable(value).replace(/;/g, '')}`)),
      fc.tuple(headerText(10), fc.oneof(headerText(30), fc.integer({ min: 100, max: 4500 }).map((n) => 'a'.repeat(n)))).map(
        ([suffix, value]) => `VtexIdclientAutCookie${suffix.replace(/[;=]/g, '')}=${value.replace(/;/g, '')}`,
      ),
      headerText(20).map((noEquals) => noEquals.replace(/[;=]/g, '')),
      fc.integer({ min: 1000, max: 6000 }).map((n) => `big=${'x'.repeat(n)}`),
      forgedSegment.map((segment) => `vtex_segment=${segment}`),
      fc.constantFrom('', ' ', '=', '==', '"', 'session_path=/', 'workspace=master', '__proto__=polluted', 'constructor=x', 'vtex_session', 'vtex_session='),
    );

    it('should serve the page with the session its valid token names and the segment derived from that session', async () => {
      await fc.assert(
        fc.asyncProperty(
          sessionPart,
          mutations,
          fc.array(otherPart, { maxLength: 6 }),
          fc.nat(),
          fc.option(forgedSegment),
          fc.constantFrom('; ', ';', ' ; ', ';\t'),
          fc.boolean(),
          async (session, [mutate], others, at, segment, separator, trailing) => {
            const visitor = visitors[session.visitor % visitors.length];
            const value = { none: undefined, real: visitor.token, quoted: `"${visitor.token}"`, mutated: mutate(visitor.token), garbage: session.cookie }[session.kind];
            // The forged segment goes first among segment cookies, so that it is the one the client claims.
            const ours = (p: string) => p.startsWith('vtex_segment=') || p.startsWith('vtex_session');
            // Within the 16 KiB a request's headers may take: the longest cookies go first.
            const kept = [...others];
            while (kept.join(separator).length > 11_000) kept.splice(kept.indexOf(kept.reduce((a, b) => (b.length > a.length ? b : a))), 1);
            const parts = [...(segment === null ? [] : [`vtex_segment=${segment}`]), ...kept.filter((p) => !ours(p))];
            if (value !== undefined) parts.splice(at % (parts.length + 1), 0, `vtex_session=${value}`);
            // Duplicates come after the first occurrence, which is the one that counts (the most specific path first).
            parts.push(...kept.filter(ours));
            const cookie = parts.join(separator) + (trailing ? ';' : '');
            const before = store.snapshot();
            const res = await client.send({ path: '/page', headers: cookie === '' ? {} : { cookie } });
            const after = store.snapshot();
            keepIssuedToken(visitors, res);

            expect(res.status).toBe(200);
            const page = res.json as Page;
            // A visitor's session, stored or never written, opens only with its own token.
            const known = before.has(page.id) || visitors.some((v) => v.id === page.id);
            if (session.kind === 'real' || session.kind === 'quoted') expect(page.id).toBe(visitor.id);
            else if (session.kind === 'mutated') expect(known ? page.id : visitor.id).toBe(visitor.id);
            else expect(known).toBe(false);
            expectSegmentOf(page);
            expectCookiesFit(res);
            if (segment !== null && segment !== page.segment.token) expect(res.cookies.vtex_segment).toBe(page.segment.token);
            expectOnlyClientInputChanged(page, before, after);
            await expectApiViewDocumented(res, page);
          },
        ),
        { numRuns: runs(400) },
      );
    });
  });

  describe('when the query string is anything', () => {
    const utm = fc.tuple(fc.constantFrom(...CAPTURED), fc.oneof(transformValue, fc.string({ unit: 'binary', maxLength: 30 }), fc.integer({ min: 1000, max: 1100 }).map((n) => 'u'.repeat(n))));

    it('should capture only the configured keys into public, and derive the segment from them', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'HEAD', 'POST'),
          fc.array(utm, { maxLength: 4 }),
          rawQuery,
          fc.option(fc.nat()),
          async (method, captures, noise, returning) => {
            const query = [...captures.map(([k, v]) => `${k}=${percentEncode(v)}`), noise].join('&');
            const headers = returning === null ? undefined : { cookie: `vtex_session=${visitors[returning % visitors.length].token}` };
            const before = store.snapshot();
            const res = await client.send({ method, path: `/page?${query}`, headers });
            const after = store.snapshot();
            keepIssuedToken(visitors, res);
            // The page route answers GET (and HEAD); a POST falls through to the application's 404.
            expect(res.status).toBe(method === 'POST' ? 404 : 200);
            if (method !== 'GET') return;
            const page = res.json as Page;
            expectSegmentOf(page);
            expectCookiesFit(res);
            const record = expectOnlyClientInputChanged(page, before, after);
            const previous = before.has(page.id) ? (JSON.parse(before.get(page.id)!) as SessionRecord).namespaces : fresh;
            const params = new URLSearchParams(query);
            for (const key of new Set([...Object.keys(previous.public ?? {}), ...Object.keys(record.namespaces.public ?? {}), ...CAPTURED])) {
              const sent = params.get(key);
              const captured = sent !== null && sent.length <= 1024 && CAPTURED.includes(key);
              const expected = captured ? (sent === '' ? undefined : sent) : valueOf(previous, 'public', key);
              expect({ [key]: valueOf(record.namespaces, 'public', key) }).toEqual({ [key]: expected });
            }
          },
        ),
        { numRuns: runs(200) },
      );
    });
  });
});
