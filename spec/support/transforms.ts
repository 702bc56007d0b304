import type { Express } from 'express';
import request, { type Response as TestResponse } from 'supertest';
import { decodeSegment, type SegmentData, type SessionView } from '../../lib';
import { cookieHeader, setCookie } from './app';

/** The segment a token names, decoded. */
export const segmentOf = (token: string): SegmentData => decodeSegment(token);

/** Region v1 id as VTEX encodes it, computed independently of the package. */
export const regionId = (sellers: string[]): string => Buffer.from(`SW#${sellers.join(';')}`).toString('base64');

/**
 * A visitor with a cookie jar, as a browser would be: each call sends the cookies the previous
 * answers set, so a test reads as a sequence of requests from one person.
 */
export class Visitor {
  cookies: string;

  constructor(
    readonly app: Express,
    cookies = '',
  ) {
    this.cookies = cookies;
  }

  private keep(res: TestResponse): TestResponse {
    this.cookies = cookieHeader(res, this.cookies);
    return res;
  }

  /** Adds request cookies that are not the session's (the shop's own auth cookie, say). */
  setCookie(name: string, value: string): void {
    this.cookies = this.cookies ? `${this.cookies}; ${name}=${value}` : `${name}=${value}`;
  }

  /** Removes a request cookie, as a browser does when it expires. */
  dropCookie(name: string): void {
    this.cookies = this.cookies
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part !== '' && !part.startsWith(`${name}=`))
      .join('; ');
  }

  async page(path = '/page'): Promise<TestResponse> {
    const req = request(this.app).get(path);
    if (this.cookies) req.set('Cookie', this.cookies);
    return this.keep(await req);
  }

  /** A POST to a page of the shop (a login handler, say), not to the API. */
  async post(path: string): Promise<TestResponse> {
    const req = request(this.app).post(path);
    if (this.cookies) req.set('Cookie', this.cookies);
    return this.keep(await req);
  }

  async patch(items: Record<string, unknown>, query = ''): Promise<TestResponse> {
    const body = { public: Object.fromEntries(Object.entries(items).map(([key, value]) => [key, { value }])) };
    const req = request(this.app).patch(`/api/sessions${query}`).send(body);
    if (this.cookies) req.set('Cookie', this.cookies);
    return this.keep(await req);
  }

  async session(items = '*'): Promise<SessionView> {
    const req = request(this.app).get(`/api/sessions?items=${items}`);
    if (this.cookies) req.set('Cookie', this.cookies);
    const res = this.keep(await req);
    expect(res.status).toBe(200);
    return res.body as SessionView;
  }

  /** The `vtex_segment` the visitor holds now, decoded. */
  segment(): SegmentData {
    const token = /(?:^|;\s*)vtex_segment=([^;]*)/.exec(this.cookies)?.[1];
    if (token === undefined) throw new Error('the visitor holds no vtex_segment cookie');
    return decodeSegment(token);
  }
}

/** The value of `vtex_segment` a response set, decoded. */
export function segmentSetBy(res: TestResponse): SegmentData {
  const cookie = setCookie(res, 'vtex_segment');
  if (cookie === undefined) throw new Error('the response set no vtex_segment cookie');
  return decodeSegment(cookie.value);
}

/** The value of an item in a session view, or undefined. */
export function valueOf(view: SessionView, ns: string, key: string): unknown {
  return view.namespaces[ns]?.[key]?.value;
}
