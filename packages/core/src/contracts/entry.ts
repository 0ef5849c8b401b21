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

/** How a new entry is timed (the resolved per-call options provide these). */
export interface EntryTiming {
  /** Fresh time to live, ms. */
  readonly ttlMs: number;
  /** Extra stale-but-usable time after the TTL, ms. */
  readonly graceMs: number;
  /** Random fraction [0, 1) taken off the TTL to spread expiry. */
  readonly jitter: number;
  readonly tags: readonly string[] | undefined;
}

/** Builds an entry for `value` created at `now` (epoch ms); `ttlMs` overrides the timing's TTL. */
export function makeEntry(
  value: unknown,
  timing: EntryTiming,
  now: number,
  ttlMs = timing.ttlMs,
): Entry {
  const ttl =
    timing.jitter > 0
      ? Math.max(1, Math.round(ttlMs * (1 - Math.random() * timing.jitter)))
      : ttlMs;
  const freshUntil = now + ttl;
  return {
    value,
    createdAt: now,
    freshUntil,
    staleUntil: freshUntil + timing.graceMs,
    tags: timing.tags,
  };
}
