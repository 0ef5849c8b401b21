import { channel } from 'node:diagnostics_channel';
import { TypedEmitter } from '@cachestack/core/kit';
import type { FailurePolicy } from './options.js';

/** Payloads of the events a rate limiter emits, by name. Low rate: state changes only. */
export interface RateLimiterEventMap {
  /**
   * A store call failed or missed its deadline (`error` is a `StoreError`, `TimeoutError` or
   * `CircuitOpenError`); `operation` is the store method (`apply`).
   */
  'store:error': { operation: string; error: Error };
  /** The limiter started answering from its failure policy (first fallback after health). */
  degraded: { policy: FailurePolicy; error: Error };
  /** A store call succeeded again after fallbacks; `fallbacks` were answered meanwhile. */
  recovered: { fallbacks: number; downMs: number };
  /** The circuit breaker opened. */
  'circuit:open': { failures: number; openUntil: number };
  /** The circuit breaker lets one probe through. */
  'circuit:half-open': Record<string, never>;
  /** The circuit breaker closed. */
  'circuit:close': Record<string, never>;
}

/** Names of the rate limiter events. */
export type RateLimiterEventName = keyof RateLimiterEventMap;

/**
 * The limiter's typed events (core's kit `TypedEmitter`: `has(name)` guards payloads, a
 * throwing listener never breaks the limiter). Names follow docs/events.md.
 */
export class RateLimiterEvents extends TypedEmitter<RateLimiterEventMap> {}

/**
 * `node:diagnostics_channel` channels, published only when they have subscribers:
 * `cachestack:ratelimit:decision` ({ key, decision }) for every check,
 * `cachestack:ratelimit:fallback` ({ key, policy, error }) for every fallback answer,
 * `cachestack:ratelimit:circuit` ({ state, failures, openUntil }) on breaker changes,
 * `cachestack:ratelimit:store-error` ({ error }) on every failed store call.
 */
export const rateLimitChannels = {
  decision: channel('cachestack:ratelimit:decision'),
  fallback: channel('cachestack:ratelimit:fallback'),
  circuit: channel('cachestack:ratelimit:circuit'),
  storeError: channel('cachestack:ratelimit:store-error'),
} as const;
