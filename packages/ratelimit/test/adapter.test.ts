import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  fromRateLimiterFlexible,
  OptimizedRedisRateLimit,
  RateLimitingCacheAdapter,
  RateLimitMigrationError,
  RedisStore,
  rateLimitHeaders,
} from '../src/index.js';

let redis: Redis;
const prefix = uniquePrefix('ratelimit-adapter');

beforeAll(() => {
  redis = new Redis(redisUrl());
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('RateLimitingCacheAdapter (the seed interface)', () => {
  it('checks, resets, checks many in one round trip, warms up, and reports stats and health', async () => {
    const store = new RedisStore({ redis, prefix });
    const adapter = new OptimizedRedisRateLimit({ store, failurePolicy: 'open', timeoutMs: 5000 });
    expect(adapter).toBeInstanceOf(RateLimitingCacheAdapter);
    expect(await adapter.warmupRateLimitKeys(['a', 'b'], 2, 60_000)).toBe(2);
    const first = await adapter.checkRateLimit('a', 2, 60_000);
    expect(first).toMatchObject({ allowed: true, remaining: 1, limit: 2 });
    expect(first.resetAt).toBeGreaterThan(Date.now());
    await adapter.checkRateLimit('a', 2, 60_000);
    expect((await adapter.checkRateLimit('a', 2, 60_000)).allowed).toBe(false);
    await adapter.resetRateLimit('a');
    expect((await adapter.checkRateLimit('a', 2, 60_000)).allowed).toBe(true);

    const before = store.batchStats.batches;
    const many = await adapter.checkMultipleRateLimits([
      { key: 'm1', limit: 1, windowMs: 1000 },
      { key: 'm1', limit: 1, windowMs: 1000 },
      { key: 'm2', limit: 5, windowMs: 60_000, cost: 5 },
    ]);
    expect(store.batchStats.batches - before).toBe(1);
    expect(many.map((r) => r.allowed)).toEqual([true, false, true]);

    const stats = adapter.getRateLimitingStats();
    expect(stats).toMatchObject({ checks: 7, allowed: 5, rejected: 2, limiters: 3 });
    expect(adapter.getMetrics().rejectRatio).toBeCloseTo(2 / 7);
    const health = await adapter.getHealth();
    expect(health).toMatchObject({ status: 'healthy', store: 'remote', circuit: 'closed' });
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    await adapter.close();
  });
});

describe('headers', () => {
  it('give Retry-After in whole seconds, rounded up, only on rejection', async () => {
    const t = 10_500;
    const limiter = createRateLimiter({
      algorithm: 'gcra',
      limit: 2,
      windowMs: 3000,
      now: () => t,
    });
    const ok = await limiter.check('h');
    expect(rateLimitHeaders(ok)).toEqual({
      'RateLimit-Policy': '"default";q=2;w=3',
      RateLimit: '"default";r=1;t=2',
    });
    await limiter.check('h');
    const no = await limiter.check('h');
    expect(no.retryAfterMs).toBe(1500);
    expect(rateLimitHeaders(no)['Retry-After']).toBe('2');
    expect(rateLimitHeaders(no).RateLimit).toBe('"default";r=0;t=2');
  });
});

describe('fromRateLimiterFlexible', () => {
  it('maps points, duration and blockDuration and the result behaves like it', async () => {
    const { options, warnings } = fromRateLimiterFlexible({
      points: 3,
      duration: 2,
      blockDuration: 10,
      keyPrefix: 'login',
    });
    expect(options).toEqual({
      algorithm: 'fixed-window',
      anchor: 'first-request',
      limit: 3,
      windowMs: 2000,
      blockDurationMs: 10_000,
      name: 'login',
    });
    expect(warnings).toEqual([]);
    let t = 0;
    const limiter = createRateLimiter({ ...options, now: () => t });
    for (let i = 0; i < 3; i++) await limiter.check('ip');
    expect((await limiter.check('ip')).retryAfterMs).toBe(10_000);
    t = 9_999;
    expect((await limiter.check('ip')).allowed).toBe(false);
    t = 10_000;
    expect((await limiter.check('ip')).allowed).toBe(true);
  });

  it('keeps rate-limiter-flexible window semantics: a window starts at the key first request', async () => {
    const { options } = fromRateLimiterFlexible({ points: 2, duration: 10 });
    let t = 1_700_000_004_000; // 4 s into an epoch-aligned 10 s window
    const limiter = createRateLimiter({ ...options, now: () => t });
    await limiter.check('ip');
    await limiter.check('ip');
    const rejected = await limiter.check('ip');
    expect(rejected.allowed).toBe(false);
    expect(rejected.retryAfterMs).toBe(10_000); // not 6 s: the window is the key's own
    t += 6_000; // an epoch window would have ended here
    expect((await limiter.check('ip')).allowed).toBe(false);
    t += 4_000;
    const next = await limiter.check('ip');
    expect(next).toMatchObject({ allowed: true, remaining: 1, resetMs: 10_000 });
  });

  it('warns about options it does not carry over', () => {
    const { warnings, options } = fromRateLimiterFlexible({
      points: 5,
      duration: 1,
      storeClient: {},
      execEvenly: true,
      whatever: 1,
    });
    expect(options.algorithm).toBe('gcra');
    expect(warnings).toHaveLength(2);
  });

  it.each([
    ['points', { points: 0 }],
    ['points', { points: 2.5 }],
    ['duration', { duration: 0 }],
    ['duration', { duration: -1 }],
    ['duration', { duration: Number.NaN }],
    ['blockDuration', { blockDuration: -3 }],
  ])('refuses a bad %s with CACHESTACK_RATELIMIT_MIGRATION', (option, input) => {
    expect.assertions(2);
    try {
      fromRateLimiterFlexible(input);
    } catch (error) {
      expect(error).toBeInstanceOf(RateLimitMigrationError);
      expect((error as RateLimitMigrationError).option).toBe(option);
    }
  });
});
