/**
 * What a tier holds. Times are epoch milliseconds of the clock the cache was given.
 * An entry is fresh until `freshUntil`, then stale but usable as a fallback (grace)
 * until `staleUntil`, then gone.
 */
export interface Entry<T = unknown> {
  readonly value: T;
  readonly createdAt: number;
  readonly freshUntil: number;
  readonly staleUntil: number;
  readonly tags: readonly string[] | undefined;
}

/**
 * What L1 holds when a value needs more than lru-cache's own TTL: a grace period, tags,
 * or an `undefined` value. Plain values (no grace, no tags) are stored as they are, with
 * their TTL kept by lru-cache in its typed arrays: that is what keeps L1 within a few
 * percent of raw lru-cache's memory. Times are integer ms offsets from the tier's base
 * time, so V8 keeps them inline as small integers.
 */
export class L1Box<T = unknown> {
  constructor(
    readonly value: T,
    /** freshUntil - base, ms. */
    readonly f: number,
    /** staleUntil - base, ms. */
    readonly s: number,
    readonly tags: readonly string[] | undefined,
  ) {}
}
