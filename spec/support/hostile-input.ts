import fc from 'fast-check';
import { TRANSFORM_INPUTS, percentEncode } from './adversarial';

/**
 * Generators of hostile input shared by the fuzz files: what a broken client, a crawler or an
 * attacker sends to a storefront. Each mixes well-formed cases (so that the accepted path runs
 * too) with garbage.
 */

// Generated cases per property; FUZZ_SCALE multiplies them for a longer run.
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
export const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

/**
 * Characters a request line may carry as they are: printable ASCII. (Node's HTTP parser answers a
 * bare 400 to raw bytes above 0x7E in a URL before any application code runs, so those are sent
 * percent-encoded instead.) Biased towards the ones parsers trip on.
 */
const urlChar = fc.oneof(
  fc.constantFrom(...'%[]=+;,:@!$\'()*._~-aZ09'.split('')),
  fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
);

const percentGarbage = fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4', '%C0%AF', '%00', '%FF', '%u0041', '%%', '%2', '%ED%A0%80', '%80%80');

/** Raw text for a URL: never a space, a control character or a raw byte above 0x7E. */
export const wireText = (maxLength = 12) =>
  fc.array(fc.oneof(urlChar, percentGarbage), { maxLength }).map((parts) => parts.join(''));

/** Raw text for a header value: what a Cookie header may carry (visible ASCII, space, tab and bytes 0x80-0xFF). */
export const headerText = (maxLength = 40) =>
  fc
    .array(fc.oneof(urlChar, fc.constantFrom(' ', '\t', '"', ';', '='), fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c))), { maxLength })
    .map((chars) => chars.join(''));

const knownNamespace = fc.constantFrom('public', 'account', 'authentication', 'impersonate', 'cookie', 'profile', 'store', 'checkout', 'rnb', 'search');

export const validKey = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,16}$/);

/** An item key: those the transforms read, valid ones, and names that must be refused. */
export const anyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRANSFORM_INPUTS) },
  { weight: 3, arbitrary: validKey },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'constructor.prototype', 'a[b]', '', 'x'.repeat(129), 'toString', 'hasOwnProperty', 'ünïcode', 'a b'),
  },
);

/** Values that make the built-in transforms do something (a channel, a postal code in range, an audience). */
export const transformValue = fc.constantFrom('1', '2', '3', 'BRA', 'USA', '01310-100', '99999-999', 'newsletter', 'en-US', 'pt-BR', 'buyer@b2b.example', '-46.6,-23.5', 'U1cjc3Ax', '');

export const anyValue = fc.oneof(
  { weight: 4, arbitrary: transformValue },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1900, max: 2200 }).map((n) => 'x'.repeat(n)) },
);

const item = fc.oneof(
  { weight: 6, arbitrary: fc.record({ value: anyValue, keepAlive: fc.boolean() }, { requiredKeys: ['value'] }) },
  { weight: 1, arbitrary: anyValue },
  { weight: 1, arbitrary: fc.record({ keepAlive: fc.jsonValue() }) },
  { weight: 1, arbitrary: fc.record({ value: anyValue, keepAlive: fc.constantFrom('true', 1, null) }) },
);

/** A body shaped like a write, possibly with namespaces a client may not write, too many keys, bad items. */
const shapedBody = fc.oneof(
  { weight: 5, arbitrary: fc.record({ public: fc.dictionary(anyKey, item, { maxKeys: 6 }) }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.dictionary(anyKey, item, { maxKeys: 4 }), fc.dictionary(fc.oneof(knownNamespace, anyKey), fc.dictionary(anyKey, item, { maxKeys: 3 }), { maxKeys: 3 }))
      .map(([pub, others]) => ({ ...others, public: pub })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60, max: 70 }).map((n) => ({ public: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { value: i }])) })),
  },
  { weight: 1, arbitrary: fc.constantFrom({}, { public: {} }, { public: null }, { public: [] }, { public: 'x' }) },
);

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

/** A request body as bytes on the wire: JSON and anything but. */
export const rawBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 8, arbitrary: shapedBody.map((body) => JSON.stringify(body)) },
  { weight: 2, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)) },
  // Invalid UTF-8 inside an otherwise valid write.
  {
    weight: 1,
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) =>
      Buffer.concat([Buffer.from('{"public":{"utm_source":{"value":"'), Buffer.from(bytes.map((b) => (b === 0x22 || b === 0x5c ? 0xff : b | 0x80))), Buffer.from('"}}}')]),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 9000 }).chain((depth) =>
      fc.constantFrom(
        nested(depth, '[', ']'),
        nested(depth, '{"a":', '}'),
        `{"public":{"facets":{"value":${nested(depth, '[', ']')}}}}`,
        `{"public":{"facets":{"value":${nested(depth, '{"a":', '}')}}}}`,
      ),
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 8000 }).map((n) => `[${new Array(n).fill('1').join(',')}]`) },
  { weight: 1, arbitrary: fc.integer({ min: 16 * 1024, max: 40 * 1024 }).map((n) => JSON.stringify({ public: { facets: { value: 'x'.repeat(n) } } })) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '"text"', '1e999', '{"public":', '{}garbage', '\uFEFF{}', '{"public":{"a":{"value":1}},"public":{"b":{"value":2}}}') },
);

export const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset="UTF-8"',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'multipart/form-data; boundary=x',
  '',
);

const queryPart = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(anyKey, fc.oneof(transformValue, fc.string({ unit: 'binary', maxLength: 20 }))).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'a[b]=c', 'a[]=1', '=x', 'x', '', 'items=*', 'items=public.utm_source,store.*', 'an=store', '__proto__=1', '__proto__[polluted]=1',
      'constructor.prototype=1', 'constructor[prototype]=1', 'utm_source=a&utm_source=b', 'sc=3', 'utm_source=' + 'x'.repeat(300),
    ),
  },
  { weight: 2, arbitrary: wireText() },
);

/** A query string (without `?`): random keys and values, repeated keys, brackets, percent garbage. */
export const rawQuery = fc.array(queryPart, { maxLength: 8 }).map((parts) => parts.join('&'));

/** A token's characters changed, cut or extended. */
export const mutation = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...'ABCabc019-_.%=+/'.split(''))).map(([at, c]) => (t: string) => {
    const i = at % t.length;
    return t.slice(0, i) + c + t.slice(i + 1);
  }),
  fc.nat().map((at) => (t: string) => t.slice(0, at % t.length)),
  fc.string({ maxLength: 8 }).map((extra) => (t: string) => t + extra),
  fc.constant((t: string) => t.split('.').reverse().join('.')),
);
