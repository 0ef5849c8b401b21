import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/contracts/clock.js';
import { FrequencySketch } from '../src/features/frequency-sketch.js';
import { L1Box } from '../src/tiers/l1-box.js';
import { MemoryTier, type MemoryTierOptions } from '../src/tiers/memory-tier.js';

function entry(value: unknown, size = 0, tags?: string[]): {} {
  const v = { value, size };
  return tags ? new L1Box(v, 1e9, 1e9, tags) : v;
}

function tier(options: Partial<MemoryTierOptions> = {}) {
  const evicted: string[] = [];
  const t = new MemoryTier({
    maxEntries: 3,
    maxBytes: 0,
    policy: 'lru',
    admission: 'none',
    trackFrequency: false,
    sizeOf: (v) => (v as { size: number }).size,
    clock: { ...systemClock, now: () => 0 },
    onEvict: (key) => evicted.push(key),
    ...options,
  });
  return { t, evicted };
}

describe('memory tier', () => {
  it('lru evicts the least recently read entry', () => {
    const { t, evicted } = tier();
    t.set('a', entry(1), 1000);
    t.set('b', entry(2), 1000);
    t.set('c', entry(3), 1000);
    t.get('a');
    t.set('d', entry(4), 1000);
    expect(evicted).toEqual(['b']);
    expect(t.peek('a')).toBeDefined();
  });

  it('fifo evicts the oldest inserted entry even when it is read', () => {
    const { t, evicted } = tier({ policy: 'fifo' });
    t.set('a', entry(1), 1000);
    t.set('b', entry(2), 1000);
    t.set('c', entry(3), 1000);
    t.get('a');
    t.get('a');
    t.set('d', entry(4), 1000);
    expect(evicted).toEqual(['a']);
  });

  it('lfu evicts the least frequently used of the oldest entries', () => {
    const { t, evicted } = tier({ policy: 'lfu' });
    t.set('a', entry(1), 1000);
    t.set('b', entry(2), 1000);
    t.set('c', entry(3), 1000);
    for (let i = 0; i < 5; i++) t.get('a');
    for (let i = 0; i < 3; i++) t.get('c');
    t.get('b'); // b is now the most recent, but the least used
    t.set('d', entry(4), 1000);
    expect(evicted).toEqual(['b']);
    expect(t.size).toBe(3);
  });

  it('is bounded by bytes as well as entries', () => {
    const { t, evicted } = tier({ maxEntries: 100, maxBytes: 100 });
    t.set('a', entry('x', 40), 1000);
    t.set('b', entry('y', 40), 1000);
    t.set('c', entry('z', 40), 1000);
    expect(evicted).toEqual(['a']);
    expect(t.bytes).toBeLessThanOrEqual(100);
    expect(t.set('huge', entry('h', 1000), 1000)).toBe(false);
  });

  it('the tinylfu admission filter keeps a hot entry from being displaced by a cold promotion', () => {
    const { t, evicted } = tier({ admission: 'tinylfu' });
    for (const k of ['a', 'b', 'c']) {
      t.set(k, entry(k), 1000);
      for (let i = 0; i < 4; i++) t.get(k);
    }
    expect(t.set('cold', entry('cold'), 1000, true)).toBe(false);
    expect(evicted).toEqual(['cold']);
    expect(t.peek('cold')).toBeUndefined();
    // once it has been asked for often enough, it is admitted
    for (let i = 0; i < 8; i++) t.touch('warm');
    expect(t.set('warm', entry('warm'), 1000, true)).toBe(true);
    // explicit writes (not promotions) are always stored
    expect(t.set('explicit', entry('e'), 1000)).toBe(true);
  });

  it('indexes tags and forgets them when entries leave', () => {
    const { t } = tier();
    t.set('a', entry(1, 0, ['red']), 1000);
    t.set('b', entry(2, 0, ['red', 'blue']), 1000);
    expect(t.keysWithTag('red').sort()).toEqual(['a', 'b']);
    t.delete('a');
    expect(t.keysWithTag('red')).toEqual(['b']);
    t.set('b', entry(3, 0, ['green']), 1000);
    expect(t.keysWithTag('red')).toEqual([]);
    expect(t.keysWithTag('green')).toEqual(['b']);
  });
});

describe('frequency sketch', () => {
  it('estimates frequencies and ages them', () => {
    const sketch = new FrequencySketch(100);
    for (let i = 0; i < 10; i++) sketch.increment('hot');
    sketch.increment('cold');
    expect(sketch.frequency('hot')).toBeGreaterThanOrEqual(10);
    expect(sketch.frequency('cold')).toBeLessThan(sketch.frequency('hot'));
    expect(sketch.frequency('never')).toBeLessThanOrEqual(1);
    // many other keys trigger the halving: "hot" decays
    for (let i = 0; i < 5000; i++) sketch.increment(`k${i}`);
    expect(sketch.frequency('hot')).toBeLessThan(10);
  });
});

describe('memory tier TTL', () => {
  it('expires entries on its injected clock', () => {
    let now = 1000;
    const t = new MemoryTier({
      maxEntries: 10,
      maxBytes: 0,
      policy: 'lru',
      admission: 'none',
      trackFrequency: false,
      sizeOf: () => 0,
      clock: { ...systemClock, now: () => now },
      onEvict: () => {},
    });
    t.set('a', { v: 1 }, 100);
    now = 1099;
    expect(t.get('a')).toEqual({ v: 1 });
    expect(t.remainingTtl('a')).toBe(1);
    now = 1101;
    expect(t.get('a')).toBeUndefined();
  });
});
