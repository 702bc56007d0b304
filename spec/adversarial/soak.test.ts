import http from 'node:http';
import { decodeSessionToken, LruSessionStore } from '../../lib';
import { garbageCollector, listen, mb, memoryFigures, storefrontOptions, watchProcess, type RunningServer } from '../support/adversarial';
import { makeApp } from '../support/app';

// 20 s by default; SOAK_SECONDS runs longer, but never past 60 s in CI.
const SECONDS = Math.min(Number(process.env.SOAK_SECONDS ?? 20), process.env.CI ? 60 : Infinity);
const STORE_MAX = 2000;
// Far fewer returning visitors than the store holds, each seen every few dozen requests: the
// least recently used sessions the store evicts are always some new visitor's.
const RETURNING = 50;
const CLIENTS = 8;
// Growth allowed across the run once the store is full. The heap after a collection is the precise
// measure: a leak of even a few hundred bytes per request passes its bound within seconds. Buffers
// live outside the heap, so they have their own. RSS also moves with the collector's own sizing
// (and, in a test worker, with what earlier test files left), so its bound only catches gross leaks.
const HEAP_BOUND = 48 * 1024 * 1024;
const BUFFERS_BOUND = 32 * 1024 * 1024;
const RSS_BOUND = 512 * 1024 * 1024;

interface Visitor {
  id: string;
  cookie: string;
  requests: number;
  lost?: string;
}

/** The Cookie header a browser would send after these Set-Cookie values. */
function jar(previous: string, setCookie: string[] | undefined): string {
  const cookies = new Map(previous.split('; ').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair] as const));
  for (const line of setCookie ?? []) {
    const pair = line.split(';')[0];
    cookies.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  return [...cookies.values()].join('; ');
}

/**
 * A bounded soak: several keep-alive clients on 127.0.0.1 mix new visitors (one page view each,
 * many with a campaign link), returning visitors (page views with their cookies) and PATCHes
 * from returning visitors, against an app whose store holds at most 2,000 sessions. The store
 * stays within its max, memory stays bounded, every returning visitor keeps its session, and no
 * request fails.
 */
describe('a soak of mixed traffic', () => {
  const watcher = watchProcess();
  const store = new LruSessionStore({ max: STORE_MAX });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let server: RunningServer;

  beforeAll(async () => {
    server = await listen(makeApp(storefrontOptions(store)));
  });

  afterAll(async () => {
    agent.destroy();
    await server.close();
    expect(watcher.stop()).toEqual([]);
  });

  function send(method: string, path: string, cookie: string, body?: string): Promise<{ status: number; json: unknown; setCookie?: string[] }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const req = http.request({ host: '127.0.0.1', port: server.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, setCookie: res.headers['set-cookie'] });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('should keep the store within its max, memory bounded, every returning visitor its session, and fail no request', async () => {
    const failures: string[] = [];
    const fail = (what: string) => void (failures.length < 20 && failures.push(what));
    const counts = { newVisitor: 0, returning: 0, patch: 0 };

    const newVisitor = async (n: number) => {
      const query = n % 3 === 0 ? `?utm_source=ad${n % 40}&utm_campaign=c${n % 7}` : '';
      const res = await send('GET', `/page${query}`, '');
      counts.newVisitor++;
      const token = (res.setCookie ?? []).find((line) => line.startsWith('vtex_session='))?.split(';')[0].slice('vtex_session='.length);
      if (res.status !== 200 || decodeSessionToken(token ?? '')?.id !== (res.json as { id?: string })?.id) {
        fail(`new visitor: ${res.status}`);
      }
    };

    const visitors: Visitor[] = [];
    for (let i = 0; i < RETURNING; i++) {
      const res = await send('GET', '/page', '');
      visitors.push({ id: (res.json as { id: string }).id, cookie: jar('', res.setCookie), requests: 1 });
    }

    let turn = 0;
    const returning = async (n: number) => {
      const visitor = visitors[turn++ % visitors.length];
      let id: string | undefined;
      if (n % 5 === 4) {
        const body = JSON.stringify({ public: { postalCode: { value: `0131${n % 10}-100` }, country: { value: 'BRA' }, utm_source: { value: `s${n % 13}` } } });
        const res = await send('PATCH', '/api/sessions', visitor.cookie, body);
        counts.patch++;
        if (res.status !== 200) fail(`patch: ${res.status} ${JSON.stringify(res.json)}`);
        id = decodeSessionToken((res.json as { sessionToken?: string })?.sessionToken ?? '')?.id;
        visitor.cookie = jar(visitor.cookie, res.setCookie);
      } else {
        const res = await send('GET', '/page', visitor.cookie);
        counts.returning++;
        if (res.status !== 200) fail(`returning visitor: ${res.status}`);
        id = (res.json as { id?: string })?.id;
        visitor.cookie = jar(visitor.cookie, res.setCookie);
      }
      visitor.requests++;
      if (id !== visitor.id) visitor.lost ??= `after ${visitor.requests} requests it was answered as ${id}`;
    };

    // Two of every five requests are new visitors, three are returning visitors (one of them a PATCH).
    const client = async (deadline: number) => {
      for (let n = 0; Date.now() < deadline; n++) {
        try {
          await (n % 5 < 2 ? newVisitor(n) : returning(n));
        } catch (error) {
          fail(`request failed: ${(error as Error).message}`);
        }
      }
    };
    const run = (ms: number) => Promise.all(Array.from({ length: CLIENTS }, () => client(Date.now() + ms)));

    // Warm up until the store is full, so that what is measured is the steady state.
    const gc = garbageCollector();
    while (store.size < STORE_MAX) await run(500);
    const before = memoryFigures(gc);
    const started = Date.now();
    const warmUp = { ...counts };
    let largestStore = 0;
    const sampler = setInterval(() => (largestStore = Math.max(largestStore, store.size)), 50);
    await run(SECONDS * 1000);
    clearInterval(sampler);
    const elapsed = (Date.now() - started) / 1000;
    const after = memoryFigures(gc);
    const soaked = { newVisitor: counts.newVisitor - warmUp.newVisitor, returning: counts.returning - warmUp.returning, patch: counts.patch - warmUp.patch };
    const requests = soaked.newVisitor + soaked.returning + soaked.patch;

    console.log(
      [
        `soak: ${requests} requests in ${elapsed.toFixed(1)} s (${Math.round(requests / elapsed)}/s) from ${CLIENTS} clients`,
        `  new visitors ${soaked.newVisitor}, returning page views ${soaked.returning}, PATCHes ${soaked.patch} (after a warm-up of ${warmUp.newVisitor + warmUp.returning + warmUp.patch})`,
        `  store: ${store.size} sessions now, ${largestStore} at most (max ${STORE_MAX})`,
        `  heapUsed ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}${gc ? ' (after gc)' : ' (no gc available)'}`,
        `  buffers ${mb(before.arrayBuffers)} -> ${mb(after.arrayBuffers)}`,
        `  rss ${mb(before.rss)} -> ${mb(after.rss)}`,
      ].join('\n'),
    );

    expect(failures).toEqual([]);
    expect(largestStore).toBeLessThanOrEqual(STORE_MAX);
    expect(store.size).toBeLessThanOrEqual(STORE_MAX);
    expect(visitors.filter((v) => v.lost !== undefined).map((v) => `${v.id}: ${v.lost}`)).toEqual([]);
    expect(Math.min(...visitors.map((v) => v.requests))).toBeGreaterThan(2);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(gc ? HEAP_BOUND : 2 * HEAP_BOUND);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(BUFFERS_BOUND);
    expect(after.rss - before.rss).toBeLessThan(RSS_BOUND);
  }, (SECONDS + 60) * 1000);
});
