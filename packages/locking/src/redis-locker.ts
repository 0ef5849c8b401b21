/** Core's `Locker` on Redis: distributed single flight for `getOrSet`. */
import type { Lock, LockAcquireOptions, Locker } from '@cachestack/core';
import { createRedisLocks, type RedisLocks, type RedisLocksOptions } from './redis-lock.js';
import type { Redlock } from './redlock.js';

/** Options of {@link redisLocker}: either Redis lock options, or existing locks. */
export type RedisLockerOptions =
  | (RedisLocksOptions & {
      /** Keep extending the lock while the loader runs, instead of honouring the lease. @defaultValue false */
      readonly autoExtend?: boolean;
    })
  | {
      /** Existing locks to use (not closed by the locker). */
      readonly locks: RedisLocks | Redlock;
      /** Keep extending the lock while the loader runs, instead of honouring the lease. @defaultValue false */
      readonly autoExtend?: boolean;
    };

/** A core `Locker` that can be closed. */
export interface ClosableLocker extends Locker {
  /** Closes the locks it created (not ones passed in). Idempotent. */
  close(): Promise<void>;
}

/**
 * A core `Locker` on Redis, for `createCache({ lock: { locker } })`: concurrent
 * `getOrSet` misses of one key across processes run the loader once. The lock's signal
 * fires when the lease runs out (or, with `autoExtend`, when the lock is really lost).
 */
export function redisLocker(options: RedisLockerOptions): ClosableLocker {
  const owned = 'locks' in options ? undefined : createRedisLocks(options);
  const locks = 'locks' in options ? options.locks : owned!;
  const autoExtend = options.autoExtend ?? false;
  return {
    acquire(resource: string, acquire: LockAcquireOptions): Promise<Lock> {
      return locks.acquire(resource, {
        timeoutMs: acquire.timeoutMs,
        leaseMs: acquire.leaseMs,
        signal: acquire.signal,
        autoExtend,
      });
    },
    close: () => owned?.close() ?? Promise.resolve(),
  };
}
