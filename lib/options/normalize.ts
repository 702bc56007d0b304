import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import { LruSessionStore } from '../stores/lru';
import { describe, optionError } from './errors';
import { originOf, validateOptions } from './schema';
import type { ChannelOptions, NormalizedChannel, NormalizedOptions, SessionOptions } from './types';

const DAY = 24 * 60 * 60 * 1000;

export const DEFAULT_CHANNELS: Record<string, ChannelOptions> = {
  // VTEX's home market: a new visitor's segment is VTEX's own default for sales channel 1.
  '1': { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', privacy: 'public' },
};

/** The shop's auth cookies, and VTEX's checkout cookie (`__ofid=<orderFormId>`), as VTEX records them. */
export const DEFAULT_CAPTURE_COOKIES = ['VtexIdclientAutCookie*', 'checkout.vtex.com'];

export const DEFAULT_CAPTURE_QUERY = ['utm_source', 'utm_campaign', 'utm_medium', 'utm_term', 'utm_content', 'utmi_cp', 'utmi_p', 'utmi_pc'];

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
  type FieldsFirst = (fields: Record<string, unknown>, message: string) => void;
  const fieldsFirst = logger as unknown as { warn: FieldsFirst; error: FieldsFirst; debug?: FieldsFirst };
  const adapted: Logger = {
    warn: (message, detail) => fieldsFirst.warn(detail ?? {}, message),
    error: (message, detail) => fieldsFirst.error(detail ?? {}, message),
  };
  if (typeof fieldsFirst.debug === 'function') adapted.debug = (message, detail) => fieldsFirst.debug!(detail ?? {}, message);
  return adapted;
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
    allowedOrigins = [],
    captureCookies = DEFAULT_CAPTURE_COOKIES,
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

  const sessionSize = limits.sessionSize ?? 64 * 1024;
  if (store instanceof LruSessionStore && store.maxSize < sessionSize) {
    throw new TypeError(`option store is invalid: its maxSize (${store.maxSize}) is smaller than limits.sessionSize (${sessionSize})`);
  }

  return {
    secrets,
    account: { name: account.name, id: account.id ?? accountIdOf(account.name) },
    channels: normalizedChannels,
    defaultChannel: fallback,
    store,
    storeTimeout,
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
    allowedOrigins: new Set(allowedOrigins.map((origin) => originOf(origin)!)),
    captureCookies,
    authenticate: input.authenticate,
    impersonation: input.impersonation,
    profiles: input.profiles,
    anonymousPriceTables: input.anonymousPriceTables ?? false,
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
      sessionSize: limits.sessionSize ?? 64 * 1024,
      capturedCookies: limits.capturedCookies ?? 8,
      capturedCookieBytes: limits.capturedCookieBytes ?? 8 * 1024,
    },
    logger,
  };
}
