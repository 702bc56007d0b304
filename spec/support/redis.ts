import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { redisUrl } from './app';

/**
 * Helpers for the tests that need a real Redis: the shared one of REDIS_URL, or a private
 * redis-server that a test starts, stops, hangs and restarts on a loopback port of its own.
 * In CI a missing Redis fails the suite; elsewhere the tests are skipped with the reason printed.
 */

function skipBecause(name: string, reason: string, body: () => void): void {
  console.warn(`skipped "${name}": ${reason}`);
  describe.skip(name, body);
}

/** `describe` with the Redis of REDIS_URL, or `describe.skip` with the reason printed. */
export function describeWithRedis(name: string, body: (url: string) => void): void {
  const url = redisUrl();
  if (url === undefined) skipBecause(name, 'REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379)', () => body(''));
  else describe(name, () => body(url));
}

let serverBinary: boolean | undefined;

function hasRedisServer(): boolean {
  return (serverBinary ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0);
}

/** `describe` when redis-server can be started by the test, or `describe.skip` with the reason printed. */
export function describeWithRedisServer(name: string, body: () => void): void {
  if (hasRedisServer()) {
    describe(name, body);
    return;
  }
  if (process.env.CI) throw new Error('redis-server is not installed: CI must run the Redis outage tests (.ci/run installs it)');
  skipBecause(name, 'redis-server is not installed', body);
}

/** A node-redis client with the defaults an application would use, and the 'error' listener it must have. */
export async function connectClient(url: string): Promise<ReturnType<typeof createClient> & { errors: Error[] }> {
  const client = createClient({ url });
  const errors: Error[] = [];
  // Without a listener, the client's 'error' event (emitted on every lost connection) kills the process.
  client.on('error', (error: Error) => errors.push(error));
  await client.connect();
  return Object.assign(client, { errors });
}

/** A loopback port that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command on a fresh connection and resolves with the first line of the answer. */
function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy(new Error(`no answer to ${command}`)));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition()` holds, such as a client being ready again; fails after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A redis-server of the test's own, on a free loopback port, without persistence except on
 * `stop()`: it shuts down with SHUTDOWN SAVE, so that `start()` again finds the data as a real
 * Redis restart would.
 */
export class RedisServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly dir = mkdtempSync(join(tmpdir(), 'vtex-session-redis-'));
  port = 0;

  /** `args`: more redis-server options, such as the cluster mode's. */
  constructor(private readonly args: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the process runs (it may be frozen by `hang()`). */
  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    // A second server on the port would fail to bind while the first answered its PING.
    if (this.child !== undefined) throw new Error(`redis-server already runs on port ${this.port}`);
    if (this.port === 0) this.port = await freePort();
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.args], {
      stdio: 'ignore',
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 100; i++) {
      // Until the saved data is loaded the server answers -LOADING; only +PONG means ready.
      if ((await rawCommand(this.port, 'PING').catch(() => '')) === '+PONG') return;
      if (child.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Saves the data and stops the server: clients connected to it lose their connection. */
  async stop(): Promise<void> {
    if (this.child === undefined) return;
    await rawCommand(this.port, 'SHUTDOWN SAVE').catch(() => '');
    await this.exited;
    this.child = undefined;
  }

  /** Freezes the process: connections stay open and commands get no answer, as from a hung Redis. */
  hang(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills the process at once (SIGKILL), as a crash would: nothing is saved, clients lose their connection. */
  async crash(): Promise<void> {
    if (this.child === undefined) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  /** Ends the process whatever its state and removes its data. */
  async destroy(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
