// The ES module entry: the CommonJS build, re-exported by name so that
// `import { sessionMiddleware } from 'vtex-session'` works in Node's ESM loader.
import cjs from './index.js';

export const {
  sessionMiddleware,
  shareHiddenClasses,
  CHANNELS,
  encodeSegment,
  decodeSegment,
  SEGMENT_FIELDS,
  segmentCacheKey,
  TRACKING_FIELDS,
  decodeSessionToken,
  regionIdOf,
  LruSessionStore,
  RedisSessionStore,
  fromExpressSessionStore,
  VtexSessionError,
  BadRequestError,
  TransformRefusedError,
  StoreUnavailableError,
  WriteConflictError,
  SessionTooLargeError,
  SessionRotatedError,
} = cjs;
export default cjs;
