import { LRUCache } from 'lru-cache';
import { getValue, type JsonValue, type Namespaces } from '../namespaces';
import { encodeSegment, encodeSegmentJson, normalizeSegment, type Segment, type SegmentData, type SegmentField } from './codec';

const text = (value: JsonValue | undefined): string | null => {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  // Several price tables or campaigns may be stored as a list; the segment joins them with `,`.
  if (Array.isArray(value)) return value.length ? value.map(String).join(',') : null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
};

/** Where each segment field comes from in the session (SPEC section 5). */
export function segmentDataOf(namespaces: Namespaces): SegmentData {
  const pub = (key: string) => text(getValue(namespaces, 'public', key));
  const store = (key: string) => text(getValue(namespaces, 'store', key));
  return normalizeSegment({
    campaigns: text(getValue(namespaces, 'rnb', 'campaigns')),
    channel: store('channel'),
    priceTables: text(getValue(namespaces, 'profile', 'priceTables')),
    regionId: text(getValue(namespaces, 'checkout', 'regionId')),
    utm_campaign: pub('utm_campaign'),
    utm_source: pub('utm_source'),
    utmi_campaign: pub('utmi_campaign') ?? pub('utmi_cp'),
    currencyCode: store('currencyCode'),
    currencySymbol: store('currencySymbol'),
    countryCode: store('countryCode'),
    cultureInfo: store('cultureInfo'),
    admin_cultureInfo: store('admin_cultureInfo'),
    channelPrivacy: store('channelPrivacy'),
    facets: text(getValue(namespaces, 'search', 'facets')),
  });
}

// Browsers drop a cookie whose name and value pass 4096 bytes (and decodeSegment refuses a token
// over 4 KiB), so a segment must fit in less, with room left for the cookie's name.
const TOKEN_BUDGET = 4000;
// The fields a visitor's own input fills (a campaign link's UTMs, written facets or region): only
// these can grow without bound, and the UTMs do not change a page.
const VISITOR_FIELDS: ReadonlyArray<SegmentField> = ['utm_source', 'utm_campaign', 'utmi_campaign', 'facets', 'regionId'];

/**
 * The segment of normalised data, leaving out the longest visitor-filled field until its token
 * fits in a cookie. `json` is the data's JSON when the caller has it already.
 */
function fitted(input: SegmentData, json = JSON.stringify(input)): Segment {
  let data = input;
  let token = encodeSegmentJson(json);
  while (token.length > TOKEN_BUDGET) {
    const longest = VISITOR_FIELDS.reduce<SegmentField | undefined>((best, field) => {
      const length = data[field]?.length ?? 0;
      return length > 0 && length > (best === undefined ? 0 : (data[best]?.length ?? 0)) ? field : best;
    }, undefined);
    if (longest === undefined) break;
    data = normalizeSegment({ ...data, [longest]: null });
    token = encodeSegment(data);
  }
  return Object.freeze({ token, data: Object.freeze(data) });
}

// Namespaces objects are immutable, so the segment of one can be kept for as long as the object
// lives: a returning visitor whose session did not change costs no JSON or base64 work at all.
const segments = new WeakMap<Namespaces, Segment>();
// A session read from a shared store is a new object on every request, but thousands of visitors
// share a handful of segments: the segment of the same data is encoded once. The key is the data's
// JSON, which is cheaper than the token's base64 and a fraction of a page's worth of memory.
const segmentsByData = new LRUCache<string, Segment>({ max: 1024 });

export function segmentOf(namespaces: Namespaces): Segment {
  let segment = segments.get(namespaces);
  if (segment === undefined) {
    const data = segmentDataOf(namespaces);
    const key = JSON.stringify(data);
    segment = segmentsByData.get(key);
    if (segment === undefined) {
      segment = fitted(data, key);
      segmentsByData.set(key, segment);
    }
    segments.set(namespaces, segment);
  }
  return segment;
}

export function segmentFromData(data: Partial<SegmentData>): Segment {
  return fitted(normalizeSegment(data));
}
