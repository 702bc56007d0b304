import { execFileSync } from 'node:child_process';
import { assertBuilt, ROOT } from '../support/package';

/** The paths `npm pack` would put in the tarball, without writing it. */
function packedFiles(): string[] {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return pack.files.map((f) => f.path).sort();
}

describe('the npm tarball', () => {
  let files: string[];

  beforeAll(() => {
    assertBuilt();
    files = packedFiles();
  });

  it('should hold only dist/, README.md, LICENSE and package.json', () => {
    const stray = files.filter((path) => !path.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(path));
    expect(stray).toEqual([]);
  });

  it('should hold the CommonJS and ES module entries, the types and the Express augmentation', () => {
    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/types/express.d.ts']),
    );
  });

  it('should hold no TypeScript sources, tests or source maps', () => {
    expect(files.filter((path) => (path.endsWith('.ts') && !path.endsWith('.d.ts')) || path.endsWith('.map') || path.includes('spec/'))).toEqual([]);
  });

  it('should give every built module its declarations', () => {
    const modules = files.filter((path) => path.endsWith('.js')).map((path) => path.slice(0, -'.js'.length));
    const declarations = new Set(files.filter((path) => path.endsWith('.d.ts')).map((path) => path.slice(0, -'.d.ts'.length)));
    expect(modules.filter((m) => !declarations.has(m))).toEqual([]);
  });
});
