export type { ChannelOptions, CookieOptions, Limits, Logger, NormalizedChannel, NormalizedOptions, SessionOptions } from './types';
export { DEFAULT_CAPTURE_COOKIES, DEFAULT_CAPTURE_QUERY, DEFAULT_CHANNELS, normalizeOptions } from './normalize';
