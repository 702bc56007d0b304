import { createHash, randomBytes } from 'node:crypto';
import Ajv, { type ErrorObject } from 'ajv';
import { LruSessionStore } from './stores/lru';
import { isSessionStore, type SessionStore } from './stores/store';
import { TimeoutStore } from './stores/timeout';
import type { Transform } from './transforms/types';
import type { Audience, ClusterResolver } from './transforms/builtin/audiences';
import type { Authenticator, ImpersonationPolicy } from './transforms/builtin/authentication';
import type { ProfileResolver } from './transforms/builtin/profile';
import type { RegionResolver, RegionTable } from './transforms/builtin/region';

/** One sales channel: the commercial context its segment carries. */
export interface ChannelOptions {
  currencyCode: string;
  currencySymbol: string;
  countryCode: string;
  cultureInfo: string;
  /** A private channel is refused to visitors its `allow` rule does not admit. Default `'public'`. */
  privacy?: 'public' | 'private';
  /** Locales `public.cultureInfo` / `public.locale` may select. Default: the channel's `cultureInfo` only. */
  supportedLocales?: string[];
  admin_cultureInfo?: string;
  /** Who may use a private channel. Default: any authenticated visitor. */
  allow?: (profile: Readonly<Record<string, unknown>>) => boolean;
}

export interface CookieOptions {
  /** `'auto'` sets Secure when the request is HTTPS (`req.secure`, so `trust proxy` is honoured). */
  secure?: 'auto' | boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  domain?: string;
  path?: string;
  sessionName?: string;
  segmentName?: string;
}

/**
 * Where the package logs: console, a pino, bunyan or winston logger as it is, or an object of your
 * own. Each line is a message and a detail object, whose ids are short hashes (never a token or a
 * session id). pino and bunyan take the object first (`logger.warn(detail, message)`); they are
 * recognised by pino's `bindings()` and bunyan's `addStream()`. Every other logger, console and
 * winston included, is called with the message first (`logger.warn(message, detail)`).
 */
export interface Logger {
  warn(message: string, detail?: Record<string, unknown>): void;
  error(message: string, detail?: Record<string, unknown>): void;
}

export interface Limits {
  /** Largest request body in bytes (413 above). */
  bodySize?: number;
  /** Most items one write may set. */
  keysPerWrite?: number;
  /** Largest item value, in bytes of its JSON. */
  valueSize?: number;
  /** Most names in `items=`. */
  items?: number;
}

export interface SessionOptions {
  /** At least 32 characters; an array rotates: the first signs, all verify. */
  secret?: string | string[];
  account?: { name: string; id?: string };
  channels?: Record<string, ChannelOptions>;
  defaultChannel?: string;
  store?: SessionStore;
  /** Absolute session lifetime in milliseconds. Default 5 days, as at VTEX. */
  maxAge?: number;
  /** Milliseconds a session lives without requests. Default 1 day. */
  idleTimeout?: number;
  cookie?: CookieOptions;
  /** Where the HTTP API is mounted; a list mounts it under each prefix; false mounts none. */
  apiPrefix?: string | string[] | false;
  /** Custom transforms, added to the built-in set. */
  transforms?: Transform[];
  /** Query keys copied into `public` on page requests. Default: the UTM keys. */
  captureQuery?: string[];
  /** Query parameters of the API that are not written into `public`. Default `['items', 'an']`. */
  controlParameters?: string[];
  /** Request cookies copied into the `cookie` namespace: names, `*` as a wildcard. */
  captureCookies?: string[];
  authenticate?: Authenticator;
  impersonation?: ImpersonationPolicy;
  profiles?: ProfileResolver;
  regions?: RegionTable | RegionResolver;
  audiences?: Audience[];
  clusters?: ClusterResolver;
  onStoreError?: 'degrade' | 'fail';
  /** Milliseconds before a store operation is abandoned. Default 1000. */
  storeTimeout?: number;
  /** Milliseconds before a transform is abandoned. Default 2000. */
  transformTimeout?: number;
  limits?: Limits;
  logger?: Logger;
}

export const DEFAULT_CHANNELS: Record<string, ChannelOptions> = {
  // VTEX's home market: a new visitor's segment is VTEX's own default for sales channel 1.
  '1': { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', privacy: 'public' },
};

export const DEFAULT_CAPTURE_QUERY = ['utm_source', 'utm_campaign', 'utm_medium', 'utm_term', 'utm_content', 'utmi_cp', 'utmi_p', 'utmi_pc'];

export interface NormalizedChannel extends Required<Omit<ChannelOptions, 'admin_cultureInfo' | 'allow'>> {
  id: string;
  admin_cultureInfo?: string;
  allow: (profile: Readonly<Record<string, unknown>>) => boolean;
}

export interface NormalizedOptions {
  secrets: string[];
  account: { name: string; id: string };
  channels: Map<string, NormalizedChannel>;
  defaultChannel: NormalizedChannel;
  store: SessionStore;
  maxAge: number;
  idleTimeout: number;
  /** At most one touch per this many milliseconds per session. */
  touchInterval: number;
  cookie: Required<Omit<CookieOptions, 'domain'>> & { domain?: string };
  apiPrefixes: string[];
  customTransforms: Transform[];
  captureQuery: string[];
  controlParameters: Set<string>;
  captureCookies: string[];
  authenticate?: Authenticator;
  impersonation?: ImpersonationPolicy;
  profiles?: ProfileResolver;
  regions?: RegionTable | RegionResolver;
  audiences: Audience[];
  clusters?: ClusterResolver;
  onStoreError: 'degrade' | 'fail';
  transformTimeout: number;
  maxRounds: number;
  limits: Required<Limits>;
  logger: Logger;
}

const DAY = 24 * 60 * 60 * 1000;
const MIN_SECRET_LENGTH = 32;
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

const optionsSchema = {
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
    captureCookies: { type: 'array', items: { type: 'string', minLength: 1 } },
    authenticate: { isFunction: true },
    impersonation: { isFunction: true },
    profiles: { isFunction: true },
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
// Compiled once, when this module loads: no request ever compiles a schema.
const validateOptions = ajv.compile(optionsSchema);

function isSelection(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.values(value as object).every((keys) => Array.isArray(keys) && keys.every((k) => typeof k === 'string'))
  );
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 8)}…(${value.length} characters)` : value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

// ajv's words for a union or a custom keyword ("must be equal to constant", "must pass "isStore"
// keyword validation") tell the person configuring nothing; these say what is expected instead.
const EXPECTED: Record<string, string> = {
  apiPrefix: 'a path such as "/api", a non-empty list of paths, or false',
  regions: 'a table of postal-code ranges or a function',
  isStore: 'a store with get, set, delete and touch methods',
  isTransform: 'a transform with a name, input, output and run',
  isLogger: 'an object with warn and error methods',
  isFunction: 'a function',
};

/**
 * The error to report. In a union (anyOf) the first error is only the first branch's complaint; an
 * error inside the value (one item of a list) is the precise one, else the union as a whole.
 */
function reportedError(errors: ErrorObject[]): ErrorObject {
  const union = errors.find((e) => e.keyword === 'anyOf');
  if (union === undefined) return errors[0];
  const inside = errors.filter((e) => e.instancePath.startsWith(`${union.instancePath}/`));
  return inside.sort((a, b) => b.instancePath.length - a.instancePath.length)[0] ?? union;
}

function optionError(errors: ErrorObject[], options: Record<string, unknown>): TypeError {
  const error = reportedError(errors);
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let value: unknown = options;
  for (const part of path) value = (value as Record<string, unknown>)?.[part];
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const where = path.length ? `${path.join('.')}.${extra}` : extra;
    return new TypeError(`option ${where} is not a known option`);
  }
  const name = path.join('.') || 'options';
  const allowed = error.keyword === 'enum' ? (error.params as { allowedValues: unknown[] }).allowedValues : undefined;
  const expected =
    allowed !== undefined
      ? `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
      : error.keyword === 'anyOf'
        ? EXPECTED[name]
        : EXPECTED[error.keyword];
  const reason = path[0] === 'secret' ? `a secret is a string of at least ${MIN_SECRET_LENGTH} characters, or a non-empty list of them` : (expected ?? error.message ?? 'invalid');
  // A secret's value is never echoed into an error message or a log.
  const shown = path[0] === 'secret' ? '[redacted]' : describe(value);
  return new TypeError(`option ${name} is invalid: ${shown} (${reason})`);
}

const warned = new Set<string>();

/** Warns once per process per code, as lru-cache does for dubious settings. */
function warnOnce(logger: Logger, code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  logger.warn(message, { code });
}

const consoleLogger: Logger = {
  warn: (message, detail) => console.warn(`[vtex-session] ${message}`, detail ?? ''),
  error: (message, detail) => console.error(`[vtex-session] ${message}`, detail ?? ''),
};

/** pino (it has `bindings()`) and bunyan (it has `addStream()`) take the fields first, then the message. */
function takesFieldsFirst(logger: object): boolean {
  const candidate = logger as { bindings?: unknown; addStream?: unknown };
  return typeof candidate.bindings === 'function' || typeof candidate.addStream === 'function';
}

/** The logger the package calls, `(message, detail)`, whichever of the usual loggers was given. */
function packageLogger(logger: Logger): Logger {
  if (logger === console) return consoleLogger;
  if (!takesFieldsFirst(logger)) return logger;
  const fieldsFirst = logger as unknown as Record<keyof Logger, (fields: Record<string, unknown>, message: string) => void>;
  return {
    warn: (message, detail) => fieldsFirst.warn(detail ?? {}, message),
    error: (message, detail) => fieldsFirst.error(detail ?? {}, message),
  };
}

/** A stable account id derived from the account name, so that every process of a store agrees. */
function accountIdOf(name: string): string {
  const hex = createHash('sha256').update(`vtex-session account ${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Normalises and validates the options once, when the middleware is created. A bad option throws a
 * TypeError that names it and its value; the request path never parses options.
 */
export function normalizeOptions(input: SessionOptions = {}): NormalizedOptions {
  if (input === null || typeof input !== 'object') throw new TypeError(`options is invalid: ${describe(input)} (an object is expected)`);
  if (!validateOptions(input)) throw optionError(validateOptions.errors!, input as Record<string, unknown>);

  const {
    secret,
    account = { name: 'store' },
    channels = DEFAULT_CHANNELS,
    defaultChannel,
    store,
    maxAge = 5 * DAY,
    idleTimeout = DAY,
    cookie = {},
    apiPrefix = '/api',
    transforms = [],
    captureQuery = DEFAULT_CAPTURE_QUERY,
    controlParameters = ['items', 'an'],
    captureCookies = ['VtexIdclientAutCookie*'],
    onStoreError = 'degrade',
    storeTimeout = 1000,
    transformTimeout = 2000,
    limits = {},
    logger: givenLogger = consoleLogger,
  } = input;
  const logger = packageLogger(givenLogger);

  let secrets: string[];
  if (secret === undefined) {
    if (process.env.NODE_ENV === 'production') {
      throw new TypeError('option secret is required when NODE_ENV=production (at least 32 characters)');
    }
    secrets = [randomBytes(32).toString('base64url')];
    warnOnce(
      logger,
      'VTEX_SESSION_RANDOM_SECRET',
      'no secret given: a random one is used, so sessions do not survive a restart and are not shared between processes',
    );
  } else {
    secrets = Array.isArray(secret) ? [...secret] : [secret];
  }

  const normalizedChannels = new Map<string, NormalizedChannel>();
  for (const [id, channel] of Object.entries(channels)) {
    normalizedChannels.set(id, {
      id,
      currencyCode: channel.currencyCode,
      currencySymbol: channel.currencySymbol,
      countryCode: channel.countryCode,
      cultureInfo: channel.cultureInfo,
      privacy: channel.privacy ?? 'public',
      supportedLocales: channel.supportedLocales ?? [channel.cultureInfo],
      admin_cultureInfo: channel.admin_cultureInfo,
      allow: channel.allow ?? ((profile) => profile.isAuthenticated === 'true'),
    });
  }
  const defaultId = defaultChannel ?? (normalizedChannels.has('1') ? '1' : [...normalizedChannels.keys()][0]);
  const fallback = normalizedChannels.get(defaultId);
  if (fallback === undefined) {
    throw new TypeError(`option defaultChannel is invalid: ${describe(defaultChannel)} (not one of the channels: ${[...normalizedChannels.keys()].join(', ')})`);
  }
  if (fallback.privacy === 'private') {
    throw new TypeError(`option defaultChannel is invalid: ${describe(defaultId)} (a new visitor cannot start on a private channel)`);
  }
  if (idleTimeout > maxAge) {
    throw new TypeError(`option idleTimeout is invalid: ${idleTimeout} (it cannot exceed maxAge, ${maxAge})`);
  }
  if (cookie.sameSite === 'none' && cookie.secure === false) {
    // Browsers drop a SameSite=None cookie that is not Secure.
    throw new TypeError('option cookie.sameSite is invalid: "none" (needs cookie.secure to be true or "auto")');
  }

  const names = new Set<string>();
  for (const t of transforms) {
    if (names.has(t.name)) throw new TypeError(`option transforms is invalid: two transforms are named ${describe(t.name)}`);
    names.add(t.name);
  }

  // The in-process store answers synchronously; a timer per operation would only add cost there.
  const baseStore = store ?? new LruSessionStore();
  const boundedStore = baseStore instanceof LruSessionStore ? baseStore : new TimeoutStore(baseStore, storeTimeout);

  return {
    secrets,
    account: { name: account.name, id: account.id ?? accountIdOf(account.name) },
    channels: normalizedChannels,
    defaultChannel: fallback,
    store: boundedStore,
    maxAge,
    idleTimeout,
    touchInterval: Math.max(1000, Math.floor(idleTimeout / 10)),
    cookie: {
      secure: cookie.secure ?? 'auto',
      sameSite: cookie.sameSite ?? 'lax',
      domain: cookie.domain,
      path: cookie.path ?? '/',
      sessionName: cookie.sessionName ?? 'vtex_session',
      segmentName: cookie.segmentName ?? 'vtex_segment',
    },
    apiPrefixes: apiPrefix === false ? [] : (Array.isArray(apiPrefix) ? apiPrefix : [apiPrefix]).map((p) => p.replace(/\/+$/, '') || ''),
    customTransforms: transforms,
    captureQuery,
    controlParameters: new Set(controlParameters),
    captureCookies,
    authenticate: input.authenticate,
    impersonation: input.impersonation,
    profiles: input.profiles,
    regions: input.regions,
    audiences: input.audiences ?? [],
    clusters: input.clusters,
    onStoreError,
    transformTimeout,
    maxRounds: 10,
    limits: {
      bodySize: limits.bodySize ?? 16 * 1024,
      keysPerWrite: limits.keysPerWrite ?? 64,
      valueSize: limits.valueSize ?? 2048,
      items: limits.items ?? 100,
    },
    logger,
  };
}
