import request from 'supertest';
import { decodeSegment, type NamespacesPatch } from '../../lib';
import { ControllableStore, cookieHeader, makeApp, setCookie } from '../support/app';
import { decodeJwt, sessionTokenOf, storedVisit, visit } from '../support/session';

describe('req.vtexSession', () => {
  describe('get(ns, key)', () => {
    it('should answer the value of an item, and undefined for an absent one', async () => {
      const app = makeApp({}, (app) => {
        app.get('/values', (req, res) => {
          res.json({ channel: req.vtexSession.get('store', 'channel'), absent: req.vtexSession.get('public', 'nothing') ?? 'undefined' });
        });
      });

      const res = await visit(app, undefined, '/values');

      expect(res.body).toEqual({ channel: '1', absent: 'undefined' });
    });
  });

  describe('patch(changes)', () => {
    function app(store = new ControllableStore()) {
      return makeApp({ store }, (app) => {
        app.post('/campaign', async (req, res) => {
          const before = req.vtexSegment.token;
          await req.vtexSession.patch({ public: { utm_source: { value: 'newsletter' } } });
          res.json({ changed: before !== req.vtexSegment.token, segment: req.vtexSegment, version: req.vtexSession.version, source: req.vtexSession.get('public', 'utm_source') });
        });
        app.post('/bad', async (req, res) => {
          try {
            await req.vtexSession.patch({ public: { utm_source: 'newsletter' } } as unknown as NamespacesPatch);
            res.json({ thrown: null });
          } catch (error) {
            res.json({ thrown: (error as Error).constructor.name, message: (error as Error).message });
          }
        });
      });
    }

    it('should persist the write and bump the version', async () => {
      const store = new ControllableStore();
      const storefront = app(store);
      const first = await storedVisit(storefront);

      const res = await request(storefront).post('/campaign').set('Cookie', cookieHeader(first));

      expect(res.body.source).toBe('newsletter');
      expect(res.body.version).toBe(2);
      expect((await store.inner.get(first.body.id))!.namespaces.public).toEqual({ utm_medium: { value: 'email' }, utm_source: { value: 'newsletter' } });
    });

    it("should store a never-written session's first patch as version 1 under the same id, with a new vtex_session", async () => {
      const store = new ControllableStore();
      const storefront = app(store);
      const first = await visit(storefront);

      const res = await request(storefront).post('/campaign').set('Cookie', cookieHeader(first));

      expect(res.body.version).toBe(1);
      expect(await store.inner.get(first.body.id)).toMatchObject({ id: first.body.id, version: 1, namespaces: { public: { utm_source: { value: 'newsletter' } } } });
      const { payload } = decodeJwt(sessionTokenOf(res)!);
      expect(payload.id).toBe(first.body.id);
      expect(payload.stored).toBeUndefined();
    });

    it('should refresh req.vtexSegment and reset the vtex_segment cookie to it', async () => {
      const storefront = app();
      const first = await storedVisit(storefront);

      const res = await request(storefront).post('/campaign').set('Cookie', cookieHeader(first));

      expect(res.body.changed).toBe(true);
      expect(decodeSegment(res.body.segment.token).utm_source).toBe('newsletter');
      expect(setCookie(res, 'vtex_segment')!.value).toBe(res.body.segment.token);
      expect(sessionTokenOf(res)).toBeUndefined();
    });

    it('should refuse a patch that is not { ns: { key: { value } } } with a TypeError', async () => {
      const storefront = app();
      const first = await visit(storefront);

      const res = await request(storefront).post('/bad').set('Cookie', cookieHeader(first));

      expect(res.body).toEqual({ thrown: 'TypeError', message: expect.stringContaining('public.utm_source') });
    });
  });
});
