'use strict';
/**
 * `node --expose-gc memory.js <mode> <count> [redis-url]`: what sessions cost in memory, measured
 * through the real middleware (requests and responses as the router hands them over), in a
 * process of its own. Prints one JSON line. Modes:
 *
 *   stored     `count` visitors who each wrote five short `public` items (a page view whose handler
 *              writes them, as a UTM landing or an API write does): heap and RSS growth per stored
 *              session, and the bytes of JSON each counts for in the LRU store's `calculatedSize`.
 *              The baseline is taken before the middleware exists, so the store's own index counts.
 *   unwritten  `count` cookieless page views that write nothing: the heap they leave behind and the
 *              sessions stored (both should be zero). The baseline is taken after a warm-up, once
 *              the bounded caches a first request fills are full.
 *   redis      `count` stored sessions as in `stored`, on RedisSessionStore: `MEMORY USAGE` of
 *              each key and the bytes of its record's JSON, averaged. The keys are removed after.
 */
// BENCH_PACKAGE names another build to measure, as for the servers; by default the built package.
const { sessionMiddleware, LruSessionStore, RedisSessionStore } = require(process.env.BENCH_PACKAGE || 'vtex-session');

const SECRET = 'benchmark-secret-that-is-at-least-32-characters-long';
const WARMUP = 1000;
const logger = { warn() {}, error() {} };

function settle() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** A page request as the router sees it, over plain HTTP, without cookies. */
function request() {
  return { method: 'GET', url: '/', originalUrl: '/', headers: {}, socket: {} };
}

function response() {
  const headers = new Map();
  return {
    headersSent: false,
    setHeader: (name, value) => headers.set(name.toLowerCase(), value),
    getHeader: (name) => headers.get(name.toLowerCase()),
    removeHeader: (name) => headers.delete(name.toLowerCase()),
  };
}

/**
 * Five short `public` items, one of them different for every visitor. Parsed from JSON, as a
 * request body is, so that no two sessions share a string the source code holds.
 */
const fiveItems = (i) =>
  JSON.parse(
    JSON.stringify({
      public: {
        utm_source: { value: 'newsletter' },
        utm_medium: { value: 'email' },
        utm_campaign: { value: `spring-sale-${i}` },
        utmi_cp: { value: 'home-banner' },
        utmi_pc: { value: 'BuscaFullText' },
      },
    }),
  );

/** One visit: the middleware, then, when `items` is given, the handler's write of them. */
function visit(middleware, items) {
  return new Promise((resolve, reject) => {
    const req = request();
    middleware(req, response(), (error) => {
      if (error) return reject(error);
      if (items === undefined) return resolve(req.vtexSession);
      req.vtexSession.patch(items).then(() => resolve(req.vtexSession), reject);
    });
  });
}

async function stored(count) {
  const before = settle();
  // Bounds wide enough that nothing is evicted: the figure is per session held.
  const store = new LruSessionStore({ max: count, maxSize: Math.max(count * 16 * 1024, 1024) });
  const middleware = sessionMiddleware({ secret: SECRET, store, logger });
  let last;
  for (let i = 0; i < count; i++) last = await visit(middleware, fiveItems(i));
  const after = settle();
  if (store.size !== count || last?.version !== 1) throw new Error(`expected ${count} stored sessions, found ${store.size}`);
  const heap = after.heapUsed - before.heapUsed;
  const rss = after.rss - before.rss;
  return {
    mode: 'stored',
    sessions: count,
    heap,
    rss,
    heapPerSession: heap / count,
    rssPerSession: rss / count,
    calculatedSize: store.calculatedSize,
    bytesPerSession: store.calculatedSize / store.size,
  };
}

async function unwritten(count) {
  const store = new LruSessionStore();
  const middleware = sessionMiddleware({ secret: SECRET, store, logger });
  for (let i = 0; i < WARMUP; i++) await visit(middleware);
  const before = settle();
  let last;
  for (let i = 0; i < count; i++) last = await visit(middleware);
  const after = settle();
  if (typeof last?.id !== 'string' || last.version !== 0) throw new Error('a cookieless page view did not get a never-written session');
  const heap = after.heapUsed - before.heapUsed;
  return {
    mode: 'unwritten',
    visitors: count,
    heap,
    heapPerVisitor: heap / count,
    rss: after.rss - before.rss,
    stored: store.size,
    calculatedSize: store.calculatedSize,
  };
}

async function redis(count, url) {
  const { createClient } = require('redis');
  const client = createClient({ url });
  client.on('error', (error) => console.error(`redis: ${error.message}`));
  await client.connect();
  const prefix = `bench:memory:${process.pid}:`;
  try {
    const middleware = sessionMiddleware({ secret: SECRET, store: new RedisSessionStore({ client, prefix }), logger });
    let usage = 0;
    let json = 0;
    for (let i = 0; i < count; i++) {
      const { id, version } = await visit(middleware, fiveItems(i));
      if (version !== 1) throw new Error(`session ${id} was not stored`);
      usage += Number(await client.memoryUsage(prefix + id));
      json += Number(await client.hStrLen(prefix + id, 'd'));
    }
    return { mode: 'redis', sessions: count, memoryUsagePerKey: usage / count, jsonPerSession: json / count };
  } finally {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
    await client.quit();
  }
}

async function main() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  const [mode = 'stored', countArg = '100000', url] = process.argv.slice(2);
  const count = Number(countArg);
  if (!Number.isInteger(count) || count < 1) throw new Error(`count is invalid: ${countArg}`);
  let figures;
  if (mode === 'stored') figures = await stored(count);
  else if (mode === 'unwritten') figures = await unwritten(count);
  else if (mode === 'redis') figures = await redis(count, url ?? 'redis://127.0.0.1:6379');
  else throw new Error(`unknown mode ${mode} (stored, unwritten or redis)`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
