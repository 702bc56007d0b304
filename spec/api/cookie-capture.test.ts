import request from 'supertest';
import { makeApp } from '../support/app';
import { publicItems } from '../support/api';

const AUTH = 'VtexIdclientAutCookie_store';

/**
 * VTEX records the request's cookies on its API writes: a login through the shop's auth cookie is
 * seen by the page script's next call, not only after the next page view.
 */
describe('cookies on the session API', () => {
  const authenticate = (cookies: Record<string, string>) => (cookies[AUTH] === 'valid-ana' ? { storeUserEmail: 'ana@example.com' } : undefined);

  describe('when a write carries the shop’s auth cookie', () => {
    it('should capture it and run the authentication, as a page view does', async () => {
      const app = makeApp({ authenticate });
      const created = await request(app).post('/api/sessions').send(publicItems({ a: 'b' })).expect(201);
      const cookie = `vtex_session=${created.body.sessionToken}; ${AUTH}=valid-ana`;

      const res = await request(app).post('/api/sessions?items=authentication.storeUserEmail').set('Cookie', cookie).send({}).expect(201);

      expect(res.body.namespaces.authentication).toEqual({ storeUserEmail: { value: 'ana@example.com' } });
    });
  });

  describe('when a read carries it', () => {
    it('should capture it too', async () => {
      const app = makeApp({ authenticate });
      const res = await request(app).get('/api/sessions?items=authentication.storeUserEmail').set('Cookie', `${AUTH}=valid-ana`).expect(200);

      expect(res.body.namespaces.authentication).toEqual({ storeUserEmail: { value: 'ana@example.com' } });
    });
  });

  describe('when the token comes in the path', () => {
    it('should not capture the cookies of the request, which belong to whoever sent it', async () => {
      const app = makeApp({ authenticate });
      const created = await request(app).post('/api/sessions').send(publicItems({ a: 'b' })).expect(201);

      const res = await request(app)
        .get(`/api/sessions/${created.body.sessionToken}?items=authentication.storeUserEmail`)
        .set('Cookie', `${AUTH}=valid-ana`)
        .expect(200);

      expect(res.body.namespaces.authentication).toBeUndefined();
    });
  });
});
