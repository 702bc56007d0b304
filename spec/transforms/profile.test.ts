import type { Express } from 'express';
import { makeApp, memoryLogger } from '../support/app';
import { Visitor, segmentOf } from '../support/transforms';
import type { CustomerProfile, SessionOptions } from '../../lib';

const customers: Record<string, CustomerProfile> = {
  'ana@example.com': { id: 'u-ana', email: 'ana@example.com', firstName: 'Ana', lastName: 'Souza', priceTables: ['gold', 'vip'] },
};

function shopApp(extra: SessionOptions = {}): Express {
  return makeApp({ profiles: ({ email }) => (email === undefined ? undefined : customers[email]), ...extra }, (app) => {
    app.post('/login', async (req, res) => {
      await req.vtexSession.patch({ authentication: { storeUserEmail: { value: String(req.query.email) } } });
      res.json(req.vtexSegment);
    });
  });
}

describe('profile transform', () => {
  describe('when a new visitor arrives', () => {
    it('should say isAuthenticated "false", a string as at VTEX', async () => {
      const page = await new Visitor(shopApp()).page();
      expect(page.body.namespaces.profile).toEqual({ isAuthenticated: { value: 'false' } });
    });
  });

  describe('when a customer logs in', () => {
    it('should load the profile through profiles, with price tables joined by ","', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.page();
      await visitor.post('/login?email=ana@example.com');
      const view = await visitor.session('profile');
      expect(view.namespaces.profile).toEqual({
        isAuthenticated: { value: 'true' },
        id: { value: 'u-ana' },
        email: { value: 'ana@example.com' },
        firstName: { value: 'Ana' },
        lastName: { value: 'Souza' },
        priceTables: { value: 'gold,vip' },
      });
      expect(visitor.segment().priceTables).toBe('gold,vip');
    });

    it('should say isAuthenticated "true" with empty price tables for a customer profiles does not know', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.page();
      const res = await visitor.post('/login?email=new@example.com');
      expect(res.body.data.priceTables).toBeNull();
      const view = await visitor.session('profile');
      expect(view.namespaces.profile).toEqual({ isAuthenticated: { value: 'true' }, email: { value: 'new@example.com' } });
    });
  });

  describe('when only public.storeUserEmail is written', () => {
    it('should load no price tables and not even ask profiles, by default', async () => {
      const lookups: unknown[] = [];
      const visitor = new Visitor(shopApp({ profiles: (user, context) => void lookups.push([user, context]) }));
      const res = await visitor.patch({ storeUserEmail: 'ana@example.com' }, '?items=profile');
      expect(res.body.namespaces.profile).toEqual({ isAuthenticated: { value: 'false' } });
      expect(visitor.segment().priceTables).toBeNull();
      expect(lookups).toEqual([]);
    });
  });

  describe('when anonymousPriceTables is on and only public.storeUserEmail is written', () => {
    it('should load only the price tables and leave isAuthenticated "false"', async () => {
      const visitor = new Visitor(shopApp({ anonymousPriceTables: true }));
      const res = await visitor.patch({ storeUserEmail: 'ana@example.com' }, '?items=profile');
      expect(res.body.namespaces.profile).toEqual({ isAuthenticated: { value: 'false' }, priceTables: { value: 'gold,vip' } });
      expect(visitor.segment().priceTables).toBe('gold,vip');
    });

    it('should tell profiles that the customer is not authenticated', async () => {
      const lookups: unknown[] = [];
      const visitor = new Visitor(shopApp({ anonymousPriceTables: true, profiles: (user, context) => void lookups.push([user, context]) }));
      await visitor.patch({ storeUserEmail: 'ana@example.com' });
      expect(lookups).toEqual([[{ email: 'ana@example.com' }, { authenticated: false }]]);
    });

    it('should give no price tables when profiles withholds them from an unauthenticated customer', async () => {
      const visitor = new Visitor(
        shopApp({ anonymousPriceTables: true, profiles: ({ email }, { authenticated }) => (authenticated && email ? customers[email] : undefined) }),
      );
      const res = await visitor.patch({ storeUserEmail: 'ana@example.com' });
      expect(segmentOf(res.body.segmentToken).priceTables).toBeNull();
    });

    it('should drop the price tables when it is cleared', async () => {
      const visitor = new Visitor(shopApp({ anonymousPriceTables: true }));
      await visitor.patch({ storeUserEmail: 'ana@example.com' });
      const res = await visitor.patch({ storeUserEmail: '' });
      expect(segmentOf(res.body.segmentToken).priceTables).toBeNull();
    });
  });

  describe('when profiles is asked about a logged-in customer', () => {
    it('should tell it that the customer is authenticated', async () => {
      const lookups: unknown[] = [];
      const visitor = new Visitor(shopApp({ profiles: (user, context) => void lookups.push([user, context]) }));
      await visitor.page();
      await visitor.post('/login?email=ana@example.com');
      expect(lookups).toEqual([[{ id: undefined, email: 'ana@example.com' }, { authenticated: true }]]);
    });
  });

  describe('when profiles fails', () => {
    it('should keep the previous profile and log the failure', async () => {
      const logger = memoryLogger();
      let down = false;
      const visitor = new Visitor(
        shopApp({
          logger,
          anonymousPriceTables: true,
          profiles: ({ email }) => {
            if (down) throw new Error('customer service is down');
            return email === undefined ? undefined : customers[email];
          },
        }),
      );
      await visitor.patch({ storeUserEmail: 'ana@example.com' });
      down = true;
      const res = await visitor.patch({ storeUserEmail: 'someone@example.com' });
      expect(res.status).toBe(200);
      expect(segmentOf(res.body.segmentToken).priceTables).toBe('gold,vip');
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'error', message: 'session transform failed; its previous outputs are kept' }),
      );
    });
  });
});
