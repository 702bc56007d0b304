import { encodeSegment } from '../../lib';
import { cookieHeader, makeApp, setCookie } from '../support/app';
import { visit } from '../support/session';

/**
 * A page rendered for the real segment of a visitor who sent another segment cookie must not be
 * stored by a shared cache keyed on the request's cookie: it would serve this page to everyone
 * who sends that other cookie.
 */
describe('Cache-Control when only vtex_segment is reset', () => {
  it('should answer private, no-store', async () => {
    const app = makeApp();
    const first = await visit(app).expect(200);
    const stale = encodeSegment({ ...first.body.segment.data, priceTables: 'gold' });
    const cookie = cookieHeader(first).replace(/vtex_segment=[^;]*/, `vtex_segment=${stale}`);

    const res = await visit(app, cookie).expect(200);

    expect(setCookie(res, 'vtex_session')).toBeUndefined();
    expect(setCookie(res, 'vtex_segment')!.value).toBe(first.body.segment.token);
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('should leave Cache-Control to the application when no cookie is set', async () => {
    const app = makeApp({}, (a) => a.get('/cached', (_req, res) => void res.set('Cache-Control', 'public, max-age=60').send('ok')));
    const first = await visit(app).expect(200);

    const res = await visit(app, cookieHeader(first), '/cached').expect(200);

    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('public, max-age=60');
  });
});
