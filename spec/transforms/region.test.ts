import request from 'supertest';
import { makeApp, setCookie } from '../support/app';
import { Visitor, segmentOf, segmentSetBy, valueOf } from '../support/transforms';
import type { RegionQuery } from '../../lib';

// base64("SW#seller1;seller2") and base64("SW#"), written out so that the test does not share the
// package's encoder.
const SELLERS_1_2 = 'U1cjc2VsbGVyMTtzZWxsZXIy';
const NO_SELLER = 'U1cj';

const regions = {
  BRA: [
    { from: '01000-000', to: '05999-999', sellers: ['seller1', 'seller2'] },
    { from: '20000-000', to: '28999-999', sellers: ['seller3'] },
  ],
};

describe('checkout transform (region)', () => {
  describe('when a visitor writes public.country and public.postalCode', () => {
    it('should answer the write with checkout.regionId already filled', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      const res = await visitor.patch({ country: 'BRA', postalCode: '01310-100' }, '?items=checkout.regionId');
      expect(res.status).toBe(200);
      expect(res.body.namespaces).toEqual({ checkout: { regionId: { value: SELLERS_1_2 } } });
    });

    it('should answer a segmentToken and set a vtex_segment whose regionId is that region', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      const res = await visitor.patch({ country: 'BRA', postalCode: '01310-100' });
      expect(segmentOf(res.body.segmentToken).regionId).toBe(SELLERS_1_2);
      expect(setCookie(res, 'vtex_segment')?.value).toBe(res.body.segmentToken);
    });

    it('should keep the region for the next GET and the next page', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      await visitor.patch({ country: 'BRA', postalCode: '01310100' });
      expect(valueOf(await visitor.session('checkout.regionId'), 'checkout', 'regionId')).toBe(SELLERS_1_2);
      const page = await visitor.page();
      expect(page.body.segment.data.regionId).toBe(SELLERS_1_2);
    });

    it('should read the country in any case and the postal code with or without its dash', async () => {
      const visitor = new Visitor(makeApp({ regions: { bra: regions.BRA } }));
      const res = await visitor.patch({ country: 'bra', postalCode: '20040 020' }, '?items=checkout.regionId');
      expect(res.body.namespaces.checkout.regionId.value).toBe('U1cjc2VsbGVyMw==');
    });
  });

  describe('when no seller serves the postal code', () => {
    it('should answer the region of no sellers, U1cj', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      const res = await visitor.patch({ country: 'BRA', postalCode: '99999-999' });
      expect(segmentOf(res.body.segmentToken).regionId).toBe(NO_SELLER);
    });

    it('should not count a shorter code as inside a range', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      const res = await visitor.patch({ country: 'BRA', postalCode: '02' });
      expect(segmentOf(res.body.segmentToken).regionId).toBe(NO_SELLER);
    });
  });

  describe('when public.regionId is set', () => {
    it('should use it whatever the country and postal code say', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      const res = await visitor.patch({ country: 'BRA', postalCode: '01310-100', regionId: 'v2.chosen-by-the-shop' });
      expect(segmentOf(res.body.segmentToken).regionId).toBe('v2.chosen-by-the-shop');
    });

    it('should go back to the postal code once it is cleared', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      await visitor.patch({ country: 'BRA', postalCode: '01310-100', regionId: 'v2.chosen-by-the-shop' });
      const res = await visitor.patch({ regionId: '' });
      expect(segmentOf(res.body.segmentToken).regionId).toBe(SELLERS_1_2);
    });
  });

  describe('when the location is cleared', () => {
    it('should clear checkout.regionId and the segment regionId', async () => {
      const visitor = new Visitor(makeApp({ regions }));
      await visitor.patch({ country: 'BRA', postalCode: '01310-100' });
      const res = await visitor.patch({ postalCode: '' }, '?items=checkout.regionId');
      expect(res.body.namespaces).toEqual({});
      expect(segmentSetBy(res).regionId).toBeNull();
    });
  });

  describe('when regions is a resolver function', () => {
    it('should pass it geoCoordinates and store what it answers', async () => {
      const asked: RegionQuery[] = [];
      const app = makeApp({
        regions: async (query) => {
          asked.push(query);
          return query.geoCoordinates === '-46.65,-23.56' ? 'U1cjc2FvcGF1bG8=' : null;
        },
      });
      const res = await new Visitor(app).patch({ country: 'BRA', geoCoordinates: [-46.65, -23.56] });
      expect(asked).toEqual([{ country: 'BRA', postalCode: undefined, geoCoordinates: '-46.65,-23.56' }]);
      expect(segmentOf(res.body.segmentToken).regionId).toBe('U1cjc2FvcGF1bG8=');
    });

    it('should leave regionId unset when the resolver answers null', async () => {
      const app = makeApp({ regions: () => null });
      const res = await new Visitor(app).patch({ country: 'BRA', postalCode: '01310-100' });
      expect(segmentOf(res.body.segmentToken).regionId).toBeNull();
    });
  });

  describe('when a page script posts the location in the query string', () => {
    it('should fill the region on the POST that creates the session', async () => {
      const res = await request(makeApp({ regions })).post('/api/sessions?country=BRA&postalCode=01310-100').send({});
      expect(res.status).toBe(201);
      expect(segmentOf(res.body.segmentToken).regionId).toBe(SELLERS_1_2);
    });
  });
});
