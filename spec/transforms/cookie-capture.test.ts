import { makeApp } from '../support/app';
import { Visitor } from '../support/transforms';
import type { SessionOptions } from '../../lib';

/** A visitor whose browser holds the shop's auth cookie, on an app with `options`. */
function signedIn(options: SessionOptions = {}): Visitor {
  const visitor = new Visitor(makeApp(options));
  visitor.setCookie('VtexIdclientAutCookie_store', 'auth-token-1');
  return visitor;
}

describe('cookie capture', () => {
  describe('when a page request carries a cookie that matches captureCookies', () => {
    it('should copy it into the cookie namespace (VtexIdclientAutCookie* by default)', async () => {
      const visitor = signedIn();
      visitor.setCookie('_ga', 'GA1.1.123');
      const page = await visitor.page();
      expect(page.body.namespaces.cookie).toEqual({ VtexIdclientAutCookie_store: { value: 'auth-token-1' } });
    });

    it('should copy the cookies of configured patterns only', async () => {
      const visitor = new Visitor(makeApp({ captureCookies: ['shop_auth', 'vtex-impersonated-*'] }));
      visitor.setCookie('shop_auth', 'a');
      visitor.setCookie('vtex-impersonated-customer-email', 'customer@example.com');
      visitor.setCookie('VtexIdclientAutCookie_store', 'not-asked-for');
      const page = await visitor.page();
      expect(page.body.namespaces.cookie).toEqual({
        shop_auth: { value: 'a' },
        'vtex-impersonated-customer-email': { value: 'customer@example.com' },
      });
    });

    it('should copy nothing when captureCookies is empty', async () => {
      const visitor = signedIn({ captureCookies: [] });
      const page = await visitor.page();
      expect(page.body.namespaces.cookie).toBeUndefined();
    });
  });

  describe('when a client reads the session over the HTTP API', () => {
    // The captured values are copies of HttpOnly cookies: answering them would hand them to page scripts.
    it('should never answer the cookie namespace, not even for items=*', async () => {
      const visitor = signedIn();
      const page = await visitor.page();
      expect(page.body.namespaces.cookie).toEqual({ VtexIdclientAutCookie_store: { value: 'auth-token-1' } });
      expect((await visitor.session('*')).namespaces.cookie).toBeUndefined();
      expect((await visitor.session('cookie.VtexIdclientAutCookie_store')).namespaces).toEqual({});
      expect((await visitor.session('cookie')).namespaces).toEqual({});
    });
  });

  describe('when the cookie changes or goes away', () => {
    it('should follow a new value', async () => {
      const visitor = signedIn();
      await visitor.page();
      visitor.dropCookie('VtexIdclientAutCookie_store');
      visitor.setCookie('VtexIdclientAutCookie_store', 'auth-token-2');
      const page = await visitor.page();
      expect(page.body.namespaces.cookie).toEqual({ VtexIdclientAutCookie_store: { value: 'auth-token-2' } });
    });

    it('should clear a cookie the request no longer sends', async () => {
      const visitor = signedIn();
      await visitor.page();
      visitor.dropCookie('VtexIdclientAutCookie_store');
      const page = await visitor.page();
      expect(page.body.namespaces.cookie).toBeUndefined();
    });
  });

  describe('when nothing changed', () => {
    it('should not write the session again', async () => {
      const visitor = signedIn();
      const first = await visitor.page();
      const second = await visitor.page();
      expect(second.body.version).toBe(first.body.version);
    });
  });
});
