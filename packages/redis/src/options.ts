import { type Clock, InvalidOptionError, isClock, type Logger, noopLogger } from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { assertPrefix, assertShards } from './keyspace.js';

/** Default `shards` of a store on a Cluster client. */
export const CLUSTER_DEFAULT_SHARDS = 16;

/**
 * A client with the ioredis API that is not an ioredis instance, e.g. iovalkey's `Redis`
 * or `Cluster` (the Valkey fork of ioredis): the store uses it exactly like an ioredis
 * client. Only the members checked at construction are spelled out here.
 */
export interface IoRedisCompatibleClient {
  /** `true` for a cluster client. */
  readonly isCluster: boolean;
  /** Registers a Lua script as a command (EVALSHA with NOSCRIPT fallback). */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  /** GET returning bytes. */
  getBuffer(key: string): Promise<Buffer | null>;
}

/** Options of {@link redisStore}. Give exactly one of `client` and `url`. */
export interface RedisStoreOptions {
  /**
   * Your ioredis client (`Redis` or `Cluster`), or a client with the same API such as
   * iovalkey's (see {@link IoRedisCompatibleClient}). It stays yours: `close()` never quits it.
   * Give it `enableOfflineQueue: false` if you want an outage to fail calls at once
   * instead of at the deadline.
   */
  readonly client?: Redis | Cluster | IoRedisCompatibleClient | undefined;
  /**
   * A `redis://` / `rediss://` URL of a standalone Redis. The store creates the client
   * (`enableOfflineQueue: false`, `maxRetriesPerRequest: 1`, `commandTimeout`) and
   * quits it on `close()`. For Cluster pass `client`.
   */
  readonly url?: string | undefined;
  /** Key prefix: letters, digits, `_`, `-`, `.`. Every key the store writes starts with `${prefix}:`. */
  readonly prefix: string;
  /**
   * How many hash-tag shards each namespace is spread over (1 to 1024). With one shard a
   * namespace lives in one Cluster slot, so on one master; with N it spreads over N slots
   * (and so over every master once N is a few times the number of masters). Each shard
   * keeps its own fence marks, so a write still touches one slot; `clear` and
   * `deleteByTag` fan out to every shard (one script per shard, sent at once, pipelined
   * per node). On a Cluster pick a multiple of the master count: on 3 masters, 16 shards
   * spread one namespace's 10 k keys 3121 / 3753 / 3126 (5, 6 and 5 shards per master),
   * 48 spread them 3331 / 3313 / 3356. Part of the key layout: every store sharing a
   * prefix must use the same value (changing it leaves the old keys unread until they
   * expire or are cleared).
   * @defaultValue 16 with a `Cluster` client, 1 otherwise
   */
  readonly shards?: number | undefined;
  /**
   * Deadline of every Redis round trip, in ms. A call that has no answer by then
   * rejects with core's `TimeoutError`, on your client too.
   * @defaultValue 1000
   */
  readonly commandTimeoutMs?: number | undefined;
  /**
   * How long invalidation marks live, in ms, so the longest a fence is usable: a
   * conditional write whose fence was read more than `fenceTtlMs - commandTimeoutMs`
   * ago is reported `'fenced'` without being sent (its marks may be gone). Must be
   * greater than `commandTimeoutMs`; raise it when loaders run longer.
   * @defaultValue 60000
   */
  readonly fenceTtlMs?: number | undefined;
  /**
   * Clock in ms used to age fences.
   * @deprecated Pass `clock` (a `fakeClock()` from `@cachestack/testing` in tests): `now`
   *   moves the fence ages only, `clock` the command deadlines too. Pass either, not both.
   * @defaultValue Date.now
   */
  readonly now?: (() => number) | undefined;
  /**
   * Time and timers of the store: fence ages (`clock.now()`) and the deadlines the store
   * enforces itself (scripts, a first connection, and every command of a client whose own
   * `commandTimeout` is unset or longer than `commandTimeoutMs`). A client's own
   * `commandTimeout` (always set on a client the store creates) runs on ioredis's timers.
   * @defaultValue `systemClock` from `@cachestack/core`
   */
  readonly clock?: Clock | undefined;
  /**
   * `SCAN COUNT` and number of keys deleted per round trip by `clear`.
   * @defaultValue 500
   */
  readonly clearBatchSize?: number | undefined;
  /**
   * Most GETs of one tick sent as one MGET. Concurrent `get` calls issued in the same
   * tick share one command and one reply (per slot on Cluster); a lone `get` is still a
   * GET. `1` sends every `get` as its own GET at once.
   * @defaultValue 128
   */
  readonly getBatchMaxKeys?: number | undefined;
  /**
   * Where the store reports client errors of a client it created.
   * @defaultValue a no-op logger
   */
  readonly logger?: Logger | undefined;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  readonly client: Redis | Cluster | undefined;
  readonly url: string | undefined;
  readonly prefix: string;
  readonly shards: number;
  readonly commandTimeoutMs: number;
  readonly fenceTtlMs: number;
  readonly clearBatchSize: number;
  readonly getBatchMaxKeys: number;
  readonly logger: Logger;
  readonly now: () => number;
  /** Timers of the store's own deadlines; undefined: the system's. */
  readonly clock: Clock | undefined;
}

function positiveInteger(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidOptionError(name, `must be an integer between 1 and ${max}`);
  }
  return value;
}

function isClient(value: unknown): value is Redis | Cluster {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Redis).defineCommand === 'function' &&
    typeof (value as Redis).getBuffer === 'function'
  );
}

function keyPrefixOf(client: Redis | Cluster): string | undefined {
  const options = client.options as { keyPrefix?: string; redisOptions?: { keyPrefix?: string } };
  return options.keyPrefix || options.redisOptions?.keyPrefix || undefined;
}

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error', 'child'] as const;

/**
 * Validates the options once and resolves defaults.
 * @throws InvalidOptionError
 */
export function resolveOptions(options: RedisStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'must be an object');
  }
  const { url } = options;
  // A compatible client is used through the ioredis API it has.
  const client = options.client as Redis | Cluster | undefined;
  if (client !== undefined && url !== undefined) {
    throw new InvalidOptionError('client', 'give either client or url, not both');
  }
  if (client === undefined && url === undefined) {
    throw new InvalidOptionError('client', 'give an ioredis client or a url');
  }
  if (client !== undefined && !isClient(client)) {
    throw new InvalidOptionError('client', 'must be an ioredis Redis or Cluster instance');
  }
  if (client !== undefined && keyPrefixOf(client)) {
    // Scripts compute key names and SCAN patterns are not prefixed: use `prefix` instead.
    throw new InvalidOptionError('client', 'must not have a keyPrefix; use the prefix option');
  }
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
    throw new InvalidOptionError('url', 'must be a redis:// or rediss:// URL');
  }
  assertPrefix(options.prefix);
  const shards = options.shards ?? (client?.isCluster ? CLUSTER_DEFAULT_SHARDS : 1);
  assertShards(shards);
  const logger = options.logger ?? noopLogger;
  if (
    typeof logger !== 'object' ||
    logger === null ||
    LOGGER_METHODS.some((m) => typeof logger[m] !== 'function')
  ) {
    throw new InvalidOptionError('logger', 'must have debug, info, warn, error and child methods');
  }
  const clock = options.clock;
  if (clock !== undefined && !isClock(clock)) {
    throw new InvalidOptionError('clock', 'must have now, monotonic, setTimeout and clearTimeout');
  }
  if (clock !== undefined && options.now !== undefined) {
    throw new InvalidOptionError('now', 'pass either now or clock, not both');
  }
  const now = options.now ?? (clock === undefined ? Date.now : () => clock.now());
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function');
  const commandTimeoutMs = positiveInteger(
    'commandTimeoutMs',
    options.commandTimeoutMs,
    1000,
    2_147_483_647,
  );
  const fenceTtlMs = positiveInteger('fenceTtlMs', options.fenceTtlMs, 60_000, 2_147_483_647);
  if (fenceTtlMs <= commandTimeoutMs) {
    throw new InvalidOptionError('fenceTtlMs', 'must be greater than commandTimeoutMs');
  }
  return {
    client,
    url,
    prefix: options.prefix,
    shards,
    commandTimeoutMs,
    fenceTtlMs,
    clearBatchSize: positiveInteger('clearBatchSize', options.clearBatchSize, 500, 100_000),
    getBatchMaxKeys: positiveInteger('getBatchMaxKeys', options.getBatchMaxKeys, 128, 100_000),
    logger,
    now,
    clock,
  };
}
