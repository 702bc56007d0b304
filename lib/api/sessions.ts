import type { Request, Response } from 'express';
import { BadRequestError } from '../errors';
import { parseItems, sessionView, type NamespacesPatch } from '../namespaces';
import type { NormalizedOptions } from '../options';
import type { RequestSession } from '../session/request';
import { mergePatches, type RequestCapture } from '../transforms/builtin/capture';
import { readJsonBody } from './body';
import { sendJson } from './respond';
import { publicPatch, type ApiValidators } from './schemas';

/**
 * `/sessions` and `/sessions/:token`. GET answers the session view filtered by `items`; POST (201)
 * and PATCH (200) write `public` from the body and the query string, then answer the tokens, or
 * the filtered view when `items` is given (VTEX's page script relies on that).
 */
export async function handleSessions(
  options: NormalizedOptions,
  validators: ApiValidators,
  capture: RequestCapture,
  session: RequestSession,
  req: Request,
  res: Response,
  query: URLSearchParams,
): Promise<void> {
  const items = query.get('items');
  const pairs = items === null ? undefined : parseItems(validators.items(items));

  if (req.method === 'GET' || req.method === 'HEAD') {
    if (pairs === undefined) {
      throw new BadRequestError('MISSING_ITEMS', 'items is required: name the items to read, as items=ns.key,ns.key (or items=* for all)');
    }
    // The API reads whether a never-written session was stored meanwhile: a client still holding
    // its first token (an answer raced the first write, or a client that keeps the token it got
    // first) reads what it wrote, and its answer never hands back the unstored session's token.
    await session.open({ unstoredMayBeStored: true });
    const captured = cookiesOf(capture, session);
    if (session.record === undefined) await session.create(captured);
    else if (captured !== undefined) await session.write(captured);
    // VTEX's node client reads the session token from the first Set-Cookie of every read.
    session.commitCookies(undefined, true);
    sendJson(res, 200, sessionView(session.record!, pairs));
    return;
  }

  // Everything is validated before the session is touched: a rejected request changes nothing.
  const fromBody = validators.writeBody(await readJsonBody(req, options.limits.bodySize));
  const fromQuery = validators.writeQuery(query, fromBody);
  if (fromQuery.skipped !== undefined) {
    // Counts only: a skipped parameter's key or value may be anything a URL held (an e-mail address, a token).
    const { invalidKey, valueTooLarge, overKeyLimit } = fromQuery.skipped;
    options.logger.debug?.('session API skipped query parameters of a write', {
      skipped: invalidKey + valueTooLarge + overKeyLimit,
      invalidKey,
      valueTooLarge,
      overKeyLimit,
    });
  }
  const patch = publicPatch(fromQuery.items, fromBody);
  // A renewal is folded into the write, so that a refused write stores nothing.
  await session.open({ renew: false, unstoredMayBeStored: true });
  const record = await session.write(mergePatches(cookiesOf(capture, session), patch) ?? patch);
  const segment = session.segment();
  session.commitCookies(segment, true);
  const status = req.method === 'POST' ? 201 : 200;
  if (pairs !== undefined) sendJson(res, status, sessionView(record, pairs));
  else sendJson(res, status, { sessionToken: session.token(), segmentToken: segment.token });
}

/**
 * The browser's cookies come into the session on the API's session requests as on pages: a login
 * through the shop's auth cookie is seen by the page script's next call (VTEX records the request
 * cookies on its API writes). Not from a token in the path: those calls carry someone's cookies
 * for another session, or none.
 */
function cookiesOf(capture: RequestCapture, session: RequestSession): NamespacesPatch | undefined {
  if (!session.source.fromCookie) return undefined;
  return capture.cookies(session.req.headers.cookie, () => session.requestCookies(), session.record?.namespaces);
}
