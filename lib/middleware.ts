import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createApi } from './api/router';
import { CookieWriter, readCookie } from './cookies';
import { normalizeOptions, type NormalizedOptions, type SessionOptions } from './options';
import { SessionHandle } from './session/handle';
import { SessionManager } from './session/manager';
import { shortHash } from './events';
import { RequestSession } from './session/request';
import { LruSessionStore } from './stores/lru';
import type { SessionStore } from './stores/store';
import { TimeoutStore } from './stores/timeout';
import { transformsFor } from './transforms/builtin';
import { mergePatches, requestCapture } from './transforms/builtin/capture';
import { SessionRotatedError, SessionTooLargeError } from './errors';
import type { NamespacesPatch } from './namespaces';
import type { Segment } from './segment/codec';
import { andThen, ignore, isPromise, type MaybePromise } from './maybe';

/**
 * `app.use(sessionMiddleware(options))`: on every page request reads or creates both cookies and
 * attaches `req.vtexSession` and `req.vtexSegment`; under `apiPrefix` answers the VTEX Session
 * Manager API instead. Options are normalised and validated here, once.
 */
export function sessionMiddleware(options: SessionOptions = {}): RequestHandler {
  const normalized = normalizeOptions(options);
  const manager = new SessionManager({ ...normalized, store: storeFor(normalized), transforms: transformsFor(normalized) });
  const writer = new CookieWriter(normalized.cookie);
  const { sessionName, segmentName } = normalized.cookie;
  const { onStoreError, logger } = normalized;

  // Cookies come into the session on page views and on the API's session requests, as at VTEX.
  let warnedOfCookies = false;
  const capture = requestCapture({
    queryKeys: normalized.captureQuery,
    cookiePatterns: normalized.captureCookies,
    cookieLimits: { count: normalized.limits.capturedCookies, bytes: normalized.limits.capturedCookieBytes },
    onIgnoredCookies(count) {
      // Once per middleware: a client that sends too many is sending them with every request.
      if (warnedOfCookies) return;
      warnedOfCookies = true;
      logger.warn('a request carried more cookies to capture than limits.capturedCookies and limits.capturedCookieBytes allow; the rest were ignored', {
        code: 'VTEX_SESSION_COOKIES_IGNORED',
        ignored: count,
      });
    },
  });
  const api = createApi(normalized, manager, writer, capture);

  // Express gives every request and response object a shape of its own (it swaps their prototype
  // per request), so each property access on them is an uncached lookup: the page path reads each
  // one once and passes it along. It answers without a promise when nothing had to be waited for.
  function openPage(req: Request, res: Response, method: string, url: string): MaybePromise<void> {
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
    const commit = (): void => session.commitCookies(attach());
    const failed = (error: unknown): void => {
      if (!SessionManager.isStoreFailure(error) || onStoreError === 'fail') {
        attach();
        throw error;
      }
      session.degrade(error);
      commit();
    };
    let pending: MaybePromise<void>;
    try {
      pending = andThen(openOrSupersede(session), () => {
        const namespaces = session.record?.namespaces;
        const captured = mergePatches(
          capture.query(method, url, namespaces),
          session.source.fromCookie ? capture.cookies(header, () => session.requestCookies(), namespaces) : undefined,
        );
        return writeCaptured(session, captured);
      });
    } catch (error) {
      return failed(error);
    }
    // `then(commit, failed)`, not `.then(commit).catch(failed)`: an error of the commit itself is
    // not a store failure to degrade on, and the cookies must not be committed twice.
    if (isPromise(pending)) return pending.then(commit, failed);
    commit();
  }

  function openOrSupersede(session: RequestSession): MaybePromise<void> {
    const supersede = (error: unknown): Promise<void> => {
      if (!(error instanceof SessionRotatedError)) throw error;
      return session.supersede();
    };
    // The rotation's refusal comes as a throw from a read answered at once, or as a rejection.
    let opening: MaybePromise<void>;
    try {
      opening = session.open();
    } catch (error) {
      return supersede(error);
    }
    return isPromise(opening) ? opening.then(undefined, supersede) : opening;
  }

  /** A page view's captures: a new session's seed, or a write; a visitor who brings nothing costs a touch at most. */
  function writeCaptured(session: RequestSession, captured: NamespacesPatch | undefined): MaybePromise<void> {
    if (session.superseded) return;
    if (captured !== undefined) return storeCaptured(session, captured);
    if (session.record === undefined) return andThen(session.create(), ignore);
    manager.maybeTouch(session.record, session.now);
  }

  /** Writes the captures to the open session, or creates a session with them as its seed (write() without a record). */
  async function storeCaptured(session: RequestSession, captured: NamespacesPatch): Promise<void> {
    try {
      await session.write(captured);
    } catch (error) {
      // A page is not refused for what its URL or cookies would add to a full session: it renders
      // with the session as it is.
      if (!(error instanceof SessionTooLargeError)) throw error;
      logger.warn('a page view\'s captures would pass limits.sessionSize; they were not written', { session: session.tokenId && shortHash(session.tokenId) });
      if (session.record === undefined) await session.create();
    }
  }

  function servePage(req: Request, res: Response, method: string, url: string, next: NextFunction): void {
    let pending: MaybePromise<void>;
    try {
      pending = openPage(req, res, method, url);
    } catch (error) {
      next(error);
      return;
    }
    if (isPromise(pending)) pending.then(() => next(), next);
    else next();
  }

  // A plain named middleware: the application's request and response get `vtexSession` and
  // `vtexSegment` and nothing else. Requests under an API prefix go through the API's routers;
  // what they do not answer is a page like any other.
  return function vtexSession(req: Request, res: Response, next: NextFunction): void {
    const url = req.url;
    if (api !== undefined && api.covers(url)) {
      api.router(req, res, (error?: unknown) => {
        if (error !== undefined && error !== 'route' && error !== 'router') next(error);
        else servePage(req, res, req.method, req.url, next);
      });
      return;
    }
    servePage(req, res, req.method, url, next);
  };
}

/** The configured store, or the in-process default, with operations abandoned after `storeTimeout`. */
function storeFor({ store, storeTimeout }: NormalizedOptions): SessionStore {
  // The in-process store answers synchronously; a timer per operation would only add cost there.
  const base = store ?? new LruSessionStore();
  return base instanceof LruSessionStore ? base : new TimeoutStore(base, storeTimeout);
}
