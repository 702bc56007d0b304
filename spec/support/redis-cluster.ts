import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createCluster } from 'redis';
import { freePort, RedisServer } from './redis';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Milliseconds before the cluster takes an unreachable master for failed. Redis's default (15 s)
 * would make a failover test wait that long; a short one keeps it to a few seconds.
 */
const NODE_TIMEOUT = 1000;

/** One node as `CLUSTER NODES` describes it. */
export interface ClusterNode {
  id: string;
  port: number;
  address: string;
  role: 'master' | 'replica';
  /** The master a replica follows. */
  masterId?: string;
  failed: boolean;
  /** Slot ranges a master serves, such as `0-5460`. */
  slots: string[];
}

/** Answers `redis-cli -p PORT ...args` (the text of the reply), or throws if the node does not answer. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });
  return stdout;
}

/**
 * One cluster-enabled redis-server on two free loopback ports: its own and its cluster bus's (given,
 * not left to port + 10000, which may be taken or past 65535). A port found free may be taken by
 * another test's server before this one binds it: the node then starts again on other ports.
 */
async function startNode(): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const bus = await freePort();
    const server = new RedisServer([
      ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(bus)],
      ...['--cluster-node-timeout', String(NODE_TIMEOUT)],
      // A master waits 5 s by default before it sends a new replica its data; a replica that has
      // not synchronised yet cannot take over, and this test cluster is a few seconds old.
      ...['--repl-diskless-sync-delay', '0'],
    ]);
    server.port = port;
    try {
      if (port === bus) throw new Error('the same port twice');
      await server.start();
      return server;
    } catch (error) {
      await server.destroy();
      if (attempt === 3) throw error;
    }
  }
}

/**
 * A real Redis Cluster of the test's own: three masters with one replica each, every node a
 * redis-server on free loopback ports (its client port and its cluster bus port), joined by
 * `redis-cli --cluster create`. Nothing is persisted; `destroy()` kills every node.
 */
export class LocalRedisCluster {
  readonly servers: RedisServer[] = [];

  async start(): Promise<void> {
    const started = await Promise.allSettled(Array.from({ length: 6 }, () => startNode()));
    // Those that started are the cluster's, for destroy() to stop even if another one failed.
    for (const node of started) if (node.status === 'fulfilled') this.servers.push(node.value);
    const failed = started.find((node) => node.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const addresses = this.servers.map((server) => `127.0.0.1:${server.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    await this.untilHealthy();
  }

  /** Where a cluster client starts its discovery: every node, as an application would list them. */
  get rootNodes(): Array<{ url: string }> {
    return this.servers.map((server) => ({ url: server.url }));
  }

  /** A cluster client with node-redis's defaults and the 'error' listener an application must have. */
  async connect(): Promise<ReturnType<typeof createCluster> & { errors: Error[] }> {
    const client = createCluster({ rootNodes: this.rootNodes });
    const errors: Error[] = [];
    client.on('error', (error: Error) => errors.push(error));
    await client.connect();
    return Object.assign(client, { errors });
  }

  server(port: number): RedisServer {
    const server = this.servers.find((s) => s.port === port);
    if (server === undefined) throw new Error(`no node of this cluster listens on ${port}`);
    return server;
  }

  /** The cluster as a node that is still up sees it. */
  async nodes(): Promise<ClusterNode[]> {
    for (const server of this.servers) {
      const text = await redisCli(server.port, 'CLUSTER', 'NODES').catch(() => undefined);
      if (text === undefined || text.trim() === '') continue;
      return text
        .trim()
        .split('\n')
        .map((line) => {
          const [id, address, flags, master, , , , , ...slots] = line.trim().split(' ');
          const hostPort = address.split('@')[0];
          return {
            id,
            port: Number(hostPort.split(':')[1]),
            address: hostPort,
            role: flags.includes('master') ? 'master' : 'replica',
            masterId: master === '-' ? undefined : master,
            failed: /\bfail\b/.test(flags),
            slots: slots.filter((s) => /^\d/.test(s)),
          } as ClusterNode;
        });
    }
    throw new Error('no node of the cluster answers');
  }

  async masters(): Promise<ClusterNode[]> {
    return (await this.nodes()).filter((node) => node.role === 'master' && !node.failed && node.slots.length > 0);
  }

  /** The replica that follows the master on `port`. */
  async replicaOf(port: number): Promise<ClusterNode> {
    const nodes = await this.nodes();
    const master = nodes.find((node) => node.port === port);
    const replica = nodes.find((node) => node.masterId === master?.id);
    if (replica === undefined) throw new Error(`the master on ${port} has no replica`);
    return replica;
  }

  /** The keys that the node on `port` holds itself, matching `pattern`. */
  async keysOn(port: number, pattern: string): Promise<string[]> {
    return (await redisCli(port, '--scan', '--pattern', pattern)).split('\n').filter(Boolean);
  }

  /** The master that serves `key`'s slot. */
  async ownerOf(key: string): Promise<ClusterNode> {
    const masters = await this.masters();
    const slot = Number(await redisCli(masters[0].port, 'CLUSTER', 'KEYSLOT', key));
    const owner = masters.find((master) =>
      master.slots.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from && slot <= to;
      }),
    );
    if (owner === undefined) throw new Error(`no master serves slot ${slot}`);
    return owner;
  }

  /** Waits until every running node reports `cluster_state:ok` and every replica has its master's data. */
  async untilHealthy(ms = 20_000): Promise<void> {
    for (const end = Date.now() + ms; ; ) {
      const running = this.servers.filter((s) => s.running);
      const states = await Promise.all(running.map((s) => redisCli(s.port, 'CLUSTER', 'INFO').catch(() => '')));
      const replication = await Promise.all(running.map((s) => redisCli(s.port, 'INFO', 'replication').catch(() => '')));
      const synced = replication.every((info) => info.includes('role:master') || info.includes('master_link_status:up'));
      if (synced && states.every((info) => info.includes('cluster_state:ok'))) return;
      if (Date.now() > end) throw new Error('the Redis Cluster did not become healthy');
      await sleep(100);
    }
  }

  /** Waits until the node on `port` serves slots as a master (a replica's promotion). */
  async untilMaster(port: number, ms = 20_000): Promise<void> {
    for (const end = Date.now() + ms; ; ) {
      const node = (await this.nodes().catch(() => [])).find((n) => n.port === port);
      if (node?.role === 'master' && node.slots.length > 0) return;
      if (Date.now() > end) throw new Error(`the node on ${port} was not promoted`);
      await sleep(50);
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.destroy()));
  }
}
