import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/contracts/errors.js';
import { LruList, type LruListOptions, type LruRemoval } from '../src/tiers/lru-list.js';

/** Deterministic PRNG (mulberry32) so every run replays the same operations. */
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

function make(options: Partial<LruListOptions<string>> = {}) {
  let now = 1_000;
  const removed: [string, string, LruRemoval][] = [];
  const list = new LruList<string>({
    maxEntries: 3,
    maxBytes: 0,
    now: () => now,
    dispose: (value, key, reason) => removed.push([key, value, reason]),
    ...options,
  });
  return { list, removed, advance: (ms: number) => (now += ms) };
}

describe('LruList', () => {
  it('rejects a bound that is not a whole number >= 1', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      expect(() => new LruList({ maxEntries, maxBytes: 0, now: Date.now })).toThrow(
        InvalidOptionError,
      );
    }
  });

  it('evicts the least recently used entry; a read makes an entry recent', () => {
    const { list, removed } = make();
    list.set('a', 'A', { ttl: 100 });
    list.set('b', 'B', { ttl: 100 });
    list.set('c', 'C', { ttl: 100 });
    expect(list.get('a')).toBe('A');
    list.set('d', 'D', { ttl: 100 });
    expect(removed).toEqual([['b', 'B', 'evict']]);
    expect([...list.keys()]).toEqual(['d', 'a', 'c']);
    expect([...list.rkeys()]).toEqual(['c', 'a', 'd']);
    expect(list.size).toBe(3);
  });

  it('keeps insertion order on reads with touchOnGet: false (fifo)', () => {
    const { list, removed } = make({ touchOnGet: false });
    list.set('a', 'A', { ttl: 100 });
    list.set('b', 'B', { ttl: 100 });
    list.set('c', 'C', { ttl: 100 });
    expect(list.get('a')).toBe('A');
    list.set('d', 'D', { ttl: 100 });
    expect(removed).toEqual([['a', 'A', 'evict']]);
  });

  it('peek and has neither touch recency nor remove', () => {
    const { list, removed } = make();
    list.set('a', 'A', { ttl: 100 });
    list.set('b', 'B', { ttl: 100 });
    list.set('c', 'C', { ttl: 100 });
    expect(list.peek('a')).toBe('A');
    expect(list.has('a')).toBe(true);
    list.set('d', 'D', { ttl: 100 });
    expect(removed).toEqual([['a', 'A', 'evict']]);
    expect(list.has('a')).toBe(false);
  });

  it('expires entries after their TTL: get removes them, peek and has hide them', () => {
    const { list, removed, advance } = make();
    list.set('a', 'A', { ttl: 100 });
    list.set('b', 'B', { ttl: 300 });
    advance(100);
    expect(list.get('a')).toBe('A'); // alive through its last millisecond
    expect(list.getRemainingTTL('a')).toBe(0);
    expect(list.getRemainingTTL('b')).toBe(200);
    advance(1);
    expect(list.peek('a')).toBeUndefined();
    expect(list.has('a')).toBe(false);
    expect(list.size).toBe(2); // still held until read or evicted
    expect(list.get('a')).toBeUndefined();
    expect(removed).toEqual([['a', 'A', 'expire']]);
    expect(list.size).toBe(1);
    expect(list.getRemainingTTL('a')).toBe(0);
  });

  it('replacing a value reports the old one (reason set), refreshes its TTL and recency', () => {
    const { list, removed, advance } = make();
    list.set('a', 'A', { ttl: 100 });
    list.set('b', 'B', { ttl: 100 });
    advance(50);
    list.set('a', 'A2', { ttl: 100 });
    expect(removed).toEqual([['a', 'A', 'set']]);
    expect(list.getRemainingTTL('a')).toBe(100);
    expect([...list.keys()]).toEqual(['a', 'b']);
    list.set('a', 'A2', { ttl: 100 }); // same value: nothing left
    expect(removed).toHaveLength(1);
  });

  it('bounds bytes: evicts from the old end until the new entry fits', () => {
    const { list, removed } = make({ maxEntries: 100, maxBytes: 100 });
    list.set('a', 'A', { ttl: 100, size: 40 });
    list.set('b', 'B', { ttl: 100, size: 40 });
    expect(list.calculatedSize).toBe(80);
    list.set('c', 'C', { ttl: 100, size: 50 });
    expect(removed).toEqual([['a', 'A', 'evict']]);
    expect(list.calculatedSize).toBe(90);
    // Growing a held value counts the difference.
    list.set('c', 'C2', { ttl: 100, size: 70 });
    expect(removed.slice(1)).toEqual([
      ['c', 'C', 'set'],
      ['b', 'B', 'evict'],
    ]);
    expect(list.calculatedSize).toBe(70);
  });

  it('refuses a value larger than maxBytes alone and drops the key’s previous value', () => {
    const { list, removed } = make({ maxEntries: 10, maxBytes: 100 });
    list.set('a', 'A', { ttl: 100, size: 10 });
    expect(list.set('a', 'huge', { ttl: 100, size: 101 })).toBe(false);
    expect(list.has('a')).toBe(false);
    expect(removed).toEqual([['a', 'A', 'delete']]);
    expect(list.calculatedSize).toBe(0);
    expect(list.set('b', 'huge', { ttl: 100, size: 101 })).toBe(false);
    expect(list.size).toBe(0);
  });

  it('delete reports the entry; clear drops everything without dispose and stays usable', () => {
    const { list, removed } = make({ maxEntries: 3, maxBytes: 1000 });
    list.set('a', 'A', { ttl: 100, size: 1 });
    list.set('b', 'B', { ttl: 100, size: 1 });
    expect(list.delete('a')).toBe(true);
    expect(list.delete('a')).toBe(false);
    expect(removed).toEqual([['a', 'A', 'delete']]);
    list.clear();
    expect(removed).toHaveLength(1);
    expect(list.size).toBe(0);
    expect(list.calculatedSize).toBe(0);
    expect([...list.keys()]).toEqual([]);
    for (const k of ['x', 'y', 'z', 'w']) list.set(k, k, { ttl: 100, size: 1 });
    expect([...list.keys()]).toEqual(['w', 'z', 'y']);
  });

  it('calls dispose once the list is consistent, so dispose may write to it', () => {
    let list!: LruList<string>;
    const seen: string[] = [];
    list = new LruList<string>({
      maxEntries: 2,
      maxBytes: 0,
      now: () => 0,
      dispose: (_value, key, reason) => {
        seen.push(`${key}:${reason}`);
        if (key === 'a') list.set('a-tombstone', 'T', { ttl: 10 });
      },
    });
    list.set('a', 'A', { ttl: 10 });
    list.set('b', 'B', { ttl: 10 });
    list.set('c', 'C', { ttl: 10 });
    expect(seen).toEqual(['a:evict', 'b:evict']);
    expect([...list.keys()]).toEqual(['a-tombstone', 'c']);
  });

  it('agrees with a reference model over random operations', () => {
    const random = rng(7);
    let now = 0;
    const list = new LruList<number>({ maxEntries: 8, maxBytes: 40, now: () => now });
    // Reference: a Map in recency order (first = least recent).
    const model = new Map<string, { value: number; expires: number; size: number }>();
    const live = (k: string) => {
      const e = model.get(k);
      return e !== undefined && e.expires >= now ? e : undefined;
    };
    for (let step = 0; step < 20_000; step++) {
      const key = `k${Math.floor(random() * 16)}`;
      const op = random();
      if (op < 0.45) {
        const e = model.get(key);
        const expected = live(key);
        if (e !== undefined && expected === undefined) model.delete(key);
        if (expected !== undefined) {
          model.delete(key);
          model.set(key, expected);
        }
        expect(list.get(key)).toBe(expected?.value);
      } else if (op < 0.85) {
        const size = 1 + Math.floor(random() * 12);
        const ttl = 1 + Math.floor(random() * 50);
        model.delete(key);
        model.set(key, { value: step, expires: now + ttl, size });
        let bytes = [...model.values()].reduce((sum, e) => sum + e.size, 0);
        while (model.size > 8 || bytes > 40) {
          const [oldest, e] = model.entries().next().value as [string, { size: number }];
          model.delete(oldest);
          bytes -= e.size;
        }
        expect(list.set(key, step, { ttl, size })).toBe(true);
      } else if (op < 0.92) {
        expect(list.delete(key)).toBe(model.delete(key));
      } else {
        now += Math.floor(random() * 20);
      }
      expect(list.size).toBe(model.size);
      expect([...list.rkeys()]).toEqual([...model.keys()]);
      expect(list.calculatedSize).toBe([...model.values()].reduce((s, e) => s + e.size, 0));
    }
  });
});
