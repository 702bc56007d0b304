import type { Express } from 'express';
import { makeApp } from '../support/app';
import { Visitor, segmentOf, valueOf } from '../support/transforms';
import type { Audience, SessionOptions } from '../../lib';

const PAST = { from: '2000-01-01T00:00:00Z', to: '2000-12-31T00:00:00Z' };
const NOW_ON = { from: '2000-01-01T00:00:00Z', to: '2999-12-31T00:00:00Z' };
const FUTURE = { from: '2999-01-01T00:00:00Z', to: '2999-12-31T00:00:00Z' };

function shopApp(audiences: Audience[], extra: SessionOptions = {}): Express {
  return makeApp({ audiences, ...extra }, (app) => {
    app.post('/login', async (req, res) => {
      await req.vtexSession.patch({ authentication: { storeUserEmail: { value: String(req.query.email) } } });
      res.json(req.vtexSegment);
    });
  });
}

async function campaignsAfter(app: Express, items: Record<string, unknown>): Promise<string | null> {
  const res = await new Visitor(app).patch(items);
  expect(res.status).toBe(200);
  return segmentOf(res.body.segmentToken).campaigns;
}

describe('rnb transform (campaign audiences)', () => {
  describe('when the audience targets utm_source', () => {
    const app = shopApp([{ id: 'newsletter', utm_source: ['Newsletter'] }]);

    it('should put the audience id in rnb.campaigns and segment.campaigns', async () => {
      const visitor = new Visitor(app);
      const res = await visitor.patch({ utm_source: 'newsletter' });
      expect(segmentOf(res.body.segmentToken).campaigns).toBe('newsletter');
      expect(valueOf(await visitor.session('rnb.campaigns'), 'rnb', 'campaigns')).toBe('newsletter');
    });

    it('should not match another source', async () => {
      expect(await campaignsAfter(app, { utm_source: 'google' })).toBeNull();
    });

    it('should leave the campaign when the source changes', async () => {
      const visitor = new Visitor(app);
      await visitor.patch({ utm_source: 'newsletter' });
      const res = await visitor.patch({ utm_source: 'google' });
      expect(segmentOf(res.body.segmentToken).campaigns).toBeNull();
    });
  });

  describe('when the audience targets utm_campaign', () => {
    it('should match the campaign, in any case', async () => {
      const app = shopApp([{ id: 'bf', utm_campaign: ['blackfriday'] }]);
      expect(await campaignsAfter(app, { utm_campaign: 'BlackFriday' })).toBe('bf');
    });
  });

  describe('when the audience targets postal-code ranges', () => {
    const app = shopApp([{ id: 'sp', postalCodes: [{ country: 'BRA', from: '01000-000', to: '05999-999' }] }]);

    it('should match a postal code inside a range of the country', async () => {
      expect(await campaignsAfter(app, { country: 'BRA', postalCode: '01310-100' })).toBe('sp');
    });

    it('should not match outside the range nor in another country', async () => {
      expect(await campaignsAfter(app, { country: 'BRA', postalCode: '20040-020' })).toBeNull();
      expect(await campaignsAfter(app, { country: 'PRT', postalCode: '01310-100' })).toBeNull();
    });
  });

  describe('when the audience targets a customer cluster', () => {
    const app = shopApp([{ id: 'vip-week', clusters: ['vip'] }], {
      clusters: (email) => (email === 'ana@example.com' ? ['vip'] : []),
    });

    it('should match a logged-in customer that clusters places in it', async () => {
      const visitor = new Visitor(app);
      await visitor.page();
      const res = await visitor.post('/login?email=ana@example.com');
      expect(res.body.data.campaigns).toBe('vip-week');
    });

    it('should not match a customer outside the cluster', async () => {
      const visitor = new Visitor(app);
      await visitor.page();
      const res = await visitor.post('/login?email=bruno@example.com');
      expect(res.body.data.campaigns).toBeNull();
    });
  });

  describe('when an audience has several conditions', () => {
    const conditions = { utm_source: ['newsletter'], postalCodes: [{ from: '01000-000', to: '05999-999' }] };
    const app = shopApp([
      { id: 'either', ...conditions },
      { id: 'both', match: 'and', ...conditions },
    ]);

    it('should join them by or by default', async () => {
      expect(await campaignsAfter(app, { utm_source: 'newsletter' })).toBe('either');
    });

    it('should join them by and when match is "and"', async () => {
      expect(await campaignsAfter(app, { utm_source: 'newsletter', postalCode: '01310-100' })).toBe('either,both');
    });
  });

  describe('when several audiences match', () => {
    it('should join their ids by "," in the order of the option', async () => {
      const app = shopApp([
        { id: 'b', utm_source: ['newsletter'] },
        { id: 'a', utm_campaign: ['blackfriday'] },
      ]);
      expect(await campaignsAfter(app, { utm_source: 'newsletter', utm_campaign: 'blackfriday' })).toBe('b,a');
    });
  });

  describe('when an audience has a date window', () => {
    const app = shopApp([
      { id: 'past', utm_source: ['newsletter'], ...PAST },
      { id: 'current', utm_source: ['newsletter'], ...NOW_ON },
      { id: 'future', utm_source: ['newsletter'], ...FUTURE },
    ]);

    it('should match only inside the window', async () => {
      expect(await campaignsAfter(app, { utm_source: 'newsletter' })).toBe('current');
    });
  });

  describe('when an audience has no conditions', () => {
    it('should hold every new visitor inside its window', async () => {
      const app = shopApp([{ id: 'everyone', ...NOW_ON }, { id: 'later', ...FUTURE }]);
      const page = await new Visitor(app).page();
      expect(page.body.segment.data.campaigns).toBe('everyone');
    });
  });
});
