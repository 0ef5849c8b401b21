import { randomUUID } from 'node:crypto';
import { InvalidOptionError, type Logger } from '@cachestack/core';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { type IoRedisCompatibleClient, ioredisApiClient } from './compatible-client.js';

/** What a bus does when sequence numbers of a sender go missing. */
export type GapPolicy = 'flap' | 'clear-seen';

/** Options of {@link redisBus}. Give `client` or `url`. */
export interface RedisBusOptions {
  /**
   * An ioredis client (`Redis` or `Cluster`), or a client with the same API such as
   * iovalkey's (see {@link IoRedisCompatibleClient}), used to publish; never closed by the
   * bus. The bus creates its subscriber: `client.duplicate()` for a standalone client; on
   * a `Cluster`, a connection to one master (for `sharded`, the master owning the
   * channel's slot).
   */
  readonly client?: Redis | Cluster | IoRedisCompatibleClient;
  /** Redis URL: the bus creates (and closes) its own publisher and subscriber. */
  readonly url?: string;
  /** Extra ioredis options for connections the bus creates. */
  readonly redisOptions?: RedisOptions;
  /**
   * Pub/sub channel; every instance of one cache must use the same.
   * @defaultValue `'cachestack:bus'`
   */
  readonly channel?: string;
  /**
   * Sharded pub/sub (Redis >= 7): `SPUBLISH` / `SSUBSCRIBE` instead of `PUBLISH` /
   * `SUBSCRIBE`. On a Cluster a message then travels to the one shard owning the
   * channel's slot instead of being broadcast to every node. Every instance of one cache
   * must use the same value.
   * @defaultValue false
   */
  readonly sharded?: boolean;
  /**
   * This instance's id, as others see it in `instances()` and `history()`.
   * @defaultValue a random UUID
   */
  readonly instanceId?: string;
  /**
   * How often this instance announces itself, in ms; 0 turns heartbeats off.
   * @defaultValue 2000
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * An instance not heard of for this long is reported gone.
   * @defaultValue 3 × `heartbeatIntervalMs`
   */
  readonly instanceTimeoutMs?: number;
  /**
   * How many recent operations `history()` keeps.
   * @defaultValue 1000
   */
  readonly historySize?: number;
  /**
   * Bound of the retry queue of failed publishes; when full the oldest is dropped
   * (counted in `stats().dropped`; receivers see a gap).
   * @defaultValue 1000
   */
  readonly maxQueuedMessages?: number;
  /**
   * Delay between retries of queued publishes, in ms.
   * @defaultValue 100
   */
  readonly retryIntervalMs?: number;
  /**
   * A publish not acknowledged within this time is queued for a retry (and may then
   * arrive twice: receivers drop the duplicate).
   * @defaultValue 1000
   */
  readonly publishTimeoutMs?: number;
  /**
   * On a sequence gap: `'flap'` reports `disconnected` then `connected` at once, so the
   * cache drops its whole L1 (safe: the lost message's namespace is unknowable);
   * `'clear-seen'` delivers a synthesized `clear` for every namespace seen on the bus
   * (cheaper, but misses a namespace whose first message was the lost one).
   * @defaultValue `'flap'`
   */
  readonly gapPolicy?: GapPolicy;
  /**
   * Clock in ms (wall clock: delivery lag compares it with the sender's).
   * @defaultValue `performance.timeOrigin + performance.now()`
   */
  readonly now?: () => number;
  /** pino-shaped logger. @defaultValue no-op */
  readonly logger?: Logger;
}

/** Options with defaults applied. */
export interface ResolvedBusOptions {
  /** The caller's client, checked; `undefined` with `url`. */
  readonly client: Redis | Cluster | undefined;
  readonly channel: string;
  readonly sharded: boolean;
  readonly instanceId: string;
  readonly heartbeatIntervalMs: number;
  readonly instanceTimeoutMs: number;
  readonly historySize: number;
  readonly maxQueuedMessages: number;
  readonly retryIntervalMs: number;
  readonly publishTimeoutMs: number;
  readonly gapPolicy: GapPolicy;
  readonly now: () => number;
}

function nonNegativeInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidOptionError(name, 'expected a non-negative integer');
  }
  return value;
}

function nonEmptyString(name: string, value: unknown, fallback: () => string): string {
  if (value === undefined) return fallback();
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(name, 'expected a non-empty string');
  }
  return value;
}

/** Validates options once, with typed errors. */
export function resolveBusOptions(options: RedisBusOptions): ResolvedBusOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', 'expected an object');
  }
  if (options.client === undefined && options.url === undefined) {
    throw new InvalidOptionError('client', 'give an ioredis client or a url');
  }
  if (options.url !== undefined && typeof options.url !== 'string') {
    throw new InvalidOptionError('url', 'expected a string');
  }
  const heartbeatIntervalMs = nonNegativeInt(
    'heartbeatIntervalMs',
    options.heartbeatIntervalMs,
    2000,
  );
  const instanceTimeoutMs = nonNegativeInt(
    'instanceTimeoutMs',
    options.instanceTimeoutMs,
    heartbeatIntervalMs * 3,
  );
  if (heartbeatIntervalMs > 0 && instanceTimeoutMs <= heartbeatIntervalMs) {
    throw new InvalidOptionError('instanceTimeoutMs', 'must exceed heartbeatIntervalMs');
  }
  if (options.sharded !== undefined && typeof options.sharded !== 'boolean') {
    throw new InvalidOptionError('sharded', 'expected a boolean');
  }
  const gapPolicy = options.gapPolicy ?? 'flap';
  if (gapPolicy !== 'flap' && gapPolicy !== 'clear-seen') {
    throw new InvalidOptionError('gapPolicy', "expected 'flap' or 'clear-seen'");
  }
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function');
  const retryIntervalMs = nonNegativeInt('retryIntervalMs', options.retryIntervalMs, 100);
  const publishTimeoutMs = nonNegativeInt('publishTimeoutMs', options.publishTimeoutMs, 1000);
  if (publishTimeoutMs === 0) throw new InvalidOptionError('publishTimeoutMs', 'must be >= 1');
  return {
    client: options.client === undefined ? undefined : ioredisApiClient(options.client, 'client'),
    channel: nonEmptyString('channel', options.channel, () => 'cachestack:bus'),
    sharded: options.sharded === true,
    instanceId: nonEmptyString('instanceId', options.instanceId, () => randomUUID()),
    heartbeatIntervalMs,
    instanceTimeoutMs,
    historySize: nonNegativeInt('historySize', options.historySize, 1000),
    maxQueuedMessages: nonNegativeInt('maxQueuedMessages', options.maxQueuedMessages, 1000),
    retryIntervalMs: Math.max(1, retryIntervalMs),
    publishTimeoutMs,
    gapPolicy,
    now,
  };
}
