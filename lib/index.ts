import './types/express';

export { sessionMiddleware } from './middleware';
export { shareHiddenClasses } from './shapes';
export { CHANNELS } from './events';
export type { StoreOperation } from './events';
export type {
  SessionOptions,
  ChannelOptions,
  CookieOptions,
  Limits,
  Logger,
} from './options';
export { encodeSegment, decodeSegment, SEGMENT_FIELDS } from './segment/codec';
export type { Segment, SegmentData, SegmentField } from './segment/codec';
export { segmentCacheKey, TRACKING_FIELDS } from './segment/cache-key';
export type { VtexSession } from './session/handle';
export { decodeSessionToken } from './session/token';
export type { SessionClaims } from './session/token';
export type { Item, JsonValue, Namespace, Namespaces, NamespacesPatch, SessionRecord, SessionView } from './namespaces';
export type { Transform, TransformContext, ItemSelection } from './transforms/types';
export type { Audience, ClusterResolver } from './transforms/builtin/audiences';
export type { AuthenticatedUser, Authenticator, ImpersonationPolicy } from './transforms/builtin/authentication';
export type { CustomerProfile, ProfileResolver } from './transforms/builtin/profile';
export type { RegionQuery, RegionResolver, RegionTable } from './transforms/builtin/region';
export { regionIdOf } from './transforms/builtin/region';
export type { SessionStore, SetOptions } from './stores/store';
export { LruSessionStore } from './stores/lru';
export type { LruSessionStoreOptions } from './stores/lru';
export { RedisSessionStore } from './stores/redis';
export type { RedisSessionStoreOptions } from './stores/redis';
export { fromExpressSessionStore } from './stores/express-session';
export type { ExpressSessionStoreLike } from './stores/express-session';
export {
  VtexSessionError,
  BadRequestError,
  TransformRefusedError,
  StoreUnavailableError,
  WriteConflictError,
  SessionTooLargeError,
  SessionRotatedError,
} from './errors';
