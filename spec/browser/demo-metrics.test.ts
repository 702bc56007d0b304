import request from 'supertest';
import { createApp } from '../../demo-store/app';
import { cookieHeader, memoryLogger, SECRET } from '../support/app';

/** A metric's value in Prometheus' text format, 0 when the series is not there yet. */
function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The demo store exports the package's events as Prometheus metrics, fed only by diagnostics_channel. */
describe('the demo store’s /metrics', () => {
  it('should count sessions, first writes, store latency and segment-cache hits', async () => {
    const app = createApp({ secret: SECRET, logger: memoryLogger() });
    const before = (await request(app).get('/metrics').expect(200)).text;

    const first = await request(app).get('/').expect(200);
    const cookie = cookieHeader(first);
    // The first page set cookies and was not cached; the second fills the cache; the third hits it.
    await request(app).get('/').set('Cookie', cookie).expect(200);
    await request(app).get('/').set('Cookie', cookie).expect(200);
    await request(app).patch('/api/sessions').set('Cookie', cookie).send({ public: { country: { value: 'BRA' } } }).expect(200);
    await request(app).get('/api/sessions').expect(400);

    const res = await request(app).get('/metrics').expect(200);
    const delta = (series: string) => valueOf(res.text, series) - valueOf(before, series);

    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(delta('vtex_session_sessions_created_total{stored="false"}')).toBe(1);
    expect(delta('vtex_session_sessions_first_stored_total')).toBe(1);
    expect(delta('vtex_session_store_duration_seconds_count{operation="set"}')).toBe(1);
    expect(delta('vtex_session_requests_refused_total{code="MISSING_ITEMS"}')).toBe(1);
    expect(delta('demo_store_page_cache_requests_total{result="hit"}')).toBe(1);
    expect(delta('demo_store_page_cache_requests_total{result="miss"}')).toBe(2);
    expect(res.text).toContain('# TYPE vtex_session_requests_degraded_total counter');
  });
});
