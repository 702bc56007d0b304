import { HOUR, MINUTE, SECOND } from '../support/fake-clock';
import { LruSessionStore, type SessionStore } from '../../lib';
import { makeApp } from '../support/app';
import { sessionTokenOf, storedVisit, visit } from '../support/session';
import { behavesAsSessionStore, sessionRecord } from '../support/store-contract';

describe('LruSessionStore', () => {
  describe('the store contract', () => {
    const store = new LruSessionStore({ max: 1000 });
    behavesAsSessionStore((): SessionStore => store);
  });

  describe('option max', () => {
    it.each([0, -1, 1.5, Infinity, NaN, '10'])('should refuse %p with a TypeError naming the option', (max) => {
      expect(() => new LruSessionStore({ max: max as number })).toThrow(TypeError);
      expect(() => new LruSessionStore({ max: max as number })).toThrow(/^option max is invalid: .* \(a positive integer bounds the store\)$/);
    });

    it('should default to a bound (100 000 sessions), never to an unbounded cache', async () => {
      const store = new LruSessionStore();
      for (let i = 0; i < 100_001; i++) await store.set(`s${i}`, sessionRecord(`s${i}`), { ttl: HOUR });

      expect(store.size).toBe(100_000);
      expect(await store.get('s0')).toBeUndefined();
    });
  });

  describe('when more sessions than max are stored', () => {
    it('should evict the oldest session', async () => {
      const store = new LruSessionStore({ max: 2 });
      for (const id of ['first', 'second', 'third']) await store.set(id, sessionRecord(id), { ttl: HOUR });

      expect(await store.get('first')).toBeUndefined();
      expect(await store.get('second')).toEqual(sessionRecord('second'));
      expect(await store.get('third')).toEqual(sessionRecord('third'));
      expect(store.size).toBe(2);
    });

    it('should evict the least recently read rather than the first stored', async () => {
      const store = new LruSessionStore({ max: 2 });
      await store.set('first', sessionRecord('first'), { ttl: HOUR });
      await store.set('second', sessionRecord('second'), { ttl: HOUR });
      await store.get('first');
      await store.set('third', sessionRecord('third'), { ttl: HOUR });

      expect(await store.get('first')).toBeDefined();
      expect(await store.get('second')).toBeUndefined();
    });

    it("should give the evicted visitor a new session on the next request", async () => {
      const app = makeApp({ store: new LruSessionStore({ max: 2 }) });
      const visitors = [await storedVisit(app), await storedVisit(app), await storedVisit(app)];
      const cookie = (i: number) => `vtex_session=${sessionTokenOf(visitors[i])}`;

      expect((await visit(app, cookie(2))).body.id).toBe(visitors[2].body.id);
      expect((await visit(app, cookie(1))).body.id).toBe(visitors[1].body.id);
      expect((await visit(app, cookie(0))).body.id).not.toBe(visitors[0].body.id);
    });
  });

  describe('when visitors who never wrote anything come and go', () => {
    it('should not evict a stored session, since they store nothing', async () => {
      const store = new LruSessionStore({ max: 2 });
      const app = makeApp({ store });
      const customer = await storedVisit(app);

      for (let i = 0; i < 5; i++) await visit(app);

      expect(store.size).toBe(1);
      expect((await visit(app, `vtex_session=${sessionTokenOf(customer)}`)).body).toMatchObject({ id: customer.body.id, version: 1 });
    });
  });

  describe('option maxSize', () => {
    it.each([0, -1, 1.5, Infinity, NaN, '10'])('should refuse %p with a TypeError naming the option', (maxSize) => {
      expect(() => new LruSessionStore({ maxSize: maxSize as number })).toThrow(/^option maxSize is invalid: /);
    });

    it('should default to a bound of 64 MiB of session JSON', () => {
      expect(new LruSessionStore().maxSize).toBe(64 * 1024 * 1024);
    });

    it('should evict the least recently used sessions once their JSON passes maxSize, whatever their count', async () => {
      const size = Buffer.byteLength(JSON.stringify(sessionRecord('s0', 1, { a: 'x'.repeat(1000) })));
      const store = new LruSessionStore({ max: 1000, maxSize: 3 * size });
      for (let i = 0; i < 4; i++) await store.set(`s${i}`, sessionRecord(`s${i}`, 1, { a: 'x'.repeat(1000) }), { ttl: HOUR });

      expect(store.size).toBe(3);
      expect(store.calculatedSize).toBe(3 * size);
      expect(await store.get('s0')).toBeUndefined();
      expect(await store.get('s3')).toEqual(sessionRecord('s3', 1, { a: 'x'.repeat(1000) }));
    });
  });

  describe('compare-and-set', () => {
    it('should refuse a write whose ifVersion is not the stored version', async () => {
      const store = new LruSessionStore({ max: 10 });
      await store.set('s', sessionRecord('s', 2, { a: 'stored' }), { ttl: HOUR });

      expect(await store.set('s', sessionRecord('s', 2, { a: 'late' }), { ttl: HOUR, ifVersion: 1 })).toBe(false);
      expect(await store.set('s', sessionRecord('s', 3, { a: 'next' }), { ttl: HOUR, ifVersion: 2 })).toBe(true);
      expect(await store.get('s')).toEqual(sessionRecord('s', 3, { a: 'next' }));
    });

    it('should take ifVersion 0 to mean that the session must not exist', async () => {
      const store = new LruSessionStore({ max: 10 });

      expect(await store.set('s', sessionRecord('s', 1, { a: 'one' }), { ttl: HOUR, ifVersion: 0 })).toBe(true);
      expect(await store.set('s', sessionRecord('s', 1, { a: 'two' }), { ttl: HOUR, ifVersion: 0 })).toBe(false);
      expect(await store.get('s')).toEqual(sessionRecord('s', 1, { a: 'one' }));
    });

    it('should let a new session be written over an expired one', async () => {
      const store = new LruSessionStore({ max: 10 });
      await store.set('s', sessionRecord('s', 4), { ttl: MINUTE });
      jest.advanceTimersByTime(MINUTE + SECOND);

      expect(await store.set('s', sessionRecord('s', 1), { ttl: MINUTE, ifVersion: 0 })).toBe(true);
    });
  });

  describe('ttl', () => {
    it('should drop a session that was not touched within its ttl', async () => {
      const store = new LruSessionStore({ max: 10 });
      await store.set('s', sessionRecord('s'), { ttl: HOUR });

      jest.advanceTimersByTime(HOUR - SECOND);
      expect(await store.get('s')).toBeDefined();
      jest.advanceTimersByTime(2 * SECOND);
      expect(await store.get('s')).toBeUndefined();
    });

    it('should restart the ttl on touch', async () => {
      const store = new LruSessionStore({ max: 10 });
      await store.set('s', sessionRecord('s'), { ttl: HOUR });

      jest.advanceTimersByTime(50 * MINUTE);
      await store.touch('s', HOUR);
      jest.advanceTimersByTime(50 * MINUTE);

      expect(await store.get('s')).toEqual(sessionRecord('s'));
    });

    it('should not restart the ttl on a read', async () => {
      const store = new LruSessionStore({ max: 10 });
      await store.set('s', sessionRecord('s'), { ttl: HOUR });

      jest.advanceTimersByTime(50 * MINUTE);
      await store.get('s');
      jest.advanceTimersByTime(11 * MINUTE);

      expect(await store.get('s')).toBeUndefined();
    });
  });

  describe('close', () => {
    it('should drop every session', async () => {
      const store = new LruSessionStore({ max: 10 });
      await store.set('s', sessionRecord('s'), { ttl: HOUR });

      await store.close();

      expect(await store.get('s')).toBeUndefined();
      expect(store.size).toBe(0);
    });
  });
});
