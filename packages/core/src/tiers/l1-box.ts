/**
 * What L1 holds when a value needs more than the store's own TTL: a grace period, tags,
 * or an `undefined` value. Plain values (no grace, no tags) are stored as they are, with
 * their TTL kept by the L1 store (W-TinyLFU or LRU list) in its typed arrays: that is
 * what keeps L1 within a few percent of raw lru-cache's memory. Times are integer ms offsets from the tier's base
 * time (see {@link l1Offset}), so V8 keeps them inline as small integers.
 */
export class L1Box<T = unknown> {
  constructor(
    readonly value: T,
    /** `freshUntil` minus the tier's base time, ms. */
    readonly freshOffset: number,
    /** `staleUntil` minus the tier's base time, ms. */
    readonly staleOffset: number,
    readonly tags: readonly string[] | undefined,
  ) {}
}

const SMI_MAX = 2 ** 30 - 1;

/**
 * An L1 time offset. Whole milliseconds within ±12 days are forced to int32 so V8 keeps
 * them as small integers inline in the box (a double would be boxed: ~2x the entry).
 */
export function l1Offset(ms: number): number {
  return ms < SMI_MAX && ms > -SMI_MAX ? Math.ceil(ms) | 0 : Math.ceil(ms);
}
