import Ajv from 'ajv';
import type { Logger } from '../logger';
import { isSessionStore } from '../stores/store';
import type { Transform } from '../transforms/types';

export const MIN_SECRET_LENGTH = 32;
// Express's own path syntax would accept patterns here; a prefix is a literal path.
const PREFIX = '^/[A-Za-z0-9_.~/-]*$';
const COOKIE_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

const channelSchema = {
  type: 'object',
  required: ['currencyCode', 'currencySymbol', 'countryCode', 'cultureInfo'],
  additionalProperties: false,
  properties: {
    currencyCode: { type: 'string', minLength: 1 },
    currencySymbol: { type: 'string', minLength: 1 },
    countryCode: { type: 'string', minLength: 1 },
    cultureInfo: { type: 'string', minLength: 1 },
    privacy: { enum: ['public', 'private'] },
    supportedLocales: { type: 'array', items: { type: 'string', minLength: 1 } },
    admin_cultureInfo: { type: 'string', minLength: 1 },
    allow: { isFunction: true },
  },
};

const positiveInteger = { type: 'integer', minimum: 1 };

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    secret: {
      anyOf: [
        { type: 'string', minLength: MIN_SECRET_LENGTH },
        { type: 'array', minItems: 1, items: { type: 'string', minLength: MIN_SECRET_LENGTH } },
      ],
    },
    account: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, id: { type: 'string', minLength: 1 } },
    },
    channels: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z0-9_-]{1,32}$' },
      additionalProperties: channelSchema,
    },
    defaultChannel: { type: 'string' },
    store: { isStore: true },
    maxAge: positiveInteger,
    idleTimeout: positiveInteger,
    cookie: {
      type: 'object',
      additionalProperties: false,
      properties: {
        secure: { enum: ['auto', true, false] },
        sameSite: { enum: ['lax', 'strict', 'none'] },
        domain: { type: 'string', pattern: '^\\.?[A-Za-z0-9.-]+$' },
        path: { type: 'string', pattern: '^/[\\x21-\\x3a\\x3c-\\x7e]*$' },
        sessionName: { type: 'string', pattern: COOKIE_NAME },
        segmentName: { type: 'string', pattern: COOKIE_NAME },
      },
    },
    apiPrefix: {
      anyOf: [
        { const: false },
        { type: 'string', pattern: PREFIX },
        { type: 'array', minItems: 1, items: { type: 'string', pattern: PREFIX } },
      ],
    },
    transforms: { type: 'array', items: { isTransform: true } },
    captureQuery: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' } },
    controlParameters: { type: 'array', items: { type: 'string', minLength: 1 } },
    allowedOrigins: { type: 'array', items: { type: 'string', isOrigin: true } },
    captureCookies: { type: 'array', items: { type: 'string', minLength: 1 } },
    authenticate: { isFunction: true },
    impersonation: { isFunction: true },
    profiles: { isFunction: true },
    anonymousPriceTables: { type: 'boolean' },
    regions: {
      anyOf: [
        { isFunction: true },
        {
          type: 'object',
          additionalProperties: {
            type: 'array',
            items: {
              type: 'object',
              required: ['from', 'to', 'sellers'],
              additionalProperties: false,
              properties: {
                from: { type: 'string', minLength: 1 },
                to: { type: 'string', minLength: 1 },
                sellers: { type: 'array', items: { type: 'string', pattern: '^[^;#]+$' } },
              },
            },
          },
        },
      ],
    },
    audiences: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[^,]+$' },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          match: { enum: ['or', 'and'] },
          utm_source: { type: 'array', items: { type: 'string' } },
          utm_campaign: { type: 'array', items: { type: 'string' } },
          postalCodes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['from', 'to'],
              additionalProperties: false,
              properties: { country: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
            },
          },
          clusters: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    clusters: { isFunction: true },
    onStoreError: { enum: ['degrade', 'fail'] },
    storeTimeout: positiveInteger,
    transformTimeout: positiveInteger,
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        bodySize: positiveInteger,
        keysPerWrite: positiveInteger,
        valueSize: positiveInteger,
        items: positiveInteger,
        sessionSize: positiveInteger,
        capturedCookies: positiveInteger,
        capturedCookieBytes: positiveInteger,
      },
    },
    logger: { isLogger: true },
  },
} as const;

const ajv = new Ajv({ strict: false });
ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)));
ajv.addKeyword({ keyword: 'isFunction', schemaType: 'boolean', validate: (_: boolean, data: unknown) => typeof data === 'function' });
ajv.addKeyword({ keyword: 'isStore', schemaType: 'boolean', validate: (_: boolean, data: unknown) => isSessionStore(data) });
ajv.addKeyword({
  keyword: 'isLogger',
  schemaType: 'boolean',
  validate: (_: boolean, data: unknown) =>
    data !== null && typeof data === 'object' && typeof (data as Logger).warn === 'function' && typeof (data as Logger).error === 'function',
});
ajv.addKeyword({
  keyword: 'isTransform',
  schemaType: 'boolean',
  validate: (_: boolean, data: unknown) => {
    const t = data as Transform;
    return (
      t !== null &&
      typeof t === 'object' &&
      typeof t.name === 'string' &&
      typeof t.run === 'function' &&
      isSelection(t.input) &&
      isSelection(t.output)
    );
  },
});
ajv.addKeyword({ keyword: 'isOrigin', schemaType: 'boolean', validate: (_: boolean, data: unknown) => typeof data === 'string' && originOf(data) !== undefined });
// Compiled once, when this module loads: no request ever compiles a schema.
export const validateOptions = ajv.compile(optionsSchema);

/** An http(s) origin as browsers send it (`new URL(o).origin`), or undefined for anything with more or less. */
export function originOf(text: string): string | undefined {
  // A host name of letters, digits, dots and dashes (punycode for others) or a bracketed IPv6 address.
  if (!/^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?$/i.test(text)) return undefined;
  try {
    return new URL(text).origin;
  } catch {
    return undefined;
  }
}

function isSelection(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.values(value as object).every((keys) => Array.isArray(keys) && keys.every((k) => typeof k === 'string'))
  );
}

