/** Lock statistics, kept as plain counters (cheap enough for the hot path). */

/** A snapshot of a lock implementation's statistics. */
export interface LockStats {
  /** Locks acquired since creation. */
  readonly acquisitions: number;
  /** Acquisitions that had to wait behind another holder. */
  readonly contendedAcquisitions: number;
  /** Total time spent waiting by successful acquisitions, in ms. */
  readonly waitTimeMs: number;
  /** Acquisitions that gave up at their timeout. */
  readonly timeouts: number;
  /** Held locks lost because their lease ran out (or, for Redis, an extension failed). */
  readonly leaseExpiries: number;
  /** Locks held right now. */
  readonly holders: number;
  /** Callers waiting right now. */
  readonly waiters: number;
}

/** @internal mutable counters behind {@link LockStats}. */
export class StatsCounter {
  acquisitions = 0;
  contendedAcquisitions = 0;
  waitTimeMs = 0;
  timeouts = 0;
  leaseExpiries = 0;
  holders = 0;
  waiters = 0;

  recordAcquire(waitMs: number, contended: boolean): void {
    this.acquisitions++;
    this.holders++;
    this.waitTimeMs += waitMs;
    if (contended) this.contendedAcquisitions++;
  }

  snapshot(): LockStats {
    return {
      acquisitions: this.acquisitions,
      contendedAcquisitions: this.contendedAcquisitions,
      waitTimeMs: this.waitTimeMs,
      timeouts: this.timeouts,
      leaseExpiries: this.leaseExpiries,
      holders: this.holders,
      waiters: this.waiters,
    };
  }
}
