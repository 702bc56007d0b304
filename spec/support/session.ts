import { createHmac } from 'node:crypto';
import type { Express } from 'express';
import request, { type Response as TestResponse } from 'supertest';
import { setCookie } from './app';

/** A page request, with the Cookie header a browser would send. */
export function visit(app: Express, cookie?: string, path = '/page') {
  const req = request(app).get(path);
  return cookie === undefined ? req : req.set('Cookie', cookie);
}

/** The `vtex_session` token a response set, or undefined when it set none. */
export function sessionTokenOf(res: TestResponse, name = 'vtex_session'): string | undefined {
  return setCookie(res, name)?.value;
}

/** A JWT's header and payload, decoded without verifying (as VTEX's clients read `id`). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
  return { header, payload };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An HS256 JWT signed here, independently of the package, so that tests can hand-craft the tokens
 * an attacker or an older deployment would send (another secret, an expired `exp`, another header).
 */
export function signJwt(payload: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const body = `${b64url(header)}.${b64url(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/**
 * A campaign landing: the page URL carries a captured UTM key, so the first page view is the
 * session's first write and stores it (version 1). `utm_medium` is captured into `public` but is
 * not a segment field, so the visitor keeps the default segment. A page view without such a key
 * stores nothing: use this where a test needs a session that the store holds.
 */
export const LANDING = '/page?utm_medium=email';

/** A visitor's first page view that stores the session, as a campaign link does (see LANDING). */
export function storedVisit(app: Express, cookie?: string, path = LANDING) {
  return visit(app, cookie, path);
}

/** The Cookie header a browser sends back after a response: both of the cookies it set. */
export function cookiesOf(res: TestResponse): string {
  return `vtex_session=${sessionTokenOf(res)}; vtex_segment=${setCookie(res, 'vtex_segment')!.value}`;
}
