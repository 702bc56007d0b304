import type { ConnectionState } from './redis-cluster';
import type { RedisClientLike } from './redis';

/** A connection of the store's own, made by duplicating the application's client. */
interface ProbeConnection extends RedisClientLike, ConnectionState {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  unref?(): void;
}

/** The part of a node-redis 5 client (`createClient`) that a probe needs. */
export interface DuplicableClient extends ConnectionState {
  readonly options?: { socket?: object };
  duplicate(overrides: object): ProbeConnection;
}

export function isDuplicable(client: object): client is DuplicableClient {
  return typeof (client as Partial<DuplicableClient>).duplicate === 'function' && 'isReady' in client;
}

/**
 * Finds out when Redis is back while the application's client reconnects, and serves until that
 * client is ready again.
 *
 * node-redis retries a lost connection with a back-off that grows to about 2 s between attempts
 * (its default; the application may choose longer), so after an outage its client can stay down
 * for that long while Redis already answers. Meanwhile the store fails at once, and at most one
 * probe at a time, one per interval, opens a connection of its own with the client's options.
 * Once one connects, the store's commands go through it; as soon as the application's client is
 * ready again the probe's connection is closed. It never reconnects by itself nor queues a command
 * while it is down, and it never keeps the process alive.
 */
export class RedisProbe {
  private connection?: ProbeConnection;
  private watch?: NodeJS.Timeout;
  private probing = false;
  private lastProbe = -Infinity;
  private closed = false;

  constructor(
    private readonly main: DuplicableClient,
    private readonly interval: number,
    private readonly connectTimeout: number,
  ) {}

  /** The probe's connection while it is up; otherwise nothing, and a probe starts if it is time. */
  current(): RedisClientLike | undefined {
    if (this.connection?.isReady) return this.connection;
    // Redis went away again before the application's client came back: the connection is gone.
    this.retire();
    this.probe();
    return undefined;
  }

  /** The application's client is ready again: the probe's connection closes once its replies are in. */
  retire(): void {
    const connection = this.connection;
    if (connection === undefined) return;
    this.connection = undefined;
    clearInterval(this.watch);
    if (connection.isOpen) connection.close().catch(() => undefined);
  }

  /** Serves through the probe's connection until the application's client is ready, with or without traffic. */
  private adopt(connection: ProbeConnection): void {
    this.connection = connection;
    this.watch = setInterval(() => {
      if (this.main.isReady || !this.main.isOpen) this.retire();
    }, this.interval);
    this.watch.unref?.();
  }

  close(): void {
    this.closed = true;
    this.retire();
  }

  private probe(): void {
    const now = Date.now();
    if (this.closed || this.probing || now - this.lastProbe < this.interval) return;
    this.probing = true;
    this.lastProbe = now;
    const probe = this.main.duplicate({
      socket: { ...this.main.options?.socket, reconnectStrategy: false, connectTimeout: this.connectTimeout },
      disableOfflineQueue: true,
      pingInterval: undefined,
      clientSideCache: undefined,
    });
    // Its errors are the outage itself, which the application's client reports to its own listener.
    probe.on('error', () => undefined);
    probe.unref?.();
    // node-redis bounds the TCP connection by connectTimeout, not the handshake that follows: a
    // server that accepts and never answers must not hold the one probe forever.
    const abandon = setTimeout(() => probe.isOpen && probe.destroy(), this.connectTimeout);
    abandon.unref?.();
    probe
      .connect()
      .then(
        () => {
          if (!this.closed && probe.isReady) this.adopt(probe);
          else if (probe.isOpen) probe.destroy();
        },
        () => {
          if (probe.isOpen) probe.destroy();
        },
      )
      .finally(() => {
        clearTimeout(abandon);
        this.probing = false;
      });
  }
}
