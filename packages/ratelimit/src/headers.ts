import type { RateLimitDecision } from './types.js';

/** The HTTP header values of a decision. */
export interface RateLimitHeaders {
  /** e.g. `"default";q=100;w=60` (one item per rule). */
  'RateLimit-Policy': string;
  /** e.g. `"default";r=42;t=17` (one item per rule). */
  RateLimit: string;
  /** Whole seconds to wait; only when the request is rejected. */
  'Retry-After'?: string;
}

const seconds = (ms: number): number => Math.ceil(Math.max(0, ms) / 1000);

/**
 * Header values per draft-ietf-httpapi-ratelimit-headers (version 8 and later):
 * `RateLimit-Policy` lists each rule as `"name";q=<limit>;w=<window seconds>` and
 * `RateLimit` as `"name";r=<remaining>;t=<seconds until more quota is made available>`
 * (draft 10 wording); `Retry-After` (RFC 9110, delay-seconds) is set when the request
 * was rejected, and then equals the `t` of the rule that rejected it for longest.
 * Seconds are rounded up so a client that waits them is never early. For token-bucket
 * and GCRA, `q`/`w` describe the bucket (`burst`, time to refill it). `t` never exceeds
 * `w`, except while a longer `blockDurationMs` is in force and for a sliding-window-counter
 * rejection at the very start of a window (see `RuleDecision.resetMs`).
 */
export function rateLimitHeaders(decision: RateLimitDecision): RateLimitHeaders {
  let policy = '';
  let state = '';
  for (const rule of decision.rules) {
    if (policy !== '') {
      policy += ', ';
      state += ', ';
    }
    // A bucket of `burst` refills in windowMs × burst / limit (the window itself otherwise).
    const refillMs = Math.ceil((rule.windowMs * rule.burst) / rule.limit);
    policy += `"${rule.name}";q=${rule.burst};w=${Math.max(1, seconds(refillMs))}`;
    // A rejecting rule's resetMs is its retryAfterMs, so its t matches Retry-After.
    state += `"${rule.name}";r=${Math.max(0, rule.remaining)};t=${seconds(rule.resetMs)}`;
  }
  const headers: RateLimitHeaders = { 'RateLimit-Policy': policy, RateLimit: state };
  if (!decision.allowed)
    headers['Retry-After'] = String(Math.max(1, seconds(decision.retryAfterMs)));
  return headers;
}
