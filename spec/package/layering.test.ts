import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';

/**
 * The layout is the architecture: data flows from the request down to the session, the transforms,
 * the segment and the stores, and nothing at the bottom reaches back up. A lower module that
 * imports the options, the HTTP API or the middleware (even a type) is a cycle in the making.
 */

const LIB = resolve(__dirname, '../../lib');

// The modules below the options, the API and the middleware.
const LOWER = ['maybe.ts', 'namespaces.ts', 'errors.ts', 'events.ts', 'logger.ts', 'cookies.ts', 'segment/', 'session/', 'stores/', 'transforms/'];
// What they may not import.
const UPPER = ['options', 'api', 'middleware', 'index'];
const MAX_LINES = 300;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The package's own modules a file imports or re-exports, as paths under lib/ without extension. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(LIB, resolve(dirname(file), specifier)).split('\\').join(posix.sep));
}

const libPath = (file: string) => relative(LIB, file).split('\\').join(posix.sep);
const isLower = (path: string) => LOWER.some((lower) => (lower.endsWith('/') ? path.startsWith(lower) : path === lower));
const isUpper = (target: string) => UPPER.some((upper) => target === upper || target.startsWith(`${upper}/`));

describe('the layout of lib/', () => {
  const files = sources(LIB);

  it('should find the imports of a module, type-only and multi-line ones included', () => {
    const manager = importsOf(join(LIB, 'session/manager.ts'));
    expect(manager).toEqual(expect.arrayContaining(['namespaces', 'stores/store', 'transforms/types', 'session/succession']));
    expect(importsOf(join(LIB, 'middleware.ts'))).toContain('options');
  });

  describe('when a lower module imports', () => {
    const lower = files.filter((file) => isLower(libPath(file)));

    it('should cover the lower folders', () => {
      expect(lower.length).toBeGreaterThan(30);
    });

    it.each(lower.map((file) => [libPath(file), file]))('should keep %s from the options, the API and the middleware', (_, file) => {
      expect(importsOf(file).filter(isUpper)).toEqual([]);
    });
  });

  it(`should hold no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file: libPath(file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
