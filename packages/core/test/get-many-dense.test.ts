import { afterEach, describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

const caches: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

describe('getMany', () => {
  it('answers a dense array: every miss is an explicit undefined, not a hole', async () => {
    const { cache } = setup();
    caches.push(cache);
    await cache.set('b', 2);
    const fromL1 = await cache.getMany(['a', 'b', 'c']);
    const fromL2 = await cache.getMany(['a', 'b', 'c'], { skipL1: true });
    for (const values of [fromL1, fromL2]) {
      expect(values).toHaveLength(3);
      expect(Object.keys(values)).toEqual(['0', '1', '2']);
      expect(values.map((v) => v ?? 'miss')).toEqual(['miss', 2, 'miss']);
    }
    const none = await cache.getMany(['x', 'y'], { skipL2: true });
    expect(0 in none && 1 in none).toBe(true);
  });
});
