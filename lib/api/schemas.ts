import Ajv from 'ajv';
import { BadRequestError } from '../errors';
import { ITEM_KEY_PATTERN, isForbiddenKey, type Item, type NamespacesPatch } from '../namespaces';
import type { NormalizedOptions } from '../options';

/** Item keys and namespace names: what VTEX accepts, and nothing that reaches a prototype. */
export const KEY_PATTERN = ITEM_KEY_PATTERN;
const KEY = new RegExp(KEY_PATTERN);

const forbidden = { not: { enum: ['__proto__', 'constructor', 'prototype'] } };

/** Query parameters of a write that were not written, by reason. Counts only: never keys or values. */
export interface SkippedParameters {
  /** Not an item key (`amp;utm_medium`, `filter[color]`, `a b`, an empty key, `__proto__`). */
  invalidKey: number;
  /** A value whose JSON is over `limits.valueSize`. */
  valueTooLarge: number;
  /** Valid, but past `limits.keysPerWrite` once the body's items and the earlier parameters had the room. */
  overKeyLimit: number;
}

export interface ApiValidators {
  /** The public items of a POST/PATCH body, checked against the schema and the limits. */
  writeBody(body: unknown): Record<string, Item>;
  /**
   * Query parameters of a write, copied into `public` (control parameters left out). A parameter
   * that could not be an item is skipped, never fatal: page scripts post the page's own query string.
   */
  writeQuery(query: URLSearchParams, fromBody: Record<string, Item>): { items: Record<string, Item>; skipped: SkippedParameters | undefined };
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

  /** The size of a value's JSON in bytes, or undefined when it is nested too deeply to measure. */
  const sizeOf = (value: unknown): number | undefined => {
    try {
      return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
    } catch {
      // Only nesting thousands of levels deep exhausts the stack, and that is thousands of bytes.
      return undefined;
    }
  };

  const checkValue = (name: string, value: unknown) => {
    const size = sizeOf(value);
    if (size === undefined) throw new BadRequestError('VALUE_TOO_LARGE', `value of ${name} is nested too deeply to measure; the limit is ${valueSize} bytes`);
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

    writeQuery(query, fromBody) {
      const items: Record<string, Item> = {};
      const skipped: SkippedParameters = { invalidKey: 0, valueTooLarge: 0, overKeyLimit: 0 };
      // The body is strict and has the room first; the query's valid keys fill the rest, in order.
      let room = keysPerWrite - Object.keys(fromBody).length;
      for (const [key, value] of query) {
        if (options.controlParameters.has(key)) continue;
        if (!KEY.test(key) || isForbiddenKey(key)) skipped.invalidKey++;
        else if (sizeOf(value)! > valueSize) skipped.valueTooLarge++;
        // The body wins for a key given in both; a repeated parameter: the last one wins, as in most query parsers.
        else if (Object.hasOwn(fromBody, key)) continue;
        else if (Object.hasOwn(items, key)) items[key] = { value };
        else if (room > 0) {
          room--;
          items[key] = { value };
        } else skipped.overKeyLimit++;
      }
      const total = skipped.invalidKey + skipped.valueTooLarge + skipped.overKeyLimit;
      return { items, skipped: total === 0 ? undefined : skipped };
    },

    items(items) {
      const count = items.split(',').filter((name) => name.trim() !== '').length;
      if (count > maxItems) throw new BadRequestError('TOO_MANY_ITEMS', `items names ${count} items; the limit is ${maxItems}`);
      return items;
    },
  };
}

/** Body items and query items together: the body wins for a key given in both. */
export function publicPatch(fromQuery: Record<string, Item>, fromBody: Record<string, Item>): NamespacesPatch {
  const merged = { ...fromQuery, ...fromBody };
  return Object.keys(merged).length ? { public: merged } : {};
}
