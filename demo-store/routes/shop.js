'use strict';
// The cached pages (product list, product page) and the cache's own statistics.
const express = require('express');
const { productListPage, productPage, notFoundPage, cacheStatsPage } = require('../views/shop');

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

module.exports = { shopRoutes };
