import {
  ClosedError,
  InvalidKeyError,
  InvalidOptionError,
  isCacheStackError,
} from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  InvalidCostError,
  MemoryStore,
  type RateLimiterOptions,
} from '../src/index.js';

describe('bad options throw typed errors at construction', () => {
  const cases: [string, RateLimiterOptions, string][] = [
    ['limit 0', { limit: 0, windowMs: 1000 }, 'limit'],
    ['a negative limit', { limit: -5, windowMs: 1000 }, 'limit'],
    ['a NaN limit', { limit: Number.NaN, windowMs: 1000 }, 'limit'],
    ['a fractional limit', { limit: 1.5, windowMs: 1000 }, 'limit'],
    ['windowMs 0', { limit: 10, windowMs: 0 }, 'windowMs'],
    ['an infinite window', { limit: 10, windowMs: Number.POSITIVE_INFINITY }, 'windowMs'],
    ['a missing window', { limit: 10 }, 'windowMs'],
    [
      'an unknown algorithm',
      { limit: 10, windowMs: 1000, algorithm: 'leaky' as never },
      'algorithm',
    ],
    [
      'a negative block duration',
      { limit: 10, windowMs: 1000, blockDurationMs: -1 },
      'blockDurationMs',
    ],
    ['a rule name with spaces', { limit: 10, windowMs: 1000, name: 'per user' }, 'name'],
    [
      'rules and limit together',
      { limit: 1, windowMs: 1, rules: [{ limit: 1, windowMs: 1 }] },
      'rules',
    ],
    ['empty rules', { rules: [] }, 'rules'],
    [
      'duplicate rule names',
      {
        rules: [
          { limit: 1, windowMs: 1 },
          { limit: 2, windowMs: 2 },
        ],
      },
      'rules',
    ],
    [
      'an unknown failure policy',
      { limit: 1, windowMs: 1, failurePolicy: 'maybe' as never },
      'failurePolicy',
    ],
    ['a negative timeout', { limit: 1, windowMs: 1, timeoutMs: -1 }, 'timeoutMs'],
    ['a burst on a fixed window', { limit: 5, windowMs: 1000, burst: 10 }, 'burst'],
    ['a zero burst', { algorithm: 'token-bucket', limit: 5, windowMs: 1000, burst: 0 }, 'burst'],
    ['a fractional burst', { algorithm: 'gcra', limit: 5, windowMs: 1000, burst: 2.5 }, 'burst'],
    [
      'a first-request anchor on a token bucket',
      { algorithm: 'token-bucket', limit: 5, windowMs: 1000, anchor: 'first-request' },
      'anchor',
    ],
    ['an unknown anchor', { limit: 5, windowMs: 1000, anchor: 'midnight' as never }, 'anchor'],
  ];
  it.each(cases)('%s', (_, options, option) => {
    expect.assertions(3);
    try {
      createRateLimiter(options);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).code).toBe('CACHESTACK_INVALID_OPTION');
      expect((error as InvalidOptionError).option).toContain(option);
    }
  });

  it('a remote store without an explicit failure policy', () => {
    const remote = { kind: 'remote' as const, apply: async () => [], close: async () => {} };
    expect(() => createRateLimiter({ limit: 1, windowMs: 1000, store: remote })).toThrow(
      InvalidOptionError,
    );
  });

  it('a memory store bound of 0', () => {
    expect(() => new MemoryStore({ maxKeys: 0 })).toThrow(InvalidOptionError);
  });
});

describe('bad calls reject with typed errors', () => {
  const limiter = createRateLimiter({ limit: 5, windowMs: 1000 });

  it.each([
    ['an empty key', ''],
    ['a non-string key', 42 as unknown as string],
    ['an overlong key', 'x'.repeat(2000)],
  ])('%s gets CACHESTACK_INVALID_KEY', async (_, key) => {
    await expect(limiter.check(key)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(limiter.peek(key)).rejects.toSatisfy((e) =>
      isCacheStackError(e, 'CACHESTACK_INVALID_KEY'),
    );
    await expect(limiter.reset(key)).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a fraction', 0.5],
    ['a string', '1' as unknown as number],
    ['more than the limit', 6],
  ])('a cost of %s gets CACHESTACK_RATELIMIT_INVALID_COST', async (_, cost) => {
    await expect(limiter.check('k', { cost })).rejects.toSatisfy(
      (e) => e instanceof InvalidCostError && e.code === 'CACHESTACK_RATELIMIT_INVALID_COST',
    );
  });

  it('a mapped rule key that is empty gets CACHESTACK_INVALID_KEY', async () => {
    const mapped = createRateLimiter({ rules: [{ limit: 1, windowMs: 1000, key: () => '' }] });
    await expect(mapped.check('k')).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('calls after close get ClosedError, and close is idempotent', async () => {
    const closing = createRateLimiter({ limit: 5, windowMs: 1000 });
    await closing.close();
    await closing.close();
    await expect(closing.check('k')).rejects.toBeInstanceOf(ClosedError);
    await expect(closing.reset('k')).rejects.toBeInstanceOf(ClosedError);
  });
});
