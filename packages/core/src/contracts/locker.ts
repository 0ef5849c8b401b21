/**
 * The lock contract used for distributed single flight (implemented by
 * `@cachestack/locking`). With a locker, concurrent `getOrSet` misses of one key across
 * processes run the loader once: the others wait for the lock, then find the value in L2.
 */

/** Options of {@link Locker.acquire}. */
export interface LockAcquireOptions {
  /** Give up waiting after this many ms (reject with the locker's timeout error). */
  readonly timeoutMs: number;
  /** The lock is released by itself after this many ms unless extended. */
  readonly leaseMs: number;
  /** Aborts the wait. */
  readonly signal?: AbortSignal | undefined;
}

/** A held lock. */
export interface Lock {
  /** The locked resource name. */
  readonly resource: string;
  /** Strictly increasing per resource, when the locker provides fencing tokens. */
  readonly fencingToken?: number | bigint | undefined;
  /** Fires when the lock is lost (lease expired, connection lost). */
  readonly signal: AbortSignal;
  /** Releases the lock. Idempotent. */
  release(): Promise<void>;
}

/** Acquires named locks. */
export interface Locker {
  acquire(resource: string, options: LockAcquireOptions): Promise<Lock>;
}
