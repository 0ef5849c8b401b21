/**
 * Guarantee 6 across instances, over real Redis: once an invalidation's bus message was
 * applied on an instance, no read there returns a value whose load started before it.
 */
import { type Cache, createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisBus, redisBus } from '../src/redis-bus.js';
import { nextEvent } from './helpers.js';

const url = redisUrl();
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Two caches sharing one Redis L2 and one Redis bus channel. */
async function pair(): Promise<{ a: Cache; b: Cache; busA: RedisBus }> {
  const prefix = uniquePrefix('read-after-invalidate');
  const make = async (id: string) => {
    const bus = redisBus({ url, channel: `${prefix}:bus`, instanceId: id, heartbeatIntervalMs: 0 });
    await bus.ready();
    const cache = createCache({ l2: redisStore({ url, prefix }), bus });
    open.push(cache);
    return { cache, bus };
  };
  const a = await make('a');
  const b = await make('b');
  return { a: a.cache, b: b.cache, busA: a.bus };
}

describe('read after invalidate across instances (real Redis, redisBus)', () => {
  const invalidations: [string, (cache: Cache) => Promise<void>][] = [
    ['delete', (c) => c.delete('k')],
    ['deleteMany', (c) => c.deleteMany(['k', 'other'])],
    ['deleteByTag', (c) => c.deleteByTag('t')],
    ['clear', (c) => c.clear()],
  ];

  for (const [name, invalidate] of invalidations) {
    it(`a getOrSet on A after B's ${name} was applied starts a new load`, async () => {
      const { a, b, busA } = await pair();
      const gate = deferred<string>();
      const started = deferred<void>();
      const early = a.getOrSet(
        'k',
        () => {
          started.resolve();
          return gate.promise;
        },
        { tags: ['t'] },
      );
      await started.promise; // A's load reached its loader
      const applied = nextEvent(busA, 'message');
      await invalidate(b);
      await applied;
      let loads = 0;
      const late = a.getOrSet(
        'k',
        () => {
          loads++;
          return 'new';
        },
        { tags: ['t'] },
      );
      gate.resolve('old');
      expect(await early).toBe('old');
      expect(await late).toBe('new');
      expect(loads).toBe(1);
      expect(await a.get('k')).toBe('new');
      expect(await b.get('k')).toBe('new');
    });
  }

  it('getOrSetMany on A reloads only the keys B invalidated', async () => {
    const { a, b, busA } = await pair();
    const gate = deferred<void>();
    const started = deferred<void>();
    const early = a.getOrSetMany(['x', 'y'], async (keys) => {
      started.resolve();
      await gate.promise;
      return keys.map((k) => `old-${k}`);
    });
    await started.promise; // A's batch load reached its loader
    const applied = nextEvent(busA, 'message');
    await b.delete('y');
    await applied;
    const late = a.getOrSetMany(['x', 'y'], (keys) => keys.map((k) => `new-${k}`));
    gate.resolve();
    expect(await early).toEqual(['old-x', 'old-y']);
    expect(await late).toEqual(['old-x', 'new-y']);
    expect(await b.getMany(['x', 'y'])).toEqual(['old-x', 'new-y']);
  });
});
