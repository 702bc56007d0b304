import { Router, type Request, type Response } from 'express';
import { BadRequestError } from '../errors';
import type { CookieWriter } from '../cookies';
import { readCookie } from '../cookies';
import type { NormalizedOptions } from '../options';
import type { SessionManager } from '../session/manager';
import type { RequestCapture } from '../transforms/builtin/capture';
import { RequestSession } from '../session/request';
import { crossSiteReason } from './cross-site';
import { openApiDocument } from './openapi';
import { sendError, sendJson } from './respond';
import { handleSegments } from './segments';
import { handleSessions } from './sessions';
import { createValidators } from './schemas';

export interface Route {
  resource: 'sessions' | 'segments' | 'openapi';
  /** The token of `/sessions/:token` or `/segments/:token`, as sent (percent-encoded). */
  token?: string;
}

export interface Api {
  /** Whether a URL is under one of the prefixes, where the API's router must look at it. */
  covers(url: string): boolean;
  /** The session and segment APIs, mounted as Express sub-routers under each prefix. */
  router: Router;
}

const ALLOWED = { sessions: 'GET, HEAD, POST, PATCH', segments: 'GET, HEAD', openapi: 'GET, HEAD' };

/** The part of a URL's path after `base`, as sent (still percent-encoded). */
function rawToken(url: string, base: string): string {
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)).slice(base.length);
}

/**
 * The VTEX Session Manager API under each `apiPrefix`: a router per resource, mounted under each
 * prefix. Routes are regular expressions without groups, so that Express and its versions agree on
 * them and decode nothing: a token is read from the raw URL and decoded here, where a bad one is
 * one of our 400s. A segment token is standard base64, and VTEX's node client puts it in the path
 * unencoded: its `/` belongs to the token. A session token (a JWT) never holds one.
 */
export function createApi(options: NormalizedOptions, manager: SessionManager, writer: CookieWriter, capture: RequestCapture): Api | undefined {
  if (options.apiPrefixes.length === 0) return undefined;
  const validators = createValidators(options);
  const document = openApiDocument(options.apiPrefixes[0] ?? '/api');
  const { sessionName, segmentName } = options.cookie;

  const answer = (route: (req: Request) => Route) => (req: Request, res: Response) => {
    serve(req, res, route(req)).catch((error: unknown) => sendError(res, error, options.logger));
  };
  const resources = Router({ caseSensitive: true, strict: false });
  resources.all(/^\/sessions\/?$/, answer(() => ({ resource: 'sessions' })));
  resources.all(/^\/sessions\/openapi\.json$/, answer(() => ({ resource: 'openapi' })));
  resources.all(/^\/sessions\/[^/]+$/, answer((req) => ({ resource: 'sessions', token: rawToken(req.url, '/sessions/') })));
  resources.all(/^\/segments\/?$/, answer(() => ({ resource: 'segments' })));
  resources.all(/^\/segments\/.+$/, answer((req) => ({ resource: 'segments', token: rawToken(req.url, '/segments/') })));

  const router = Router({ caseSensitive: true, strict: false });
  for (const prefix of options.apiPrefixes) router.use(prefix === '' ? '/' : prefix, resources);

  const covers = (url: string): boolean => {
    for (const prefix of options.apiPrefixes) {
      if (!url.startsWith(prefix)) continue;
      const next = url.charCodeAt(prefix.length);
      // `/api/…` or `/api?…`, not `/apix`.
      if (Number.isNaN(next) || next === 47 || next === 63) return true;
    }
    return false;
  };

  async function serve(req: Request, res: Response, target: Route): Promise<void> {
    // Answers about one visitor's session are never for a shared cache, and neither is any other
    // answer of the API (a refusal, the document): set first, before anything can fail.
    res.setHeader('Cache-Control', 'private, no-store');
    const method = req.method;
    if (!ALLOWED[target.resource].split(', ').includes(method)) {
      res.setHeader('Allow', ALLOWED[target.resource]);
      throw new BadRequestError('METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${ALLOWED[target.resource]}`, 405);
    }
    if (target.resource === 'openapi') {
      sendJson(res, 200, document);
      return;
    }
    if (method === 'POST' || method === 'PATCH') {
      // Refused before the body is read or the session looked up: a forged write changes nothing.
      const reason = crossSiteReason(req, options.allowedOrigins);
      if (reason !== undefined) throw new BadRequestError('CROSS_SITE_WRITE', `cross-site writes to the session API are refused: ${reason}`, 403);
    }
    const q = req.url.indexOf('?');
    const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
    const header = req.headers.cookie;
    const cookieToken = readCookie(header, sessionName);
    const pathToken = target.token === undefined ? undefined : decodeToken(target.token);
    const fromPath = target.resource === 'sessions' && pathToken !== undefined;
    const session = new RequestSession(
      manager,
      writer,
      req,
      res,
      {
        token: fromPath ? pathToken : cookieToken,
        fromCookie: !fromPath && (cookieToken !== undefined || header !== undefined),
        clientSegment: readCookie(header, segmentName),
      },
      Date.now(),
    );
    if (target.resource === 'sessions') await handleSessions(options, validators, capture, session, req, res, query);
    else await handleSegments(options, session, req, res, query, pathToken);
  }

  return { covers, router };
}

function decodeToken(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('INVALID_TOKEN', 'the token in the path is not valid percent-encoding');
  }
}
