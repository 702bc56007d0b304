'use strict';
// Jest's global set-up: without REDIS_URL, the Redis tests get a redis-server of their own, on a
// free loopback port, so that `npm test` runs them on any machine with redis-server installed.
// In CI a missing redis-server fails the run; elsewhere the Redis tests skip with the reason.
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const { createServer, connect } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk;
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
  });
}

module.exports = async function startRedisForTests() {
  if (process.env.REDIS_URL) return;
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    if (process.env.CI) throw new Error('redis-server is not installed and REDIS_URL is not set: CI must run the Redis tests');
    return;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vtex-session-tests-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await ping(port)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!(await ping(port))) {
    child.kill('SIGKILL');
    throw new Error(`the tests' redis-server did not start on port ${port}`);
  }
  // Workers start after this and inherit the environment.
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  globalThis.__vtexSessionTestRedis = child;
};
