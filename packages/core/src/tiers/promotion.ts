import { LRUCache } from 'lru-cache';
import type { Clock } from '../contracts/clock.js';
import type { PromotionStrategy } from '../contracts/options.js';
import type { MemoryTier } from './memory-tier.js';

/**
 * Decides when an L2 hit is copied into L1: at once (`immediate`), through L1's
 * admission filter (`frequency`), or after N hits within a window.
 */
export class Promotion {
  readonly #strategy: PromotionStrategy;
  readonly #windowMs: number;
  readonly #l1: MemoryTier | undefined;
  readonly #clock: Clock;
  readonly #hits: LRUCache<string, { count: number; first: number }> | undefined;

  constructor(
    strategy: PromotionStrategy,
    windowMs: number,
    l1: MemoryTier | undefined,
    clock: Clock,
    maxEntries: number,
  ) {
    this.#strategy = strategy;
    this.#windowMs = windowMs;
    this.#l1 = l1;
    this.#clock = clock;
    if (typeof strategy === 'object')
      this.#hits = new LRUCache({ max: Math.max(1000, maxEntries) });
  }

  /** Whether an L2 hit of this L1 key should be copied into L1 now. */
  shouldPromote(l1Key: string): boolean {
    const strategy = this.#strategy;
    if (strategy === 'immediate' || !this.#l1) return true;
    if (strategy === 'frequency') {
      this.#l1.touch(l1Key);
      return true; // the admission filter decides when L1 is full
    }
    const hits = this.#hits!;
    const now = this.#clock.now();
    const seen = hits.get(l1Key);
    if (!seen || now - seen.first > this.#windowMs) {
      hits.set(l1Key, { count: 1, first: now });
      return strategy.afterHits <= 1;
    }
    seen.count++;
    if (seen.count >= strategy.afterHits) {
      hits.delete(l1Key);
      return true;
    }
    return false;
  }
}
