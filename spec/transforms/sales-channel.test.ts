import type { Express } from 'express';
import request from 'supertest';
import { makeApp, setCookies } from '../support/app';
import { Visitor, segmentOf, segmentSetBy, valueOf } from '../support/transforms';
import type { CustomerProfile, NamespacesPatch, SessionOptions } from '../../lib';

const customers: Record<string, CustomerProfile> = {
  'buyer@b2b.example': { id: 'c-1', email: 'buyer@b2b.example', priceTables: ['b2b'] },
  'shopper@example.com': { id: 'c-2', email: 'shopper@example.com', priceTables: ['gold'] },
};

const options: SessionOptions = {
  channels: {
    '1': { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', supportedLocales: ['pt-BR', 'en-US'] },
    '2': { currencyCode: 'USD', currencySymbol: '$', countryCode: 'USA', cultureInfo: 'en-US', admin_cultureInfo: 'en-US' },
    // Any logged-in customer (the default rule of a private channel).
    members: { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', privacy: 'private' },
    // Only customers whose price tables hold b2b.
    b2b: {
      currencyCode: 'BRL',
      currencySymbol: 'R$',
      countryCode: 'BRA',
      cultureInfo: 'pt-BR',
      privacy: 'private',
      allow: (profile) => String(profile.priceTables ?? '').split(',').includes('b2b'),
    },
  },
  profiles: ({ email }) => (email === undefined ? undefined : customers[email]),
};

/** The shop's own login handler: a server-side write of the identity, and of a channel if asked. */
function shopApp(extra: SessionOptions = {}): Express {
  return makeApp({ ...options, ...extra }, (app) => {
    app.post('/login', async (req, res, next) => {
      try {
        const patch: NamespacesPatch = { authentication: { storeUserEmail: { value: String(req.query.email) } } };
        if (typeof req.query.sc === 'string') patch.public = { sc: { value: req.query.sc } };
        await req.vtexSession.patch(patch);
        res.json(req.vtexSegment);
      } catch (error) {
        next(error);
      }
    });
    app.post('/logout', async (req, res) => {
      await req.vtexSession.patch({ authentication: { storeUserEmail: { value: '' } } });
      res.json(req.vtexSegment);
    });
  });
}

async function logIn(visitor: Visitor, email: string, sc?: string) {
  return visitor.post(`/login?email=${encodeURIComponent(email)}${sc === undefined ? '' : `&sc=${sc}`}`);
}

describe('store transform (sales channel)', () => {
  describe('when a new visitor arrives', () => {
    it('should put the default channel in store.* and in the segment', async () => {
      const visitor = new Visitor(shopApp({ defaultChannel: '2' }));
      const page = await visitor.page();
      expect(page.body.namespaces.store).toEqual({
        channel: { value: '2' },
        countryCode: { value: 'USA' },
        cultureInfo: { value: 'en-US' },
        currencyCode: { value: 'USD' },
        currencySymbol: { value: '$' },
        channelPrivacy: { value: 'public' },
        admin_cultureInfo: { value: 'en-US' },
      });
      expect(page.body.segment.data).toMatchObject({ channel: '2', currencyCode: 'USD', admin_cultureInfo: 'en-US' });
    });
  });

  describe('when public.sc names a public channel', () => {
    it('should select it: currency, country, culture and privacy in store.* and the segment', async () => {
      const visitor = new Visitor(shopApp());
      const res = await visitor.patch({ sc: '2' });
      expect(res.status).toBe(200);
      expect(segmentOf(res.body.segmentToken)).toMatchObject({
        channel: '2',
        currencyCode: 'USD',
        currencySymbol: '$',
        countryCode: 'USA',
        cultureInfo: 'en-US',
        admin_cultureInfo: 'en-US',
        channelPrivacy: 'public',
      });
      expect(valueOf(await visitor.session('store.currencyCode'), 'store', 'currencyCode')).toBe('USD');
    });

    it('should fall back to the default channel when it is unknown', async () => {
      const visitor = new Visitor(shopApp());
      const res = await visitor.patch({ sc: '99' });
      expect(segmentOf(res.body.segmentToken).channel).toBe('1');
    });

    it('should go back to the default channel when sc is cleared', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.patch({ sc: '2' });
      const res = await visitor.patch({ sc: '' });
      expect(segmentOf(res.body.segmentToken)).toMatchObject({ channel: '1', currencyCode: 'BRL' });
    });
  });

  describe('when an anonymous visitor asks for a private channel', () => {
    it('should answer 401 and store nothing', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.patch({ country: 'BRA' });
      const before = await visitor.session();
      const res = await visitor.patch({ sc: 'members', postalCode: '01310-100' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(setCookies(res)).toEqual([]);
      expect(await visitor.session()).toEqual(before);
    });

    it('should create no session for a visitor who had none', async () => {
      const res = await request(shopApp()).post('/api/sessions?sc=members').send({});
      expect(res.status).toBe(401);
      expect(setCookies(res)).toEqual([]);
    });
  });

  describe('when a logged-in customer asks for a private channel that does not admit them', () => {
    it('should answer 403 and store nothing', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.page();
      await logIn(visitor, 'shopper@example.com');
      const before = await visitor.session();
      const res = await visitor.patch({ sc: 'b2b' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      expect(await visitor.session()).toEqual(before);
    });
  });

  describe('when the channel admits the customer', () => {
    it('should select the private channel for any logged-in customer by default', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.page();
      await logIn(visitor, 'shopper@example.com');
      const res = await visitor.patch({ sc: 'members' });
      expect(res.status).toBe(200);
      expect(segmentOf(res.body.segmentToken)).toMatchObject({ channel: 'members', channelPrivacy: 'private' });
    });

    it('should select the channel whose allow() admits the profile', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.page();
      await logIn(visitor, 'buyer@b2b.example');
      const res = await visitor.patch({ sc: 'b2b' });
      expect(res.status).toBe(200);
      expect(segmentOf(res.body.segmentToken)).toMatchObject({ channel: 'b2b', priceTables: 'b2b', channelPrivacy: 'private' });
    });

    it('should admit a login and a private channel written together', async () => {
      // The first round sees the channel before the profile is loaded; the refusal waits for the cascade to settle.
      const visitor = new Visitor(shopApp());
      await visitor.page();
      const res = await logIn(visitor, 'buyer@b2b.example', 'b2b');
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ channel: 'b2b', priceTables: 'b2b' });
    });

    it('should still refuse a login and a channel written together when the channel does not admit the customer', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.page();
      const before = await visitor.session();
      const res = await logIn(visitor, 'shopper@example.com', 'b2b');
      expect(res.status).toBe(403);
      expect(await visitor.session()).toEqual(before);
    });

    it('should fall back to the default channel on logout rather than fail the logout', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.page();
      await logIn(visitor, 'buyer@b2b.example');
      await visitor.patch({ sc: 'b2b' });
      const res = await visitor.post('/logout');
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ channel: '1', channelPrivacy: 'public', priceTables: null });
    });
  });

  describe('when public.cultureInfo or public.locale asks for a culture', () => {
    it('should select a culture the channel supports', async () => {
      const visitor = new Visitor(shopApp());
      const res = await visitor.patch({ cultureInfo: 'en-US' });
      expect(segmentOf(res.body.segmentToken)).toMatchObject({ channel: '1', cultureInfo: 'en-US' });
    });

    it('should keep the channel culture when the channel does not support it', async () => {
      const visitor = new Visitor(shopApp());
      const res = await visitor.patch({ cultureInfo: 'fr-FR' });
      expect(segmentOf(res.body.segmentToken).cultureInfo).toBe('pt-BR');
    });

    it('should read public.locale as well', async () => {
      const visitor = new Visitor(shopApp());
      const res = await visitor.patch({ locale: 'en-US' });
      expect(segmentSetBy(res).cultureInfo).toBe('en-US');
    });

    it('should take public.locale when public.cultureInfo is not supported', async () => {
      const visitor = new Visitor(shopApp());
      const res = await visitor.patch({ cultureInfo: 'fr-FR', locale: 'en-US' });
      expect(segmentSetBy(res).cultureInfo).toBe('en-US');
    });

    it('should drop a culture that the newly selected channel does not support', async () => {
      const visitor = new Visitor(shopApp());
      await visitor.patch({ cultureInfo: 'pt-BR' });
      const res = await visitor.patch({ sc: '2' });
      expect(segmentOf(res.body.segmentToken).cultureInfo).toBe('en-US');
    });
  });
});
