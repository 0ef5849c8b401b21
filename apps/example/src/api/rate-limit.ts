import type { CacheStackConfig } from '@cachestack/config';
import type { FastifyInstance } from 'fastify';

/** A decision with its HTTP header values (IETF `RateLimit`, `RateLimit-Policy`, `Retry-After`). */
export interface ApiRateDecision {
  readonly allowed: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the public API needs of a rate limiter. */
export interface ApiRateLimiter {
  check(key: string): Promise<ApiRateDecision>;
  close(): Promise<void>;
}

/** The rate limiting status shown by `/cache/status`. */
export interface RateLimitStatus {
  readonly state: 'active' | 'pending';
  readonly detail: string;
}

/**
 * The public API's limiter, from the `rateLimits.api` rule of the configuration.
 *
 * PENDING: this is where `createRateLimiter({ algorithm, limit, windowMs, store })` from
 * @cachestack/ratelimit goes (memory store embedded, its Redis store with `REDIS_URL`),
 * with `rateLimitHeaders(decision)` for the header values. The package is not on main
 * yet, so there is no limiter and the API is not rate limited; the app deliberately has
 * no home-made stand-in.
 */
export function createApiRateLimiter(config: CacheStackConfig): {
  limiter: ApiRateLimiter | undefined;
  status: RateLimitStatus;
} {
  const rule = config.rateLimits.api;
  return {
    limiter: undefined,
    status: {
      state: 'pending',
      detail: rule
        ? `rule api (${rule.algorithm}, ${rule.limit} per ${rule.windowMs} ms) waits for @cachestack/ratelimit`
        : 'no rateLimits.api rule',
    },
  };
}

/**
 * Applies a limiter to every route of `app` (one scope of routes): the IETF headers on
 * every answer, and `429` with `Retry-After` when the client is over its limit. Clients
 * are told apart by IP address.
 */
export function applyRateLimit(app: FastifyInstance, limiter: ApiRateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    const decision = await limiter.check(`ip:${request.ip}`);
    for (const [name, value] of Object.entries(decision.headers)) reply.header(name, value);
    if (!decision.allowed) {
      await reply.code(429).send({ error: 'too many requests' });
    }
  });
}
