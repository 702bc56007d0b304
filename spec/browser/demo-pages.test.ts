import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../demo-store/app';
import { cookieHeader, memoryLogger, SECRET } from '../support/app';

function demoStore(): Express {
  return createApp({ secret: SECRET, logger: memoryLogger() });
}

/** A Cookie header for a visitor who has seen one page. */
async function newVisitor(app: Express): Promise<string> {
  return cookieHeader(await request(app).get('/'));
}

async function logIn(app: Express, cookies: string, email: string): Promise<string> {
  const res = await request(app).post('/login').type('form').send({ email }).set('Cookie', cookies);
  expect(res.status).toBe(303);
  return cookieHeader(res, cookies);
}

describe('the demo store’s pages', () => {
  describe('when a session value holds markup', () => {
    it('should show it escaped on the session page', async () => {
      const app = demoStore();
      const cookies = await newVisitor(app);
      const written = await request(app)
        .patch('/api/sessions')
        .set('Cookie', cookies)
        .send({ public: { postalCode: { value: '<img src=x onerror=alert(1)>' } } });
      expect(written.status).toBe(200);

      const res = await request(app).get('/session').set('Cookie', cookieHeader(written, cookies));

      expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(res.text).not.toContain('<img src=x');
    });
  });

  describe('when someone logs in as an unknown user', () => {
    it('should answer 400 and leave the visitor anonymous', async () => {
      const app = demoStore();
      const cookies = await newVisitor(app);

      const res = await request(app).post('/login').type('form').send({ email: 'mallory@example.com' }).set('Cookie', cookies);

      expect(res.status).toBe(400);
      expect(res.text).toContain('Unknown user.');
      expect(res.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('when a visitor asks the API for the private B2B channel', () => {
    it('should refuse an anonymous visitor with 401', async () => {
      const app = demoStore();
      const cookies = await newVisitor(app);

      const res = await request(app).patch('/api/sessions').set('Cookie', cookies).send({ public: { sc: { value: '2' } } });

      expect(res.status).toBe(401);
    });

    it('should refuse a retail customer with 403', async () => {
      const app = demoStore();
      const cookies = await logIn(app, await newVisitor(app), 'ana@example.com');

      const res = await request(app).patch('/api/sessions').set('Cookie', cookies).send({ public: { sc: { value: '2' } } });

      expect(res.status).toBe(403);
    });
  });

  describe('when the B2B buyer logs in', () => {
    it('should move the session to the private channel with the gold price table', async () => {
      const app = demoStore();
      const cookies = await logIn(app, await newVisitor(app), 'bruno@b2b.example.com');

      const res = await request(app).get('/api/segments').set('Cookie', cookies);

      expect(res.body).toMatchObject({ channel: '2', priceTables: 'gold', channelPrivacy: 'private' });
    });
  });

  describe('when an anonymous visitor writes a B2B buyer’s e-mail into public.storeUserEmail', () => {
    it('should keep the list prices: price tables are for a logged-in customer only', async () => {
      const app = demoStore();
      const cookies = await newVisitor(app);

      const written = await request(app).patch('/api/sessions').set('Cookie', cookies).send({ public: { storeUserEmail: { value: 'bruno@b2b.example.com' } } });
      expect(written.status).toBe(200);
      const after = cookieHeader(written, cookies);

      expect((await request(app).get('/api/segments').set('Cookie', after)).body).toMatchObject({ priceTables: null, channel: '1' });
      const page = await request(app).get('/').set('Cookie', after);
      expect(page.text).toMatch(/data-sku="espresso-beans"[\s\S]*?class="price" data-price="89.90"/);
      expect(page.text).not.toContain('data-price-table="gold"');
    });
  });

  describe('when a page does not exist', () => {
    it('should answer 404 with a page of the store', async () => {
      const res = await request(demoStore()).get('/no-such-page');

      expect(res.status).toBe(404);
      expect(res.text).toContain('There is no page here.');
    });
  });

  describe('every page', () => {
    it('should carry a Content-Security-Policy that allows only the store’s own scripts', async () => {
      const res = await request(demoStore()).get('/');

      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    });

    it.each(['/', '/products/house-blend', '/login', '/session', '/cache-stats', '/no-such-page'])(
      'should declare English, the language of its text, on %s',
      async (path) => {
        const res = await request(demoStore()).get(path);

        expect(res.text).toMatch(/^<!doctype html>\n<html lang="en">/);
      },
    );
  });
});
