import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  type RateLimitStore,
  RedisStore,
  rateLimitHeaders,
} from '../src/index.js';

let redis: Redis;
const prefix = uniquePrefix('ratelimit-compound');

beforeAll(() => {
  redis = new Redis(redisUrl());
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const stores: Record<string, () => RateLimitStore | undefined> = {
  memory: () => undefined,
  redis: () =>
    new RedisStore({ redis, prefix: `${prefix}-${Math.random().toString(36).slice(2)}` }),
};

describe.each(Object.keys(stores))('compound limits on the %s store', (kind) => {
  const make = () =>
    createRateLimiter({
      rules: [
        { name: 'second', algorithm: 'fixed-window', limit: 3, windowMs: 1000 },
        { name: 'minute', algorithm: 'sliding-window-log', limit: 5, windowMs: 60_000 },
        {
          name: 'global',
          algorithm: 'token-bucket',
          limit: 4,
          windowMs: 60_000,
          key: () => '{global}',
        },
      ],
      store: stores[kind]!(),
      failurePolicy: 'closed',
      timeoutMs: 5000,
      blockCacheMaxKeys: 0,
    });

  it('consumes nothing from any rule when one rule rejects', async () => {
    const limiter = make();
    for (let i = 0; i < 3; i++) expect((await limiter.check('alice')).allowed).toBe(true);
    const rejected = await limiter.check('alice');
    expect(rejected.allowed).toBe(false);
    expect(rejected.rules.map((r) => [r.name, r.allowed])).toEqual([
      ['second', false],
      ['minute', true],
      ['global', true],
    ]);
    // minute and global still hold exactly what the three admitted checks took.
    const peek = await limiter.peek('alice', { cost: 0 });
    expect(peek.rules.map((r) => r.remaining)).toEqual([0, 2, 1]);
    // A check of cost 3 rejected by the shared global bucket consumes nothing from bob's rules.
    expect((await limiter.check('bob', { cost: 3 })).allowed).toBe(false);
    expect((await limiter.peek('bob', { cost: 0 })).rules.map((r) => r.remaining)).toEqual([
      3, 5, 1,
    ]);
    expect((await limiter.check('bob', { cost: 1 })).allowed).toBe(true);
    const carol = await limiter.check('carol');
    expect(carol.allowed).toBe(false);
    expect(carol.rules.find((r) => !r.allowed)?.name).toBe('global');
    expect((await limiter.peek('carol', { cost: 0 })).rules.map((r) => r.remaining)).toEqual([
      3, 5, 0,
    ]);
  });

  it('reports the most restrictive rule and one header item per rule', async () => {
    const limiter = make();
    const d = await limiter.check('dave');
    expect(d.remaining).toBe(2);
    expect(d.limit).toBe(3);
    const h = rateLimitHeaders(d);
    expect(h['RateLimit-Policy']).toBe('"second";q=3;w=1, "minute";q=5;w=60, "global";q=4;w=60');
    expect(h.RateLimit).toMatch(/^"second";r=2;t=1, "minute";r=4;t=60, "global";r=3;t=15$/);
    expect(h['Retry-After']).toBeUndefined();
  });
});
