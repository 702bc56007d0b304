'use strict';
/**
 * One benchmark server: `node server.js <configuration>`, forked by run.js with an IPC channel.
 * It listens on 127.0.0.1 (port 0), reports `{ type: 'ready', port }`, answers `{ type: 'cpu' }`
 * with its own process.cpuUsage() and the Redis commands its session store sent so far,
 * `{ type: 'held' }` with what its in-process store holds, and on `{ type: 'stop' }` removes the
 * keys it wrote to Redis and exits (an exit rather than a kill, so that `--cpu-prof` gets to write
 * its profile).
 */
const { createApp } = require('./apps');
const { CONFIGURATIONS, FLOOD_CONFIGURATIONS } = require('./configurations');

async function main() {
  const name = process.argv[2];
  if (![...CONFIGURATIONS, ...FLOOD_CONFIGURATIONS].some((c) => c.name === name)) throw new Error(`unknown configuration ${name}`);
  const { app, close, commands, held } = await createApp(name, { redisUrl: process.env.REDIS_URL || undefined });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections?.();
    server.close();
    try {
      await close();
    } catch (error) {
      console.error(`cleanup of ${name} failed: ${error.message}`);
    }
    process.exit(code);
  };

  process.on('message', (message) => {
    if (message?.type === 'cpu') process.send({ type: 'cpu', id: message.id, usage: process.cpuUsage(), commands: commands() });
    else if (message?.type === 'held') process.send({ type: 'held', id: message.id, held: held() });
    else if (message?.type === 'stop') stop(0);
  });
  // The parent went away (killed, crashed): never outlive it.
  process.on('disconnect', () => stop(0));
  process.send({ type: 'ready', port: server.address().port });
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
