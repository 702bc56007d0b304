import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { StoreUnavailableError } from '../errors';
import type { SessionRecord } from '../namespaces';
import { ClusterWatch, isCluster, isReconnecting, type ConnectionState } from './redis-cluster';
import { isDuplicable, RedisProbe } from './redis-probe';
import type { SessionStore, SetOptions } from './store';

/**
 * The part of a node-redis v5 client this store uses; typed structurally so that the package does
 * not need `redis` installed unless this store is used, and any client (cluster included) fits.
 */
export interface RedisClientLike {
  hGet(key: string, field: string): Promise<string | null | undefined | unknown>;
  del(key: string | string[]): Promise<number | unknown>;
  expire(key: string, seconds: number): Promise<number | boolean | unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  withCommandOptions?(options: { abortSignal: AbortSignal }): RedisClientLike;
}

export interface RedisSessionStoreOptions {
  /**
   * A client the application created and connected, with its defaults: `createClient({ url })`,
   * or `createCluster({ rootNodes })` for a Redis Cluster.
   */
  client: RedisClientLike;
  /** Key prefix; one key per session, so that every session lives on one Redis Cluster slot. */
  prefix?: string;
  /**
   * Milliseconds a command may wait in the client's queue while it reconnects; past that it is
   * dropped instead of sent late. Default 1000, like the middleware's `storeTimeout`.
   */
  commandTimeout?: number;
  /**
   * While the client reports Redis unreachable, operations fail at once, and every this many
   * milliseconds one probe finds out whether Redis is back (a connection of the store's own, or
   * on a cluster a check of which node serves which slots). Default 500.
   */
  probeInterval?: number;
}

// The compare-and-set in one atomic step. A session is a hash: `v` the version, `d` the record's
// JSON, so the check reads a small field instead of decoding the record inside Redis.
// ARGV: ifVersion ('' = unconditional, '0' = must not exist), version, json, ttl seconds.
const SET_SCRIPT = `
local stored = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] ~= '' then
  if ARGV[1] == '0' then
    if stored then return 0 end
  elseif stored ~= ARGV[1] then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;
const SET_SHA = createHash('sha1').update(SET_SCRIPT).digest('hex');

/** Redis counts TTLs in seconds; a partial second is rounded up so that a session never lives less than asked. */
const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** A client that takes per-command options, as node-redis's does. */
type OptionsClient = RedisClientLike & Required<Pick<RedisClientLike, 'withCommandOptions'>>;

/**
 * How many generations one command timeout spans. A command joins the current generation; the
 * whole generation is aborted one command timeout after it opened, so a command that is still in
 * the client's queue then is dropped after waiting between 3/4 of the timeout and all of it.
 */
const GENERATIONS_PER_TIMEOUT = 4;

/**
 * A node-redis client whose commands are dropped from its queue once they have waited about
 * `timeout` ms, without a timer per command. node-redis's own `timeout` command option creates an
 * `AbortSignal.timeout` for every command (about 15 µs of CPU each, as much as the command itself);
 * here the commands issued within a quarter of the timeout share one `AbortController` and one
 * timer. node-redis removes a command's abort listener once the command is written to the socket,
 * so aborting a generation only drops what never left the client.
 */
class DroppingClient {
  private commands!: RedisClientLike;
  private opened = -Infinity;
  private readonly width: number;

  constructor(private readonly client: OptionsClient, private readonly timeout: number) {
    this.width = timeout / GENERATIONS_PER_TIMEOUT;
  }

  /** The client view to send the next command through. */
  current(): RedisClientLike {
    const now = Date.now();
    if (now - this.opened >= this.width) {
      const generation = new AbortController();
      // Every command of the generation listens to this one signal while it waits to be written.
      setMaxListeners(0, generation.signal);
      const timer = setTimeout(() => generation.abort(), this.timeout);
      // An idle process must be free to exit; a pending drop is no reason to stay.
      timer.unref?.();
      this.commands = this.client.withCommandOptions({ abortSignal: generation.signal });
      this.opened = now;
    }
    return this.commands;
  }
}

/**
 * Sessions in Redis, shared by every server process: one hash per session under `prefix + id`,
 * TTL in seconds, compare-and-set by a Lua script, touch as `EXPIRE` only.
 */
export class RedisSessionStore implements SessionStore {
  private readonly client: RedisClientLike & ConnectionState;
  private readonly commands: { current(): RedisClientLike };
  private readonly prefix: string;
  private readonly cluster?: ClusterWatch;
  private readonly probe?: RedisProbe;

  constructor({ client, prefix = 'vtex-session:', commandTimeout = 1000, probeInterval = 500 }: RedisSessionStoreOptions) {
    if (client === null || typeof client !== 'object' || typeof client.evalSha !== 'function') {
      throw new TypeError(`option client is invalid: ${String(client)} (a node-redis v5 client is expected)`);
    }
    if (typeof prefix !== 'string') throw new TypeError(`option prefix is invalid: ${String(prefix)} (a string is expected)`);
    if (!Number.isInteger(commandTimeout) || commandTimeout < 1) {
      throw new TypeError(`option commandTimeout is invalid: ${String(commandTimeout)} (a positive number of milliseconds is expected)`);
    }
    if (!Number.isInteger(probeInterval) || probeInterval < 1) {
      throw new TypeError(`option probeInterval is invalid: ${String(probeInterval)} (a positive number of milliseconds is expected)`);
    }
    // node-redis queues the commands of a lost connection and sends them once it reconnects: reads
    // and writes that the session layer gave up on, and answered for, would then run late, all at
    // once. Dropping what is still queued after commandTimeout prevents that (once sent, a command
    // can no longer be dropped).
    this.commands =
      typeof client.withCommandOptions === 'function'
        ? new DroppingClient(client as OptionsClient, commandTimeout)
        : { current: () => client };
    this.client = client;
    this.prefix = prefix;
    if (isCluster(client)) this.cluster = new ClusterWatch(client, probeInterval, commandTimeout);
    else if (isDuplicable(client)) this.probe = new RedisProbe(client, probeInterval, commandTimeout);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const key = this.prefix + id;
    const json = await this.watched(this.through(key, 'get').hGet(key, 'd'));
    if (typeof json !== 'string') return undefined;
    return JSON.parse(json) as SessionRecord;
  }

  async set(id: string, record: SessionRecord, { ttl, ifVersion }: SetOptions): Promise<boolean> {
    const key = this.prefix + id;
    const args = {
      keys: [key],
      arguments: [ifVersion === undefined ? '' : String(ifVersion), String(record.version), JSON.stringify(record), String(seconds(ttl))],
    };
    let result: unknown;
    try {
      result = await this.watched(this.through(key, 'set').evalSha(SET_SHA, args));
    } catch (error) {
      // The script cache is empty after a Redis restart or on a new node: send the script once,
      // as a command of its own with its own time in the queue.
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
      result = await this.watched(this.through(key, 'set').eval(SET_SCRIPT, args));
    }
    return Number(result) === 1;
  }

  async delete(id: string): Promise<void> {
    const key = this.prefix + id;
    await this.watched(this.through(key, 'delete').del(key));
  }

  async touch(id: string, ttl: number): Promise<void> {
    const key = this.prefix + id;
    await this.watched(this.through(key, 'touch').expire(key, seconds(ttl)));
  }

  /** Closes the store's own probe connection, if one is open; the application's client stays open. */
  async close(): Promise<void> {
    this.probe?.close();
  }

  /**
   * The client to send a command on `key` through. While the client reports the Redis that holds
   * `key` unreachable, nothing waits in its queue for the reconnection: the operation fails at
   * once, and a probe looks for Redis's return.
   */
  private through(key: string, operation: string): RedisClientLike {
    if (this.cluster !== undefined) {
      if (!this.cluster.unreachable(key)) return this.commands.current();
      this.cluster.check();
    } else if (!isReconnecting(this.client)) {
      this.probe?.retire();
      return this.commands.current();
    } else {
      const probe = this.probe?.current();
      if (probe !== undefined) return probe;
    }
    throw new StoreUnavailableError(`session store ${operation} failed: Redis is unreachable`);
  }

  /** On a cluster, a failed command may mean that a master was lost: the watch checks the slot map. */
  private watched<T>(reply: Promise<T>): Promise<T> {
    if (this.cluster !== undefined) reply.catch(() => this.cluster!.check());
    return reply;
  }
}
