/**
 * Where the package reports what an operator should know. At the bottom of the package: the
 * middleware, the API and the transforms' engine all log, none of them owns the shape.
 */
export interface Logger {
  warn(message: string, detail?: Record<string, unknown>): void;
  error(message: string, detail?: Record<string, unknown>): void;
  /** Optional: routine events an operator may trace (query parameters a write skipped). The console default has none. */
  debug?(message: string, detail?: Record<string, unknown>): void;
}
