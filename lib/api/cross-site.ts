import type { IncomingHttpHeaders } from 'node:http';

/** What the cross-site rule reads of a request: its headers, and Express's `req.hostname` when there is one. */
export interface WriteRequest {
  headers: IncomingHttpHeaders;
  /** Express's trust-aware host name (from `X-Forwarded-Host` only when `trust proxy` trusts the peer). */
  hostname?: string;
}

/**
 * Why a write to the session API is cross-site, or undefined when it is not. A browser's verdict
 * decides (Fetch Metadata, then `Origin`); a request without either, from a server-side client,
 * is not a browser's and carries no visitor's cookies by accident.
 *
 * - `Sec-Fetch-Site: same-origin`: the browser compared the page with the URL it asked for, which a
 *   proxy rewriting `Host` does not change; scripts cannot forge a `Sec-` header.
 * - An `Origin` in `allowedOrigins` is accepted, whatever `Sec-Fetch-Site` says.
 * - `Sec-Fetch-Site: cross-site` is refused.
 * - Otherwise an `Origin` must name the request's own host[:port]; `null` (a sandboxed frame, a
 *   cross-site redirect) names none. `Sec-Fetch-Site: same-site` (a sibling subdomain) without
 *   an `Origin` to check is refused.
 */
export function crossSiteReason(req: WriteRequest, allowedOrigins: ReadonlySet<string>): string | undefined {
  const site = headerValue(req.headers['sec-fetch-site'])?.toLowerCase();
  if (site === 'same-origin') return undefined;
  const origin = headerValue(req.headers.origin);
  const url = origin === undefined ? undefined : parseOrigin(origin);
  if (url !== undefined && allowedOrigins.has(url.origin)) return undefined;
  if (site === 'cross-site') return 'the browser marks the request cross-site';
  if (origin === undefined) return site === 'same-site' ? 'the browser marks the request same-site and sends no Origin to check' : undefined;
  if (url !== undefined && ownHosts(req, url.protocol).has(url.host)) return undefined;
  return `origin ${origin.slice(0, 100)} is not this site nor in allowedOrigins`;
}

function parseOrigin(text: string): URL | undefined {
  if (!/^https?:\/\/[^/?#@\s]+$/i.test(text)) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The request's own host[:port] as a browser would write it in an Origin of this scheme: the `Host`
 * header, and the first `X-Forwarded-Host` when Express took its host name from it (`trust proxy`).
 * `req.hostname` is trust-aware on Express 4 and 5 alike, but drops the port, so it only tells which
 * header Express believed; `req.host`, which keeps the port, is Express 5 only.
 */
function ownHosts(req: WriteRequest, protocol: string): Set<string> {
  const hosts = new Set<string>();
  const add = (host: string | undefined) => {
    const url = host === undefined ? undefined : parseOrigin(`${protocol}//${host.trim()}`);
    if (url !== undefined) hosts.add(url.host);
  };
  add(headerValue(req.headers.host));
  const forwarded = headerValue(req.headers['x-forwarded-host'])?.split(',')[0];
  if (forwarded !== undefined && typeof req.hostname === 'string') {
    const url = parseOrigin(`${protocol}//${forwarded.trim()}`);
    if (url !== undefined && url.hostname === req.hostname.toLowerCase()) hosts.add(url.host);
  }
  return hosts;
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
