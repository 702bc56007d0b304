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

function accountRoutes() {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '2kb' });

  router.get('/login', (req, res) => {
    res.send(String(loginPage(req)));
  });

  // The session cookies are SameSite=Lax: another site cannot post these forms with them.
  router.post('/login', form, async (req, res) => {
    const user = userByEmail(req.body?.email);
    if (user === undefined) {
      res.status(400).send(String(loginPage(req, { error: 'Unknown user.' })));
      return;
    }
    await logIn(req.vtexSession, user);
    res.redirect(303, '/');
  });

  router.post('/logout', async (req, res) => {
    await logOut(req.vtexSession);
    res.redirect(303, '/');
  });

  router.get('/session', (req, res) => {
    res.send(String(sessionPage(req, segmentCacheKey(req.vtexSegment))));
  });

  return router;
}

module.exports = { shopRoutes, accountRoutes };
