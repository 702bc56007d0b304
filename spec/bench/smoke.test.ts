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
const { CONFIGURATIONS, SCENARIOS, FLOOD_CONFIGURATIONS } = require('./configurations') as {
  CONFIGURATIONS: Array<{ name: string; label: string; redis: boolean }>;
  SCENARIOS: Array<{ name: string; label: string }>;
  FLOOD_CONFIGURATIONS: Array<{ name: string; label: string }>;
};
// Cookieless requests per configuration in the short run's bot flood.
const FLOOD = 600;

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
        BENCH_FLOOD: String(FLOOD),
        BENCH_CONFIGS: configurations.map((c) => c.name).join(','),
        ...(url ? { REDIS_URL: url } : {}),
      });
    }, 120_000);

    it('should finish without an error', () => {
      expect(result.stderr).not.toMatch(/Error|warning/);
      expect(result.code).toBe(0);
    });

    it.each(SCENARIOS.map((s) => s.label))('should print requests per second, latency and CPU of every configuration for the %s scenario', (scenario) => {
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
      const written = JSON.parse(readFileSync(json, 'utf8')) as {
        rounds: number;
        pin: boolean;
        results: Record<string, Record<string, Array<{ requests: number; cpuPerRequest: number }>>>;
        flood: Record<string, Array<{ requests: number; sessionsAdded: number }>>;
      };
      expect(written.rounds).toBe(1);
      expect(result.stdout).toContain(written.pin ? 'load generator on CPU 0 and servers on CPU 1' : 'processes not pinned');
      expect(Object.keys(written.results).sort()).toEqual(configurations.map((c) => c.name).sort());
      for (const scenarios of Object.values(written.results)) {
        expect(Object.keys(scenarios).sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
        for (const rounds of Object.values(scenarios)) {
          expect(rounds).toHaveLength(1);
          expect(rounds[0].requests).toBeGreaterThan(0);
          expect(rounds[0].cpuPerRequest).toBeGreaterThan(0);
        }
      }
      expect(Object.keys(written.flood).sort()).toEqual(FLOOD_CONFIGURATIONS.map((c) => c.name).sort());
      for (const rounds of Object.values(written.flood)) {
        expect(rounds).toHaveLength(1);
        expect(rounds[0].requests).toBe(FLOOD);
      }
    });

    it('should send no Redis command for a never-written returning visitor', () => {
      if (!withRedis) return;
      expect(result.stdout).toMatch(/- never-written returning visitor, Redis commands sent: none: 0 over [1-9]\d* requests → holds/);
    });

    it('should print the bot flood side by side: requests per second and what each store holds after it', () => {
      const heading = `Bot flood: ${FLOOD} cookieless requests per configuration and round (GET, POST and OPTIONS; pages, 404s and the session API), on fresh servers`;
      // What a cookieless request leaves in the store: nothing, unless express-session saves uninitialized sessions.
      const stored: Record<string, number> = { 'vtex-session': 0, 'express-session': FLOOD, 'express-session-lazy': 0 };
      for (const { name, label } of FLOOD_CONFIGURATIONS) {
        const cells = row(result.stdout, heading, label);
        expect(cells).toBeDefined();
        const [, rps, ratio, sessions, bytes, held] = cells!;
        expect(rps).toMatch(/^\d+ \(one round\)$/);
        expect(Number(rps.split(' ')[0])).toBeGreaterThan(0);
        expect(ratio).toMatch(name === 'vtex-session' ? /^1$/ : /^[\d.]+ \(one round\)$/);
        expect(Number(sessions)).toBe(stored[name]);
        expect(bytes).toMatch(stored[name] === 0 ? /^0\.0 MiB$/ : /^[\d.]+ MiB$/);
        expect(held).toMatch(new RegExp(`^${stored[name]} \\([\\d.]+ MiB\\)$`));
      }
    });

    it('should print the memory of a stored session with five items, of a never-written visitor, and the bytes a stored session counts for', () => {
      const memory = result.stdout.slice(result.stdout.indexOf('\nMemory, in-process store'));
      expect(memory).toMatch(
        /- stored session with five short public items: 2000 sessions, heap [+−][\d.]+ MiB \(-?\d+ B per session\), RSS [+−][\d.]+ MiB \(-?\d+ B per session\); the LRU store's calculatedSize counts \d+ B of JSON per session/,
      );
      expect(memory).toMatch(/- never-written visitor: 2000 cookieless page views, heap [+−]\d+ KiB \(-?[\d.]+ B per visitor\), 0 sessions stored/);
      if (withRedis) expect(memory).toMatch(/- on Redis: MEMORY USAGE \d+ B per session key \(\d+ B of record JSON\), over 200 stored sessions/);
    });

    it('should print every target, and decline to conclude from a single round', () => {
      const targets = result.stdout.slice(result.stdout.indexOf('\nTargets\n'));
      expect(targets).toMatch(/in-process store, returning visitor, throughput ≥ 0\.85× bare Express: .* → 1 round\(s\) give no interval/);
      expect(targets).toMatch(/in-process store, new visitor, throughput ≥ 0\.85× bare Express: .* → 1 round\(s\) give no interval/);
      expect(targets).toMatch(/in-process store, PATCH, throughput ≥ 0\.7× bare Express: .* → 1 round\(s\) give no interval/);
      expect(targets).toMatch(/in-process store, new visitor within about 10% of a returning one: throughput ≥ 0\.9× the returning visitor's: .* → 1 round\(s\) give no interval/);
      expect(targets).toMatch(/memory per never-written visitor: zero .*: -?[\d.]+ B of heap, 0 sessions stored → 2000 visitors are too few to conclude/);
      expect(targets).toMatch(new RegExp(`bot flood, vtex-session stores nothing: 0 sessions stored by ${FLOOD} cookieless requests → holds`));
      if (withRedis) {
        expect(targets).toMatch(/Redis, returning: throughput ≥ 1\.3× express-session \+ connect-redis/);
        expect(targets).toMatch(/never-written returning visitor, RedisSessionStore as fast as the in-process store: throughput ≥ 0\.9× in-process: .* → 1 round\(s\) give no interval/);
      }
    });
  });

  describe('when another build is measured beside this one', () => {
    it('should run both in the same rounds and print this build ÷ that one for each scenario', async () => {
      const { code, stdout, stderr } = await run('run.js', ['--configs=vtex-session', '--scenarios=returning,new', `--compare=${join(ROOT, 'dist')}`], {
        BENCH_DURATION: '200',
        BENCH_ROUNDS: '1',
        BENCH_WARMUP: '0',
        BENCH_SESSIONS: '0',
        BENCH_FLOOD: '0',
      });
      expect(stderr).not.toMatch(/Error/);
      expect(code).toBe(0);
      expect(row(stdout, SCENARIOS[0].label, 'vtex-session, compared build')).toBeDefined();
      for (const scenario of ['returning visitor', 'new visitor']) {
        expect(stdout).toMatch(new RegExp(`- ${scenario}, this build ÷ the compared build: [\\d.]+ \\(one round\\), CPU [+-]?\\d+ \\(one round\\) µs per request`));
      }
    }, 60_000);
  });

  describe('when the in-process measurement runs a few requests', () => {
    it('should print the CPU each configuration adds over bare Express', async () => {
      const { code, stdout } = await run('micro.js', ['--calls=300', '--rounds=1'], {});
      expect(code).toBe(0);
      for (const { label } of configurations.filter((c) => !c.redis && c.name !== 'express')) {
        expect(stdout).toMatch(new RegExp(`${label.replace(/[+()]/g, '\\$&')} +[\\d.]+ \\(one round\\) µs, added -?[\\d.]+ \\(one round\\) µs`));
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
