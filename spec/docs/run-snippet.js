'use strict';
// Runs one documentation snippet (already transpiled to CommonJS) as an application would, then
// checks that its apps answer a page request without a server error, and exits.
//
// usage: node spec/docs/run-snippet.js <snippet.js>
//   SNIPPET_EXPRESS  the package `express` resolves to: `express` (5, the default) or `express4`
//
// The prelude: names a snippet may use without defining them, as the docs' placeholders.
//   app               an express() application the snippet adds to (requested at GET / afterwards)
//   express           require('express')
//   secret            process.env.SESSION_SECRET
//   store             a new LruSessionStore()
//   render(...)       a page renderer: JSON of its arguments
//   checkPassword(b)  your authentication: resolves to { id: 'u1', email: 'ana@example.com' }
//   identity.verify   your identity service: resolves to a user for any token
//   crm               find() resolves to undefined, clustersOf() to []
//   authenticate      a cookies → user resolver answering nothing
//   profiles          a profile resolver answering nothing
//   token             a session token (header and payload as this package issues them)
//   the package's exports (sessionMiddleware, segmentCacheKey, LruSessionStore, ...), for fragments
//   process.env       SESSION_SECRET, SESSION_SECRET_NEW, SESSION_SECRET_OLD (32+ characters); REDIS_URL
//                     as the test gives it
const Module = require('node:module');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const EXPRESS = process.env.SNIPPET_EXPRESS || 'express';
const file = path.resolve(process.argv[2]);

// `vtex-session` is the built package; `express` is Express 5 or 4, for the snippet and the package
// alike (as the jest projects map it); other packages resolve from the repository.
const rootParent = { id: ROOT, filename: path.join(ROOT, 'index.js'), paths: Module._nodeModulePaths(ROOT) };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'vtex-session') return path.join(ROOT, 'dist', 'index.js');
  if (request === 'express') request = EXPRESS;
  const bare = !request.startsWith('.') && !path.isAbsolute(request);
  return resolveFilename.call(this, request, bare && parent && parent.filename === file ? rootParent : parent, ...rest);
};

// Every server a snippet starts listens on a free loopback port, and is requested afterwards.
const servers = [];
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
  servers.push(this);
  return listen.call(this, 0, '127.0.0.1', callback);
};

const express = require('express');
const vtexSession = require('vtex-session');
const { LruSessionStore } = vtexSession;
process.env.SESSION_SECRET ??= 'documentation-secret-0123456789abcdef';
process.env.SESSION_SECRET_NEW ??= 'documentation-secret-new-0123456789abcdef';
process.env.SESSION_SECRET_OLD ??= 'documentation-secret-old-0123456789abcdef';
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
Object.assign(globalThis, vtexSession, {
  app: express(),
  express,
  secret: process.env.SESSION_SECRET,
  store: new LruSessionStore(),
  render: (...args) => JSON.stringify(args),
  checkPassword: async () => ({ id: 'u1', email: 'ana@example.com' }),
  identity: { verify: async () => ({ id: 'u1', email: 'ana@example.com' }) },
  crm: { find: async () => undefined, clustersOf: async () => [] },
  authenticate: () => undefined,
  profiles: () => undefined,
  token: `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ id: 'bc4c50b2-672f-4e1f-900e-c8d31e4b6dd8', account: 'store', sub: 'session', iat: 1795677062, exp: 1796109062, jti: 'QTa06eJZiunqRB3l' })}.c2lnbmF0dXJl`,
});

function get(server) {
  return new Promise((resolve, reject) => {
    const { port } = server.address();
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

function listening(server) {
  return server.listening ? Promise.resolve() : new Promise((resolve) => server.once('listening', resolve));
}

async function main() {
  await require(file);
  const own = http.createServer(globalThis.app);
  listen.call(own, 0, '127.0.0.1');
  for (const server of [...servers, own]) {
    await listening(server);
    const status = await get(server);
    if (status >= 500) throw new Error(`GET / answered ${status}`);
  }
  // An unhandled rejection of a handler surfaces on the next turns of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log('snippet ran');
  process.exit(0);
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
