import { type Cluster, Redis } from 'ioredis';
import type { RedisBusOptions, ResolvedBusOptions } from './redis-bus-options.js';
import { BusSubscriber, type SubscriberEvents } from './subscriber.js';

/** The two connections of a bus. */
export interface BusConnections {
  /** Publishes (the caller's client, or ours). */
  readonly pub: Redis | Cluster;
  /** Subscribes; always ours (a subscribed connection can do nothing else). */
  readonly sub: BusSubscriber;
  /** Whether `pub` was created here (and must be closed here). */
  readonly ownsPub: boolean;
}

/**
 * Creates the subscriber (see {@link BusSubscriber}) and, with a URL, a publisher that
 * fails fast: no offline queue (a failure goes to the bus's retry queue instead of hiding
 * in ioredis) and a command timeout.
 */
export function createConnections(
  options: RedisBusOptions,
  resolved: ResolvedBusOptions,
  events: SubscriberEvents,
): BusConnections {
  const { client, channel, publishTimeoutMs } = resolved;
  const sub = new BusSubscriber({
    client,
    url: options.url,
    redisOptions: options.redisOptions,
    channel,
    sharded: resolved.sharded,
    events,
  });
  if (client) return { pub: client, sub, ownsPub: false };
  return {
    pub: new Redis(options.url!, {
      ...options.redisOptions,
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: publishTimeoutMs,
    }),
    sub,
    ownsPub: true,
  };
}
