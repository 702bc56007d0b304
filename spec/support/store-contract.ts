import { randomUUID } from 'node:crypto';
import type { SessionRecord, SessionStore } from '../../lib';

const HOUR = 60 * 60 * 1000;

/** A stored record as the session layer builds it, at a given version. */
export function sessionRecord(id: string, version = 1, publicItems: Record<string, string> = {}): SessionRecord {
  const items = Object.fromEntries(Object.entries(publicItems).map(([key, value]) => [key, { value }]));
  return { id, namespaces: { public: items }, version, createdAt: 1_700_000_000_000, lastSeen: 1_700_000_000_000 + version };
}

/**
 * The store contract of the README, as tests any store must pass: get, set, compare-and-set on the
 * version (`ifVersion: 0` = must not exist yet), delete, touch. `store()` answers the store under test.
 */
export function behavesAsSessionStore(store: () => SessionStore): void {
  const id = () => randomUUID();

  describe('get', () => {
    it('should answer undefined for a session it does not hold', async () => {
      expect(await store().get(id())).toBeUndefined();
    });

    it('should answer the record that was set', async () => {
      const sid = id();
      const record = sessionRecord(sid, 1, { country: 'BRA', postalCode: '22250-040' });
      expect(await store().set(sid, record, { ttl: HOUR })).toBe(true);
      expect(await store().get(sid)).toEqual(record);
    });
  });

  describe('set', () => {
    describe('when ifVersion is the stored version', () => {
      it('should write and answer true', async () => {
        const sid = id();
        await store().set(sid, sessionRecord(sid, 1), { ttl: HOUR });
        expect(await store().set(sid, sessionRecord(sid, 2, { a: '1' }), { ttl: HOUR, ifVersion: 1 })).toBe(true);
        expect(await store().get(sid)).toEqual(sessionRecord(sid, 2, { a: '1' }));
      });
    });

    describe('when ifVersion is not the stored version (another writer won)', () => {
      it('should refuse the write, answer false and keep the stored record', async () => {
        const sid = id();
        await store().set(sid, sessionRecord(sid, 3, { winner: 'yes' }), { ttl: HOUR });
        expect(await store().set(sid, sessionRecord(sid, 3, { loser: 'yes' }), { ttl: HOUR, ifVersion: 2 })).toBe(false);
        expect(await store().set(sid, sessionRecord(sid, 5, { loser: 'yes' }), { ttl: HOUR, ifVersion: 4 })).toBe(false);
        expect(await store().get(sid)).toEqual(sessionRecord(sid, 3, { winner: 'yes' }));
      });

      it('should refuse a write to a session that no longer exists', async () => {
        const sid = id();
        expect(await store().set(sid, sessionRecord(sid, 2), { ttl: HOUR, ifVersion: 1 })).toBe(false);
        expect(await store().get(sid)).toBeUndefined();
      });
    });

    describe('when ifVersion is 0', () => {
      it('should write only a session that does not exist yet', async () => {
        const sid = id();
        expect(await store().set(sid, sessionRecord(sid, 1, { first: 'yes' }), { ttl: HOUR, ifVersion: 0 })).toBe(true);
        expect(await store().set(sid, sessionRecord(sid, 1, { second: 'yes' }), { ttl: HOUR, ifVersion: 0 })).toBe(false);
        expect(await store().get(sid)).toEqual(sessionRecord(sid, 1, { first: 'yes' }));
      });
    });

    describe('when ifVersion is omitted', () => {
      it('should write whatever is stored', async () => {
        const sid = id();
        await store().set(sid, sessionRecord(sid, 7), { ttl: HOUR });
        expect(await store().set(sid, sessionRecord(sid, 2, { forced: 'yes' }), { ttl: HOUR })).toBe(true);
        expect(await store().get(sid)).toEqual(sessionRecord(sid, 2, { forced: 'yes' }));
      });
    });
  });

  describe('delete', () => {
    it('should remove the session', async () => {
      const sid = id();
      await store().set(sid, sessionRecord(sid), { ttl: HOUR });
      await store().delete(sid);
      expect(await store().get(sid)).toBeUndefined();
    });

    it('should accept a session it does not hold', async () => {
      await expect(store().delete(id())).resolves.toBeUndefined();
    });
  });

  describe('touch', () => {
    it('should keep the record as it is', async () => {
      const sid = id();
      const record = sessionRecord(sid, 4, { kept: 'yes' });
      await store().set(sid, record, { ttl: HOUR });
      await store().touch(sid, 2 * HOUR);
      expect(await store().get(sid)).toEqual(record);
    });

    it('should not create a session it does not hold', async () => {
      const sid = id();
      await store().touch(sid, HOUR);
      expect(await store().get(sid)).toBeUndefined();
    });
  });
}
