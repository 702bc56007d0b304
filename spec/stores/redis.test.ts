import { randomUUID } from 'node:crypto';
import { RedisSessionStore, type SessionStore } from '../../lib';
import { connectClient, describeWithRedis } from '../support/redis';
import { behavesAsSessionStore, sessionRecord } from '../support/store-contract';

const HOUR = 60 * 60 * 1000;

describeWithRedis('RedisSessionStore', (url) => {
  // A prefix of this run's own, so that parallel runs on one Redis never see each other's keys.
  const prefix = `spec-stores-${randomUUID()}:`;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let store: RedisSessionStore;

  beforeAll(async () => {
    client = await connectClient(url);
    store = new RedisSessionStore({ client, prefix });
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });

  describe('the store contract', () => {
    behavesAsSessionStore((): SessionStore => store);
  });

  describe('keys', () => {
    it('should keep one key per session, named prefix + session id', async () => {
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) await store.set(id, sessionRecord(id), { ttl: HOUR });
      const keys = await client.keys(`${prefix}*`);
      expect(keys).toEqual(expect.arrayContaining(ids.map((id) => prefix + id)));
      for (const id of ids) expect(await client.type(prefix + id)).toBe('hash');
    });

    it('should hold the version beside the record, for the compare-and-set to read', async () => {
      const id = randomUUID();
      const record = sessionRecord(id, 9, { country: 'BRA' });
      await store.set(id, record, { ttl: HOUR });
      expect(await client.hGetAll(prefix + id)).toEqual({ v: '9', d: JSON.stringify(record) });
    });

    it('should use vtex-session: as the default prefix', async () => {
      const id = randomUUID();
      const plain = new RedisSessionStore({ client });
      try {
        await plain.set(id, sessionRecord(id), { ttl: HOUR });
        expect(await client.exists(`vtex-session:${id}`)).toBe(1);
      } finally {
        await plain.delete(id);
      }
    });
  });

  describe('TTL', () => {
    it('should set the TTL in seconds', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id), { ttl: 90_000 });
      const ttl = await client.ttl(prefix + id);
      expect(ttl).toBeGreaterThan(85);
      expect(ttl).toBeLessThanOrEqual(90);
    });

    it('should round a partial second up, so a session never lives less than asked', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id), { ttl: 1_500 });
      expect(await client.pTTL(prefix + id)).toBeGreaterThan(1_500);
    });

    it('should renew the TTL on every write', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id, 1), { ttl: 10_000 });
      await store.set(id, sessionRecord(id, 2), { ttl: HOUR, ifVersion: 1 });
      expect(await client.ttl(prefix + id)).toBeGreaterThan(3_500);
    });

    it('should not change the TTL of a write it refused', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id, 2), { ttl: 10_000 });
      await store.set(id, sessionRecord(id, 2), { ttl: HOUR, ifVersion: 1 });
      expect(await client.ttl(prefix + id)).toBeLessThanOrEqual(10);
    });
  });

  describe('touch', () => {
    it('should extend the TTL with EXPIRE and leave the stored bytes as they were', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id, 3, { country: 'BRA' }), { ttl: 10_000 });
      const before = await client.hGetAll(prefix + id);
      await store.touch(id, HOUR);
      expect(await client.ttl(prefix + id)).toBeGreaterThan(3_500);
      expect(await client.hGetAll(prefix + id)).toEqual(before);
    });
  });

  describe('when Redis has forgotten the compare-and-set script (after a restart or on a new node)', () => {
    it('should send the script again and write', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id, 1), { ttl: HOUR });
      await client.scriptFlush();
      expect(await store.set(id, sessionRecord(id, 2), { ttl: HOUR, ifVersion: 1 })).toBe(true);
      expect(await store.set(id, sessionRecord(id, 3), { ttl: HOUR, ifVersion: 1 })).toBe(false);
      expect((await store.get(id))?.version).toBe(2);
    });
  });

  describe('options', () => {
    it('should refuse a missing client with a TypeError that names the option', () => {
      expect(() => new RedisSessionStore({ client: undefined as never })).toThrow(new TypeError('option client is invalid: undefined (a node-redis v5 client is expected)'));
    });

    it('should refuse a prefix that is not a string', () => {
      expect(() => new RedisSessionStore({ client, prefix: 42 as never })).toThrow(/^option prefix is invalid: 42/);
    });
  });
});
