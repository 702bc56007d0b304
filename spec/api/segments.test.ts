import supertest from 'supertest';
import { decodeSegment, encodeSegment, type SegmentData } from '../../lib';
import { ControllableStore, makeApp, setCookie } from '../support/app';
import { expectError, newVisitor, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';
import { DEFAULT_BRAZIL } from '../support/segments';

// VTEX's default segment of sales channel 1 in Brazil.
const DEFAULT_SEGMENT: SegmentData = DEFAULT_BRAZIL;

const CHANNELS = {
  '1': { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR' },
  '2': { currencyCode: 'USD', currencySymbol: 'US$', countryCode: 'USA', cultureInfo: 'en-US' },
};

const segmentCookie = (res: supertest.Response) => setCookie(res, 'vtex_segment')?.value;

describe('GET /api/segments', () => {
  let store: ControllableStore;
  let api: ApiClient;
  let visitor: { cookie: string; id: string };
  beforeEach(async () => {
    store = new ControllableStore();
    api = apiClient(makeApp({ store, channels: CHANNELS }));
    visitor = await newVisitor(api, { utm_source: 'google', utm_campaign: 'summer' });
  });

  describe('when the visitor has a session', () => {
    it('should answer the segment of the session, as pages see it, and set vtex_segment to its token', async () => {
      const page = await supertest(makeApp({ store, channels: CHANNELS })).get('/page').set('Cookie', visitor.cookie).expect(200);
      const res = await api.get('/api/segments').set('Cookie', visitor.cookie).expect(200);
      expect(res.body).toEqual({ ...DEFAULT_SEGMENT, utm_source: 'google', utm_campaign: 'summer' });
      expect(res.body).toEqual(page.body.segment.data);
      expect(segmentCookie(res)).toBe(page.body.segment.token);
      expect(setCookie(res, 'vtex_session')).toBeUndefined();
    });

    it('should not write to the store', async () => {
      const sets = store.calls.set;
      await api.get('/api/segments?utm_source=x').set('Cookie', visitor.cookie).expect(200);
      expect(store.calls.set).toBe(sets);
    });
  });

  describe('when the query overrides a field', () => {
    it.each([
      ['utm_source', 'utm_source'],
      ['utm_campaign', 'utm_campaign'],
      ['utmi_campaign', 'utmi_campaign'],
      ['utmi_cp', 'utmi_campaign'],
      ['cultureInfo', 'cultureInfo'],
    ])('should answer %s in %s for this answer only and never store it', async (param, field) => {
      const before = await viewOf(api, visitor.cookie);
      const res = await api.get(`/api/segments?${param}=override`).set('Cookie', visitor.cookie).expect(200);
      expect(res.body[field]).toBe('override');
      expect(decodeSegment(segmentCookie(res)!)).toEqual(res.body);
      expect(await viewOf(api, visitor.cookie)).toEqual(before);
      const again = await api.get('/api/segments').set('Cookie', visitor.cookie).expect(200);
      expect(again.body[field]).not.toBe('override');
    });

    it('should clear a field given an empty value', async () => {
      const res = await api.get('/api/segments?utm_source=').set('Cookie', visitor.cookie).expect(200);
      expect(res.body.utm_source).toBeNull();
    });

    it('should refuse an override longer than 256 characters with 400', async () => {
      expectError(await api.get(`/api/segments?utm_source=${'x'.repeat(257)}`).set('Cookie', visitor.cookie), 400, 'VALUE_TOO_LARGE');
    });

    it('should ignore other parameters, such as those VTEX clients add', async () => {
      const res = await api.get('/api/segments?utm_medium=cpc&supportedLocales=en-US&session_path=&workspace=master&an=store').set('Cookie', visitor.cookie).expect(200);
      expect(res.body).toEqual({ ...DEFAULT_SEGMENT, utm_source: 'google', utm_campaign: 'summer' });
    });
  });

  describe('when defaultSegment=true', () => {
    it('should answer the default segment of the session\'s channel, with the overrides', async () => {
      const usa = await newVisitor(api, { sc: '2', utm_source: 'google' });
      expect((await viewOf(api, usa.cookie)).namespaces.store.channel.value).toBe('2');
      const res = await api.get('/api/segments?defaultSegment=true&utm_campaign=x').set('Cookie', usa.cookie).expect(200);
      expect(res.body).toEqual({ ...DEFAULT_SEGMENT, channel: '2', currencyCode: 'USD', currencySymbol: 'US$', countryCode: 'USA', cultureInfo: 'en-US', utm_campaign: 'x' });
      expect(segmentCookie(res)).toBe(encodeSegment(res.body));
    });

    it('should answer the session\'s own segment for any other value', async () => {
      const res = await api.get('/api/segments?defaultSegment=false').set('Cookie', visitor.cookie).expect(200);
      expect(res.body.utm_source).toBe('google');
    });
  });

  describe('when there is no session cookie', () => {
    it('should answer the default segment with the overrides, set vtex_segment and store no session', async () => {
      const calls = { ...store.calls };
      const res = await api.get('/api/segments?utm_source=partner').expect(200);
      expect(res.body).toEqual({ ...DEFAULT_SEGMENT, utm_source: 'partner' });
      expect(segmentCookie(res)).toBe(encodeSegment(res.body));
      expect(setCookie(res, 'vtex_session')).toBeUndefined();
      expect(store.calls).toEqual(calls);
    });

    it.each([
      ['a garbage vtex_session', 'vtex_session=garbage'],
      ['only a vtex_segment', `vtex_segment=${encodeSegment({ ...DEFAULT_SEGMENT, priceTables: 'gold' })}`],
    ])('should do the same with %s, never trusting the client', async (_, cookie) => {
      const sets = store.calls.set;
      const res = await api.get('/api/segments').set('Cookie', cookie).expect(200);
      expect(res.body).toEqual(DEFAULT_SEGMENT);
      expect(store.calls.set).toBe(sets);
    });
  });
});

describe('GET /api/segments/:token', () => {
  let store: ControllableStore;
  let api: ApiClient;
  beforeEach(() => {
    store = new ControllableStore();
    api = apiClient(makeApp({ store }));
  });

  const GOLD = { ...DEFAULT_SEGMENT, channel: '3', priceTables: 'gold', regionId: 'U1cj', utm_source: '>>>???' };
  const token = encodeSegment(GOLD);

  describe('when the token is valid', () => {
    it('should answer the fields it holds, whatever channel it names, and set vtex_segment to it, even unencoded as VTEX\'s node client sends it', async () => {
      const res = await api.get(`/api/segments/${token}`).expect(200);
      expect(res.body).toEqual(GOLD);
      expect(segmentCookie(res)).toBe(token);
    });

    it('should accept the token padded, padded with %3D, and with / and + percent-encoded', async () => {
      // The utm_source above was chosen so that the token holds both characters.
      expect(token).toMatch(/\/.*\+|\+.*\//);
      const padded = token + '='.repeat((4 - (token.length % 4)) % 4);
      expect(padded).not.toBe(token);
      for (const form of [padded, padded.replace(/=/g, '%3D'), encodeURIComponent(token), token.replace(/\+/g, '%2B').replace(/\//g, '%2F')]) {
        const res = await api.get(`/api/segments/${form}`).expect(200);
        expect(res.body).toEqual(GOLD);
        expect(segmentCookie(res)).toBe(token);
      }
    });

    it('should apply the query overrides and set vtex_segment to the token of the answer', async () => {
      const res = await api.get(`/api/segments/${encodeURIComponent(token)}?utm_source=x&cultureInfo=en-US`).expect(200);
      expect(res.body).toEqual({ ...GOLD, utm_source: 'x', cultureInfo: 'en-US' });
      expect(segmentCookie(res)).toBe(encodeSegment(res.body));
    });

    it('should answer fields in VTEX order without unknown ones, and set the cookie to that normal form', async () => {
      const raw = Buffer.from(JSON.stringify({ cultureInfo: 'es-AR', channel: '1', extra: 'dropped' })).toString('base64');
      const res = await api.get(`/api/segments/${encodeURIComponent(raw)}`).expect(200);
      expect(Object.keys(res.body)).toEqual(Object.keys(DEFAULT_SEGMENT));
      expect(res.body).toMatchObject({ channel: '1', cultureInfo: 'es-AR', currencyCode: null });
      expect(segmentCookie(res)).toBe(encodeSegment({ channel: '1', cultureInfo: 'es-AR' }));
    });

    it('should not touch the store, with or without a session cookie', async () => {
      const visitor = await newVisitor(api, { a: 'b' });
      const calls = { ...store.calls };
      await api.get(`/api/segments/${encodeURIComponent(token)}`).expect(200);
      await api.get(`/api/segments/${encodeURIComponent(token)}`).set('Cookie', visitor.cookie).expect(200);
      expect(store.calls).toEqual(calls);
    });
  });

  describe('when the token is not a segment', () => {
    it.each([
      ['not base64', 'not*base64'],
      ['base64 of text', Buffer.from('hello').toString('base64')],
      ['base64 of an array', Buffer.from('[1]').toString('base64')],
      ['base64 of an object with a number', Buffer.from('{"channel":1}').toString('base64')],
      ['longer than 4 KiB', 'A'.repeat(4100)],
    ])('should answer 400 for %s', async (_, bad) => {
      expectError(await api.get(`/api/segments/${encodeURIComponent(bad)}`), 400, 'INVALID_SEGMENT_TOKEN');
      expect(store.calls.set).toBe(0);
    });

    it('should answer 400 for a path that is not valid percent-encoding', async () => {
      expectError(await api.get('/api/segments/%E0%A4%A'), 400, 'INVALID_TOKEN');
    });
  });
});
