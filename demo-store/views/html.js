'use strict';
// Every page goes through the `html` template tag, which escapes every value it interpolates, so
// no catalog text, session value or query parameter can inject markup.

/** Markup that is already safe: the result of `html`, never built from a raw string. */
class Markup {
  constructor(text) {
    this.text = text;
  }

  toString() {
    return this.text;
  }
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function fragment(value) {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === undefined || value === null || value === false) return '';
  return escape(value);
}

/** A template tag: interpolated values are escaped unless they are Markup (a nested `html`). */
function html(strings, ...values) {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += fragment(values[i]) + strings[i + 1];
  return new Markup(text);
}

module.exports = { html, escape, Markup };
