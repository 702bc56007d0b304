import { randomUUID } from 'node:crypto';
import { RedisSessionStore, type SessionStore } from '../../lib';
import { describeWithRedisServer } from '../support/redis';
import { LocalRedisCluster, redisCli } from '../support/redis-cluster';
import { behavesAsSessionStore, sessionRecord } from '../support/store-contract';

const HOUR = 60 * 60 * 1000;
const PREFIX = 'spec-cluster:';

describeWithRedisServer('RedisSessionStore on a Redis Cluster (three masters, one replica each)', () => {
  const cluster = new LocalRedisCluster();
  let client: Awaited<ReturnType<LocalRedisCluster['connect']>>;
  let store: RedisSessionStore;

  beforeAll(async () => {
    await cluster.start();
    client = await cluster.connect();
    store = new RedisSessionStore({ client, prefix: PREFIX });
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await cluster.destroy();
  });

  describe('the store contract', () => {
    behavesAsSessionStore((): SessionStore => store);
  });

  describe('keys', () => {
    const ids: string[] = Array.from({ length: 60 }, () => randomUUID());

    beforeAll(async () => {
      await Promise.all(ids.map((id) => store.set(id, sessionRecord(id), { ttl: HOUR })));
    });

    it('should spread sessions over the masters, each key on the master that serves its slot', async () => {
      const masters = await cluster.masters();
      const held = await Promise.all(masters.map((master) => cluster.keysOn(master.port, `${PREFIX}*`)));
      const ours = held.map((keys) => keys.filter((key) => ids.includes(key.slice(PREFIX.length))));
      expect(ours.filter((keys) => keys.length > 0).length).toBeGreaterThan(1);
      expect(ours.flat().sort()).toEqual(ids.map((id) => PREFIX + id).sort());
      for (const [i, master] of masters.entries()) {
        for (const key of ours[i].slice(0, 3)) expect((await cluster.ownerOf(key)).port).toBe(master.port);
      }
    });

    it('should send every command, the compare-and-set script included, straight to that master (no MOVED)', async () => {
      for (const id of ids.slice(0, 10)) {
        await store.set(id, sessionRecord(id, 2), { ttl: HOUR, ifVersion: 1 });
        await store.touch(id, HOUR);
        await store.get(id);
      }
      for (const master of await cluster.masters()) {
        expect(await redisCli(master.port, 'INFO', 'errorstats')).not.toMatch(/errorstat_(MOVED|ASK)/);
      }
    });

    it('should hold the TTL, in seconds, on the master that owns the session', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id), { ttl: 90_000 });
      const owner = await cluster.ownerOf(PREFIX + id);
      const ttl = Number(await redisCli(owner.port, 'TTL', PREFIX + id));
      expect(ttl).toBeGreaterThan(85);
      expect(ttl).toBeLessThanOrEqual(90);
      await store.touch(id, 3_600_000);
      expect(Number(await redisCli(owner.port, 'TTL', PREFIX + id))).toBeGreaterThan(3_500);
    });
  });

  describe('50 concurrent compare-and-set writes to one session', () => {
    it('should let exactly one writer win each version, so that retries lose nothing', async () => {
      const id = randomUUID();
      await store.set(id, sessionRecord(id, 1), { ttl: HOUR });
      // Every writer re-reads and retries until it wins, as the session layer does.
      const write = async (writer: number) => {
        for (;;) {
          const stored = (await store.get(id))!;
          const next = { ...stored, version: stored.version + 1, namespaces: { public: { ...stored.namespaces.public, [`w${writer}`]: { value: String(writer) } } } };
          if (await store.set(id, next, { ttl: HOUR, ifVersion: stored.version })) return;
        }
      };
      await Promise.all(Array.from({ length: 50 }, (_, writer) => write(writer)));
      const stored = await store.get(id);
      expect(stored?.version).toBe(51);
      expect(Object.keys(stored?.namespaces.public ?? {}).sort()).toEqual(Array.from({ length: 50 }, (_, w) => `w${w}`).sort());
    });
  });
});
