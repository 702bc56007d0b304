import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { StoreUnavailableError, type SessionStore } from '../../lib';
import { cookieHeader, ControllableStore, makeApp, memoryLogger } from '../support/app';

const DRIVER_MESSAGE = 'connect ECONNREFUSED 10.0.0.5:6379';

/** A store whose driver fails the way a network client does: its message names the host it could not reach. */
class UnreachableStore extends ControllableStore implements SessionStore {
  private refuse(): Promise<never> {
    return Promise.reject(Object.assign(new Error(DRIVER_MESSAGE), { code: 'ECONNREFUSED' }));
  }
  override get(id: string) {
    return this.mode === 'fail' ? this.refuse() : super.get(id);
  }
  override set(...args: Parameters<SessionStore['set']>) {
    return this.mode === 'fail' ? this.refuse() : super.set(...args);
  }
}

describe('store errors', () => {
  let store: UnreachableStore;
  let cookie: string;
  const logger = memoryLogger();

  beforeEach(async () => {
    store = new UnreachableStore();
    logger.lines.length = 0;
    // A stored session, so that its requests read the store (a session never written makes no store operation).
    cookie = cookieHeader(await request(makeApp({ store })).post('/api/sessions').send({ public: { country: { value: 'BRA' } } }));
    store.mode = 'fail';
  });

  describe('when the store’s driver fails with a message that names an internal host', () => {
    it('should answer the API with 503 and a message of its own, not the driver’s', async () => {
      const res = await request(makeApp({ store, logger })).patch('/api/sessions').set('Cookie', cookie).send({ public: { a: { value: '1' } } });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        type: 'ServiceUnavailable',
        message: 'session store get failed',
        error: { code: 'STORE_UNAVAILABLE', message: 'session store get failed' },
      });
    });

    it('should log the driver’s message, for the API and for pages', async () => {
      const app = makeApp({ store, logger });
      await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { a: { value: '1' } } });
      await request(app).get('/page').set('Cookie', cookie);
      expect(logger.lines.map((line) => line.detail?.cause)).toEqual([DRIVER_MESSAGE, DRIVER_MESSAGE]);
    });

    it('should hand the driver’s error to the app’s error handler as the cause, with onStoreError fail', async () => {
      const seen: unknown[] = [];
      const app = makeApp({ store, logger, onStoreError: 'fail' }, (app) => {
        app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
          seen.push(error);
          res.status(503).end();
        });
      });
      await request(app).get('/page').set('Cookie', cookie).expect(503);
      expect(seen[0]).toBeInstanceOf(StoreUnavailableError);
      expect((seen[0] as Error).cause).toMatchObject({ message: DRIVER_MESSAGE, code: 'ECONNREFUSED' });
    });
  });
});
