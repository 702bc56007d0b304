import request from 'supertest';
import { makeApp } from '../support/app';
import { visit } from '../support/session';

const ORDER_FORM = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

/** VTEX's checkout cookie carries the visitor's cart into the session: `checkout.vtex.com=__ofid=<id>`. */
describe('the checkout cookie', () => {
  describe('when a page view carries it', () => {
    it('should fill checkout.orderFormId and checkout.cartId', async () => {
      const res = await visit(makeApp(), `checkout.vtex.com=__ofid=${ORDER_FORM}`).expect(200);

      expect(res.body.namespaces.checkout).toMatchObject({ orderFormId: { value: ORDER_FORM }, cartId: { value: ORDER_FORM } });
    });

    it('should read it percent-encoded too, as some proxies rewrite it', async () => {
      const res = await visit(makeApp(), `checkout.vtex.com=__ofid%3D${ORDER_FORM}`).expect(200);

      expect(res.body.namespaces.checkout.orderFormId).toEqual({ value: ORDER_FORM });
    });
  });

  describe('when the API is called with it', () => {
    it('should answer the cart in the session view', async () => {
      const app = makeApp();
      const res = await request(app).post('/api/sessions?items=checkout.orderFormId').set('Cookie', `checkout.vtex.com=__ofid=${ORDER_FORM}`).send({}).expect(201);

      expect(res.body.namespaces.checkout).toEqual({ orderFormId: { value: ORDER_FORM } });
    });
  });

  describe('when the cookie names no order form', () => {
    it.each(['__ofid=', 'garbage', `__ofid=${'a'.repeat(65)}`, '__ofid=<script>'])('should leave checkout without a cart for %p', async (value) => {
      const res = await visit(makeApp(), `checkout.vtex.com=${value}`).expect(200);

      expect(res.body.namespaces.checkout?.orderFormId).toBeUndefined();
      expect(res.body.namespaces.checkout?.cartId).toBeUndefined();
    });
  });

  describe('when the cookie goes away', () => {
    it('should clear both items', async () => {
      const app = makeApp();
      const first = await visit(app, `checkout.vtex.com=__ofid=${ORDER_FORM}`).expect(200);
      const token = first.headers['set-cookie'][0].split(';')[0];

      const after = await visit(app, token).expect(200);

      expect(after.body.namespaces.checkout?.orderFormId).toBeUndefined();
      expect(after.body.namespaces.checkout?.cartId).toBeUndefined();
    });
  });
});
