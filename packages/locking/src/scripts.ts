/**
 * Lua scripts of the Redis lock, run with EVALSHA and an EVAL fallback on NOSCRIPT.
 * Keys of one resource share a hash tag, so the scripts work on Redis Cluster.
 */
import { createHash } from 'node:crypto';
import { StoreError, TimeoutError, withDeadline } from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';

/** An ioredis client: standalone or Cluster. */
export type RedisClient = Redis | Cluster;

/** A Lua script with its SHA1. */
export class Script {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script; loads it with EVAL when the server does not know it yet. */
  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return await client.eval(this.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }

  /** Runs the script with a deadline; failures become `StoreError` (deadline: `TimeoutError`). */
  async runWithin(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    timeoutMs: number,
    what: string,
  ): Promise<unknown> {
    try {
      return await withDeadline(this.run(client, keys, args), timeoutMs, what);
    } catch (error) {
      if (error instanceof TimeoutError) throw error;
      throw new StoreError(`${what} failed`, { cause: error });
    }
  }
}

/**
 * KEYS: lock, fence counter. ARGV: token, leaseMs, fence retention ms.
 * Returns {1, fencingToken} when acquired, {0, pttl of the holder} otherwise.
 * The fence counter is seeded from the server clock (microseconds) when absent, so it
 * keeps increasing even after the counter key expired from disuse.
 */
export const acquireScript = new Script(`
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('exists', KEYS[2]) == 0 then
    local t = redis.call('time')
    redis.call('set', KEYS[2], t[1] .. string.format('%06d', tonumber(t[2])))
  end
  local fence = redis.call('incr', KEYS[2])
  redis.call('pexpire', KEYS[2], ARGV[3])
  return {1, fence}
end
return {0, redis.call('pttl', KEYS[1])}
`);

/** KEYS: lock. ARGV: token, leaseMs. Returns 1 when extended, 0 when not held. */
export const extendScript = new Script(`
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
`);

/**
 * KEYS: lock. ARGV: token, release channel ('' for none), message, '1' for sharded
 * pub/sub (SPUBLISH; the channel shares the lock's hash tag, so its slot).
 * Deletes the lock when the token matches and publishes the release to waiters.
 */
export const releaseScript = new Script(`
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  if ARGV[2] ~= '' then
    if ARGV[4] == '1' then redis.call('spublish', ARGV[2], ARGV[3])
    else redis.call('publish', ARGV[2], ARGV[3]) end
  end
  return 1
end
return 0
`);

/** Redis keys and channel of one resource. */
export interface ResourceKeys {
  readonly lock: string;
  readonly fence: string;
  readonly channel: string;
}

/** Keys of `resource` under `prefix`, sharing one hash tag. */
export function resourceKeys(prefix: string, resource: string): ResourceKeys {
  const lock = `${prefix}{${resource}}`;
  return { lock, fence: `${lock}:fence`, channel: `${lock}:released` };
}
