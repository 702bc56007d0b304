import { assertBuilt, compile, consumerProject } from '../support/package';

// A storefront's handler as a consumer writes it: no cast, no import of the augmentation.
const HANDLER = `
const app = express();
app.use(sessionMiddleware({ secret: 'a-secret-of-at-least-32-characters-long', store: new LruSessionStore({ max: 1000 }) }));
app.get('/', async (req: Request, res: Response) => {
  const country: JsonValue | undefined = req.vtexSession.get('public', 'country');
  const id: string = req.vtexSession.id;
  const version: number = req.vtexSession.version;
  await req.vtexSession.patch({ public: { country: { value: 'BRA', keepAlive: true } } });
  const key: string = \`\${req.vtexSegment.token}:\${req.url}\`;
  const tables: string | null | undefined = req.vtexSegment.data.priceTables;
  res.send({ country, id, version, key, tables });
});
`;

const COMMONJS = `import express, { type Request, type Response } from 'express';
import { sessionMiddleware, LruSessionStore, type JsonValue } from 'vtex-session';
${HANDLER}`;

const ESM = `import express, { type Request, type Response } from 'express';
import { sessionMiddleware, LruSessionStore, type JsonValue } from 'vtex-session';
${HANDLER}
export {};
`;

const COMMONJS_OPTIONS = { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true };
const NODE16_OPTIONS = { module: 'node16', moduleResolution: 'node16' };

// Each line must fail to compile on its own: the types are what stops these mistakes.
const WRONG_USES: Array<[string, string]> = [
  ['the segment token as a number', 'const n: number = req.vtexSegment.token;'],
  ['an unknown member of the session', 'req.vtexSession.destroy();'],
  ['a patch item without value', 'await req.vtexSession.patch({ public: { country: { keepAlive: true } } });'],
  ['an unknown option', "sessionMiddleware({ secret: 'a-secret-of-at-least-32-characters-long', maxage: 1000 });"],
];

// tsc on a loaded machine takes seconds, several times the default test timeout.
const COMPILE_TIMEOUT = 120_000;

describe('the built types', () => {
  let project: ReturnType<typeof consumerProject>;

  beforeAll(() => {
    assertBuilt();
    project = consumerProject();
  });
  afterAll(() => project?.remove());

  describe('when a consumer compiles a handler as CommonJS', () => {
    it(
      'should type req.vtexSession and req.vtexSegment without any cast, with the declarations themselves checked',
      () => {
        const result = compile(project.dir, 'consumer.ts', COMMONJS, { ...COMMONJS_OPTIONS, skipLibCheck: false });
        expect(result.output).toBe('');
        expect(result.ok).toBe(true);
      },
      COMPILE_TIMEOUT,
    );
  });

  describe('when a consumer compiles a handler as an ES module (node16)', () => {
    it(
      'should resolve the package through its exports map and type the request the same way',
      () => {
        const result = compile(project.dir, 'consumer.mts', ESM, NODE16_OPTIONS);
        expect(result.output).toBe('');
        expect(result.ok).toBe(true);
      },
      COMPILE_TIMEOUT,
    );
  });

  describe('when a consumer uses the types wrongly', () => {
    it(
      'should refuse each wrong use, at its own line',
      () => {
        const wrong = COMMONJS.replace('  res.send(', `${WRONG_USES.map(([, line]) => `  ${line}\n`).join('')}  res.send(`);
        const lineOf = (code: string) => wrong.split('\n').findIndex((l) => l.includes(code)) + 1;

        const result = compile(project.dir, 'wrong.ts', wrong, COMMONJS_OPTIONS);
        const failing = new Set([...result.output.matchAll(/wrong\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => Number(m[1])));

        expect(result.ok).toBe(false);
        for (const [what, code] of WRONG_USES) expect({ what, failed: failing.has(lineOf(code)) }).toEqual({ what, failed: true });
        // Nothing else broke: the errors are those of the wrong lines only.
        expect(failing.size).toBe(WRONG_USES.length);
      },
      COMPILE_TIMEOUT,
    );
  });
});
