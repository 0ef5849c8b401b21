import { InvalidOptionError } from '@cachestack/core';
import type { FailurePolicy } from '../options.js';
import { createRateLimiter, type RateLimiter } from '../rate-limiter.js';
import type { RateLimitDecision, RateLimitStore } from '../types.js';

/** Options of the stores for express-rate-limit and @fastify/rate-limit. */
export interface CounterStoreOptions {
  /**
   * Where counts live: a `RedisStore` shares them between processes.
   * @defaultValue a new in-process `MemoryStore`
   */
  readonly store?: RateLimitStore;
  /** Required with a remote store: what a count is when the store fails (see `FailurePolicy`). */
  readonly failurePolicy?: FailurePolicy;
  /**
   * Deadline of one store call, in ms.
   * @defaultValue `100`
   */
  readonly timeoutMs?: number;
}

/** Count of one key in its current window. */
export interface WindowCount {
  /** Hits in the window, this one included. */
  readonly hits: number;
  /** Ms until the window ends. */
  readonly resetMs: number;
}

/**
 * Counts hits per key in fixed windows, without a limit of its own: the frameworks'
 * limiters compare the count with their `limit`/`max` themselves. One fixed-window
 * limiter per window length, with a limit so large it never rejects, on a shared store.
 */
export class WindowCounter {
  readonly #options: CounterStoreOptions;
  readonly #byWindow = new Map<number, RateLimiter>();
  readonly #store: RateLimitStore | undefined;

  constructor(options: CounterStoreOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('options', 'must be an object');
    }
    this.#options = options;
    this.#store = options.store;
  }

  /** Whether the counts are in this process only. */
  get local(): boolean {
    return this.#store === undefined || this.#store.kind === 'memory';
  }

  /** Adds `cost` hits (negative removes) to `key`'s window of `windowMs`. */
  async add(key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    const limiter = this.#limiter(windowMs);
    return toCount(limiter, await limiter.check(key, { cost }));
  }

  /** The count of `key`'s window of `windowMs`, unchanged. */
  async read(key: string, windowMs: number): Promise<WindowCount> {
    const limiter = this.#limiter(windowMs);
    return toCount(limiter, await limiter.peek(key, { cost: 0 }));
  }

  /** Forgets `key` in every window length used so far. */
  async reset(key: string): Promise<void> {
    await Promise.all([...this.#byWindow.values()].map((limiter) => limiter.reset(key)));
  }

  /** Closes the limiters (and a store this counter created). Idempotent. */
  async close(): Promise<void> {
    const limiters = [...this.#byWindow.values()];
    this.#byWindow.clear();
    await Promise.all(limiters.map((limiter) => limiter.close()));
  }

  #limiter(windowMs: number): RateLimiter {
    let limiter = this.#byWindow.get(windowMs);
    if (limiter !== undefined) return limiter;
    if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
      throw new InvalidOptionError('windowMs', `must be a positive integer, got ${windowMs}`);
    }
    const { store, failurePolicy, timeoutMs } = this.#options;
    limiter = createRateLimiter({
      name: `w${windowMs}`,
      algorithm: 'fixed-window',
      // The largest limit the rule checks accept: a count, never a rejection.
      limit: Math.floor(Number.MAX_SAFE_INTEGER / (4 * windowMs)),
      windowMs,
      blockCacheMaxKeys: 0,
      ...(store === undefined ? {} : { store }),
      ...(failurePolicy === undefined ? {} : { failurePolicy }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    this.#byWindow.set(windowMs, limiter);
    return limiter;
  }
}

function toCount(limiter: RateLimiter, decision: RateLimitDecision): WindowCount {
  const rule = limiter.rules[0]!;
  // A closed fallback admits nothing: report the count as over any limit.
  const hits = decision.allowed ? rule.limit - decision.remaining : rule.limit;
  return { hits, resetMs: decision.allowed ? decision.resetMs : decision.retryAfterMs };
}
