import { createServer, type Server as TcpServer, type Socket } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { createClient } from 'redis';
import { RedisSessionStore } from '../../lib';
import { cookieHeader, makeApp } from '../support/app';
import { connectClient, describeWithRedisServer, RedisServer, until } from '../support/redis';
import { close, listen } from '../support/stores';

// Long (and the store's commandTimeout with it), so that a request that waited for a timeout is
// told apart from one that failed at once, however loaded the machine.
const STORE_TIMEOUT = 2000;
const AT_ONCE = STORE_TIMEOUT / 2;
// "Within about a second of Redis answering again", with room for a loaded machine.
const RESUME_BOUND = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Client = Awaited<ReturnType<typeof connectClient>>;

/** A client that waits `ms` between two reconnection attempts, as an application may configure. */
async function slowClient(url: string, ms: number): Promise<Client> {
  const client = createClient({ url, socket: { reconnectStrategy: ms } });
  const errors: Error[] = [];
  client.on('error', (error: Error) => errors.push(error));
  await client.connect();
  return Object.assign(client, { errors });
}

async function timed<T>(run: () => PromiseLike<T>): Promise<{ answer: T; ms: number }> {
  const start = performance.now();
  const answer = await run();
  return { answer, ms: performance.now() - start };
}

/** Sends page requests every 50 ms until one is served from the session; answers how long that took. */
async function untilServed(server: Server, cookie: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    const page = await request(server).get('/page').set('Cookie', cookie);
    if (page.body.degraded === false) return performance.now() - start;
    if (performance.now() - start > 15_000) throw new Error('the session was never served again');
    await sleep(50);
  }
}

/** Something on Redis's port while Redis is down, counting the connections it gets. */
async function listenOn(port: number, onConnection: (socket: Socket) => void): Promise<{ server: TcpServer; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, sockets };
}

function stopListening({ server, sockets }: { server: TcpServer; sockets: Socket[] }): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

describeWithRedisServer('while the client reports Redis unreachable', () => {
  const redis = new RedisServer();
  // An application's client with node-redis's defaults, and one that waits 3 s between attempts.
  let clients: { default: Client; slow: Client };
  let servers: { default: Server; slow: Server };
  let cookies: { default: string; slow: string };

  beforeAll(async () => {
    await redis.start();
    clients = { default: await connectClient(redis.url), slow: await slowClient(redis.url, 3000) };
    servers = {
      default: await listen(makeApp({ store: new RedisSessionStore({ client: clients.default, commandTimeout: STORE_TIMEOUT }), storeTimeout: STORE_TIMEOUT })),
      slow: await listen(makeApp({ store: new RedisSessionStore({ client: clients.slow, commandTimeout: STORE_TIMEOUT }), storeTimeout: STORE_TIMEOUT })),
    };
    const create = (server: Server) => request(server).post('/api/sessions').send({ public: { country: { value: 'BRA' } } });
    cookies = { default: cookieHeader(await create(servers.default)), slow: cookieHeader(await create(servers.slow)) };
    await redis.stop();
    await until(() => !clients.default.isReady && !clients.slow.isReady, 'the clients to see Redis stop');
  });

  afterAll(async () => {
    await Promise.all([close(servers?.default), close(servers?.slow)]);
    clients?.default.destroy();
    clients?.slow.destroy();
    await redis.destroy();
  });

  it('should answer 200 page requests, 50 at a time, on the default segment, none of them waiting for a timeout', async () => {
    const answers: Array<{ status: number; degraded: boolean; ms: number }> = [];
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const { answer, ms } = await timed(() => request(servers.default).get('/page').set('Cookie', cookies.default));
          answers.push({ status: answer.status, degraded: answer.body.degraded, ms });
        }),
      );
    }
    expect(answers).toHaveLength(200);
    expect(answers.every(({ status, degraded }) => status === 200 && degraded)).toBe(true);
    expect(Math.max(...answers.map(({ ms }) => ms))).toBeLessThan(AT_ONCE);
  });

  it('should answer API reads and writes with 503 STORE_UNAVAILABLE, without waiting for a timeout', async () => {
    const write = await timed(() => request(servers.default).patch('/api/sessions').set('Cookie', cookies.default).send({ public: { a: { value: '1' } } }));
    const read = await timed(() => request(servers.default).get('/api/sessions?items=*').set('Cookie', cookies.default));
    for (const { answer, ms } of [write, read]) {
      expect(answer.status).toBe(503);
      expect(answer.body.error).toEqual({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/^session store get failed/) });
      expect(ms).toBeLessThan(AT_ONCE);
    }
  });

  describe('when Redis answers again', () => {
    let resumed: { default: number; slow: number };

    beforeAll(async () => {
      await redis.start();
      const [first, second] = await Promise.all([untilServed(servers.default, cookies.default), untilServed(servers.slow, cookies.slow)]);
      resumed = { default: first, slow: second };
    });

    it('should serve from the session again within about a second', () => {
      expect(resumed.default).toBeLessThan(RESUME_BOUND);
    });

    it('should not wait for a client that waits longer between its reconnection attempts: a probe connection serves meanwhile', async () => {
      expect(resumed.slow).toBeLessThan(RESUME_BOUND);
      expect(clients.slow.isReady).toBe(false);
      const write = await request(servers.slow).patch('/api/sessions?items=public.after').set('Cookie', cookies.slow).send({ public: { after: { value: 'outage' } } });
      expect(write.status).toBe(200);
    });

    it('should close its probe connection once the client is ready again, leaving one connection per client', async () => {
      await until(() => clients.slow.isReady, 'the slow client to reconnect', 10_000);
      // The next operation sees the client ready and closes the probe's connection.
      await request(servers.slow).get('/page').set('Cookie', cookies.slow).expect(200);
      for (const end = Date.now() + 5000; ; ) {
        const connected = Number(/connected_clients:(\d+)/.exec(await clients.default.info('clients'))?.[1]);
        if (connected === 2) break;
        if (Date.now() > end) throw new Error(`${connected} connections to Redis, not the 2 clients' own`);
        await sleep(50);
      }
    });
  });
});

describeWithRedisServer('the probe while Redis is unreachable', () => {
  const redis = new RedisServer();
  const PROBE_INTERVAL = 100;
  let stored: string;
  let client: Client;
  let server: Server;
  // The client's own reconnection attempts reach the same port; they are told apart by its events.
  let attempts = 0;

  beforeAll(async () => {
    await redis.start();
    client = await connectClient(redis.url);
    client.on('reconnecting', () => attempts++);
    server = await listen(makeApp({ store: new RedisSessionStore({ client, probeInterval: PROBE_INTERVAL, commandTimeout: 500 }), storeTimeout: STORE_TIMEOUT }));
    // A visitor whose session was written: a never-written one makes no store call to probe with.
    stored = cookieHeader(await request(server).post('/api/sessions').send({ public: { country: { value: 'BRA' } } }));
    await redis.stop();
    await until(() => !client.isReady, 'the client to see Redis stop');
  });

  afterAll(async () => {
    await close(server);
    // Reconnected, the client has no attempt pending that would keep the process alive.
    await redis.start();
    await until(() => client.isReady, 'the client to reconnect').catch(() => undefined);
    client?.destroy();
    await redis.destroy();
  });

  /** Sends page requests, 10 at a time, for `ms`; answers the probes counted meanwhile by `listener`. */
  async function probesDuring(ms: number, listener: { sockets: Socket[] }): Promise<{ probes: number; answered: number; elapsed: number }> {
    const start = Date.now();
    const before = attempts;
    let answered = 0;
    while (Date.now() - start < ms) {
      await Promise.all(Array.from({ length: 10 }, () => request(server).get('/page').set('Cookie', stored).then(() => answered++)));
    }
    const elapsed = Date.now() - start;
    return { probes: listener.sockets.length - (attempts - before), answered, elapsed };
  }

  it('should open at most one probe connection per probeInterval, however many requests come', async () => {
    // Connections are refused at once, as by a host whose Redis is down.
    const listener = await listenOn(redis.port, (socket) => socket.destroy());
    const { probes, answered, elapsed } = await probesDuring(1000, listener);
    await stopListening(listener);
    expect(answered).toBeGreaterThan(50);
    expect(probes).toBeGreaterThanOrEqual(2);
    expect(probes).toBeLessThanOrEqual(Math.ceil(elapsed / PROBE_INTERVAL) + 1);
  });

  it('should run one probe at a time: a probe that gets no answer holds the next back until it gives up', async () => {
    // Connections are taken and never answered, as by a Redis that hangs.
    const listener = await listenOn(redis.port, () => undefined);
    const { probes, elapsed } = await probesDuring(1200, listener);
    await stopListening(listener);
    // A probe gives up after commandTimeout (500 ms): about three in 1.2 s, not one per 100 ms.
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThanOrEqual(Math.ceil(elapsed / 500) + 1);
  });
});

describeWithRedisServer('when Redis goes away again while the probe’s connection serves', () => {
  const redis = new RedisServer();
  let client: Client;
  let server: Server;
  let cookie: string;

  beforeAll(async () => {
    await redis.start();
    client = await slowClient(redis.url, 4000);
    server = await listen(makeApp({ store: new RedisSessionStore({ client, commandTimeout: STORE_TIMEOUT }), storeTimeout: STORE_TIMEOUT }));
    cookie = cookieHeader(await request(server).post('/api/sessions').send({ public: { country: { value: 'BRA' } } }));
    await redis.stop();
    await until(() => !client.isReady, 'the client to see Redis stop');
    await redis.start();
    await untilServed(server, cookie);
    expect(client.isReady).toBe(false);
    await redis.stop();
  });

  afterAll(async () => {
    await close(server);
    // Reconnected, the client has no attempt pending that would keep the process alive.
    if (!redis.running) await redis.start();
    await until(() => client.isReady, 'the client to reconnect').catch(() => undefined);
    client?.destroy();
    await redis.destroy();
  });

  it('should fail at once again, not wait on the lost connection', async () => {
    const { answer, ms } = await timed(() => request(server).get('/page').set('Cookie', cookie));
    expect(answer.body.degraded).toBe(true);
    expect(ms).toBeLessThan(AT_ONCE);
  });

  it('should find Redis back with a new probe', async () => {
    await redis.start();
    expect(await untilServed(server, cookie)).toBeLessThan(RESUME_BOUND);
  });
});
