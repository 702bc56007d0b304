import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import express, { type Request, type RequestHandler, type Response } from 'express';
import request from 'supertest';
import { sessionMiddleware, shareHiddenClasses } from '../../lib';
import { memoryLogger, SECRET } from '../support/app';

/**
 * Express gives every request and response a hidden class of its own; `shareHiddenClasses()`, an
 * opt-in export, puts both in dictionary mode so that they share one (lib/shapes.ts).
 * `sessionMiddleware()` alone touches nothing of them but its two properties. V8's own answers are read through its
 * natives syntax, which this process allows from here on.
 */
v8.setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

// The opt-in export first, then the session layer, as an application that wants it writes.
const session = (): RequestHandler[] => [shareHiddenClasses(), sessionMiddleware({ secret: SECRET, logger: memoryLogger() })];

type Descriptor = { value: unknown; writable?: boolean; enumerable?: boolean; configurable?: boolean } | undefined;
const describeProperty = (target: object, key: string): Descriptor => {
  const d = Object.getOwnPropertyDescriptor(target, key);
  return d === undefined ? undefined : { value: d.value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable };
};

describe('the hidden classes of Express requests and responses', () => {
  it('should give the handlers after it requests and responses that share one hidden class', async () => {
    let held: Array<{ req: Request; res: Response; responseWasFast: boolean }> = [];
    const responseWasFast = new WeakMap<object, boolean>();
    const rounds: Array<Record<string, boolean>> = [];
    const app = express();
    // V8 may put one of the first responses of a process in dictionary mode by itself (how many
    // slots it reserves in an object is settled over the first few of its kind); such a response
    // got a hidden class of its own when Express swapped its prototype, and nothing later can
    // share it again. So the comparison of responses counts only those that were still fast here.
    app.use((req, res, next) => {
      responseWasFast.set(res, hasFastProperties(res));
      next();
    });
    app.use(...session());
    app.get('/', (req, res) => {
      held.push({ req, res, responseWasFast: responseWasFast.get(res)! });
      if (held.length < 2) return;
      // Both requests are open at once, so each is compared at the same point of its way.
      const [a, b] = held;
      held = [];
      rounds.push({
        requestDictionary: !hasFastProperties(a.req) && !hasFastProperties(b.req),
        responseDictionary: !hasFastProperties(a.res) && !hasFastProperties(b.res),
        requestsShare: haveSameMap(a.req, b.req),
        responsesShare: a.responseWasFast && b.responseWasFast ? haveSameMap(a.res, b.res) : true,
      });
      a.res.send('ok');
      b.res.send('ok');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      // V8 finds the dictionary hidden class an object goes to in a cache that a full garbage
      // collection empties: on a busy machine one may fall between the two requests of a pair,
      // which then get two classes. Three pairs, one after the other, and one must share.
      for (let pair = 0; pair < 3; pair++) {
        const answers = await Promise.all([fetch(url), fetch(url)]);
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
    expect(rounds).toHaveLength(3);
    for (const round of rounds) expect(round).toMatchObject({ requestDictionary: true, responseDictionary: true });
    expect(rounds).toContainEqual({ requestDictionary: true, responseDictionary: true, requestsShare: true, responsesShare: true });
  });

  it('should leave alone the objects of a plain node:http server, which already share their hidden class', async () => {
    const [shapes, sessionLayer] = session();
    const middleware = (req: Request, res: Response, next: (error?: unknown) => void) => shapes(req, res, () => sessionLayer(req, res, next));
    let seen: Record<string, unknown> | undefined;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      // As above, V8 may have put one of the first responses in dictionary mode by itself.
      const before = { requestFast: hasFastProperties(req), responseFast: hasFastProperties(res) };
      middleware(req as Request, res as Response, (error?: unknown) => {
        seen = {
          error,
          before,
          after: { requestFast: hasFastProperties(req), responseFast: hasFastProperties(res) },
          segment: typeof (req as Request).vtexSegment.token,
        };
        res.end('ok');
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(answer.status).toBe(200);
      expect(answer.headers.getSetCookie()).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    expect(seen).toMatchObject({ error: undefined, before: { requestFast: true }, segment: 'string' });
    expect(seen!.after).toEqual(seen!.before);
  });

  it('should leave the properties it moves with the values and attributes they had', async () => {
    let before: Descriptor[] = [];
    let after: Descriptor[] = [];
    const app = express();
    app.use((req, res, next) => {
      res.sendDate = false;
      before = [describeProperty(req, 'statusMessage'), describeProperty(res, 'sendDate')];
      next();
    });
    app.use(...session());
    app.get('/', (req, res) => {
      after = [describeProperty(req, 'statusMessage'), describeProperty(res, 'sendDate')];
      res.send('ok');
    });

    const answer = await request(app).get('/').expect(200);

    expect(before.every((d) => d !== undefined)).toBe(true);
    expect(after).toEqual(before);
    // sendDate stayed false: Node sent no Date header.
    expect(answer.headers.date).toBeUndefined();
  });

  it('should leave alone a property another layer made non-enumerable', async () => {
    let before: Descriptor;
    const app = express();
    app.use((req, res, next) => {
      Object.defineProperty(res, 'sendDate', { enumerable: false });
      before = describeProperty(res, 'sendDate');
      next();
    });
    app.use(...session());
    app.get('/', (req, res) => {
      res.json({ after: describeProperty(res, 'sendDate') });
    });

    const answer = await request(app).get('/').expect(200);

    expect(before).toEqual({ value: true, writable: true, enumerable: false, configurable: true });
    expect(answer.body.after).toEqual(before);
  });

  it('should leave alone a property another layer made permanent or turned into a getter', async () => {
    let before: Descriptor[] = [];
    const permanent: RequestHandler = (req, res, next) => {
      Object.defineProperty(res, 'sendDate', { value: false, writable: false, configurable: false });
      Object.defineProperty(req, 'statusMessage', { get: () => 'from a getter', configurable: true });
      before = [describeProperty(res, 'sendDate'), describeProperty(req, 'statusMessage')];
      next();
    };
    const app = express();
    app.use(permanent);
    app.use(...session());
    app.get('/', (req, res) => {
      res.json({ after: [describeProperty(res, 'sendDate'), describeProperty(req, 'statusMessage')], statusMessage: req.statusMessage });
    });

    const answer = await request(app).get('/').expect(200);

    expect(before[0]).toMatchObject({ value: false, writable: false, configurable: false });
    expect(answer.body.after).toEqual(before);
    expect(answer.body.statusMessage).toBe('from a getter');
    expect(answer.headers.date).toBeUndefined();
    expect(answer.headers['set-cookie']).toHaveLength(2);
  });
});

describe('sessionMiddleware() without the opt-in export', () => {
  it('should leave the request and the response as Express made them, but for its two properties', async () => {
    let seen: Record<string, unknown> | undefined;
    const app = express();
    const before = new WeakMap<object, string[]>();
    app.use((req, res, next) => {
      before.set(req, Object.keys(req));
      before.set(res, Object.keys(res));
      next();
    });
    app.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger() }));
    // Right after the session layer: what the routes add later (Express's req.route) is not ours.
    app.use((req, res, next) => {
      seen = {
        request: Object.keys(req).filter((k) => !before.get(req)!.includes(k)),
        requestOrder: Object.keys(req).filter((k) => before.get(req)!.includes(k)),
        requestBefore: before.get(req),
        responseOrder: Object.keys(res),
        responseBefore: before.get(res),
        fast: hasFastProperties(req),
      };
      next();
    });
    app.get('/', (_req, res) => void res.send('ok'));

    await request(app).get('/').expect(200);

    expect(seen!.request).toEqual(['vtexSegment', 'vtexSession']);
    expect(seen!.requestOrder).toEqual(seen!.requestBefore);
    expect(seen!.responseOrder).toEqual(seen!.responseBefore);
    expect(seen!.fast).toBe(true);
  });
});

describe('shareHiddenClasses() on an application whose response defines sendDate as an accessor', () => {
  it('should answer, leaving the accessor uncalled and the value as it was', async () => {
    const app = express();
    let setterCalls = 0;
    Object.defineProperty(app.response, 'sendDate', {
      configurable: true,
      get: () => false,
      set: () => {
        setterCalls++;
        throw new Error('not ours to call');
      },
    });
    app.use(...session());
    app.get('/', (_req, res) => void res.json({ sendDate: res.sendDate }));

    const res = await request(app).get('/').expect(200);

    expect(res.body).toEqual({ sendDate: true });
    expect(setterCalls).toBe(0);
  });
});
