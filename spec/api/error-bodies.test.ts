import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BadRequestError, type SessionRecord, type SetOptions } from '../../lib';
import { sendError } from '../../lib/api/respond';
import { ControllableStore, makeApp, memoryLogger } from '../support/app';
import { closed, ERROR_TYPES, expectError, listening, newVisitor, publicItems } from '../support/api';
import { apiClient, type ApiClient } from '../support/openapi';

const PUBLIC = { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR' };

/** A store on which every compare-and-set of an existing session loses, as under endless concurrent writers. */
class AlwaysConflictingStore extends ControllableStore {
  override set(id: string, record: SessionRecord, options: SetOptions) {
    if (options.ifVersion !== undefined && options.ifVersion > 0) return Promise.resolve(false);
    return super.set(id, record, options);
  }
}

describe('error bodies of the API', () => {
  let store: AlwaysConflictingStore;
  let server: Server;
  let api: ApiClient;
  beforeAll(async () => {
    store = new AlwaysConflictingStore();
    const channels = { '1': PUBLIC, '2': { ...PUBLIC, privacy: 'private' as const } };
    server = await listening(makeApp({ store, channels, limits: { bodySize: 64 } }));
    api = apiClient(server);
  });
  afterAll(() => closed(server));

  describe('when a request is refused', () => {
    // [what, the request, status, code]; each answer is checked against the OpenAPI document too.
    const cases: Array<[string, () => Promise<import('supertest').Response>, number, string]> = [
      ['malformed JSON', () => api.post('/api/sessions').set('Content-Type', 'application/json').send('{"public":'), 400, 'MALFORMED_JSON'],
      ['a private channel asked for anonymously', () => api.post('/api/sessions').send(publicItems({ sc: '2' })), 401, 'UNAUTHORIZED'],
      ['a cross-site write', () => api.post('/api/sessions').set('Sec-Fetch-Site', 'cross-site').send({}), 403, 'CROSS_SITE_WRITE'],
      ['a method the API does not answer', () => api.delete('/api/sessions'), 405, 'METHOD_NOT_ALLOWED'],
      ['a body over the limit', () => api.post('/api/sessions').send(publicItems({ a: 'x'.repeat(100) })), 413, 'BODY_TOO_LARGE'],
      ['a form body', () => api.post('/api/sessions').type('form').send('a=1'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ];

    it.each(cases)('should answer %s with type and message at the top level, as VTEX’s session-client reads them', async (_, send, status, code) => {
      const res = await send();
      expectError(res, status, code);
    });

    it('should answer a write that keeps losing to concurrent writers with 409 Conflict', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      const res = await api.patch('/api/sessions').set('Cookie', visitor.cookie).send(publicItems({ country: 'ARG' }));
      expectError(res, 409, 'WRITE_CONFLICT');
    });

    it('should answer a store that is down with 503 ServiceUnavailable', async () => {
      const visitor = await newVisitor(api, { country: 'BRA' });
      store.mode = 'fail';
      try {
        const res = await api.get('/api/sessions?items=*').set('Cookie', visitor.cookie);
        expectError(res, 503, 'STORE_UNAVAILABLE');
        expect(res.body).toEqual({
          type: 'ServiceUnavailable',
          message: 'session store get failed',
          error: { code: 'STORE_UNAVAILABLE', message: 'session store get failed' },
        });
      } finally {
        store.mode = 'ok';
      }
    });
  });

  describe('when the API fails unexpectedly', () => {
    it('should answer 500 InternalServerError without echoing the failure', async () => {
      const logger = memoryLogger();
      const failing = http.createServer((_req, res) => sendError(res, new Error('secret internals'), logger));
      await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = failing.address() as AddressInfo;
        const res = await fetch(`http://127.0.0.1:${port}/api/sessions`);
        expect(res.status).toBe(500);
        expect(res.headers.get('cache-control')).toBe('private, no-store');
        expect(await res.json()).toEqual({
          type: 'InternalServerError',
          message: 'the session API failed unexpectedly',
          error: { code: 'INTERNAL', message: 'the session API failed unexpectedly' },
        });
      } finally {
        await new Promise((resolve) => failing.close(resolve));
      }
    });
  });

  describe('when a typed error has a status without a type of its own', () => {
    it.each([
      [400, 'BadRequest'],
      [404, 'NotFound'],
      [422, 'BadRequest'],
      [429, 'BadRequest'],
      [502, 'InternalServerError'],
    ])('should derive the type of status %i as %s', (status, type) => {
      expect(new BadRequestError('X', 'y', status).type).toBe(type);
    });

    it('should give every documented status its VTEX type', () => {
      for (const [status, type] of Object.entries(ERROR_TYPES)) expect(new BadRequestError('X', 'y', Number(status)).type).toBe(type);
    });
  });
});
