'use strict';
// What the catalog offers to a segment. Everything here reads the segment only, never the
// session: a page built from it is the same for every visitor with the same segment, which is
// what lets the page cache share it.

const { products, sellers, campaigns } = require('./catalog');

const MAIN_SELLER = '1';

/** The regional sellers a region v1 id names: base64 of `SW#` and the seller ids joined by `;`. */
function sellersOf(regionId) {
  if (!regionId) return [];
  const text = Buffer.from(regionId, 'base64').toString('utf8');
  return text.startsWith('SW#') ? text.slice(3).split(';').filter(Boolean) : [];
}

const listOf = (value) => (value ? value.split(',') : []);

/**
 * The offer of one product for a segment, or undefined when the segment cannot buy it: a product
 * of another sales channel, or a regional product that no seller of the visitor's region sells.
 *
 * The base price is the regional seller's when one serves the region, else the main store's list
 * price; the customer's price tables may lower it; a campaign the visitor belongs to may lower it
 * further. The lowest price wins, as in a VTEX price table with promotions.
 */
function offerFor(product, segment) {
  if (product.channels && !product.channels.includes(segment.channel)) return undefined;
  const regional = sellersOf(segment.regionId).find((id) => product.sellers?.[id] !== undefined);
  if (product.regionalOnly && regional === undefined) return undefined;

  const seller = regional ?? MAIN_SELLER;
  const listPrice = regional === undefined ? product.price : product.sellers[regional];
  let offer = { seller, listPrice, price: listPrice, table: null, campaign: null };
  for (const table of listOf(segment.priceTables)) {
    const price = product.tables?.[table];
    if (price !== undefined && price < offer.price) offer = { ...offer, price, table };
  }
  for (const campaign of listOf(segment.campaigns)) {
    const price = product.promotions?.[campaign];
    if (price !== undefined && price < offer.price) offer = { ...offer, price, campaign };
  }
  return offer;
}

/** The products a segment can buy, each with its offer. */
function catalogFor(segment) {
  const offers = [];
  for (const product of products) {
    const offer = offerFor(product, segment);
    if (offer !== undefined) offers.push({ product, offer });
  }
  return offers;
}

function productFor(sku, segment) {
  const product = products.find((p) => p.sku === sku);
  const offer = product && offerFor(product, segment);
  return offer === undefined ? undefined : { product, offer };
}

const sellerName = (id) => (id === MAIN_SELLER ? 'Demo Coffee' : (sellers[id]?.name ?? id));

/** The campaigns of a segment that the store has something to say about (a banner). */
const campaignsOf = (segment) => listOf(segment.campaigns).filter((id) => campaigns[id] !== undefined).map((id) => ({ id, ...campaigns[id] }));

const formats = new Map();

/** Formats prices in the segment's currency and culture (`R$ 89,90` in pt-BR). */
function moneyFor(segment) {
  const key = `${segment.cultureInfo} ${segment.currencyCode}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(segment.cultureInfo || 'en-US', { style: 'currency', currency: segment.currencyCode || 'BRL' });
    formats.set(key, format);
  }
  return (amount) => format.format(amount);
}

module.exports = { catalogFor, productFor, sellersOf, sellerName, campaignsOf, moneyFor, MAIN_SELLER };
