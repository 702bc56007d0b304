'use strict';
/**
 * `node spec/bench/micro.js`: the CPU one request costs inside Express, with each session layer,
 * without sockets, HTTP parsing or a load generator in the way. Each configuration runs in its own
 * process; requests are real http.IncomingMessage / ServerResponse objects handed to the app, one
 * after the other, and the process's CPU time is divided by their number. On a busy machine this
 * is far steadier than the HTTP benchmark (no other process's work is counted), so it is the figure
 * to compare before and after a change to the request path. Rounds are interleaved as in run.js.
 *
 * Options (flag or environment variable):
 *   --calls=n         MICRO_CALLS      requests per measurement (default 20000)
 *   --rounds=n        MICRO_ROUNDS     rounds (default 5)
 *   --configs=a,b     MICRO_CONFIGS    configurations (default the ones without Redis)
 *   --scenarios=a,b   MICRO_SCENARIOS  returning, unwritten, new, patch (default all)
 *   --profile=dir     MICRO_PROFILE    run every process under `node --cpu-prof` into dir
 *   --compare=dir     MICRO_COMPARE    also measure another build of the package (a directory with
 *                                      its index.js, e.g. a worktree of the last commit, built), in
 *                                      the same rounds, and print the difference request by round
 * BENCH_PACKAGE names another build of the package to measure instead of this one.
 */
const { fork } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { Writable } = require('node:stream');
const { createApp, patchBody } = require('./apps');
const { CONFIGURATIONS, SCENARIOS, BASELINE, flagReader } = require('./configurations');
const { summarize } = require('./stats');

const POOL_SIZE = 100;

// ---- child: one configuration ----

// A socket that accepts every write at once: the response's bytes are produced, then dropped.
const socket = new Writable({
  write: (_chunk, _encoding, callback) => callback(),
  writev: (_chunks, callback) => callback(),
});

function request(app, method, cookie, body) {
  return new Promise((resolve, reject) => {
    const req = new http.IncomingMessage(socket);
    req.method = method;
    req.url = method === 'PATCH' ? '/api/sessions' : '/';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
    req.headers = { host: '127.0.0.1', accept: '*/*' };
    if (cookie) req.headers.cookie = cookie;
    if (body !== undefined) {
      req.headers['content-type'] = 'application/json';
      req.headers['content-length'] = String(Buffer.byteLength(body));
      req.push(body);
    }
    req.push(null);
    req.complete = true;
    const res = new http.ServerResponse(req);
    res.assignSocket(socket);
    res.once('finish', () => {
      res.detachSocket(socket);
      if (res.statusCode >= 400) reject(new Error(`${method} ${req.url} answered ${res.statusCode}`));
      else resolve(res);
    });
    app(req, res);
  });
}

/** The cookies a response set, as `name=value` pairs, over those the visitor already had. */
function cookieJar(res, jar = new Map()) {
  const set = res.getHeader('set-cookie') ?? [];
  for (const line of Array.isArray(set) ? set : [set]) {
    const pair = line.slice(0, line.indexOf(';'));
    jar.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  return jar;
}

const cookieHeader = (jar) => [...jar.values()].join('; ');

/** A visitor after a first page view, and when `written`, after one write too (a stored session). */
async function visitor(app, written, n) {
  const jar = cookieJar(await request(app, 'GET'));
  if (written) cookieJar(await request(app, 'PATCH', cookieHeader(jar), patchBody(n)), jar);
  return cookieHeader(jar);
}

async function child(name) {
  const { app, close } = await createApp(name, { redisUrl: process.env.REDIS_URL || undefined });
  const pools = { returning: [], unwritten: [], patch: [], new: [] };
  for (let i = 0; i < POOL_SIZE; i++) {
    pools.returning.push(await visitor(app, true, i));
    pools.unwritten.push(await visitor(app, false));
    pools.patch.push(await visitor(app, true, i));
  }
  let n = 0;
  const calls = {
    returning: (i) => request(app, 'GET', pools.returning[i % POOL_SIZE]),
    unwritten: (i) => request(app, 'GET', pools.unwritten[i % POOL_SIZE]),
    new: () => request(app, 'GET'),
    patch: (i) => request(app, 'PATCH', pools.patch[i % POOL_SIZE], patchBody(++n)),
  };
  // The first measurement of each scenario also warms it up.
  const warm = new Set();
  process.on('message', async ({ scenario, count }) => {
    try {
      if (!warm.has(scenario)) {
        for (let i = 0; i < Math.min(count, 10_000); i++) await calls[scenario](i);
        warm.add(scenario);
      }
      const before = process.cpuUsage();
      for (let i = 0; i < count; i++) await calls[scenario](i);
      const used = process.cpuUsage(before);
      process.send({ cpuPerRequest: (used.user + used.system) / count });
    } catch (error) {
      process.send({ error: error.stack ?? String(error) });
    }
  });
  process.on('disconnect', () => close().finally(() => process.exit(0)));
  process.send({ ready: true });
}

// ---- parent ----

function readOptions(argv = process.argv.slice(2), env = process.env) {
  const pick = flagReader('MICRO', argv, env);
  const list = (name, fallback) => String(pick(name, fallback)).split(',').map((s) => s.trim()).filter(Boolean);
  const configs = list('configs', CONFIGURATIONS.filter((c) => !c.redis).map((c) => c.name).join(','));
  if (!configs.includes(BASELINE)) configs.unshift(BASELINE);
  const compare = pick('compare', undefined);
  const chosen = CONFIGURATIONS.filter((c) => configs.includes(c.name)).map((c) => ({ ...c, key: c.name }));
  if (compare !== undefined) {
    const dir = path.resolve(compare);
    chosen.push({ name: 'vtex-session', key: 'compared', label: 'vtex-session, compared build', env: { BENCH_PACKAGE: dir } });
  }
  return {
    calls: Number(pick('calls', 20_000)),
    rounds: Number(pick('rounds', 5)),
    configs: chosen,
    scenarios: SCENARIOS.filter((s) => list('scenarios', SCENARIOS.map((x) => x.name).join(',')).includes(s.name)),
    profile: pick('profile', undefined),
  };
}

function start(config, options) {
  const execArgv = options.profile ? ['--cpu-prof', '--cpu-prof-dir', options.profile] : [];
  const env = { ...process.env, NODE_ENV: 'production', ...config.env };
  const proc = fork(path.join(__dirname, 'micro.js'), [`--child=${config.name}`], { execArgv, env });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${config.name} exited with code ${code}`)));
    proc.once('message', () => resolve(proc));
  });
}

function measure(proc, scenario, count) {
  return new Promise((resolve, reject) => {
    proc.once('message', (message) => (message.error ? reject(new Error(message.error)) : resolve(message.cpuPerRequest)));
    proc.send({ scenario, count });
  });
}

async function main() {
  const options = readOptions();
  const procs = [];
  const killAll = () => procs.forEach((p) => p.exitCode === null && p.kill('SIGKILL'));
  process.once('exit', killAll);
  try {
    for (const config of options.configs) procs.push(await start(config, options));
    const results = Object.fromEntries(options.configs.map((c) => [c.key, Object.fromEntries(options.scenarios.map((s) => [s.name, []]))]));
    for (let round = 0; round < options.rounds; round++) {
      for (const scenario of options.scenarios) {
        for (let i = 0; i < procs.length; i++) {
          results[options.configs[i].key][scenario.name].push(await measure(procs[i], scenario.name, options.calls));
        }
      }
    }
    const fixed = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
    const show = (s) => `${fixed(s.median)} (${s.coverage > 0 ? `${fixed(s.low)}–${fixed(s.high)}` : 'one round'})`;
    console.log(`CPU per request inside Express (no sockets), medians of ${options.rounds} round(s) of ${options.calls} requests, Node ${process.version}`);
    for (const scenario of options.scenarios) {
      console.log(`\n${scenario.label}`);
      const base = results[BASELINE][scenario.name];
      for (const config of options.configs) {
        const runs = results[config.key][scenario.name];
        const added = config.key === BASELINE ? '' : `, added ${show(summarize(runs.map((r, i) => r - base[i])))} µs`;
        console.log(`  ${config.label.padEnd(34)} ${show(summarize(runs))} µs${added}`);
      }
      const compared = results.compared?.[scenario.name];
      const current = results['vtex-session']?.[scenario.name];
      if (compared !== undefined && current !== undefined) {
        console.log(`  ${'this build − compared build'.padEnd(34)} ${show(summarize(current.map((r, i) => r - compared[i])))} µs`);
      }
    }
  } finally {
    for (const p of procs) p.disconnect();
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
  }
}

const childName = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);
(childName ? child(childName) : main()).catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
