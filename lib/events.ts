import { channel, tracingChannel, type Channel } from 'node:diagnostics_channel';

/**
 * What the session layer tells an operator, on `node:diagnostics_channel`: the channels the Node
 * ecosystem (undici, fastify) already publishes on, so that APM agents, OpenTelemetry and metrics
 * exporters subscribe without wrapping the middleware. A message is built only when a channel has
 * a subscriber, so nobody listening costs nothing. Payloads name a session by a short hash, never
 * by its id or token. The names are stable: they are part of the package's API.
 */
export const CHANNELS = {
  /** A new session: `{ session, stored }` (stored is false for a never-written one). */
  created: 'vtex-session:session.created',
  /** A never-written session's first write stored it: `{ session }`. */
  stored: 'vtex-session:session.stored',
  /** A stored session was read for a request: `{ session, version }`. */
  loaded: 'vtex-session:session.loaded',
  /** A session near its end was replaced: `{ session, successor }`. */
  renewed: 'vtex-session:session.renewed',
  /** A change of identity moved a session to a new id: `{ session, successor }`. */
  rotated: 'vtex-session:session.rotated',
  /** An API request or a write was refused with a 4xx: `{ code, status }`. */
  refused: 'vtex-session:session.refused',
  /** The store failed and a page was served on the default segment: `{ session?, error }`. */
  degraded: 'vtex-session:session.degraded',
  /** A transform threw or timed out and kept its previous outputs: `{ transform, error, timedOut }`. */
  transformFailed: 'vtex-session:transform.failed',
  /**
   * Every store operation, as a TracingChannel (`tracing:vtex-session:store:start`, `:asyncEnd`,
   * `:error`, ...): `{ operation, session }`, and `error` when it failed.
   */
  store: 'vtex-session:store',
} as const;

export const created = channel(CHANNELS.created);
export const stored = channel(CHANNELS.stored);
export const loaded = channel(CHANNELS.loaded);
export const renewed = channel(CHANNELS.renewed);
export const rotated = channel(CHANNELS.rotated);
export const refused = channel(CHANNELS.refused);
export const degraded = channel(CHANNELS.degraded);
export const transformFailed = channel(CHANNELS.transformFailed);
export const storeOperations = tracingChannel<unknown, StoreOperation>(CHANNELS.store);

export interface StoreOperation {
  operation: 'get' | 'set' | 'delete' | 'touch';
  session: string;
  error?: unknown;
}

/** Publishes what `message()` builds, and builds it only when someone listens. */
export function publish(to: Channel, message: () => object): void {
  if (to.hasSubscribers) to.publish(message());
}

/** Logs and events name a session by a short hash, never by its id or token. */
export function shortHash(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}
