/**
 * Seeded request traces for hit-rate benchmarks. A trace is an array of key strings that
 * share one string object per key, so replaying it allocates nothing.
 */
import { seededRandom } from './random.js';

/** A sampler of ranks 0..n-1 with P(rank r) ∝ 1 / (r + 1)^exponent. */
export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    sum += 1 / (r + 1) ** exponent;
    cdf[r] = sum;
  }
  for (let r = 0; r < n; r++) cdf[r]! /= sum;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function shuffled(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

function keyTable(n: number, prefix = 'key'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}:${i}`);
}

/** Zipf(exponent) over `keys` keys; popularity ranks are spread over the key space. */
export function zipfTrace(
  requests: number,
  keys: number,
  exponent: number,
  seed: number,
): string[] {
  const random = seededRandom(seed);
  const sample = zipfSampler(keys, exponent, random);
  const order = shuffled(keys, random);
  const table = keyTable(keys);
  const trace = new Array<string>(requests);
  for (let i = 0; i < requests; i++) trace[i] = table[order[sample()]!]!;
  return trace;
}

/** Zipf(exponent) traffic where a `fraction` of the requests are keys seen only once (a scan). */
export function scanPollutedTrace(
  requests: number,
  keys: number,
  exponent: number,
  fraction: number,
  seed: number,
): string[] {
  const random = seededRandom(seed);
  const sample = zipfSampler(keys, exponent, random);
  const order = shuffled(keys, random);
  const table = keyTable(keys);
  const trace = new Array<string>(requests);
  let once = 0;
  for (let i = 0; i < requests; i++) {
    trace[i] = random() < fraction ? `once:${once++}` : table[order[sample()]!]!;
  }
  return trace;
}

/** A cyclic scan over `span` keys (0, 1, ..., span-1, 0, 1, ...). */
export function loopTrace(requests: number, span: number): string[] {
  const table = keyTable(span, 'loop');
  const trace = new Array<string>(requests);
  for (let i = 0; i < requests; i++) trace[i] = table[i % span]!;
  return trace;
}

/** Zipf(exponent) whose popularity ranks are reassigned to new keys every `phase` requests. */
export function shiftingTrace(
  requests: number,
  keys: number,
  exponent: number,
  phase: number,
  seed: number,
): string[] {
  const random = seededRandom(seed);
  const sample = zipfSampler(keys, exponent, random);
  const table = keyTable(keys);
  const trace = new Array<string>(requests);
  let order = shuffled(keys, random);
  for (let i = 0; i < requests; i++) {
    if (i > 0 && i % phase === 0) order = shuffled(keys, random);
    trace[i] = table[order[sample()]!]!;
  }
  return trace;
}

/**
 * Hit rate of the static optimum: a cache that holds the `size` most requested keys of
 * the whole trace from the start (every request to them hits, except its first).
 */
export function staticOptimum(trace: readonly string[], size: number): number {
  const counts = new Map<string, number>();
  for (const key of trace) counts.set(key, (counts.get(key) ?? 0) + 1);
  const top = [...counts.values()].sort((a, b) => b - a).slice(0, size);
  let hits = 0;
  for (const count of top) hits += count - 1;
  return hits / trace.length;
}
