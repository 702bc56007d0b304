import { decodeSegment, LruSessionStore, type SessionRecord, type SetOptions } from '../../lib';
import { ControllableStore, OTHER_SECRET, cookieHeader, makeApp, setCookie } from '../support/app';
import { newVisitor, publicItems, publicValues, sessionIdOf, viewOf } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';
import { signJwt } from '../support/session';

const WRITES = [
  ['POST', 201],
  ['PATCH', 200],
] as const;

function write(api: ApiClient, method: 'POST' | 'PATCH', url = '/api/sessions') {
  return method === 'POST' ? api.post(url) : api.patch(url);
}

describe('POST and PATCH /api/sessions', () => {
  let api: ApiClient;
  beforeEach(() => {
    api = apiClient(makeApp());
  });

  describe.each(WRITES)('when %s carries public items', (method, status) => {
    it(`should answer ${status} with the session and segment tokens, and set both cookies to them`, async () => {
      const res = await write(api, method).send(publicItems({ country: 'BRA' })).expect(status);
      expect(Object.keys(res.body)).toEqual(['sessionToken', 'segmentToken']);
      expect(setCookie(res, 'vtex_session')?.value).toBe(res.body.sessionToken);
      expect(setCookie(res, 'vtex_segment')?.value).toBe(res.body.segmentToken);
      expect(res.headers['cache-control']).toBe('private, no-store');
    });

    it('should store the items in public', async () => {
      const res = await write(api, method).send(publicItems({ country: 'BRA', postalCode: '01310-100' })).expect(status);
      expect(publicValues(await viewOf(api, cookieHeader(res)))).toEqual({ country: 'BRA', postalCode: '01310-100' });
    });

    it('should store any JSON value and keepAlive as sent', async () => {
      const body = { public: { geo: { value: [-23.5, -46.6] }, prefs: { value: { dark: true } }, vip: { value: 'yes', keepAlive: true } } };
      const res = await write(api, method).send(body).expect(status);
      expect((await viewOf(api, cookieHeader(res))).namespaces.public).toEqual(body.public);
    });
  });

  describe.each(WRITES)('when %s carries {} or no body at all', (method, status) => {
    it.each([
      ['{}', (t: ReturnType<typeof write>) => t.send({})],
      ['an empty body', (t: ReturnType<typeof write>) => t],
      ['an empty JSON body', (t: ReturnType<typeof write>) => t.set('Content-Type', 'application/json').send('')],
      ['a blank body', (t: ReturnType<typeof write>) => t.set('Content-Type', 'application/json').send('  \n')],
    ])(`should accept %s and answer ${status} with a session that has no public items`, async (_, send) => {
      const res = await send(write(api, method)).expect(status);
      const view = await viewOf(api, cookieHeader(res));
      expect(view.namespaces.public).toBeUndefined();
      expect(view.namespaces.store.channel.value).toBe('1');
    });

    it(`should answer ${status} with both tokens for {} and store nothing, until a write with items stores version 1 under the same id`, async () => {
      const store = new ControllableStore();
      const own = apiClient(makeApp({ store }));
      const empty = await write(own, method).send({}).expect(status);
      expect(Object.keys(empty.body)).toEqual(['sessionToken', 'segmentToken']);
      expect(setCookie(empty, 'vtex_session')?.value).toBe(empty.body.sessionToken);
      expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, touch: 0 });

      const written = await write(own, method).set('Cookie', cookieHeader(empty)).send(publicItems({ country: 'BRA' })).expect(status);
      expect(sessionIdOf(written)).toBe(sessionIdOf(empty));
      expect(await store.inner.get(sessionIdOf(empty))).toMatchObject({ version: 1, namespaces: { public: { country: { value: 'BRA' } } } });
    });
  });

  describe('when the body names namespaces other than public', () => {
    it('should ignore them silently and store nothing in them', async () => {
      const res = await api
        .post('/api/sessions')
        .send({
          public: { country: { value: 'BRA' } },
          profile: { email: { value: 'attacker@example.com' }, isAuthenticated: { value: 'true' } },
          store: { channel: { value: '2' } },
          authentication: { storeUserEmail: { value: 'attacker@example.com' } },
          checkout: 'not even an object',
        })
        .expect(201);
      const view = await viewOf(api, cookieHeader(res));
      expect(publicValues(view)).toEqual({ country: 'BRA' });
      expect(view.namespaces.profile).toEqual({ isAuthenticated: { value: 'false' } });
      expect(view.namespaces.store.channel).toEqual({ value: '1' });
      expect(view.namespaces.authentication).toBeUndefined();
      expect(view.namespaces.checkout).toBeUndefined();
    });
  });

  describe.each(WRITES)('when %s has a query string', (method, status) => {
    it('should write every query parameter into public except items and an', async () => {
      const res = await write(api, method, '/api/sessions?utm_source=x&__bindingId=y&an=store&sc=1&supportedLocales=pt-BR').expect(status);
      const view = await viewOf(api, cookieHeader(res));
      expect(publicValues(view)).toEqual({ utm_source: 'x', __bindingId: 'y', sc: '1', supportedLocales: 'pt-BR' });
    });

    it('should answer the tokens of the session as written', async () => {
      const res = await write(api, method, '/api/sessions?utm_source=x&an=store').expect(status);
      expect(decodeSegment(res.body.segmentToken).utm_source).toBe('x');
      expect(setCookie(res, 'vtex_segment')?.value).toBe(res.body.segmentToken);
    });

    it('should let the body win over the query for a key given in both', async () => {
      const res = await write(api, method, '/api/sessions?country=ARG&city=Recife').send(publicItems({ country: 'BRA' })).expect(status);
      expect(publicValues(await viewOf(api, cookieHeader(res)))).toEqual({ country: 'BRA', city: 'Recife' });
    });

    it('should keep the last value of a repeated parameter', async () => {
      const res = await write(api, method, '/api/sessions?utm_source=a&utm_source=b').expect(status);
      expect(publicValues(await viewOf(api, cookieHeader(res)))).toEqual({ utm_source: 'b' });
    });
  });

  describe('when the controlParameters option names other parameters', () => {
    it('should leave those out of public instead of items and an', async () => {
      const custom = apiClient(makeApp({ controlParameters: ['items', 'workspace'] }));
      const res = await custom.post('/api/sessions?workspace=master&an=store&a=1').expect(201);
      expect(publicValues(await viewOf(custom, cookieHeader(res)))).toEqual({ an: 'store', a: '1' });
    });
  });

  describe.each(WRITES)('when %s asks for items', (method, status) => {
    it(`should answer ${status} with the session view filtered by items instead of the tokens`, async () => {
      const res = await write(api, method, '/api/sessions?items=public.country,store.channel,public.absent').send(publicItems({ country: 'BRA', city: 'Recife' })).expect(status);
      expect(res.body).toEqual({
        id: sessionIdOf(res),
        namespaces: { public: { country: { value: 'BRA' } }, store: { channel: { value: '1' } } },
        version: 1,
        active: true,
        debug: false,
      });
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
    });

    it('should not write items into public', async () => {
      const res = await write(api, method, '/api/sessions?items=*&a=1').expect(status);
      expect(publicValues(res.body)).toEqual({ a: '1' });
    });
  });

  describe.each(WRITES)('when %s edits an existing session (merge)', (method, status) => {
    it('should keep the keys not sent and replace or create the keys sent', async () => {
      const visitor = await newVisitor(api, { country: 'BRA', postalCode: '01310-100' });
      await write(api, method).set('Cookie', visitor.cookie).send(publicItems({ postalCode: '20040-002', city: 'Rio' })).expect(status);
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'BRA', postalCode: '20040-002', city: 'Rio' });
    });

    it('should clear an item written as ""', async () => {
      const visitor = await newVisitor(api, { country: 'BRA', postalCode: '01310-100' });
      await write(api, method).set('Cookie', visitor.cookie).send(publicItems({ postalCode: '' })).expect(status);
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'BRA' });
    });

    it('should clear an item given as an empty query parameter', async () => {
      const visitor = await newVisitor(api, { utm_source: 'google' });
      await write(api, method, '/api/sessions?utm_source=').set('Cookie', visitor.cookie).expect(status);
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({});
    });

    it('should store null as a value, since only "" clears (there is no delete)', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      await write(api, method).set('Cookie', visitor.cookie).send(publicItems({ country: null })).expect(status);
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: null });
    });

    it('should bump the version once per write that changes something, and not for one that changes nothing', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      await write(api, method).set('Cookie', visitor.cookie).send(publicItems({ country: 'ARG' })).expect(status);
      expect((await viewOf(api, visitor.cookie)).version).toBe(2);
      await write(api, method).set('Cookie', visitor.cookie).send(publicItems({ country: 'ARG' })).expect(status);
      expect((await viewOf(api, visitor.cookie)).version).toBe(2);
    });
  });

  describe.each(WRITES)('when %s carries a valid vtex_session cookie', (method, status) => {
    it('should edit that session and keep its id', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const res = await write(api, method).set('Cookie', visitor.cookie).send(publicItems({ city: 'Recife' })).expect(status);
      expect(sessionIdOf(res)).toBe(visitor.id);
      expect((await viewOf(api, visitor.cookie)).id).toBe(visitor.id);
    });
  });

  describe.each(WRITES)('when %s carries no usable vtex_session cookie', (method, status) => {
    it.each([
      ['no cookie', () => undefined],
      ['a garbage cookie', () => 'vtex_session=garbage'],
      ['a token signed with another secret', (id: string) => `vtex_session=${signJwt({ id, account: 'store', sub: 'session', iat: 1, exp: 4102444800, jti: 'x' }, OTHER_SECRET)}`],
    ])(`should create a new session (%s) and answer ${status} with both cookies`, async (_, cookieFor) => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const cookie = cookieFor(visitor.id);
      const req = write(api, method).send(publicItems({ city: 'Recife' }));
      const res = await (cookie === undefined ? req : req.set('Cookie', cookie)).expect(status);
      expect(sessionIdOf(res)).not.toBe(visitor.id);
      expect(setCookie(res, 'vtex_segment')).toBeDefined();
      expect(publicValues(await viewOf(api, cookieHeader(res)))).toEqual({ city: 'Recife' });
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'BRA' });
    });
  });
});

/** A store whose writes take a while to land, as a remote store's do. */
class SlowStore extends LruSessionStore {
  override async set(id: string, record: SessionRecord, options: SetOptions): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return super.set(id, record, options);
  }
}

describe('the write path of /api/sessions', () => {
  describe('when the client follows up at once', () => {
    it('should have stored the write before answering', async () => {
      const store = new SlowStore({ max: 100 });
      const api = apiClient(makeApp({ store }));
      const visitor = await newVisitor(api, { country: 'BRA' });
      await api.patch('/api/sessions').set('Cookie', visitor.cookie).send(publicItems({ country: 'ARG' })).expect(200);
      expect((await store.get(visitor.id))?.namespaces.public.country.value).toBe('ARG');
      expect(publicValues(await viewOf(api, visitor.cookie))).toEqual({ country: 'ARG' });
    });
  });

  describe('when a write changes nothing', () => {
    it('should not write to the store', async () => {
      const store = new ControllableStore();
      const api = apiClient(makeApp({ store }));
      const visitor = await newVisitor(api, { country: 'BRA' });
      const sets = store.calls.set;
      await api.patch('/api/sessions').set('Cookie', visitor.cookie).send(publicItems({ country: 'BRA' })).expect(200);
      await api.patch('/api/sessions').set('Cookie', visitor.cookie).send({}).expect(200);
      expect(store.calls.set).toBe(sets);
    });
  });
});
