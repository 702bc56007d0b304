import { execFile } from 'node:child_process';
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

  it.concurrent.each(snippets.map((s) => [`${s.file}:${s.line}`, s] as const))('should run %s as pasted', async (_name, snippet) => {
    const { code, output } = await runSnippet(snippet, env);
    if (code !== 0) throw new Error(`${snippet.file}:${snippet.line} failed (exit ${code}):\n${output}`);
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

    it('should not run a block marked not-run, and should refuse a marker without a reason', () => {
      expect(extractSnippets('<!-- not-run: needs a real identity service -->\n```js\nnope(\n```\n', 'a.md')).toEqual({
        run: [],
        skipped: [expect.objectContaining({ line: 2 })],
      });
      expect(() => extractSnippets('<!-- not-run -->\n```js\nnope(\n```\n', 'b.md')).toThrow(/reason/);
    });
  });
});
