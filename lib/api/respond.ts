import type { ServerResponse } from 'node:http';
import { errorTypeOf, StoreUnavailableError, VtexSessionError } from '../errors';
import type { Logger } from '../logger';
import { publish, refused } from '../events';

/** JSON answers without Express's `res.json`, so the API behaves the same on Express 4 and 5. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/**
 * The body of every failure: `type` and `message` at the top level, as VTEX's session-client reads
 * them, and the package's stable `error.code`.
 */
function errorBody(status: number, code: string, message: string) {
  return { type: errorTypeOf(status), message, error: { code, message } };
}

/** Answers a failure of the API; an unexpected one is logged, never echoed. */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // An error is about one visitor's request: no shared cache keeps it, whatever failed.
  res.setHeader('Cache-Control', 'private, no-store');
  res.removeHeader('Set-Cookie');
  if (error instanceof VtexSessionError) {
    if (error.status < 500) publish(refused, () => ({ code: error.code, status: error.status }));
    if (error instanceof StoreUnavailableError) {
      logger.error('session store unavailable: the API answered 503', { error: error.message, cause: (error.cause as Error | undefined)?.message });
    }
    sendJson(res, error.status, errorBody(error.status, error.code, error.message));
    return;
  }
  logger.error('session API failed unexpectedly', { error: (error as Error)?.stack ?? String(error) });
  sendJson(res, 500, errorBody(500, 'INTERNAL', 'the session API failed unexpectedly'));
}
