import { parseCookies } from '../../lib/cookies';
import { ControllableStore, makeApp, setCookie } from '../support/app';
import { expectError, newVisitor, publicItems, publicValues, sessionIdOf, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

const tokenOf = (cookie: string) => parseCookies(cookie).vtex_session;

describe('/api/sessions/:token', () => {
  let api: ApiClient;
  let owner: { cookie: string; id: string };
  let other: { cookie: string; id: string };
  beforeEach(async () => {
    api = apiClient(makeApp());
    owner = await newVisitor(api, { country: 'BRA' });
    other = await newVisitor(api, { country: 'ARG' });
  });

  describe('when GET names a valid token in the path', () => {
    it('should answer the session of the path, not the one of the cookie', async () => {
      const res = await api.get(`/api/sessions/${tokenOf(owner.cookie)}?items=public.country`).set('Cookie', other.cookie).expect(200);
      expect(res.body).toMatchObject({ id: owner.id, namespaces: { public: { country: { value: 'BRA' } } } });
    });

    it('should still need items', async () => {
      expectError(await api.get(`/api/sessions/${tokenOf(owner.cookie)}`), 400, 'MISSING_ITEMS');
    });
  });

  describe.each([
    ['POST', 201],
    ['PATCH', 200],
  ] as const)('when %s names a valid token in the path', (method, status) => {
    const write = (url: string) => (method === 'POST' ? api.post(url) : api.patch(url));

    it(`should write to the session of the path and answer ${status}`, async () => {
      const res = await write(`/api/sessions/${tokenOf(owner.cookie)}`).set('Cookie', other.cookie).send(publicItems({ city: 'Recife' })).expect(status);
      expect(sessionIdOf(res)).toBe(owner.id);
      expect(publicValues(await viewOf(api, owner.cookie))).toEqual({ country: 'BRA', city: 'Recife' });
      expect(publicValues(await viewOf(api, other.cookie))).toEqual({ country: 'ARG' });
    });

    it('should answer the filtered view with items=', async () => {
      const res = await write(`/api/sessions/${tokenOf(owner.cookie)}?items=public.city`).send(publicItems({ city: 'Recife' })).expect(status);
      expect(res.body).toMatchObject({ id: owner.id, namespaces: { public: { city: { value: 'Recife' } } } });
    });
  });

  describe.each([
    ['GET', '?items=*'],
    ['POST', ''],
    ['PATCH', ''],
  ] as const)('when %s names an invalid token in the path', (method, query) => {
    const send = (url: string) => (method === 'GET' ? api.get(url) : method === 'POST' ? api.post(url) : api.patch(url));

    it.each([
      ['garbage', () => 'not-a-token'],
      ['a tampered token', () => `${tokenOf(owner.cookie).slice(0, -4)}AAAA`],
    ])('should start a new session for %s, whatever the cookie says, and reset both cookies', async (_, token) => {
      const res = await send(`/api/sessions/${token()}${query}`).set('Cookie', other.cookie);
      expect(res.status).toBeLessThan(300);
      const id = sessionIdOf(res);
      expect([owner.id, other.id]).not.toContain(id);
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
      expect(publicValues(await viewOf(api, owner.cookie))).toEqual({ country: 'BRA' });
      expect(publicValues(await viewOf(api, other.cookie))).toEqual({ country: 'ARG' });
    });
  });

  describe('when the token in the path is not valid percent-encoding', () => {
    it('should answer 400 and store nothing', async () => {
      const store = new ControllableStore();
      const res = await apiClient(makeApp({ store })).post('/api/sessions/%E0%A4%A').send(publicItems({ a: 'b' }));
      expectError(res, 400, 'INVALID_TOKEN');
      expect(store.calls.set).toBe(0);
    });
  });

  describe('when the path has more than one segment after /sessions', () => {
    it('should not be taken for the API', async () => {
      const app = makeApp({}, (a) => a.get('/api/sessions/a/b', (_req, res) => void res.send('the application')));
      const res = await apiClient(app).get('/api/sessions/a/b').expect(200);
      expect(res.text).toBe('the application');
    });
  });
});
