import { HOUR, MINUTE, SECOND } from '../support/fake-clock';
import type { Express } from 'express';
import { ControllableStore, cookieHeader, makeApp } from '../support/app';
import { decodeJwt, LANDING, sessionTokenOf, visit } from '../support/session';

/**
 * A visitor whose browser keeps the cookies the responses set. The first request lands from a
 * campaign link (by default), so that the session is stored from the start.
 */
function browser(app: Express, landing = LANDING) {
  let cookie = '';
  return async () => {
    const res = await visit(app, cookie || undefined, cookie ? '/page' : landing);
    cookie = cookieHeader(res, cookie);
    return res;
  };
}

describe('session expiry', () => {
  describe('when maxAge has passed since the session was created', () => {
    it('should start a new session, without reading the store, even though the store still holds the old one', async () => {
      const store = new ControllableStore();
      // The idle timeout equals maxAge and the visitor keeps coming back: only maxAge can end this session.
      const open = browser(makeApp({ store, maxAge: 10 * HOUR, idleTimeout: 10 * HOUR }));
      const first = await open();
      for (let i = 0; i < 4; i++) {
        jest.advanceTimersByTime(2 * HOUR);
        expect((await open()).body.id).toBe(first.body.id);
      }
      const reads = store.calls.get;

      jest.advanceTimersByTime(2 * HOUR + SECOND);
      const res = await open();

      expect(res.body.id).not.toBe(first.body.id);
      expect(store.calls.get).toBe(reads);
      expect(await store.inner.get(first.body.id)).toBeDefined();
    });

    it("should end at the token's exp, which is createdAt + maxAge", async () => {
      const store = new ControllableStore();
      const res = await browser(makeApp({ store, maxAge: 10 * HOUR, idleTimeout: HOUR }))();

      const record = await store.inner.get(res.body.id);
      expect(decodeJwt(sessionTokenOf(res)!).payload.exp).toBe(Math.floor((record!.createdAt + 10 * HOUR) / 1000));
    });
  });

  describe('when the session has been idle for longer than idleTimeout', () => {
    it('should have left the store, so the visitor gets a new session', async () => {
      const open = browser(makeApp({ idleTimeout: HOUR }));
      const first = await open();

      jest.advanceTimersByTime(HOUR + SECOND);
      const res = await open();

      expect(res.body.id).not.toBe(first.body.id);
    });
  });

  describe('when the visitor comes back within idleTimeout', () => {
    it('should keep the session alive past the first idleTimeout', async () => {
      const open = browser(makeApp({ idleTimeout: HOUR }));
      const first = await open();

      jest.advanceTimersByTime(50 * MINUTE);
      expect((await open()).body.id).toBe(first.body.id);
      // 100 minutes after creation, 50 after the last request.
      jest.advanceTimersByTime(50 * MINUTE);
      expect((await open()).body.id).toBe(first.body.id);
      jest.advanceTimersByTime(HOUR + SECOND);
      expect((await open()).body.id).not.toBe(first.body.id);
    });
  });

  describe('touch throttling', () => {
    it('should neither write nor touch the store on the requests of a returning visitor', async () => {
      const store = new ControllableStore();
      const open = browser(makeApp({ store, idleTimeout: HOUR }));
      await open();

      for (let i = 0; i < 5; i++) {
        jest.advanceTimersByTime(MINUTE);
        await open();
      }

      expect(store.calls).toEqual({ get: 5, set: 1, delete: 0, touch: 0 });
    });

    it('should make no store operation at all for a session that was never written', async () => {
      const store = new ControllableStore();
      const open = browser(makeApp({ store, idleTimeout: HOUR }), '/page');
      const first = await open();

      for (let minute = 1; minute <= 30; minute++) {
        jest.advanceTimersByTime(MINUTE);
        expect((await open()).body).toMatchObject({ id: first.body.id, version: 0 });
      }

      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });
    });

    it('should touch at most once per touchInterval (a tenth of idleTimeout)', async () => {
      const store = new ControllableStore();
      const open = browser(makeApp({ store, idleTimeout: HOUR }));
      await open();

      // A request a minute for half an hour: touches at 6, 12, 18, 24 and 30 minutes.
      for (let minute = 1; minute <= 30; minute++) {
        jest.advanceTimersByTime(MINUTE);
        await open();
      }

      expect(store.calls.touch).toBe(5);
      expect(store.calls.set).toBe(1);
    });

    it('should not touch one second before the interval ends', async () => {
      const store = new ControllableStore();
      const open = browser(makeApp({ store, idleTimeout: HOUR }));
      await open();

      jest.advanceTimersByTime(6 * MINUTE - SECOND);
      await open();
      expect(store.calls.touch).toBe(0);

      jest.advanceTimersByTime(SECOND);
      await open();
      expect(store.calls.touch).toBe(1);
    });
  });
});
