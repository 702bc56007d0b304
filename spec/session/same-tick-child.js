'use strict';
/**
 * `node same-tick-child.js <new|unwritten|stored>`: serves one page view of the built package in
 * a process of its own and prints `{ sameTick, status, body, setCookie }`. A process of its own,
 * because diagnostics_channel is process-wide: a subscriber another test file left on the store's
 * channel (the demo store's metrics subscribe for the life of the process) would route the
 * in-process store's reads through the traced, asynchronous path. same-tick.test.ts also uses
 * `serve` for its in-process cases.
 */
const { IncomingMessage, ServerResponse } = require('node:http');
const { Socket } = require('node:net');

const SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** Hands the app a real request and response and notes whether the page handler ran before the app returned. */
function serve(app, url, cookie) {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = url;
  req.headers = { host: 'store.test', ...(cookie ? { cookie } : {}) };
  req.push(null);
  // The response's end is ours: what the page answered is read there, nothing is written.
  const res = new ServerResponse(req);
  let handled = false;
  const answered = new Promise((resolve) => {
    res.end = (chunk) => {
      handled = true;
      const set = res.getHeader('set-cookie');
      resolve({ status: res.statusCode, body: chunk ? JSON.parse(chunk) : {}, setCookie: set === undefined ? [] : [].concat(set) });
      return res;
    };
  });
  app(req, res);
  const sameTick = handled;
  return answered.then((result) => ({ ...result, sameTick }));
}

const cookiesFrom = (setCookie) => setCookie.map((line) => line.slice(0, line.indexOf(';'))).join('; ');

/**
 * The case's page view, after the visits that set it up. A new session's computed namespaces are
 * shared within one second: a page view in the next second computes them again, asynchronously,
 * so the set-up and the measured view are repeated until both fall in one second.
 */
async function main(which) {
  // The test names the Express it runs on (4 or 5).
  const express = require(process.env.SAME_TICK_EXPRESS || 'express');
  const { sessionMiddleware, LruSessionStore } = require('../../dist');
  const app = express();
  app.use(sessionMiddleware({ secret: SECRET, store: new LruSessionStore(), logger: { warn() {}, error() {} } }));
  app.get('/page', (req, res) => {
    res.json({ id: req.vtexSession.id, version: req.vtexSession.version, utm: req.vtexSession.get('public', 'utm_source') ?? null });
  });
  for (let attempt = 0; ; attempt++) {
    const second = Math.floor(Date.now() / 1000);
    let result;
    let setUp;
    if (which === 'new') {
      await serve(app, '/page');
      result = await serve(app, '/page');
    } else {
      setUp = await serve(app, which === 'stored' ? '/page?utm_source=news' : '/page');
      result = await serve(app, '/page', cookiesFrom(setUp.setCookie));
    }
    if (Math.floor(Date.now() / 1000) === second || attempt === 5) {
      process.stdout.write(JSON.stringify({ ...result, setUpId: setUp?.body.id }));
      return;
    }
  }
}

module.exports = { serve, cookiesFrom };

if (require.main === module) {
  main(process.argv[2]).catch((error) => {
    console.error(error.stack);
    process.exit(1);
  });
}
