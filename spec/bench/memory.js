'use strict';
/**
 * `node --expose-gc memory.js [count]`: the memory an idle anonymous session holds in the
 * in-process store. Creates `count` sessions through the real middleware (a page request without
 * cookies each), collects garbage, and prints one JSON line: heap and RSS growth, in total and per
 * session. The baseline is taken before the middleware exists, so the store's own index counts.
 */
const { sessionMiddleware, LruSessionStore } = require('vtex-session');

const SECRET = 'benchmark-secret-that-is-at-least-32-characters-long';

function settle() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** A page request as the router sees it: a new visitor, over plain HTTP. */
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

function visit(middleware) {
  return new Promise((resolve, reject) => {
    const req = request();
    middleware(req, response(), (error) => (error ? reject(error) : resolve(req.vtexSession.id)));
  });
}

async function main() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  const count = Number(process.argv[2] ?? 100_000);
  const before = settle();
  const store = new LruSessionStore({ max: count });
  const middleware = sessionMiddleware({ secret: SECRET, store, logger: { warn() {}, error() {} } });
  let last;
  for (let i = 0; i < count; i++) last = await visit(middleware);
  const after = settle();
  if (store.size !== count || typeof last !== 'string') throw new Error(`expected ${count} stored sessions, found ${store.size}`);
  const heap = after.heapUsed - before.heapUsed;
  const rss = after.rss - before.rss;
  process.stdout.write(
    `${JSON.stringify({ sessions: count, heap, rss, heapPerSession: heap / count, rssPerSession: rss / count })}\n`,
  );
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
