/**
 * A fixed log-scale histogram of durations for percentiles without keeping samples:
 * bucket `i` holds values up to `MIN_MS * GROWTH^i`, so a percentile read from it is
 * at most 20 % above the true value (never below it).
 */
const MIN_MS = 0.01;
const GROWTH = 1.2;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets: 0.01 ms .. ~ 10 min, plus one overflow bucket. */
export const LATENCY_BUCKETS = 100;

/** The bucket a duration falls into. */
export function latencyBucket(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const i = Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH);
  return i >= LATENCY_BUCKETS ? LATENCY_BUCKETS - 1 : i;
}

/** Upper bound (ms) of a bucket. */
export function bucketUpperMs(i: number): number {
  return MIN_MS * GROWTH ** i;
}

/**
 * The `p`-th percentile (0-100) of the histograms summed, as the upper bound of the
 * bucket that holds it; `undefined` when they hold nothing.
 */
export function percentileOf(histograms: readonly Uint32Array[], p: number): number | undefined {
  let total = 0;
  for (const h of histograms) for (let i = 0; i < h.length; i++) total += h[i]!;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    for (const h of histograms) seen += h[i]!;
    if (seen >= rank) return Number(bucketUpperMs(i).toPrecision(4));
  }
  return Number(bucketUpperMs(LATENCY_BUCKETS - 1).toPrecision(4));
}
