'use strict';
/**
 * `node spec/bench/micro.js [calls] [returning|new]`: the CPU one call of the middleware costs, without HTTP and
 * without a load generator, for a returning and a new visitor. Steadier than the HTTP benchmark on
 * a busy machine (only this process's CPU time is counted), so it is the figure to compare before
 * and after a change to the request path. Run under `node --cpu-prof` to see where the time goes.
 *
 * The request and response are the few fields the middleware reads and writes; the HTTP work
 * (parsing, writing headers) is the same with or without a session layer and is left out.
 */
// BENCH_PACKAGE names another build of the package to compare with (a directory with its index.js).
const { sessionMiddleware } = require(process.env.BENCH_PACKAGE || 'vtex-session');

const SECRET = 'benchmark-secret-that-is-at-least-32-characters-long';

function response() {
  const headers = new Map();
  return {
    headersSent: false,
    headers,
    setHeader: (name, value) => headers.set(name.toLowerCase(), value),
    getHeader: (name) => headers.get(name.toLowerCase()),
    removeHeader: (name) => headers.delete(name.toLowerCase()),
  };
}

function call(middleware, cookie) {
  return new Promise((resolve, reject) => {
    const req = { method: 'GET', url: '/', headers: cookie === undefined ? {} : { cookie }, socket: {} };
    const res = response();
    middleware(req, res, (error) => {
      if (error) return reject(error);
      // What the page handler of the HTTP benchmark does with the session.
      req.vtexSession.get('public', 'country');
      resolve(res);
    });
  });
}

function cookieOf(res) {
  const set = res.getHeader('set-cookie');
  return (Array.isArray(set) ? set : [set]).map((line) => line.slice(0, line.indexOf(';'))).join('; ');
}

async function measure(label, calls, next) {
  for (let i = 0; i < Math.min(calls, 20_000); i++) await next(i);
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await next(i);
  const used = process.cpuUsage(cpu);
  const elapsed = Number(process.hrtime.bigint() - wall) / 1000;
  console.log(`${label.padEnd(18)} ${((used.user + used.system) / calls).toFixed(2).padStart(7)} µs CPU per call, ${(elapsed / calls).toFixed(2).padStart(7)} µs wall`);
}

async function main() {
  const calls = Number(process.argv[2] ?? 200_000);
  const only = process.argv[3];
  const middleware = sessionMiddleware({ secret: SECRET, logger: { warn() {}, error() {} } });
  const pool = [];
  for (let i = 0; i < 100; i++) pool.push(cookieOf(await call(middleware)));
  if (only !== 'new') await measure('returning visitor', calls, (i) => call(middleware, pool[i % pool.length]));
  if (only !== 'returning') await measure('new visitor', calls, () => call(middleware));
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
