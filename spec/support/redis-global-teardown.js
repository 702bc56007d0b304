'use strict';
// Stops the redis-server that the global set-up started, if it started one.
module.exports = async function stopRedisForTests() {
  const child = globalThis.__vtexSessionTestRedis;
  if (child === undefined) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
};
