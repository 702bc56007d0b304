import { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Express swaps the prototype of every request and response (to its application's `app.request`
 * and `app.response`), and in V8 that gives each one a hidden class of its own: nothing Express,
 * Node or a handler reads from one request's objects is cached for the next, and every property
 * added to them copies their whole layout. An object in dictionary mode has no layout to copy and
 * shares its hidden class with every other such object of the same prototype, so the caches work
 * again: in the benchmark (Express 5) this takes about 40% off the CPU of the whole request, the
 * application's own handlers included, which is far more than the session layer costs.
 *
 * This touches objects the application owns, so it is not part of `sessionMiddleware()`: it is an
 * export of its own, `shareHiddenClasses()`, that an application opts into (docs/performance.md
 * measures what it saves).
 *
 * V8 turns an object into dictionary mode when a property other than the last one added is
 * deleted. One property that Node's constructors set is deleted and put back with the same value,
 * in one synchronous step, so no code can observe it missing: nothing visible changes but where it
 * comes in `Object.keys`. A property that is not a plain writable, enumerable, configurable value
 * (another layer redefined it, or a future Node no longer has it) is left alone. Objects whose
 * prototype is still node:http's own (the middleware called from a plain node:http server) already
 * share their hidden class and are left as they are too.
 *
 * An `express()` sub-application mounted after the middleware swaps the prototype again as a
 * request enters and leaves it, which gives the request a hidden class of its own once more from
 * there on, as without this. Routers (`express.Router()`) swap nothing.
 */
const REQUEST_PROPERTY = 'statusMessage';
const RESPONSE_PROPERTY = 'sendDate';

/**
 * `app.use(shareHiddenClasses())`, first: requests and responses share one hidden class again, in
 * every handler after it.
 */
export function shareHiddenClasses(): RequestHandler {
  return function shareHiddenClasses(req: Request, res: Response, next: NextFunction): void {
    toDictionaryMode(req, res);
    next();
  };
}

function toDictionaryMode(req: IncomingMessage, res: ServerResponse): void {
  if (Object.getPrototypeOf(req) !== IncomingMessage.prototype) reinsert(req as unknown as Record<string, unknown>, REQUEST_PROPERTY);
  if (Object.getPrototypeOf(res) !== ServerResponse.prototype) reinsert(res as unknown as Record<string, unknown>, RESPONSE_PROPERTY);
}

function reinsert(target: Record<string, unknown>, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  // A getter, or a property another layer redefined, is left alone.
  if (descriptor === undefined || !('value' in descriptor) || !descriptor.writable || !descriptor.enumerable || !descriptor.configurable) return;
  delete target[key];
  // Defined, not assigned: an assignment would go through an accessor of that name on the
  // prototype (an application may define `app.response.sendDate` as one), which is not ours to call.
  Object.defineProperty(target, key, descriptor);
}
