'use strict';
/**
 * `npm run bench`: what a request costs with each session layer, side by side.
 *
 * Each configuration runs in its own server process on 127.0.0.1; autocannon drives them one after
 * the other, round by round (A B C … A B C …), so that drift on a noisy machine hits all alike.
 * Each figure is the median of the rounds with a distribution-free interval (see stats.js), and
 * every ratio compares two configurations measured in the same round. Server CPU comes from the
 * server process itself (process.cpuUsage() read over IPC before and after each run).
 *
 * Options (flag or environment variable):
 *   --duration=ms     BENCH_DURATION     time one configuration is measured per round and scenario, in
 *                                        two halves: A B C, then C B A (default 2000)
 *   --rounds=n        BENCH_ROUNDS       rounds (default 9)
 *   --connections=n   BENCH_CONNECTIONS  concurrent connections (default 10)
 *   --warmup=ms       BENCH_WARMUP       unmeasured run per configuration and scenario first (default 1000)
 *   --configs=a,b     BENCH_CONFIGS      configurations (default all; Redis ones skipped when Redis is down)
 *   --scenarios=a,b   BENCH_SCENARIOS    returning, new, patch (default all)
 *   --sessions=n      BENCH_SESSIONS     sessions created for the memory figure (default 100000; 0 skips it)
 *   --profile=dir     BENCH_PROFILE      run every server under `node --cpu-prof` into dir (profile.js reads it)
 *   --json=file       BENCH_JSON         also write every round's raw figures to file
 *   --pin=on|off      BENCH_PIN          the load generator on the first CPU, every server on the second
 *                                        (default on where `taskset` and two CPUs are)
 * Redis: REDIS_URL, else redis://127.0.0.1:6379. BENCH_PACKAGE names another build of the package
 * to measure (a directory with its index.js), to compare a change with what came before.
 */
const { fork, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const http = require('node:http');
const path = require('node:path');
const autocannon = require('autocannon');
const { patchBody } = require('./apps');
const { CONFIGURATIONS, SCENARIOS, BASELINE, flagReader } = require('./configurations');
const { summarize, verdict } = require('./stats');

const SERVER = path.join(__dirname, 'server.js');
const MEMORY = path.join(__dirname, 'memory.js');
// Sessions each returning-visitor and PATCH run cycles through: more than the connections, so
// that two requests in flight almost never share a session (a PATCH would then race itself).
const POOL_SIZE = 100;
const START_TIMEOUT = 15_000;

function readOptions(argv = process.argv.slice(2), env = process.env) {
  const pick = flagReader('BENCH', argv, env);
  const number = (name, fallback, min) => {
    const value = Number(pick(name, fallback));
    if (!Number.isFinite(value) || value < min) throw new Error(`option ${name} is invalid: ${pick(name, fallback)}`);
    return value;
  };
  const list = (name, known) => {
    const raw = pick(name, undefined);
    if (raw === undefined || raw === '') return { names: known, explicit: false };
    const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
    for (const n of names) if (!known.includes(n)) throw new Error(`option ${name} is invalid: ${n} (one of ${known.join(', ')})`);
    return { names, explicit: true };
  };
  const onOff = (name, fallback) => {
    const raw = pick(name, undefined);
    if (raw === undefined || raw === '') return fallback;
    if (raw !== 'on' && raw !== 'off') throw new Error(`option ${name} is invalid: ${raw} (on or off)`);
    return raw === 'on';
  };
  const configs = list('configs', CONFIGURATIONS.map((c) => c.name));
  // Ratios need the baseline in every round.
  if (!configs.names.includes(BASELINE)) configs.names.unshift(BASELINE);
  return {
    duration: number('duration', 2000, 100),
    rounds: number('rounds', 9, 1),
    connections: number('connections', 10, 1),
    warmup: number('warmup', 1000, 0),
    configs,
    scenarios: list('scenarios', SCENARIOS.map((s) => s.name)).names,
    sessions: number('sessions', 100_000, 0),
    profile: pick('profile', undefined),
    pin: onOff('pin', canPin()),
    json: pick('json', undefined),
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

/**
 * Pinning keeps the load generator and the server each on a core of its own: left to the scheduler
 * they trade places and share caches, and on two cores that is most of the noise between rounds.
 */
function canPin() {
  if (process.platform !== 'linux' || os.availableParallelism() < 2) return false;
  // Both CPUs must be ours to use (a container may be limited to others).
  return ['0', '1'].every((cpu) => spawnSync('taskset', ['-c', cpu, 'true'], { stdio: 'ignore' }).status === 0);
}

/** Every thread of this process (the load generator's) onto CPU 0. */
function pinSelf() {
  const result = spawnSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error('taskset could not pin the load generator to CPU 0');
}

async function redisReachable(url) {
  const { createClient } = require('redis');
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.destroy?.();
  }
}

/** A server process: started, asked for its CPU time, stopped; killed if it does not stop. */
class Server {
  constructor(config, options) {
    this.config = config;
    const nodeFlags = options.profile ? ['--cpu-prof', '--cpu-prof-dir', options.profile] : [];
    // Pinned, the server starts under `taskset`, so that every thread node creates inherits the CPU.
    this.child = fork(SERVER, [config.name], {
      ...(options.pin ? { execPath: 'taskset', execArgv: ['-c', '1', process.execPath, ...nodeFlags] } : { execArgv: nodeFlags }),
      env: { ...process.env, NODE_ENV: 'production', REDIS_URL: options.redisUrl },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.pending = new Map();
    this.nextId = 0;
    // Every request this server answered, warm-up included: a profile's time divides by it.
    this.requests = 0;
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    // A failed send (the server died) is reported by the call that sent it.
    this.child.on('error', () => {});
    this.child.on('message', (message) => {
      if (message?.type !== 'cpu') return;
      this.pending.get(message.id)?.(message.usage);
      this.pending.delete(message.id);
    });
  }

  ready() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.config.name} did not start within ${START_TIMEOUT} ms`)), START_TIMEOUT);
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.config.name} exited with code ${code} before it was ready`));
      });
      this.child.on('message', (message) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        this.port = message.port;
        resolve(this);
      });
    });
  }

  /** User + system microseconds the server process has used so far. */
  cpu() {
    return new Promise((resolve, reject) => {
      if (!this.child.connected) {
        reject(new Error(`${this.config.name} is no longer running (exit code ${this.child.exitCode}, signal ${this.child.signalCode})`));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => reject(new Error(`${this.config.name} did not report its CPU`)), 5000);
      this.pending.set(id, (usage) => {
        clearTimeout(timer);
        resolve(usage.user + usage.system);
      });
      this.child.send({ type: 'cpu', id }, (error) => error && reject(new Error(`${this.config.name} is no longer running: ${error.message}`)));
    });
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function get(port, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: cookie ? { cookie } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
  });
}

/** A visitor's Cookie header: what a first page view set, as a browser would send it back. */
async function cookiesOfNewVisitor(port) {
  const res = await get(port);
  if (res.statusCode !== 200) throw new Error(`GET / answered ${res.statusCode}`);
  const set = res.headers['set-cookie'] ?? [];
  return set.map((line) => line.slice(0, line.indexOf(';'))).join('; ');
}

async function cookiePool(server) {
  const pool = [];
  for (let i = 0; i < POOL_SIZE; i++) pool.push(await cookiesOfNewVisitor(server.port));
  server.requests += POOL_SIZE;
  if (server.config.session && pool.some((c) => c === '')) throw new Error(`${server.config.name} set no session cookie`);
  return pool;
}

/** autocannon's request list for one scenario; cookies rotate through the pool. */
function requestsFor(scenario, pool) {
  let turn = 0;
  const nextCookie = () => pool[turn++ % pool.length];
  if (scenario === 'new') return [{ method: 'GET', path: '/' }];
  if (scenario === 'returning') {
    return [{ method: 'GET', path: '/', setupRequest: (req) => ({ ...req, headers: { cookie: nextCookie() } }) }];
  }
  // Every PATCH changes both items, so that every request is a real write.
  let n = 0;
  return [
    {
      method: 'PATCH',
      path: '/api/sessions',
      setupRequest: (req) => {
        n++;
        return { ...req, headers: { cookie: nextCookie(), 'content-type': 'application/json' }, body: patchBody(n) };
      },
    },
  ];
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One bounded run of autocannon against one server; latencies are kept at full precision. */
function load(server, scenario, pool, duration, connections) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const started = process.hrtime.bigint();
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${server.port}`,
        connections,
        duration: duration / 1000,
        // The run ends at the first sample after `duration`: sample often so that it ends on time.
        sampleInt: 50,
        requests: requestsFor(scenario, pool),
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
        server.requests += latencies.length;
        resolve({ latencies, elapsed, failures: result.errors + result.timeouts + result.non2xx });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

/** One half of a configuration's turn in a round: a run of autocannon, with the server's CPU around it. */
async function half(server, scenario, pool, options) {
  const before = await server.cpu();
  const run = await load(server, scenario, pool, options.duration / 2, options.connections);
  const after = await server.cpu();
  return { ...run, cpu: after - before };
}

/** The figures of a configuration's turn in a round, from its two halves. */
function combine([first, second]) {
  const latencies = first.latencies.concat(second.latencies).sort((a, b) => a - b);
  const requests = latencies.length;
  return {
    requests,
    rps: requests / (first.elapsed + second.elapsed),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures: first.failures + second.failures,
    cpuPerRequest: requests > 0 ? (first.cpu + second.cpu) / requests : NaN,
  };
}

/**
 * One round of one scenario: every configuration runs half its time in order, then the other half
 * in reverse order (A B C, then C B A). A drift of the machine's speed during the round, steady
 * enough to look straight over it, then weighs alike on every configuration: the ratios of the
 * round keep it out.
 */
async function runRound(servers, scenario, pools, options) {
  const halves = new Map(servers.map((s) => [s, []]));
  for (const server of [...servers, ...[...servers].reverse()]) {
    halves.get(server).push(await half(server, scenario, pools[server.config.name][scenario], options));
  }
  return new Map(servers.map((s) => [s.config.name, combine(halves.get(s))]));
}

function memoryFigure(sessions) {
  return new Promise((resolve, reject) => {
    const child = fork(MEMORY, [String(sessions)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`memory.js exited with code ${code}`))));
    memoryFigure.child = child;
  });
}

// ---- printing ----

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const interval = (s, digits) => (s.coverage > 0 ? `${fixed(s.low, digits)}–${fixed(s.high, digits)}` : 'one round');
const withInterval = (s, digits) => `${fixed(s.median, digits)} (${interval(s, digits)})`;
const signed = (s) => `${s.median >= 0 ? '+' : ''}${fixed(s.median, 0)} (${interval(s, 0)})`;

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** One configuration's rounds against another's, round by round: throughput ratio and added CPU. */
function against(runs, others) {
  return {
    ratio: summarize(runs.map((r, i) => r.rps / others[i].rps)),
    addedCpu: summarize(runs.map((r, i) => r.cpuPerRequest - others[i].cpuPerRequest)),
  };
}

function summaries(results, configs, scenario) {
  const base = results[BASELINE][scenario];
  const out = {};
  for (const config of configs) {
    const runs = results[config.name][scenario];
    out[config.name] = {
      rps: summarize(runs.map((r) => r.rps)),
      p50: summarize(runs.map((r) => r.p50)),
      p99: summarize(runs.map((r) => r.p99)),
      cpu: summarize(runs.map((r) => r.cpuPerRequest)),
      ...against(runs, base),
      failures: runs.reduce((sum, r) => sum + r.failures, 0),
    };
  }
  return out;
}

function printScenario(scenario, configs, s) {
  const header = ['configuration', 'req/s', '× bare Express', 'p50 ms', 'p99 ms', 'CPU µs/req', 'added CPU µs/req'];
  const rows = configs.map((c) => {
    const m = s[c.name];
    const isBase = c.name === BASELINE;
    return [
      c.label,
      fixed(m.rps.median, 0),
      isBase ? '1' : withInterval(m.ratio, 2),
      fixed(m.p50.median, 2),
      fixed(m.p99.median, 2),
      fixed(m.cpu.median, 0),
      isBase ? '' : signed(m.addedCpu),
    ];
  });
  console.log(`\n${scenario.label}\n`);
  console.log(table(header, rows));
  for (const c of configs) {
    if (s[c.name].failures > 0) console.log(`  warning: ${c.label} answered ${s[c.name].failures} requests with an error or a non-2xx status`);
  }
}

function printTargets(results, configs, scenarios, summariesByScenario, memory) {
  const lines = [];
  const has = (name) => configs.some((c) => c.name === name);
  const check = (label, summary, target, direction, digits) => {
    const v = verdict(summary, target, direction);
    lines.push(`- ${label}: ${withInterval(summary, digits)} → ${v.text}`);
  };
  const scenarioOf = (name) => scenarios.find((s) => s.name === name);
  if (has('vtex-session')) {
    for (const [name, ratio, cpu] of [
      ['returning', 0.8, 60],
      ['new', 0.75, 80],
    ]) {
      if (!scenarioOf(name)) continue;
      const m = summariesByScenario[name]['vtex-session'];
      check(`in-process store, ${name} visitor, throughput ≥ ${ratio}× bare Express`, m.ratio, ratio, 'atLeast', 2);
      check(`in-process store, ${name} visitor, added CPU ≤ ${cpu} µs per request`, m.addedCpu, cpu, 'atMost', 0);
    }
  }
  if (has('vtex-session-redis') && has('express-session-redis')) {
    for (const scenario of scenarios) {
      const { ratio } = against(results['vtex-session-redis'][scenario.name], results['express-session-redis'][scenario.name]);
      check(`Redis, ${scenario.name}: throughput ≥ 1.3× express-session + connect-redis`, ratio, 1.3, 'atLeast', 2);
    }
  }
  if (memory !== undefined) {
    const perSession = memory.heapPerSession;
    lines.push(`- memory per idle anonymous session ≤ 1 KiB: ${fixed(perSession, 0)} B of heap → ${perSession <= 1024 ? 'holds' : 'does not hold'}`);
  }
  if (lines.length > 0) console.log(`\nTargets\n\n${lines.join('\n')}`);
}

/** Not a target: the session layer's own cost, with Express's objects treated alike on both sides. */
function printSessionLayerAlone(results, configs, scenarios) {
  if (!configs.some((c) => c.name === 'vtex-session') || !configs.some((c) => c.name === 'express-shared')) return;
  const lines = scenarios.map((scenario) => {
    const { ratio, addedCpu } = against(results['vtex-session'][scenario.name], results['express-shared'][scenario.name]);
    return `- ${scenario.name}: throughput ${withInterval(ratio, 2)}×, added CPU ${signed(addedCpu)} µs per request`;
  });
  console.log(`\nThe session layer by itself: the in-process store against Express with shared hidden classes\n\n${lines.join('\n')}`);
}

// ---- main ----

async function main() {
  const options = readOptions();
  let configs = CONFIGURATIONS.filter((c) => options.configs.names.includes(c.name));
  const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.name));

  if (configs.some((c) => c.redis) && !(await redisReachable(options.redisUrl))) {
    if (options.configs.explicit) throw new Error(`Redis is not reachable at ${options.redisUrl}`);
    console.log(`Redis is not reachable at ${options.redisUrl}: the Redis configurations are left out.`);
    configs = configs.filter((c) => !c.redis);
  }

  if (options.pin) pinSelf();
  console.log(
    `vtex-session benchmark: Node ${process.version}, ${os.cpus().length} cores, ` +
      `${options.rounds} round(s) of ${options.duration} ms per configuration and scenario, ${options.connections} connections` +
      (options.pin ? ', load generator on CPU 0 and servers on CPU 1' : ', processes not pinned'),
  );

  const servers = [];
  const stopAll = () => Promise.all(servers.map((s) => s.stop().catch(() => s.kill())));
  const killAll = () => {
    for (const s of servers) s.kill();
    memoryFigure.child?.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }

  try {
    for (const config of configs) servers.push(new Server(config, options));
    await Promise.all(servers.map((s) => s.ready()));

    const pools = {};
    for (const server of servers) {
      pools[server.config.name] = { returning: await cookiePool(server), patch: await cookiePool(server), new: [] };
    }

    if (options.warmup > 0) {
      for (const scenario of scenarios) {
        for (const server of servers) await load(server, scenario.name, pools[server.config.name][scenario.name], options.warmup, options.connections);
      }
    }

    const results = {};
    for (const c of configs) results[c.name] = Object.fromEntries(scenarios.map((s) => [s.name, []]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const scenario of scenarios) {
        for (const [name, figures] of await runRound(servers, scenario.name, pools, options)) results[name][scenario.name].push(figures);
      }
      process.stderr.write(`round ${round}/${options.rounds} done\n`);
    }

    await stopAll();
    if (options.profile) {
      for (const s of servers.filter((s) => s.child.spawnargs.includes('--cpu-prof'))) {
        console.log(`profile of ${s.config.name} (pid ${s.child.pid}): node spec/bench/profile.js ${options.profile}/CPU.*.${s.child.pid}.*.cpuprofile --requests=${s.requests}`);
      }
    }

    const memory = options.sessions > 0 ? await memoryFigure(options.sessions) : undefined;

    const byScenario = {};
    for (const scenario of scenarios) {
      byScenario[scenario.name] = summaries(results, configs, scenario.name);
      printScenario(scenario, configs, byScenario[scenario.name]);
    }
    const n = options.rounds;
    console.log(
      `\nMedians of ${n} round(s); in brackets, the interval that holds the median with ` +
        `${n > 1 ? `${(summarize(Array.from({ length: n }, (_, i) => i)).coverage * 100).toFixed(1)}%` : 'no'} confidence ` +
        `(order statistics of the per-round values). Ratios and added CPU compare runs of the same round.` +
        `${configs.some((c) => c.redis) ? ' CPU is the Node server process only (Redis itself is not counted).' : ''}`,
    );
    if (memory !== undefined) {
      console.log(
        `\nMemory: ${memory.sessions} anonymous sessions in the in-process store: heap +${fixed(memory.heap / 1048576, 1)} MiB ` +
          `(${fixed(memory.heapPerSession, 0)} B per session), RSS +${fixed(memory.rss / 1048576, 1)} MiB (${fixed(memory.rssPerSession, 0)} B per session)`,
      );
    }
    printSessionLayerAlone(results, configs, scenarios);
    printTargets(results, configs, scenarios, byScenario, memory);
    if (options.json) {
      const { pin, rounds, duration, connections } = options;
      fs.writeFileSync(options.json, `${JSON.stringify({ node: process.version, pin, rounds, duration, connections, results, memory }, null, 1)}\n`);
    }
  } finally {
    await stopAll();
    killAll();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error.stack ?? String(error));
    process.exitCode = 1;
  });
}

module.exports = { readOptions };
