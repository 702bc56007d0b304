import { spawnSync } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import { CHANNELS, LruSessionStore, sessionMiddleware, StoreUnavailableError, type SessionOptions, type SessionRecord } from '../../lib';
import { ControllableStore, memoryLogger, SECRET } from '../support/app';

/**
 * A page view that has nothing to wait for (a new visitor, a never-written session, a session in
 * the in-process store) is answered in the tick it arrived in: the application's next handler runs
 * before the middleware returns, with no promise in between. Where something must be waited for
 * (another store, a write, a traced store operation) the page is served as before, only later.
 */

interface Served {
  /** Whether the page handler had run when the application returned. */
  sameTick: boolean;
  status: number;
  setCookie: string[];
  body: Record<string, unknown>;
}

// One way of handing the app a real request and response (node:http's objects, the response's
// end replaced to read what the page answered), shared with the child process below.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { serve, cookiesFrom } = require('./same-tick-child.js') as {
  serve(app: Express, url: string, cookie?: string): Promise<Served>;
  cookiesFrom(setCookie: string[]): string;
};

function pageApp(options: SessionOptions = {}): Express {
  const app = express();
  app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger(), ...options }));
  app.get('/page', (req, res) => {
    res.json({ id: req.vtexSession.id, version: req.vtexSession.version, utm: req.vtexSession.get('public', 'utm_source') ?? null, channel: req.vtexSegment.data.channel });
  });
  return app;
}

/** A visitor who wrote once: a stored session, and its cookies. */
async function storedVisitor(app: Express): Promise<{ cookie: string; id: string }> {
  const landing = await serve(app, '/page?utm_source=news');
  return { cookie: cookiesFrom(landing.setCookie), id: landing.body.id as string };
}

/** One page view of the built package in a process of its own (see same-tick-child.js). */
function servedAlone(which: 'new' | 'unwritten' | 'stored'): { sameTick: boolean; body: Record<string, unknown>; setCookie: string[]; setUpId?: string } {
  // The Express of this test project (4 or 5), which the child loads instead of its own `require('express')`.
  const env = { ...process.env, SAME_TICK_EXPRESS: require.resolve('express') };
  const child = spawnSync(process.execPath, [join(__dirname, 'same-tick-child.js'), which], { cwd: join(__dirname, '..', '..'), encoding: 'utf8', timeout: 30_000, env });
  if (child.status !== 0) throw new Error(`same-tick-child.js ${which} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

describe('a page view with nothing to wait for', () => {
  beforeAll(() => {
    if (!existsSync(join(__dirname, '..', '..', 'dist', 'index.js'))) throw new Error('dist/ is missing: this test serves the built package (npm run build)');
  });

  it('should answer a new visitor in the same tick, with both cookies', () => {
    const first = servedAlone('new');
    expect(first.sameTick).toBe(true);
    expect(first.setCookie.map((c) => c.slice(0, c.indexOf('=')))).toEqual(['vtex_session', 'vtex_segment']);
    expect(first.body.version).toBe(0);
  });

  it('should answer a never-written returning visitor in the same tick, as the same session', () => {
    const again = servedAlone('unwritten');
    expect(again.sameTick).toBe(true);
    expect(again.body.id).toBe(again.setUpId);
    expect(again.setCookie).toEqual([]);
  });

  it('should answer a visitor whose session is in the in-process store in the same tick, with what was stored', () => {
    const again = servedAlone('stored');
    expect(again.sameTick).toBe(true);
    expect(again.body).toEqual({ id: again.setUpId, version: 1, utm: 'news' });
  });
});

describe('a page view that must wait', () => {
  it('should serve a session of a store that answers with promises, later', async () => {
    const store = new ControllableStore();
    const app = pageApp({ store });
    const { cookie, id } = await storedVisitor(app);
    const again = await serve(app, '/page', cookie);
    expect(again.sameTick).toBe(false);
    expect(again.body).toMatchObject({ id, version: 1, utm: 'news' });
    expect(store.calls.get).toBeGreaterThan(0);
  });

  it('should serve a page whose URL brings an item to write, later, with the item', async () => {
    const app = pageApp();
    const landing = await serve(app, '/page?utm_source=mail');
    expect(landing.sameTick).toBe(false);
    expect(landing.body).toMatchObject({ version: 1, utm: 'mail' });
  });

  it('should trace the in-process store\'s read for a subscriber, asynchronously as before', async () => {
    const app = pageApp();
    const { cookie, id } = await storedVisitor(app);
    const seen: string[] = [];
    const onStart = (message: unknown) => void seen.push((message as { operation: string }).operation);
    const onAsyncEnd = () => void seen.push('asyncEnd');
    subscribe(`tracing:${CHANNELS.store}:start`, onStart);
    subscribe(`tracing:${CHANNELS.store}:asyncEnd`, onAsyncEnd);
    try {
      const again = await serve(app, '/page', cookie);
      expect(again.sameTick).toBe(false);
      expect(again.body).toMatchObject({ id, utm: 'news' });
      expect(seen.slice(0, 2)).toEqual(['get', 'asyncEnd']);
    } finally {
      unsubscribe(`tracing:${CHANNELS.store}:start`, onStart);
      unsubscribe(`tracing:${CHANNELS.store}:asyncEnd`, onAsyncEnd);
    }
  });

  it('should run a custom creation transform for every new visitor, later, with its output', async () => {
    let runs = 0;
    const app = pageApp({
      transforms: [
        {
          name: 'greeting',
          input: {},
          output: { public: ['greeting'] },
          runOnCreate: true,
          run: async () => ({ public: { greeting: { value: `hello ${++runs}` } } }),
        },
      ],
    });
    const first = await serve(app, '/page');
    const second = await serve(app, '/page');
    expect([first.sameTick, second.sameTick]).toEqual([false, false]);
    expect(runs).toBe(2);
  });

  it('should read a subclass of the in-process store that overrides get through its get', async () => {
    const reads: string[] = [];
    class CountingStore extends LruSessionStore {
      override async get(id: string): Promise<SessionRecord | undefined> {
        reads.push(id);
        return super.get(id);
      }
    }
    const app = pageApp({ store: new CountingStore() });
    const { cookie, id } = await storedVisitor(app);
    const again = await serve(app, '/page', cookie);
    expect(again.body).toMatchObject({ id, utm: 'news' });
    expect(reads).toContain(id);
  });
});

describe('a store that throws on a read', () => {
  /** The in-process store, its reads throwing: at once on the path that does not wait, as a rejection on the other. */
  function throwingStore(error: () => Error) {
    return new (class extends LruSessionStore {
      failing = false;
      override getNow(id: string): SessionRecord | undefined {
        if (this.failing) throw error();
        return super.getNow(id);
      }
      override async get(id: string): Promise<SessionRecord | undefined> {
        return this.getNow(id);
      }
    })();
  }

  it('should hand an unexpected error to the application\'s error handler, with req.vtexSession attached', async () => {
    const store = throwingStore(() => new Error('corrupt record'));
    const app = pageApp({ store });
    app.use((error: Error, req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: error.message, attached: req.vtexSession !== undefined && req.vtexSegment !== undefined });
    });
    const { cookie } = await storedVisitor(app);
    store.failing = true;
    const failed = await serve(app, '/page', cookie);
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: 'corrupt record', attached: true });
  });

  it('should serve the default segment without cookies when the store is unavailable', async () => {
    const store = throwingStore(() => new StoreUnavailableError('store is down'));
    const app = pageApp({ store });
    const { cookie, id } = await storedVisitor(app);
    store.failing = true;
    const degraded = await serve(app, '/page', cookie);
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({ id, utm: null, channel: '1' });
    expect(degraded.setCookie).toEqual([]);
  });
});
