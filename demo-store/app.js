'use strict';
// The demo storefront as an Express app: server.js listens with it, and the tests start it on a
// random port. It requires the package by name, as an application that installed it would.
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const express = require('express');
const cookieParser = require('cookie-parser');
const { sessionMiddleware } = require('vtex-session');
const { sessionOptions } = require('./commerce');
const { createPageCache } = require('./page-cache');
const { createMetrics } = require('./metrics');
const { shopRoutes, accountRoutes } = require('./routes');
const { notFoundPage } = require('./views/shop');
const { layout } = require('./views/layout');
const { html } = require('./views/html');

// The pages load their script and styles from this origin only; the product pictures are inline SVG.
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'";

function securityHeaders(req, res, next) {
  res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.set('X-Content-Type-Options', 'nosniff');
  next();
}

// Pages depend on the visitor's cookies: a browser must ask again each time (the server's page
// cache makes that cheap). A response with a new session already says `private, no-store`.
function revalidatePages(req, res, next) {
  if (!res.getHeader('Cache-Control')) res.set('Cache-Control', 'private, no-cache');
  next();
}

function errorHandler(error, req, res, _next) {
  // The package's errors carry their status (a refused private channel is a 401/403, a store
  // that is down a 503); only a 4xx message is meant for the visitor.
  const status = Number.isInteger(error.status) && error.status >= 400 && error.status < 600 ? error.status : 500;
  if (status >= 500) console.error(error);
  const message = status < 500 ? error.message : 'Something went wrong on our side. Please try again.';
  const segment = req.vtexSegment?.data ?? {};
  res.status(status).type('html').send(String(layout(segment, { title: 'Error', main: html`<h1>Error ${status}</h1><p>${message}</p>` })));
}

/**
 * @param {object} [options]
 * @param {string} [options.secret] signs the session tokens; without it the package warns and uses a random one
 * @param {import('vtex-session').SessionStore} [options.store] where sessions live (default: in process)
 * @param {import('vtex-session').Logger} [options.logger] the package's logger (default: the console)
 * @param {{ max?: number, ttl?: number }} [options.cache] the page cache's bounds
 */
function createApp({ secret, store, logger, cache } = {}) {
  const app = express();
  app.disable('x-powered-by');
  // X-Cache reports the server's page cache; ETags would turn reloads into 304s that hide it.
  app.set('etag', false);
  app.use(securityHeaders);
  // Assets come before the session middleware: they are the same for everyone and need no session.
  app.use('/assets', express.static(path.join(__dirname, 'public'), { maxAge: '1h' }));
  // Scraped by Prometheus: no session needed, so before the middleware.
  app.get('/metrics', createMetrics().handler);

  // cookie-parser reads the demo's own cookies; the session middleware reads its two by itself.
  app.use(cookieParser(secret ?? randomBytes(32).toString('hex')));
  const options = { ...sessionOptions(), secret, store, logger };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  app.use(sessionMiddleware(options));
  app.use(revalidatePages);

  const pageCache = createPageCache(cache);
  app.use(shopRoutes(pageCache));
  app.use(accountRoutes());
  app.use((req, res) => {
    res.status(404).send(String(notFoundPage(req.vtexSegment.data, 'There is no page here.')));
  });
  app.use(errorHandler);
  return app;
}

module.exports = { createApp };
