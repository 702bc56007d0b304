import { getValue, type JsonValue, type Namespaces } from '../namespaces';
import { encodeSegment, normalizeSegment, type Segment, type SegmentData } from './codec';

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

// Namespaces objects are immutable, so the segment of one can be kept for as long as the object
// lives: a returning visitor whose session did not change costs no JSON or base64 work at all.
const segments = new WeakMap<Namespaces, Segment>();

export function segmentOf(namespaces: Namespaces): Segment {
  let segment = segments.get(namespaces);
  if (segment === undefined) {
    const data = Object.freeze(segmentDataOf(namespaces));
    segment = Object.freeze({ token: encodeSegment(data), data });
    segments.set(namespaces, segment);
  }
  return segment;
}

export function segmentFromData(data: Partial<SegmentData>): Segment {
  const normalized = Object.freeze(normalizeSegment(data));
  return Object.freeze({ token: encodeSegment(normalized), data: normalized });
}
