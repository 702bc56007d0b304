import { makeApp, setCookie } from '../support/app';
import { Visitor, segmentOf, valueOf } from '../support/transforms';
import type { AuthenticatedUser, CustomerProfile, SessionOptions } from '../../lib';

// The shop's identity service, reduced to a table: auth cookie value → who it is.
const tokens: Record<string, AuthenticatedUser> = {
  'token-ana': { storeUserId: 'u-ana', storeUserEmail: 'ana@example.com' },
  'token-admin': { adminUserId: 'a-1', adminUserEmail: 'admin@shop.example' },
  'token-intern': { adminUserId: 'a-2', adminUserEmail: 'intern@shop.example' },
};

const customers: Record<string, CustomerProfile> = {
  'ana@example.com': { id: 'u-ana', email: 'ana@example.com', firstName: 'Ana', priceTables: ['gold'] },
  'bruno@example.com': { id: 'u-bruno', email: 'bruno@example.com', firstName: 'Bruno', lastName: 'Lima', priceTables: ['b2b', 'wholesale'] },
};

const options: SessionOptions = {
  authenticate: (cookies) => tokens[cookies.VtexIdclientAutCookie_store],
  profiles: ({ email }) => (email === undefined ? undefined : customers[email]),
  impersonation: (admin) => admin.adminUserEmail === 'admin@shop.example',
};

describe('authentication transform', () => {
  describe('when a page request carries the shop auth cookie', () => {
    it('should fill authentication.* through authenticate', async () => {
      const visitor = new Visitor(makeApp(options));
      await visitor.page();
      visitor.setCookie('VtexIdclientAutCookie_store', 'token-ana');
      const page = await visitor.page();
      expect(page.body.namespaces.authentication).toEqual({
        storeUserId: { value: 'u-ana' },
        storeUserEmail: { value: 'ana@example.com' },
      });
      expect(page.body.segment.data.priceTables).toBe('gold');
    });

    it('should give the session a new id on login', async () => {
      const visitor = new Visitor(makeApp(options));
      const anonymous = await visitor.page();
      visitor.setCookie('VtexIdclientAutCookie_store', 'token-ana');
      const loggedIn = await visitor.page();
      expect(loggedIn.body.id).not.toBe(anonymous.body.id);
      expect(setCookie(loggedIn, 'vtex_session')).toBeDefined();
      expect((await visitor.session('authentication.storeUserEmail')).id).toBe(loggedIn.body.id);
    });

    it('should pass authenticate only the captured cookies', async () => {
      const seen: Array<Record<string, string>> = [];
      const visitor = new Visitor(makeApp({ authenticate: (cookies) => void seen.push(cookies) }));
      visitor.setCookie('VtexIdclientAutCookie_store', 'token-ana');
      visitor.setCookie('_ga', 'GA1.1.123');
      await visitor.page();
      expect(seen).toEqual([{ VtexIdclientAutCookie_store: 'token-ana' }]);
    });

    it('should leave the visitor anonymous when authenticate does not know the cookie', async () => {
      const visitor = new Visitor(makeApp(options));
      visitor.setCookie('VtexIdclientAutCookie_store', 'forged');
      const page = await visitor.page();
      expect(page.body.namespaces.authentication).toBeUndefined();
      expect(page.body.namespaces.profile.isAuthenticated).toEqual({ value: 'false' });
    });
  });

  describe('when the auth cookie goes away', () => {
    it('should log the visitor out, with a new id again', async () => {
      const visitor = new Visitor(makeApp(options));
      visitor.setCookie('VtexIdclientAutCookie_store', 'token-ana');
      const loggedIn = await visitor.page();
      visitor.dropCookie('VtexIdclientAutCookie_store');
      const loggedOut = await visitor.page();
      expect(loggedOut.body.id).not.toBe(loggedIn.body.id);
      expect(loggedOut.body.namespaces.authentication).toBeUndefined();
      expect(loggedOut.body.namespaces.profile).toEqual({ isAuthenticated: { value: 'false' } });
      expect(loggedOut.body.segment.data.priceTables).toBeNull();
    });
  });
});

describe('impersonate transform', () => {
  async function adminVisitor(token: string) {
    const visitor = new Visitor(makeApp(options));
    visitor.setCookie('VtexIdclientAutCookie_store', token);
    await visitor.page();
    return visitor;
  }

  describe('when an admin that impersonation allows names a customer', () => {
    it('should give the session that customer profile and price tables', async () => {
      const visitor = await adminVisitor('token-admin');
      const res = await visitor.patch({ 'vtex-impersonated-customer-email': 'bruno@example.com' }, '?items=impersonate,profile');
      expect(res.status).toBe(200);
      expect(res.body.namespaces.impersonate).toEqual({
        canImpersonate: { value: 'true' },
        storeUserId: { value: 'u-bruno' },
        storeUserEmail: { value: 'bruno@example.com' },
      });
      expect(res.body.namespaces.profile).toEqual({
        isAuthenticated: { value: 'true' },
        id: { value: 'u-bruno' },
        email: { value: 'bruno@example.com' },
        firstName: { value: 'Bruno' },
        lastName: { value: 'Lima' },
        priceTables: { value: 'b2b,wholesale' },
      });
      expect(visitor.segment().priceTables).toBe('b2b,wholesale');
    });

    it('should go back to the admin once the customer is cleared', async () => {
      const visitor = await adminVisitor('token-admin');
      await visitor.patch({ 'vtex-impersonated-customer-email': 'bruno@example.com' });
      const res = await visitor.patch({ 'vtex-impersonated-customer-email': '' });
      expect(segmentOf(res.body.segmentToken).priceTables).toBeNull();
      expect(valueOf(await visitor.session('impersonate.storeUserEmail'), 'impersonate', 'storeUserEmail')).toBeUndefined();
    });
  });

  describe('when the admin is not allowed to impersonate', () => {
    it('should say canImpersonate "false" and keep the customer profile out', async () => {
      const visitor = await adminVisitor('token-intern');
      const res = await visitor.patch({ 'vtex-impersonated-customer-email': 'bruno@example.com' }, '?items=impersonate,profile');
      expect(res.body.namespaces.impersonate).toEqual({ canImpersonate: { value: 'false' } });
      expect(res.body.namespaces.profile).toEqual({ isAuthenticated: { value: 'false' } });
    });
  });

  describe('when a customer who is no admin names another customer', () => {
    it('should change nothing', async () => {
      const visitor = await adminVisitor('token-ana');
      const res = await visitor.patch({ 'vtex-impersonated-customer-email': 'bruno@example.com' }, '?items=profile.email,profile.priceTables');
      expect(res.body.namespaces.profile).toEqual({ email: { value: 'ana@example.com' }, priceTables: { value: 'gold' } });
    });
  });
});
