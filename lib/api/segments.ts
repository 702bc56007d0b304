import type { Request, Response } from 'express';
import { BadRequestError } from '../errors';
import type { NormalizedOptions } from '../options';
import { decodeSegment, type SegmentData } from '../segment/codec';
import { segmentFromData, segmentOf } from '../segment/derive';
import { SessionManager } from '../session/manager';
import type { RequestSession } from '../session/request';
import { channelStoreItems } from '../transforms/builtin/store';
import { sendJson } from './respond';

// Query overrides of `GET /segments`: the tracking fields and the culture, for this answer only.
export const SEGMENT_OVERRIDES: Readonly<Record<string, keyof SegmentData>> = {
  utm_source: 'utm_source',
  utm_campaign: 'utm_campaign',
  utmi_campaign: 'utmi_campaign',
  utmi_cp: 'utmi_campaign',
  cultureInfo: 'cultureInfo',
};
const MAX_OVERRIDE_LENGTH = 256;

function withOverrides(data: Readonly<SegmentData>, query: URLSearchParams): SegmentData {
  const result: SegmentData = { ...data };
  for (const [param, field] of Object.entries(SEGMENT_OVERRIDES)) {
    const value = query.get(param);
    if (value === null) continue;
    if (value.length > MAX_OVERRIDE_LENGTH) {
      throw new BadRequestError('VALUE_TOO_LARGE', `${param} is longer than ${MAX_OVERRIDE_LENGTH} characters`);
    }
    // An empty override clears the field, as an empty item value clears an item.
    (result as unknown as Record<string, string | null>)[field] = value === '' ? null : value;
  }
  return result;
}

/** The segment of the default channel, or of the session's channel when it has one. */
function defaultSegmentData(options: NormalizedOptions, channelId: unknown): Readonly<SegmentData> {
  const channel = (typeof channelId === 'string' && options.channels.get(channelId)) || options.defaultChannel;
  return segmentOf({ store: channelStoreItems(channel) }).data;
}

/**
 * `/segments` and `/segments/:token`. Overrides never reach the session. Without a session cookie
 * the default segment is answered and no session is stored: VTEX's server-side clients call this
 * without cookies, and each call must not leave a session behind.
 */
export async function handleSegments(
  options: NormalizedOptions,
  session: RequestSession,
  req: Request,
  res: Response,
  query: URLSearchParams,
  pathToken: string | undefined,
): Promise<void> {
  let data: Readonly<SegmentData>;
  if (pathToken !== undefined) {
    data = decodeSegment(pathToken);
  } else {
    if (session.source.token !== undefined) {
      try {
        // This answer sets no session cookie, so it must not replace the session the cookie names.
        await session.open({ renew: false });
      } catch (error) {
        if (!SessionManager.isStoreFailure(error)) throw error;
        // Reading a segment degrades like a page: the default segment, no cookie.
        session.degrade(error);
      }
    }
    data = session.segment().data;
    if (query.get('defaultSegment') === 'true') {
      const channel = session.record?.namespaces.store?.channel?.value;
      data = defaultSegmentData(options, channel);
    }
  }
  const answer = segmentFromData(withOverrides(data, query));
  if (!session.degraded && !res.headersSent) session.setSegmentCookie(answer.token);
  sendJson(res, 200, answer.data);
}
