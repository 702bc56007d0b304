'use strict';
// The demo catalog: a coffee shop. Prices are in the channel's currency (BRL).
//
// - `price`: the list price, sold by the main store (seller `1`), which ships everywhere.
// - `tables`: prices of the price tables a customer profile may carry (`gold`, `silver`).
// - `promotions`: campaign prices, by campaign audience id (`blackfriday`, `vip`).
// - `sellers`: regional sellers and their own price; a product with `regionalOnly` is sold by them
//   alone, so it appears only to visitors whose region includes one of those sellers.
// - `channels`: the sales channels that list the product (default: every channel).
// - `art`: how the product is drawn (see art.js); no image is fetched from the network.

const products = [
  {
    sku: 'espresso-beans',
    name: 'Espresso beans, 1 kg',
    description: 'A dark roast with notes of cocoa and caramel, for espresso machines and moka pots.',
    art: { kind: 'bag', color: '#6b3e26' },
    price: 89.9,
    tables: { gold: 71.9, silver: 80.9 },
    promotions: { blackfriday: 59.9 },
    sellers: { 'padaria-sp': 84.9 },
  },
  {
    sku: 'house-blend',
    name: 'House blend, 500 g',
    description: 'A medium roast from Minas Gerais, balanced and sweet. Our best seller.',
    art: { kind: 'bag', color: '#a0522d' },
    price: 49.9,
    tables: { gold: 39.9, silver: 44.9 },
    promotions: { vip: 42.9 },
    sellers: { 'rio-cafe': 45.9 },
  },
  {
    sku: 'decaf-beans',
    name: 'Decaf beans, 500 g',
    description: 'Swiss-water decaffeinated beans that still taste like coffee.',
    art: { kind: 'bag', color: '#8c7b6b' },
    price: 54.9,
    tables: { gold: 43.9 },
  },
  {
    sku: 'ceramic-mug',
    name: 'Ceramic mug',
    description: 'A 300 ml stoneware mug, glazed by hand.',
    art: { kind: 'mug', color: '#2a7ab0' },
    price: 39.9,
    tables: { gold: 29.9, silver: 34.9 },
    promotions: { blackfriday: 24.9, vip: 34.9 },
  },
  {
    sku: 'travel-mug',
    name: 'Travel mug',
    description: 'Keeps coffee hot for six hours and fits every cup holder.',
    art: { kind: 'bottle', color: '#2e8b57' },
    price: 69.9,
    tables: { gold: 55.9 },
  },
  {
    sku: 'gooseneck-kettle',
    name: 'Gooseneck kettle',
    description: 'A steady, thin pour for filter coffee. Works on induction.',
    art: { kind: 'kettle', color: '#444b55' },
    price: 249.9,
    tables: { gold: 199.9, silver: 224.9 },
    promotions: { blackfriday: 179.9 },
  },
  {
    sku: 'burr-grinder',
    name: 'Burr grinder',
    description: 'Forty grind settings, from espresso to cold brew.',
    art: { kind: 'grinder', color: '#b22222' },
    price: 399.9,
    tables: { gold: 329.9, silver: 359.9 },
    promotions: { vip: 359.9 },
  },
  {
    sku: 'paper-filters',
    name: 'Paper filters, 100',
    description: 'Unbleached filters for cone drippers.',
    art: { kind: 'box', color: '#d2b48c' },
    price: 19.9,
    tables: { gold: 14.9 },
  },
  {
    sku: 'cold-brew-bottle',
    name: 'Cold brew bottle',
    description: 'One litre of cold brew, made today by our São Paulo bakery.',
    art: { kind: 'bottle', color: '#3b2a20' },
    price: 32.9,
    regionalOnly: true,
    sellers: { 'padaria-sp': 32.9 },
  },
  {
    sku: 'croissants',
    name: 'Butter croissants, 6',
    description: 'Baked every morning by our São Paulo bakery and delivered the same day.',
    art: { kind: 'box', color: '#e0a030' },
    price: 36.9,
    regionalOnly: true,
    sellers: { 'padaria-sp': 36.9 },
  },
  {
    sku: 'pao-de-queijo',
    name: 'Pão de queijo, 12',
    description: 'Cheese bread from our Rio de Janeiro café, delivered warm.',
    art: { kind: 'box', color: '#f2c14e' },
    price: 29.9,
    regionalOnly: true,
    sellers: { 'rio-cafe': 29.9 },
  },
  {
    sku: 'bulk-espresso',
    name: 'Espresso beans, 5 kg (wholesale)',
    description: 'The espresso roast in a bulk bag for cafés and offices.',
    art: { kind: 'bag', color: '#3e2416' },
    price: 399.9,
    tables: { gold: 329.9, silver: 369.9 },
    channels: ['2'],
  },
];

/** The regional sellers; the main store (seller `1`) serves every region. */
const sellers = {
  'padaria-sp': { name: 'São Paulo bakery' },
  'rio-cafe': { name: 'Rio café' },
};

/** Campaigns with a banner, by campaign audience id (the session's `rnb.campaigns`). */
const campaigns = {
  blackfriday: { title: 'Black Friday', text: 'Promotion prices on espresso beans, mugs and kettles while the campaign lasts.' },
  vip: { title: 'VIP club', text: 'Members of our coffee club pay less for their favourites.' },
};

module.exports = { products, sellers, campaigns };
