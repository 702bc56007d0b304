/**
 * The shared vocabulary: namespaces, items and the stored record, with pure functions on them.
 * Everything else (session, transforms, segment, API) builds on this file; it imports none of them.
 *
 * Records and namespaces are treated as immutable: a write builds new objects and leaves the old
 * ones untouched, so that the in-process store can share one frozen object between many sessions
 * and the segment of a namespaces object can be cached by identity.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One value of a namespace, as VTEX's Session Manager shapes it. */
export interface Item {
  value: JsonValue;
  /** Carried into the replacement session when the session is replaced (a decision of ours). */
  keepAlive?: boolean;
}

export type Namespace = Record<string, Item>;
export type Namespaces = Record<string, Namespace>;

/** A change to the namespaces: the items to set. A `value` of `""` clears the item (VTEX has no delete). */
export type NamespacesPatch = Record<string, Record<string, Item>>;

/** What a store keeps for one session. */
export interface SessionRecord {
  id: string;
  namespaces: Namespaces;
  /** Incremented on every write; the compare-and-set of the stores is on this number. */
  version: number;
  /** Milliseconds since the epoch. The absolute lifetime counts from here. */
  createdAt: number;
  /** Milliseconds since the epoch of the last write. */
  lastSeen: number;
  /**
   * The id this session moved to. After a renewal, requests still holding the old token follow it,
   * so that concurrent requests of one visitor converge on one successor.
   */
  successor?: string;
  /**
   * The move was an id rotation (a login or logout): the old token must not open the successor
   * (it may have been planted by someone else), so its requests are refused instead of followed.
   */
  rotated?: true;
}

/** The session as the HTTP API shows it. */
export interface SessionView {
  id: string;
  namespaces: Namespaces;
  version: number;
  active: true;
  debug: false;
}

/** `ns.key` names one item; transforms and the write path speak of changed items this way. */
export type ItemName = string;

export const itemName = (ns: string, key: string): ItemName => `${ns}.${key}`;

// Keys that would reach Object.prototype through a plain object; never accepted as a name.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const isForbiddenKey = (key: string): boolean => FORBIDDEN_KEYS.has(key);

/** Item keys and namespace names: what VTEX accepts, and what the HTTP API reads, writes and documents. */
export const ITEM_KEY_PATTERN = '^[A-Za-z0-9_.:-]{1,128}$';
const ITEM_KEY = new RegExp(ITEM_KEY_PATTERN);

export const isItemKey = (key: string): boolean => ITEM_KEY.test(key) && !isForbiddenKey(key);

const own = Object.prototype.hasOwnProperty;

export function getItem(namespaces: Namespaces, ns: string, key: string): Item | undefined {
  if (!own.call(namespaces, ns)) return undefined;
  const namespace = namespaces[ns];
  return own.call(namespace, key) ? namespace[key] : undefined;
}

export function getValue(namespaces: Namespaces, ns: string, key: string): JsonValue | undefined {
  return getItem(namespaces, ns, key)?.value;
}

/** Strings compare by value; objects and arrays by their JSON, since items are JSON values. */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

const isCleared = (item: Item): boolean => item.value === '' || item.value === undefined;

/**
 * Applies a patch and reports which items changed. Returns the same namespaces object when nothing
 * changed, so that callers can tell a no-op write by identity. Each namespace the patch touches is
 * copied once, whatever the number of its items: the cost is linear in the size of the write.
 */
export function applyPatch(
  namespaces: Namespaces,
  patch: NamespacesPatch,
): { namespaces: Namespaces; changed: ItemName[] } {
  const changed: ItemName[] = [];
  let next: Namespaces | undefined;
  for (const ns of Object.keys(patch)) {
    if (isForbiddenKey(ns)) continue;
    const items = patch[ns];
    const existing: Namespace | undefined = own.call(namespaces, ns) ? namespaces[ns] : undefined;
    let copy: Namespace | undefined;
    let cleared = false;
    for (const key of Object.keys(items)) {
      if (isForbiddenKey(key)) continue;
      const item = items[key];
      const source = copy ?? existing;
      const current = source !== undefined && own.call(source, key) ? source[key] : undefined;
      if (isCleared(item)) {
        if (current === undefined) continue;
        copy ??= { ...existing };
        delete copy[key];
        cleared = true;
      } else {
        if (current && sameValue(current.value, item.value) && !!current.keepAlive === !!item.keepAlive) continue;
        copy ??= { ...existing };
        copy[key] = item.keepAlive ? { value: item.value, keepAlive: true } : { value: item.value };
      }
      changed.push(itemName(ns, key));
    }
    if (copy === undefined) continue;
    next ??= { ...namespaces };
    if (cleared && Object.keys(copy).length === 0) delete next[ns];
    else next[ns] = copy;
  }
  return { namespaces: next ?? namespaces, changed };
}

/** Whether a patch names no item at all. */
export function isEmptyPatch(patch: NamespacesPatch): boolean {
  for (const ns in patch) if (Object.keys(patch[ns]).length > 0) return false;
  return true;
}

/** The items marked keepAlive, as a patch, to seed a replacement session. */
export function keepAliveItems(namespaces: Namespaces): NamespacesPatch {
  const carried: NamespacesPatch = {};
  for (const ns of Object.keys(namespaces)) {
    for (const key of Object.keys(namespaces[ns])) {
      const item = namespaces[ns][key];
      if (item.keepAlive) (carried[ns] ??= {})[key] = item;
    }
  }
  return carried;
}

/**
 * Parses the `items` parameter of the API: `ns.key,ns.key`, each split at its first `.`
 * (keys may hold dots), `*` for everything. Returns null for `*`.
 */
export function parseItems(items: string): Array<[string, string]> | null {
  const pairs: Array<[string, string]> = [];
  for (const raw of items.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (name === '*') return null;
    const dot = name.indexOf('.');
    if (dot < 0) pairs.push([name, '*']);
    // `ns.` names the whole namespace, as `ns` does.
    else if (dot === name.length - 1) pairs.push([name.slice(0, dot), '*']);
    else pairs.push([name.slice(0, dot), name.slice(dot + 1)]);
  }
  return pairs;
}

/** The namespaces holding only the items asked for; absent items are left out. */
export function filterItems(namespaces: Namespaces, pairs: Array<[string, string]> | null): Namespaces {
  if (pairs === null) return namespaces;
  const out: Namespaces = {};
  for (const [ns, key] of pairs) {
    if (!own.call(namespaces, ns)) continue;
    if (key === '*') {
      out[ns] = { ...out[ns], ...namespaces[ns] };
      continue;
    }
    const item = getItem(namespaces, ns, key);
    if (item !== undefined) (out[ns] ??= {})[key] = item;
  }
  return out;
}

/**
 * Namespaces the HTTP API never answers. `cookie` holds copies of the request's cookies, the shop's
 * HttpOnly auth cookie among them: answering it would hand page scripts (and any injected script)
 * the very value HttpOnly keeps from them. Server-side code still reads it on `req.vtexSession`.
 */
export const SERVER_ONLY_NAMESPACES: ReadonlySet<string> = new Set(['cookie']);

export function sessionView(record: SessionRecord, pairs: Array<[string, string]> | null): SessionView {
  let namespaces = filterItems(record.namespaces, pairs);
  for (const ns of SERVER_ONLY_NAMESPACES) {
    if (own.call(namespaces, ns)) {
      if (namespaces === record.namespaces) namespaces = { ...namespaces };
      delete namespaces[ns];
    }
  }
  return {
    id: record.id,
    namespaces,
    version: record.version,
    active: true,
    debug: false,
  };
}

/** Freezes a namespaces object and its items so that a shared one cannot be changed by accident. */
export function freezeNamespaces(namespaces: Namespaces): Namespaces {
  for (const ns of Object.keys(namespaces)) {
    for (const key of Object.keys(namespaces[ns])) Object.freeze(namespaces[ns][key]);
    Object.freeze(namespaces[ns]);
  }
  return Object.freeze(namespaces);
}
