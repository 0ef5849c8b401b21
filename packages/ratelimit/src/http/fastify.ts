import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify';
import type { RateLimitDecision } from '../types.js';
import {
  HttpRateLimit,
  type HttpRateLimitOptions,
  PROBLEM_CONTENT_TYPE,
  problemBody,
} from './http-rate-limit.js';

/** Options of the {@link fastifyRateLimit} plugin. */
export interface FastifyRateLimitOptions extends HttpRateLimitOptions<FastifyRequest> {
  /**
   * Limit every route registered after the plugin; `false` limits only routes whose
   * `config.rateLimit` is an object.
   * @defaultValue `true`
   */
  readonly global?: boolean;
  /**
   * Sends the answer to a rejected request (headers and `Retry-After` already set).
   * @defaultValue `429` with an `application/problem+json` body
   */
  readonly onRejected?: (
    request: FastifyRequest,
    reply: FastifyReply,
    decision: RateLimitDecision,
  ) => unknown;
}

/**
 * A route's `config.rateLimit`: `false` exempts the route; an object overrides the
 * plugin's options for it. Without its own `limiter` the route shares the plugin's.
 */
export type FastifyRouteRateLimit = Partial<Omit<FastifyRateLimitOptions, 'global'>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** cachestack rate limit of this route (see `@cachestack/ratelimit/fastify`). */
    rateLimit?: FastifyRouteRateLimit | false;
  }
}

/**
 * Fastify (4.26+ and 5) plugin: checks requests against a cachestack rate limiter in an
 * `onRequest` hook, sets rate-limit headers, answers `429` with `Retry-After` and a
 * problem body once the client is over its limit. Register it before the routes it
 * limits: `await app.register(fastifyRateLimit, { limiter })`. Per route, `config:
 * { rateLimit: false }` exempts and `config: { rateLimit: { ... } }` overrides. Limiters
 * the plugin created from options close with the app.
 *
 * The default key is `request.ip`: behind a proxy, set fastify's `trustProxy`.
 */
export const fastifyRateLimit: FastifyPluginAsync<FastifyRateLimitOptions> = Object.assign(
  async (app: FastifyInstance, options: FastifyRateLimitOptions): Promise<void> => {
    const base = new HttpRateLimit<FastifyRequest>(options, (request) => request.ip);
    const owned: Array<HttpRateLimit<FastifyRequest>> = [base];
    const global = options.global ?? true;
    app.addHook('onRoute', (route) => {
      const config = route.config?.rateLimit;
      if (config === false || (config == null && !global)) return;
      let http = base;
      let onRejected = options.onRejected;
      if (config != null) {
        const merged: FastifyRateLimitOptions = { ...options, ...config, limiter: base.limiter };
        if (config.limiter === undefined) {
          // A ready limiter takes no failurePolicy.
          (merged as { failurePolicy?: unknown }).failurePolicy = undefined;
        } else {
          (merged as { limiter: unknown }).limiter = config.limiter;
        }
        http = new HttpRateLimit<FastifyRequest>(merged, (request) => request.ip);
        owned.push(http);
        onRejected = merged.onRejected;
      }
      const hook = limitHook(http, onRejected);
      const existing = route.onRequest;
      route.onRequest =
        existing === undefined
          ? [hook]
          : [...(Array.isArray(existing) ? existing : [existing]), hook];
    });
    app.addHook('onClose', async () => {
      await Promise.all(owned.map((http) => http.close()));
    });
  },
  {
    // What fastify-plugin does: the hooks apply to the registering scope, not a child one.
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@cachestack/ratelimit',
  },
);

function limitHook(
  http: HttpRateLimit<FastifyRequest>,
  onRejected: FastifyRateLimitOptions['onRejected'],
): onRequestHookHandler {
  return async function rateLimitHook(request, reply) {
    const outcome = await http.decide(request);
    if (outcome === undefined) return;
    for (const [name, value] of outcome.headers) reply.header(name, value);
    if (outcome.decision.allowed) return;
    if (onRejected !== undefined) {
      await onRejected(request, reply, outcome.decision);
      return reply;
    }
    return reply
      .code(429)
      .header('Content-Type', PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problemBody(outcome.decision)));
  };
}
