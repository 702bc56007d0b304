import { runInThisContext } from 'node:vm';

/**
 * Records the process's unhandled rejections from now on. Jest gives each test file a copy of
 * `process` whose events never fire, so the listener goes on the real one, reached from the main
 * context. `stop()` removes it and answers what was recorded.
 */
export function watchUnhandledRejections(): { reasons: unknown[]; stop(): unknown[] } {
  const real = runInThisContext('process') as NodeJS.Process;
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => void reasons.push(reason);
  real.on('unhandledRejection', listener);
  return {
    reasons,
    stop() {
      real.off('unhandledRejection', listener);
      return reasons;
    },
  };
}
