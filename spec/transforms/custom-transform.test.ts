import express from 'express';
import request from 'supertest';
import { sessionMiddleware, type Transform } from '../../lib';
import { SECRET, memoryLogger } from '../support/app';
import { Visitor } from '../support/transforms';

// The example of the README, as written there.
const shippingZone: Transform = {
  name: 'my-store/shipping-zone',
  input: { public: ['country'] },
  output: { custom: ['shippingZone'] },
  run(input) {
    const country = input.public?.country?.value;
    const zone = country === 'BRA' ? 'domestic' : typeof country === 'string' ? 'international' : '';
    return { custom: { shippingZone: { value: zone } } };
  },
};

function readmeApp() {
  const app = express();
  app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger(), transforms: [shippingZone] }));
  app.get('/cart', (req, res) => {
    res.json({ zone: req.vtexSession.get('custom', 'shippingZone') ?? null });
  });
  return app;
}

describe('a custom transform in options.transforms', () => {
  describe('when its input changes', () => {
    it('should compute its output into the session, already in the answer of the write', async () => {
      const visitor = new Visitor(readmeApp());
      const res = await visitor.patch({ country: 'PRT' }, '?items=custom.shippingZone');
      expect(res.body.namespaces).toEqual({ custom: { shippingZone: { value: 'international' } } });
      const cart = await request(visitor.app).get('/cart').set('Cookie', visitor.cookies);
      expect(cart.body.zone).toBe('international');
    });

    it('should follow the input when it changes again', async () => {
      const visitor = new Visitor(readmeApp());
      await visitor.patch({ country: 'PRT' });
      const res = await visitor.patch({ country: 'BRA' }, '?items=custom.shippingZone');
      expect(res.body.namespaces.custom.shippingZone.value).toBe('domestic');
    });

    it('should clear its output when it answers ""', async () => {
      const visitor = new Visitor(readmeApp());
      await visitor.patch({ country: 'PRT' });
      const res = await visitor.patch({ country: '' }, '?items=custom');
      expect(res.body.namespaces).toEqual({});
    });
  });

  describe('when its input does not change', () => {
    it('should not run', async () => {
      let runs = 0;
      const counted: Transform = { ...shippingZone, run: (input, context) => (runs++, shippingZone.run(input, context)) };
      const app = express();
      app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger(), transforms: [counted] }));
      const visitor = new Visitor(app);
      await visitor.patch({ country: 'PRT' });
      await visitor.patch({ postalCode: '1000-001' });
      expect(runs).toBe(1);
    });
  });
});
