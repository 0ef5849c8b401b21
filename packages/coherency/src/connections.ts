import { Redis } from 'ioredis';
import type { RedisBusOptions } from './redis-bus-options.js';

/** The two connections of a bus. */
export interface BusConnections {
  /** Publishes (the caller's client, or ours). */
  readonly pub: Redis;
  /** Subscribes; always ours (a subscribed connection can do nothing else). */
  readonly sub: Redis;
  /** Whether `pub` was created here (and must be closed here). */
  readonly ownsPub: boolean;
}

/**
 * Creates the subscriber (a duplicate of the caller's client, or from the URL) and, with
 * a URL, a publisher that fails fast: no offline queue (a failure goes to the bus's retry
 * queue instead of hiding in ioredis) and a command timeout.
 */
export function createConnections(
  options: RedisBusOptions,
  publishTimeoutMs: number,
): BusConnections {
  const own = { ...options.redisOptions, lazyConnect: false };
  // Re-subscription is done by the bus, which must know when it completed.
  const sub = { ...own, autoResubscribe: false };
  if (options.client) {
    return { pub: options.client, sub: options.client.duplicate(sub), ownsPub: false };
  }
  const url = options.url!;
  return {
    pub: new Redis(url, {
      ...own,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: publishTimeoutMs,
    }),
    sub: new Redis(url, sub),
    ownsPub: true,
  };
}
