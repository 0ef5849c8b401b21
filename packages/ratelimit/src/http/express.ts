import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RateLimiter } from '../rate-limiter.js';
import type { RateLimitDecision } from '../types.js';
import {
  HttpRateLimit,
  type HttpRateLimitOptions,
  PROBLEM_CONTENT_TYPE,
  problemBody,
} from './http-rate-limit.js';

/** Options of {@link expressRateLimit}. */
export interface ExpressRateLimitOptions extends HttpRateLimitOptions<Request> {
  /**
   * Sends the answer to a rejected request (the rate-limit headers and `Retry-After`
   * are already set). It must end the response.
   * @defaultValue `429` with an `application/problem+json` body
   */
  readonly onRejected?: (
    req: Request,
    res: Response,
    decision: RateLimitDecision,
  ) => void | Promise<void>;
}

/** The middleware, with its limiter and a `close()` that closes a limiter it created. */
export interface ExpressRateLimitMiddleware extends RequestHandler {
  /** The limiter requests are checked against. */
  readonly limiter: RateLimiter;
  /** Closes the limiter if the middleware created it from options. Idempotent. */
  close(): Promise<void>;
}

/**
 * Express (4 and 5) middleware that checks each request against a cachestack rate
 * limiter: rate-limit headers on every answer, `429` with `Retry-After` and a problem
 * body once the client is over its limit. Errors (a failing `key` function, a closed
 * limiter) go to `next(error)`.
 *
 * The default key is `req.ip`: behind a proxy, set express's `trust proxy` so that it is
 * the client and not the proxy.
 */
export function expressRateLimit(options: ExpressRateLimitOptions): ExpressRateLimitMiddleware {
  const http = new HttpRateLimit<Request>(options, (req) => req.ip ?? req.socket.remoteAddress);
  const onRejected = options.onRejected;
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    http
      .decide(req)
      .then(async (outcome) => {
        if (outcome === undefined) return next();
        for (const [name, value] of outcome.headers) res.setHeader(name, value);
        if (outcome.decision.allowed) return next();
        if (onRejected !== undefined) return onRejected(req, res, outcome.decision);
        res.statusCode = 429;
        res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
        res.end(JSON.stringify(problemBody(outcome.decision)));
      })
      .catch(next);
  };
  return Object.assign(middleware, {
    limiter: http.limiter,
    close: () => http.close(),
  });
}
