import type { IncomingMessage, ServerResponse } from 'node:http';
import { appendSetCookie, parseCookies, type CookieWriter } from '../cookies';
import type { NamespacesPatch, SessionRecord } from '../namespaces';
import type { Segment } from '../segment/codec';
import type { WriteContext } from '../transforms/types';
import { expiresAt, isStored, shouldRenew } from './lifecycle';
import type { SessionManager } from './manager';
import type { VerifiedToken } from './token';
import { andThen, type MaybePromise } from '../maybe';
import type { StoreUnavailableError } from '../errors';
import { degraded, publish, shortHash } from '../events';

export interface TokenSource {
  /** The `vtex_session` token, from the cookie or from the API path. */
  token: string | undefined;
  /** Whether the token came from the request's own cookie (cookie captures need the browser's cookies). */
  fromCookie: boolean;
  /** The `vtex_segment` the client sent: never trusted, only compared. */
  clientSegment: string | undefined;
}

/**
 * One request's view of its session: what the token names, what was loaded or created, and which
 * cookies the response must carry. Shared by the page middleware and the HTTP API.
 */
export class RequestSession {
  record: SessionRecord | undefined;
  /** The store could not be reached: the request is served with the default segment. */
  degraded = false;
  /**
   * The token names a session whose id rotated while this request was on its way: the request is
   * served as an anonymous visitor and sets no cookie, so the browser keeps the successor's.
   */
  superseded = false;
  /** The session id the (verified) token named, kept for a degraded request. */
  tokenId: string | undefined;
  /** `vtex_session` must be (re)issued: new, rotated, renewed or re-signed session. */
  private issueToken = false;
  /** Opened with `renew: false` near its end: the next write goes to a replacement session. */
  private renewalDue = false;
  /** The token issued in this request, for the id it names: a rotation later in the request needs another. */
  private issued: { id: string; token: string } | undefined;
  private cookiesSent = false;
  private cookies: Record<string, string> | undefined;

  constructor(
    readonly manager: SessionManager,
    private readonly writer: CookieWriter,
    readonly req: IncomingMessage & { secure?: boolean },
    readonly res: ServerResponse,
    readonly source: TokenSource,
    readonly now: number,
  ) {}

  /** The request's cookies, parsed on first use (most requests never need more than two). */
  requestCookies(): Record<string, string> {
    return (this.cookies ??= parseCookies(this.req.headers.cookie));
  }

  context(): WriteContext {
    return { cookies: this.source.fromCookie ? this.requestCookies() : {}, now: this.now, creating: false };
  }

  /**
   * Loads the session the token names; renews one near its end; marks a token signed with an old
   * secret for re-signing. A renewal deletes the old record, so it happens only where the answer
   * hands out the new token: `renew: false` leaves it to the request's write (which may still be
   * refused and must then store nothing) or, for a request that writes nothing, to a later one.
   */
  open({ renew = true, unstoredMayBeStored = false }: { renew?: boolean; unstoredMayBeStored?: boolean } = {}): MaybePromise<void> {
    const verified = this.manager.verify(this.source.token, this.now);
    if (verified === undefined) return;
    this.tokenId = verified.claims.id;
    // The context (and the parse of the Cookie header it holds) only if a never-written session's
    // namespaces must be computed: a page view of a stored one, or within the second, never does.
    const context = () => this.context();
    return andThen(this.manager.load(verified, this.now, context, { unstoredMayBeStored }), (record) => this.opened(verified, record, renew));
  }

  private opened(verified: VerifiedToken, record: SessionRecord | undefined, renew: boolean): MaybePromise<void> {
    if (record === undefined) return;
    // A token whose session moved on (renewed or rotated by a concurrent request) names its
    // predecessor: the successor is the session now, and its own token is issued.
    if (record.id === verified.claims.id && shouldRenew(verified.claims, this.manager.options.maxAge, this.now)) {
      if (!renew) {
        this.record = record;
        this.renewalDue = true;
        return;
      }
      return this.manager.renew(record, this.context()).then((renewed) => {
        this.record = renewed;
        this.issueToken = true;
      });
    }
    this.record = record;
    // Re-signed with the first secret, or the token of a session stored since it was issued.
    if (verified.stale || (verified.claims.stored === false && isStored(record))) this.issueToken = true;
  }

  /**
   * The store could not be reached: the request is served with the default segment and sets no
   * cookie, so that the visitor keeps the session that will be there again when the store returns.
   */
  degrade(error: StoreUnavailableError): void {
    const session = this.tokenId && shortHash(this.tokenId);
    this.manager.options.logger.error('session store unavailable: serving the default segment', {
      session,
      error: error.message,
      cause: (error.cause as Error | undefined)?.message,
    });
    publish(degraded, () => ({ session, error: error.message }));
    this.degraded = true;
    this.record = undefined;
  }

  /** Serves the request as a new anonymous visitor, storing nothing and setting no cookie. */
  async supersede(): Promise<void> {
    this.superseded = true;
    this.record = await this.manager.create({}, this.context());
  }

  create(seed: NamespacesPatch = {}): MaybePromise<SessionRecord> {
    return andThen(this.manager.create(seed, this.context()), (record) => {
      this.record = record;
      this.issueToken = true;
      return record;
    });
  }

  /** Writes to the open session, or creates one with the patch as its seed. */
  async write(patch: NamespacesPatch): Promise<SessionRecord> {
    if (this.record === undefined) return this.create(patch);
    if (this.renewalDue) {
      this.record = await this.manager.renew(this.record, this.context(), patch);
      this.renewalDue = false;
      this.issueToken = true;
      return this.record;
    }
    const before = this.record;
    this.record = await this.manager.write(before, patch, this.context());
    // A new id, or the first write of a session whose token says it was never stored.
    if (this.record.id !== before.id || isStored(this.record) !== isStored(before)) this.issueToken = true;
    return this.record;
  }

  segment(): Segment {
    return this.manager.segmentOf(this.record);
  }

  /** The token of the current session: the one the client sent while it stays valid, else a new one. */
  token(): string | undefined {
    if (this.record === undefined) return undefined;
    if (!this.issueToken && this.source.token !== undefined && this.tokenId === this.record.id) return this.source.token;
    if (this.issued?.id !== this.record.id) this.issued = { id: this.record.id, token: this.manager.tokenFor(this.record) };
    return this.issued.token;
  }

  /**
   * Sets what changed: `vtex_session` when (re)issued, `vtex_segment` when the client's differs from
   * the derived one; `both` sets both whatever changed (the API's writes always answer with both).
   * Nothing at all for a degraded request, so that the visitor keeps the cookies of the session
   * that will be there again when the store returns.
   */
  commitCookies(segment: Segment = this.segment(), both = false): void {
    if (this.degraded || this.superseded || this.record === undefined) return;
    const setSession = this.issueToken || both || this.tokenId !== this.record.id;
    const setSegment = setSession || segment.token !== this.source.clientSegment;
    // Most page views are a returning visitor whose cookies are right: nothing to format, and not
    // even `headersSent` to ask (a getter behind several prototypes of Express's response).
    if ((!setSegment && !this.cookiesSent) || this.res.headersSent) return;
    const secure = this.writer.secureFor(this.req);
    const expires = expiresAt(this.record, this.manager.options.maxAge);
    const values: string[] = [];
    const token = setSession ? this.token() : undefined;
    if (token !== undefined) values.push(this.writer.session(token, expires, secure));
    if (setSegment) values.push(this.writer.segment(segment.token, expires, secure));
    // A response that carries one visitor's session, or a page rendered for a segment other than
    // the one the request's cookie names, must never be stored by a shared cache.
    if (values.length > 0) this.res.setHeader('Cache-Control', 'private, no-store');
    if (this.cookiesSent) this.writer.dropOurs(this.res);
    appendSetCookie(this.res, values);
    this.cookiesSent ||= values.length > 0;
  }

  /** Only `vtex_segment` (the segment API): for the session's lifetime, or maxAge from now without a session. */
  setSegmentCookie(token: string): void {
    const { maxAge } = this.manager.options;
    const expires = this.record === undefined ? this.now + maxAge : expiresAt(this.record, maxAge);
    const secure = this.writer.secureFor(this.req);
    appendSetCookie(this.res, [this.writer.segment(token, expires, secure)]);
  }
}
