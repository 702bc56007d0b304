import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisUrl } from '../support/app';

/**
 * `npm run bench` is not part of the test run (it takes minutes and wants a quiet machine), but a
 * short run of it is: it must start every server, drive every scenario, measure and print.
 */

const ROOT = join(__dirname, '..', '..');
// The configurations the benchmark declares: every one of them must start, be measured and be printed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CONFIGURATIONS } = require('./configurations') as { CONFIGURATIONS: Array<{ name: string; label: string; redis: boolean }> };
const SCENARIOS = ['returning visitor (valid cookies)', 'new visitor (no cookies: a session per request)', 'PATCH of two public items'];

function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'spec', 'bench', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The cells of the row that starts with `label` in the table that follows `heading`. */
function row(output: string, heading: string, label: string): string[] | undefined {
  const section = output.slice(output.indexOf(`\n${heading}\n`));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('|')));
  const line = table.split('\n').find((l) => l.startsWith(`| ${label} `));
  return line?.split('|').slice(1, -1).map((cell) => cell.trim());
}

const url = redisUrl();
const withRedis = url !== undefined;
if (!withRedis) console.warn('bench smoke run without the Redis configurations: REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379)');
const configurations = CONFIGURATIONS.filter((c) => withRedis || !c.redis);

describe('the benchmark', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: the benchmark measures the built package (npm run build)');
  });

  describe('when run for a few hundred milliseconds per configuration', () => {
    let result: { code: number | null; stdout: string; stderr: string };
    const dir = mkdtempSync(join(tmpdir(), 'vtex-session-bench-'));
    const json = join(dir, 'rounds.json');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    beforeAll(async () => {
      result = await run('run.js', [`--json=${json}`], {
        BENCH_DURATION: '300',
        BENCH_ROUNDS: '1',
        BENCH_CONNECTIONS: '10',
        BENCH_WARMUP: '0',
        BENCH_SESSIONS: '2000',
        BENCH_CONFIGS: configurations.map((c) => c.name).join(','),
        ...(url ? { REDIS_URL: url } : {}),
      });
    }, 120_000);

    it('should finish without an error', () => {
      expect(result.stderr).not.toMatch(/Error|warning/);
      expect(result.code).toBe(0);
    });

    it.each(SCENARIOS)('should print requests per second, latency and CPU of every configuration for the %s scenario', (scenario) => {
      for (const { label } of configurations) {
        const cells = row(result.stdout, scenario, label);
        expect(cells).toBeDefined();
        const [, rps, , p50, p99, cpu] = cells!;
        expect(Number(rps)).toBeGreaterThan(0);
        expect(Number(p50)).toBeGreaterThan(0);
        expect(Number(p99)).toBeGreaterThanOrEqual(Number(p50));
        expect(Number(cpu)).toBeGreaterThan(0);
      }
    });

    it('should write every round of every configuration and scenario to --json', () => {
      const written = JSON.parse(readFileSync(json, 'utf8')) as { rounds: number; pin: boolean; results: Record<string, Record<string, Array<{ requests: number; cpuPerRequest: number }>>> };
      expect(written.rounds).toBe(1);
      expect(result.stdout).toContain(written.pin ? 'load generator on CPU 0 and servers on CPU 1' : 'processes not pinned');
      expect(Object.keys(written.results).sort()).toEqual(configurations.map((c) => c.name).sort());
      for (const scenarios of Object.values(written.results)) {
        expect(Object.keys(scenarios).sort()).toEqual(['new', 'patch', 'returning']);
        for (const rounds of Object.values(scenarios)) {
          expect(rounds).toHaveLength(1);
          expect(rounds[0].requests).toBeGreaterThan(0);
          expect(rounds[0].cpuPerRequest).toBeGreaterThan(0);
        }
      }
    });

    it('should print the memory an idle anonymous session holds', () => {
      expect(result.stdout).toMatch(/Memory: 2000 anonymous sessions in the in-process store: heap \+[\d.]+ MiB \(\d+ B per session\)/);
    });

    it('should print what the session layer costs against Express with the same shared hidden classes', () => {
      const section = result.stdout.slice(result.stdout.indexOf('\nThe session layer by itself'));
      for (const scenario of ['returning', 'new', 'patch']) {
        expect(section).toMatch(new RegExp(`- ${scenario}: throughput [\\d.]+ \\(one round\\)×, added CPU [+-]?\\d+ \\(one round\\) µs per request`));
      }
    });

    it('should print every target, and decline to conclude from a single round', () => {
      const targets = result.stdout.slice(result.stdout.indexOf('\nTargets\n'));
      expect(targets).toMatch(/returning visitor, throughput ≥ 0\.8× bare Express: .* → 1 round\(s\) give no interval/);
      expect(targets).toMatch(/new visitor, throughput ≥ 0\.75× bare Express: .* → 1 round\(s\) give no interval/);
      expect(targets).toMatch(/memory per idle anonymous session ≤ 1 KiB: \d+ B of heap → (holds|does not hold)/);
      if (withRedis) expect(targets).toMatch(/Redis, returning: throughput ≥ 1\.3× express-session \+ connect-redis/);
    });
  });

  describe('when the in-process measurement runs a few requests', () => {
    it('should print the CPU each configuration adds over bare Express', async () => {
      const { code, stdout } = await run('micro.js', ['--calls=300', '--rounds=1'], {});
      expect(code).toBe(0);
      for (const { label } of configurations.filter((c) => !c.redis && c.name !== 'express')) {
        expect(stdout).toMatch(new RegExp(`${label.replace(/[+]/g, '\\+')} +[\\d.]+ \\(one round\\) µs, added -?[\\d.]+ \\(one round\\) µs`));
      }
    }, 60_000);

    it('should measure another build beside this one with --compare, and print the difference', async () => {
      const { code, stdout } = await run('micro.js', ['--calls=300', '--rounds=1', '--configs=vtex-session', '--scenarios=returning', `--compare=${join(ROOT, 'dist')}`], {});
      expect(code).toBe(0);
      expect(stdout).toMatch(/vtex-session, compared build +[\d.]+ \(one round\) µs, added -?[\d.]+ \(one round\) µs/);
      expect(stdout).toMatch(/this build − compared build +-?[\d.]+ \(one round\) µs/);
    }, 60_000);
  });
});
