'use strict';
// Product pictures drawn as inline SVG, so the demo needs no image files and no network.
const { html } = require('./html');

const INK = '#2b2118';
const PAPER = '#fffaf2';

const shapes = {
  bag: (color) => html`
    <path d="M32 28 L88 28 L94 104 Q94 108 90 108 L30 108 Q26 108 26 104 Z" fill="${color}"/>
    <path d="M32 28 L40 16 L80 16 L88 28 Z" fill="${color}" opacity="0.75"/>
    <rect x="40" y="52" width="40" height="32" rx="4" fill="${PAPER}"/>
    <ellipse cx="60" cy="68" rx="9" ry="12" fill="${color}"/>
    <path d="M60 57 Q55 68 60 79" stroke="${PAPER}" stroke-width="2" fill="none"/>`,
  mug: (color) => html`
    <path d="M50 18 Q44 26 50 34 M62 14 Q56 24 62 34" stroke="#b8a99a" stroke-width="3" fill="none"/>
    <path d="M86 54 Q104 54 104 70 Q104 86 86 86" stroke="${color}" stroke-width="8" fill="none"/>
    <path d="M26 42 L88 42 L84 98 Q83 104 76 104 L38 104 Q31 104 30 98 Z" fill="${color}"/>
    <rect x="26" y="42" width="62" height="8" fill="${INK}" opacity="0.15"/>`,
  bottle: (color) => html`
    <rect x="50" y="10" width="20" height="10" rx="2" fill="${INK}"/>
    <path d="M48 20 L72 20 L72 34 Q84 40 84 52 L84 104 Q84 110 78 110 L42 110 Q36 110 36 104 L36 52 Q36 40 48 34 Z" fill="${color}"/>
    <rect x="42" y="62" width="36" height="26" rx="3" fill="${PAPER}"/>
    <path d="M48 75 L72 75" stroke="${color}" stroke-width="4"/>`,
  kettle: (color) => html`
    <path d="M36 50 Q60 36 84 50 L90 98 Q90 104 84 104 L36 104 Q30 104 30 98 Z" fill="${color}"/>
    <path d="M34 84 Q14 84 12 60 Q10 46 4 40" stroke="${color}" stroke-width="5" fill="none"/>
    <path d="M86 58 Q110 60 104 90" stroke="${INK}" stroke-width="6" fill="none"/>
    <ellipse cx="60" cy="44" rx="14" ry="5" fill="${INK}"/>
    <circle cx="60" cy="37" r="4" fill="${INK}"/>`,
  grinder: (color) => html`
    <path d="M38 16 L82 16 L72 46 L48 46 Z" fill="#c9c2b8"/>
    <rect x="34" y="46" width="52" height="58" rx="6" fill="${color}"/>
    <rect x="46" y="70" width="28" height="24" rx="3" fill="${INK}" opacity="0.8"/>
    <path d="M60 16 L60 8 L88 8" stroke="${INK}" stroke-width="4" fill="none"/>
    <circle cx="90" cy="8" r="5" fill="${INK}"/>`,
  box: (color) => html`
    <path d="M20 46 L60 32 L100 46 L100 96 L60 110 L20 96 Z" fill="${color}"/>
    <path d="M20 46 L60 60 L100 46 M60 60 L60 110" stroke="${INK}" stroke-width="2" opacity="0.35" fill="none"/>
    <path d="M40 39 L80 53 L80 68" stroke="${PAPER}" stroke-width="6" fill="none"/>`,
};

/** The picture of a product: `kind` picks the drawing, `color` paints it. */
function productArt(product, { size = 120 } = {}) {
  const draw = shapes[product.art.kind] ?? shapes.box;
  return html`<svg class="art" role="img" aria-label="${product.name}" viewBox="0 0 120 120" width="${size}" height="${size}">
    <rect width="120" height="120" rx="12" fill="#f4ede4"/>${draw(product.art.color)}
  </svg>`;
}

module.exports = { productArt };
