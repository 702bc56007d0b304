import supertest, { type Response as TestResponse } from 'supertest';
import { ControllableStore, makeApp } from '../support/app';
import { newVisitor } from '../support/api';
import { apiClient } from '../support/openapi';

const NO_STORE = 'private, no-store';

describe('Cache-Control on API answers', () => {
  const store = new ControllableStore();
  const app = makeApp({ store, limits: { bodySize: 64 } });
  const api = apiClient(app);

  // [what, the request]: every kind of answer the API gives, successes and refusals.
  const answers: Array<[string, () => Promise<TestResponse>]> = [
    ['the OpenAPI document', () => supertest(app).get('/api/sessions/openapi.json')],
    ['a HEAD of the OpenAPI document', () => supertest(app).head('/api/sessions/openapi.json')],
    ['a 405 for DELETE on sessions', () => api.delete('/api/sessions')],
    ['a 405 for PUT on a session token', () => api.put('/api/sessions/abc')],
    ['a 405 for POST on segments', () => api.post('/api/segments')],
    ['a 405 for PATCH on the OpenAPI document', () => supertest(app).patch('/api/sessions/openapi.json')],
    ['a 400 for a token in the path that is not percent-encoding', () => api.get('/api/sessions/%E0%A4%A?items=*')],
    ['a 400 for a segment token in the path that is not percent-encoding', () => api.get('/api/segments/%E0%A4%A')],
    ['a 400 for a segment token that does not decode', () => api.get('/api/segments/not-a-segment')],
    ['a 400 for a read without items', () => api.get('/api/sessions')],
    ['a 400 for malformed JSON', () => api.post('/api/sessions').set('Content-Type', 'application/json').send('{')],
    ['a 413 for a body over the limit', () => api.post('/api/sessions').send({ public: { a: { value: 'x'.repeat(100) } } })],
    ['a 415 for a form body', () => api.post('/api/sessions').type('form').send('a=1')],
    ['a 403 for a cross-site write', () => api.post('/api/sessions').set('Origin', 'https://evil.example').send({})],
    ['a 200 segment', () => api.get('/api/segments')],
    ['a 201 write', () => api.post('/api/sessions').send({})],
  ];

  it.each(answers)('should be private, no-store on %s', async (_, send) => {
    const res = await send();
    expect(res.headers['cache-control']).toBe(NO_STORE);
  });

  describe('when the store is down', () => {
    it('should be private, no-store on the 503', async () => {
      // A visitor whose session was written: a never-written one would make no store call at all.
      const visitor = await newVisitor(api, { country: 'BRA' });
      store.mode = 'fail';
      try {
        const res = await api.patch('/api/sessions').set('Cookie', visitor.cookie).send({});
        expect(res.status).toBe(503);
        expect(res.headers['cache-control']).toBe(NO_STORE);
      } finally {
        store.mode = 'ok';
      }
    });
  });
});
