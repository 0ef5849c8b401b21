import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  MemoryStore,
  type RateLimitDecision,
  RedisStore,
  type RuleOptions,
} from '../src/index.js';
import { prng, step, VARIANTS } from './reference.js';

let redis: Redis;
const prefix = uniquePrefix('ratelimit-agree');

beforeAll(() => {
  redis = new Redis(redisUrl(), { lazyConnect: false });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const plain = (d: RateLimitDecision) => ({
  allowed: d.allowed,
  limit: d.limit,
  remaining: d.remaining,
  resetMs: d.resetMs,
  retryAfterMs: d.retryAfterMs,
  rules: d.rules,
});

async function replay(rules: RuleOptions[], seed: number, steps: number): Promise<number> {
  let t = 1_700_000_000_000 + seed;
  const memory = createRateLimiter({
    rules,
    store: new MemoryStore({ now: () => t }),
    now: () => t,
  });
  const store = new RedisStore({ redis, prefix: `${prefix}-${seed}`, clock: () => t });
  const remote = createRateLimiter({
    rules,
    store,
    failurePolicy: 'closed',
    timeoutMs: 5000,
    now: () => t,
    blockCacheMaxKeys: 0,
  });
  const rand = prng(seed);
  const W = rules[0]!.windowMs;
  let compared = 0;
  for (let i = 0; i < steps; i++) {
    t += step(rand, W, t);
    const key = rand() < 0.7 ? 'a' : 'b';
    const r = rand();
    const cost = r < 0.75 ? 1 : r < 0.9 ? 2 : r < 0.95 ? -1 : 0;
    const op = rand() < 0.1 ? 'peek' : 'check';
    const [m, x] = await Promise.all([memory[op](key, { cost }), remote[op](key, { cost })]);
    expect(x.source).toBe('store');
    expect(plain(x), `step ${i} ${op} ${key} cost ${cost}`).toEqual(plain(m));
    compared++;
  }
  return compared;
}

describe('the Redis store decides exactly like the memory store on the same sequence', () => {
  it.each(VARIANTS)('$label', async ({ rule }) => {
    expect(await replay([rule], VARIANTS.findIndex((v) => v.rule === rule) + 1, 300)).toBe(300);
  });

  it('a compound of every algorithm with a block duration and a global rule', async () => {
    const rules: RuleOptions[] = [
      { name: 'fw', algorithm: 'fixed-window', limit: 9, windowMs: 1000, blockDurationMs: 1500 },
      { name: 'swl', algorithm: 'sliding-window-log', limit: 12, windowMs: 2000 },
      { name: 'swc', algorithm: 'sliding-window-counter', limit: 10, windowMs: 1000 },
      { name: 'tb', algorithm: 'token-bucket', limit: 6, windowMs: 700, burst: 9 },
      { name: 'gcra', algorithm: 'gcra', limit: 7, windowMs: 900, burst: 4, key: () => 'global' },
      { name: 'fwa', algorithm: 'fixed-window', anchor: 'first-request', limit: 8, windowMs: 1300 },
    ];
    expect(await replay(rules, 99, 300)).toBe(300);
  });
});

describe('the Redis store on server time', () => {
  it('admits exactly limit per fixed window and answers in one script call per tick', async () => {
    const store = new RedisStore({ redis, prefix: `${prefix}-srv` });
    const limiter = createRateLimiter({
      limit: 20,
      windowMs: 60_000,
      store,
      failurePolicy: 'closed',
      timeoutMs: 5000,
      blockCacheMaxKeys: 0,
    });
    const before = store.batchStats.batches;
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.check('hot')));
    expect(store.batchStats.batches - before).toBe(1);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    const ttl = await redis.pttl(store.redisKey('hot', limiter.rules[0]!.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('answers keys already over their limit from the block cache until their retry time', async () => {
    const store = new RedisStore({ redis, prefix: `${prefix}-block` });
    const limiter = createRateLimiter({
      limit: 2,
      windowMs: 60_000,
      store,
      failurePolicy: 'closed',
      timeoutMs: 5000,
    });
    await limiter.check('u');
    await limiter.check('u');
    const first = await limiter.check('u');
    expect(first.source).toBe('store');
    expect(first.allowed).toBe(false);
    const before = store.batchStats.batches;
    const cached = await limiter.check('u');
    expect(cached).toMatchObject({ allowed: false, source: 'block-cache', remaining: 0 });
    expect(cached.retryAfterMs).toBeLessThanOrEqual(first.retryAfterMs);
    expect(store.batchStats.batches).toBe(before);
    expect(limiter.stats().blockCacheHits).toBe(1);
    await limiter.reset('u');
    expect((await limiter.check('u')).allowed).toBe(true);
  });

  it('asks Redis again once a cached block has run out', async () => {
    let t = 1_000_000;
    const store = new RedisStore({ redis, prefix: `${prefix}-unblock` });
    const limiter = createRateLimiter({
      limit: 1,
      windowMs: 60_000,
      store,
      failurePolicy: 'closed',
      timeoutMs: 5000,
      now: () => t,
    });
    await limiter.check('v');
    const rejected = await limiter.check('v');
    expect(rejected.source).toBe('store');
    expect((await limiter.check('v')).source).toBe('block-cache');
    t += rejected.retryAfterMs; // the local clock says the wait is over
    const before = store.batchStats.batches;
    const again = await limiter.check('v');
    expect(again.source).toBe('store');
    expect(store.batchStats.batches - before).toBe(1);
  });

  it('publishes every decision on cachestack:ratelimit:decision while subscribed', async () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subscribe('cachestack:ratelimit:decision', listener);
    try {
      const limiter = createRateLimiter({ limit: 5, windowMs: 1000 });
      await limiter.check('dc');
      await limiter.peek('dc');
      await limiter.check('dc');
    } finally {
      unsubscribe('cachestack:ratelimit:decision', listener);
    }
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ key: 'dc', decision: { allowed: true, remaining: 3 } });
  });

  it('checkMany answers every request in one round trip', async () => {
    const store = new RedisStore({ redis, prefix: `${prefix}-many` });
    const limiter = createRateLimiter({
      algorithm: 'token-bucket',
      limit: 2,
      windowMs: 60_000,
      store,
      failurePolicy: 'closed',
      timeoutMs: 5000,
    });
    const before = store.batchStats.batches;
    const out = await limiter.checkMany([
      { key: 'a' },
      { key: 'b' },
      { key: 'a' },
      { key: 'a' },
      { key: 'b', cost: 2 },
    ]);
    expect(store.batchStats.batches - before).toBe(1);
    expect(out.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
  });
});
