'use strict';
/**
 * The applications the benchmark compares. Every configuration serves the same page and the same
 * PATCH route, so that the only difference between two of them is the session layer.
 */
const express = require('express');

const SECRET = 'benchmark-secret-that-is-at-least-32-characters-long';
const DAY = 24 * 60 * 60 * 1000;

// A small page, with one value read from the session so that every session layer is touched.
const page = (country) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Store</title></head>` +
  `<body><header>Store</header><main><h1>Products</h1><p>Prices for ${country}</p>` +
  `<ul><li>Shirt</li><li>Shoes</li><li>Hat</li></ul></main></body></html>`;

/** The PATCH body of the benchmark: two `public` items, with values that change on every request. */
const patchBody = (n) => JSON.stringify({ public: { utm_source: { value: `source${n}` }, utm_campaign: { value: `campaign${n}` } } });

// A prefix of this process only, so that the keys a run wrote can be removed after it.
const redisPrefix = (name) => `bench:${name}:${process.pid}:`;

async function connectRedis(url) {
  const { createClient } = require('redis');
  const client = createClient({ url });
  client.on('error', (error) => console.error(`redis: ${error.message}`));
  await client.connect();
  return client;
}

async function removeKeys(client, prefix) {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    if (keys.length > 0) await client.unlink(keys);
  }
}

function loadPackage() {
  try {
    // BENCH_PACKAGE names another build to compare with; by default the package refers to itself
    // through its `exports`, which is the built dist/, as users get it.
    return require(process.env.BENCH_PACKAGE || 'vtex-session');
  } catch (error) {
    throw new Error(`vtex-session could not be loaded (run \`npm run build\` first): ${error.message}`);
  }
}

/**
 * express-session, as a storefront would set it up: by default a new visitor gets a session
 * (`saveUninitialized: true`); with `saveUninitialized: false` a session is saved once something is
 * set in it.
 */
function expressSession(store, { saveUninitialized = true } = {}) {
  const session = require('express-session');
  // Under NODE_ENV=production express-session warns that MemoryStore is not for production; this
  // benchmark knows, and the warning would only clutter its table.
  const warn = console.warn;
  console.warn = () => {};
  try {
    return session({
      secret: SECRET,
      resave: false,
      saveUninitialized,
      store: store ?? new session.MemoryStore(),
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: DAY },
    });
  } finally {
    console.warn = warn;
  }
}

/** What express-session's MemoryStore holds: a JSON string per session. Walks them all: not for a measured run. */
function memoryStoreFigures(store) {
  let bytes = 0;
  let sessions = 0;
  for (const json of Object.values(store.sessions)) {
    sessions++;
    bytes += Buffer.byteLength(json);
  }
  return { sessions, bytes };
}

/**
 * The client a RedisSessionStore is given, behind a count of the commands sent through it: one
 * forwarding call per command, so that a run can show which scenarios send none.
 */
function countingClient(client, counter) {
  const view = (c) => ({
    hGet: (...args) => (counter.commands++, c.hGet(...args)),
    del: (...args) => (counter.commands++, c.del(...args)),
    expire: (...args) => (counter.commands++, c.expire(...args)),
    evalSha: (...args) => (counter.commands++, c.evalSha(...args)),
    eval: (...args) => (counter.commands++, c.eval(...args)),
    withCommandOptions: (options) => view(c.withCommandOptions(options)),
  });
  return view(client);
}

/**
 * What any middleware that does vtex-session's visible work costs Express, without a session: two
 * properties on the request, and for a visitor without cookies the two Set-Cookie values (of the
 * lengths vtex-session sends, written in advance) and `Cache-Control`. The floor under the
 * vtex-session rows: the rest of their cost is the session itself.
 */
function floor() {
  const expires = new Date(Date.now() + 5 * DAY).toUTCString();
  const attributes = `; Expires=${expires}; Path=/; HttpOnly; SameSite=Lax`;
  const cookies = [`vtex_session=${'a'.repeat(330)}${attributes}`, `vtex_segment=${'b'.repeat(372)}${attributes}`];
  const segment = Object.freeze({ token: 'b'.repeat(372), data: Object.freeze({}) });
  const session = Object.freeze({ get: () => undefined });
  return function floor(req, res, next) {
    req.vtexSegment = segment;
    req.vtexSession = session;
    const header = req.headers.cookie;
    // vtex-session's API answers every write with both cookies.
    if (req.method === 'PATCH' || header === undefined || !header.includes('vtex_session=')) {
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Set-Cookie', cookies);
    }
    next();
  };
}

/**
 * `{ app, close, commands, held }` for one configuration. close() removes what it wrote to Redis
 * and disconnects; commands() answers the Redis commands RedisSessionStore has sent so far (cheap,
 * read around every run); held() what an in-process store holds, `{ sessions, bytes }` of session
 * JSON (it may walk the store: read between runs only). Both answer undefined where they do not apply.
 */
/** A listener on every channel the package publishes on, as an APM agent or a metrics exporter would add. */
function subscribeToEverything(channels) {
  const { subscribe } = require('node:diagnostics_channel');
  let heard = 0;
  const listen = () => void heard++;
  for (const name of Object.values(channels)) {
    if (name === channels.store) {
      for (const event of ['start', 'end', 'asyncStart', 'asyncEnd', 'error']) subscribe(`tracing:${name}:${event}`, listen);
    } else subscribe(name, listen);
  }
}

async function createApp(name, { redisUrl = 'redis://127.0.0.1:6379' } = {}) {
  const app = express();
  let redis;
  let cleanup = async () => {};
  let commands = () => undefined;
  let held = () => undefined;

  if (name === 'express-session' || name === 'express-session-lazy') {
    const { MemoryStore } = require('express-session');
    const store = new MemoryStore();
    app.use(expressSession(store, { saveUninitialized: name === 'express-session' }));
    held = () => memoryStoreFigures(store);
  } else if (name === 'express-session-redis') {
    const { RedisStore } = require('connect-redis');
    redis = await connectRedis(redisUrl);
    const prefix = redisPrefix(name);
    app.use(expressSession(new RedisStore({ client: redis, prefix })));
    cleanup = () => removeKeys(redis, prefix);
  } else if (name.startsWith('vtex-session')) {
    const { sessionMiddleware, LruSessionStore, RedisSessionStore, CHANNELS, shareHiddenClasses } = loadPackage();
    if (name === 'vtex-session-shared') app.use(shareHiddenClasses());
    if (name === 'vtex-session-observed') subscribeToEverything(CHANNELS);
    let store;
    if (name === 'vtex-session-redis') {
      redis = await connectRedis(redisUrl);
      const prefix = redisPrefix(name);
      const counter = { commands: 0 };
      store = new RedisSessionStore({ client: countingClient(redis, counter), prefix });
      cleanup = () => removeKeys(redis, prefix);
      commands = () => counter.commands;
    } else {
      // The default store, with its default bounds, created here so that its size can be read.
      const lru = new LruSessionStore();
      store = lru;
      held = () => ({ sessions: lru.size, bytes: lru.calculatedSize });
    }
    const logger = { warn: (message) => console.error(message), error: (message) => console.error(message) };
    app.use(sessionMiddleware({ secret: SECRET, store, logger }));
  } else if (name === 'express-shared') {
    // The package's opt-in export (lib/shapes.ts) alone, without a session.
    app.use(loadPackage().shareHiddenClasses());
  } else if (name === 'express-floor') {
    app.use(floor());
  } else if (name !== 'express') {
    throw new Error(`unknown configuration ${name}`);
  }

  app.get('/', (req, res) => {
    let country;
    if (req.vtexSession !== undefined) country = req.vtexSession.get('public', 'country');
    else if (req.session !== undefined) country = req.session.country;
    res.send(page(country ?? 'BR'));
  });

  // vtex-session answers PATCH /api/sessions itself; the others get the equivalent route: read the
  // JSON body, set two items, save, answer JSON.
  if (!name.startsWith('vtex-session')) {
    app.patch('/api/sessions', express.json(), (req, res, next) => {
      const items = req.body?.public ?? {};
      if (req.session === undefined) {
        res.json({ utm_source: items.utm_source?.value, utm_campaign: items.utm_campaign?.value });
        return;
      }
      req.session.utm_source = items.utm_source?.value;
      req.session.utm_campaign = items.utm_campaign?.value;
      req.session.save((error) => (error ? next(error) : res.json({ sessionId: req.sessionID })));
    });
  }

  const close = async () => {
    await cleanup();
    await redis?.quit();
  };
  return { app, close, commands, held };
}

module.exports = { createApp, patchBody, SECRET };
