import type { ServerResponse } from 'node:http';
import { StoreUnavailableError, VtexSessionError } from '../errors';
import type { Logger } from '../options';
import { publish, refused } from '../events';

/** JSON answers without Express's `res.json`, so the API behaves the same on Express 4 and 5. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/** Every failure of the API is `{ error: { code, message } }`; an unexpected one is logged, never echoed. */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof VtexSessionError) {
    if (error.status < 500) publish(refused, () => ({ code: error.code, status: error.status }));
    if (error instanceof StoreUnavailableError) {
      logger.error('session store unavailable: the API answered 503', { error: error.message, cause: (error.cause as Error | undefined)?.message });
    }
    res.removeHeader('Set-Cookie');
    sendJson(res, error.status, { error: { code: error.code, message: error.message } });
    return;
  }
  logger.error('session API failed unexpectedly', { error: (error as Error)?.stack ?? String(error) });
  res.removeHeader('Set-Cookie');
  sendJson(res, 500, { error: { code: 'INTERNAL', message: 'the session API failed unexpectedly' } });
}
