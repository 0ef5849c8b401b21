import type { RateLimitDecision, RuleDecision } from './types.js';

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

/** Options of {@link rateLimitHeaders}. */
export interface RateLimitHeadersOptions {
  /**
   * The cost of the request the decision answers (as passed to `check`). Only a
   * sliding-window-counter rule's `w` depends on it (see {@link rateLimitHeaders}).
   * @defaultValue 1
   */
  readonly cost?: number;
}

/**
 * The horizon, in ms, of a rule for a request of `cost` units: the longest `t` any answer
 * can carry. Sliding-window-counter assumes the units of the previous window were spread
 * evenly over it, so a rejection at the very start of a window waits for this window's
 * units to fade: up to `windowMs + ⌈windowMs × cost / limit⌉` (at most 2 × `windowMs`).
 * A bucket of `burst` refills in `windowMs × burst / limit`; any other rule's is its window.
 */
export function ruleHorizonMs(rule: RuleDecision, cost = 1): number {
  if (rule.algorithm === 'sliding-window-counter') {
    const units = Math.min(rule.limit, Math.max(1, cost));
    return rule.windowMs + Math.ceil((rule.windowMs * units) / rule.limit);
  }
  return Math.ceil((rule.windowMs * rule.burst) / rule.limit);
}

/**
 * Header values per draft-ietf-httpapi-ratelimit-headers (version 8 and later):
 * `RateLimit-Policy` lists each rule as `"name";q=<limit>;w=<seconds>` and `RateLimit` as
 * `"name";r=<remaining>;t=<seconds until more quota is made available>` (draft 10
 * wording); `Retry-After` (RFC 9110, delay-seconds) is set when the request was rejected,
 * and then equals the `t` of the rule that rejected it for longest. Seconds are rounded up
 * so a client that waits them is never early.
 *
 * `w` is the rule's horizon (see {@link ruleHorizonMs}), so `t ≤ w` holds for every
 * algorithm by construction, and Retry-After never lies: for fixed-window and
 * sliding-window-log it is the window; for token-bucket and GCRA `q`/`w` describe the
 * bucket (`burst`, time to refill it); for sliding-window-counter it is the window plus
 * one request's share of it (`⌈(W + W × cost / L) / 1000⌉`, e.g. `w=61` for 600 per 60 s
 * and cost 1), since a rejection right after a window edge must wait that long. Pass the
 * request's `cost` when it is not 1. The exceptions are both configured by you: while a
 * `blockDurationMs` longer than the horizon is in force, `t` (and Retry-After) is that
 * block; a `failurePolicy: 'closed'` rejection while the store is down waits for the
 * circuit's break (`breakDurationMs`).
 */
export function rateLimitHeaders(
  decision: RateLimitDecision,
  options?: RateLimitHeadersOptions,
): RateLimitHeaders {
  const cost = options?.cost ?? 1;
  let policy = '';
  let state = '';
  for (const rule of decision.rules) {
    if (policy !== '') {
      policy += ', ';
      state += ', ';
    }
    policy += `"${rule.name}";q=${rule.burst};w=${Math.max(1, seconds(ruleHorizonMs(rule, cost)))}`;
    // A rejecting rule's resetMs is its retryAfterMs, so its t matches Retry-After.
    state += `"${rule.name}";r=${Math.max(0, rule.remaining)};t=${seconds(rule.resetMs)}`;
  }
  const headers: RateLimitHeaders = { 'RateLimit-Policy': policy, RateLimit: state };
  if (!decision.allowed)
    headers['Retry-After'] = String(Math.max(1, seconds(decision.retryAfterMs)));
  return headers;
}
