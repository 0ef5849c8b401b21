import type { InvalidationMessage } from '@cachestack/core';

/** One recorded operation of a bus. */
export interface HistoryEntry {
  /** When it was recorded here (the bus clock, ms). */
  readonly at: number;
  /**
   * `out`: published by this instance; `in`: received from another; `synthesized`: made
   * up here (a clear for a gap).
   */
  readonly direction: 'out' | 'in' | 'synthesized';
  /** The instance that invalidated (this one for `out` and `synthesized`). */
  readonly instanceId: string;
  /** The sender's sequence number (0 for synthesized entries). */
  readonly seq: number;
  /** What was invalidated. */
  readonly message: InvalidationMessage;
  /** Delivery lag in ms for `in` entries. */
  readonly lagMs?: number;
}

/** A fixed-size ring of the most recent operations, oldest first when read. */
export class History {
  readonly #size: number;
  readonly #ring: HistoryEntry[] = [];
  #next = 0;

  constructor(size: number) {
    this.#size = size;
  }

  /** Records an entry, overwriting the oldest when full. */
  push(entry: HistoryEntry): void {
    if (this.#size === 0) return;
    if (this.#ring.length < this.#size) this.#ring.push(entry);
    else this.#ring[this.#next] = entry;
    this.#next = (this.#next + 1) % this.#size;
  }

  /** The entries, oldest first. */
  list(): HistoryEntry[] {
    if (this.#ring.length < this.#size) return [...this.#ring];
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }
}
