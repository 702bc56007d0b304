import type { CookieSettings } from '../cookies';
import type { Logger } from '../logger';
import type { SessionStore } from '../stores/store';
import type { Audience, ClusterResolver } from '../transforms/builtin/audiences';
import type { Authenticator, ImpersonationPolicy } from '../transforms/builtin/authentication';
import type { ProfileResolver } from '../transforms/builtin/profile';
import type { RegionResolver, RegionTable } from '../transforms/builtin/region';
import type { Channel } from '../transforms/builtin/store';
import type { Transform } from '../transforms/types';

export type { Logger };

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

export interface Limits {
  /** Largest request body in bytes (413 above). */
  bodySize?: number;
  /** Most items one write may set. */
  keysPerWrite?: number;
  /** Largest item value, in bytes of its JSON. */
  valueSize?: number;
  /** Most names in `items=`. */
  items?: number;
  /** Largest JSON of a session's namespaces, in bytes: a write past it is refused (413). Default 64 KiB. */
  sessionSize?: number;
  /** Most request cookies one request copies into the `cookie` namespace; the rest are ignored. Default 8. */
  capturedCookies?: number;
  /** Most bytes (names and values) of the cookies one request copies into `cookie`. Default 8 KiB. */
  capturedCookieBytes?: number;
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
  /**
   * Origins besides the request's own host whose pages may write through the API (`https://blog.shop.com`).
   * Other cross-site writes get a 403. Default `[]`.
   */
  allowedOrigins?: string[];
  /** Request cookies copied into the `cookie` namespace: names, `*` as a wildcard. */
  captureCookies?: string[];
  authenticate?: Authenticator;
  impersonation?: ImpersonationPolicy;
  profiles?: ProfileResolver;
  /**
   * Whether `public.storeUserEmail` alone (no login; any visitor can write any address there) may
   * load that customer's price tables through `profiles`. Default false.
   */
  anonymousPriceTables?: boolean;
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

export type NormalizedChannel = Channel;

/** The options with every default applied, checked; the parts built from them are the middleware's. */
export interface NormalizedOptions {
  secrets: string[];
  account: { name: string; id: string };
  channels: Map<string, NormalizedChannel>;
  defaultChannel: NormalizedChannel;
  /** The store the application gave, if any: the middleware builds the default and the timeout wrapper. */
  store: SessionStore | undefined;
  storeTimeout: number;
  maxAge: number;
  idleTimeout: number;
  /** At most one touch per this many milliseconds per session. */
  touchInterval: number;
  cookie: CookieSettings;
  apiPrefixes: string[];
  customTransforms: Transform[];
  captureQuery: string[];
  controlParameters: Set<string>;
  /** Normalised as `new URL(origin).origin`. */
  allowedOrigins: Set<string>;
  captureCookies: string[];
  authenticate?: Authenticator;
  impersonation?: ImpersonationPolicy;
  profiles?: ProfileResolver;
  anonymousPriceTables: boolean;
  regions?: RegionTable | RegionResolver;
  audiences: Audience[];
  clusters?: ClusterResolver;
  onStoreError: 'degrade' | 'fail';
  transformTimeout: number;
  maxRounds: number;
  limits: Required<Limits>;
  logger: Logger;
}
