'use strict';
// The frame of every page. It reads the segment only (never the session), so that the cached
// pages hold nothing personal: the greeting and the form's current postal code are filled in by
// the page script from GET /api/sessions, as VTEX storefronts do.
const { html } = require('./html');
const { campaignsOf, sellersOf, sellerName } = require('../pricing');

const COUNTRIES = [
  ['BRA', 'Brazil'],
  ['USA', 'United States'],
];

function banners(segment) {
  return campaignsOf(segment).map(
    (c) => html`<aside class="banner banner-${c.id}" data-campaign="${c.id}"><strong>${c.title}</strong> ${c.text}</aside>`,
  );
}

function regionText(segment) {
  if (!segment.regionId) return 'Enter your postal code to see what we deliver to you.';
  const regional = sellersOf(segment.regionId);
  if (regional.length === 0) return 'No local seller serves your postal code: Demo Coffee ships to you.';
  return `Delivering from ${regional.map(sellerName).join(', ')} and Demo Coffee.`;
}

/** The commercial context of the page: channel, price table, region; and the region form. */
function contextBar(segment) {
  const tables = segment.priceTables ? segment.priceTables.split(',') : [];
  return html`<section class="context">
    <p class="conditions">
      ${segment.channelPrivacy === 'private' ? html`<span class="chip chip-b2b" data-channel="${segment.channel}">B2B channel</span>` : ''}
      ${tables.map((t) => html`<span class="chip chip-table" data-price-table="${t}">${t} prices</span>`)}
      <span class="region" data-region-id="${segment.regionId ?? ''}">${regionText(segment)}</span>
    </p>
    <form id="region-form" class="region-form">
      <label>Country <select name="country">${COUNTRIES.map(([code, name]) => html`<option value="${code}">${name}</option>`)}</select></label>
      <label>Postal code <input name="postalCode" placeholder="01310-100" maxlength="16" required></label>
      <button type="submit">Update region</button>
      <output class="form-error" role="status"></output>
    </form>
  </section>`;
}

/**
 * Where a page of the page cache says whether it came from the cache. The cached body keeps this
 * comment; `cacheBadge` replaces it when the page is sent, so one stored page serves both answers.
 */
const cacheSlot = html`<!--page-cache-->`;
const CACHE_SLOT = String(cacheSlot);

const CACHE_STATES = {
  HIT: 'This page came from the page cache: another visitor with the same segment had it rendered.',
  MISS: 'This page was rendered for this request (not from the page cache).',
};

/** The badge of a page answered through the page cache: `HIT` or `MISS`. */
function cacheBadge(state) {
  return html`<span class="cache-badge cache-${state.toLowerCase()}" id="page-cache" data-cache="${state}" title="${CACHE_STATES[state]}">Cache ${state}</span>`;
}

/**
 * A whole page: `main` is the page's own markup. Its text is English whatever the segment's
 * culture (which only formats the prices), so the page says so.
 */
function layout(segment, { title, main }) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Demo Coffee</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/store.css">
<script src="/assets/store.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">Demo Coffee</a>
  <nav class="links"><a href="/">Products</a> <a href="/session">Session</a> <a href="/cache-stats">Cache</a></nav>
  ${cacheSlot}
  <div class="account" id="account"><a href="/login">Log in</a></div>
</header>
${banners(segment)}
${contextBar(segment)}
<main>${main}</main>
<footer>A demo of vtex-session: pages are cached by segment; the session page shows what the server knows.</footer>
</body>
</html>`;
}

module.exports = { layout, cacheBadge, CACHE_SLOT };
