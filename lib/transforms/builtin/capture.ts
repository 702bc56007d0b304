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

/** Captured cookies that differ from the `cookie` namespace, and stored ones the request no longer sends (cleared). */
export function captureCookies(
  cookies: Record<string, string>,
  matches: (name: string) => boolean,
  namespaces: Namespaces | undefined,
): NamespacesPatch | undefined {
  let captured: Record<string, Item> | undefined;
  for (const name of Object.keys(cookies)) {
    // A cookie's name becomes an item key: one the API could not name (`!`, `{`, non-ASCII, ...) is not captured.
    if (!isItemKey(name) || !matches(name)) continue;
    const value = cookies[name];
    if (value === '' || value.length > 4096) continue;
    if (namespaces !== undefined && getValue(namespaces, 'cookie', name) === value) continue;
    (captured ??= {})[name] = { value };
  }
  const stored = namespaces?.cookie;
  if (stored !== undefined) {
    for (const name of Object.keys(stored)) {
      if (!(name in cookies) || !matches(name)) (captured ??= {})[name] = { value: '' };
    }
  }
  return captured && { cookie: captured };
}

export function mergePatches(a: NamespacesPatch | undefined, b: NamespacesPatch | undefined): NamespacesPatch | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged: NamespacesPatch = { ...a };
  for (const ns of Object.keys(b)) merged[ns] = { ...merged[ns], ...b[ns] };
  return merged;
}
