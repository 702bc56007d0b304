import type { SessionRecord } from '../namespaces';
import { getValue, type Namespaces } from '../namespaces';
import type { SessionClaims } from './token';

/**
 * The lifecycle policy as small named predicates, each reviewable on its own (the way
 * express-session names its save policy).
 */

/** The items that say who the visitor is; a change of any of them is a login, a logout or an impersonation. */
const IDENTITY: ReadonlyArray<[string, string]> = [
  ['authentication', 'storeUserId'],
  ['authentication', 'storeUserEmail'],
  ['authentication', 'adminUserId'],
  ['authentication', 'adminUserEmail'],
  ['impersonate', 'storeUserEmail'],
];

/**
 * Session fixation: a session id that an attacker planted before login must not become an
 * authenticated session, so a change of identity moves the data to a new id.
 */
export function shouldRotateId(before: Namespaces, after: Namespaces): boolean {
  if (before === after) return false;
  for (const [ns, key] of IDENTITY) {
    if ((getValue(before, ns, key) ?? '') !== (getValue(after, ns, key) ?? '')) return true;
  }
  return false;
}

/**
 * Stored on first write: a session that holds only what the options and the creation transforms
 * compute is not kept anywhere (its token says so), so that crawlers, probes and one-page visits
 * cost no store operation and cannot evict customers. Its first write stores it as version 1.
 */
export function isStored(record: SessionRecord): boolean {
  return record.version > 0;
}

/**
 * In the last tenth of its absolute lifetime a session is replaced, on the visitor's next request,
 * by a new one carrying its keepAlive items. An expired token is never looked up (it is a dead
 * credential), so this is where keepAlive items survive the end of a session.
 */
export function shouldRenew(claims: SessionClaims, maxAge: number, now: number): boolean {
  // A never-written session has nothing to carry: it simply ends, and the next request starts another.
  return claims.stored !== false && claims.exp * 1000 - now < maxAge / 10;
}

/**
 * The idle timeout lives in the store's TTL. Extending it on every request would be a store write
 * per page view; once per `touchInterval` keeps the session alive at a tenth of the cost.
 */
export function shouldTouch(record: SessionRecord, lastTouched: number | undefined, touchInterval: number, now: number): boolean {
  return now - Math.max(record.lastSeen, lastTouched ?? 0) >= touchInterval;
}

/** The absolute end of a session, in milliseconds: the token's `exp`, the cookies' `Expires`. */
export function expiresAt(record: SessionRecord, maxAge: number): number {
  return record.createdAt + maxAge;
}
