import type { CircuitState } from '@cachestack/core';
import { InvalidOptionError } from '@cachestack/core';
import { MemoryStore } from './memory-store.js';
import type { RateLimiterOptions } from './options.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { RedisStore } from './redis-store.js';
import type { Algorithm, RateLimitDecision, RateLimitStore } from './types.js';

/** Options of {@link RateLimitingCacheAdapter}: limiter options without the rule fields. */
export interface RateLimitingAdapterOptions
  extends Omit<RateLimiterOptions, 'limit' | 'windowMs' | 'rules' | 'name' | 'store'> {
  /**
   * The store shared by every (limit, window) pair.
   * @defaultValue a new `MemoryStore`
   */
  readonly store?: RateLimitStore;
  /**
   * Algorithm of the limits created on the fly.
   * @defaultValue `'sliding-window-counter'`
   */
  readonly algorithm?: Algorithm | 'sliding-window';
  /**
   * Most distinct (limit, window) pairs kept as limiters.
   * @defaultValue `1000`
   */
  readonly maxLimiters?: number;
}

/** A seed-style result: the decision plus the absolute reset time. */
export interface RateLimitResult extends RateLimitDecision {
  /** Epoch ms when more quota is made available (`Date.now() + resetMs`). */
  readonly resetAt: number;
}

/** One entry of {@link RateLimitingCacheAdapter.checkMultipleRateLimits}. */
export interface RateLimitCheck {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
  /** @defaultValue `1` */
  readonly cost?: number;
}

/** Counters summed over every limiter of the adapter. */
export interface RateLimitingStats {
  checks: number;
  allowed: number;
  rejected: number;
  blockCacheHits: number;
  fallbacks: number;
  storeErrors: number;
  timeouts: number;
  /** Distinct (limit, window) pairs in use. */
  limiters: number;
  /** Script calls and requests they carried (Redis store). */
  batches: number;
  batchedRequests: number;
}

/** Health of the adapter. */
export interface RateLimitingHealth {
  /** `healthy`: store answers; `degraded`: failing over to the policy; `down`: no answer and no fallback. */
  status: 'healthy' | 'degraded' | 'down';
  store: 'memory' | 'remote';
  /** Worst circuit state among the limiters. */
  circuit: CircuitState;
  /** Round trip of a probe peek, in ms (undefined when it failed). */
  latencyMs: number | undefined;
}

/**
 * The seed interface (`checkRateLimit(key, limit, windowMs)` and friends) over
 * {@link RateLimiter}s: one limiter per distinct (limit, window), all on one store.
 */
export class RateLimitingCacheAdapter {
  readonly #options: RateLimitingAdapterOptions;
  readonly #store: RateLimitStore;
  readonly #limiters = new Map<string, RateLimiter>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: RateLimitingAdapterOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#store = options.store ?? new MemoryStore({ now: this.#now });
    this.#max = options.maxLimiters ?? 1000;
    if (!Number.isSafeInteger(this.#max) || this.#max < 1) {
      throw new InvalidOptionError('maxLimiters', `must be a positive integer, got ${this.#max}`);
    }
    if (this.#store.kind === 'remote' && options.failurePolicy === undefined) {
      throw new InvalidOptionError(
        'failurePolicy',
        "required with a remote store: 'open', 'closed' or 'local'",
      );
    }
  }

  #limiter(limit: number, windowMs: number): RateLimiter {
    const id = `${limit}:${windowMs}`;
    let limiter = this.#limiters.get(id);
    if (limiter === undefined) {
      const { maxLimiters: _, ...rest } = this.#options;
      limiter = createRateLimiter({
        ...rest,
        algorithm: this.#options.algorithm ?? 'sliding-window-counter',
        store: this.#store,
        limit,
        windowMs,
        name: `l${limit}w${windowMs}`,
      });
      if (this.#limiters.size >= this.#max) {
        const oldest = this.#limiters.keys().next();
        if (oldest.done !== true) this.#limiters.delete(oldest.value);
      }
      this.#limiters.set(id, limiter);
    }
    return limiter;
  }

  /** Consumes one unit (or `cost`) of `key` under `limit` per `windowMs`. */
  async checkRateLimit(
    key: string,
    limit: number,
    windowMs: number,
    cost = 1,
  ): Promise<RateLimitResult> {
    const d = await this.#limiter(limit, windowMs).check(key, { cost });
    return {
      allowed: d.allowed,
      limit: d.limit,
      remaining: d.remaining,
      resetMs: d.resetMs,
      retryAfterMs: d.retryAfterMs,
      rules: d.rules,
      source: d.source,
      resetAt: this.#now() + d.resetMs,
    };
  }

  /**
   * Forgets `key` under `limit`/`windowMs`; without them, under every (limit, window)
   * pair any process ever used on the store (the memory and Redis stores know them all;
   * a custom store without `resetKey` only gets the pairs this adapter used). Every
   * limiter's local block cache, in every process, forgets the key at once.
   */
  async resetRateLimit(key: string, limit?: number, windowMs?: number): Promise<void> {
    if (limit !== undefined && windowMs !== undefined) {
      await this.#limiter(limit, windowMs).reset(key);
      return;
    }
    if (limit !== undefined || windowMs !== undefined) {
      throw new InvalidOptionError('resetRateLimit', 'give both limit and windowMs, or neither');
    }
    const own = [...this.#limiters.values()].map((l) => l.reset(key));
    if (this.#store.resetKey !== undefined) own.push(this.#store.resetKey(key));
    await Promise.all(own);
  }

  /** Checks many (key, limit, window) entries; on Redis they travel in one script call. */
  checkMultipleRateLimits(checks: readonly RateLimitCheck[]): Promise<RateLimitResult[]> {
    return Promise.all(
      checks.map((c) => this.checkRateLimit(c.key, c.limit, c.windowMs, c.cost ?? 1)),
    );
  }

  /**
   * Prepares keys without consuming: loads the script into Redis and warms the
   * connection by peeking each key once. Resolves the number of keys warmed.
   */
  async warmupRateLimitKeys(
    keys: readonly string[],
    limit: number,
    windowMs: number,
  ): Promise<number> {
    const limiter = this.#limiter(limit, windowMs);
    await Promise.all(keys.map((k) => limiter.peek(k)));
    return keys.length;
  }

  /** Counters summed over every limiter. */
  getRateLimitingStats(): RateLimitingStats {
    const stats: RateLimitingStats = {
      checks: 0,
      allowed: 0,
      rejected: 0,
      blockCacheHits: 0,
      fallbacks: 0,
      storeErrors: 0,
      timeouts: 0,
      limiters: this.#limiters.size,
      batches: 0,
      batchedRequests: 0,
    };
    for (const limiter of this.#limiters.values()) {
      const s = limiter.stats();
      stats.checks += s.checks;
      stats.allowed += s.allowed;
      stats.rejected += s.rejected;
      stats.blockCacheHits += s.blockCacheHits;
      stats.fallbacks += s.fallbacks;
      stats.storeErrors += s.storeErrors;
      stats.timeouts += s.timeouts;
    }
    if (this.#store instanceof RedisStore) {
      const b = this.#store.batchStats;
      stats.batches = b.batches;
      stats.batchedRequests = b.requests;
    }
    return stats;
  }

  /** Probes the store with a peek and reports its state. */
  async getHealth(): Promise<RateLimitingHealth> {
    const limiters = [...this.#limiters.values()];
    const order: CircuitState[] = ['closed', 'half-open', 'open'];
    let circuit: CircuitState = 'closed';
    for (const l of limiters)
      if (order.indexOf(l.circuit) > order.indexOf(circuit)) circuit = l.circuit;
    const probe = this.#limiter(1, 1000);
    const t0 = performance.now();
    const decision = await probe.peek('__cachestack_health__');
    const ok = decision.source === 'store';
    return {
      status:
        ok && circuit === 'closed'
          ? 'healthy'
          : ok || this.#options.failurePolicy !== undefined
            ? 'degraded'
            : 'down',
      store: this.#store.kind,
      circuit,
      latencyMs: ok ? performance.now() - t0 : undefined,
    };
  }

  /** Stats plus derived ratios, for dashboards. */
  getMetrics(): RateLimitingStats & {
    rejectRatio: number;
    blockCacheRatio: number;
    averageBatchSize: number;
  } {
    const s = this.getRateLimitingStats();
    return {
      ...s,
      rejectRatio: s.checks === 0 ? 0 : s.rejected / s.checks,
      blockCacheRatio: s.checks === 0 ? 0 : s.blockCacheHits / s.checks,
      averageBatchSize: s.batches === 0 ? 0 : s.batchedRequests / s.batches,
    };
  }

  /** Closes every limiter and the store (idempotent). */
  async close(): Promise<void> {
    await Promise.all([...this.#limiters.values()].map((l) => l.close()));
    await this.#store.close();
  }
}

/** The seed's name for {@link RateLimitingCacheAdapter}. */
export const OptimizedRedisRateLimit = RateLimitingCacheAdapter;
/** The seed's name for {@link RateLimitingCacheAdapter}. */
export type OptimizedRedisRateLimit = RateLimitingCacheAdapter;
