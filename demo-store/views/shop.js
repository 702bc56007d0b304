'use strict';
// The shop's pages: pure functions of the segment (and the URL), so that they can be cached by it.
const { html } = require('./html');
const { layout } = require('./layout');
const { productArt } = require('./art');
const { catalogFor, productFor, sellerName, moneyFor, MAIN_SELLER } = require('../pricing');
const { campaigns } = require('../catalog');

function priceLine(offer, money) {
  const reduced = offer.price < offer.listPrice;
  const reason = offer.campaign
    ? html`<span class="badge badge-promo" data-campaign="${offer.campaign}">${campaigns[offer.campaign]?.title ?? offer.campaign}</span>`
    : offer.table
      ? html`<span class="badge badge-table" data-price-table="${offer.table}">${offer.table} price</span>`
      : '';
  return html`<p class="price-line">
    ${reduced ? html`<s class="list-price" data-price="${offer.listPrice.toFixed(2)}">${money(offer.listPrice)}</s>` : ''}
    <strong class="price" data-price="${offer.price.toFixed(2)}">${money(offer.price)}</strong> ${reason}
  </p>`;
}

function card({ product, offer }, money) {
  return html`<li class="card" data-sku="${product.sku}" data-seller="${offer.seller}">
    <a href="/products/${encodeURIComponent(product.sku)}">${productArt(product)}<h2>${product.name}</h2></a>
    ${priceLine(offer, money)}
    ${offer.seller === MAIN_SELLER ? '' : html`<p class="seller">From ${sellerName(offer.seller)}</p>`}
  </li>`;
}

function productListPage(segment) {
  const money = moneyFor(segment);
  const offers = catalogFor(segment);
  return layout(segment, {
    title: 'Products',
    main: html`<h1>Our coffee</h1><ul class="grid" id="products">${offers.map((o) => card(o, money))}</ul>`,
  });
}

/** The product page, or undefined when the segment cannot buy the product (another channel or region). */
function productPage(segment, sku) {
  const found = productFor(sku, segment);
  if (found === undefined) return undefined;
  const { product, offer } = found;
  return layout(segment, {
    title: product.name,
    main: html`<article class="product" data-sku="${product.sku}">
      ${productArt(product, { size: 240 })}
      <div>
        <h1>${product.name}</h1>
        <p>${product.description}</p>
        ${priceLine(offer, moneyFor(segment))}
        <p class="seller">Sold by ${sellerName(offer.seller)}</p>
        <p><a href="/">Back to all products</a></p>
      </div>
    </article>`,
  });
}

function notFoundPage(segment, message) {
  return layout(segment, { title: 'Not found', main: html`<h1>Not found</h1><p>${message}</p><p><a href="/">See our products</a></p>` });
}

function cacheStatsPage(segment, stats) {
  const row = (name, label, value) => html`<tr><th>${label}</th><td data-stat="${name}">${value}</td></tr>`;
  return layout(segment, {
    title: 'Page cache',
    main: html`<h1>Page cache</h1>
      <p>Pages are cached by <code>segmentCacheKey(req.vtexSegment)</code> and path; a response that sets a cookie is never stored nor served from the cache.</p>
      <table class="stats">
        ${row('hits', 'Hits', stats.hits)}
        ${row('misses', 'Misses', stats.misses)}
        ${row('pages', 'Pages cached', stats.pages)}
        ${row('segments', 'Segments cached', stats.segments)}
        ${row('max', 'Capacity (pages)', stats.max)}
      </table>`,
  });
}

module.exports = { productListPage, productPage, notFoundPage, cacheStatsPage };
