import { describe, expect, it } from 'vitest';
import { createCache } from '../src/cache/create-cache.js';
import { systemClock } from '../src/contracts/clock.js';
import { InvalidOptionError } from '../src/contracts/errors.js';
import { MemoryTier } from '../src/tiers/memory-tier.js';
import {
  hashKey,
  TinyLfuSketch,
  WTinyLfu,
  type WTinyLfuOptions,
  type WTinyLfuRemoval,
} from '../src/tiers/w-tinylfu.js';
import { setup } from './helpers.js';

/** Deterministic PRNG (mulberry32) so every run replays the same trace. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function policy(options: Partial<WTinyLfuOptions<string>> = {}) {
  const clock = { now: 0 };
  const removed: [string, WTinyLfuRemoval][] = [];
  const p = new WTinyLfu<string>({
    maxEntries: 10,
    maxBytes: 0,
    now: () => clock.now,
    adaptive: false,
    dispose: (_value, key, reason) => removed.push([key, reason]),
    ...options,
  });
  return { p, removed, clock };
}

/** Reads a key `n` times (each read counts in the sketch). */
function read(p: WTinyLfu<string>, key: string, n: number): void {
  for (let i = 0; i < n; i++) p.get(key);
}

describe('w-tinylfu eviction order', () => {
  it('moves the window LRU to probation while the cache has room', () => {
    const { p, removed } = policy({ maxEntries: 10 });
    for (const k of ['a', 'b', 'c']) p.set(k, k, { ttl: 1000 });
    // window holds 1 entry (1% of 10, at least one): a and b went on to probation
    expect(p.segments).toEqual({ window: 1, probation: 2, protected: 0 });
    expect([...p.rkeys()]).toEqual(['a', 'b', 'c']);
    expect(removed).toEqual([]);
  });

  it('promotes a probation hit to protected and demotes protected overflow', () => {
    const { p } = policy({ maxEntries: 5 }); // window 1, protected max floor(0.8 * 4) = 3
    for (const k of ['a', 'b', 'c', 'd', 'e']) p.set(k, k, { ttl: 1000 });
    expect(p.segments).toEqual({ window: 1, probation: 4, protected: 0 });
    for (const k of ['a', 'b', 'c', 'd']) p.get(k);
    // a was promoted first, so it is protected's LRU and went back to probation
    expect(p.segments).toEqual({ window: 1, probation: 1, protected: 3 });
    expect([...p.rkeys()][0]).toBe('a');
  });

  it('drops a candidate that is used less often than the main victim', () => {
    const { p, removed } = policy({ maxEntries: 4 });
    for (const k of ['a', 'b', 'c', 'd']) {
      p.set(k, k, { ttl: 1000 });
      read(p, k, 3);
    }
    p.get('cold');
    p.set('cold', 'cold', { ttl: 1000 }); // enters the window: d becomes the candidate
    p.get('colder');
    expect(p.set('colder', 'colder', { ttl: 1000 })).toBe(true);
    // cold left the window as a candidate (read once) and lost against probation's LRU
    expect(removed).toContainEqual(['cold', 'rejected']);
    expect(p.peek('a')).toBe('a');
    expect(p.size).toBe(4);
  });

  it('admits a candidate used more often than the victim, evicting the victim', () => {
    const { p, removed } = policy({ maxEntries: 4 });
    for (const k of ['a', 'b', 'c', 'd']) p.set(k, k, { ttl: 1000 });
    read(p, 'hot', 8);
    p.set('hot', 'hot', { ttl: 1000 });
    p.set('next', 'next', { ttl: 1000 }); // hot leaves the window and competes
    // d left the window first and lost (read as often as a: never); hot beat a
    expect(removed).toEqual([
      ['d', 'rejected'],
      ['a', 'evict'],
    ]);
    expect(p.peek('hot')).toBe('hot');
  });

  it('lets priority bonus tip admission', () => {
    const { p, removed } = policy({ maxEntries: 4 });
    for (const k of ['a', 'b', 'c', 'd']) {
      p.set(k, k, { ttl: 1000 });
      read(p, k, 2);
    }
    read(p, 'vip', 2);
    p.set('vip', 'vip', { ttl: 1000, bonus: 2 });
    p.set('next', 'next', { ttl: 1000 });
    expect(p.peek('vip')).toBe('vip');
    expect(removed.map(([, reason]) => reason)).toContain('evict');
  });

  it('counts the hits of a held entry, and keeps them after it leaves', () => {
    const { p } = policy();
    p.set('a', 'a', { ttl: 1000 });
    read(p, 'a', 5); // fewer hits than a batch: not in the sketch yet
    expect(p.frequency('a')).toBe(5);
    p.delete('a');
    expect(p.frequency('a')).toBe(5);
    read(p, 'b', 1);
    p.set('b', 'b', { ttl: 1000 });
    read(p, 'b', 20);
    expect(p.frequency('b')).toBe(16);
  });

  it('evictOne takes probation first, then protected, then the window', () => {
    const { p } = policy({ maxEntries: 5 });
    for (const k of ['a', 'b', 'c']) p.set(k, k, { ttl: 1000 });
    p.get('a'); // protected
    expect([p.evictOne(), p.evictOne(), p.evictOne(), p.evictOne()]).toEqual([
      'b',
      'a',
      'c',
      undefined,
    ]);
  });
});

describe('w-tinylfu bounds', () => {
  it('never holds more bytes than maxBytes and rejects a value larger than the bound', () => {
    const { p, removed } = policy({ maxEntries: 100, maxBytes: 100 });
    const random = rng(7);
    for (let i = 0; i < 2000; i++) {
      const key = `k${Math.floor(random() * 50)}`;
      if (p.get(key) === undefined)
        p.set(key, key, { ttl: 1000, size: 1 + Math.floor(random() * 30) });
      expect(p.calculatedSize).toBeLessThanOrEqual(100);
    }
    expect(removed.length).toBeGreaterThan(0);
    expect(p.set('huge', 'huge', { ttl: 1000, size: 101 })).toBe(false);
    expect(p.peek('huge')).toBeUndefined();
  });

  it('evicts when an update makes an entry larger', () => {
    const { p } = policy({ maxEntries: 100, maxBytes: 100 });
    for (const k of ['a', 'b', 'c']) p.set(k, k, { ttl: 1000, size: 30 });
    p.set('c', 'c2', { ttl: 1000, size: 60 });
    expect(p.calculatedSize).toBeLessThanOrEqual(100);
    expect(p.peek('c')).toBe('c2');
    expect(p.size).toBe(2);
  });

  it('never holds more entries than maxEntries', () => {
    const { p } = policy({ maxEntries: 7, adaptive: true, sampleRequests: 50 });
    const random = rng(3);
    for (let i = 0; i < 5000; i++) {
      const key = `k${Math.floor(random() * 40)}`;
      if (p.get(key) === undefined) p.set(key, key, { ttl: 1000 });
      expect(p.size).toBeLessThanOrEqual(7);
    }
  });

  it('rejects an invalid capacity with a typed error', () => {
    expect(() => policy({ maxEntries: 0 })).toThrow(InvalidOptionError);
  });
});

describe('w-tinylfu TTL', () => {
  it('expires entries on its injected clock and reports them as expired', () => {
    const { p, removed, clock } = policy();
    clock.now = 1000;
    p.set('a', 'a', { ttl: 100 });
    clock.now = 1099;
    expect(p.get('a')).toBe('a');
    expect(p.getRemainingTTL('a')).toBe(1);
    clock.now = 1100;
    expect(p.peek('a')).toBe('a');
    clock.now = 1101;
    expect(p.peek('a')).toBeUndefined();
    expect(p.get('a')).toBeUndefined();
    expect(removed).toEqual([['a', 'expire']]);
    expect(p.size).toBe(0);
  });

  it('evicts an expired victim before comparing frequencies', () => {
    const { p, removed, clock } = policy({ maxEntries: 3 });
    p.set('short', 'short', { ttl: 10 });
    read(p, 'short', 10);
    p.set('b', 'b', { ttl: 1000 });
    p.set('c', 'c', { ttl: 1000 });
    clock.now = 50;
    p.set('d', 'd', { ttl: 1000 });
    expect(removed).toEqual([['short', 'expire']]);
    expect(p.size).toBe(3);
  });

  it('replaces an expired entry with a new one', () => {
    const { p, removed, clock } = policy();
    p.set('a', 'old', { ttl: 10 });
    clock.now = 20;
    expect(p.set('a', 'new', { ttl: 10 })).toBe(true);
    expect(removed).toEqual([['a', 'expire']]);
    expect(p.get('a')).toBe('new');
  });
});

describe('tinylfu sketch', () => {
  it('absorbs the first access in the doorkeeper and counts the next ones', () => {
    const sketch = new TinyLfuSketch(1000);
    const hot = hashKey('hot');
    expect(sketch.frequency(hot)).toBe(0);
    sketch.increment(hot);
    expect(sketch.frequency(hot)).toBe(1);
    for (let i = 0; i < 9; i++) sketch.increment(hot);
    expect(sketch.frequency(hot)).toBe(10);
    for (let i = 0; i < 20; i++) sketch.increment(hot);
    expect(sketch.frequency(hot)).toBe(16); // 4-bit counters saturate at 15, + doorkeeper
  });

  it('halves counters and clears the doorkeeper after its sample of additions', () => {
    const sketch = new TinyLfuSketch(64);
    const hot = hashKey('hot');
    const once = hashKey('once');
    for (let i = 0; i < 13; i++) sketch.increment(hot);
    sketch.increment(once);
    expect(sketch.frequency(hot)).toBe(13);
    expect(sketch.frequency(once)).toBe(1);
    let i = 0;
    // other keys seen twice (the second sighting is a counter addition) until an aging
    // happened: hot's estimate drops
    while (sketch.frequency(hot) >= 13 && i < sketch.sampleSize * 2) {
      const other = hashKey(`k${i++}`);
      sketch.increment(other);
      sketch.increment(other);
    }
    expect(i).toBeLessThanOrEqual(sketch.sampleSize);
    expect(i).toBeGreaterThan(sketch.sampleSize / 4);
    expect(sketch.frequency(hot)).toBeLessThanOrEqual(7);
    expect(sketch.frequency(hot)).toBeGreaterThanOrEqual(5);
    expect(sketch.frequency(once)).toBe(0);
  });

  it('keeps distinct keys apart (few collisions at its capacity)', () => {
    const sketch = new TinyLfuSketch(1000);
    for (let k = 0; k < 1000; k++)
      for (let i = 0; i < 3; i++) sketch.increment(hashKey(`key:${k}`));
    let exact = 0;
    for (let k = 0; k < 1000; k++) if (sketch.frequency(hashKey(`key:${k}`)) === 3) exact++;
    expect(exact).toBeGreaterThan(950);
  });
});

describe('w-tinylfu window adaptation', () => {
  function replay(p: WTinyLfu<string>, trace: readonly string[]): number {
    let hits = 0;
    for (const key of trace) {
      if (p.get(key) !== undefined) hits++;
      else p.set(key, key, { ttl: 1e9 });
    }
    return hits / trace.length;
  }

  it('grows the window on a recency-biased trace', () => {
    const { p } = policy({ maxEntries: 100, adaptive: true });
    const initial = p.windowCapacity;
    // Each key is hot for a short burst, then never seen again: recency wins.
    const random = rng(11);
    const trace: string[] = [];
    for (let burst = 0; burst < 2000; burst++) {
      for (let i = 0; i < 300; i++) trace.push(`b${burst + Math.floor(random() * 60)}`);
    }
    replay(p, trace);
    expect(p.windowCapacity).toBeGreaterThan(initial * 5);
  });

  it('keeps the window small on a frequency-biased trace', () => {
    const { p } = policy({ maxEntries: 100, adaptive: true });
    const random = rng(12);
    const trace: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      // a stable hot set of 90 keys (half the requests) plus a long tail: only a small
      // window leaves the main area room for the whole hot set
      trace.push(
        random() < 0.5 ? `hot${Math.floor(random() * 90)}` : `tail${Math.floor(random() * 1e6)}`,
      );
    }
    const hitRate = replay(p, trace);
    expect(p.windowCapacity).toBeLessThanOrEqual(20);
    expect(hitRate).toBeGreaterThan(0.44);
  });

  it('ages the sketch at once when the hit rate collapses (popularity moved)', () => {
    const { p } = policy({ maxEntries: 50, adaptive: true, sampleRequests: 200 });
    // Never-read fillers first: the 40 hot keys then evict them, so the cache has been
    // full (the climber only runs once it was) and every hot key stays held.
    for (let i = 0; i < 50; i++) p.set(`fill${i}`, 'v', { ttl: 1e9 });
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 40; i++) {
        if (p.get(`old${i}`) === undefined) p.set(`old${i}`, 'v', { ttl: 1e9 });
      }
    }
    expect(p.frequency('old0')).toBe(16);
    // 1200 requests so far (6 samples); 200 for keys never seen before: a sample without
    // a hit. First sightings only reach the doorkeeper, so no scheduled aging happens.
    for (let i = 0; i < 200; i++) p.get(`new${i}`);
    // Halved: 15 → 7, plus hits still batched for the sketch (halved too, at most 3).
    expect(p.frequency('old0')).toBeLessThanOrEqual(10);
  });

  it('keeps its segments consistent while the window is resized', () => {
    const { p } = policy({ maxEntries: 50, adaptive: true, sampleRequests: 100 });
    const random = rng(5);
    for (let i = 0; i < 50_000; i++) {
      const key = i % 20_000 < 10_000 ? `k${Math.floor(random() * 80)}` : `s${i % 75}`;
      if (p.get(key) === undefined) p.set(key, key, { ttl: 1e9 });
      if (i % 97 === 0) {
        const s = p.segments;
        expect(s.window + s.probation + s.protected).toBe(p.size);
        expect(s.window).toBeLessThanOrEqual(p.windowCapacity);
        expect(p.size).toBeLessThanOrEqual(50);
      }
    }
  });
});

/**
 * Property test of the bookkeeping: a Map of what should be held, kept in step by
 * the policy's removal callbacks. Every removal must have a cause (capacity, expiry,
 * delete) and the policy must hold exactly the model's keys with the model's values.
 */
describe('w-tinylfu bookkeeping against a map of what it holds', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`matches the model on random operations (seed ${seed})`, () => {
      const random = rng(seed);
      const maxEntries = 1 + Math.floor(random() * 20);
      const maxBytes = random() < 0.5 ? 0 : 20 + Math.floor(random() * 200);
      const model = new Map<string, { value: string; expires: number; size: number }>();
      let now = 0;
      // The set being made: its own value may be rejected before the model holds it.
      let setting: { key: string; value: string } | undefined;
      const p = new WTinyLfu<string>({
        maxEntries,
        maxBytes,
        now: () => now,
        adaptive: true,
        sampleRequests: 30,
        dispose: (value, key, reason) => {
          if (reason === 'evict' || reason === 'rejected') expect(setting).toBeDefined();
          if (setting?.key === key && setting.value === value) {
            expect(reason === 'evict' || reason === 'rejected').toBe(true);
            model.delete(key); // an updated entry takes its old value with it
            return;
          }
          const held = model.get(key);
          expect(held?.value).toBe(value);
          if (reason === 'expire') expect(held!.expires).toBeLessThan(now);
          model.delete(key);
        },
      });
      for (let step = 0; step < 3000; step++) {
        const key = `k${Math.floor(random() ** 2 * 40)}`;
        const op = random();
        if (op < 0.5) {
          const got = p.get(key);
          const held = model.get(key);
          if (held && held.expires >= now) expect(got).toBe(held.value);
          else expect(got).toBeUndefined();
        } else if (op < 0.85) {
          const value = `${key}@${step}`;
          const size = 1 + Math.floor(random() * 40);
          const ttl = 1 + Math.floor(random() * 200);
          setting = { key, value };
          const stored = p.set(key, value, { ttl, size });
          setting = undefined;
          if (maxBytes > 0 && size > maxBytes) {
            expect(stored).toBe(false);
            model.delete(key); // an oversized value also drops the old one
          } else if (stored) {
            model.set(key, { value, expires: now + ttl, size });
          } else {
            expect(model.has(key)).toBe(false);
          }
        } else if (op < 0.92) {
          const held = model.has(key);
          expect(p.delete(key)).toBe(held); // dispose removed it from the model
          expect(model.has(key)).toBe(false);
        } else {
          now += Math.floor(random() * 50);
        }
        expect(p.size).toBe(model.size);
        expect(p.size).toBeLessThanOrEqual(maxEntries);
        if (maxBytes > 0) {
          let bytes = 0;
          for (const e of model.values()) bytes += e.size;
          expect(p.calculatedSize).toBe(bytes);
          expect(bytes).toBeLessThanOrEqual(maxBytes);
        }
        for (const [k, e] of model) expect(p.peek(k)).toBe(e.expires >= now ? e.value : undefined);
      }
    });
  }

  it('hits at least as often as an LRU model on a skewed trace', () => {
    const random = rng(42);
    const trace: string[] = [];
    for (let i = 0; i < 100_000; i++) trace.push(`k${Math.floor(1 / (random() + 0.0005))}`);
    const lru = new Map<string, true>();
    let lruHits = 0;
    for (const key of trace) {
      if (lru.delete(key)) lruHits++;
      lru.set(key, true);
      if (lru.size > 100) lru.delete(lru.keys().next().value!);
    }
    const p = new WTinyLfu<string>({ maxEntries: 100, maxBytes: 0, now: () => 0 });
    let hits = 0;
    for (const key of trace) {
      if (p.get(key) !== undefined) hits++;
      else p.set(key, key, { ttl: 1e9 });
    }
    expect(hits).toBeGreaterThan(lruHits);
  });
});

/**
 * A naive W-TinyLFU written from the design, sharing no code with the policy: three plain
 * arrays (least recent first) and a fixed window. Admission compares the same injected
 * frequencies as the policy (`admissionFrequency`), so both must decide alike.
 */
class NaiveWTinyLfu {
  readonly window: string[] = [];
  readonly probation: string[] = [];
  readonly protected: string[] = [];
  readonly removals: string[] = [];
  readonly #windowMax: number;
  readonly #protectedMax: number;

  constructor(
    readonly maxEntries: number,
    windowRatio: number,
    readonly frequency: (key: string) => number,
  ) {
    this.#windowMax = Math.max(1, Math.round(Math.max(1 / maxEntries, windowRatio) * maxEntries));
    this.#protectedMax = Math.floor(0.8 * (maxEntries - this.#windowMax));
  }

  get size(): number {
    return this.window.length + this.probation.length + this.protected.length;
  }

  has(key: string): boolean {
    return [this.window, this.probation, this.protected].some((list) => list.includes(key));
  }

  /** Eviction order: probation, window, protected, each least recent first. */
  evictionOrder(): string[] {
    return [...this.probation, ...this.window, ...this.protected];
  }

  /** A hit (or an update of a held key): recency, and probation hits move to protected. */
  touch(key: string): boolean {
    for (const list of [this.window, this.protected]) {
      const at = list.indexOf(key);
      if (at >= 0) {
        list.splice(at, 1);
        list.push(key);
        return true;
      }
    }
    const at = this.probation.indexOf(key);
    if (at < 0) return false;
    this.probation.splice(at, 1);
    this.protected.push(key);
    while (this.protected.length > this.#protectedMax) this.probation.push(this.protected.shift()!);
    return true;
  }

  insert(key: string): void {
    this.window.push(key);
    while (this.window.length > this.#windowMax) this.#admit(this.window.shift()!);
    while (this.size > this.maxEntries) {
      const from = [this.probation, this.protected, this.window].find((list) => list.length > 0)!;
      this.removals.push(`evict ${from.shift()!}`);
    }
  }

  delete(key: string): boolean {
    for (const list of [this.window, this.probation, this.protected]) {
      const at = list.indexOf(key);
      if (at >= 0) {
        list.splice(at, 1);
        this.removals.push(`delete ${key}`);
        return true;
      }
    }
    return false;
  }

  /** The candidate (already out of the window) displaces victims while it wins. */
  #admit(candidate: string): void {
    while (this.size + 1 > this.maxEntries) {
      const from = this.probation.length > 0 ? this.probation : this.protected;
      if (from.length === 0) break;
      if (this.frequency(candidate) <= this.frequency(from[0]!)) {
        this.removals.push(`rejected ${candidate}`);
        return;
      }
      this.removals.push(`evict ${from.shift()!}`);
    }
    this.probation.push(candidate);
  }
}

describe('w-tinylfu against a naive W-TinyLFU', () => {
  for (const seed of [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]) {
    it(`holds the same keys in the same order and removes the same ones (seed ${seed})`, () => {
      const random = rng(seed);
      const maxEntries = 1 + Math.floor(random() * 30);
      const windowRatio = random() * 0.5;
      // Exact counts of reads, capped below the warm-candidate threshold (6) where the
      // policy admits a losing candidate at random (1 in 128), which no model can replay.
      const counts = new Map<string, number>();
      const frequency = (key: string) => Math.min(5, counts.get(key) ?? 0);
      const model = new NaiveWTinyLfu(maxEntries, windowRatio, frequency);
      const removals: string[] = [];
      const p = new WTinyLfu<string>({
        maxEntries,
        maxBytes: 0,
        now: () => 0,
        adaptive: false,
        windowRatio,
        admissionFrequency: frequency,
        dispose: (_value, key, reason) => removals.push(`${reason} ${key}`),
      });
      const log = [`maxEntries ${maxEntries}, windowRatio ${windowRatio.toFixed(3)}`];
      const keySpace = 2 * maxEntries + 5;
      for (let step = 0; step < 2000; step++) {
        const key = `k${Math.floor(random() ** 2 * keySpace)}`;
        const op = random();
        if (op < 0.6) {
          counts.set(key, (counts.get(key) ?? 0) + 1);
          const hit = p.get(key) !== undefined;
          log.push(`get ${key} -> ${hit ? 'hit' : 'miss'}`);
          expect(hit, log.join('\n')).toBe(model.touch(key));
          if (!hit) {
            // read-through: a miss is stored
            p.set(key, key, { ttl: Infinity });
            model.insert(key);
          }
        } else if (op < 0.9) {
          log.push(`set ${key}`);
          p.set(key, key, { ttl: Infinity });
          if (!model.touch(key)) model.insert(key);
        } else {
          log.push(`delete ${key}`);
          expect(p.delete(key), log.join('\n')).toBe(model.delete(key));
        }
        expect(removals, log.join('\n')).toEqual(model.removals);
        expect([...p.rkeys()], log.join('\n')).toEqual(model.evictionOrder());
        expect(p.segments, log.join('\n')).toEqual({
          window: model.window.length,
          probation: model.probation.length,
          protected: model.protected.length,
        });
      }
    });
  }
});

describe('w-tinylfu as the L1 policy', () => {
  it('applies admission to plain sets: cold writes do not flush hot keys', async () => {
    const evicted: { key: string; reason: string }[] = [];
    const cache = createCache({ l1: { maxEntries: 50, policy: 'w-tinylfu' } });
    cache.on('evict', (e) => evicted.push(e));
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) {
        if ((await cache.get(`hot${i}`)) === undefined) await cache.set(`hot${i}`, i);
      }
    }
    for (let i = 0; i < 500; i++) await cache.set(`cold${i}`, i);
    for (let i = 0; i < 40; i++) expect(await cache.get(`hot${i}`)).toBe(i);
    expect(evicted.some((e) => e.reason === 'rejected' && e.key.startsWith('cold'))).toBe(true);
    expect(evicted.some((e) => e.key.startsWith('hot'))).toBe(false);
    await cache.close();
  });

  it('applies admission to loader results', async () => {
    const cache = createCache({ l1: { maxEntries: 50, policy: 'w-tinylfu' } });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) await cache.getOrSet(`hot${i}`, async () => i);
    }
    for (let i = 0; i < 500; i++) await cache.getOrSet(`cold${i}`, async () => i);
    let loads = 0;
    for (let i = 0; i < 40; i++) {
      await cache.getOrSet(`hot${i}`, async () => {
        loads++;
        return i;
      });
    }
    expect(loads).toBe(0);
    await cache.close();
  });

  it('applies admission to L2 promotions', async () => {
    const { cache } = setup({ l1: { maxEntries: 50, policy: 'w-tinylfu' } });
    const evicted: { key: string; reason: string }[] = [];
    cache.on('evict', (e) => evicted.push(e));
    for (let i = 0; i < 500; i++) await cache.set(`cold${i}`, i, { skipL1: true }); // L2 only
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) {
        if ((await cache.get(`hot${i}`)) === undefined) await cache.set(`hot${i}`, i);
      }
    }
    // each cold key is read once: an L2 hit promoted into L1, through admission
    for (let i = 0; i < 500; i++) expect(await cache.get(`cold${i}`)).toBe(i);
    expect(evicted.some((e) => e.reason === 'rejected' && e.key.startsWith('cold'))).toBe(true);
    expect(evicted.some((e) => e.key.startsWith('hot'))).toBe(false);
    expect(cache.stats().l1Entries).toBe(50);
    await cache.close();
  });

  it('keeps tag index, shrink and TTL of the memory tier', () => {
    let now = 0;
    const evicted: string[] = [];
    const tier = new MemoryTier({
      maxEntries: 10,
      maxBytes: 0,
      policy: 'w-tinylfu',
      admission: 'tinylfu',
      trackFrequency: true,
      sizeOf: () => 0,
      clock: { ...systemClock, now: () => now },
      onEvict: (key) => evicted.push(key),
    });
    for (let i = 0; i < 10; i++) tier.set(`k${i}`, { v: i }, 100);
    tier.get('k0');
    tier.get('k0');
    expect(tier.frequency('k0')).toBeGreaterThanOrEqual(2);
    expect(tier.shrink(0.5)).toBe(5);
    expect(evicted).toHaveLength(5);
    expect(evicted).not.toContain('k0');
    expect(tier.size).toBe(5);
    now = 101;
    expect(tier.get('k0')).toBeUndefined();
    expect(tier.remainingTtl('k0')).toBe(0);
  });
});
