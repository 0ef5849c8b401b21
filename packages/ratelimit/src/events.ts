import { channel } from 'node:diagnostics_channel';
import type { FailurePolicy } from './options.js';

/** Payloads of the events a rate limiter emits, by name. Low rate: state changes only. */
export interface RateLimiterEventMap {
  /** A store call failed or missed its deadline (`error` is a `StoreError` or `TimeoutError`). */
  'store:error': { error: Error };
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

type Listener<E extends RateLimiterEventName> = (payload: RateLimiterEventMap[E]) => void;

/** A small typed emitter; a throwing listener is isolated from the others. */
export class RateLimiterEvents {
  readonly #listeners = new Map<RateLimiterEventName, Set<Listener<RateLimiterEventName>>>();

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends RateLimiterEventName>(name: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener<RateLimiterEventName>);
    return () => this.off(name, listener);
  }

  /** Unsubscribes. */
  off<E extends RateLimiterEventName>(name: E, listener: Listener<E>): void {
    this.#listeners.get(name)?.delete(listener as Listener<RateLimiterEventName>);
  }

  /** Delivers `payload` to the listeners of `name`. */
  emit<E extends RateLimiterEventName>(name: E, payload: RateLimiterEventMap[E]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as Listener<E>)(payload);
      } catch {
        // A listener's failure must not break the limiter or the other listeners.
      }
    }
  }
}

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
