import { assertShape, type Shape } from '@cachestack/core/kit';
import type { Cluster, Redis } from 'ioredis';

/**
 * A client with the ioredis API that is not an ioredis instance, e.g. iovalkey's `Redis`
 * or `Cluster` (the Valkey fork of ioredis). The buses use it exactly like an ioredis
 * client. Only a few members are spelled out (checked at construction); ioredis's own
 * classes are not assignable from such a client because their private fields differ.
 */
export interface IoRedisCompatibleClient {
  /** `true` for a cluster client. */
  readonly isCluster: boolean;
  /** Connection status, e.g. `'ready'`. */
  readonly status: string;
  /** A second connection with the same options (the bus subscribes on it). */
  duplicate(): unknown;
  /** PUBLISH. */
  publish(channel: string, message: string): Promise<number>;
}

const CLIENT: Shape = { duplicate: 'function', publish: 'function' };

/**
 * The caller's client as ioredis's types, once it has the members the buses call.
 * iovalkey's classes are ioredis's under another name, so the buses treat both alike.
 * @throws InvalidOptionError naming `option` when a member is missing
 */
export function ioredisApiClient(
  value: Redis | Cluster | IoRedisCompatibleClient,
  option: string,
): Redis | Cluster {
  assertShape(option, value, CLIENT, 'an ioredis client or one with the same API (e.g. iovalkey)');
  return value as Redis | Cluster;
}
