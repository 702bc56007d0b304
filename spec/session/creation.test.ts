import { decodeSegment, encodeSegment } from '../../lib';
import { ControllableStore, makeApp, setCookie } from '../support/app';
import { cookiesOf, decodeJwt, LANDING, sessionTokenOf, visit } from '../support/session';

// SPEC section 5: VTEX's default segment of sales channel 1 in Brazil, and the start of its token.
const VTEX_DEFAULT_SEGMENT =
  '{"campaigns":null,"channel":"1","priceTables":null,"regionId":null,"utm_campaign":null,"utm_source":null,"utmi_campaign":null,"currencyCode":"BRL","currencySymbol":"R$","countryCode":"BRA","cultureInfo":"pt-BR","channelPrivacy":"public"}';
const VTEX_TOKEN_START = 'eyJjYW1wYWlnbnMiOm51bGwsImNoYW5uZWwiOiIxIiwicHJpY2VUYWJsZXMiOm51bGws';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('a new session', () => {
  describe('when a visitor arrives without cookies', () => {
    it('should start with the account, store, profile and impersonate namespaces', async () => {
      const res = await visit(makeApp());

      expect(res.body.namespaces).toEqual({
        account: { id: { value: expect.stringMatching(UUID), keepAlive: true }, accountName: { value: 'store' } },
        store: {
          channel: { value: '1' },
          countryCode: { value: 'BRA' },
          cultureInfo: { value: 'pt-BR' },
          currencyCode: { value: 'BRL' },
          currencySymbol: { value: 'R$' },
          channelPrivacy: { value: 'public' },
        },
        profile: expect.objectContaining({ isAuthenticated: { value: 'false' } }),
        impersonate: expect.objectContaining({ canImpersonate: { value: 'false' } }),
      });
    });

    it("should give req.vtexSegment VTEX's byte-identical default token (the compatibility vector)", async () => {
      const res = await visit(makeApp());

      expect(res.body.segment.token).toBe(Buffer.from(VTEX_DEFAULT_SEGMENT, 'utf8').toString('base64').replace(/=+$/, ''));
      expect(res.body.segment.token.startsWith(VTEX_TOKEN_START)).toBe(true);
      expect(res.body.segment.data).toEqual(JSON.parse(VTEX_DEFAULT_SEGMENT));
      expect(setCookie(res, 'vtex_segment')!.value).toBe(res.body.segment.token);
    });

    it('should not store it: version 0, no store operation, both cookies set', async () => {
      const store = new ControllableStore();
      const res = await visit(makeApp({ store }));

      expect(res.body.version).toBe(0);
      expect(setCookie(res, 'vtex_session')).toBeDefined();
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
      expect(await store.inner.get(res.body.id)).toBeUndefined();
    });

    it('should store its first write as version 1 under the same id, with createdAt from the first visit and lastSeen', async () => {
      const store = new ControllableStore();
      const app = makeApp({ store });
      const before = Math.floor(Date.now() / 1000) * 1000;
      const first = await visit(app);
      const createdAt = (decodeJwt(sessionTokenOf(first)!).payload.iat as number) * 1000;

      const res = await visit(app, cookiesOf(first), LANDING);

      const record = await store.inner.get(first.body.id);
      expect(res.body.id).toBe(first.body.id);
      expect(res.body.version).toBe(1);
      expect(record).toEqual({ id: first.body.id, namespaces: res.body.namespaces, version: 1, createdAt, lastSeen: expect.any(Number) });
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(record!.lastSeen).toBeGreaterThanOrEqual(createdAt);
      expect(decodeJwt(sessionTokenOf(res)!).payload).toMatchObject({ id: first.body.id });
      expect(decodeJwt(sessionTokenOf(res)!).payload.stored).toBeUndefined();
    });

    it('should store a first page view that carries a captured key as version 1, with createdAt and lastSeen', async () => {
      const store = new ControllableStore();
      const before = Date.now();
      const res = await visit(makeApp({ store }), undefined, LANDING);

      const record = await store.inner.get(res.body.id);
      expect(record).toEqual({ id: res.body.id, namespaces: res.body.namespaces, version: 1, createdAt: expect.any(Number), lastSeen: record!.createdAt });
      expect(record!.createdAt).toBeGreaterThanOrEqual(before);
      expect(res.body.version).toBe(1);
    });
  });

  describe('when the account option is given', () => {
    it('should put its name and id in the account namespace', async () => {
      const res = await visit(makeApp({ account: { name: 'mystore', id: 'a6f9c2d0-0000-4000-8000-000000000001' } }));

      expect(res.body.namespaces.account).toEqual({
        id: { value: 'a6f9c2d0-0000-4000-8000-000000000001', keepAlive: true },
        accountName: { value: 'mystore' },
      });
    });

    it('should derive the same account id in every process when only the name is given', async () => {
      const a = await visit(makeApp({ account: { name: 'mystore' } }));
      const b = await visit(makeApp({ account: { name: 'mystore' } }));
      const other = await visit(makeApp({ account: { name: 'otherstore' } }));

      expect(a.body.namespaces.account.id.value).toBe(b.body.namespaces.account.id.value);
      expect(a.body.namespaces.account.id.value).not.toBe(other.body.namespaces.account.id.value);
    });
  });

  describe('when channels and defaultChannel are given', () => {
    it("should start on the default channel's store fields and segment", async () => {
      const app = makeApp({
        channels: {
          '1': { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR' },
          '2': { currencyCode: 'USD', currencySymbol: '$', countryCode: 'USA', cultureInfo: 'en-US', admin_cultureInfo: 'en-US' },
        },
        defaultChannel: '2',
      });

      const res = await visit(app);

      expect(res.body.namespaces.store).toEqual({
        channel: { value: '2' },
        countryCode: { value: 'USA' },
        cultureInfo: { value: 'en-US' },
        currencyCode: { value: 'USD' },
        currencySymbol: { value: '$' },
        channelPrivacy: { value: 'public' },
        admin_cultureInfo: { value: 'en-US' },
      });
      expect(decodeSegment(res.body.segment.token)).toMatchObject({ channel: '2', currencyCode: 'USD', countryCode: 'USA', cultureInfo: 'en-US' });
      expect(res.body.segment.token).toBe(
        encodeSegment({ channel: '2', currencyCode: 'USD', currencySymbol: '$', countryCode: 'USA', cultureInfo: 'en-US', admin_cultureInfo: 'en-US', channelPrivacy: 'public' }),
      );
    });
  });
});
