/**
 * Keys known to be over their limit, with the local time until which they stay
 * rejected. Bounded (oldest entry dropped first) and timer-free (entries expire on read).
 */
export class BlockCache {
  readonly #max: number;
  readonly #until = new Map<string, number>();

  /** `maxKeys` 0 disables the cache. */
  constructor(maxKeys: number) {
    this.#max = maxKeys;
  }

  /** Ms `key` stays blocked from `now`; 0 when it is not (known to be) blocked. */
  waitMs(key: string, now: number): number {
    if (this.#until.size === 0) return 0;
    const until = this.#until.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#until.delete(key);
    return 0;
  }

  /** Remembers that `key` is rejected until `until`. */
  block(key: string, until: number): void {
    if (this.#max === 0) return;
    this.#until.delete(key);
    this.#until.set(key, until);
    if (this.#until.size > this.#max) {
      const oldest = this.#until.keys().next();
      if (oldest.done !== true) this.#until.delete(oldest.value);
    }
  }

  /** Forgets `key` (after a refund or a reset). */
  delete(key: string): void {
    this.#until.delete(key);
  }

  /** Forgets every key. */
  clear(): void {
    this.#until.clear();
  }
}
