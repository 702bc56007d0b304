import type { Segment } from '../segment/codec';
import type { VtexSession } from '../session/handle';

// Augments Express's request as soon as the package is imported, so that handlers see
// `req.vtexSession` and `req.vtexSegment` typed without any extra step.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The visitor's individual session. Set by sessionMiddleware() on every page request. */
      vtexSession: VtexSession;
      /** The shared segment: `token` is the page-cache key, `data` the decoded fields. */
      vtexSegment: Segment;
    }
  }
}

export {};
