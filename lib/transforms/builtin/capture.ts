import { getValue, isItemKey, type Item, type Namespaces, type NamespacesPatch } from '../../namespaces';

/**
 * The two captures that read the request rather than the session: query keys copied into `public`
 * on page requests (a landing page from a campaign link renders with the campaign's segment), and
 * request cookies copied into `cookie` (the shop's auth cookie, for the authentication transform).
 * Each answers a patch of what differs from the session, or undefined when nothing does, so that a
 * returning visitor costs no write.
 */

/** Query keys from `captureQuery` whose value differs from `public`. */
export function captureQuery(
  query: URLSearchParams | undefined,
  keys: readonly string[],
  namespaces: Namespaces | undefined,
): NamespacesPatch | undefined {
  if (query === undefined) return undefined;
  let captured: Record<string, Item> | undefined;
  for (const key of keys) {
    const value = query.get(key);
    if (value === null || value.length > 1024) continue;
    if (namespaces !== undefined && getValue(namespaces, 'public', key) === value) continue;
    (captured ??= {})[key] = { value };
  }
  return captured && { public: captured };
}

/** Compiles `captureCookies` patterns (`*` is a wildcard) into one test. */
export function cookieMatcher(patterns: readonly string[]): ((name: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const escaped = patterns.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  const regex = new RegExp(`^(?:${escaped.join('|')})$`);
  return (name) => regex.test(name);
}

/** The literal start of each pattern: a cheap test that the header may hold a captured cookie at all. */
export function cookiePrefixes(patterns: readonly string[]): string[] {
  return patterns.map((p) => p.split('*')[0]);
}

/** How much of the request's cookies one request may copy into the `cookie` namespace. */
export interface CookieCaptureLimits {
  /** Most cookies captured; the rest, in header order, are ignored. */
  count: number;
  /** Most bytes of names and values captured. */
  bytes: number;
}

// Browsers keep cookies of up to 4096 bytes; a longer value is not a cookie a browser sent.
const MAX_COOKIE_VALUE = 4096;

/**
 * Captured cookies that differ from the `cookie` namespace, and stored ones the request no longer
 * sends (cleared). Bounded by `limits`, in header order, so that a request crafted with hundreds of
 * matching cookies costs what a few do; `ignored` counts the matching cookies left out.
 */
export function captureCookies(
  cookies: Record<string, string>,
  matches: (name: string) => boolean,
  namespaces: Namespaces | undefined,
  limits: CookieCaptureLimits,
): { patch: NamespacesPatch | undefined; ignored: number } {
  let captured: Record<string, Item> | undefined;
  let kept: Set<string> | undefined;
  let bytes = 0;
  let ignored = 0;
  for (const name of Object.keys(cookies)) {
    // A cookie's name becomes an item key: one the API could not name (`!`, `{`, non-ASCII, ...) is not captured.
    if (!isItemKey(name) || !matches(name)) continue;
    const value = cookies[name];
    if (value === '' || value.length > MAX_COOKIE_VALUE) continue;
    if ((kept?.size ?? 0) === limits.count || bytes + name.length + value.length > limits.bytes) {
      ignored++;
      continue;
    }
    (kept ??= new Set()).add(name);
    bytes += name.length + value.length;
    if (namespaces !== undefined && getValue(namespaces, 'cookie', name) === value) continue;
    (captured ??= {})[name] = { value };
  }
  const stored = namespaces?.cookie;
  if (stored !== undefined) {
    for (const name of Object.keys(stored)) {
      if (kept === undefined || !kept.has(name)) (captured ??= {})[name] = { value: '' };
    }
  }
  return { patch: captured && { cookie: captured }, ignored };
}

export function mergePatches(a: NamespacesPatch | undefined, b: NamespacesPatch | undefined): NamespacesPatch | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged: NamespacesPatch = { ...a };
  for (const ns of Object.keys(b)) merged[ns] = { ...merged[ns], ...b[ns] };
  return merged;
}

export interface RequestCaptureOptions {
  /** Query keys copied into `public` on page views. */
  queryKeys: readonly string[];
  /** Cookie names copied into `cookie`, `*` a wildcard. */
  cookiePatterns: readonly string[];
  cookieLimits: CookieCaptureLimits;
  /** Told how many matching cookies a request had past the limits. */
  onIgnoredCookies(count: number): void;
}

/** What one request brings into its session from its URL and its cookies. */
export interface RequestCapture {
  /** The captured query keys of a page view (GET or HEAD). */
  query(method: string, url: string, namespaces: Namespaces | undefined): NamespacesPatch | undefined;
  /** The captured cookies; `parse` is called only when the header may hold one. */
  cookies(header: string | undefined, parse: () => Record<string, string>, namespaces: Namespaces | undefined): NamespacesPatch | undefined;
}

export function requestCapture({ queryKeys, cookiePatterns, cookieLimits, onIgnoredCookies }: RequestCaptureOptions): RequestCapture {
  const matches = cookieMatcher(cookiePatterns);
  const prefixes = cookiePrefixes(cookiePatterns);
  return {
    query(method, url, namespaces) {
      const q = url.indexOf('?');
      if (q < 0 || queryKeys.length === 0 || (method !== 'GET' && method !== 'HEAD')) return undefined;
      return captureQuery(new URLSearchParams(url.slice(q + 1)), queryKeys, namespaces);
    },
    cookies(header, parse, namespaces) {
      if (matches === undefined) return undefined;
      // A full parse of the header costs more than the rest of a page view; most requests carry
      // none of the cookies asked for.
      if (namespaces?.cookie === undefined && (header === undefined || !prefixes.some((p) => header.includes(p)))) return undefined;
      const { patch, ignored } = captureCookies(parse(), matches, namespaces, cookieLimits);
      if (ignored > 0) onIgnoredCookies(ignored);
      return patch;
    },
  };
}
