'use strict';
/** What the benchmark compares, in the order each round runs them. The first is the baseline. */

const CONFIGURATIONS = [
  { name: 'express', label: 'bare Express 5', redis: false, session: false },
  // The package's opt-in shareHiddenClasses() (lib/shapes.ts) alone, without a session: what it
  // saves Express. sessionMiddleware() itself leaves Express's objects alone, so the vtex-session
  // configurations below run without it, as an application gets them by default.
  { name: 'express-shared', label: 'Express 5 + shareHiddenClasses()', redis: false, session: false },
  // What any middleware costs that sets two request properties and, for a new visitor, two cookies
  // of vtex-session's lengths: the part of the vtex-session rows that is not the session.
  { name: 'express-floor', label: 'Express 5 + two properties and cookies', redis: false, session: false },
  { name: 'express-session', label: 'express-session + MemoryStore', redis: false, session: true },
  { name: 'express-session-redis', label: 'express-session + connect-redis', redis: true, session: true },
  { name: 'vtex-session', label: 'vtex-session, in-process store', redis: false, session: true },
  // The same with a subscriber on every diagnostics channel (each message built and delivered),
  // beside the row above where nobody subscribes: what the events cost, and that unheard they cost nothing.
  { name: 'vtex-session-observed', label: 'vtex-session, all channels heard', redis: false, session: true },
  // The same with the opt-in shareHiddenClasses() in front, as an application that chooses it runs.
  { name: 'vtex-session-shared', label: 'vtex-session + shareHiddenClasses()', redis: false, session: true },
  { name: 'vtex-session-redis', label: 'vtex-session + RedisSessionStore', redis: true, session: true },
];

const SCENARIOS = [
  { name: 'returning', short: 'returning visitor', label: 'returning visitor (cookies of a stored session: the visitor wrote once)' },
  { name: 'unwritten', short: 'never-written returning visitor', label: 'never-written returning visitor (cookies from a first page view, nothing written)' },
  { name: 'new', short: 'new visitor', label: 'new visitor (no cookies: a first page view)' },
  { name: 'patch', short: 'PATCH', label: 'PATCH of two public items' },
];

/**
 * The bot flood: cookieless requests of any method and path, against fresh servers, to see what
 * anonymous traffic costs and what it leaves in the store. Not part of the rounds above.
 */
const FLOOD_CONFIGURATIONS = [
  { name: 'vtex-session', label: 'vtex-session, in-process store' },
  { name: 'express-session', label: 'express-session + MemoryStore, saveUninitialized: true' },
  { name: 'express-session-lazy', label: 'express-session + MemoryStore, saveUninitialized: false' },
];

const BASELINE = CONFIGURATIONS[0].name;

/**
 * A reader of `--name=value` flags with `PREFIX_NAME` environment variables behind them, shared by
 * run.js and micro.js: `pick(name, fallback)` answers the flag, else the variable, else the fallback.
 */
function flagReader(prefix, argv = process.argv.slice(2), env = process.env) {
  const flags = {};
  for (const arg of argv) {
    const match = /^--([a-z]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg} (expected --name=value)`);
    flags[match[1]] = match[2];
  }
  return (name, fallback) => flags[name] ?? env[`${prefix}_${name.toUpperCase()}`] ?? fallback;
}

module.exports = { CONFIGURATIONS, SCENARIOS, FLOOD_CONFIGURATIONS, BASELINE, flagReader };
