/**
 * Where the package logs: console, a pino, bunyan or winston logger as it is, or an object of your
 * own. Each line is a message and a detail object, whose ids are short hashes (never a token or a
 * session id). pino and bunyan take the object first (`logger.warn(detail, message)`); they are
 * recognised by pino's `bindings()` and bunyan's `addStream()`. Every other logger, console and
 * winston included, is called with the message first (`logger.warn(message, detail)`). It stands at
 * the bottom of the package: the middleware, the API and the transforms' engine all log.
 */
export interface Logger {
  warn(message: string, detail?: Record<string, unknown>): void;
  error(message: string, detail?: Record<string, unknown>): void;
  /** Optional: routine events an operator may trace (query parameters a write skipped). The console default has none. */
  debug?(message: string, detail?: Record<string, unknown>): void;
}
