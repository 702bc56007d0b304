import { makeApp } from '../support/app';
import { Visitor } from '../support/transforms';
import type { SessionOptions, Transform } from '../../lib';

/** A transform that only records which items made each round run, to show the rounds. */
function observer(seen: string[][]): Transform {
  return {
    name: 'test/observer',
    input: { authentication: ['storeUserEmail'], profile: ['email', 'priceTables'], rnb: ['campaigns'] },
    output: {},
    run: (_input, { changed }) => void seen.push([...changed].sort()),
  };
}

function options(seen: string[][]): SessionOptions {
  return {
    authenticate: (cookies) => (cookies.VtexIdclientAutCookie_store === 'token-ana' ? { storeUserEmail: 'ana@example.com' } : undefined),
    profiles: ({ email }) => (email === 'ana@example.com' ? { id: 'u-ana', email, priceTables: ['gold'] } : undefined),
    clusters: (email) => (email === 'ana@example.com' ? ['vip'] : []),
    audiences: [{ id: 'vip-week', clusters: ['vip'] }],
    transforms: [observer(seen)],
  };
}

describe('transform cascade', () => {
  describe('when one login cookie arrives on a page request', () => {
    it('should settle login, profile, price tables and the campaign of the cluster before the page renders', async () => {
      const seen: string[][] = [];
      const visitor = new Visitor(makeApp(options(seen)));
      await visitor.page();
      visitor.setCookie('VtexIdclientAutCookie_store', 'token-ana');
      const page = await visitor.page();
      expect(page.body.namespaces.authentication).toEqual({ storeUserEmail: { value: 'ana@example.com' } });
      expect(page.body.segment.data).toMatchObject({ priceTables: 'gold', campaigns: 'vip-week' });
      expect(visitor.segment()).toMatchObject({ priceTables: 'gold', campaigns: 'vip-week' });
    });

    it('should get there in successive rounds: cookie → authentication → profile → rnb', async () => {
      const seen: string[][] = [];
      const visitor = new Visitor(makeApp(options(seen)));
      await visitor.page();
      seen.length = 0;
      visitor.setCookie('VtexIdclientAutCookie_store', 'token-ana');
      await visitor.page();
      // Round 1 runs authentication (which the observer does not watch).
      expect(seen).toEqual([
        ['authentication.storeUserEmail'],
        expect.arrayContaining(['profile.email', 'profile.priceTables']),
        ['rnb.campaigns'],
      ]);
    });
  });
});
