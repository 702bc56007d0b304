'use strict';
// A page cache keyed by the segment, the way a VTEX storefront's CDN caches by `vtex_segment`.
const { LRUCache } = require('lru-cache');
const { channel } = require('node:diagnostics_channel');
const { segmentCacheKey } = require('vtex-session');
const { cacheBadge, CACHE_SLOT } = require('./views/layout');

// Hits and misses go out on a channel, as the package's own events do; /metrics counts them.
const cacheEvents = channel('demo-store:page-cache');

/**
 * `cachedPage(render)` turns `render(segmentData, params)` → `{ status, html }` into a route
 * handler that answers from the cache when it can. Pages are stored per segment key and path:
 * `segmentCacheKey` leaves the UTMs out (each tracking value would otherwise get its own copy of
 * every page) but keeps `campaigns`, so a campaign that a UTM triggers still gets its own pages.
 * The query string is not part of the key: these pages read nothing from it but the UTMs, which
 * reach them through the segment.
 */
function createPageCache({ max = 500, ttl = 5 * 60 * 1000 } = {}) {
  // Bounded: the number of segments grows with regions, price tables and campaigns.
  const pages = new LRUCache({ max, ttl });
  const counts = { hits: 0, misses: 0 };

  function cachedPage(render) {
    return async function servePage(req, res, next) {
      try {
        // Set-Cookie here means the session middleware gave this visitor new cookies (a first
        // visit, a new session, a changed segment). Such a response is never stored: a cached
        // page holds only what the segment decides, never a visitor's headers. It may still be
        // answered from the cache, since its body depends on the segment alone and its cookies
        // are this visitor's own, written by the middleware, not taken from the stored page.
        const personal = res.getHeader('Set-Cookie') !== undefined;
        const key = `${segmentCacheKey(req.vtexSegment)} ${req.path}`;
        const cached = pages.get(key);
        if (cached !== undefined) {
          counts.hits++;
          if (cacheEvents.hasSubscribers) cacheEvents.publish({ result: 'hit' });
          send(res, 'HIT', cached);
          return;
        }
        counts.misses++;
        if (cacheEvents.hasSubscribers) cacheEvents.publish({ result: 'miss' });
        const rendered = await render(req.vtexSegment.data, req.params);
        const page = { status: rendered.status, html: String(rendered.html) };
        if (!personal && page.status === 200) pages.set(key, page);
        send(res, 'MISS', page);
      } catch (error) {
        next(error);
      }
    };
  }

  function stats() {
    const segments = new Set();
    for (const key of pages.keys()) segments.add(key.slice(0, key.indexOf(' ')));
    return { ...counts, pages: pages.size, segments: segments.size, max };
  }

  return { cachedPage, stats };
}

/** Sends a page with its cache state in a header (for tools) and in a badge on the page (for people). */
function send(res, state, page) {
  res.set('X-Cache', state);
  res.status(page.status).type('html').send(page.html.replace(CACHE_SLOT, String(cacheBadge(state))));
}

module.exports = { createPageCache };
