import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse, serialize } from 'cookie';

/**
 * Reading and writing `vtex_session` and `vtex_segment`.
 *
 * Parsing is lenient and never throws (RFC 6265 section 5.2: user agents and proxies send what they
 * send): a trailing `;`, spaces, duplicates and undecodable values are all tolerated. The first
 * occurrence of a name wins, as browsers send the most specific path first.
 */

/** Every cookie of the request, name → value (first occurrence wins), by jshttp's `cookie`. */
export function parseCookies(header: string | undefined): Record<string, string> {
  return header ? (parse(header) as Record<string, string>) : {};
}

/**
 * One cookie's value without building the whole map: the request path reads two cookies out of
 * headers that often carry dozens (analytics, consent, A/B tests), where a full parse costs about
 * five times as much (docs/performance.md).
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at < 0) return undefined;
    const after = at + name.length;
    // The name must stand alone: at the start or after `;` and spaces, followed by `=` (spaces allowed).
    let before = at - 1;
    while (before >= 0 && (header.charCodeAt(before) === 32 || header.charCodeAt(before) === 9)) before--;
    let eq = after;
    while (eq < header.length && header.charCodeAt(eq) === 32) eq++;
    if ((before < 0 || header.charCodeAt(before) === 59) && header.charCodeAt(eq) === 61) {
      let end = header.indexOf(';', eq + 1);
      if (end < 0) end = header.length;
      return decodeValue(header.slice(eq + 1, end).trim());
    }
    from = after;
  }
}

function decodeValue(raw: string): string {
  let value = raw;
  // RFC 6265 allows a quoted value.
  if (value.length > 1 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1);
  if (value.indexOf('%') < 0) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The cookies' names and attributes, defaults applied. */
export interface CookieSettings {
  /** `'auto'` follows the request (`req.secure`). */
  secure: 'auto' | boolean;
  sameSite: 'lax' | 'strict' | 'none';
  domain?: string;
  path: string;
  sessionName: string;
  segmentName: string;
}

/** Builds Set-Cookie values; the attribute suffixes are computed once, here, not per request. */
export class CookieWriter {
  private readonly plain: string;
  private readonly secured: string;
  private readonly prefixes: string[];

  constructor(private readonly options: CookieSettings) {
    const { sameSite, domain, path } = options;
    // jshttp's `cookie` validates and formats the attributes once; per response only the value
    // and the expiry change, so they are put in front of the formatted attributes.
    const attributes = (secure: boolean) =>
      serialize('n', 'v', { path, domain, httpOnly: true, sameSite, secure }).slice('n=v'.length);
    this.plain = attributes(false);
    this.secured = attributes(true);
    this.prefixes = [`${options.sessionName}=`, `${options.segmentName}=`];
  }

  /**
   * Whether cookies carry `Secure`: `'auto'` follows the request (`req.secure`, which honours
   * `trust proxy`). The request is asked only then: Express answers through several getters.
   */
  secureFor(req: IncomingMessage & { secure?: boolean }): boolean {
    // Browsers drop a SameSite=None cookie without Secure: there, 'auto' always means Secure.
    if (this.options.sameSite === 'none') return true;
    return this.options.secure === 'auto' ? isSecure(req) : this.options.secure;
  }

  session(token: string, expires: number, secure: boolean): string {
    return this.build(this.options.sessionName, token, expires, secure);
  }

  segment(token: string, expires: number, secure: boolean): string {
    return this.build(this.options.segmentName, token, expires, secure);
  }

  /** Removes the Set-Cookie values of ours already on the response (a later write replaces them). */
  dropOurs(res: ServerResponse): void {
    const existing = res.getHeader('Set-Cookie');
    if (existing === undefined) return;
    const kept = (Array.isArray(existing) ? existing : [String(existing)]).filter((v) => !this.prefixes.some((p) => v.startsWith(p)));
    if (kept.length === 0) res.removeHeader('Set-Cookie');
    else res.setHeader('Set-Cookie', kept);
  }

  private build(name: string, value: string, expires: number, secure: boolean): string {
    // Token characters (base64, base64url and `.`) are all cookie-octets: no encoding needed.
    return `${name}=${value}; Expires=${httpDate(expires)}${secure ? this.secured : this.plain}`;
  }
}

// An HTTP date has a resolution of one second and a response sets both cookies with one expiry,
// as do the new sessions of one second: the last one formatted is usually the one asked for.
let lastSecond = NaN;
let lastDate = '';

function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastDate = new Date(second * 1000).toUTCString();
    lastSecond = second;
  }
  return lastDate;
}

/** Adds Set-Cookie values without dropping ones the application set before. */
export function appendSetCookie(res: ServerResponse, values: string[]): void {
  if (values.length === 0) return;
  const existing = res.getHeader('Set-Cookie');
  if (existing === undefined) res.setHeader('Set-Cookie', values.length === 1 ? values[0] : values);
  else res.setHeader('Set-Cookie', (Array.isArray(existing) ? existing : [String(existing)]).concat(values));
}

/**
 * Whether the request came over HTTPS. Express's `req.secure` honours `trust proxy`; a bare
 * node:http request falls back to the socket. With `trust proxy` off (Express's default) Express
 * answers from the socket too, but only after asking the socket for the peer's address, a call
 * into the system that costs more than the rest of the cookie: the answer is taken directly.
 */
export function isSecure(req: IncomingMessage & { secure?: boolean; app?: { get?(setting: string): unknown } }): boolean {
  const app = req.app;
  if (app === undefined || typeof app.get !== 'function' || app.get('trust proxy') !== false) {
    if (typeof req.secure === 'boolean') return req.secure;
  }
  return Boolean((req.socket as { encrypted?: boolean }).encrypted);
}
