import type { Clock } from '../contracts/clock.js';
import type { EvictionPolicy } from '../contracts/options.js';
import { FrequencySketch } from '../features/frequency-sketch.js';
import { coarseNow } from '../kit/coarse-now.js';
import { L1Box } from './l1-box.js';
import { LruList } from './lru-list.js';
import { WTinyLfu } from './w-tinylfu.js';

/** Options of the memory tier, resolved (see `L1Options` in the cache options). */
export interface MemoryTierOptions {
  readonly maxEntries: number;
  /** 0 = not bounded by bytes. */
  readonly maxBytes: number;
  readonly policy: EvictionPolicy;
  /**
   * Frequency-sketch admission filter for entries promoted from L2 (`lru`, `fifo`, `lfu`).
   * `w-tinylfu` admits every insertion through its own sketch, whatever this says.
   */
  readonly admission: 'none' | 'tinylfu';
  /** Whether a sketch is needed by the promotion strategy even without admission. */
  readonly trackFrequency: boolean;
  readonly sizeOf: (value: unknown) => number;
  /** Clock of TTLs (its `now`, epoch ms). */
  readonly clock: Clock;
  /** Called when an entry leaves L1 to keep it within bounds. */
  readonly onEvict: (key: string, reason: 'capacity' | 'rejected') => void;
}

// lfu: how many of the least-recently-used entries are sampled to pick the victim.
const LFU_SAMPLE = 5;

function unbox(stored: unknown): unknown {
  return stored instanceof L1Box ? stored.value : stored;
}

/**
 * L1: a synchronous store bounded by entries and bytes, with per-entry TTL: a
 * {@link WTinyLfu} for `w-tinylfu`, an {@link LruList} for the other policies. Holds plain
 * values or {@link L1Box}es. `fifo` reads without touching recency;
 * `lfu` evicts the least frequent of the few least-recently-used entries (sampled LFU,
 * as Redis does); the admission filter decides whether a promoted L2 entry may push a
 * more frequently used entry out.
 */
export class MemoryTier {
  // Both stores share the method names this class uses.
  readonly #lru: LruList<{}> | WTinyLfu<{}>;
  readonly #tiny: WTinyLfu<{}> | undefined;
  readonly #list: LruList<{}> | undefined;
  readonly #options: MemoryTierOptions;
  readonly #sketch: FrequencySketch | undefined;
  readonly #tagIndex = new Map<string, Set<string>>();

  constructor(options: MemoryTierOptions) {
    this.#options = options;
    const needSketch =
      options.admission === 'tinylfu' || options.policy === 'lfu' || options.trackFrequency;
    const dispose = (stored: {}, key: string, reason: string) => {
      if (stored instanceof L1Box && stored.tags) this.#unindex(key, stored.tags);
      if (reason === 'evict') this.#options.onEvict(key, 'capacity');
      else if (reason === 'rejected') this.#options.onEvict(key, 'rejected');
    };
    // Every hit checks expiry: read the system clock once per ms, not once per hit.
    const now = coarseNow(options.clock);
    if (options.policy === 'w-tinylfu') {
      // Admission, promotion frequency and eviction all use the policy's own sketch.
      this.#sketch = undefined;
      this.#tiny = new WTinyLfu<{}>({
        maxEntries: options.maxEntries,
        maxBytes: options.maxBytes,
        now,
        dispose,
      });
      this.#list = undefined;
      this.#lru = this.#tiny;
      return;
    }
    this.#tiny = undefined;
    this.#sketch = needSketch ? new FrequencySketch(options.maxEntries) : undefined;
    this.#list = new LruList<{}>({
      maxEntries: options.maxEntries,
      maxBytes: options.maxBytes,
      now,
      // fifo reads without touching recency.
      touchOnGet: options.policy !== 'fifo',
      dispose,
    });
    this.#lru = this.#list;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** Estimated bytes held (0 when not bounded by bytes). */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** Looks a live entry up; counts the access for frequency-based decisions. */
  get(key: string): unknown {
    // Two monomorphic calls rather than one call site shared by both stores.
    if (this.#tiny !== undefined) return this.#tiny.get(key);
    if (this.#sketch) this.#sketch.increment(key);
    return this.#list!.get(key);
  }

  /** Looks an entry up without touching recency or frequency. */
  peek(key: string): unknown {
    return this.#lru.peek(key);
  }

  /** Remaining TTL of a key in ms (0 when absent or expired). */
  remainingTtl(key: string): number {
    return Math.max(0, this.#lru.getRemainingTTL(key));
  }

  /** Recent access frequency of a key (0-16), or 0 without a sketch. */
  frequency(key: string): number {
    if (this.#tiny) return this.#tiny.frequency(key);
    return this.#sketch ? this.#sketch.frequency(key) : 0;
  }

  /**
   * Records an access (e.g. an L2 hit) without a lookup. `w-tinylfu` already counted the
   * read that missed L1, so it does not count it twice.
   */
  touch(key: string): void {
    this.#sketch?.increment(key);
  }

  /**
   * Stores a plain value or an {@link L1Box} for `ttlMs`. With `admit`, the entry goes
   * through the admission filter when L1 is full: it is stored only if it is used more
   * often than the entry it would evict (`bonus` is added to its frequency, for
   * namespace priority). Returns whether it was stored.
   */
  set(key: string, stored: {}, ttlMs: number, admit = false, bonus = 0): boolean {
    if (ttlMs <= 0) {
      this.#lru.delete(key);
      return false;
    }
    const size = this.#options.maxBytes > 0 ? Math.max(1, this.#options.sizeOf(unbox(stored))) : 0;
    const existing = this.#lru.peek(key);
    if (existing instanceof L1Box && existing.tags) this.#unindex(key, existing.tags);
    if (this.#tiny) {
      // Every insertion goes through the policy's admission, promoted or not.
      if (!this.#tiny.set(key, stored, { ttl: ttlMs, size, bonus })) return false;
      if (stored instanceof L1Box && stored.tags) this.#index(key, stored.tags);
      return true;
    }
    if (existing === undefined && this.#isFull(size)) {
      const victim = this.#victim();
      if (admit && this.#sketch && victim !== undefined && this.#options.admission === 'tinylfu') {
        if (this.#sketch.frequency(key) + bonus <= this.#sketch.frequency(victim)) {
          this.#options.onEvict(key, 'rejected');
          return false;
        }
      }
      if (this.#options.policy === 'lfu') this.#makeRoom(size);
    }
    // False when larger than maxBytes on its own.
    if (!this.#lru.set(key, stored, { ttl: ttlMs, size })) return false;
    if (stored instanceof L1Box && stored.tags) this.#index(key, stored.tags);
    return true;
  }

  /** Removes an entry; returns whether it was there. */
  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  /** Keys of L1 entries carrying the tag. */
  keysWithTag(tag: string): string[] {
    const keys = this.#tagIndex.get(tag);
    return keys ? [...keys] : [];
  }

  /** Removes every entry whose key satisfies `match`. */
  deleteWhere(match: (key: string) => boolean): void {
    for (const key of [...this.#lru.keys()]) if (match(key)) this.#lru.delete(key);
  }

  /** Evicts the least valuable `fraction` (0-1] of the entries; returns how many. */
  shrink(fraction: number): number {
    const target = Math.ceil(this.#lru.size * fraction);
    let evicted = 0;
    if (this.#tiny) {
      // evictOne reports each eviction through dispose (onEvict 'capacity').
      while (evicted < target && this.#tiny.evictOne() !== undefined) evicted++;
      return evicted;
    }
    while (evicted < target) {
      const victim = this.#victim();
      if (victim === undefined) break;
      this.#lru.delete(victim);
      this.#options.onEvict(victim, 'capacity');
      evicted++;
    }
    return evicted;
  }

  /** Drops everything. */
  clear(): void {
    this.#lru.clear();
    this.#tagIndex.clear();
  }

  /** Iterates keys, most recently used first. */
  keys(): IterableIterator<string> {
    return this.#lru.keys();
  }

  #isFull(incoming: number): boolean {
    if (this.#lru.size >= this.#options.maxEntries) return true;
    return (
      this.#options.maxBytes > 0 && this.#lru.calculatedSize + incoming > this.#options.maxBytes
    );
  }

  /** The entry the policy would evict next. */
  #victim(): string | undefined {
    if (this.#options.policy !== 'lfu' || !this.#sketch) {
      const next = this.#lru.rkeys().next();
      return next.done ? undefined : next.value;
    }
    let best: string | undefined;
    let bestFreq = Number.POSITIVE_INFINITY;
    let n = 0;
    for (const key of this.#lru.rkeys()) {
      const f = this.#sketch.frequency(key);
      if (f < bestFreq) {
        best = key;
        bestFreq = f;
      }
      if (++n >= LFU_SAMPLE) break;
    }
    return best;
  }

  #makeRoom(incoming: number): void {
    let guard = this.#options.maxEntries;
    while (this.#isFull(incoming) && guard-- > 0) {
      const victim = this.#victim();
      if (victim === undefined) return;
      this.#lru.delete(victim);
      this.#options.onEvict(victim, 'capacity');
    }
  }

  #index(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      let set = this.#tagIndex.get(tag);
      if (!set) {
        set = new Set();
        this.#tagIndex.set(tag, set);
      }
      set.add(key);
    }
  }

  #unindex(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const set = this.#tagIndex.get(tag);
      if (!set) continue;
      set.delete(key);
      if (set.size === 0) this.#tagIndex.delete(tag);
    }
  }
}
