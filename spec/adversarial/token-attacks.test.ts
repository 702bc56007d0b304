import { decodeSessionToken, encodeSegment, type Namespaces } from '../../lib';
import {
  RecordingStore,
  listen,
  rawClient,
  sessionClaims,
  signJwt,
  storefrontOptions,
  watchProcess,
  type RawResponse,
  type RunningServer,
} from '../support/adversarial';
import { OTHER_SECRET, SECRET, makeApp } from '../support/app';

interface Page {
  id: string;
  namespaces: Namespaces;
  segment: { token: string; data: Record<string, string | null> };
}

const HS256 = { alg: 'HS256', typ: 'JWT' };
const inFourDays = () => Math.floor(Date.now() / 1000) + 3600 * 24 * 4;

/**
 * What an attacker can do with the cookies: forge a token (no algorithm, another key, an edited
 * payload), replay a dead one (expired, deleted session), claim a segment, inject characters into
 * the API's path token. Each is refused the same way: the claimed session is never reached (a
 * forged token is not even looked up), the visitor gets a new session, and the cookies are reset.
 */
describe('forged and stale tokens', () => {
  const store = new RecordingStore();
  const watcher = watchProcess();
  let server: RunningServer;
  let client: ReturnType<typeof rawClient>;
  /** A visitor with a segment of their own (sales channel 2, a region, a campaign). */
  let victim: { id: string; token: string; segment: string };

  beforeAll(async () => {
    server = await listen(makeApp(storefrontOptions(store)));
    client = rawClient(server);
  });

  beforeEach(async () => {
    const res = await client.send({
      method: 'POST',
      path: '/api/sessions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public: { sc: { value: '2' }, country: { value: 'BRA' }, postalCode: { value: '01310-100' }, utm_source: { value: 'newsletter' } } }),
    });
    const { sessionToken, segmentToken } = res.json as { sessionToken: string; segmentToken: string };
    victim = { id: decodeSessionToken(sessionToken)!.id!, token: sessionToken, segment: segmentToken };
  });

  afterAll(async () => {
    client.close();
    await server.close();
    expect(watcher.stop()).toEqual([]);
  });

  const page = (cookie: string) => client.send({ path: '/page', headers: { cookie } });

  /** The answer to a refused token: a new session, both cookies reset, the claimed one untouched and never read. */
  async function expectRefused(token: string): Promise<void> {
    const before = store.read(victim.id);
    const mark = store.log.length;
    const res = await page(`vtex_session=${token}`);
    const seen = res.json as Page;
    expect(res.status).toBe(200);
    expect(seen.id).not.toBe(victim.id);
    expect(seen.namespaces.public).toBeUndefined();
    expect(decodeSessionToken(res.cookies.vtex_session)?.id).toBe(seen.id);
    expect(res.cookies.vtex_segment).toBe(seen.segment.token);
    expect(store.since(mark, 'get').map((entry) => entry.id)).not.toContain(victim.id);
    expect(store.read(victim.id)).toEqual(before);
  }

  describe('when the token says alg: none', () => {
    it('should give the visitor a new session without looking the claimed one up', async () => {
      await expectRefused(signJwt({ alg: 'none', typ: 'JWT' }, sessionClaims(victim.id, inFourDays()), undefined));
    });

    it('should refuse it with any spelling of none and with the genuine signature kept', async () => {
      const signature = victim.token.split('.')[2];
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        const unsigned = signJwt({ alg, typ: 'JWT' }, sessionClaims(victim.id, inFourDays()), undefined);
        await expectRefused(unsigned);
        await expectRefused(`${unsigned}${signature}`);
      }
    });
  });

  describe('when the token is HS256 signed with another key', () => {
    it('should give the visitor a new session without looking the claimed one up', async () => {
      await expectRefused(signJwt(HS256, sessionClaims(victim.id, inFourDays()), OTHER_SECRET));
    });

    it('should refuse another algorithm signed with the right key', async () => {
      await expectRefused(signJwt({ alg: 'HS512', typ: 'JWT' }, sessionClaims(victim.id, inFourDays()), SECRET));
      await expectRefused(signJwt({ alg: 'HS256', typ: 'JWT', kid: '../../dev/null' }, sessionClaims(victim.id, inFourDays()), SECRET));
    });
  });

  describe('when the payload is changed and the old signature kept', () => {
    it('should give the visitor a new session without looking either session up', async () => {
      const [header, , signature] = (await page('')).cookies.vtex_session.split('.');
      const edited = Buffer.from(JSON.stringify(sessionClaims(victim.id, inFourDays()))).toString('base64url');
      await expectRefused(`${header}.${edited}.${signature}`);
    });

    it('should refuse the genuine payload with a longer life and the old signature', async () => {
      const [header, payload, signature] = victim.token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const extended = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 365 * 24 * 3600 })).toString('base64url');
      await expectRefused(`${header}.${extended}.${signature}`);
    });
  });

  describe('when the genuine token is respelled', () => {
    // Base64 decoders skip characters outside the alphabet and ignore the last character's low
    // bits, so one signature has many spellings; only the one the package issued is accepted.
    it('should refuse the signature with characters a lenient decoder would skip', async () => {
      await expectRefused(`${victim.token}%00`);
      await expectRefused(`${victim.token}%0A`);
      await expectRefused(`${victim.token}%20`);
      await expectRefused(`${victim.token}=`);
    });

    it("should refuse the signature with the last character's unused bits set", async () => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(victim.token.slice(-1));
      await expectRefused(victim.token.slice(0, -1) + alphabet[last + 1]);
    });

    it('should answer an API write that sends it with a new session, never a 5xx', async () => {
      const res = await client.send({ method: 'PATCH', path: '/api/sessions', headers: { cookie: `vtex_session=${victim.token}%00` } });
      expect(res.status).toBe(200);
      expect(decodeSessionToken(res.cookies.vtex_session)?.id).not.toBe(victim.id);
    });
  });

  describe('when the token has expired', () => {
    it('should give the visitor a new session without looking the expired one up', async () => {
      await expectRefused(signJwt(HS256, sessionClaims(victim.id, Math.floor(Date.now() / 1000) - 1), SECRET));
    });
  });

  describe('when the token names a session that was deleted', () => {
    it('should give the visitor a new session and never bring the deleted one back', async () => {
      await store.delete(victim.id);
      const res = await page(`vtex_session=${victim.token}`);
      const seen = res.json as Page;
      expect(seen.id).not.toBe(victim.id);
      expect(seen.namespaces.public).toBeUndefined();
      expect(decodeSessionToken(res.cookies.vtex_session)?.id).toBe(seen.id);
      expect(res.cookies.vtex_segment).toBe(seen.segment.token);
      expect(store.read(victim.id)).toBeUndefined();
    });
  });

  describe('when the segment cookie is forged to claim a price table and a campaign', () => {
    const forged = encodeSegment({
      campaigns: 'black-friday',
      channel: '3',
      priceTables: 'vip',
      currencyCode: 'BRL',
      currencySymbol: 'R$',
      countryCode: 'BRA',
      cultureInfo: 'pt-BR',
      channelPrivacy: 'private',
    });

    it("should give the page the session's own segment and reset the cookie to it", async () => {
      const res = await page(`vtex_session=${victim.token}; vtex_segment=${forged}`);
      const seen = res.json as Page;
      expect(seen.id).toBe(victim.id);
      expect(seen.segment.token).toBe(victim.segment);
      expect(seen.segment.data).toMatchObject({ channel: '2', priceTables: null, campaigns: 'newsletter,sao-paulo' });
      expect(res.cookies.vtex_segment).toBe(victim.segment);
    });

    it("should answer the session's own segment on the segment API and reset the cookie to it", async () => {
      const res = await client.send({ path: '/api/segments', headers: { cookie: `vtex_session=${victim.token}; vtex_segment=${forged}` } });
      expect(res.json).toMatchObject({ channel: '2', priceTables: null, campaigns: 'newsletter,sao-paulo' });
      expect(res.cookies.vtex_segment).toBe(victim.segment);
    });

    it('should give a visitor without a session the default segment, not the claimed one', async () => {
      const res = await page(`vtex_segment=${forged}`);
      const seen = res.json as Page;
      expect(seen.segment.data).toMatchObject({ channel: '1', priceTables: null, campaigns: null, channelPrivacy: 'public' });
      expect(res.cookies.vtex_segment).toBe(seen.segment.token);
    });
  });

  describe('when the path token carries injected characters', () => {
    const injected: Array<[string, string]> = [
      ['a parent directory', '..%2F..'],
      ['a parent directory encoded twice', '%252e%252e%252f'],
      ['a NUL', '%00'],
      ['the genuine token and a NUL', 'GENUINE%00'],
      ['the genuine token and a header', 'GENUINE%0D%0ASet-Cookie:%20vtex_session=planted'],
      ['a unicode snowman', '%E2%98%83'],
      ['a very long token', 'x'.repeat(10_000)],
      ['a token of dots', '...'],
    ];

    const expectNewSession = (res: RawResponse) => {
      expect(res.status).toBeLessThan(300);
      const id = decodeSessionToken(res.cookies.vtex_session)?.id;
      expect(id).toBeDefined();
      expect(id).not.toBe(victim.id);
      expect(res.cookies.vtex_segment).toBeDefined();
      for (const line of res.headers['set-cookie'] ?? []) expect(line).not.toMatch(/planted|[\r\n]/);
    };

    it.each(injected)('should answer %s with a new session and reset both cookies', async (_, raw) => {
      const token = raw.replace('GENUINE', victim.token);
      const before = store.read(victim.id);
      const cookie = { cookie: `vtex_session=${victim.token}` };
      expectNewSession(await client.send({ path: `/api/sessions/${token}?items=*`, headers: cookie }));
      expectNewSession(await client.send({ method: 'PATCH', path: `/api/sessions/${token}`, headers: cookie }));
      expect(store.read(victim.id)).toEqual(before);
    });

    it('should answer malformed percent-encoding with a 400 that stores nothing', async () => {
      const before = store.snapshot();
      for (const token of ['%', '%E0%A4%A', '%zz', '%C0%AF']) {
        const res = await client.send({ method: 'POST', path: `/api/sessions/${token}` });
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ type: 'BadRequest', message: expect.any(String), error: { code: 'INVALID_TOKEN', message: expect.any(String) } });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect(store.snapshot()).toEqual(before);
    });
  });
});
