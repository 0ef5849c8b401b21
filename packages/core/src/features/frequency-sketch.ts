/**
 * A count-min sketch of 4-bit counters with periodic halving (the TinyLFU "reset"),
 * estimating how often a key was seen recently in constant memory. Used by L1's
 * admission filter, the `frequency` promotion strategy and the `lfu` policy.
 */
export class FrequencySketch {
  readonly #table: Uint8Array; // two 4-bit counters per byte
  readonly #mask: number;
  readonly #sampleSize: number;
  #additions = 0;

  /** @param capacity expected number of distinct hot keys (L1 max entries). */
  constructor(capacity: number) {
    const counters = nextPowerOfTwo(Math.max(64, capacity * 4));
    this.#table = new Uint8Array(counters / 2);
    this.#mask = counters - 1;
    this.#sampleSize = Math.max(64, capacity * 10);
  }

  /** Records one access of `key`. */
  increment(key: string): void {
    const h = hash(key);
    let added = false;
    for (let i = 0; i < 4; i++) {
      if (this.#incrementAt(this.#index(h, i))) added = true;
    }
    if (added && ++this.#additions >= this.#sampleSize) this.#halve();
  }

  /** Estimated recent access count of `key` (0-15). */
  frequency(key: string): number {
    const h = hash(key);
    let min = 15;
    for (let i = 0; i < 4; i++) {
      const c = this.#get(this.#index(h, i));
      if (c < min) min = c;
    }
    return min;
  }

  #index(h: number, i: number): number {
    // Double hashing: a different probe per row from one 32-bit hash.
    const h2 = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) | 1;
    return (h + Math.imul(i, h2)) & this.#mask;
  }

  #get(index: number): number {
    const byte = this.#table[index >>> 1]!;
    return index & 1 ? byte >>> 4 : byte & 0x0f;
  }

  #incrementAt(index: number): boolean {
    const at = index >>> 1;
    const byte = this.#table[at]!;
    const value = index & 1 ? byte >>> 4 : byte & 0x0f;
    if (value === 15) return false;
    this.#table[at] = index & 1 ? byte + 0x10 : byte + 1;
    return true;
  }

  #halve(): void {
    const t = this.#table;
    for (let i = 0; i < t.length; i++) t[i] = (t[i]! >>> 1) & 0x77;
    this.#additions = Math.floor(this.#additions / 2);
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** FNV-1a 32-bit with a final avalanche. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
