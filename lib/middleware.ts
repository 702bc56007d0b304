import { Router, type NextFunction, type Request, type Response } from 'express';
import { createApi } from './api/router';
import { CookieWriter, readCookie } from './cookies';
import { normalizeOptions, type SessionOptions } from './options';
import { SessionHandle } from './session/handle';
import { SessionManager, shortHash } from './session/manager';
import { RequestSession } from './session/request';
import { shareHiddenClasses } from './shapes';
import { captureCookies, captureQuery, cookieMatcher, cookiePrefixes, mergePatches } from './transforms/builtin/capture';
import type { NamespacesPatch } from './namespaces';
import type { Segment } from './segment/codec';

/**
 * `app.use(sessionMiddleware(options))`: on every page request reads or creates both cookies and
 * attaches `req.vtexSession` and `req.vtexSegment`; under `apiPrefix` answers the VTEX Session
 * Manager API instead. Options are normalised and validated here, once.
 */
export function sessionMiddleware(options: SessionOptions = {}): Router {
  const normalized = normalizeOptions(options);
  const manager = new SessionManager(normalized);
  const writer = new CookieWriter(normalized.cookie);
  const api = createApi(manager, writer);
  const { sessionName, segmentName } = normalized.cookie;
  const { captureQuery: queryKeys, onStoreError, logger } = normalized;
  const matchesCookie = cookieMatcher(normalized.captureCookies);
  const prefixes = cookiePrefixes(normalized.captureCookies);

  // Cookie captures cost a full parse of the header; most requests carry none of the cookies asked for.
  const pageCapture = (session: RequestSession, method: string, url: string, header: string | undefined): NamespacesPatch | undefined => {
    const namespaces = session.record?.namespaces;
    const q = url.indexOf('?');
    const fromQuery =
      q >= 0 && queryKeys.length > 0 && (method === 'GET' || method === 'HEAD')
        ? captureQuery(new URLSearchParams(url.slice(q + 1)), queryKeys, namespaces)
        : undefined;
    const mayHoldCookies =
      matchesCookie !== undefined &&
      session.source.fromCookie &&
      (namespaces?.cookie !== undefined || (header !== undefined && prefixes.some((p) => header.includes(p))));
    const fromCookies = mayHoldCookies ? captureCookies(session.requestCookies(), matchesCookie, namespaces) : undefined;
    return mergePatches(fromQuery, fromCookies);
  };

  // Express gives every request and response object a shape of its own (it swaps their prototype
  // per request), so each property access on them is an uncached lookup: the page path reads each
  // one once and passes it along.
  async function openPage(req: Request, res: Response, method: string, url: string): Promise<void> {
    const header = req.headers.cookie;
    const token = readCookie(header, sessionName);
    const session = new RequestSession(
      manager,
      writer,
      req,
      res,
      { token, fromCookie: token !== undefined || header !== undefined, clientSegment: readCookie(header, segmentName) },
      Date.now(),
    );
    const attach = (): Segment => {
      const segment = session.segment();
      req.vtexSegment = segment;
      req.vtexSession = new SessionHandle(session, (changed) => {
        req.vtexSegment = changed;
      });
      return segment;
    };
    try {
      await session.open();
      const capture = pageCapture(session, method, url, header);
      if (session.record === undefined) await session.create(capture);
      else if (capture !== undefined) await session.write(capture);
      else manager.maybeTouch(session.record, session.now);
    } catch (error) {
      if (!SessionManager.isStoreFailure(error) || onStoreError === 'fail') {
        attach();
        throw error;
      }
      logger.error('session store unavailable: serving the default segment', {
        session: session.tokenId && shortHash(session.tokenId),
        error: error.message,
        cause: (error.cause as Error | undefined)?.message,
      });
      session.degraded = true;
      session.record = undefined;
    }
    session.commitCookies(attach());
  }

  function vtexSession(req: Request, res: Response, next: NextFunction): void {
    shareHiddenClasses(req, res);
    const url = req.url;
    const route = api.match(url);
    if (route !== undefined) {
      api.handle(req, res, route);
      return;
    }
    openPage(req, res, req.method, url).then(() => next(), next);
  }

  const router = Router();
  router.use(vtexSession);
  return withFastPath(router, vtexSession);
}

/**
 * The middleware is a Router, so that an application may add routes to it. While the router holds
 * only the session layer, a request goes straight to that layer: the router's own dispatch, for a
 * layer that matches every path, costs a set of closures and a setImmediate per request.
 */
function withFastPath(router: Router, layer: (req: Request, res: Response, next: NextFunction) => void): Router {
  const { stack } = router as unknown as { stack: unknown[] };
  function vtexSessionRouter(req: Request, res: Response, next: NextFunction): void {
    if (stack.length === 1) layer(req, res, next);
    else router(req, res, next);
  }
  // Router methods (use, get, handle …) act on the router's own stack through the prototype.
  Object.setPrototypeOf(vtexSessionRouter, router);
  return vtexSessionRouter as unknown as Router;
}
