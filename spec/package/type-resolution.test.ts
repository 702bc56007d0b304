import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, assertBuilt } from '../support/package';

/**
 * The packed tarball, as npm would publish it, checked by @arethetypeswrong/cli: every resolution
 * mode (node10, node16 from CommonJS and from ESM, bundlers) finds types of the module format its
 * JavaScript has. Before dist/index.d.mts, an ESM consumer got CommonJS types ("masquerading as CJS").
 */
describe('the types of the published package', () => {
  it('should resolve without a problem in every module resolution mode', () => {
    assertBuilt();
    let output: string;
    try {
      output = execFileSync(process.execPath, [join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), '--pack', '.', '--format', 'json'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      // attw exits non-zero when it finds problems; its JSON is still on stdout.
      output = (error as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(output) as { problems: unknown[] | Record<string, unknown[]> };
    const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems).flat();

    expect(problems).toEqual([]);
  });
});
