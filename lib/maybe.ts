/**
 * A value now, or a promise of it later. The page path returns one where it may have to wait (a
 * store round trip, a transform) but usually does not (a new visitor, a never-written session, the
 * in-process store): answered in the same tick, a page view queues no microtask at all, and over
 * HTTP each hop through the microtask queue costs about as much as the rest of the session work.
 * The pattern of graphql-js's `PromiseOrValue`.
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Whether the value is still to come. A `then` method, not `instanceof Promise`: a promise made in
 * another realm (node:diagnostics_channel's, a store's from a vm context, a test runner's) is no
 * instance of this realm's Promise. No record, namespaces object or segment has a `then` method.
 */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * `next(value)` at once when the value is here, else when the promise settles. Not named `then`:
 * a module exporting `then` is itself taken for a promise by `await import()`.
 */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** For `andThen(value, ignore)`: waits for the value where it must, and answers nothing. */
export const ignore = (): void => undefined;
