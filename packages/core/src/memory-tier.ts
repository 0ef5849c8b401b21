import { LRUCache } from 'lru-cache';
import type { MemoryEntry } from './entry.js';
import { FrequencySketch } from './frequency-sketch.js';

/** L1 eviction policy. */
export type EvictionPolicy = 'lru' | 'fifo' | 'lfu';

/** Options of the memory tier, resolved (see `L1Options` in the cache options). */
export interface MemoryTierOptions {
  readonly maxEntries: number;
  /** 0 = not bounded by bytes. */
  readonly maxBytes: number;
  readonly policy: EvictionPolicy;
  /** Frequency-sketch admission filter for entries promoted from L2. */
  readonly admission: 'none' | 'tinylfu';
  /** Whether a sketch is needed by the promotion strategy even without admission. */
  readonly trackFrequency: boolean;
  readonly sizeOf: (value: unknown) => number;
  /** Called when an entry leaves L1 to keep it within bounds. */
  readonly onEvict: (key: string, reason: 'capacity' | 'rejected') => void;
}

// lfu: how many of the least-recently-used entries are sampled to pick the victim.
const LFU_SAMPLE = 5;

/**
 * L1: a synchronous store of {@link MemoryEntry} on lru-cache, bounded by entries and
 * bytes. `fifo` reads without touching recency; `lfu` evicts the least frequent of the
 * few least-recently-used entries (sampled LFU, as Redis does); the admission filter
 * decides whether a promoted L2 entry may push a more frequently used entry out.
 */
export class MemoryTier {
  readonly #lru: LRUCache<string, MemoryEntry>;
  readonly #options: MemoryTierOptions;
  readonly #sketch: FrequencySketch | undefined;
  readonly #tagIndex = new Map<string, Set<string>>();
  readonly #peekOnly: boolean;

  constructor(options: MemoryTierOptions) {
    this.#options = options;
    this.#peekOnly = options.policy === 'fifo';
    const needSketch =
      options.admission === 'tinylfu' || options.policy === 'lfu' || options.trackFrequency;
    this.#sketch = needSketch ? new FrequencySketch(options.maxEntries) : undefined;
    this.#lru = new LRUCache<string, MemoryEntry>({
      max: options.maxEntries,
      ...(options.maxBytes > 0
        ? {
            maxSize: options.maxBytes,
            sizeCalculation: (entry: MemoryEntry) => Math.max(1, entry.size),
          }
        : {}),
      dispose: (entry, key, reason) => {
        if (entry.tags) this.#unindex(key, entry.tags);
        if (reason === 'evict') this.#options.onEvict(key, 'capacity');
      },
    });
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** Estimated bytes held (0 when not bounded by bytes). */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** Looks an entry up; counts the access for frequency-based decisions. */
  get(key: string): MemoryEntry | undefined {
    if (this.#sketch) this.#sketch.increment(key);
    return this.#peekOnly ? this.#lru.peek(key) : this.#lru.get(key);
  }

  /** Looks an entry up without touching recency or frequency. */
  peek(key: string): MemoryEntry | undefined {
    return this.#lru.peek(key);
  }

  /** Recent access frequency of a key (0-15), or 0 without a sketch. */
  frequency(key: string): number {
    return this.#sketch ? this.#sketch.frequency(key) : 0;
  }

  /** Records an access (e.g. an L2 hit) without a lookup. */
  touch(key: string): void {
    this.#sketch?.increment(key);
  }

  /**
   * Stores an entry. With `admit`, the entry goes through the admission filter when L1
   * is full: it is stored only if it is used more often than the entry it would evict
   * (`bonus` is added to its frequency, for namespace priority). Returns whether stored.
   */
  set(key: string, entry: MemoryEntry, admit = false, bonus = 0): boolean {
    const existing = this.#lru.peek(key);
    if (existing?.tags) this.#unindex(key, existing.tags);
    if (!existing && this.#isFull(entry.size)) {
      const victim = this.#victim();
      if (admit && this.#sketch && victim !== undefined && this.#options.admission === 'tinylfu') {
        if (this.#sketch.frequency(key) + bonus <= this.#sketch.frequency(victim)) {
          this.#options.onEvict(key, 'rejected');
          return false;
        }
      }
      if (this.#options.policy === 'lfu') this.#makeRoom(entry.size);
    }
    this.#lru.set(key, entry);
    if (!this.#lru.has(key)) return false; // larger than maxBytes on its own
    if (entry.tags) this.#index(key, entry.tags);
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
      const entry = this.#lru.peek(victim);
      this.#lru.delete(victim);
      if (entry) this.#options.onEvict(victim, 'capacity');
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
