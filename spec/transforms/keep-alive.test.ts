import request from 'supertest';
import { decodeSessionToken, type Transform } from '../../lib';
import { sessionClaims, signJwt } from '../support/adversarial';
import { SECRET, cookieHeader, makeApp } from '../support/app';
import { publicItems } from '../support/api';

/** A transform whose output is marked keepAlive the first time only, as a resolver might do. */
const tier: Transform = {
  name: 'loyalty-tier',
  input: { public: ['points'] },
  output: { loyalty: ['tier'] },
  run(input) {
    const points = Number(input.public?.points?.value ?? 0);
    const value = points >= 100 ? 'gold' : 'silver';
    return { loyalty: { tier: points === 1 ? { value, keepAlive: true } : { value } } };
  },
};

/** keepAlive items are carried through the transforms that rewrite them, and into a renewal. */
describe('keepAlive items computed by transforms', () => {
  it('should keep the mark when the transform rewrites the item without one', async () => {
    const app = makeApp({ transforms: [tier] });
    const first = await request(app).post('/api/sessions?items=loyalty.tier').send(publicItems({ points: '1' })).expect(201);
    expect(first.body.namespaces.loyalty.tier).toEqual({ value: 'silver', keepAlive: true });
    const cookie = cookieHeader(first);

    const second = await request(app).patch('/api/sessions?items=loyalty.tier').set('Cookie', cookie).send(publicItems({ points: '150' })).expect(200);

    expect(second.body.namespaces.loyalty.tier).toEqual({ value: 'gold', keepAlive: true });
  });

  it('should carry it into the session that renews this one', async () => {
    const app = makeApp({ transforms: [tier] });
    const first = await request(app).post('/api/sessions').send(publicItems({ points: '1' })).expect(201);
    const id = decodeSessionToken(first.body.sessionToken)!.id!;
    const ending = signJwt({ alg: 'HS256', typ: 'JWT' }, sessionClaims(id, Math.floor(Date.now() / 1000) + 3600), SECRET);

    const renewed = await request(app).get('/page').set('Cookie', `vtex_session=${ending}`).expect(200);

    expect(renewed.body.id).not.toBe(id);
    expect(renewed.body.namespaces.loyalty).toEqual({ tier: { value: 'silver', keepAlive: true } });
    expect(renewed.body.namespaces.public).toBeUndefined();
  });
});
