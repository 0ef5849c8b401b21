/** A bounded sample of latencies (ms) with percentiles; oldest values are overwritten. */
export class LatencySample {
  readonly #values: Float64Array;
  #count = 0;
  #next = 0;

  constructor(capacity = 4096) {
    this.#values = new Float64Array(capacity);
  }

  /** Adds one measurement. */
  add(ms: number): void {
    this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count++;
  }

  /** Number of measurements held. */
  get count(): number {
    return this.#count;
  }

  /** Percentiles (0-100) of what is held; zeros when empty. */
  percentiles(ps: readonly number[]): number[] {
    if (this.#count === 0) return ps.map(() => 0);
    const sorted = this.#values.slice(0, this.#count).sort();
    return ps.map((p) => {
      const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
      return Math.round(sorted[i]! * 1000) / 1000;
    });
  }

  /** Forgets every measurement. */
  reset(): void {
    this.#count = 0;
    this.#next = 0;
  }
}
