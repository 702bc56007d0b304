/**
 * Fake timers for files that move time. Import this module before anything else in such a file:
 * lru-cache reads `performance` once, when it loads, so only fake timers installed before the
 * package loads are the clock its TTLs follow. Time then moves with `jest.advanceTimersByTime`
 * (which also runs lru-cache's own timers), never with `jest.setSystemTime`.
 */
jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
// The fake performance.now() starts at 0, and lru-cache takes an entry started at 0 for one without a TTL.
jest.advanceTimersByTime(1000);

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
