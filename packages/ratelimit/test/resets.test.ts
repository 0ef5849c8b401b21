import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';
import { createRateLimiter, RateLimitingCacheAdapter, RedisStore } from '../src/index.js';

// Two ioredis clients stand for two processes: nothing is shared but Redis.
let first: Redis;
let second: Redis;
const prefix = uniquePrefix('ratelimit-resets');
const closers: (() => Promise<void>)[] = [];

beforeAll(() => {
  first = new Redis(redisUrl());
  second = new Redis(redisUrl());
});

afterAll(async () => {
  for (const close of closers) await close();
  const keys = await first.keys(`${prefix}*`);
  if (keys.length > 0) await first.del(...keys);
  await first.quit();
  await second.quit();
});

/** Resolves once `count` connections listen to the reset channel of `storePrefix`. */
async function subscribers(storePrefix: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [, n] = (await first.pubsub('NUMSUB', `${storePrefix}:resets`)) as [string, number];
    if (Number(n) >= count) return;
    if (Date.now() > deadline) throw new Error(`${n} of ${count} subscribers after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function instance(redis: Redis, storePrefix: string) {
  const store = new RedisStore({ redis, prefix: storePrefix });
  const limiter = createRateLimiter({
    limit: 2,
    windowMs: 60_000,
    store,
    failurePolicy: 'closed',
    timeoutMs: 5000,
  });
  closers.push(
    () => limiter.close(),
    () => store.close(),
  );
  return { store, limiter };
}

describe('a reset is seen by every instance at once', () => {
  it('a reset on one instance clears the key from the block cache of another', async () => {
    const p = `${prefix}-two`;
    const a = instance(first, p);
    const b = instance(second, p);
    await subscribers(p, 2);
    await a.limiter.check('u');
    await a.limiter.check('u');
    expect((await b.limiter.check('u')).source).toBe('store');
    const cached = await b.limiter.check('u');
    expect(cached).toMatchObject({ allowed: false, source: 'block-cache' });
    const delivered = new Promise<readonly string[] | undefined>((resolve) => {
      const stop = b.store.onReset((keys) => {
        stop();
        resolve(keys);
      });
    });
    await a.limiter.reset('u');
    expect(await delivered).toEqual(['u']);
    const after = await b.limiter.check('u');
    expect(after).toMatchObject({ allowed: true, source: 'store', remaining: 1 });
  });

  it('a rejection decided before a reset does not block the key once answered', () => {
    const cache = new BlockCache(10);
    const before = cache.generation;
    cache.invalidate(['k']);
    cache.block('k', 1_000, before);
    expect(cache.waitMs('k', 0)).toBe(0);
    cache.block('k', 1_000, cache.generation);
    expect(cache.waitMs('k', 0)).toBe(1_000);
  });
});

describe("the seed adapter's resetRateLimit(key)", () => {
  it('resets every window of the key in the store, whichever process used it', async () => {
    const p = `${prefix}-adapter`;
    const storeA = new RedisStore({ redis: first, prefix: p });
    const storeB = new RedisStore({ redis: second, prefix: p });
    const user = new RateLimitingCacheAdapter({
      store: storeA,
      failurePolicy: 'closed',
      timeoutMs: 5000,
    });
    const admin = new RateLimitingCacheAdapter({
      store: storeB,
      failurePolicy: 'closed',
      timeoutMs: 5000,
    });
    closers.push(
      () => user.close(),
      () => admin.close(),
    );
    for (const [limit, windowMs] of [
      [1, 60_000],
      [2, 3_600_000],
    ] as const) {
      for (let i = 0; i < limit; i++) await user.checkRateLimit('k', limit, windowMs);
      expect((await user.checkRateLimit('k', limit, windowMs)).allowed).toBe(false);
    }
    expect((await user.checkRateLimit('other', 1, 60_000)).allowed).toBe(true);
    await subscribers(p, 1); // the user process listens (its limiters have block caches)
    const delivered = new Promise<readonly string[] | undefined>((resolve) => {
      const stop = storeA.onReset((keys) => {
        stop();
        resolve(keys);
      });
    });
    // The admin process never checked these pairs.
    await admin.resetRateLimit('k');
    expect(await delivered).toEqual(['k']);
    expect((await user.checkRateLimit('k', 1, 60_000)).allowed).toBe(true);
    expect((await user.checkRateLimit('k', 2, 3_600_000)).remaining).toBe(1);
    expect((await user.checkRateLimit('other', 1, 60_000)).allowed).toBe(false);
  });
});
