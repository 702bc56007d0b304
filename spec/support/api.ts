import type { Express } from 'express';
import http, { type Server } from 'node:http';
import type { Response as TestResponse } from 'supertest';
import { decodeSessionToken, type JsonValue, type SessionView } from '../../lib';
import { cookieHeader, setCookie } from './app';
import type { ApiClient } from './openapi';

/** A write body as VTEX's clients send it: `{ public: { key: { value } } }`. */
export function publicItems(values: Record<string, JsonValue>): { public: Record<string, { value: JsonValue }> } {
  return { public: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }])) };
}

/** The whole session a Cookie header names, as the API shows it (`items=*`). */
export async function viewOf(api: ApiClient, cookie: string): Promise<SessionView> {
  const res = await api.get('/api/sessions?items=*').set('Cookie', cookie).expect(200);
  return res.body as SessionView;
}

/** The values of a view's `public` namespace, `{ key: value }`. */
export function publicValues(view: SessionView): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(view.namespaces.public ?? {}).map(([key, item]) => [key, item.value]));
}

/** A visitor whose session was created through the API with these public values. */
export async function newVisitor(api: ApiClient, values: Record<string, JsonValue> = {}): Promise<{ cookie: string; id: string }> {
  const res = await api.post('/api/sessions').send(publicItems(values)).expect(201);
  return { cookie: cookieHeader(res), id: sessionIdOf(res) };
}

/** The session id inside the `vtex_session` a response set (undefined when it set none). */
export function sessionIdOf(res: TestResponse): string {
  const cookie = setCookie(res, 'vtex_session');
  if (cookie === undefined) throw new Error(`the response set no vtex_session (status ${res.status})`);
  const id = decodeSessionToken(cookie.value)?.id;
  if (id === undefined) throw new Error(`the vtex_session the response set carries no id: ${cookie.value}`);
  return id;
}

/** The `type` VTEX's session-client reads from an error body, by HTTP status. */
export const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/**
 * Asserts the `{ type, message, error: { code, message } }` answer of a refused request, uncacheable,
 * and that it set no cookie.
 */
export function expectError(res: TestResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(Object.keys(res.body)).toEqual(['type', 'message', 'error']);
  expect(res.body.type).toBe(ERROR_TYPES[status]);
  expect(res.body.error.message).toEqual(expect.stringMatching(/\S/));
  expect(res.body.message).toBe(res.body.error.message);
  expect(res.headers['cache-control']).toBe('private, no-store');
  expect(res.headers['set-cookie']).toBeUndefined();
}

/** One listening server for a whole file: much cheaper than supertest's server per request. */
export function listening(app: Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = http.createServer(app);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export function closed(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
