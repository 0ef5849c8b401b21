import { clusterSlot } from '@cachestack/core/kit';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';

/** What a {@link BusSubscriber} reports to its bus. */
export interface SubscriberEvents {
  /** The connection is ready: subscribe now. */
  ready(): void;
  /** The connection closed (it reconnects by itself). */
  close(): void;
  /** A frame arrived on the channel. */
  message(text: string): void;
  /** A connection error. */
  error(error: Error): void;
}

/** Options of a {@link BusSubscriber}. */
export interface SubscriberOptions {
  /** The caller's client; a `Cluster` gets a dedicated node connection. */
  readonly client?: Redis | Cluster | undefined;
  /** URL of a standalone Redis, when there is no client. */
  readonly url?: string | undefined;
  /** Extra ioredis options of the connection created here. */
  readonly redisOptions?: RedisOptions | undefined;
  readonly channel: string;
  /** SSUBSCRIBE (sharded pub/sub, Redis >= 7) instead of SUBSCRIBE. */
  readonly sharded: boolean;
  readonly events: SubscriberEvents;
}

/**
 * Delays before re-resolving the node of a Cluster subscriber whose connection ended:
 * doubling from the first to the last while no connection becomes ready.
 */
const CLUSTER_REOPEN_MS = 100;
const CLUSTER_REOPEN_MAX_MS = 5000;

/**
 * The subscriber connection of a bus, always created here (a subscribed connection can
 * do nothing else). On a standalone client: `client.duplicate()` (or a connection from
 * the URL), which ioredis reconnects by itself. On a `Cluster`: a standalone connection to
 * one master — for sharded pub/sub the master owning the channel's slot, for classic
 * pub/sub any master (PUBLISH reaches every node). It does not reconnect to the same node:
 * when it ends, or when the bus finds it deaf, the node is resolved again from the
 * cluster's current slot table, so a failover or a slot migration is followed.
 */
export class BusSubscriber {
  readonly #options: SubscriberOptions;
  readonly #cluster: Cluster | undefined;
  #connection: Redis | undefined;
  #closed = false;
  #reopen: NodeJS.Timeout | undefined;
  #reopenDelayMs = CLUSTER_REOPEN_MS;

  constructor(options: SubscriberOptions) {
    this.#options = options;
    const client = options.client;
    this.#cluster = client?.isCluster ? (client as Cluster) : undefined;
    this.#open();
  }

  /** Subscribes the current connection to the channel. */
  async subscribe(): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined) throw new Error('subscriber connection not open');
    const { channel, sharded } = this.#options;
    if (sharded) await connection.ssubscribe(channel);
    else await connection.subscribe(channel);
  }

  /** Drops the connection and connects again (to a freshly resolved node on a Cluster). */
  reconnect(): void {
    if (this.#closed) return;
    if (this.#cluster === undefined) {
      this.#connection?.disconnect(true);
      return;
    }
    this.#drop();
    this.#open();
  }

  /** Closes the connection for good. */
  disconnect(): void {
    this.#closed = true;
    clearTimeout(this.#reopen);
    this.#drop();
  }

  #drop(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    connection.removeAllListeners();
    connection.on('error', () => {}); // errors while it closes are no longer ours
    connection.disconnect();
    this.#options.events.close();
  }

  #open(): void {
    if (this.#closed) return;
    const { client, url, redisOptions, events } = this.#options;
    // Re-subscription is done by the bus, which must know when it completed.
    const own: RedisOptions = { ...redisOptions, lazyConnect: false, autoResubscribe: false };
    let connection: Redis;
    if (this.#cluster !== undefined) {
      const node = this.#node(this.#cluster);
      if (node === undefined) {
        // Slots not known yet: try again once the cluster is ready.
        this.#cluster.once('ready', () => this.#open());
        return;
      }
      connection = new Redis({
        ...this.#cluster.options.redisOptions,
        ...own,
        host: node.host,
        port: node.port,
        retryStrategy: () => null,
      });
      connection.on('end', () => {
        if (this.#connection !== connection || this.#closed) return;
        this.#connection = undefined;
        this.#reopen = setTimeout(() => this.#open(), this.#reopenDelayMs);
        this.#reopen.unref();
        this.#reopenDelayMs = Math.min(this.#reopenDelayMs * 2, CLUSTER_REOPEN_MAX_MS);
      });
      connection.on('ready', () => {
        this.#reopenDelayMs = CLUSTER_REOPEN_MS;
      });
    } else if (client !== undefined) {
      connection = (client as Redis).duplicate(own);
    } else {
      connection = new Redis(url!, own);
    }
    this.#connection = connection;
    connection.on('error', (error: Error) => events.error(error));
    connection.on('ready', () => events.ready());
    connection.on('close', () => events.close());
    connection.on(this.#options.sharded ? 'smessage' : 'message', (_: string, text: string) =>
      events.message(text),
    );
  }

  /** The master to subscribe on, from the cluster's slot table; `undefined` before it is known. */
  #node(cluster: Cluster): { host: string; port: number } | undefined {
    let key: string | undefined;
    if (this.#options.sharded) {
      key = cluster.slots[clusterSlot(this.#options.channel)]?.[0];
    } else {
      const master = cluster.nodes('master')[0];
      if (master !== undefined) key = `${master.options.host}:${master.options.port}`;
    }
    if (key === undefined) return undefined;
    const at = key.lastIndexOf(':');
    return { host: key.slice(0, at), port: Number(key.slice(at + 1)) };
  }
}
