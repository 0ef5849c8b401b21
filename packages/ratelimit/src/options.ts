import type { CircuitState, Clock } from '@cachestack/core';
import type { MemoryStore } from './memory-store.js';
import type { Algorithm, RateLimitStore, RuleOptions } from './types.js';

/**
 * What a limiter answers when its remote store cannot (error, deadline, open circuit):
 * `'open'` admits, `'closed'` rejects until the circuit's next probe, `'local'` decides
 * with an in-process memory limiter (each process then enforces the limit on its own).
 */
export type FailurePolicy = 'open' | 'closed' | 'local';

/** Options of {@link createRateLimiter}. Give either `limit`/`windowMs` or `rules`. */
export interface RateLimiterOptions {
  /**
   * Algorithm of the single rule. `'sliding-window'` means `'sliding-window-counter'`.
   * @defaultValue `'fixed-window'`
   */
  readonly algorithm?: Algorithm | 'sliding-window';
  /** Units per window of the single rule. */
  readonly limit?: number;
  /** Window of the single rule, in ms. */
  readonly windowMs?: number;
  /**
   * Name of the single rule (key part and header policy name).
   * @defaultValue `'default'`
   */
  readonly name?: string;
  /**
   * Block a key this long after a rejection (single rule).
   * @defaultValue `0`
   */
  readonly blockDurationMs?: number;
  /**
   * Token-bucket and GCRA: units that may be spent at once, refilled at `limit` per
   * `windowMs` (single rule).
   * @defaultValue `limit`
   */
  readonly burst?: number;
  /**
   * Fixed-window: `'first-request'` starts a key's window at its first admitted request
   * (rate-limiter-flexible semantics) instead of on multiples of `windowMs` (single rule).
   * @defaultValue `'epoch'`
   */
  readonly anchor?: 'epoch' | 'first-request';
  /** Several rules checked atomically as one (compound limit); replaces the single-rule fields. */
  readonly rules?: readonly RuleOptions[];
  /**
   * Where states live.
   * @defaultValue a new `MemoryStore` using `now`
   */
  readonly store?: RateLimitStore;
  /** Required with a remote store: the answer when it fails. */
  readonly failurePolicy?: FailurePolicy;
  /**
   * Deadline of one remote call, in ms.
   * @defaultValue `100`
   */
  readonly timeoutMs?: number;
  /**
   * Consecutive remote failures that open the circuit.
   * @defaultValue `5`
   */
  readonly failureThreshold?: number;
  /**
   * How long an open circuit skips the store before one probe, in ms.
   * @defaultValue `2000`
   */
  readonly breakDurationMs?: number;
  /**
   * Local cache of keys over their limit (remote stores), answering them until their
   * retry time without a round trip; `0` disables. Its size bound, in keys.
   * @defaultValue `10_000`
   */
  readonly blockCacheMaxKeys?: number;
  /**
   * Memory store of the `'local'` policy.
   * @defaultValue a new `MemoryStore` using `now`
   */
  readonly localStore?: MemoryStore;
  /**
   * Clock (ms) of the memory stores created by default, the block cache and the breaker.
   * @defaultValue `Date.now`
   */
  readonly now?: () => number;
  /**
   * Clock of {@link RateLimiter.waitUntilAllowed}'s timers (and of time, when `now` is
   * not given).
   * @defaultValue `systemClock` from `@cachestack/core`
   */
  readonly clock?: Clock;
}

/** Per-call options of `check` and `peek`. */
export interface CheckOptions {
  /**
   * Units to consume; negative refunds, 0 inspects.
   * @defaultValue `1`
   */
  readonly cost?: number;
}

/** Options of `waitUntilAllowed`. */
export interface WaitOptions extends CheckOptions {
  /** Aborting rejects the wait with the signal's reason; nothing is consumed then. */
  readonly signal?: AbortSignal;
  /**
   * Longest total wait, in ms. When the next admission is further away than what is left
   * of it, the rejected decision is returned at once instead of sleeping in vain.
   * @defaultValue `Infinity`
   */
  readonly maxWaitMs?: number;
}

/** One entry of `checkMany`. */
export interface CheckRequest extends CheckOptions {
  /** The key to check. */
  readonly key: string;
}

/** Counters of a limiter since it was created. */
export interface RateLimiterStats {
  checks: number;
  allowed: number;
  rejected: number;
  /** Rejections answered by the local block cache, without the store. */
  blockCacheHits: number;
  /** Answers given by the failure policy. */
  fallbacks: number;
  /** Failed store calls (errors and missed deadlines). */
  storeErrors: number;
  /** Of which missed deadlines. */
  timeouts: number;
  /** Circuit breaker state. */
  circuit: CircuitState;
}
