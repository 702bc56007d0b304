import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import express from 'express';
import ts from 'typescript';
import { RedisServer } from '../support/redis';

/**
 * Every ```js and ```ts block of README.md and docs/*.md runs as pasted, on the Express of this
 * jest project (5, or 4 through the `express4` alias): transpiled by TypeScript to CommonJS, then
 * run in a child `node` by spec/docs/run-snippet.js, which maps `vtex-session` to the built package,
 * requests every app the snippet made at GET / (no 5xx, no unhandled rejection) and exits.
 * The names a snippet may use without defining them (`app`, `secret`, `render`, `checkPassword`, ...)
 * are listed at the top of run-snippet.js. A block right after `<!-- not-run: reason -->` is not run;
 * shell, HTTP, JSON and text blocks are not run, by their language.
 */

const ROOT = resolve(__dirname, '../..');
const RUNNER = join(__dirname, 'run-snippet.js');
const RUN = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript']);
const NOT_RUN = /^<!--\s*not-run:\s*\S.*-->$/;

interface Snippet {
  file: string;
  line: number;
  lang: string;
  code: string;
}

export function extractSnippets(markdown: string, file: string): { run: Snippet[]; skipped: Snippet[] } {
  const lines = markdown.split('\n');
  const run: Snippet[] = [];
  const skipped: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(open[1].length));
    const lang = open[2].toLowerCase();
    if (!RUN.has(lang)) continue;
    let before = start - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const marker = before >= 0 ? lines[before].trim() : '';
    if (marker.startsWith('<!-- not-run') && !NOT_RUN.test(marker)) {
      throw new Error(`${file}:${before + 1}: a not-run marker must give its reason: <!-- not-run: why -->`);
    }
    (NOT_RUN.test(marker) ? skipped : run).push({ file, line: start + 1, lang, code: body.join('\n') });
  }
  return { run, skipped };
}

function transpile(snippet: Snippet): string {
  const out = ts.transpileModule(snippet.code, {
    fileName: snippet.lang.startsWith('t') ? 'snippet.ts' : 'snippet.js',
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  // 1375/1378: top-level await, which the runner allows by running the snippet in an async function.
  const errors = (out.diagnostics ?? []).filter((d) => ![1375, 1378].includes(d.code));
  if (errors.length > 0) throw new Error(errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  return `module.exports = (async () => {\n${out.outputText}\n})();\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'vtex-session-snippets-'));
let count = 0;

function runSnippet(snippet: Snippet, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  const file = join(dir, `snippet-${++count}.js`);
  writeFileSync(file, transpile(snippet));
  return new Promise((done) => {
    execFile(process.execPath, [RUNNER, file], { cwd: dir, env, timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` });
    });
  });
}

// The express4 project maps `express` to Express 4, which still has `express.query` (5 removed it).
/** The runtime exports of the built package: the runner's prelude holds them all. */
function builtExports(): string[] {
  const out = execFileSync(process.execPath, ['-p', "JSON.stringify(Object.keys(require('./dist')))"], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

// Declarations of the runner's prelude, for the type check.
const prelude = (): string => `
declare const app: import('express').Express;
declare const express: typeof import('express');
declare const secret: string;
declare const store: import('vtex-session').SessionStore;
declare function render(...args: unknown[]): string;
declare function checkPassword(body: unknown): Promise<{ id: string; email: string }>;
declare const identity: { verify(token: string): Promise<{ id: string; email: string } | undefined> };
type Customer = { id: string; email: string; firstName: string; lastName: string; priceTables: string[] };
declare const crm: { find(query: { id?: string; email?: string }): Promise<Customer | undefined>; clustersOf(email: string): Promise<string[]> };
declare const authenticate: import('vtex-session').SessionOptions['authenticate'];
declare const profiles: import('vtex-session').SessionOptions['profiles'];
declare const token: string;
${builtExports()
  .map((name) => `declare const ${name}: typeof import('vtex-session').${name};`)
  .join('\n')}
`;

/** Type errors of the snippets, as `file:line: message`, in a strict program over all of them. */
function typeCheck(typed: Snippet[]): string[] {
  // Under the repository's node_modules, so that `express` and @types resolve as for the package's users.
  const checkDir = mkdtempSync(join(ROOT, 'node_modules', '.docs-snippets-'));
  try {
    writeFileSync(join(checkDir, 'prelude.d.ts'), prelude());
    const names = typed.map((snippet, i) => {
      const name = join(checkDir, `snippet-${i}.ts`);
      // `export {}` makes each block a module: its own declarations shadow the prelude's.
      writeFileSync(name, `${snippet.code}\nexport {};\n`);
      return name;
    });
    const program = ts.createProgram([join(checkDir, 'prelude.d.ts'), ...names], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      baseUrl: ROOT,
      paths: { 'vtex-session': ['dist/index.d.ts'] },
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const index = d.file === undefined ? -1 : names.indexOf(d.file.fileName);
      const where = index < 0 ? (d.file?.fileName ?? '') : `${typed[index].file}:${typed[index].line + 1 + d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    rmSync(checkDir, { recursive: true, force: true });
  }
}

const expressPackage = typeof (express as unknown as { query?: unknown }).query === 'function' ? 'express4' : 'express';
const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const snippets = files.flatMap((file) => extractSnippets(readFileSync(join(ROOT, file), 'utf8'), file).run);

describe(`documentation snippets on ${expressPackage}`, () => {
  let redis: RedisServer | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, SNIPPET_EXPRESS: expressPackage };
  delete env.NODE_ENV;

  beforeAll(async () => {
    if (env.REDIS_URL === undefined) {
      redis = new RedisServer();
      await redis.start();
      env.REDIS_URL = redis.url;
    }
  });
  afterAll(async () => {
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should find the snippets of README.md and every file of docs/', () => {
    expect(snippets.filter((s) => s.file === 'README.md').length).toBeGreaterThanOrEqual(3);
    expect(new Set(snippets.map((s) => s.file)).size).toBeGreaterThanOrEqual(8);
  });

  // Express 4 does not catch a handler's rejected promise: the process dies on an unhandled rejection
  // (a store that is down, say). An async handler must take `next` and pass its errors to it.
  it('should give every async handler a next to pass its errors to', () => {
    const handlers = snippets.flatMap((s) =>
      [...s.code.matchAll(/async\s*(?:function\s*\w*\s*)?\(\s*(req\b[^)]*)\)/g)].map((m) => ({ at: `${s.file}:${s.line}`, params: m[1] })),
    );
    expect(handlers.filter((h) => !/\bnext\b/.test(h.params))).toEqual([]);
  });

  // One at a time: each is a node process, and the rest of the suite runs beside it.
  it.each(snippets.map((s) => [`${s.file}:${s.line}`, s] as const))('should run %s as pasted', async (_name, snippet) => {
    const { code, output } = await runSnippet(snippet, env);
    if (code !== 0) throw new Error(`${snippet.file}:${snippet.line} failed (exit ${code}):\n${output}`);
  });

  // The TypeScript blocks also compile, strictly, against the built package's declarations and
  // Express 5's types (the prelude declared as globals). Once, in the Express 5 project: the types do
  // not depend on the project, and a test defined only there is not a skipped one in the other.
  const typeCheckOnce: jest.It = expressPackage === 'express' ? it : (() => undefined) as unknown as jest.It;
  typeCheckOnce('should type-check the TypeScript blocks against the built declarations', () => {
    const typed = snippets.filter((s) => s.lang.startsWith('t'));
    expect(typed.length).toBeGreaterThan(0);
    expect(typeCheck(typed)).toEqual([]);
  });

  describe('when a snippet is wrong', () => {
    it('should fail on a typo', async () => {
      const [snippet] = extractSnippets("```js\nconst { sessionMidleware } = require('vtex-session');\napp.use(sessionMidleware({ secret }));\n```\n", 'typo.md').run;
      expect((await runSnippet(snippet, env)).code).not.toBe(0);
    });

    it('should fail when a handler leaves a rejection unhandled', async () => {
      const [snippet] = extractSnippets(
        "```js\napp.get('/', async () => { throw new Error('store down'); });\n```\n",
        'unhandled.md',
      ).run;
      expect((await runSnippet(snippet, env)).code).not.toBe(0);
    });

    it('should fail the type check on a wrong type', () => {
      const [snippet] = extractSnippets("```ts\nconst n: number = sessionMiddleware({ secret });\n```\n", 'typed.md').run;
      expect(typeCheck([snippet])).toEqual([expect.stringMatching(/^typed\.md:2: Type '.+' is not assignable to type 'number'/)]);
    });

    it('should not run a block marked not-run, and should refuse a marker without a reason', () => {
      expect(extractSnippets('<!-- not-run: needs a real identity service -->\n```js\nnope(\n```\n', 'a.md')).toEqual({
        run: [],
        skipped: [expect.objectContaining({ line: 2 })],
      });
      expect(() => extractSnippets('<!-- not-run -->\n```js\nnope(\n```\n', 'b.md')).toThrow(/reason/);
    });
  });
});
