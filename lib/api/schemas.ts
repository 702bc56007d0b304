import Ajv from 'ajv';
import { BadRequestError } from '../errors';
import { ITEM_KEY_PATTERN, isForbiddenKey, type Item, type NamespacesPatch } from '../namespaces';
import type { NormalizedOptions } from '../options';

/** Item keys and namespace names: what VTEX accepts, and nothing that reaches a prototype. */
export const KEY_PATTERN = ITEM_KEY_PATTERN;
const KEY = new RegExp(KEY_PATTERN);

const forbidden = { not: { enum: ['__proto__', 'constructor', 'prototype'] } };

export interface ApiValidators {
  /** The public items of a POST/PATCH body, checked against the schema and the limits. */
  writeBody(body: unknown): Record<string, Item>;
  /** Query parameters of a write, copied into `public` (control parameters left out). */
  writeQuery(query: URLSearchParams): Record<string, Item>;
  /** The `items` parameter, bounded. */
  items(items: string): string;
}

/**
 * The request schemas, compiled once when the middleware is created (never per request), without
 * `allErrors`: the first problem is the one reported, and a hostile body costs no more than that.
 */
export function createValidators(options: NormalizedOptions): ApiValidators {
  const { keysPerWrite, valueSize, items: maxItems } = options.limits;
  const ajv = new Ajv({ allErrors: false, strict: true });
  const itemSchema = {
    type: 'object',
    required: ['value'],
    properties: { value: {}, keepAlive: { type: 'boolean' } },
  };
  const validateBody = ajv.compile({
    type: 'object',
    propertyNames: { pattern: KEY_PATTERN, ...forbidden },
    properties: {
      public: {
        type: 'object',
        maxProperties: keysPerWrite,
        propertyNames: { pattern: KEY_PATTERN, ...forbidden },
        additionalProperties: itemSchema,
      },
    },
  });

  const checkValue = (name: string, value: unknown) => {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      // Only nesting thousands of levels deep exhausts the stack, and that is thousands of bytes.
      throw new BadRequestError('VALUE_TOO_LARGE', `value of ${name} is nested too deeply to measure; the limit is ${valueSize} bytes`);
    }
    const size = Buffer.byteLength(json ?? '', 'utf8');
    if (size > valueSize) throw new BadRequestError('VALUE_TOO_LARGE', `value of ${name} is ${size} bytes; the limit is ${valueSize}`);
  };

  return {
    writeBody(body) {
      if (!validateBody(body)) {
        const error = validateBody.errors![0];
        const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'body';
        if (error.keyword === 'maxProperties') {
          throw new BadRequestError('TOO_MANY_KEYS', `a write may set at most ${keysPerWrite} items`);
        }
        // ajv reports a bad name by the inner keyword (`pattern`, `not`) and marks it with propertyName.
        const key = error.propertyName ?? (error.params as { propertyName?: string }).propertyName;
        if (key !== undefined) {
          throw new BadRequestError('INVALID_KEY', `${where} has an invalid key ${JSON.stringify(key.slice(0, 130))}: keys match ${KEY_PATTERN} and are not __proto__, constructor or prototype`);
        }
        if (error.keyword === 'type' && where === 'body') throw new BadRequestError('INVALID_BODY', 'request body must be a JSON object');
        throw new BadRequestError('INVALID_BODY', `${where} ${error.message}; items are written as { "public": { "key": { "value": ... } } }`);
      }
      const pub = (body as { public?: Record<string, Item> }).public ?? {};
      const items: Record<string, Item> = {};
      for (const key of Object.keys(pub)) {
        checkValue(`public.${key}`, pub[key].value);
        items[key] = pub[key].keepAlive ? { value: pub[key].value, keepAlive: true } : { value: pub[key].value };
      }
      return items;
    },

    writeQuery(query) {
      const items: Record<string, Item> = {};
      let count = 0;
      for (const [key, value] of query) {
        if (options.controlParameters.has(key)) continue;
        if (!KEY.test(key) || isForbiddenKey(key)) {
          throw new BadRequestError('INVALID_KEY', `query parameter ${JSON.stringify(key.slice(0, 130))} is not a valid item key: keys match ${KEY_PATTERN}`);
        }
        checkValue(`public.${key}`, value);
        if (!(key in items) && ++count > keysPerWrite) throw new BadRequestError('TOO_MANY_KEYS', `a write may set at most ${keysPerWrite} items`);
        // A repeated parameter: the last one wins, as in most query parsers.
        items[key] = { value };
      }
      return items;
    },

    items(items) {
      const count = items.split(',').filter((name) => name.trim() !== '').length;
      if (count > maxItems) throw new BadRequestError('TOO_MANY_ITEMS', `items names ${count} items; the limit is ${maxItems}`);
      return items;
    },
  };
}

/** Body items and query items together: the body wins for a key given in both. */
export function publicPatch(fromQuery: Record<string, Item>, fromBody: Record<string, Item>, keysPerWrite: number): NamespacesPatch {
  const merged = { ...fromQuery, ...fromBody };
  if (Object.keys(merged).length > keysPerWrite) throw new BadRequestError('TOO_MANY_KEYS', `a write may set at most ${keysPerWrite} items`);
  return Object.keys(merged).length ? { public: merged } : {};
}
