import { decodeSegment, encodeSegment } from '../../lib';
import { makeApp, setCookie } from '../support/app';
import { visit } from '../support/session';

/** A returning visitor's session token and real segment token. */
async function returningVisitor() {
  const app = makeApp();
  const first = await visit(app);
  return { app, session: setCookie(first, 'vtex_session')!.value, segment: first.body.segment.token as string, data: first.body.segment.data };
}

describe('the vtex_segment cookie a client sends', () => {
  describe('when it differs from the segment derived from the session (forged)', () => {
    it('should give the page the real segment and reset the cookie to it', async () => {
      const { app, session, segment, data } = await returningVisitor();
      const forged = encodeSegment({ ...data, priceTables: 'vip' });

      const res = await visit(app, `vtex_session=${session}; vtex_segment=${forged}`);

      expect(res.body.segment.token).toBe(segment);
      expect(res.body.segment.data.priceTables).toBeNull();
      expect(setCookie(res, 'vtex_segment')!.value).toBe(segment);
    });
  });

  describe('when it is not a segment at all', () => {
    it.each([
      ['garbage', 'not-base64!'],
      ['a JSON array', Buffer.from('[1,2]').toString('base64')],
      ['larger than 4 KiB', 'e'.repeat(5000)],
    ])('should ignore %s and reset the cookie', async (_, value) => {
      const { app, session, segment } = await returningVisitor();

      const res = await visit(app, `vtex_session=${session}; vtex_segment=${value}`);

      expect(res.status).toBe(200);
      expect(res.body.segment.token).toBe(segment);
      expect(setCookie(res, 'vtex_segment')!.value).toBe(segment);
    });
  });

  describe('when it is missing', () => {
    it('should set it', async () => {
      const { app, session, segment } = await returningVisitor();

      const res = await visit(app, `vtex_session=${session}`);

      expect(setCookie(res, 'vtex_segment')!.value).toBe(segment);
      expect(setCookie(res, 'vtex_session')).toBeUndefined();
    });
  });

  describe('when it equals the derived segment', () => {
    it('should leave it alone', async () => {
      const { app, session, segment } = await returningVisitor();

      const res = await visit(app, `vtex_session=${session}; vtex_segment=${segment}`);

      expect(res.headers['set-cookie']).toBeUndefined();
      expect(decodeSegment(res.body.segment.token)).toEqual(res.body.segment.data);
    });
  });
});
