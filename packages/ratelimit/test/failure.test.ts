import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { type PrivateRedis, startPrivateRedis } from '@cachestack/test-suite';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, type FailurePolicy, RedisStore } from '../src/index.js';

let server: PrivateRedis;

beforeAll(async () => {
  server = await startPrivateRedis();
});

afterAll(async () => {
  await server.stop();
});

function client(options: RedisOptions): Redis {
  const redis = new Redis(server.url, options);
  redis.on('error', () => {}); // connection errors are expected here; the limiter reports them
  return redis;
}

function ready(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

describe.each<FailurePolicy>(['open', 'closed', 'local'])(
  'Redis stopped mid-run with the %s policy',
  (policy) => {
    it('answers by the policy, opens the circuit, reports it, and recovers by itself', async () => {
      let t = 1_000_000;
      const redis = client({
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 20,
      });
      await ready(redis);
      const limiter = createRateLimiter({
        limit: 3,
        windowMs: 60_000,
        store: new RedisStore({ redis, prefix: `fail-${policy}` }),
        failurePolicy: policy,
        timeoutMs: 5000, // a stopped Redis fails fast (no offline queue); load must not time out the healthy calls
        failureThreshold: 2,
        breakDurationMs: 5000,
        now: () => t,
      });
      const events: string[] = [];
      for (const name of [
        'degraded',
        'recovered',
        'circuit:open',
        'circuit:half-open',
        'circuit:close',
      ] as const) {
        limiter.events.on(name, () => events.push(name));
      }
      const storeErrors: string[] = [];
      limiter.events.on('store:error', ({ operation, error }) =>
        storeErrors.push(`${operation}:${error.name}`),
      );
      const published: unknown[] = [];
      const onFallback = (message: unknown) => published.push(message);
      subscribe('cachestack:ratelimit:fallback', onFallback);
      try {
        expect(await limiter.check('k')).toMatchObject({
          allowed: true,
          source: 'store',
          remaining: 2,
        });

        // SIGTERM: the test-suite's start() does not restart a server killed by a signal.
        await server.stop('SIGTERM');
        const during = [];
        for (let i = 0; i < 5; i++) during.push(await limiter.check('k'));
        expect(limiter.circuit).toBe('open');
        expect(events).toEqual(['degraded', 'circuit:open']);
        expect(published).toHaveLength(5);
        const stats = limiter.stats();
        expect(stats.fallbacks).toBe(5);
        expect(stats.storeErrors).toBe(2); // later calls skipped the store: the circuit was open
        expect(storeErrors).toHaveLength(2);
        expect(storeErrors.every((entry) => entry.startsWith('apply:'))).toBe(true);
        if (policy === 'open') {
          expect(during.every((d) => d.allowed && d.source === 'fallback-open')).toBe(true);
        } else if (policy === 'closed') {
          expect(during.every((d) => !d.allowed && d.source === 'fallback-closed')).toBe(true);
          expect(during[4]!.retryAfterMs).toBe(5000);
        } else {
          expect(during.every((d) => d.source === 'fallback-local')).toBe(true);
          expect(during.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
        }

        const reconnected = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
        await server.start();
        await reconnected;
        t += 5000; // the break elapses: the next call is the probe
        const back = await limiter.check('k');
        expect(back.source).toBe('store');
        expect(limiter.circuit).toBe('closed');
        expect(events).toEqual([
          'degraded',
          'circuit:open',
          'circuit:half-open',
          'circuit:close',
          'recovered',
        ]);
      } finally {
        unsubscribe('cachestack:ratelimit:fallback', onFallback);
        redis.disconnect();
      }
    }, 20_000);
  },
);

describe('the per-call deadline', () => {
  it('falls back when Redis hangs instead of waiting for it', async () => {
    const redis = client({ maxRetriesPerRequest: null });
    await ready(redis);
    const limiter = createRateLimiter({
      limit: 3,
      windowMs: 60_000,
      store: new RedisStore({ redis, prefix: 'deadline' }),
      failurePolicy: 'open',
      timeoutMs: 50,
    });
    try {
      await limiter.check('k');
      const before = limiter.stats().timeouts;
      await server.pause(1000);
      const d = await limiter.check('k');
      expect(d.source).toBe('fallback-open');
      expect(limiter.stats().timeouts - before).toBe(1);
    } finally {
      redis.disconnect();
    }
  }, 20_000);
});

describe('script loading', () => {
  it('falls back to EVAL when Redis lost the script (NOSCRIPT) and keeps deciding', async () => {
    const redis = client({});
    await ready(redis);
    const limiter = createRateLimiter({
      algorithm: 'gcra',
      limit: 3,
      windowMs: 60_000,
      store: new RedisStore({ redis, prefix: 'noscript' }),
      failurePolicy: 'closed',
      timeoutMs: 5000,
    });
    try {
      expect(await limiter.check('x')).toMatchObject({
        allowed: true,
        remaining: 2,
        source: 'store',
      });
      expect(await server.command('SCRIPT FLUSH')).toBe('+OK');
      expect(await limiter.check('x')).toMatchObject({
        allowed: true,
        remaining: 1,
        source: 'store',
      });
      expect(limiter.stats().storeErrors).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
