import { deflateRawSync } from 'node:zlib';
import type { ResolvedChoice, ResolvedOptions } from './options.js';

/** What `algorithm: 'auto'` decided for one value. */
export type AutoDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'fast' | 'strong'; readonly choice: ResolvedChoice };

/**
 * Estimated saving of `data` (`1 - compressed / original`) from raw deflate at level 1
 * over a sample: the whole value when it is at most twice `sampleBytes`, otherwise three
 * stripes of `sampleBytes / 3` from the start, the middle and the end (so a value with a
 * compressible header and a random body is not misjudged by its header alone).
 */
export function sampleSavings(data: Uint8Array, sampleBytes: number): number {
  let sample: Uint8Array;
  if (data.byteLength <= sampleBytes * 2) {
    sample = data;
  } else {
    const stripe = Math.max(1, Math.floor(sampleBytes / 3));
    const middle = Math.floor(data.byteLength / 2 - stripe / 2);
    const end = data.byteLength - stripe;
    const joined = new Uint8Array(stripe * 3);
    joined.set(data.subarray(0, stripe), 0);
    joined.set(data.subarray(middle, middle + stripe), stripe);
    joined.set(data.subarray(end), stripe * 2);
    sample = joined;
  }
  if (sample.byteLength === 0) return 0;
  // Level 1 raw deflate: cheapest zlib pass (a few microseconds per KiB), no header bytes.
  return 1 - deflateRawSync(sample, { level: 1 }).byteLength / sample.byteLength;
}

/**
 * The `auto` policy, for a value already at or above `thresholdBytes`:
 * - none: the sample saves less than `minSavingsRatio` (random, encrypted or
 *   already-compressed bytes), so no full compression is attempted;
 * - strong: the sample saves at least `autoStrongMinSavingsRatio` (text, JSON) and the
 *   value is at most `autoStrongMaxBytes`: the better ratio is worth the CPU;
 * - fast: everything else (moderately compressible, or large values whose CPU time
 *   would otherwise grow with the strong level).
 */
export function decide(data: Uint8Array, options: ResolvedOptions): AutoDecision {
  const savings = sampleSavings(data, options.autoSampleBytes);
  if (savings < options.minSavingsRatio) return { kind: 'none' };
  if (
    savings >= options.autoStrongMinSavingsRatio &&
    data.byteLength <= options.autoStrongMaxBytes
  ) {
    return { kind: 'strong', choice: options.autoStrong };
  }
  return { kind: 'fast', choice: options.autoFast };
}
