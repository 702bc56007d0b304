'use strict';
// The store's routes. The shop's pages go through the page cache: they are built from the
// segment alone. The account pages are about one visitor and are never cached.
const express = require('express');
const { segmentCacheKey } = require('vtex-session');
const { userByEmail, logIn, logOut } = require('./commerce');
const { productListPage, productPage, notFoundPage, cacheStatsPage } = require('./views/shop');
const { loginPage, sessionPage } = require('./views/account');

function shopRoutes(pageCache) {
  const router = express.Router();

  router.get(
    '/',
    pageCache.cachedPage((segment) => ({ status: 200, html: productListPage(segment) })),
  );

  router.get(
    '/products/:sku',
    pageCache.cachedPage((segment, { sku }) => {
      const page = productPage(segment, sku);
      return page === undefined
        ? { status: 404, html: notFoundPage(segment, 'This product is not sold in your region or sales channel.') }
        : { status: 200, html: page };
    }),
  );

  router.get('/cache-stats', (req, res) => {
    const stats = pageCache.stats();
    res.format({
      html: () => res.send(String(cacheStatsPage(req.vtexSegment.data, stats))),
      json: () => res.json(stats),
    });
  });

  return router;
}

/** The demo's own cookie: the e-mail of the last login on this browser, shown on the login page. */
const LAST_LOGIN = 'demo_last_login';

function accountRoutes() {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '2kb' });

  router.get('/login', (req, res) => {
    // The demo's own cookie, read through cookie-parser (signed, so a visitor cannot forge it).
    res.send(String(loginPage(req, { lastLogin: req.signedCookies?.[LAST_LOGIN] || undefined })));
  });

  // The session cookies are SameSite=Lax: another site cannot post these forms with them.
  // Async handlers pass their errors to next: on Express 4 a rejected promise would otherwise be
  // unhandled (a store that is down makes logIn reject).
  router.post('/login', form, async (req, res, next) => {
    try {
      const user = userByEmail(req.body?.email);
      if (user === undefined) {
        res.status(400).send(String(loginPage(req, { error: 'Unknown user.' })));
        return;
      }
      await logIn(req.vtexSession, user);
      res.cookie(LAST_LOGIN, user.email, { signed: true, httpOnly: true, sameSite: 'lax', maxAge: 30 * 24 * 3600 * 1000 });
      res.redirect(303, '/');
    } catch (error) {
      next(error);
    }
  });

  router.post('/logout', async (req, res, next) => {
    try {
      await logOut(req.vtexSession);
      res.redirect(303, '/');
    } catch (error) {
      next(error);
    }
  });

  router.get('/session', (req, res) => {
    res.send(String(sessionPage(req, segmentCacheKey(req.vtexSegment))));
  });

  return router;
}

module.exports = { shopRoutes, accountRoutes };
