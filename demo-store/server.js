'use strict';
// `npm start` builds the package and runs this file.
//
//   PORT            port to listen on (default 3000)
//   HOST            address to listen on (default 127.0.0.1)
//   SESSION_SECRET  signs the session tokens (at least 32 characters); without it the package
//                   warns and uses a random one, so sessions end when the server restarts
//   REDIS_URL       keeps sessions in Redis (redis://host:6379) instead of in this process
const { createApp } = require('./app');

/** The session store: in process by default, Redis when REDIS_URL is set. */
async function openStore(url) {
  if (!url) return { store: undefined, name: 'memory', close: async () => {} };
  const { createClient } = require('redis');
  const { RedisSessionStore } = require('vtex-session');
  const client = createClient({ url });
  // node-redis reports every failed reconnection as an 'error' event; unheard, one would crash the process.
  client.on('error', (error) => console.error(`redis: ${error.message}`));
  await client.connect();
  return { store: new RedisSessionStore({ client }), name: 'Redis', close: () => client.close() };
}

function portOf(value) {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT is invalid: ${value}`);
  return port;
}

async function main() {
  const port = portOf(process.env.PORT);
  const host = process.env.HOST || '127.0.0.1';
  const { store, name, close } = await openStore(process.env.REDIS_URL);
  const app = createApp({ secret: process.env.SESSION_SECRET, store });
  // Express 5 calls back with the error when the port cannot be taken.
  const server = app.listen(port, host, (error) => {
    if (error) {
      console.error(`demo store cannot listen on ${host}:${port}: ${error.message}`);
      process.exit(1);
    }
    const address = server.address();
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    console.log(`demo store listening on http://${shown}:${address.port} (sessions in ${name})`);
  });
  const stop = () => server.close(() => close().finally(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
