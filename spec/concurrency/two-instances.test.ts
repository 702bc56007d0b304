import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { decodeSessionToken, RedisSessionStore } from '../../lib';
import { cookieHeader, loginRoute, makeApp, setCookie } from '../support/app';
import { connectClient, describeWithRedis } from '../support/redis';

describeWithRedis('two app instances on one Redis', (url) => {
  // Two processes of one storefront: the same secret, each with its own client and store.
  const prefix = `spec-instances-${randomUUID()}:`;
  let clients: Array<Awaited<ReturnType<typeof connectClient>>> = [];
  let first: Express;
  let second: Express;

  beforeAll(async () => {
    clients = [await connectClient(url), await connectClient(url)];
    [first, second] = clients.map((client) => makeApp({ store: new RedisSessionStore({ client, prefix }) }, loginRoute));
  });

  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}*`);
    if (keys.length > 0) await clients[0].del(keys);
    await Promise.all(clients.map((client) => client.close()));
  });

  describe('when a session is created through one instance', () => {
    it('should be read through the other, with the same id, items and segment', async () => {
      const created = await request(first).post('/api/sessions').send({ public: { country: { value: 'BRA' }, utm_source: { value: 'newsletter' } } });
      const cookie = cookieHeader(created);
      const id = decodeSessionToken(setCookie(created, 'vtex_session')!.value)?.id;

      const view = await request(second).get('/api/sessions?items=public.country,public.utm_source').set('Cookie', cookie);
      expect(view.body).toMatchObject({ id, version: 1, namespaces: { public: { country: { value: 'BRA' }, utm_source: { value: 'newsletter' } } } });

      const page = await request(second).get('/page').set('Cookie', cookie);
      expect(page.body.id).toBe(id);
      expect(page.body.segment.token).toBe(setCookie(created, 'vtex_segment')!.value);
      expect(page.body.segment.data.utm_source).toBe('newsletter');
      // The other instance recognised the session: it issues no new one.
      expect(setCookie(page, 'vtex_session')).toBeUndefined();
    });
  });

  describe('when a session is edited through the other instance', () => {
    it('should show the edit through the first', async () => {
      const cookie = cookieHeader(await request(first).post('/api/sessions').send({ public: { country: { value: 'BRA' } } }));
      const edited = await request(second).patch('/api/sessions').set('Cookie', cookie).send({ public: { utm_campaign: { value: 'black-friday' } } });
      expect(edited.status).toBe(200);

      const page = await request(first).get('/page').set('Cookie', cookieHeader(edited, cookie));
      expect(page.body.version).toBe(2);
      expect(page.body.namespaces.public).toEqual({ country: { value: 'BRA' }, utm_campaign: { value: 'black-friday' } });
      expect(page.body.segment.data.utm_campaign).toBe('black-friday');
      expect(page.body.segment.token).toBe(edited.body.segmentToken);
    });

    it('should move a login made through one instance to the other, under the new session id', async () => {
      const visit = await request(first).get('/page');
      const cookie = cookieHeader(visit);
      const before = visit.body.id;
      const login = await request(second).post('/login').set('Cookie', cookie);
      expect(login.body.id).not.toBe(before);

      const page = await request(first).get('/page').set('Cookie', cookieHeader(login, cookie));
      expect(page.body.id).toBe(login.body.id);
      expect(page.body.namespaces.authentication).toEqual({ storeUserEmail: { value: 'ana@example.com' } });
      // Under the id it had before login, only a pointer without data is left, for five minutes at most.
      const old = await new RedisSessionStore({ client: clients[0], prefix }).get(before);
      expect(old).toMatchObject({ id: before, successor: login.body.id });
      expect(old!.namespaces).toEqual({});
      expect(await clients[0].pTTL(prefix + before)).toBeGreaterThan(0);
      expect(await clients[0].pTTL(prefix + before)).toBeLessThanOrEqual(5 * 60 * 1000);
    });
  });
});
