import type { CacheStackConfig } from '@cachestack/config';
import type { Logger } from '@cachestack/core';
import {
  createRateLimiter,
  type RateLimiter,
  RedisStore as RateLimitRedisStore,
} from '@cachestack/ratelimit';
import { Redis } from 'ioredis';

/** The rate limiting status shown by `/cache/status`. */
export interface RateLimitStatus {
  readonly state: 'active' | 'off';
  readonly detail: string;
}

/** The public API's limiter and what it owns. */
export interface ApiRateLimit {
  readonly limiter: RateLimiter | undefined;
  status(): RateLimitStatus;
  close(): Promise<void>;
}

/** Options of {@link createApiRateLimit}. */
export interface ApiRateLimitOptions {
  /** Redis URL: limits are shared by every instance (server clock, one script per check). */
  readonly redisUrl?: string | undefined;
  /** Key prefix on Redis. @defaultValue 'shop:rl' */
  readonly prefix?: string | undefined;
  /** Where the limiter's `degraded` and `recovered` events are logged (one warning each). */
  readonly logger?: Logger | undefined;
}

/**
 * The public API's limiter (@cachestack/ratelimit), from the `rateLimits.api` rule of
 * the configuration: on Redis when `REDIS_URL` is set (failure policy from the rule,
 * `open` by default), else in process memory.
 */
export function createApiRateLimit(
  config: CacheStackConfig,
  options: ApiRateLimitOptions = {},
): ApiRateLimit {
  const rule = config.rateLimits.api;
  if (rule === undefined) {
    return {
      limiter: undefined,
      status: () => ({ state: 'off', detail: 'no rateLimits.api rule in the configuration' }),
      close: async () => {},
    };
  }
  let redis: Redis | undefined;
  let store: RateLimitRedisStore | undefined;
  if (options.redisUrl !== undefined) {
    redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    redis.on('error', () => {}); // failures reach the limiter, which applies its policy
    store = new RateLimitRedisStore({ redis, prefix: options.prefix ?? 'shop:rl' });
  }
  const limiter = createRateLimiter({
    name: 'api',
    algorithm: rule.algorithm,
    limit: rule.limit,
    windowMs: rule.windowMs,
    ...(store ? { store, failurePolicy: rule.failurePolicy } : {}),
  });
  const logger = options.logger;
  if (logger !== undefined) {
    // State changes only: one line when it starts answering from its failure policy, one
    // when the store answers again (with what was answered meanwhile).
    limiter.events.on('degraded', ({ policy, error }) =>
      logger.warn(
        { err: error, policy, outage: 'started' },
        `rate limiter degraded: store failing, answering by failure policy '${policy}'`,
      ),
    );
    limiter.events.on('recovered', ({ fallbacks, downMs }) =>
      logger.warn(
        { fallbacks, downMs, outage: 'ended' },
        `rate limiter recovered after ${Math.round(downMs / 1000)} s; ${fallbacks} decisions were made by the failure policy meanwhile`,
      ),
    );
  }
  const where = store ? 'Redis' : 'memory';
  return {
    limiter,
    status: () => ({
      state: 'active',
      detail: `rule api: ${rule.algorithm}, ${rule.limit} per ${rule.windowMs} ms per client IP, ${where} store`,
    }),
    async close() {
      await limiter.close();
      await store?.close();
      redis?.disconnect();
    },
  };
}
