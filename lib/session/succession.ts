import { randomUUID } from 'node:crypto';
import { SessionRotatedError, WriteConflictError } from '../errors';
import { publish, renewed, rotated, shortHash } from '../events';
import type { Namespaces, SessionRecord } from '../namespaces';
import type { MaybePromise } from '../maybe';
import type { SessionStore } from '../stores/store';

/**
 * How a session is succeeded by another: a renewal at the end of its life, or a rotation on a
 * change of identity, leaves a pointer on the old record for the requests still holding its token.
 */

/**
 * How long the pointer from a renewed or rotated session to its successor is kept: long enough for
 * the requests a visitor had in flight with the old token, which then land on the successor.
 */
const POINTER_TTL = 5 * 60 * 1000;
/** A rotation followed by a renewal is two hops; more than this is not a chain a visitor makes. */
const MAX_POINTER_HOPS = 4;

export interface Move {
  /** The record to succeed, as last read. */
  from: SessionRecord;
  /** The successor's namespaces. */
  namespaces: Namespaces;
  /** The successor's creation time: the old one's on a rotation, now on a renewal. */
  createdAt: number;
  now: number;
  idleTimeout: number;
  /** A rotation (a change of identity): the old token is then refused rather than followed. */
  rotated: boolean;
}

/**
 * Stores the successor under a new id, then leaves on the old record a pointer to it, by
 * compare-and-set: undefined (and the new record removed) when the old record changed first.
 * The pointer lives a short while, for the requests already on their way with the old token.
 */
export async function moveTo(store: SessionStore, move: Move): Promise<SessionRecord | undefined> {
  const { from: base, namespaces, createdAt, now, idleTimeout } = move;
  const successor = await storeNew(store, namespaces, createdAt, now, idleTimeout);
  const pointer: SessionRecord = {
    id: base.id,
    namespaces: {},
    version: base.version + 1,
    createdAt: base.createdAt,
    lastSeen: now,
    successor: successor.id,
    ...(move.rotated ? { rotated: true as const } : {}),
  };
  const ttl = Math.min(idleTimeout, POINTER_TTL);
  if (await store.set(base.id, pointer, { ttl, ifVersion: base.version })) {
    publish(move.rotated ? rotated : renewed, () => ({ session: shortHash(base.id), successor: shortHash(successor.id) }));
    return successor;
  }
  await store.delete(successor.id);
  return undefined;
}

/**
 * A session stored under a new id, as version 1. `ifVersion: 0`: a new id never overwrites
 * anything, however unlikely a collision is.
 */
export async function storeNew(store: SessionStore, namespaces: Namespaces, createdAt: number, now: number, ttl: number): Promise<SessionRecord> {
  const record: SessionRecord = { id: newSessionId(), namespaces, version: 1, createdAt, lastSeen: now };
  if (!(await store.set(record.id, record, { ttl, ifVersion: 0 }))) throw new WriteConflictError('a new session id collided with a stored one');
  return record;
}

/**
 * The record at the end of a chain of renewals. A rotation's pointer is not followed: the token
 * that names it is refused (SessionRotatedError), so that it neither opens the successor nor
 * starts a session whose cookie would replace the successor's in the browser.
 */
export function latest(store: SessionStore, record: SessionRecord): MaybePromise<SessionRecord | undefined> {
  // Nearly every record is the session itself: answered without a promise.
  return record.successor === undefined ? record : follow(store, record);
}

async function follow(store: SessionStore, record: SessionRecord): Promise<SessionRecord | undefined> {
  let current = record;
  for (let hop = 0; current.successor !== undefined; hop++) {
    if (current.rotated) throw new SessionRotatedError();
    if (hop === MAX_POINTER_HOPS) return undefined;
    const next = await store.get(current.successor);
    if (next === undefined) return undefined;
    current = next;
  }
  return current;
}

/**
 * A random UUID (122 bits from the CSPRNG), copied into a flat string: the one randomUUID returns
 * keeps about 490 bytes of heap alive until flattened, which would be paid once per stored session.
 */
export function newSessionId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}
