import { RedisSessionStore } from '../../lib';
import { sessionRecord } from '../support/store-contract';
import { connectClient, describeWithRedisServer, RedisServer, until } from '../support/redis';

const HOUR = 60 * 60 * 1000;

/**
 * The application's client without its connection state (`isReady`), as a client of another make
 * would be: the store cannot tell that Redis is down, so its commands wait in node-redis's queue
 * (a client that reports Redis down gets no command at all: see fast-failure.test.ts).
 */
function stateless(client: Awaited<ReturnType<typeof connectClient>>) {
  return {
    hGet: (key: string, field: string) => client.hGet(key, field),
    del: (key: string | string[]) => client.del(key),
    expire: (key: string, seconds: number) => client.expire(key, seconds),
    evalSha: (sha: string, options: { keys: string[]; arguments: string[] }) => client.evalSha(sha, options),
    eval: (script: string, options: { keys: string[]; arguments: string[] }) => client.eval(script, options),
    withCommandOptions: (options: { abortSignal: AbortSignal }) => client.withCommandOptions(options),
  };
}

/** How the store treats the commands node-redis queues while it has no connection. */
describeWithRedisServer('RedisSessionStore commandTimeout', () => {
  const server = new RedisServer();
  let client: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    await server.start();
    client = await connectClient(server.url);
  });

  afterAll(async () => {
    client?.destroy();
    await server.destroy();
  });

  afterEach(async () => {
    if (!client.isReady) {
      await server.start();
      await until(() => client.isReady, 'the Redis client to reconnect');
    }
  });

  it('should drop a command that waited out the timeout in the queue, no sooner than 3/4 of it', async () => {
    const commandTimeout = 800;
    const store = new RedisSessionStore({ client: stateless(client), commandTimeout });
    await server.stop();
    await until(() => !client.isReady, 'the Redis client to see Redis stop');

    const start = performance.now();
    const outcome = await store.get('queued').then(
      () => 'answered',
      (error: Error) => error.message,
    );
    const waited = performance.now() - start;
    expect(outcome).toBe('The command was aborted');
    expect(waited).toBeGreaterThanOrEqual((commandTimeout * 3) / 4 - 5);
    // Room for a loaded machine: the drop is a timer, late by what the event loop is late.
    expect(waited).toBeLessThan(commandTimeout + 500);
  });

  it('should still send, once Redis is back, a write that waited less than the timeout', async () => {
    const store = new RedisSessionStore({ client: stateless(client), commandTimeout: 8_000 });
    await server.stop();
    await until(() => !client.isReady, 'the Redis client to see Redis stop');

    const written = store.set('queued-write', sessionRecord('queued-write', 1, { a: 'kept' }), { ttl: HOUR });
    await server.start();
    await until(() => client.isReady, 'the Redis client to reconnect');
    await expect(written).resolves.toBe(true);
    expect(await store.get('queued-write')).toEqual(sessionRecord('queued-write', 1, { a: 'kept' }));
  });

  it('should not drop a command that was sent: commands keep flowing across many generations', async () => {
    const store = new RedisSessionStore({ client, commandTimeout: 40 });
    const deadline = Date.now() + 300;
    let writes = 0;
    while (Date.now() < deadline) {
      await expect(store.set(`flow-${writes}`, sessionRecord(`flow-${writes}`), { ttl: HOUR })).resolves.toBe(true);
      writes++;
    }
    expect(writes).toBeGreaterThan(10);
    await expect(store.get('flow-0')).resolves.toEqual(sessionRecord('flow-0'));
  });
});
