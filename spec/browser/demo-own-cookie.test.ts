import request from 'supertest';
import { createApp } from '../../demo-store/app';
import { cookieHeader, memoryLogger, SECRET, setCookie } from '../support/app';

/** The demo store reads its own cookie through cookie-parser, beside the session's two. */
describe('the demo store’s own cookie', () => {
  it('should remember the last login on this browser, signed, and show it on the login page', async () => {
    const app = createApp({ secret: SECRET, logger: memoryLogger() });
    const first = await request(app).get('/login').expect(200);
    expect(first.text).not.toContain('id="last-login"');

    const login = await request(app).post('/login').set('Cookie', cookieHeader(first)).type('form').send({ email: 'ana@example.com' });
    expect(login.status).toBe(303);
    expect(setCookie(login, 'demo_last_login')!.value).toMatch(/^s%3Aana%40example\.com\./);
    expect(setCookie(login, 'vtex_session')).toBeDefined();

    const again = await request(app).get('/login').set('Cookie', cookieHeader(login, cookieHeader(first))).expect(200);
    expect(again.text).toContain('Last login on this browser: <code>ana@example.com</code>');
  });

  it('should ignore a forged one', async () => {
    const app = createApp({ secret: SECRET, logger: memoryLogger() });
    const res = await request(app).get('/login').set('Cookie', 'demo_last_login=s%3Aeve%40example.com.forged').expect(200);

    expect(res.text).not.toContain('id="last-login"');
  });
});
