/**
 * Keys known to be over their limit, with the local time until which they stay
 * rejected. Bounded (oldest entry dropped first) and timer-free (entries expire on read).
 * A generation counter, bumped by every reset, keeps a rejection that was decided before
 * a reset (and answered after it) from blocking the key again.
 */
export class BlockCache {
  readonly #max: number;
  readonly #until = new Map<string, number>();
  #generation = 0;

  /** `maxKeys` 0 disables the cache. */
  constructor(maxKeys: number) {
    this.#max = maxKeys;
  }

  /** Bumped by every reset; read it before asking the store, pass it to {@link BlockCache.block}. */
  get generation(): number {
    return this.#generation;
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

  /**
   * Remembers that `key` is rejected until `until`, unless a reset happened since
   * `generation` was read (the rejection may predate it).
   */
  block(key: string, until: number, generation: number): void {
    if (this.#max === 0 || generation !== this.#generation) return;
    this.#until.delete(key);
    this.#until.set(key, until);
    if (this.#until.size > this.#max) {
      const oldest = this.#until.keys().next();
      if (oldest.done !== true) this.#until.delete(oldest.value);
    }
  }

  /** Forgets `key` (after a refund). */
  delete(key: string): void {
    this.#until.delete(key);
  }

  /** A reset of `keys` (every key when undefined): forgets them and starts a new generation. */
  invalidate(keys?: readonly string[]): void {
    this.#generation++;
    if (keys === undefined) this.#until.clear();
    else for (const key of keys) this.#until.delete(key);
  }

  /** Forgets every key. */
  clear(): void {
    this.#until.clear();
  }
}
