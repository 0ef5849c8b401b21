/**
 * W-TinyLFU: the L1 eviction and admission policy (after Einziger, Friedman and Manes,
 * "TinyLFU: A Highly Efficient Cache Admission Policy", and Caffeine's design).
 *
 * New entries enter a small LRU *window*. An entry pushed out of the window becomes a
 * *candidate* for the segmented main area (SLRU: *probation* + *protected*): when the
 * cache is full it only gets in if a count-min sketch says it is used more often than
 * the main area's victim (the probation LRU entry); otherwise the candidate itself is
 * dropped. A hit in probation promotes to protected; protected overflow demotes back to
 * probation. The window's share of the capacity is tuned by hill climbing on the hit rate
 * so that recency-biased workloads get a large window and frequency-biased ones a small.
 *
 * This is a deliberate hot data structure (one larger file on purpose): entries live in
 * parallel typed arrays linked by index, keys map to slots in one `Map`, and a hit does
 * not allocate.
 */

import { InvalidOptionError } from '../contracts/errors.js';

/** Why an entry left the policy (the reasons of lru-cache's `dispose`, plus `rejected`). */
export type WTinyLfuRemoval = 'evict' | 'rejected' | 'delete' | 'expire';

/** Options of {@link WTinyLfu}. */
export interface WTinyLfuOptions<V> {
  /** Most entries held (at least 1). */
  readonly maxEntries: number;
  /** Most bytes held (sum of the sizes given to `set`); 0 = not bounded by bytes. */
  readonly maxBytes: number;
  /** Clock of TTLs, ms. */
  readonly now: () => number;
  /**
   * Called after an entry left: `evict` (capacity, the main area's victim), `rejected`
   * (a candidate that lost admission), `delete` or `expire`. Not called by `clear` or
   * when `set` replaces a value. Calls are made once the structure is consistent again,
   * so the callback may use the policy.
   */
  readonly dispose?: (value: V, key: string, reason: WTinyLfuRemoval) => void;
  /** Initial share of the capacity given to the window (0-1). @defaultValue 0.01 */
  readonly windowRatio?: number;
  /** Adapt the window share by hill climbing on the hit rate. @defaultValue true */
  readonly adaptive?: boolean;
  /**
   * Requests per hill-climbing sample: about one turnover of the cache, but never fewer
   * than 10 000 (a hit rate measured on fewer is mostly noise) nor more than 10 × maxEntries.
   * @defaultValue min(10 × maxEntries, max(maxEntries, 10 000))
   */
  readonly sampleRequests?: number;
  /**
   * Test seam, not for applications: the frequency of a key that admission compares,
   * instead of the sketch's estimate (a reference model in the tests injects exact
   * counts, so that both decide alike). The hit path does not use it.
   * @internal
   */
  readonly admissionFrequency?: (key: string) => number;
}

/** Options of {@link WTinyLfu.set}. */
export interface WTinyLfuSetOptions {
  /** Time to live, ms (`Infinity` for none). */
  readonly ttl: number;
  /** Size in bytes, counted against `maxBytes`. @defaultValue 0 */
  readonly size?: number;
  /** Added to the entry's frequency when it competes for admission (priority). @defaultValue 0 */
  readonly bonus?: number;
}

const NIL = -1;
// Queue of a slot. DETACHED: unlinked while it competes for admission.
const FREE = 0;
const WINDOW = 1;
const PROBATION = 2;
const PROTECTED = 3;
const DETACHED = 4;

const PROTECTED_SHARE = 0.8;
// The window may grow to nearly all of the cache (LRU-like) on recency-biased traffic.
const MAX_WINDOW_RATIO = 0.95;
// Measured on the hit-rate bench (stationary Zipf, scan, loop, shifting popularity): a
// larger first step that decays faster reaches a large window on a popularity shift as
// quickly as before, and settles sooner on stationary traffic, where every move is noise.
const CLIMB_STEP = 0.1;
const CLIMB_DECAY = 0.8;
// Below this step the climber holds the window until the hit rate moves by CLIMB_RESTART.
const CLIMB_MIN_STEP = 0.005;
const CLIMB_RESTART = 0.05;
// Sketch additions between agings, per entry of capacity. Longer than TinyLFU's 10 for a
// steadier estimate; abrupt popularity shifts are handled by aging on a hit-rate drop.
const SKETCH_SAMPLE = 30;
// A candidate at least this frequent is sometimes admitted even when it loses (1 in 128),
// so an attacker cannot pin the victim by inflating its estimate (hash flooding).
const WARM_CANDIDATE = 6;
const PENDING_BATCH = 8;

/** 32-bit hash of a key: FNV-1a with a final avalanche. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h);
}

function mix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A second hash derived from {@link hashKey}: picks the counters' nibbles and a doorkeeper bit. */
function spread(hash: number): number {
  return mix(hash ^ 0x9e3779b9);
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function bitCount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * The TinyLFU frequency filter: a doorkeeper (a bloom filter that absorbs the first
 * access of a key, so one-hit wonders never reach the counters) in front of a count-min
 * sketch of 4-bit counters (32 per entry of capacity; the four counters of a key sit in
 * one 16-byte block). After `30 × capacity` counter additions every counter is halved and
 * the doorkeeper cleared, so the estimate follows recent popularity. The estimate is the
 * smallest of the four counters, plus one when the doorkeeper has seen the key.
 */
export class TinyLfuSketch {
  readonly #table: Uint32Array; // 8 counters per word, blocks of 4 words
  readonly #blockMask: number;
  readonly #door: Uint32Array;
  readonly #doorMask: number;
  readonly #sampleSize: number;
  #additions = 0;
  readonly #onAge: (() => void) | undefined;

  /**
   * @param capacity the number of entries of the cache the sketch serves.
   * @param onAge called after each aging (to age counts kept outside the sketch).
   */
  constructor(capacity: number, onAge?: () => void) {
    this.#onAge = onAge;
    const entries = nextPowerOfTwo(Math.max(16, capacity));
    this.#table = new Uint32Array(entries * 4); // 32 counters per entry
    this.#blockMask = entries - 1;
    const bits = entries * 8;
    this.#door = new Uint32Array(bits >>> 5);
    this.#doorMask = bits - 1;
    this.#sampleSize = SKETCH_SAMPLE * Math.max(16, capacity);
  }

  /** Additions after which counters are halved. */
  get sampleSize(): number {
    return this.#sampleSize;
  }

  /** Records one access of the key with this {@link hashKey}. */
  increment(hash: number): void {
    this.add(hash, spread(hash));
  }

  /** {@link increment} with the key's {@link spread} precomputed. */
  add(hash: number, h2: number): void {
    const d1 = h2 & this.#doorMask;
    const d2 = (hash >>> 7) & this.#doorMask;
    const door = this.#door;
    const w1 = door[d1 >>> 5]!;
    const w2 = door[d2 >>> 5]!;
    const b1 = 1 << (d1 & 31);
    const b2 = 1 << (d2 & 31);
    if ((w1 & b1) === 0 || (w2 & b2) === 0) {
      // A first sighting only enters the doorkeeper; it does not advance aging.
      door[d1 >>> 5] = w1 | b1;
      door[d2 >>> 5] = door[d2 >>> 5]! | b2;
      return;
    }
    this.count(hash, h2);
  }

  /**
   * Counts an access of a key the cache holds (the L1 hit path): such a key was seen
   * before, so it skips the doorkeeper, whose job is to filter keys seen once.
   */
  count(hash: number, h2: number, n = 1): void {
    // One counter per word of the key's 4-word block, at a nibble chosen by h2.
    const table = this.#table;
    const base = (hash & this.#blockMask) << 2;
    let added = false;
    for (let i = 0; i < 4; i++) {
      const shift = ((h2 >>> (20 + i * 3)) & 7) << 2;
      const word = table[base + i]!;
      const value = (word >>> shift) & 15;
      if (value !== 15) {
        table[base + i] = word + (Math.min(n, 15 - value) << shift);
        added = true;
      }
    }
    if (!added) return;
    this.#additions += n;
    if (this.#additions >= this.#sampleSize) this.age();
  }

  /** Estimated recent access count of the key with this {@link hashKey} (0-16). */
  frequency(hash: number): number {
    return this.estimate(hash, spread(hash));
  }

  /** {@link frequency} with the key's {@link spread} precomputed. */
  estimate(hash: number, h2: number): number {
    const d1 = h2 & this.#doorMask;
    const d2 = (hash >>> 7) & this.#doorMask;
    const door = this.#door;
    const seen =
      (door[d1 >>> 5]! & (1 << (d1 & 31))) !== 0 && (door[d2 >>> 5]! & (1 << (d2 & 31))) !== 0;
    const table = this.#table;
    const base = (hash & this.#blockMask) << 2;
    let min = 15;
    for (let i = 0; i < 4; i++) {
      const shift = ((h2 >>> (20 + i * 3)) & 7) << 2;
      const count = (table[base + i]! >>> shift) & 15;
      if (count < min) min = count;
    }
    return seen ? min + 1 : min;
  }

  /** Halves every counter and clears the doorkeeper (the TinyLFU "reset"). */
  age(): void {
    const table = this.#table;
    let odd = 0;
    for (let i = 0; i < table.length; i++) {
      const word = table[i]!;
      odd += bitCount(word & 0x11111111);
      table[i] = (word >>> 1) & 0x77777777;
    }
    this.#door.fill(0);
    // Halving rounds odd counters down: take that loss off the count too.
    this.#additions = Math.max(0, (this.#additions - (odd >>> 2)) >>> 1);
    this.#onAge?.();
  }
}

/**
 * A W-TinyLFU cache of string keys with per-entry TTL, bounded by entries and by bytes.
 * Its method names follow lru-cache where they mean the same (`get`, `peek`, `set`,
 * `delete`, `getRemainingTTL`, `keys`, `rkeys`, `size`, `calculatedSize`).
 */
export class WTinyLfu<V> {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #dispose: ((value: V, key: string, reason: WTinyLfuRemoval) => void) | undefined;
  readonly #adaptive: boolean;
  readonly #admissionFrequency: ((key: string) => number) | undefined;
  readonly #sketch: TinyLfuSketch;

  readonly #map = new Map<string, number>();
  readonly #keys: (string | undefined)[];
  readonly #values: (V | undefined)[];
  readonly #next: Int32Array;
  readonly #prev: Int32Array;
  readonly #queue: Uint8Array;
  readonly #hashes: Int32Array;
  readonly #spreads: Int32Array;
  // Hits not yet added to the sketch: a hit bumps this small array instead of a sketch
  // block (a cache miss on a large table); they are added in batches of PENDING_BATCH.
  readonly #pending: Uint8Array;
  readonly #expires: Float64Array;
  readonly #bonus: Int8Array;
  readonly #sizes: Float64Array | undefined;
  readonly #free: Int32Array;
  #freeTop = 0;
  #fill = 0;
  #bytes = 0;

  // Per queue (indexed by WINDOW, PROBATION, PROTECTED): ends, entry counts and bytes.
  readonly #head = new Int32Array(4).fill(NIL);
  readonly #tail = new Int32Array(4).fill(NIL);
  readonly #count = new Int32Array(4);
  readonly #queueBytes = new Float64Array(4);

  #windowRatio: number;
  #windowMaxEntries = 1;
  #windowMaxBytes = 0;
  #protectedMaxEntries = 0;
  #protectedMaxBytes = 0;

  // Hill climber state.
  readonly #sampleRequests: number;
  #requests = 0;
  #misses = 0;
  #previousHitRate = 0;
  #step: number;
  // Whether the cache has been full once: until then the hit rate only measures warm-up.
  #filled = false;
  // Whether the climber has its first sample of a full cache (the reference of the next).
  #climbing = false;

  #random = 0x2545f491;
  // Removals made while the structure is being rearranged, reported afterwards.
  readonly #removed: unknown[] = [];

  constructor(options: WTinyLfuOptions<V>) {
    const max = options.maxEntries;
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidOptionError('maxEntries', `expected an integer >= 1, got ${String(max)}`);
    }
    this.#maxEntries = max;
    this.#maxBytes = Math.max(0, options.maxBytes);
    this.#now = options.now;
    this.#dispose = options.dispose;
    this.#adaptive = options.adaptive ?? true;
    this.#admissionFrequency = options.admissionFrequency;
    this.#sketch = new TinyLfuSketch(max, () => {
      const pending = this.#pending;
      for (let i = 0; i < pending.length; i++) pending[i] = pending[i]! >>> 1;
    });
    this.#sampleRequests = options.sampleRequests ?? Math.min(10 * max, Math.max(max, 10_000));
    this.#step = -CLIMB_STEP;
    // One slot more than the bound: an insertion links before the eviction it causes.
    const slots = max + 1;
    this.#keys = new Array<string | undefined>(slots).fill(undefined);
    this.#values = new Array<V | undefined>(slots).fill(undefined);
    this.#next = new Int32Array(slots);
    this.#prev = new Int32Array(slots);
    this.#queue = new Uint8Array(slots);
    this.#hashes = new Int32Array(slots);
    this.#spreads = new Int32Array(slots);
    this.#pending = new Uint8Array(slots);
    this.#expires = new Float64Array(slots);
    this.#bonus = new Int8Array(slots);
    this.#sizes = this.#maxBytes > 0 ? new Float64Array(slots) : undefined;
    this.#free = new Int32Array(slots);
    this.#windowRatio = options.windowRatio ?? 0.01;
    this.#applyWindowRatio(this.#windowRatio);
  }

  /** Entries held (expired ones included until they are read or evicted). */
  get size(): number {
    return this.#map.size;
  }

  /** Bytes held (0 when not bounded by bytes). */
  get calculatedSize(): number {
    return this.#bytes;
  }

  /** Entries the window may hold now (adapted by hill climbing). */
  get windowCapacity(): number {
    return this.#windowMaxEntries;
  }

  /** Entries per segment: window, probation, protected. */
  get segments(): { window: number; probation: number; protected: number } {
    const c = this.#count;
    return { window: c[WINDOW]!, probation: c[PROBATION]!, protected: c[PROTECTED]! };
  }

  /** The live value of a key, counting the access; `undefined` when absent or expired. */
  get(key: string): V | undefined {
    const index = this.#map.get(key);
    if (index === undefined) {
      this.#sketch.increment(hashKey(key));
      this.#misses++;
      if (++this.#requests >= this.#sampleRequests) this.#climb();
      return undefined;
    }
    if (++this.#pending[index]! >= PENDING_BATCH) this.#flushPending(index);
    if (this.#expires[index]! < this.#now()) {
      this.#remove(index, 'expire');
      this.#flush();
      this.#misses++;
      if (++this.#requests >= this.#sampleRequests) this.#climb();
      return undefined;
    }
    // Hits are counted as requests - misses: one counter less on the hot path.
    if (++this.#requests >= this.#sampleRequests) this.#climb();
    this.#onAccess(index);
    return this.#values[index];
  }

  /** The live value of a key without counting an access or touching recency. */
  peek(key: string): V | undefined {
    const index = this.#map.get(key);
    if (index === undefined || this.#expires[index]! < this.#now()) return undefined;
    return this.#values[index];
  }

  /** Whether a live entry is held, without counting an access. */
  has(key: string): boolean {
    const index = this.#map.get(key);
    return index !== undefined && this.#expires[index]! >= this.#now();
  }

  /** Remaining TTL in ms: 0 when absent, negative when expired, `Infinity` without TTL. */
  getRemainingTTL(key: string): number {
    const index = this.#map.get(key);
    return index === undefined ? 0 : this.#expires[index]! - this.#now();
  }

  /** Estimated recent access count of a key (0-16). */
  frequency(key: string): number {
    const index = this.#map.get(key);
    return index === undefined ? this.#sketch.frequency(hashKey(key)) : this.#frequencyOf(index);
  }

  /**
   * Stores a value. A new key enters the window; whatever then leaves the window competes
   * for admission. Returns whether the key is held afterwards (false when the value alone
   * is larger than `maxBytes`, or when it lost admission at once).
   */
  set(key: string, value: V, options: WTinyLfuSetOptions): boolean {
    const size = options.size ?? 0;
    const sizes = this.#sizes;
    if (sizes !== undefined && size > this.#maxBytes) {
      this.delete(key);
      return false;
    }
    const now = this.#now();
    const expires = now + options.ttl;
    let index = this.#map.get(key);
    if (index !== undefined && this.#expires[index]! < now) {
      // An expired entry is gone: the new value is a new entry (and dispose sees the old).
      this.#remove(index, 'expire');
      index = undefined;
    }
    if (index !== undefined) {
      this.#values[index] = value;
      this.#expires[index] = expires;
      this.#bonus[index] = options.bonus ?? 0;
      let grew = false;
      if (sizes !== undefined) {
        const delta = size - sizes[index]!;
        sizes[index] = size;
        this.#bytes += delta;
        this.#queueBytes[this.#queue[index]!]! += delta;
        grew = delta > 0;
      }
      this.#onAccess(index);
      if (grew) this.#evict();
    } else {
      index = this.#freeTop > 0 ? this.#free[--this.#freeTop]! : this.#fill++;
      this.#keys[index] = key;
      this.#values[index] = value;
      const hash = hashKey(key);
      this.#hashes[index] = hash;
      this.#spreads[index] = spread(hash);
      this.#expires[index] = expires;
      this.#bonus[index] = options.bonus ?? 0;
      if (sizes !== undefined) {
        sizes[index] = size;
        this.#bytes += size;
      }
      this.#map.set(key, index);
      this.#link(index, WINDOW);
      this.#evict();
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

  /** Drops every entry (no `dispose` calls); the frequency history is kept. */
  clear(): void {
    for (const index of this.#map.values())
      if (this.#pending[index] !== 0) this.#flushPending(index);
    this.#map.clear();
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#queue.fill(FREE);
    this.#head.fill(NIL);
    this.#tail.fill(NIL);
    this.#count.fill(0);
    this.#queueBytes.fill(0);
    this.#freeTop = 0;
    this.#fill = 0;
    this.#bytes = 0;
  }

  /** Evicts the entry the policy values least; returns its key. */
  evictOne(): string | undefined {
    const victim = this.#victim();
    if (victim === NIL) return undefined;
    const key = this.#keys[victim];
    this.#remove(victim, 'evict');
    this.#flush();
    return key;
  }

  /** Keys, most valuable first: protected, window, probation, each most recent first. */
  keys(): IterableIterator<string> {
    const out: string[] = [];
    for (const queue of [PROTECTED, WINDOW, PROBATION]) {
      for (let i = this.#tail[queue]!; i !== NIL; i = this.#prev[i]!) out.push(this.#keys[i]!);
    }
    return out[Symbol.iterator]();
  }

  /** Keys in eviction order: the next victim first. */
  rkeys(): IterableIterator<string> {
    const out: string[] = [];
    for (const queue of [PROBATION, WINDOW, PROTECTED]) {
      for (let i = this.#head[queue]!; i !== NIL; i = this.#next[i]!) out.push(this.#keys[i]!);
    }
    return out[Symbol.iterator]();
  }

  // ---- internals -------------------------------------------------------------------

  // Split in small pieces on purpose: the L1 hit path inlines them (V8 budgets inlining).
  #onAccess(index: number): void {
    const queue = this.#queue[index]!;
    if (queue === PROBATION) this.#promote(index);
    else if (this.#tail[queue] !== index) this.#toTail(index, queue);
  }

  /** A probation hit moves to protected; protected overflow goes back to probation. */
  #promote(index: number): void {
    this.#unlink(index);
    this.#link(index, PROTECTED);
    this.#demoteProtectedOverflow();
  }

  /** Moves a window or protected entry to the most recent end (counts unchanged). */
  #toTail(index: number, queue: number): void {
    const next = this.#next;
    const prev = this.#prev;
    const before = prev[index]!;
    const after = next[index]!;
    if (before === NIL) this.#head[queue] = after;
    else next[before] = after;
    prev[after] = before;
    const tail = this.#tail[queue]!;
    next[tail] = index;
    prev[index] = tail;
    next[index] = NIL;
    this.#tail[queue] = index;
  }

  #link(index: number, queue: number): void {
    const tail = this.#tail[queue]!;
    this.#prev[index] = tail;
    this.#next[index] = NIL;
    if (tail === NIL) this.#head[queue] = index;
    else this.#next[tail] = index;
    this.#tail[queue] = index;
    this.#queue[index] = queue;
    this.#count[queue]!++;
    if (this.#sizes !== undefined) this.#queueBytes[queue]! += this.#sizes[index]!;
  }

  #unlink(index: number): void {
    const queue = this.#queue[index]!;
    const before = this.#prev[index]!;
    const after = this.#next[index]!;
    if (before === NIL) this.#head[queue] = after;
    else this.#next[before] = after;
    if (after === NIL) this.#tail[queue] = before;
    else this.#prev[after] = before;
    this.#count[queue]!--;
    if (this.#sizes !== undefined) this.#queueBytes[queue]! -= this.#sizes[index]!;
    this.#queue[index] = DETACHED;
  }

  /** Adds an entry's pending hits to the sketch. */
  #flushPending(index: number): void {
    this.#sketch.count(this.#hashes[index]!, this.#spreads[index]!, this.#pending[index]!);
    this.#pending[index] = 0;
  }

  /** Estimated frequency of a held entry: the sketch plus its pending hits. */
  #frequencyOf(index: number): number {
    const estimate = this.#sketch.estimate(this.#hashes[index]!, this.#spreads[index]!);
    return Math.min(16, estimate + this.#pending[index]!);
  }

  #remove(index: number, reason: WTinyLfuRemoval): void {
    // The key's history outlives the entry: a later request for it is judged on it.
    if (this.#pending[index] !== 0) this.#flushPending(index);
    if (this.#queue[index] !== DETACHED) this.#unlink(index);
    const key = this.#keys[index]!;
    const value = this.#values[index];
    this.#map.delete(key);
    this.#keys[index] = undefined;
    this.#values[index] = undefined;
    this.#queue[index] = FREE;
    if (this.#sizes !== undefined) this.#bytes -= this.#sizes[index]!;
    this.#free[this.#freeTop++] = index;
    if (this.#dispose !== undefined) this.#removed.push(value, key, reason);
  }

  #flush(): void {
    const removed = this.#removed;
    if (removed.length === 0) return;
    const dispose = this.#dispose!;
    // Copy first: a callback may cause further removals.
    const batch = removed.splice(0, removed.length);
    for (let i = 0; i < batch.length; i += 3) {
      dispose(batch[i] as V, batch[i + 1] as string, batch[i + 2] as WTinyLfuRemoval);
    }
  }

  #overCapacity(): boolean {
    return (
      this.#map.size > this.#maxEntries || (this.#maxBytes > 0 && this.#bytes > this.#maxBytes)
    );
  }

  #windowOver(): boolean {
    return (
      this.#count[WINDOW]! > this.#windowMaxEntries ||
      (this.#maxBytes > 0 && this.#queueBytes[WINDOW]! > this.#windowMaxBytes)
    );
  }

  #protectedOver(): boolean {
    return (
      this.#count[PROTECTED]! > this.#protectedMaxEntries ||
      (this.#maxBytes > 0 && this.#queueBytes[PROTECTED]! > this.#protectedMaxBytes)
    );
  }

  #demoteProtectedOverflow(): void {
    while (this.#protectedOver()) {
      const head = this.#head[PROTECTED]!;
      if (head === NIL) return;
      this.#unlink(head);
      this.#link(head, PROBATION);
    }
  }

  /** The main area's victim (probation LRU, then protected LRU), else the window's LRU. */
  #victim(): number {
    const probation = this.#head[PROBATION]!;
    if (probation !== NIL) return probation;
    const protectedHead = this.#head[PROTECTED]!;
    return protectedHead !== NIL ? protectedHead : this.#head[WINDOW]!;
  }

  /** Brings the window and then the whole cache back within their bounds. */
  #evict(): void {
    while (this.#windowOver()) {
      const candidate = this.#head[WINDOW]!;
      if (candidate === NIL) break;
      this.#unlink(candidate);
      this.#admit(candidate);
    }
    while (this.#overCapacity()) {
      this.#filled = true;
      const victim = this.#victim();
      if (victim === NIL) return;
      this.#remove(victim, 'evict');
    }
  }

  /** A candidate left the window: it displaces main-area victims or is dropped. */
  #admit(candidate: number): void {
    let now = Number.NaN;
    while (this.#overCapacity()) {
      this.#filled = true;
      let victim = this.#head[PROBATION]!;
      if (victim === NIL) victim = this.#head[PROTECTED]!;
      if (victim === NIL) break;
      if (Number.isNaN(now)) now = this.#now();
      if (this.#expires[victim]! < now) {
        this.#remove(victim, 'expire');
        continue;
      }
      if (this.#expires[candidate]! < now) {
        this.#remove(candidate, 'expire');
        return;
      }
      if (!this.#wins(candidate, victim)) {
        this.#remove(candidate, 'rejected');
        return;
      }
      this.#remove(victim, 'evict');
    }
    this.#link(candidate, PROBATION);
  }

  #wins(candidate: number, victim: number): boolean {
    const injected = this.#admissionFrequency;
    const candidateFreq =
      injected === undefined ? this.#frequencyOf(candidate) : injected(this.#keys[candidate]!);
    const victimFreq =
      injected === undefined ? this.#frequencyOf(victim) : injected(this.#keys[victim]!);
    if (candidateFreq + this.#bonus[candidate]! > victimFreq + this.#bonus[victim]!) return true;
    if (candidateFreq < WARM_CANDIDATE) return false;
    // xorshift32
    let r = this.#random;
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    this.#random = r;
    return (r & 127) === 0;
  }

  /**
   * One hill-climbing step (Caffeine's climber): keep moving the window share in the same
   * direction while the hit rate improves, turn back when it drops; steps shrink by
   * {@link CLIMB_DECAY}, stop below {@link CLIMB_MIN_STEP} and restart at full size when
   * the hit rate moves by 5 points. Nothing moves before the cache was first full (as in
   * Caffeine): a filling cache's rising hit rate says nothing about the window.
   */
  #climb(): void {
    const hitRate = (this.#requests - this.#misses) / this.#requests;
    this.#requests = 0;
    this.#misses = 0;
    if (!this.#adaptive) return;
    if (!this.#filled) return;
    const change = hitRate - this.#previousHitRate;
    if (
      !this.#climbing ||
      (Math.abs(this.#step) < CLIMB_MIN_STEP && Math.abs(change) < CLIMB_RESTART)
    ) {
      // The first sample of a full cache is only a reference; a settled climber holds.
      this.#climbing = true;
      this.#previousHitRate = hitRate;
      return;
    }
    // A sharp drop means popularity moved: age the sketch now so that yesterday's hot
    // keys stop blocking today's (beyond Caffeine, which only ages on its schedule).
    if (change <= -CLIMB_RESTART) this.#sketch.age();
    const amount = change >= 0 ? this.#step : -this.#step;
    this.#step =
      Math.abs(change) >= CLIMB_RESTART
        ? amount >= 0
          ? CLIMB_STEP
          : -CLIMB_STEP
        : amount * CLIMB_DECAY;
    this.#previousHitRate = hitRate;
    this.#applyWindowRatio(this.#windowRatio + amount);
  }

  /** Sets the window share and moves entries between segments to match it. */
  #applyWindowRatio(ratio: number): void {
    const max = this.#maxEntries;
    const minRatio = 1 / max;
    const clamped = Math.min(MAX_WINDOW_RATIO, Math.max(minRatio, ratio));
    this.#windowRatio = clamped;
    this.#windowMaxEntries = Math.max(1, Math.round(clamped * max));
    this.#windowMaxBytes = clamped * this.#maxBytes;
    this.#protectedMaxEntries = Math.floor(PROTECTED_SHARE * (max - this.#windowMaxEntries));
    this.#protectedMaxBytes = PROTECTED_SHARE * (this.#maxBytes - this.#windowMaxBytes);
    // A smaller window hands its oldest entries to probation (no admission: nothing is
    // evicted, the entries only change segment).
    while (this.#windowOver() && this.#count[WINDOW]! > 0) {
      const oldest = this.#head[WINDOW]!;
      this.#unlink(oldest);
      this.#link(oldest, PROBATION);
    }
    // A larger window takes the main area's least valuable entries.
    while (this.#count[WINDOW]! < this.#windowMaxEntries) {
      const from = this.#head[PROBATION] !== NIL ? this.#head[PROBATION]! : this.#head[PROTECTED]!;
      if (from === NIL) break;
      const sizes = this.#sizes;
      if (sizes !== undefined && this.#queueBytes[WINDOW]! + sizes[from]! > this.#windowMaxBytes) {
        break;
      }
      this.#unlink(from);
      this.#link(from, WINDOW);
    }
    this.#demoteProtectedOverflow();
  }
}
