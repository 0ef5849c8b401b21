import { InvalidOptionError } from '../contracts/errors.js';

/** Why an entry left an {@link LruList}. */
export type LruRemoval = 'evict' | 'set' | 'delete' | 'expire';

/** Options of {@link LruList}. */
export interface LruListOptions<V> {
  /** Most entries held (an integer >= 1). */
  readonly maxEntries: number;
  /** Most bytes held, by the sizes given to `set`; 0 = not bounded by bytes. */
  readonly maxBytes: number;
  /** Time of TTLs, in ms (called on every hit: pass a cheap clock). */
  readonly now: () => number;
  /**
   * `false` keeps insertion order on reads (FIFO eviction); by default a read moves the
   * entry to the most recently used end (LRU).
   */
  readonly touchOnGet?: boolean;
  /**
   * Called after an entry left: `evict` (bounds), `set` (its value was replaced), `delete`,
   * `expire` (found expired). Runs once the list is consistent again, so it may call back
   * into the list.
   */
  readonly dispose?: (value: V, key: string, reason: LruRemoval) => void;
}

/** Options of one {@link LruList.set}. */
export interface LruSetOptions {
  /** Time to live in ms (> 0). */
  readonly ttl: number;
  /** Size in bytes, counted against `maxBytes`. */
  readonly size?: number;
}

const NIL = -1;

/**
 * The L1 store of the `lru` and `fifo` policies (and the recency order `lfu` samples
 * from): entries bounded by count and bytes, each with a TTL, in one doubly linked list
 * kept in typed arrays indexed by slot. A hit is a map lookup, an expiry check and, for
 * LRU, relinking two slots: no allocation, no options object. A deliberate hot data
 * structure, like {@link WTinyLfu}; it replaced lru-cache here because lru-cache's `get`
 * resolves its per-call options and status on every hit.
 */
export class LruList<V> {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #touch: boolean;
  readonly #dispose: ((value: V, key: string, reason: LruRemoval) => void) | undefined;
  readonly #map = new Map<string, number>();
  readonly #keys: (string | undefined)[];
  readonly #values: (V | undefined)[];
  readonly #next: Int32Array;
  readonly #prev: Int32Array;
  readonly #expires: Float64Array;
  readonly #sizes: Float64Array | undefined;
  readonly #free: Int32Array;
  #freeTop = 0;
  #fill = 0;
  #bytes = 0;
  /** Least recently used (next victim). */
  #head = NIL;
  /** Most recently used. */
  #tail = NIL;
  /** Removals waiting for `dispose`: value, key, reason, in threes. */
  readonly #removed: unknown[] = [];

  constructor(options: LruListOptions<V>) {
    const max = options.maxEntries;
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidOptionError('maxEntries', `expected an integer >= 1, got ${String(max)}`);
    }
    this.#maxEntries = max;
    this.#maxBytes = Math.max(0, options.maxBytes);
    this.#now = options.now;
    this.#touch = options.touchOnGet ?? true;
    this.#dispose = options.dispose;
    // One slot more than the bound: an insertion links before the eviction it causes.
    const slots = max + 1;
    this.#keys = new Array<string | undefined>(slots).fill(undefined);
    this.#values = new Array<V | undefined>(slots).fill(undefined);
    this.#next = new Int32Array(slots);
    this.#prev = new Int32Array(slots);
    this.#expires = new Float64Array(slots);
    this.#sizes = this.#maxBytes > 0 ? new Float64Array(slots) : undefined;
    this.#free = new Int32Array(slots);
  }

  /** Entries held (expired ones included until they are read or evicted). */
  get size(): number {
    return this.#map.size;
  }

  /** Bytes held, by the sizes given to `set` (0 when not bounded by bytes). */
  get calculatedSize(): number {
    return this.#bytes;
  }

  /** The live value of a key (an expired one is removed); an LRU read marks it recent. */
  get(key: string): V | undefined {
    const index = this.#map.get(key);
    if (index === undefined) return undefined;
    if (this.#expires[index]! < this.#now()) {
      this.#remove(index, 'expire');
      this.#flush();
      return undefined;
    }
    if (this.#touch && index !== this.#tail) this.#toTail(index);
    return this.#values[index];
  }

  /** The live value of a key without touching recency. */
  peek(key: string): V | undefined {
    const index = this.#map.get(key);
    if (index === undefined || this.#expires[index]! < this.#now()) return undefined;
    return this.#values[index];
  }

  /** Whether a live entry exists (recency untouched). */
  has(key: string): boolean {
    const index = this.#map.get(key);
    return index !== undefined && this.#expires[index]! >= this.#now();
  }

  /** Ms a live entry has left (0 when absent or expired). */
  getRemainingTTL(key: string): number {
    const index = this.#map.get(key);
    if (index === undefined) return 0;
    return Math.max(0, this.#expires[index]! - this.#now());
  }

  /**
   * Stores a value as the most recently used entry, then evicts from the least recently
   * used end until within bounds. Returns whether the key is held afterwards: false when
   * the value alone is larger than `maxBytes` (and any previous value was removed).
   */
  set(key: string, value: V, options: LruSetOptions): boolean {
    const size = options.size ?? 0;
    const sizes = this.#sizes;
    if (sizes !== undefined && size > this.#maxBytes) {
      this.delete(key);
      return false;
    }
    const expires = this.#now() + options.ttl;
    let index = this.#map.get(key);
    if (index !== undefined) {
      const old = this.#values[index] as V;
      if (old !== value) this.#removed.push(old, key, 'set');
      this.#values[index] = value;
      this.#expires[index] = expires;
      if (sizes !== undefined) {
        this.#bytes += size - sizes[index]!;
        sizes[index] = size;
      }
      if (index !== this.#tail) this.#toTail(index);
    } else {
      index = this.#freeTop > 0 ? this.#free[--this.#freeTop]! : this.#fill++;
      this.#keys[index] = key;
      this.#values[index] = value;
      this.#expires[index] = expires;
      if (sizes !== undefined) {
        sizes[index] = size;
        this.#bytes += size;
      }
      this.#map.set(key, index);
      this.#link(index);
    }
    while (
      this.#map.size > this.#maxEntries ||
      (sizes !== undefined && this.#bytes > this.#maxBytes)
    ) {
      this.#remove(this.#head, 'evict');
    }
    this.#flush();
    return this.#map.get(key) === index;
  }

  /** Removes a key; returns whether it was held. */
  delete(key: string): boolean {
    const index = this.#map.get(key);
    if (index === undefined) return false;
    this.#remove(index, 'delete');
    this.#flush();
    return true;
  }

  /** Drops every entry (no `dispose` calls). */
  clear(): void {
    this.#map.clear();
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#head = NIL;
    this.#tail = NIL;
    this.#freeTop = 0;
    this.#fill = 0;
    this.#bytes = 0;
  }

  /** Keys, most recently used first. */
  keys(): IterableIterator<string> {
    const out: string[] = [];
    for (let i = this.#tail; i !== NIL; i = this.#prev[i]!) out.push(this.#keys[i]!);
    return out[Symbol.iterator]();
  }

  /** Keys in eviction order: the next victim first. */
  *rkeys(): IterableIterator<string> {
    // Lazy: the lfu policy samples only the first few.
    for (let i = this.#head; i !== NIL; ) {
      const next = this.#next[i]!;
      yield this.#keys[i]!;
      i = next;
    }
  }

  // ---- internals -------------------------------------------------------------------

  #link(index: number): void {
    const tail = this.#tail;
    this.#prev[index] = tail;
    this.#next[index] = NIL;
    if (tail === NIL) this.#head = index;
    else this.#next[tail] = index;
    this.#tail = index;
  }

  /** Moves a linked entry that is not the tail to the most recent end. */
  #toTail(index: number): void {
    const next = this.#next;
    const prev = this.#prev;
    const before = prev[index]!;
    const after = next[index]!;
    if (before === NIL) this.#head = after;
    else next[before] = after;
    prev[after] = before;
    const tail = this.#tail;
    next[tail] = index;
    prev[index] = tail;
    next[index] = NIL;
    this.#tail = index;
  }

  #remove(index: number, reason: LruRemoval): void {
    const before = this.#prev[index]!;
    const after = this.#next[index]!;
    if (before === NIL) this.#head = after;
    else this.#next[before] = after;
    if (after === NIL) this.#tail = before;
    else this.#prev[after] = before;
    const key = this.#keys[index]!;
    const value = this.#values[index] as V;
    this.#map.delete(key);
    this.#keys[index] = undefined;
    this.#values[index] = undefined;
    if (this.#sizes !== undefined) this.#bytes -= this.#sizes[index]!;
    this.#free[this.#freeTop++] = index;
    if (this.#dispose !== undefined) this.#removed.push(value, key, reason);
  }

  /** Calls `dispose` for what was removed, once the list is consistent. */
  #flush(): void {
    const removed = this.#removed;
    if (removed.length === 0 || this.#dispose === undefined) {
      removed.length = 0;
      return;
    }
    const batch = removed.splice(0, removed.length);
    for (let i = 0; i < batch.length; i += 3) {
      this.#dispose(batch[i] as V, batch[i + 1] as string, batch[i + 2] as LruRemoval);
    }
  }
}
