import { InvalidOptionError } from '@cachestack/core';
import { rateLimitHeaders } from '../headers.js';
import type { FailurePolicy, RateLimiterOptions } from '../options.js';
import { createRateLimiter, RateLimiter } from '../rate-limiter.js';
import type { RateLimitDecision } from '../types.js';
import { clientKey } from './client-key.js';

/** Which rate-limit headers a response carries. */
export type HeadersMode = 'draft-8' | 'legacy' | false;

/**
 * Options shared by the express, fastify and hono middleware; `Req` is the framework's
 * request (express `Request`, fastify `FastifyRequest`, hono `Context`).
 */
export interface HttpRateLimitOptions<Req> {
  /**
   * The limiter, or the options of one to create (the middleware then closes it when
   * closed itself). Its rule names appear in the `RateLimit` headers.
   */
  readonly limiter: RateLimiter | RateLimiterOptions;
  /**
   * The key a request counts on. An empty or over-long key fails the request with
   * `InvalidKeyError`.
   * @defaultValue the client IP from the framework (`req.ip`, which honours its trust-proxy
   *   setting), IPv6 grouped by `ipv6SubnetBits`
   */
  readonly key?: (req: Req) => string | Promise<string>;
  /**
   * Units a request consumes (a safe integer no larger than the smallest limit).
   * @defaultValue `1`
   */
  readonly cost?: (req: Req) => number | Promise<number>;
  /**
   * Requests for which this returns `true` are neither counted nor given headers.
   * @defaultValue none skipped
   */
  readonly skip?: (req: Req) => boolean | Promise<boolean>;
  /**
   * `'draft-8'`: `RateLimit` and `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers);
   * `'legacy'`: those plus `X-RateLimit-Limit/Remaining/Reset` (Reset in Unix seconds);
   * `false`: none (a rejection still carries `Retry-After`).
   * @defaultValue `'draft-8'`
   */
  readonly headers?: HeadersMode;
  /**
   * Bits of an IPv6 client address that make its default key (`false`: the whole address).
   * @defaultValue `56`
   */
  readonly ipv6SubnetBits?: number | false;
  /**
   * Failure policy of the limiter created from `limiter` options (required with a remote
   * store unless the options carry one). Not accepted with a ready `RateLimiter`.
   */
  readonly failurePolicy?: FailurePolicy;
}

/** An RFC 9457 problem body of a rejected request. */
export interface RateLimitProblem {
  readonly type: 'about:blank';
  readonly title: 'Too Many Requests';
  readonly status: 429;
  readonly detail: string;
  /** Seconds to wait, as in `Retry-After`. */
  readonly retryAfterSeconds: number;
}

/** What the middleware does with one request; `undefined` when it was skipped. */
export interface HttpOutcome {
  readonly decision: RateLimitDecision;
  /** Headers to set, in order (includes `Retry-After` when rejected). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** Media type of {@link RateLimitProblem} bodies. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The framework-neutral part of the middleware: validates the options once, owns the
 * limiter it created, and turns a request into a decision plus the headers to send.
 */
export class HttpRateLimit<Req> {
  /** The limiter requests are checked against. */
  readonly limiter: RateLimiter;
  readonly #owned: boolean;
  readonly #key: (req: Req) => string | Promise<string>;
  readonly #cost: ((req: Req) => number | Promise<number>) | undefined;
  readonly #skip: ((req: Req) => boolean | Promise<boolean>) | undefined;
  readonly #headers: HeadersMode;

  /** `clientAddress` reads the framework's idea of the client IP. */
  constructor(options: HttpRateLimitOptions<Req>, clientAddress: (req: Req) => string | undefined) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('options', 'must be an object');
    }
    const { limiter } = options;
    if (limiter instanceof RateLimiter) {
      if (options.failurePolicy !== undefined) {
        throw new InvalidOptionError(
          'failurePolicy',
          'set it on the RateLimiter you pass (or pass limiter options instead)',
        );
      }
      this.limiter = limiter;
      this.#owned = false;
    } else if (limiter !== null && typeof limiter === 'object') {
      this.limiter = createRateLimiter(
        options.failurePolicy === undefined
          ? limiter
          : { ...limiter, failurePolicy: options.failurePolicy },
      );
      this.#owned = true;
    } else {
      throw new InvalidOptionError('limiter', 'must be a RateLimiter or RateLimiter options');
    }
    for (const name of ['key', 'cost', 'skip'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new InvalidOptionError(name, 'must be a function of the request');
      }
    }
    const headers = options.headers ?? 'draft-8';
    if (headers !== 'draft-8' && headers !== 'legacy' && headers !== false) {
      throw new InvalidOptionError('headers', `must be 'draft-8', 'legacy' or false`);
    }
    this.#headers = headers;
    const bits = options.ipv6SubnetBits ?? 56;
    if (bits !== false && !(Number.isInteger(bits) && bits >= 1 && bits <= 128)) {
      throw new InvalidOptionError('ipv6SubnetBits', 'must be an integer from 1 to 128, or false');
    }
    this.#key =
      options.key ??
      ((req) => {
        const address = clientAddress(req);
        if (address === undefined || address === '') {
          throw new InvalidOptionError(
            'key',
            'the client address is unknown here; pass a key function',
          );
        }
        return clientKey(address, bits);
      });
    this.#cost = options.cost;
    this.#skip = options.skip;
  }

  /** Checks `req` against the limiter; `undefined` when `skip` says so. */
  async decide(req: Req): Promise<HttpOutcome | undefined> {
    if (this.#skip !== undefined && (await this.#skip(req))) return undefined;
    const key = await this.#key(req);
    const cost = this.#cost === undefined ? 1 : await this.#cost(req);
    const decision = await this.limiter.check(key, { cost });
    return { decision, headers: this.headersOf(decision, cost) };
  }

  /** The headers of a decision for a request of `cost`, per the `headers` option. */
  headersOf(decision: RateLimitDecision, cost = 1): Array<readonly [string, string]> {
    const values = rateLimitHeaders(decision, { cost });
    const out: Array<readonly [string, string]> = [];
    if (this.#headers !== false) {
      out.push(['RateLimit-Policy', values['RateLimit-Policy']], ['RateLimit', values.RateLimit]);
      if (this.#headers === 'legacy') {
        out.push(
          ['X-RateLimit-Limit', String(decision.limit)],
          ['X-RateLimit-Remaining', String(Math.max(0, decision.remaining))],
          [
            'X-RateLimit-Reset',
            String(Math.ceil(Date.now() / 1000) + resetSeconds(decision, values.RateLimit)),
          ],
        );
      }
    }
    if (values['Retry-After'] !== undefined) out.push(['Retry-After', values['Retry-After']]);
    return out;
  }

  /** Closes the limiter if this middleware created it (idempotent). */
  async close(): Promise<void> {
    if (this.#owned) await this.limiter.close();
  }
}

/** The RFC 9457 body of a rejected request. */
export function problemBody(decision: RateLimitDecision): RateLimitProblem {
  const seconds = Number(rateLimitHeaders(decision)['Retry-After'] ?? '1');
  return {
    type: 'about:blank',
    title: 'Too Many Requests',
    status: 429,
    detail: `Rate limit exceeded; retry in ${seconds} s.`,
    retryAfterSeconds: seconds,
  };
}

/**
 * `t` of the most restrictive rule, read from the `RateLimit` value so the legacy reset
 * always agrees with the standard header.
 */
function resetSeconds(decision: RateLimitDecision, state: string): number {
  const items = state.split(', ');
  let index = decision.rules.findIndex(
    (rule) => rule.limit === decision.limit && rule.remaining === decision.remaining,
  );
  if (index < 0) index = 0;
  const match = /;t=(\d+)/.exec(items[index] ?? '');
  return match === null ? 0 : Number(match[1]);
}
