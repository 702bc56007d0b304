import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Helpers for the tests of the built package, as a consumer gets it from the registry: they read
 * dist/ (which `npm test` builds first) and run Node and tsc in child processes, so that jest's own
 * module system and TypeScript settings play no part.
 */

export const ROOT = resolve(__dirname, '../..');

const BUILT = ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/types/express.d.ts'];

/** Fails with the reason when the package has not been built: these tests never pass on a stale guess. */
export function assertBuilt(): void {
  const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length > 0) {
    throw new Error(`the package is not built (${missing.join(', ')} missing): run \`npm run build\` first (\`npm test\` does)`);
  }
}

/** Runs `node` from the repository root, where Node resolves `vtex-session` to this package through its "exports". */
export function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A consumer project outside the repository: `app/node_modules/vtex-session` is this package,
 * and the parent's `node_modules` is the repository's (express, its types, Node's types).
 */
export function consumerProject(): { dir: string; remove: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'vtex-session-consumer-'));
  const dir = join(base, 'app');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(base, 'node_modules'), 'dir');
  symlinkSync(ROOT, join(dir, 'node_modules', 'vtex-session'), 'dir');
  return { dir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

export interface Compilation {
  ok: boolean;
  output: string;
}

/** Type-checks `file` (written with `source`) in the consumer project with the given compiler options. */
export function compile(dir: string, file: string, source: string, compilerOptions: Record<string, unknown>): Compilation {
  writeFileSync(join(dir, file), source);
  const tsconfig = `tsconfig.${file}.json`;
  writeFileSync(
    join(dir, tsconfig),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', types: ['node'], skipLibCheck: true, ...compilerOptions },
      files: [file],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}
