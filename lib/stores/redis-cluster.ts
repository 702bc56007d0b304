import calculateSlot from 'cluster-key-slot';

/** How a node-redis client tells its connection's state: `isReady` is false while it reconnects. */
export interface ConnectionState {
  readonly isOpen?: boolean;
  readonly isReady?: boolean;
}

/**
 * The application opened the client and it has lost its connection: node-redis is reconnecting,
 * and the commands it takes meanwhile wait in its queue. A closed client is not reconnecting: it
 * rejects commands at once by itself.
 */
export function isReconnecting(client: ConnectionState | undefined): boolean {
  return client !== undefined && client.isOpen === true && client.isReady === false;
}

interface SlotRange {
  from: number;
  to: number;
  master: { host: string; port: number };
}

/** One master of a node-redis cluster client, as it lists them. */
interface ClusterNodeLike {
  address: string;
  client?: ConnectionState & { clusterSlots(): Promise<SlotRange[]> };
}

/** The part of a node-redis 5 cluster client (`createCluster`) that the store reads. */
export interface RedisClusterLike {
  /** The client's slot map: 16384 entries, each the shard that serves that slot. */
  readonly slots: ReadonlyArray<{ master: ClusterNodeLike } | undefined>;
  readonly masters: readonly ClusterNodeLike[];
  /**
   * The client's own slot-map refresh, the one it runs on a MOVED or ASK reply. Typed as public
   * in node-redis's declarations since 5.5; absent before.
   */
  readonly _slots?: { rediscover?(startWith: unknown): Promise<void> };
}

export function isCluster(client: object): client is RedisClusterLike {
  const cluster = client as Partial<RedisClusterLike>;
  return Array.isArray(cluster.slots) && Array.isArray(cluster.masters);
}

/**
 * Watches a cluster client for the masters it cannot reach, and keeps its slot map current after
 * a failover.
 *
 * node-redis 5 refreshes its slot map only when a node answers MOVED or ASK (node-redis issue
 * #2806), and a master that crashed answers nothing: once its replica is promoted, the client
 * would go on sending that master's slots to an address where nobody listens, until the process
 * restarts. So while a master's connection is down, or commands fail, the watch asks a master
 * that is reachable which node serves which slots, at most one check at a time and one per
 * interval; when the answer differs from the client's map, it has the client rediscover the
 * cluster, as a MOVED reply would.
 */
export class ClusterWatch {
  private checking = false;
  private lastCheck = -Infinity;
  private readonly refreshable: boolean;

  constructor(
    private readonly cluster: RedisClusterLike,
    private readonly interval: number,
    private readonly timeout: number,
  ) {
    this.refreshable = typeof cluster._slots?.rediscover === 'function';
  }

  /** Whether the master that serves `key` has lost its connection. */
  unreachable(key: string): boolean {
    return isReconnecting(this.cluster.slots[calculateSlot(key)]?.master.client);
  }

  /** Compares the client's slot map with the cluster's, unless a check runs or ran less than an interval ago. */
  check(): void {
    const now = Date.now();
    if (!this.refreshable || this.checking || now - this.lastCheck < this.interval) return;
    this.checking = true;
    this.lastCheck = now;
    let timer: NodeJS.Timeout | undefined;
    // A master that hangs must not hold the watch: past the timeout the next check may start.
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timeout);
      timer.unref?.();
    });
    Promise.race([this.refresh(), bound])
      // A failed check is the outage itself, which the store's failing commands already report;
      // the next check runs an interval later.
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        this.checking = false;
      });
  }

  private async refresh(): Promise<void> {
    const reachable = this.cluster.masters.find((master) => master.client?.isReady === true)?.client;
    if (reachable === undefined) return;
    const ranges = await reachable.clusterSlots();
    const stale = ranges.some(({ from, to, master }) => {
      const address = `${master.host}:${master.port}`;
      return this.cluster.slots[from]?.master.address !== address || this.cluster.slots[to]?.master.address !== address;
    });
    if (stale) await this.cluster._slots!.rediscover!(reachable);
  }
}
