import { Console } from 'node:console';
import { Writable } from 'node:stream';
import bunyan from 'bunyan';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import winston from 'winston';
import type { Logger, SessionOptions } from '../../lib';
import { ControllableStore, cookieHeader, SECRET, setCookie } from '../support/app';

/** Everything written to it, as text. */
class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  /** The lines written, each parsed as JSON. */
  json(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** The package as a new process loads it, so that its warn-once memory is empty. */
async function freshPackage(): Promise<typeof import('../../lib')> {
  let lib: typeof import('../../lib') | undefined;
  await jest.isolateModulesAsync(async () => {
    lib = await import('../../lib');
  });
  return lib!;
}

const RANDOM_SECRET = expect.stringContaining('no secret given: a random one is used');
const DEGRADED = 'session store unavailable: serving the default segment';

/**
 * What a storefront logs, through `logger`: the warning of a middleware made without a secret
 * (outside production), then the error of a page served while the store fails. Answers the
 * visitor's session id and token, which must appear nowhere in the logs.
 */
async function logThrough(logger: Logger): Promise<{ id: string; token: string }> {
  const lib = await freshPackage();
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'development';
  try {
    lib.sessionMiddleware({ logger } as SessionOptions);
  } finally {
    process.env.NODE_ENV = previous;
  }
  const store = new ControllableStore();
  const app = express();
  app.use(lib.sessionMiddleware({ secret: SECRET, store, logger }));
  app.get('/page', (req, res) => void res.json({ id: req.vtexSession.id }));
  // A campaign landing stores the session; a never-written one would make no store call to fail.
  const first = await request(app).get('/page?utm_source=newsletter');
  store.mode = 'fail';
  await request(app).get('/page').set('Cookie', cookieHeader(first)).expect(200);
  return { id: first.body.id, token: setCookie(first, 'vtex_session')!.value };
}

const SHORT_HASH = expect.stringMatching(/^[0-9a-f]{8}$/);

describe('logger', () => {
  describe('when it is a pino logger', () => {
    it('should put the detail first, as pino’s fields, and the message in msg', async () => {
      const stream = new MemoryStream();
      const visitor = await logThrough(pino(stream));
      expect(stream.json()).toEqual([
        expect.objectContaining({ level: 40, msg: RANDOM_SECRET, code: 'VTEX_SESSION_RANDOM_SECRET' }),
        expect.objectContaining({ level: 50, msg: DEGRADED, session: SHORT_HASH, error: expect.stringMatching(/^session store get/), cause: 'store is down' }),
      ]);
      expect(stream.text).not.toContain(visitor.id);
      expect(stream.text).not.toContain(visitor.token);
    });

    it('should do the same for a child logger', async () => {
      const stream = new MemoryStream();
      await logThrough(pino(stream).child({ component: 'sessions' }));
      expect(stream.json()[1]).toMatchObject({ level: 50, component: 'sessions', msg: DEGRADED, session: SHORT_HASH });
    });
  });

  describe('when it is a bunyan logger', () => {
    it('should put the detail first, as the record’s fields, and the message in msg', async () => {
      const records: Array<Record<string, unknown>> = [];
      const logger = bunyan.createLogger({ name: 'shop', streams: [{ type: 'raw', level: 'info', stream: { write: (record: object) => void records.push(record as Record<string, unknown>) } as unknown as NodeJS.WritableStream }] });
      const visitor = await logThrough(logger);
      expect(records).toEqual([
        expect.objectContaining({ level: bunyan.WARN, msg: RANDOM_SECRET, code: 'VTEX_SESSION_RANDOM_SECRET' }),
        expect.objectContaining({ level: bunyan.ERROR, msg: DEGRADED, session: SHORT_HASH, cause: 'store is down' }),
      ]);
      expect(JSON.stringify(records)).not.toContain(visitor.id);
      expect(JSON.stringify(records)).not.toContain(visitor.token);
    });
  });

  describe('when it is a winston logger', () => {
    it('should put the message first and the detail as its metadata', async () => {
      const stream = new MemoryStream();
      const visitor = await logThrough(winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }));
      expect(stream.json()).toEqual([
        expect.objectContaining({ level: 'warn', message: RANDOM_SECRET, code: 'VTEX_SESSION_RANDOM_SECRET' }),
        expect.objectContaining({ level: 'error', message: DEGRADED, session: SHORT_HASH, cause: 'store is down' }),
      ]);
      expect(stream.text).not.toContain(visitor.id);
      expect(stream.text).not.toContain(visitor.token);
    });
  });

  describe('when it is a console', () => {
    it('should print the message, then the detail', async () => {
      const stream = new MemoryStream();
      const visitor = await logThrough(new Console({ stdout: stream, stderr: stream }));
      const [warning, error] = stream.text.split('\n').filter((line) => /^\S/.test(line));
      expect(warning).toMatch(/^no secret given: a random one is used.*\{ code: 'VTEX_SESSION_RANDOM_SECRET' \}$/);
      expect(error).toMatch(new RegExp(`^${DEGRADED} \\{`));
      expect(stream.text).toMatch(/session: '[0-9a-f]{8}'/);
      expect(stream.text).not.toContain(visitor.id);
      expect(stream.text).not.toContain(visitor.token);
    });
  });
});
