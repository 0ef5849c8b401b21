import type { Context, MiddlewareHandler } from 'hono';
import type { RateLimiter } from '../rate-limiter.js';
import type { RateLimitDecision } from '../types.js';
import {
  HttpRateLimit,
  type HttpRateLimitOptions,
  PROBLEM_CONTENT_TYPE,
  problemBody,
} from './http-rate-limit.js';

/** Options of {@link honoRateLimit}; the functions receive hono's `Context`. */
export interface HonoRateLimitOptions extends HttpRateLimitOptions<Context> {
  /**
   * The response to a rejected request (the rate-limit headers and `Retry-After` are set
   * on the context already).
   * @defaultValue `429` with an `application/problem+json` body
   */
  readonly onRejected?: (c: Context, decision: RateLimitDecision) => Response | Promise<Response>;
}

/** The middleware, with its limiter and a `close()` that closes a limiter it created. */
export interface HonoRateLimitMiddleware extends MiddlewareHandler {
  /** The limiter requests are checked against. */
  readonly limiter: RateLimiter;
  /** Closes the limiter if the middleware created it from options. Idempotent. */
  close(): Promise<void>;
}

/** Shape of `c.env` under `@hono/node-server` (its `HttpBindings`). */
interface NodeBindings {
  readonly incoming?: { readonly socket?: { readonly remoteAddress?: string } };
}

/**
 * Hono middleware that checks each request against a cachestack rate limiter:
 * rate-limit headers on every answer, `429` with `Retry-After` and a problem body once
 * the client is over its limit.
 *
 * The default key is the socket's address under `@hono/node-server`. On other runtimes,
 * or behind a proxy, pass `key` (for instance from hono's `getConnInfo`, or a header your
 * own proxy sets and clients cannot forge).
 */
export function honoRateLimit(options: HonoRateLimitOptions): HonoRateLimitMiddleware {
  const http = new HttpRateLimit<Context>(
    options,
    (c) => (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress,
  );
  const onRejected = options.onRejected;
  const middleware: MiddlewareHandler = async (c, next) => {
    const outcome = await http.decide(c);
    if (outcome === undefined) return next();
    for (const [name, value] of outcome.headers) c.header(name, value);
    if (outcome.decision.allowed) {
      // Before the handler, so a response built from the context without this middleware
      // running again (an outer middleware answering an error that escaped `next()`) carries
      // them; and after it, so they reach a Response the handler built itself too.
      await next();
      for (const [name, value] of outcome.headers) c.header(name, value);
      return;
    }
    if (onRejected !== undefined) return onRejected(c, outcome.decision);
    return c.body(JSON.stringify(problemBody(outcome.decision)), 429, {
      'Content-Type': PROBLEM_CONTENT_TYPE,
    });
  };
  return Object.assign(middleware, {
    limiter: http.limiter,
    close: () => http.close(),
  });
}
