import type { Request, Response } from 'express';
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
  /** The API route a URL names, or undefined for a page. */
  match(url: string): Route | undefined;
  handle(req: Request, res: Response, route: Route): void;
}

const ALLOWED = { sessions: 'GET, HEAD, POST, PATCH', segments: 'GET, HEAD', openapi: 'GET, HEAD' };

/**
 * The VTEX Session Manager API under each `apiPrefix`. Routing is by hand, on the raw URL, so the
 * API behaves the same on Express 4 and 5 and costs page requests one prefix test.
 */
export function createApi(options: NormalizedOptions, manager: SessionManager, writer: CookieWriter, capture: RequestCapture): Api {
  const validators = createValidators(options);
  const document = openApiDocument(options.apiPrefixes[0] ?? '/api');
  const { sessionName, segmentName } = options.cookie;

  function route(url: string): Route | undefined {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    for (const prefix of options.apiPrefixes) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      for (const resource of ['sessions', 'segments'] as const) {
        const base = `/${resource}`;
        if (rest === base || rest === `${base}/`) return { resource };
        if (!rest.startsWith(`${base}/`)) continue;
        const token = rest.slice(base.length + 1);
        if (resource === 'sessions' && token === 'openapi.json') return { resource: 'openapi' };
        // A segment token is standard base64, and VTEX's node client puts it in the path unencoded:
        // its `/` belongs to the token. A session token (a JWT) never holds one.
        if (resource === 'sessions' && token.includes('/')) return undefined;
        return { resource, token };
      }
    }
    return undefined;
  }

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

  return {
    match: (url) => (options.apiPrefixes.length > 0 ? route(url) : undefined),
    handle(req, res, target) {
      serve(req, res, target).catch((error: unknown) => sendError(res, error, options.logger));
    },
  };
}

function decodeToken(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('INVALID_TOKEN', 'the token in the path is not valid percent-encoding');
  }
}
