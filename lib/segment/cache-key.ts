import { encodeSegment, type Segment, type SegmentData, type SegmentField } from './codec';

/** Fields that mark where a visitor came from but, on most storefronts, do not change a page. */
export const TRACKING_FIELDS: ReadonlyArray<SegmentField> = ['utm_campaign', 'utm_source', 'utmi_campaign'];

/**
 * A page-cache key from a segment that leaves out the fields that do not change a page. Every UTM
 * value would otherwise make its own cache entry: one campaign link shared widely fragments the
 * cache into as many copies as there are tracking values. Campaign audiences that depend on a UTM
 * still reach the key through `campaigns`.
 */
export function segmentCacheKey(
  segment: Segment | SegmentData,
  { omit = TRACKING_FIELDS }: { omit?: ReadonlyArray<SegmentField> } = {},
): string {
  const data: SegmentData = 'token' in segment && 'data' in segment ? (segment as Segment).data : (segment as SegmentData);
  if (omit.length === 0) return 'token' in segment ? (segment as Segment).token : encodeSegment(data);
  const kept: Partial<SegmentData> = { ...data };
  for (const field of omit) delete kept[field];
  return encodeSegment(kept);
}
