'use strict';
/**
 * `npm run bench`: what a request costs with each session layer, side by side.
 *
 * Each configuration runs in its own server process on 127.0.0.1; autocannon drives them one after
 * the other, round by round (A B C … A B C …), so that drift on a noisy machine hits all alike.
 * Each figure is the median of the rounds with a distribution-free interval (see stats.js), and
 * every ratio compares two runs of the same round. Server CPU comes from the server process itself
 * (process.cpuUsage() read over IPC before and after each run). Then the bot flood (fresh servers,
 * cookieless requests of any method and path, the store's size after them) and the memory figures
 * (memory.js, in processes of their own).
 *
 * Options (flag or environment variable):
 *   --duration=ms     BENCH_DURATION     time one configuration is measured per round and scenario, in
 *                                        two halves: A B C, then C B A (default 2000)
 *   --rounds=n        BENCH_ROUNDS       rounds (default 9)
 *   --connections=n   BENCH_CONNECTIONS  concurrent connections (default 10)
 *   --warmup=ms       BENCH_WARMUP       unmeasured run per configuration and scenario first (default 1000)
 *   --configs=a,b     BENCH_CONFIGS      configurations (default all; Redis ones skipped when Redis is down)
 *   --scenarios=a,b   BENCH_SCENARIOS    returning, unwritten, new, patch (default all)
 *   --flood=n         BENCH_FLOOD        cookieless requests per configuration and round in the bot
 *                                        flood (default 20000; 0 skips it)
 *   --sessions=n      BENCH_SESSIONS     sessions and visitors for the memory figures (default 100000;
 *                                        0 skips them)
 *   --profile=dir     BENCH_PROFILE      run every server under `node --cpu-prof` into dir (profile.js reads it)
 *   --json=file       BENCH_JSON         also write every round's raw figures to file
 *   --compare=dir     BENCH_COMPARE      also measure another build of the package (a directory with
 *                                        its index.js, e.g. a worktree of the last commit, built) in
 *                                        the same rounds, and print this build ÷ that one
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
const { CONFIGURATIONS, SCENARIOS, FLOOD_CONFIGURATIONS, BASELINE, flagReader } = require('./configurations');
const { summarize, verdict, median } = require('./stats');

const SERVER = path.join(__dirname, 'server.js');
const MEMORY = path.join(__dirname, 'memory.js');
// Sessions each returning-visitor and PATCH run cycles through: more than the connections, so
// that two requests in flight almost never share a session (a PATCH would then race itself).
const POOL_SIZE = 100;
const START_TIMEOUT = 15_000;
// Visitors the memory figure on Redis stores and measures key by key.
const REDIS_MEMORY_SESSIONS = 200;
// Below this many never-written visitors, the noise of a heap measurement is larger than the target.
const MEMORY_VISITORS_TO_CONCLUDE = 50_000;
// The most one run of the bot flood may take, whatever its number of requests.
const FLOOD_TIME_LIMIT = 60_000;

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
  const connections = number('connections', 10, 1);
  const flood = number('flood', 20_000, 0);
  // Each run of the flood is half a round's requests, and every connection must get some.
  if (flood > 0 && flood < 2 * connections) throw new Error(`option flood is invalid: ${flood} (0, or at least twice the connections)`);
  return {
    duration: number('duration', 2000, 100),
    rounds: number('rounds', 9, 1),
    connections,
    flood,
    warmup: number('warmup', 1000, 0),
    configs,
    scenarios: list('scenarios', SCENARIOS.map((s) => s.name)).names,
    sessions: number('sessions', 100_000, 0),
    profile: pick('profile', undefined),
    pin: onOff('pin', canPin()),
    json: pick('json', undefined),
    compare: pick('compare', undefined),
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
    this.child = fork(SERVER, [config.app ?? config.name], {
      ...(options.pin ? { execPath: 'taskset', execArgv: ['-c', '1', process.execPath, ...nodeFlags] } : { execArgv: nodeFlags }),
      env: { ...process.env, NODE_ENV: 'production', REDIS_URL: options.redisUrl, ...config.env },
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
      if (message?.type !== 'cpu' && message?.type !== 'held') return;
      this.pending.get(message.id)?.(message);
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

  /** Asks the server process over IPC: `cpu` or `held`. */
  ask(type) {
    return new Promise((resolve, reject) => {
      if (!this.child.connected) {
        reject(new Error(`${this.config.name} is no longer running (exit code ${this.child.exitCode}, signal ${this.child.signalCode})`));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => reject(new Error(`${this.config.name} did not answer ${type}`)), 5000);
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.child.send({ type, id }, (error) => error && reject(new Error(`${this.config.name} is no longer running: ${error.message}`)));
    });
  }

  /** User + system microseconds the server process has used so far, and the Redis commands its session store sent. */
  async cpu() {
    const { usage, commands } = await this.ask('cpu');
    return { cpu: usage.user + usage.system, commands };
  }

  /** What the server's in-process store holds: `{ sessions, bytes }`, or undefined. */
  async held() {
    return (await this.ask('held')).held;
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

function send(port, { method = 'GET', path = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The cookies a response set, as `name=value` pairs, over those a browser already had. */
function cookieJar(res, jar = new Map()) {
  for (const line of res.headers['set-cookie'] ?? []) {
    const pair = line.slice(0, line.indexOf(';'));
    jar.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  return jar;
}

const cookieHeader = (jar) => [...jar.values()].join('; ');

/** A visitor's Cookie header after a first page view, as a browser would send it back. */
async function cookiesOfNewVisitor(port) {
  const res = await send(port);
  if (res.statusCode !== 200) throw new Error(`GET / answered ${res.statusCode}`);
  return cookieHeader(cookieJar(res));
}

/** A visitor's Cookie header after a first page view and one write (the PATCH of the benchmark): a stored session. */
async function cookiesOfWriter(port, n) {
  const jar = cookieJar(await send(port));
  const res = await send(port, {
    method: 'PATCH',
    path: '/api/sessions',
    headers: { cookie: cookieHeader(jar), 'content-type': 'application/json' },
    body: patchBody(n),
  });
  if (res.statusCode !== 200) throw new Error(`PATCH /api/sessions answered ${res.statusCode}`);
  return cookieHeader(cookieJar(res, jar));
}

/** Visitors' cookies: `written` ones have a stored session, the others only viewed a first page. */
async function cookiePool(server, written) {
  const pool = [];
  for (let i = 0; i < POOL_SIZE; i++) pool.push(written ? await cookiesOfWriter(server.port, i) : await cookiesOfNewVisitor(server.port));
  server.requests += POOL_SIZE * (written ? 2 : 1);
  if (server.config.session && pool.some((c) => c === '')) throw new Error(`${server.config.name} set no session cookie`);
  return pool;
}

/** autocannon's request list for one scenario; cookies rotate through the pool. */
function requestsFor(scenario, pool) {
  let turn = 0;
  const nextCookie = () => pool[turn++ % pool.length];
  if (scenario === 'new') return [{ method: 'GET', path: '/' }];
  if (scenario === 'returning' || scenario === 'unwritten') {
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
  return { ...run, cpu: after.cpu - before.cpu, commands: after.commands - before.commands };
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
    // Redis commands the session store sent during the run (RedisSessionStore only).
    ...(Number.isFinite(first.commands) ? { redisCommands: first.commands + second.commands } : {}),
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

/** One figure of memory.js (`stored`, `unwritten` or `redis`), from a process of its own. */
function memoryFigure(mode, count, redisUrl) {
  return new Promise((resolve, reject) => {
    const args = [mode, String(count), ...(redisUrl ? [redisUrl] : [])];
    const child = fork(MEMORY, args, { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      memoryFigure.child = undefined;
      if (code === 0) resolve(JSON.parse(out.trim()));
      else reject(new Error(`memory.js ${mode} exited with code ${code}`));
    });
    memoryFigure.child = child;
  });
}

async function memoryFigures(options, withRedis) {
  return {
    stored: await memoryFigure('stored', options.sessions),
    unwritten: await memoryFigure('unwritten', options.sessions),
    redis: withRedis ? await memoryFigure('redis', Math.min(options.sessions, REDIS_MEMORY_SESSIONS), options.redisUrl) : undefined,
  };
}

// ---- the bot flood ----

/**
 * What crawlers, probes and load balancers send: any method, any path, 404s included, never a
 * cookie (autocannon keeps none). No HEAD: autocannon's parser would wait for the body a HEAD
 * response announces and never gets.
 */
function floodRequests() {
  let n = 0;
  const numbered = (path) => (req) => ({ ...req, path: path(++n) });
  return [
    { method: 'GET', path: '/' },
    { method: 'GET', setupRequest: numbered((i) => `/product/${i}?ref=crawler`) },
    { method: 'GET', path: '/health' },
    { method: 'GET', setupRequest: numbered((i) => `/missing/${i}.php`) },
    { method: 'POST', path: '/wp-login.php', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'log=admin&pwd=x' },
    { method: 'OPTIONS', path: '/' },
    { method: 'GET', path: '/api/sessions?items=*' },
    { method: 'POST', path: '/api/sessions', headers: { 'content-type': 'application/json' }, body: '{}' },
  ];
}

/** `amount` cookieless requests against one server, bounded in time as well. */
function floodRun(server, amount, connections) {
  return new Promise((resolve, reject) => {
    let answered = 0;
    let last = process.hrtime.bigint();
    const started = last;
    let timedOut = false;
    const instance = autocannon(
      { url: `http://127.0.0.1:${server.port}`, connections, amount, sampleInt: 50, requests: floodRequests() },
      (error, result) => {
        clearTimeout(timer);
        if (error) return reject(error);
        server.requests += answered;
        // Until the last answer: autocannon itself stops at its next sample.
        resolve({ requests: answered, elapsed: Number(last - started) / 1e9, serverErrors: result['5xx'] + result.errors + result.timeouts, timedOut });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      instance.stop();
    }, FLOOD_TIME_LIMIT);
    instance.on('response', () => {
      answered++;
      last = process.hrtime.bigint();
    });
  });
}

/**
 * The bot flood, round by round on fresh servers: each configuration gets half a round's requests
 * in order and half in reverse order, as in the other rounds, and its store is read after each
 * round. A short unmeasured flood first warms the servers up; what it stored is counted apart.
 */
async function runFlood(servers, options) {
  const half = Math.floor(options.flood / 2);
  const runs = new Map(servers.map((s) => [s.config.name, []]));
  if (options.warmup > 0) {
    for (const server of servers) await floodRun(server, Math.min(half, 2000), options.connections);
  }
  const held = new Map();
  for (const server of servers) held.set(server.config.name, [await server.held()]);
  for (let round = 1; round <= options.rounds; round++) {
    const halves = new Map(servers.map((s) => [s, []]));
    for (const server of [...servers, ...[...servers].reverse()]) halves.get(server).push(await floodRun(server, half, options.connections));
    for (const server of servers) {
      const [first, second] = halves.get(server);
      const requests = first.requests + second.requests;
      const after = await server.held();
      const before = held.get(server.config.name).at(-1);
      held.get(server.config.name).push(after);
      runs.get(server.config.name).push({
        requests,
        rps: requests / (first.elapsed + second.elapsed),
        serverErrors: first.serverErrors + second.serverErrors,
        timedOut: first.timedOut || second.timedOut,
        sessionsAdded: after.sessions - before.sessions,
        bytesAdded: after.bytes - before.bytes,
        held: after,
      });
    }
    process.stderr.write(`bot flood round ${round}/${options.rounds} done\n`);
  }
  return Object.fromEntries(runs);
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

/** One scenario's rounds against another's, for one configuration, round by round. */
function scenarioRatio(results, config, scenario, other) {
  const runs = results[config]?.[scenario];
  const others = results[config]?.[other];
  if (runs === undefined || others === undefined) return undefined;
  return summarize(runs.map((r, i) => r.rps / others[i].rps));
}

function printTargets(results, configs, scenarios, summariesByScenario, memory, flood) {
  const lines = [];
  const has = (name) => configs.some((c) => c.name === name);
  const check = (label, summary, target, direction, digits) => {
    const v = verdict(summary, target, direction);
    lines.push(`- ${label}: ${withInterval(summary, digits)} → ${v.text}`);
  };
  const exact = (label, measured, holds) => lines.push(`- ${label}: ${measured} → ${holds ? 'holds' : 'does not hold'}`);
  const scenarioOf = (name) => scenarios.find((s) => s.name === name);
  // With the defaults (Express's objects left alone), against bare Express in the same rounds.
  if (has('vtex-session')) {
    for (const [name, ratio] of [
      ['returning', 0.85],
      ['new', 0.85],
      ['patch', 0.7],
    ]) {
      if (!scenarioOf(name)) continue;
      const m = summariesByScenario[name]['vtex-session'];
      check(`in-process store, ${scenarioOf(name).short}, throughput ≥ ${ratio}× bare Express`, m.ratio, ratio, 'atLeast', 2);
    }
  }
  if (has('compared')) {
    for (const scenario of scenarios) {
      const { ratio, addedCpu } = against(results['vtex-session'][scenario.name], results.compared[scenario.name]);
      lines.push(`- ${scenario.short}, this build ÷ the compared build: ${withInterval(ratio, 2)}, CPU ${signed(addedCpu)} µs per request`);
    }
  }
  // Nothing is stored for a new visitor any more: a first page view costs about what a returning visitor's does.
  for (const [name, label] of [
    ['vtex-session', 'in-process store'],
    ['vtex-session-redis', 'RedisSessionStore'],
  ]) {
    const ratio = has(name) ? scenarioRatio(results, name, 'new', 'returning') : undefined;
    if (ratio !== undefined) check(`${label}, new visitor within about 10% of a returning one: throughput ≥ 0.9× the returning visitor's`, ratio, 0.9, 'atLeast', 2);
  }
  // A never-written returning visitor makes no store operation: on Redis as fast as in-process.
  if (has('vtex-session') && has('vtex-session-redis') && scenarioOf('unwritten')) {
    const runs = results['vtex-session-redis'].unwritten;
    const { ratio, addedCpu } = against(runs, results['vtex-session'].unwritten);
    check('never-written returning visitor, RedisSessionStore as fast as the in-process store: throughput ≥ 0.9× in-process', ratio, 0.9, 'atLeast', 2);
    lines.push(`  (CPU per request on RedisSessionStore minus in-process: ${signed(addedCpu)} µs)`);
    const commands = runs.reduce((sum, r) => sum + r.redisCommands, 0);
    const requests = runs.reduce((sum, r) => sum + r.requests, 0);
    exact('never-written returning visitor, Redis commands sent: none', `${commands} over ${requests} requests`, commands === 0);
  }
  if (has('vtex-session-redis') && has('express-session-redis')) {
    for (const scenario of scenarios) {
      const { ratio } = against(results['vtex-session-redis'][scenario.name], results['express-session-redis'][scenario.name]);
      check(`Redis, ${scenario.name}: throughput ≥ 1.3× express-session + connect-redis`, ratio, 1.3, 'atLeast', 2);
    }
  }
  if (memory !== undefined) {
    const { heapPerVisitor, stored, visitors } = memory.unwritten;
    const label = 'memory per never-written visitor: zero (≤ 8 B of heap each, the noise of a measurement, and nothing stored)';
    const measured = `${fixed(heapPerVisitor, 1)} B of heap, ${stored} sessions stored`;
    // A heap measurement moves by some 100 KiB whatever was done: over too few visitors that noise is the figure.
    if (stored === 0 && visitors < MEMORY_VISITORS_TO_CONCLUDE) lines.push(`- ${label}: ${measured} → ${visitors} visitors are too few to conclude on the heap (run with --sessions=${MEMORY_VISITORS_TO_CONCLUDE} or more)`);
    else exact(label, measured, heapPerVisitor <= 8 && stored === 0);
  }
  if (flood?.['vtex-session'] !== undefined) {
    const added = flood['vtex-session'].reduce((sum, r) => sum + r.sessionsAdded, 0);
    const requests = flood['vtex-session'].reduce((sum, r) => sum + r.requests, 0);
    exact('bot flood, vtex-session stores nothing', `${added} sessions stored by ${requests} cookieless requests`, added === 0);
  }
  if (lines.length > 0) console.log(`\nTargets\n\n${lines.join('\n')}`);
}

// n/a where a store does not say (a build of the package before LruSessionStore counted bytes).
const mib = (bytes) => (Number.isFinite(bytes) ? `${fixed(bytes / 1048576, 1)} MiB` : 'n/a');
// A growth, signed: a heap can also end smaller than it began.
const growth = (bytes, unit) => `${bytes >= 0 ? '+' : '−'}${unit === 'KiB' ? `${fixed(Math.abs(bytes) / 1024, 0)} KiB` : mib(Math.abs(bytes))}`;

function printMemory(memory) {
  const { stored, unwritten, redis } = memory;
  const lines = [
    `- stored session with five short public items: ${stored.sessions} sessions, heap ${growth(stored.heap, 'MiB')} (${fixed(stored.heapPerSession, 0)} B per session), ` +
      `RSS ${growth(stored.rss, 'MiB')} (${fixed(stored.rssPerSession, 0)} B per session); the LRU store's calculatedSize counts ${fixed(stored.bytesPerSession, 0)} B of JSON per session`,
    `- never-written visitor: ${unwritten.visitors} cookieless page views, heap ${growth(unwritten.heap, 'KiB')} ` +
      `(${fixed(unwritten.heapPerVisitor, 1)} B per visitor), ${unwritten.stored} sessions stored`,
  ];
  if (redis !== undefined) {
    lines.push(`- on Redis: MEMORY USAGE ${fixed(redis.memoryUsagePerKey, 0)} B per session key (${fixed(redis.jsonPerSession, 0)} B of record JSON), over ${redis.sessions} stored sessions`);
  }
  console.log(`\nMemory, in-process store unless said otherwise (through the middleware, each figure in a process of its own)\n\n${lines.join('\n')}`);
}

function printFlood(flood, options) {
  const base = flood['vtex-session'];
  const rows = FLOOD_CONFIGURATIONS.filter((c) => flood[c.name] !== undefined).map((c) => {
    const runs = flood[c.name];
    const isBase = c.name === 'vtex-session';
    const end = runs.at(-1).held;
    return [
      c.label,
      withInterval(summarize(runs.map((r) => r.rps)), 0),
      isBase ? '1' : withInterval(summarize(runs.map((r, i) => r.rps / base[i].rps)), 2),
      fixed(median(runs.map((r) => r.sessionsAdded)), 0),
      mib(median(runs.map((r) => r.bytesAdded))),
      `${end.sessions} (${mib(end.bytes)})`,
    ];
  });
  const n = options.flood;
  console.log(
    `\nBot flood: ${n} cookieless requests per configuration and round (GET, POST and OPTIONS; pages, 404s and the session API), on fresh servers\n`,
  );
  console.log(table(['configuration', 'req/s', '× vtex-session', `sessions stored per ${n} requests`, `JSON stored per ${n} requests`, 'held at the end'], rows));
  for (const c of FLOOD_CONFIGURATIONS) {
    const runs = flood[c.name] ?? [];
    const errors = runs.reduce((sum, r) => sum + r.serverErrors, 0);
    if (errors > 0) console.log(`  warning: ${c.label} answered ${errors} flood requests with a 5xx, an error or a timeout`);
    if (runs.some((r) => r.timedOut)) console.log(`  warning: ${c.label} did not answer its flood within ${FLOOD_TIME_LIMIT / 1000} s: fewer requests were counted`);
  }
}

// ---- main ----

async function main() {
  const options = readOptions();
  let configs = CONFIGURATIONS.filter((c) => options.configs.names.includes(c.name));
  const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.name));
  if (options.compare !== undefined) {
    const env = { BENCH_PACKAGE: path.resolve(options.compare) };
    configs.push({ name: 'compared', app: 'vtex-session', label: 'vtex-session, compared build', redis: false, session: true, env });
  }

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
      pools[server.config.name] = {
        returning: await cookiePool(server, true),
        unwritten: await cookiePool(server, false),
        new: [],
        patch: await cookiePool(server, true),
      };
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

    let flood;
    if (options.flood > 0) {
      const floodServers = FLOOD_CONFIGURATIONS.map((config) => new Server(config, options));
      servers.push(...floodServers);
      await Promise.all(floodServers.map((s) => s.ready()));
      flood = await runFlood(floodServers, options);
      await stopAll();
    }

    if (options.profile) {
      for (const s of servers.filter((s) => s.child.spawnargs.includes('--cpu-prof'))) {
        console.log(`profile of ${s.config.name} (pid ${s.child.pid}): node spec/bench/profile.js ${options.profile}/CPU.*.${s.child.pid}.*.cpuprofile --requests=${s.requests}`);
      }
    }

    const memory = options.sessions > 0 ? await memoryFigures(options, configs.some((c) => c.name === 'vtex-session-redis')) : undefined;

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
    if (flood !== undefined) printFlood(flood, options);
    if (memory !== undefined) printMemory(memory);
    printTargets(results, configs, scenarios, byScenario, memory, flood);
    if (options.json) {
      const { pin, rounds, duration, connections } = options;
      const written = { node: process.version, pin, rounds, duration, connections, floodRequests: options.flood, results, flood, memory };
      fs.writeFileSync(options.json, `${JSON.stringify(written, null, 1)}\n`);
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
