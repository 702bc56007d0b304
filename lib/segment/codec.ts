import { BadRequestError } from '../errors';

/**
 * The segment: the commercial conditions a page depends on. Its token is the page-cache key, so it
 * must be byte-identical to what VTEX produces for the same data: the fields in VTEX's order, the
 * first seven always present (null when unset), two optional ones only when set.
 */
export interface SegmentData {
  campaigns: string | null;
  channel: string | null;
  priceTables: string | null;
  regionId: string | null;
  utm_campaign: string | null;
  utm_source: string | null;
  utmi_campaign: string | null;
  currencyCode: string | null;
  currencySymbol: string | null;
  countryCode: string | null;
  cultureInfo: string | null;
  admin_cultureInfo?: string | null;
  channelPrivacy: string | null;
  facets?: string | null;
}

export interface Segment {
  /** The `vtex_segment` value: identical for identical data. */
  token: string;
  data: Readonly<SegmentData>;
}

export type SegmentField = keyof SegmentData;

/** VTEX's field order; `optional` fields are written only when they hold a value. */
export const SEGMENT_FIELDS: ReadonlyArray<{ name: SegmentField; optional: boolean }> = [
  { name: 'campaigns', optional: false },
  { name: 'channel', optional: false },
  { name: 'priceTables', optional: false },
  { name: 'regionId', optional: false },
  { name: 'utm_campaign', optional: false },
  { name: 'utm_source', optional: false },
  { name: 'utmi_campaign', optional: false },
  { name: 'currencyCode', optional: false },
  { name: 'currencySymbol', optional: false },
  { name: 'countryCode', optional: false },
  { name: 'cultureInfo', optional: false },
  { name: 'admin_cultureInfo', optional: true },
  { name: 'channelPrivacy', optional: false },
  { name: 'facets', optional: true },
];

const FIELD_NAMES = new Set<string>(SEGMENT_FIELDS.map((f) => f.name));

/** Tokens longer than this are refused before decoding: a cookie is at most 4 KiB anyway. */
export const MAX_SEGMENT_TOKEN_LENGTH = 4096;

/** Puts the fields in VTEX's order, fills the always-present ones with null, drops unknown ones. */
export function normalizeSegment(input: Partial<Record<string, string | null | undefined>>): SegmentData {
  const data: Record<string, string | null> = {};
  for (const { name, optional } of SEGMENT_FIELDS) {
    const value = input[name];
    const present = value !== undefined && value !== null;
    if (optional && !present) continue;
    data[name] = present ? value : null;
  }
  return data as unknown as SegmentData;
}

/**
 * Base64 (standard alphabet, `=` padding stripped) of the UTF-8 JSON, as VTEX writes it. The data is
 * normalised first, so callers may pass fields in any order.
 */
export function encodeSegment(data: Partial<SegmentData>): string {
  return encodeSegmentJson(JSON.stringify(normalizeSegment(data)));
}

/** The token of normalised data already in JSON (`JSON.stringify(normalizeSegment(data))`). */
export function encodeSegmentJson(json: string): string {
  return stripPadding(Buffer.from(json, 'utf8').toString('base64'));
}

function stripPadding(base64: string): string {
  let end = base64.length;
  while (end > 0 && base64.charCodeAt(end - 1) === 61 /* = */) end--;
  return base64.slice(0, end);
}

// Standard alphabet with optional padding; the URL-safe alphabet is accepted too because a token
// copied through a URL or a cookie library may arrive rewritten that way.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decodes a segment token. Accepts padded and unpadded tokens; anything that is not base64 of a
 * JSON object of strings and nulls, or is longer than 4 KiB, is a BadRequestError.
 */
export function decodeSegment(token: string): SegmentData {
  const data = tryDecodeSegment(token);
  if (data === undefined) {
    throw new BadRequestError('INVALID_SEGMENT_TOKEN', 'segment token is not base64 of a JSON object of strings and nulls');
  }
  return data;
}

/** The same as decodeSegment, but answers undefined instead of throwing: for cookies, which are ignored when bad. */
export function tryDecodeSegment(token: string): SegmentData | undefined {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_SEGMENT_TOKEN_LENGTH) return undefined;
  if (!BASE64.test(token) || token.length % 4 === 1) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value !== null && typeof value !== 'string') return undefined;
  }
  const known: Record<string, string | null> = {};
  for (const key of Object.keys(fields)) if (FIELD_NAMES.has(key)) known[key] = fields[key] as string | null;
  return normalizeSegment(known);
}
