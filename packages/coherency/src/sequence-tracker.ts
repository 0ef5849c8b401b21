/** What the tracker concluded about one sequence number. */
export type SequenceVerdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'late' }
  | { readonly kind: 'gap'; readonly missing: number };

interface SenderState {
  /** Highest sequence number seen. */
  high: number;
  /** Missing numbers still expected (a retried publish may fill them late). */
  readonly missing: Set<number>;
}

/**
 * Per-sender dedup and gap detection over sequence numbers. Senders are keyed by
 * `instance/epoch`. A number at or below the high-water mark is a duplicate, unless it
 * was reported missing: then it is late (deliver it, it is still an invalidation); a
 * number beyond `high + 1` opens a gap of the numbers in between. Memory per sender is
 * bounded by `window` missing numbers.
 */
export class SequenceTracker {
  readonly #senders = new Map<string, SenderState>();
  readonly #window: number;

  readonly #maxSenders: number;

  /**
   * @param window how many missing numbers per sender are remembered.
   * @param maxSenders senders remembered (oldest forgotten first: crashed instances never
   * say goodbye).
   */
  constructor(window = 1024, maxSenders = 4096) {
    this.#window = window;
    this.#maxSenders = maxSenders;
  }

  #add(sender: string, high: number): void {
    if (this.#senders.size >= this.#maxSenders) {
      const oldest = this.#senders.keys().next().value;
      if (oldest !== undefined) this.#senders.delete(oldest);
    }
    this.#senders.set(sender, { high, missing: new Set() });
  }

  /**
   * Records `seq` of an invalidation from `sender`. The first number seen from a sender
   * is its baseline (no gap before it: we may have joined late).
   */
  observe(sender: string, seq: number): SequenceVerdict {
    const state = this.#senders.get(sender);
    if (!state) {
      this.#add(sender, seq);
      return { kind: 'new' };
    }
    if (seq <= state.high) {
      if (state.missing.delete(seq)) {
        return { kind: 'late' };
      }
      // Delivered before (or older than the window): never deliver twice.
      return { kind: 'duplicate' };
    }
    const missing = seq - state.high - 1;
    for (let n = state.high + 1; n < seq && state.missing.size < this.#window; n++) {
      state.missing.add(n);
    }
    state.high = seq;
    this.#trim(state);
    return missing > 0 ? { kind: 'gap', missing } : { kind: 'new' };
  }

  /**
   * Checks a heartbeat's "last sequence used": a number beyond `high` means the sender's
   * latest invalidations never arrived. Returns how many are missing (0 when none).
   */
  checkHigh(sender: string, lastSeq: number): number {
    const state = this.#senders.get(sender);
    if (!state) {
      this.#add(sender, lastSeq);
      return 0;
    }
    if (lastSeq <= state.high) return 0;
    const missing = lastSeq - state.high;
    for (let n = state.high + 1; n <= lastSeq && state.missing.size < this.#window; n++) {
      state.missing.add(n);
    }
    state.high = lastSeq;
    this.#trim(state);
    return missing;
  }

  /** Forgets a sender (it left or went silent). */
  forget(sender: string): void {
    this.#senders.delete(sender);
  }

  /** Forgets everything (after a reconnection, when the cache dropped its L1 anyway). */
  reset(): void {
    this.#senders.clear();
  }

  #trim(state: SenderState): void {
    const floor = state.high - this.#window;
    if (state.missing.size > this.#window) {
      for (const n of state.missing) if (n <= floor) state.missing.delete(n);
    }
  }
}
