import express from 'express';
import { LruSessionStore, sessionMiddleware, type SessionOptions } from '../../lib';
import { memoryLogger, SECRET } from '../support/app';
import { sessionTokenOf, visit } from '../support/session';

/** The package as a fresh process would load it: its once-per-process warnings not yet given. */
async function freshPackage(): Promise<typeof import('../../lib')> {
  let lib: typeof import('../../lib') | undefined;
  await jest.isolateModulesAsync(async () => {
    lib = await import('../../lib');
  });
  return lib!;
}

function withNodeEnv<T>(value: string | undefined, run: () => T): T {
  const previous = process.env.NODE_ENV;
  if (value === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = value;
  try {
    return run();
  } finally {
    process.env.NODE_ENV = previous;
  }
}

describe('option secret', () => {
  describe('when a secret is shorter than 32 characters', () => {
    it.each([
      ['a string', 'x'.repeat(31)],
      ['one of a list', [SECRET, 'x'.repeat(31)]],
      ['an empty list', []],
    ])('should throw a TypeError naming the option for %s', (_, secret) => {
      expect(() => sessionMiddleware({ secret } as SessionOptions)).toThrow(TypeError);
      expect(() => sessionMiddleware({ secret } as SessionOptions)).toThrow(/^option secret(\.1)? is invalid: \[redacted\] \(a secret is a string of at least 32 characters/);
    });

    it('should never echo the secret into the message', () => {
      const secret = 'short-but-private-value';
      let message = '';
      try {
        sessionMiddleware({ secret });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^option secret is invalid/);
      expect(message).not.toContain(secret);
    });

    it('should accept exactly 32 characters', () => {
      expect(() => sessionMiddleware({ secret: 'x'.repeat(32), logger: memoryLogger() })).not.toThrow();
    });
  });

  describe('when NODE_ENV=production and no secret is given', () => {
    it('should throw a TypeError naming the option', () => {
      withNodeEnv('production', () => {
        expect(() => sessionMiddleware({ logger: memoryLogger() })).toThrow(new TypeError('option secret is required when NODE_ENV=production (at least 32 characters)'));
      });
    });
  });

  describe('when no secret is given outside production', () => {
    it('should warn once per process, however many middlewares are created', async () => {
      const lib = await freshPackage();
      const first = memoryLogger();
      const second = memoryLogger();

      withNodeEnv('development', () => {
        lib.sessionMiddleware({ logger: first });
        lib.sessionMiddleware({ logger: first });
        lib.sessionMiddleware({ logger: second });
      });

      expect(first.lines).toEqual([
        { level: 'warn', message: expect.stringContaining('no secret given: a random one is used'), detail: { code: 'VTEX_SESSION_RANDOM_SECRET' } },
      ]);
      expect(second.lines).toEqual([]);
    });

    it('should sign with a random secret that another middleware does not share', async () => {
      const store = new LruSessionStore();
      const app = (secret?: string) => {
        const a = express();
        a.use(withNodeEnv(undefined, () => sessionMiddleware({ store, logger: memoryLogger(), ...(secret ? { secret } : {}) })));
        a.get('/page', (req, res) => void res.json({ id: req.vtexSession.id }));
        return a;
      };
      const random = app();
      const first = await visit(random);
      const cookie = `vtex_session=${sessionTokenOf(first)}`;

      expect((await visit(random, cookie)).body.id).toBe(first.body.id);
      expect((await visit(app(), cookie)).body.id).not.toBe(first.body.id);
      expect((await visit(app(SECRET), cookie)).body.id).not.toBe(first.body.id);
    });
  });
});
