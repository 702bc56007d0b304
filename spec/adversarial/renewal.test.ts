import { decodeSessionToken, type Namespaces, type SessionRecord } from '../../lib';
import { RecordingStore, listen, rawClient, sessionClaims, signJwt, storefrontOptions, type RunningServer } from '../support/adversarial';
import { SECRET, makeApp } from '../support/app';

const HOUR = 3600;

/**
 * A session in the last tenth of its life is replaced, on the visitor's next request, by one that
 * carries its keepAlive items. A replacement leaves under the old id only a short-lived pointer to
 * the new one, with no data, so it may only happen where the answer hands the visitor the new
 * token: otherwise the visitor keeps a token that opens nothing once the pointer is gone. Requests
 * that answer without a session cookie leave the session as it is.
 */

/** The old record after a renewal: a pointer to its successor that holds none of the session's data. */
function expectPointer(record: SessionRecord | undefined, successor: string): void {
  expect(record).toMatchObject({ successor });
  expect(record!.namespaces).toEqual({});
  expect((record as SessionRecord & { rotated?: boolean }).rotated).toBeUndefined();
}
describe('renewal at the end of a session', () => {
  const store = new RecordingStore();
  let server: RunningServer;
  let client: ReturnType<typeof rawClient>;
  let visitor: { id: string; endingToken: string };

  beforeAll(async () => {
    server = await listen(makeApp(storefrontOptions(store)));
    client = rawClient(server);
  });

  beforeEach(async () => {
    const res = await client.send({
      method: 'POST',
      path: '/api/sessions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public: { utm_source: { value: 'newsletter' }, country: { value: 'BRA', keepAlive: true } } }),
    });
    const id = decodeSessionToken((res.json as { sessionToken: string }).sessionToken)!.id!;
    // The token of that session as it looks an hour before its end (the default maxAge is 5 days).
    visitor = { id, endingToken: signJwt({ alg: 'HS256', typ: 'JWT' }, sessionClaims(id, Math.floor(Date.now() / 1000) + HOUR), SECRET) };
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  describe('when the segment API reads it', () => {
    it('should leave the session in the store, since the answer carries no session cookie', async () => {
      const before = store.snapshot();
      const res = await client.send({ path: '/api/segments', headers: { cookie: `vtex_session=${visitor.endingToken}` } });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ utm_source: 'newsletter' });
      expect(res.cookies.vtex_session).toBeUndefined();
      expect(store.snapshot()).toEqual(before);
    });

    it('should leave it for the next page to renew, with its keepAlive items', async () => {
      await client.send({ path: '/api/segments', headers: { cookie: `vtex_session=${visitor.endingToken}` } });
      const res = await client.send({ path: '/page', headers: { cookie: `vtex_session=${visitor.endingToken}` } });
      const page = res.json as { id: string; namespaces: Namespaces };
      expect(page.id).not.toBe(visitor.id);
      expect(page.namespaces.public).toEqual({ country: { value: 'BRA', keepAlive: true } });
      expect(decodeSessionToken(res.cookies.vtex_session)?.id).toBe(page.id);
      expectPointer(store.read(visitor.id), page.id);
    });
  });

  describe('when a write to it is refused', () => {
    it('should change nothing stored, so the visitor keeps the session the cookie names', async () => {
      const before = store.snapshot();
      const res = await client.send({
        method: 'PATCH',
        path: '/api/sessions',
        headers: { cookie: `vtex_session=${visitor.endingToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ public: { sc: { value: '3' } } }),
      });
      expect(res.status).toBe(401);
      expect(res.cookies.vtex_session).toBeUndefined();
      expect(store.snapshot()).toEqual(before);
    });
  });

  describe('when a write to it is accepted', () => {
    it('should write to the renewed session, which carries the keepAlive items, and hand out its token', async () => {
      const res = await client.send({
        method: 'PATCH',
        path: '/api/sessions',
        headers: { cookie: `vtex_session=${visitor.endingToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ public: { utm_campaign: { value: 'spring' } } }),
      });
      expect(res.status).toBe(200);
      const id = decodeSessionToken((res.json as { sessionToken: string }).sessionToken)!.id!;
      expect(id).not.toBe(visitor.id);
      expect(decodeSessionToken(res.cookies.vtex_session)?.id).toBe(id);
      expect(store.read(id)?.namespaces.public).toEqual({ country: { value: 'BRA', keepAlive: true }, utm_campaign: { value: 'spring' } });
      expectPointer(store.read(visitor.id), id);
    });
  });

  describe('when the API reads it', () => {
    it('should renew it and hand the visitor the new token', async () => {
      const res = await client.send({ path: '/api/sessions?items=public.country', headers: { cookie: `vtex_session=${visitor.endingToken}` } });
      const view = res.json as { id: string; namespaces: Namespaces };
      expect(view.id).not.toBe(visitor.id);
      expect(view.namespaces).toEqual({ public: { country: { value: 'BRA', keepAlive: true } } });
      expect(decodeSessionToken(res.cookies.vtex_session)?.id).toBe(view.id);
      expectPointer(store.read(visitor.id), view.id);
    });
  });
});
