import supertest from 'supertest';
import { openApiDocument } from '../../lib/api/openapi';
import { makeApp } from '../support/app';
import { OpenApiValidator, apiClient, conformsToOpenApi } from '../support/openapi';

const TOKENS = { sessionToken: 'a.b.c', segmentToken: 'eyJ9' };
const VIEW = { id: '0b6c5e1e-6a43-4d39-9b7c-2f1f4a0a9e10', namespaces: { public: { a: { value: 'x' } } }, version: 1, active: true, debug: false };

describe('the OpenAPI document', () => {
  describe('when it is requested', () => {
    it('should be served as OpenAPI 3.1 at <apiPrefix>/sessions/openapi.json', async () => {
      const res = await supertest(makeApp()).get('/api/sessions/openapi.json').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.openapi).toBe('3.1.0');
      expect(res.body).toEqual(openApiDocument('/api'));
      expect(Object.keys(res.body.paths)).toEqual(['/sessions', '/sessions/{token}', '/segments', '/segments/{token}']);
    });

    it('should name the first prefix as its server when the API is mounted under several', async () => {
      const res = await supertest(makeApp({ apiPrefix: ['/en/api', '/api'] })).get('/api/sessions/openapi.json').expect(200);
      expect(res.body.servers).toEqual([{ url: '/en/api' }]);
    });
  });

  describe('when its response schemas are compiled', () => {
    const validator = new OpenApiValidator();

    it('should compile every response schema of every operation', () => {
      for (const [template, operations] of Object.entries(validator.document.paths)) {
        for (const [method, operation] of Object.entries(operations as Record<string, { responses: Record<string, unknown> }>)) {
          for (const status of Object.keys(operation.responses)) {
            // The body does not matter here: compiling is what would throw.
            expect(() => validator.problems(method, template.replace('{token}', 't'), Number(status), {})).not.toThrow();
          }
        }
      }
    });

    it('should accept the answers the API is documented to give', () => {
      expect(validator.problems('POST', '/sessions', 201, TOKENS)).toBeUndefined();
      expect(validator.problems('POST', '/sessions', 201, VIEW)).toBeUndefined();
      expect(validator.problems('GET', '/sessions/some-token', 200, VIEW)).toBeUndefined();
      expect(validator.problems('GET', '/segments', 400, { type: 'BadRequest', message: 'y', error: { code: 'X', message: 'y' } })).toBeUndefined();
      expect(validator.problems('DELETE', '/sessions', 405, { type: 'MethodNotAllowed', message: 'no', error: { code: 'METHOD_NOT_ALLOWED', message: 'no' } })).toBeUndefined();
      expect(validator.problems('POST', '/sessions', 403, { type: 'Forbidden', message: 'no', error: { code: 'CROSS_SITE_WRITE', message: 'no' } })).toBeUndefined();
      expect(validator.problems('PATCH', '/sessions', 500, { type: 'InternalServerError', message: 'no', error: { code: 'INTERNAL', message: 'no' } })).toBeUndefined();
    });

    it.each([
      ['tokens that are not strings', 'POST', '/sessions', 201, { sessionToken: 1, segmentToken: 'x' }],
      ['a view with an extra field', 'GET', '/sessions', 200, { ...VIEW, extra: true }],
      ['a view whose id is not a UUID', 'GET', '/sessions', 200, { ...VIEW, id: 'not-a-uuid' }],
      ['a view with an item without value', 'GET', '/sessions', 200, { ...VIEW, namespaces: { public: { a: {} } } }],
      ['a segment with a number field', 'GET', '/segments', 200, { channel: 1 }],
      ['an error without a code', 'PATCH', '/sessions', 400, { type: 'BadRequest', message: 'y', error: { message: 'y' } }],
      ['an error without its top-level type and message (the old shape)', 'PATCH', '/sessions', 400, { error: { code: 'X', message: 'y' } }],
      ['an error whose type is not one VTEX’s clients know', 'PATCH', '/sessions', 400, { type: 'Oops', message: 'y', error: { code: 'X', message: 'y' } }],
      ['a status the operation does not declare', 'GET', '/segments', 418, { type: 'BadRequest', message: 'y', error: { code: 'X', message: 'y' } }],
      ['a method the document does not name, answered 200', 'DELETE', '/sessions', 200, {}],
      ['a path the document does not name', 'GET', '/carts', 200, {}],
    ])('should refuse %s', (_, method, path, status, body) => {
      expect(validator.problems(method, path, status, body)).toEqual(expect.any(String));
    });

    it('should fail a supertest request whose answer breaks the document', async () => {
      const app = makeApp({}, (a) => a.get('/fake/segments', (_req, res) => void res.json({ channel: 1 })));
      await expect(supertest(app).get('/fake/segments').expect(conformsToOpenApi(['/fake']))).rejects.toThrow(/does not match the OpenAPI document/);
    });

    it('should fail a supertest request whose answer is not JSON', async () => {
      const app = makeApp({}, (a) => a.get('/fake/segments', (_req, res) => void res.send('<html>')));
      await expect(supertest(app).get('/fake/segments').expect(conformsToOpenApi(['/fake']))).rejects.toThrow(/not JSON/);
    });
  });

  describe('when it describes an error', () => {
    it('should require type and message at the top level, as VTEX’s session-client reads them, besides error.code', () => {
      const schema = openApiDocument('/api').components.schemas.Error;
      expect(schema.required).toEqual(['type', 'message', 'error']);
      expect(schema.properties.type.enum).toEqual(
        expect.arrayContaining(['BadRequest', 'Unauthorized', 'Forbidden', 'MethodNotAllowed', 'Conflict', 'PayloadTooLarge', 'UnsupportedMediaType', 'ServiceUnavailable', 'InternalServerError']),
      );
      const responses = openApiDocument('/api').paths['/sessions'].post.responses as Record<string, { description: string }>;
      expect(responses['403'].description).toMatch(/cross-site/);
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['400', '401', '403', '405', '409', '413', '415', '500', '503']));
    });
  });

  describe('when the API answers', () => {
    it('should match the document for a new session, a read, a segment and an error', async () => {
      const api = apiClient(makeApp());
      const created = await api.post('/api/sessions').send({ public: { country: { value: 'BRA' } } }).expect(201);
      const cookie = created.headers['set-cookie'] as unknown as string[];
      await api.get('/api/sessions?items=*').set('Cookie', cookie.map((c) => c.split(';')[0]).join('; ')).expect(200);
      await api.get('/api/segments').expect(200);
      await api.post('/api/sessions').send('[').set('Content-Type', 'application/json').expect(400);
    });
  });
});
