import { assertShape, type Shape } from '@cachestack/core/kit';
import type { RedisClient } from './scripts.js';

/**
 * A client with the ioredis API that is not an ioredis instance, e.g. iovalkey's `Redis`
 * or `Cluster` (the Valkey fork of ioredis). The locks use it exactly like an ioredis
 * client. Only the members checked at construction are spelled out; ioredis's own
 * classes are not assignable from such a client because their private fields differ.
 */
export interface IoRedisCompatibleClient {
  /** `true` for a cluster client. */
  readonly isCluster: boolean;
  /** Connection status, e.g. `'ready'` (Redlock skips nodes that are down). */
  readonly status: string;
  /** A second connection with the same options (for release notifications). */
  duplicate(): unknown;
  /** EVALSHA: runs a loaded Lua script. */
  evalsha(sha: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  /** EVAL: runs (and loads) a Lua script. */
  eval(script: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

const CLIENT: Shape = { duplicate: 'function', evalsha: 'function', eval: 'function' };

/**
 * The caller's client as ioredis's types, once it has the members the locks call.
 * iovalkey's classes are ioredis's under another name, so the locks treat both alike.
 * @throws InvalidOptionError naming `option` when a member is missing
 */
export function ioredisApiClient(
  value: RedisClient | IoRedisCompatibleClient,
  option: string,
): RedisClient {
  assertShape(option, value, CLIENT, 'an ioredis client or one with the same API (e.g. iovalkey)');
  return value as RedisClient;
}
