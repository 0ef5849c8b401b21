import { InvalidOptionError } from '@cachestack/core';

/** A source of numbers in [0, 1). */
export type Random = () => number;

/**
 * A seeded generator (mulberry32): the same seed injects the same faults in the same
 * order, so a failing chaos test replays.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Added latency: a fixed number of ms, a uniform range, or any distribution (a function
 * returning ms, e.g. a sampled production histogram).
 */
export type Latency = number | { readonly minMs: number; readonly maxMs: number } | (() => number);

/** Validates a {@link Latency} option. */
export function checkLatency(option: string, latency: unknown): asserts latency is Latency {
  if (typeof latency === 'function') return;
  if (typeof latency === 'number') {
    if (Number.isFinite(latency) && latency >= 0) return;
  } else if (typeof latency === 'object' && latency !== null) {
    const { minMs, maxMs } = latency as { minMs?: unknown; maxMs?: unknown };
    if (
      typeof minMs === 'number' &&
      typeof maxMs === 'number' &&
      minMs >= 0 &&
      Number.isFinite(maxMs) &&
      maxMs >= minMs
    ) {
      return;
    }
  }
  throw new InvalidOptionError(
    option,
    'must be ms >= 0, { minMs, maxMs } or a function returning ms',
  );
}

/** Draws one delay from a {@link Latency}. */
export function drawLatency(latency: Latency, random: Random): number {
  if (typeof latency === 'number') return latency;
  if (typeof latency === 'function') return Math.max(0, latency());
  return latency.minMs + (latency.maxMs - latency.minMs) * random();
}

/** Validates a probability option. */
export function checkRate(option: string, rate: unknown): asserts rate is number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new InvalidOptionError(option, 'must be a probability in [0, 1]');
  }
}

/** Whether an event of probability `rate` happens now (never draws for 0 or 1). */
export function happens(rate: number, random: Random): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return random() < rate;
}
