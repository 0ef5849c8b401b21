import {
  type Bus,
  type BusHandler,
  type BusState,
  ClosedError,
  type InvalidationMessage,
  InvalidOptionError,
  type Logger,
  noopLogger,
} from '@cachestack/core';
import { Redis, type RedisOptions } from 'ioredis';
import { type IoRedisCompatibleClient, ioredisApiClient } from './compatible-client.js';
import { BusEvents, coherencyChannels } from './events.js';

/** Options of {@link trackingBus}. Give `client` or `url`. */
export interface TrackingBusOptions {
  /**
   * The client the L2 store writes through. Tracking is switched on for this connection
   * with `NOLOOP`, so this instance's own writes do not come back as invalidations;
   * re-armed whenever it reconnects. Never closed by the bus. A standalone ioredis
   * `Redis`, or a client with the same API such as iovalkey's (see
   * {@link IoRedisCompatibleClient}); not a `Cluster`.
   */
  readonly client?: Redis | IoRedisCompatibleClient;
  /** Redis URL: the bus creates its own tracking connection (own writes then come back). */
  readonly url?: string;
  /** Extra ioredis options for connections the bus creates. */
  readonly redisOptions?: RedisOptions;
  /**
   * Key prefixes to track (BCAST `PREFIX`); with the default `parseKey`, the redis
   * store's `prefix` followed by `:`.
   */
  readonly prefixes: readonly string[];
  /**
   * Maps a modified Redis key to the invalidation it means (or `undefined` to ignore).
   * @defaultValue {@link parseStoreKey} (the `@cachestack/redis` key layout)
   */
  readonly parseKey?: (redisKey: string) => InvalidationMessage | undefined;
  /** pino-shaped logger. @defaultValue no-op */
  readonly logger?: Logger;
}

// `{prefix}:{ns}:…` (one shard) or `{prefix}:s{ns|shard}:…` (sharded); namespaces hold no braces.
const STORE_KEY = /^[^:]+:(?:\{([^{}]*)\}|s\{([^{}]*)\|(?:0|[1-9][0-9]*)\}):(k|ti|m):(.*)$/s;

/**
 * The invalidation a key of the `@cachestack/redis` layout (`{prefix}:{ns}:k:{key}`,
 * `:ti:{tag}`, `:m:clear`, and the same under a shard head `{prefix}:s{ns|n}:`) means,
 * or `undefined`.
 */
export function parseStoreKey(redisKey: string): InvalidationMessage | undefined {
  const m = STORE_KEY.exec(redisKey);
  if (!m) return undefined;
  const namespace = (m[1] ?? m[2])!;
  const rest = m[4]!;
  if (m[3] === 'k') return { type: 'delete', namespace, keys: [rest] };
  if (m[3] === 'ti') return { type: 'delete-tags', namespace, tags: [rest] };
  return rest === 'clear' ? { type: 'clear', namespace } : undefined;
}

const INVALIDATE = '__redis__:invalidate';

/**
 * Forces RESP2 on the redirect connection. ioredis 6 speaks RESP3 by default and drops
 * `invalidate` push frames; on RESP2 they arrive as messages of `__redis__:invalidate`.
 * ioredis 5 (RESP2 only) ignores the option. Typed loosely: ioredis 5 has no `protocol`.
 */
const RESP2 = { protocol: 2 } as Partial<RedisOptions>;

/**
 * A server-assisted {@link Bus}: Redis itself reports modified keys (`CLIENT TRACKING
 * ... BCAST PREFIX ...`) to a RESP2 redirect connection subscribed to
 * `__redis__:invalidate`. The redirect connection is always RESP2, also on ioredis 6
 * (RESP3 by default), which does not surface RESP3 `invalidate` pushes; the tracked
 * connection may speak either protocol.
 * `publish()` sends nothing: the write to Redis is the announcement. A flush of the
 * database (no key list) or a lost connection flaps the state, so the cache drops L1.
 */
export class TrackingBus implements Bus {
  readonly #tracked: Redis;
  readonly #ownsTracked: boolean;
  readonly #redirect: Redis;
  readonly #prefixes: readonly string[];
  readonly #parse: (redisKey: string) => InvalidationMessage | undefined;
  readonly #log: Logger;
  readonly #handlers = new Set<BusHandler>();
  readonly #stateListeners = new Set<(state: BusState) => void>();
  readonly #events = new BusEvents();
  #state: BusState = 'disconnected';
  #closed = false;
  #arming: Promise<void> | undefined;
  #rearm = false;
  readonly #readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  /** Use {@link trackingBus}. */
  constructor(options: TrackingBusOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('options', 'expected an object');
    }
    if (!options.client && typeof options.url !== 'string') {
      throw new InvalidOptionError('client', 'give an ioredis client or a url');
    }
    const prefixes = options.prefixes;
    if (
      !Array.isArray(prefixes) ||
      prefixes.length === 0 ||
      !prefixes.every((p) => typeof p === 'string' && p)
    ) {
      throw new InvalidOptionError('prefixes', 'expected a non-empty array of non-empty strings');
    }
    this.#prefixes = prefixes;
    this.#parse = options.parseKey ?? parseStoreKey;
    this.#log = (options.logger ?? noopLogger).child({ bus: 'tracking' });
    const client =
      options.client === undefined ? undefined : ioredisApiClient(options.client, 'client');
    if (client?.isCluster) {
      throw new InvalidOptionError('client', 'expected a standalone client, not a Cluster');
    }
    const own = { ...options.redisOptions, lazyConnect: false };
    if (client) {
      this.#tracked = client as Redis;
      this.#ownsTracked = false;
      this.#redirect = this.#tracked.duplicate({ ...own, ...RESP2, autoResubscribe: false });
    } else {
      this.#tracked = new Redis(options.url!, own);
      this.#ownsTracked = true;
      this.#tracked.on('error', (error: Error) =>
        this.#events.emit('error', { operation: 'tracked', error }),
      );
      this.#redirect = new Redis(options.url!, { ...own, ...RESP2, autoResubscribe: false });
    }
    this.#redirect.on('error', (error: Error) =>
      this.#events.emit('error', { operation: 'redirect', error }),
    );
    this.#redirect.on('ready', this.#arm);
    this.#redirect.on('close', this.#down);
    this.#tracked.on('ready', this.#arm);
    this.#tracked.on('close', this.#down);
    // 'messageBuffer' keeps the reply shape: an array of keys, or null for a flush
    // ('message' would join the array with commas).
    this.#redirect.on('messageBuffer', (channel: Buffer, payload: unknown) => {
      if (channel.toString() === INVALIDATE) this.#invalidate(payload);
    });
    if (this.#tracked.status === 'ready') this.#arm();
  }

  get state(): BusState {
    return this.#state;
  }

  /** Listens to a bus event (`state`, `message`, `error`); returns a remover. */
  on: BusEvents['on'] = (name, listener) => this.#events.on(name, listener);

  /** Resolves once tracking is armed. */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('bus'));
    if (this.#state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /** Nothing to send: Redis reports the write itself. */
  async publish(_message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw new ClosedError('bus');
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#setState('disconnected');
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(new ClosedError('bus'));
    this.#tracked.off('ready', this.#arm);
    this.#tracked.off('close', this.#down);
    if (this.#ownsTracked) this.#tracked.disconnect();
    else if (this.#tracked.status === 'ready') {
      await this.#tracked.call('CLIENT', 'TRACKING', 'off').catch(() => {});
    }
    this.#redirect.disconnect();
    this.#handlers.clear();
    this.#stateListeners.clear();
    this.#events.clear();
  }

  /** Same as {@link TrackingBus.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #down = (): void => {
    if (!this.#closed) this.#setState('disconnected');
  };

  /** (Re-)arms tracking: subscribe the redirect connection, point the tracked one at it. */
  #arm = (): void => {
    if (this.#closed) return;
    if (this.#arming) {
      this.#rearm = true; // a connection came back while arming: arm again after
      return;
    }
    this.#arming = this.#doArm().finally(() => {
      this.#arming = undefined;
      if (this.#rearm) {
        this.#rearm = false;
        this.#arm();
      }
    });
  };

  async #doArm(): Promise<void> {
    if (this.#redirect.status !== 'ready' || this.#tracked.status !== 'ready') return;
    try {
      const id = (await this.#redirect.call('CLIENT', 'ID')) as number;
      await this.#redirect.subscribe(INVALIDATE);
      const prefixArgs = this.#prefixes.flatMap((p) => ['PREFIX', p]);
      await this.#tracked.call('CLIENT', 'TRACKING', 'off');
      const args = ['TRACKING', 'on', 'REDIRECT', String(id), 'BCAST', ...prefixArgs];
      if (!this.#ownsTracked) args.push('NOLOOP');
      await this.#tracked.call('CLIENT', ...args);
    } catch (error) {
      this.#events.emit('error', { operation: 'arm', error: error as Error });
      this.#log.warn({ err: error }, 'cachestack: arming client tracking failed');
      return;
    }
    if (this.#closed) return;
    // A flap even when we were "connected": anything modified while re-arming was missed.
    this.#setState('disconnected');
    this.#setState('connected');
  }

  #invalidate(payload: unknown): void {
    if (payload === null || payload === undefined) {
      // FLUSHDB / FLUSHALL: every key is gone.
      this.#setState('disconnected');
      this.#setState('connected');
      return;
    }
    const keys = Array.isArray(payload) ? payload : [payload];
    for (const key of keys) {
      const message = this.#parse(String(key));
      if (!message) continue;
      for (const handler of this.#handlers) {
        try {
          handler(message);
        } catch (error) {
          this.#events.emit('error', { operation: 'handler', error: error as Error });
        }
      }
      this.#events.emit('message', { from: 'redis', seq: 0, message, lagMs: 0 });
      if (coherencyChannels.receive.hasSubscribers) {
        coherencyChannels.receive.publish({
          instanceId: 'tracking',
          from: 'redis',
          seq: 0,
          type: message.type,
          namespace: message.namespace,
          lagMs: 0,
        });
      }
    }
  }

  #setState(state: BusState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#events.emit('state', { state, reason: state === 'connected' ? 'connect' : 'disconnect' });
    if (coherencyChannels.state.hasSubscribers) {
      coherencyChannels.state.publish({ instanceId: 'tracking', state });
    }
    for (const listener of this.#stateListeners) listener(state);
    if (state === 'connected') {
      for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    }
  }
}

/**
 * Creates a server-assisted bus (Redis `CLIENT TRACKING` in BCAST mode), an alternative
 * to {@link redisBus} when every writer goes through Redis.
 * @throws InvalidOptionError for invalid options.
 * @example
 * const bus = trackingBus({ client: redis, prefixes: ['shop:'] });
 * const cache = createCache({ l2: redisStore({ client: redis, prefix: 'shop' }), bus });
 */
export function trackingBus(options: TrackingBusOptions): TrackingBus {
  return new TrackingBus(options);
}
