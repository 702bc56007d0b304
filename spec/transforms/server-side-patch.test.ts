import { makeApp, setCookie } from '../support/app';
import { Visitor, regionId, segmentOf } from '../support/transforms';

const regions = { BRA: [{ from: '01000-000', to: '05999-999', sellers: ['seller1', 'seller2'] }] };

describe('req.vtexSession.patch in a page handler', () => {
  const app = makeApp(
    {
      regions,
      profiles: ({ email }) => (email === 'ana@example.com' ? { id: 'u-ana', email, priceTables: ['gold'] } : undefined),
    },
    (app) => {
      app.post('/shipping', async (req, res) => {
        const before = req.vtexSegment.token;
        await req.vtexSession.patch({ public: { country: { value: 'BRA' }, postalCode: { value: '01310-100' } } });
        res.json({ before, after: req.vtexSegment, regionId: req.vtexSession.get('checkout', 'regionId') });
      });
      app.post('/login', async (req, res) => {
        const before = req.vtexSession.id;
        await req.vtexSession.patch({ authentication: { storeUserEmail: { value: 'ana@example.com' } } });
        res.json({ before, after: req.vtexSession.id, segment: req.vtexSegment });
      });
    },
  );

  describe('when it writes public items', () => {
    it('should run the transforms and refresh req.vtexSegment', async () => {
      const visitor = new Visitor(app);
      await visitor.page();
      const res = await visitor.post('/shipping');
      expect(res.body.regionId).toBe(regionId(['seller1', 'seller2']));
      expect(res.body.after.data.regionId).toBe(regionId(['seller1', 'seller2']));
      expect(segmentOf(res.body.after.token)).toEqual(res.body.after.data);
      expect(res.body.after.token).not.toBe(res.body.before);
    });

    it('should set vtex_segment to the new token', async () => {
      const visitor = new Visitor(app);
      await visitor.page();
      const res = await visitor.post('/shipping');
      expect(setCookie(res, 'vtex_segment')?.value).toBe(res.body.after.token);
    });
  });

  describe('when it logs a customer in', () => {
    it('should load the profile, move the session to a new id and set both cookies', async () => {
      const visitor = new Visitor(app);
      await visitor.page();
      const res = await visitor.post('/login');
      expect(res.body.after).not.toBe(res.body.before);
      expect(res.body.segment.data.priceTables).toBe('gold');
      expect(setCookie(res, 'vtex_session')).toBeDefined();
      expect(setCookie(res, 'vtex_segment')?.value).toBe(res.body.segment.token);
      expect((await visitor.session('profile.isAuthenticated')).id).toBe(res.body.after);
    });
  });
});
