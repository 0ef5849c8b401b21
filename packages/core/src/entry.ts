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

/** An L1 entry: the entry plus what L1 needs to keep itself bounded and coherent. */
export interface MemoryEntry<T = unknown> extends Entry<T> {
  /** Local time the entry entered L1 (for tag invalidation checks). */
  readonly storedAt: number;
  /** Estimated size in bytes (0 when L1 is not bounded by bytes). */
  readonly size: number;
  /** Generation of the namespace when stored; a clear bumps it and orphans the entry. */
  readonly gen: number;
}
