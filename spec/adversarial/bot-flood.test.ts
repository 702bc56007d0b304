import { decodeSessionToken } from '../../lib';
import { RecordingStore, garbageCollector, listen, mb, memoryFigures, rawClient, storefrontOptions, type RawRequest, type RunningServer } from '../support/adversarial';
import { makeApp } from '../support/app';

const FLOOD = 20_000;
const CUSTOMERS = 100;
// Fewer sessions than the flood has requests: before sessions were stored on first write, the
// flood alone evicted every customer.
const STORE_MAX = 5_000;

/** What crawlers, probes and load balancers send: any method, any path, 404s included, no cookie. */
function botRequest(i: number): RawRequest {
  switch (i % 8) {
    case 0:
      return { path: '/' };
    case 1:
      return { path: `/product/${i}?ref=crawler` };
    case 2:
      return { method: 'HEAD', path: '/health' };
    case 3:
      return { path: `/missing/${i}.php` };
    case 4:
      return { method: 'POST', path: '/wp-login.php', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'log=admin&pwd=x' };
    case 5:
      return { method: 'OPTIONS', path: '/' };
    case 6:
      return { path: '/api/sessions?items=*' };
    default:
      return { method: 'POST', path: '/api/sessions', headers: { 'content-type': 'application/json' }, body: '{}' };
  }
}

/**
 * Anonymous traffic costs nothing: sessions are stored on their first write, so a flood of
 * cookieless requests neither fills the store nor evicts the customers who wrote something.
 */
describe('a flood of cookieless requests', () => {
  const store = new RecordingStore(STORE_MAX);
  let server: RunningServer;
  let client: ReturnType<typeof rawClient>;
  const customers: Array<{ id: string; cookie: string }> = [];

  beforeAll(async () => {
    server = await listen(makeApp(storefrontOptions(store), (app) => app.use((_req, res) => void res.status(404).end())));
    client = rawClient(server);
    for (let i = 0; i < CUSTOMERS; i++) {
      const res = await client.send({
        method: 'POST',
        path: '/api/sessions',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ public: { customer: { value: `c${i}` }, country: { value: 'BRA' } } }),
      });
      const token = res.cookies.vtex_session;
      customers.push({ id: decodeSessionToken(token)!.id!, cookie: `vtex_session=${token}; vtex_segment=${res.cookies.vtex_segment}` });
    }
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  async function flood(count: number, from: number): Promise<number[]> {
    const statuses: number[] = [];
    const lanes = 16;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let i = from + lane; i < from + count; i += lanes) statuses.push((await client.send(botRequest(i))).status);
      }),
    );
    return statuses;
  }

  it(`should store nothing for ${FLOOD} of them, keep every customer's items, and hold the heap`, async () => {
    const gc = garbageCollector();
    // Warm-up: the first requests fill caches that are bounded by design (verified tokens, segments).
    await flood(2_000, 0);
    const writesBefore = store.log.filter((entry) => entry.op === 'set').length;
    const sizeBefore = store.size;
    const before = memoryFigures(gc);

    const statuses = await flood(FLOOD, 2_000);

    const after = memoryFigures(gc);
    expect(statuses).toHaveLength(FLOOD);
    expect(statuses.every((status) => status < 500)).toBe(true);
    expect(store.log.filter((entry) => entry.op === 'set').length - writesBefore).toBe(0);
    expect(store.size).toBe(sizeBefore);
    if (gc !== undefined) {
      // Nothing per request outlives it: what a flood leaves behind is noise, not sessions.
      expect(after.heapUsed - before.heapUsed).toBeLessThan(2 * 1024 * 1024);
    } else if (process.env.CI) {
      throw new Error('the runtime refused --expose-gc: the heap cannot be measured');
    }
    console.log(`bot flood: ${FLOOD} requests, heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)}, ${store.size} sessions stored`);

    for (const [i, customer] of customers.entries()) {
      const res = await client.send({ path: '/page', headers: { cookie: customer.cookie } });
      const page = res.json as { id: string; namespaces: { public: Record<string, { value: string }> } };
      expect(page.id).toBe(customer.id);
      expect(page.namespaces.public.customer).toEqual({ value: `c${i}` });
    }
  }, 120_000);
});
