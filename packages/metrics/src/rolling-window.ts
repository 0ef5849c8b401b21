import { LATENCY_BUCKETS, latencyBucket } from './latency-histogram.js';

/** Counts of one time slice. */
export class Slice {
  id = -1;
  hits = 0;
  misses = 0;
  l2Calls = 0;
  l2Errors = 0;
  latency: Uint32Array | undefined;
  busLag: Uint32Array | undefined;

  reset(id: number): void {
    this.id = id;
    this.hits = 0;
    this.misses = 0;
    this.l2Calls = 0;
    this.l2Errors = 0;
    this.latency?.fill(0);
    this.busLag?.fill(0);
  }

  addLatency(ms: number): void {
    this.latency ??= new Uint32Array(LATENCY_BUCKETS);
    this.latency[latencyBucket(ms)]!++;
  }

  addBusLag(ms: number): void {
    this.busLag ??= new Uint32Array(LATENCY_BUCKETS);
    this.busLag[latencyBucket(ms)]!++;
  }
}

/** Sums of the slices of a time range. */
export interface Totals {
  hits: number;
  misses: number;
  l2Calls: number;
  l2Errors: number;
  latency: Uint32Array[];
  busLag: Uint32Array[];
  latencySamples: number;
  busLagSamples: number;
}

/**
 * A ring of fixed-length time slices over an injected clock: recording touches the
 * current slice only; a slice is reset lazily when its time comes round again.
 */
export class RollingWindow {
  readonly #slices: Slice[];
  readonly #sliceMs: number;
  readonly #now: () => number;
  #current: Slice;
  #currentEnd = Number.NEGATIVE_INFINITY;

  constructor(sliceMs: number, slices: number, now: () => number) {
    this.#sliceMs = sliceMs;
    this.#now = now;
    this.#slices = Array.from({ length: slices }, () => new Slice());
    this.#current = this.#slices[0]!;
  }

  /** The slice for the current time. */
  current(): Slice {
    const t = this.#now();
    if (t < this.#currentEnd && t >= this.#currentEnd - this.#sliceMs) return this.#current;
    const id = Math.floor(t / this.#sliceMs);
    const slice = this.#slices[id % this.#slices.length]!;
    if (slice.id !== id) slice.reset(id);
    this.#current = slice;
    this.#currentEnd = (id + 1) * this.#sliceMs;
    return slice;
  }

  /** Id of the slice holding time `t`. */
  idAt(t: number): number {
    return Math.floor(t / this.#sliceMs);
  }

  /** Sums slices with ids in [fromId, toId]. */
  sum(fromId: number, toId: number): Totals {
    const out: Totals = {
      hits: 0,
      misses: 0,
      l2Calls: 0,
      l2Errors: 0,
      latency: [],
      busLag: [],
      latencySamples: 0,
      busLagSamples: 0,
    };
    for (const s of this.#slices) {
      if (s.id < fromId || s.id > toId) continue;
      out.hits += s.hits;
      out.misses += s.misses;
      out.l2Calls += s.l2Calls;
      out.l2Errors += s.l2Errors;
      if (s.latency) {
        out.latency.push(s.latency);
        for (const n of s.latency) out.latencySamples += n;
      }
      if (s.busLag) {
        out.busLag.push(s.busLag);
        for (const n of s.busLag) out.busLagSamples += n;
      }
    }
    return out;
  }
}
