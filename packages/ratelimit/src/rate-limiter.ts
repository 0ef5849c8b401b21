import {
  CircuitBreaker,
  CircuitOpenError,
  type CircuitState,
  type Clock,
  ClosedError,
  InvalidOptionError,
  StoreError,
  systemClock,
  TimeoutError,
  withDeadline,
} from '@cachestack/core';
import { clockFromNow } from '@cachestack/core/kit';
import type { Evaluation } from './algorithms.js';
import { BlockCache } from './block-cache.js';
import { SingleRuleDecision, syntheticDecision, toDecision } from './decision.js';
import { RateLimiterEvents, rateLimitChannels } from './events.js';
import { MemoryStore } from './memory-store.js';
import type {
  CheckOptions,
  CheckRequest,
  FailurePolicy,
  RateLimiterOptions,
  RateLimiterStats,
  WaitOptions,
} from './options.js';
import { assertCost, assertRateLimitKey, resolveRules } from './rules.js';
import type {
  RateLimitDecision,
  RateLimitStore,
  ResolvedRule,
  StoreAnswer,
  StoreOp,
  StoreRequest,
} from './types.js';
import { sleep } from './wait.js';

/**
 * A rate limiter over one or more rules (a compound limit), on a memory or remote store.
 * Create it with {@link createRateLimiter}.
 */
export class RateLimiter {
  /** Lifecycle events (low rate). */
  readonly events = new RateLimiterEvents();
  /** The validated rules. */
  readonly rules: readonly ResolvedRule[];
  /** The failure policy (remote stores). */
  readonly failurePolicy: FailurePolicy | undefined;
  readonly #store: RateLimitStore;
  readonly #sync: MemoryStore | undefined;
  /** The single unmapped rule on a memory store: the allocation-light fast path. */
  readonly #fast: ResolvedRule | undefined;
  readonly #local: MemoryStore | undefined;
  readonly #now: () => number;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #breaker: CircuitBreaker;
  readonly #breakMs: number;
  #openUntil = 0;
  readonly #blocked: BlockCache;
  readonly #maxCost: number;
  readonly #mapped: boolean;
  readonly #stats = {
    checks: 0,
    allowed: 0,
    rejected: 0,
    blockCacheHits: 0,
    fallbacks: 0,
    storeErrors: 0,
    timeouts: 0,
  };
  #degradedSince = -1;
  #degradedCount = 0;
  #closed = false;
  readonly #ownsStore: boolean;
  readonly #stopResets: (() => void) | undefined;

  constructor(options: RateLimiterOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('options', 'must be an object');
    }
    const single = options.limit !== undefined || options.windowMs !== undefined;
    if (options.rules !== undefined && single) {
      throw new InvalidOptionError('rules', 'give either rules or limit/windowMs, not both');
    }
    this.rules = resolveRules(
      options.rules ?? [
        {
          name: options.name,
          algorithm: options.algorithm,
          limit: options.limit as number,
          windowMs: options.windowMs as number,
          blockDurationMs: options.blockDurationMs,
          burst: options.burst,
          anchor: options.anchor,
        },
      ],
    );
    this.#maxCost = Math.min(...this.rules.map((r) => r.burst));
    this.#mapped = this.rules.some((r) => r.key !== undefined);
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (options.clock === undefined ? Date.now : () => this.#clock.now());
    this.#ownsStore = options.store === undefined;
    this.#store = options.store ?? new MemoryStore({ now: this.#now });
    this.#sync = this.#store instanceof MemoryStore ? this.#store : undefined;
    this.#fast =
      this.#sync !== undefined && this.rules.length === 1 && !this.#mapped
        ? this.rules[0]
        : undefined;
    const remote = this.#store.kind === 'remote';
    const policy = options.failurePolicy;
    if (remote && policy === undefined) {
      throw new InvalidOptionError(
        'failurePolicy',
        "required with a remote store: 'open', 'closed' or 'local'",
      );
    }
    if (policy !== undefined && policy !== 'open' && policy !== 'closed' && policy !== 'local') {
      throw new InvalidOptionError(
        'failurePolicy',
        `must be 'open', 'closed' or 'local', got ${String(policy)}`,
      );
    }
    this.failurePolicy = policy;
    this.#local =
      policy === 'local' ? (options.localStore ?? new MemoryStore({ now: this.#now })) : undefined;
    this.#timeoutMs = nonNegative('timeoutMs', options.timeoutMs ?? 100);
    this.#blocked = new BlockCache(
      nonNegative('blockCacheMaxKeys', options.blockCacheMaxKeys ?? 10_000),
    );
    // Resets by any process (or another limiter on the store) reach the block cache at once.
    this.#stopResets =
      remote && options.blockCacheMaxKeys !== 0 && this.#store.onReset !== undefined
        ? this.#store.onReset((keys) => this.#blocked.invalidate(this.#mapped ? undefined : keys))
        : undefined;
    this.#breakMs = nonNegative('breakDurationMs', options.breakDurationMs ?? 2000) || 1;
    this.#breaker = new CircuitBreaker({
      failureThreshold: nonNegative('failureThreshold', options.failureThreshold ?? 5) || 1,
      breakDurationMs: this.#breakMs,
      clock: options.now === undefined ? this.#clock : clockFromNow(options.now),
      onStateChange: (state, failures, openUntil) => {
        this.#openUntil = openUntil;
        if (state === 'open') this.events.emit('circuit:open', { failures, openUntil });
        else if (state === 'half-open') this.events.emit('circuit:half-open', {});
        else this.events.emit('circuit:close', {});
        if (rateLimitChannels.circuit.hasSubscribers) {
          rateLimitChannels.circuit.publish({ state, failures, openUntil });
        }
      },
    });
  }

  /** Consumes `cost` units of `key` under every rule, atomically: all rules admit or none consumes. */
  check(key: string, options?: CheckOptions): Promise<RateLimitDecision> {
    const cost = options === undefined || options.cost === undefined ? 1 : options.cost;
    if (this.#fast !== undefined) return this.#runFast(this.#fast, key, cost, false);
    return this.#run('check', key, cost);
  }

  /** The decision `check` would make now, without consuming anything. */
  peek(key: string, options?: CheckOptions): Promise<RateLimitDecision> {
    const cost = options === undefined || options.cost === undefined ? 1 : options.cost;
    if (this.#fast !== undefined) return this.#runFast(this.#fast, key, cost, true);
    return this.#run('peek', key, cost);
  }

  #runFast(
    rule: ResolvedRule,
    key: string,
    cost: number,
    peek: boolean,
  ): Promise<RateLimitDecision> {
    const started = rateLimitChannels.decision.hasSubscribers ? this.#clock.monotonic() : -1;
    let e: Evaluation;
    try {
      if (this.#closed) throw new ClosedError('rate limiter');
      if (typeof key !== 'string' || key.length === 0 || key.length > 1024) assertRateLimitKey(key);
      if (!Number.isSafeInteger(cost) || cost > this.#maxCost) assertCost(cost, this.#maxCost);
      e = this.#sync!.decideOne(rule, key, cost, peek);
    } catch (error) {
      return Promise.reject(error);
    }
    const decision = new SingleRuleDecision(
      rule,
      e.allowed,
      e.remaining,
      e.resetMs,
      e.retryAfterMs,
      'store',
    );
    return Promise.resolve(peek ? decision : this.#count(key, 'check', decision, started));
  }

  /**
   * Waits until `key` is admitted, then consumes `cost` (like `check`) and resolves the
   * admitting decision. Resolves the rejected decision at once when the next admission
   * is further away than what is left of `maxWaitMs`; rejects with the signal's reason
   * when `signal` aborts. Sleeps on the limiter's clock, never polls faster than the
   * store's `retryAfterMs`.
   */
  async waitUntilAllowed(key: string, options: WaitOptions = {}): Promise<RateLimitDecision> {
    const maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY;
    if (typeof maxWaitMs !== 'number' || Number.isNaN(maxWaitMs) || maxWaitMs < 0) {
      throw new InvalidOptionError('maxWaitMs', `must be a number >= 0, got ${String(maxWaitMs)}`);
    }
    const signal = options.signal;
    const check = options.cost === undefined ? undefined : { cost: options.cost };
    const started = this.#clock.monotonic();
    for (;;) {
      signal?.throwIfAborted();
      const decision = await this.check(key, check);
      if (decision.allowed) return decision;
      const waited = this.#clock.monotonic() - started;
      if (waited + decision.retryAfterMs > maxWaitMs) return decision;
      await sleep(this.#clock, decision.retryAfterMs, signal);
    }
  }

  /** Forgets `key`'s state under every rule. Store failures throw (no fallback). */
  async reset(key: string): Promise<void> {
    const request = this.#request('reset', key, 0);
    // A rejection decided before this reset must not block the key once it is answered.
    this.#blocked.invalidate(this.#mapped ? undefined : [key]);
    this.#local?.applySync(request);
    if (this.#sync !== undefined) {
      this.#sync.applySync(request);
      return;
    }
    await this.#remote([request]);
  }

  /** Checks several keys in one store round trip; each entry is atomic on its own. */
  async checkMany(requests: readonly CheckRequest[]): Promise<RateLimitDecision[]> {
    if (!Array.isArray(requests)) throw new InvalidOptionError('requests', 'must be an array');
    return Promise.all(requests.map((r) => this.check(r.key, r)));
  }

  /** Counters since creation. */
  stats(): RateLimiterStats {
    return { ...this.#stats, circuit: this.#breaker.state };
  }

  /** Circuit breaker state. */
  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  #request(op: StoreOp, key: string, cost: number): StoreRequest {
    if (this.#closed) throw new ClosedError('rate limiter');
    assertRateLimitKey(key);
    if (op !== 'reset') assertCost(cost, this.#maxCost);
    let keys: string[];
    if (!this.#mapped) {
      keys = this.rules.length === 1 ? [key] : this.rules.map(() => key);
    } else {
      keys = this.rules.map((r) => {
        const mapped = r.key === undefined ? key : r.key(key);
        assertRateLimitKey(mapped);
        return mapped;
      });
    }
    return { op, cost, rules: this.rules, keys };
  }

  #run(op: StoreOp, key: string, cost: number): Promise<RateLimitDecision> {
    const started = rateLimitChannels.decision.hasSubscribers ? this.#clock.monotonic() : -1;
    let request: StoreRequest;
    try {
      request = this.#request(op, key, cost);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#sync !== undefined) {
      let answer: StoreAnswer;
      try {
        answer = this.#sync.applySync(request);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(
        this.#count(key, op, toDecision(this.rules, answer, 'store'), started),
      );
    }
    const generation = this.#blocked.generation;
    if (op === 'check' && cost > 0) {
      const wait = this.#blocked.waitMs(key, this.#now());
      if (wait > 0) {
        this.#stats.blockCacheHits++;
        return Promise.resolve(
          this.#count(key, op, syntheticDecision(this.rules, false, wait, 'block-cache'), started),
        );
      }
    }
    return this.#remoteOne(request).then(
      (answer) => {
        const decision = toDecision(this.rules, answer, 'store');
        if (op === 'check') {
          if (!decision.allowed && cost === 1) {
            this.#blocked.block(key, this.#now() + decision.retryAfterMs, generation);
          } else if (cost < 0) this.#blocked.delete(key);
        }
        return this.#count(key, op, decision, started);
      },
      (error: Error) => this.#count(key, op, this.#fallback(key, request, error), started),
    );
  }

  /** One request to the remote store, through the breaker and the deadline. */
  #remoteOne(request: StoreRequest): Promise<StoreAnswer> {
    const store = this.#store;
    if (store.applyOne === undefined || store.deadlines !== true) {
      return this.#remote([request]).then((answers) => answers[0]!);
    }
    if (!this.#breaker.allow()) return Promise.reject(new CircuitOpenError());
    return store.applyOne(request, this.#timeoutMs).then(this.#onAnswer, this.#onError);
  }

  #remote(requests: StoreRequest[]): Promise<StoreAnswer[]> {
    if (!this.#breaker.allow()) return Promise.reject(new CircuitOpenError());
    const store = this.#store;
    const ms = this.#timeoutMs;
    let call: Promise<StoreAnswer[]>;
    if (requests.length === 1 && store.applyOne !== undefined) {
      call = store.applyOne(requests[0]!, ms).then((answer) => [answer]);
    } else {
      call = store.apply(requests, ms);
    }
    return (store.deadlines === true ? call : withDeadline(call, ms, 'rate limit store')).then(
      this.#onAnswer,
      this.#onError,
    );
  }

  readonly #onAnswer = <T>(answers: T): T => {
    this.#breaker.success();
    if (this.#degradedSince >= 0) {
      this.events.emit('recovered', {
        fallbacks: this.#degradedCount,
        downMs: this.#now() - this.#degradedSince,
      });
      this.#degradedSince = -1;
      this.#degradedCount = 0;
    }
    return answers;
  };

  readonly #onError = (error: unknown): never => {
    const err = error instanceof Error ? error : new StoreError(String(error));
    this.#stats.storeErrors++;
    if (err instanceof TimeoutError) this.#stats.timeouts++;
    this.#breaker.failure();
    this.events.emit('store:error', { operation: 'apply', error: err });
    if (rateLimitChannels.storeError.hasSubscribers)
      rateLimitChannels.storeError.publish({ error: err });
    throw err;
  };

  #fallback(key: string, request: StoreRequest, error: Error): RateLimitDecision {
    const policy = this.failurePolicy!;
    this.#stats.fallbacks++;
    if (this.#degradedSince < 0) {
      this.#degradedSince = this.#now();
      this.events.emit('degraded', { policy, error });
    }
    this.#degradedCount++;
    if (rateLimitChannels.fallback.hasSubscribers) {
      rateLimitChannels.fallback.publish({ key, policy, error });
    }
    if (policy === 'local') {
      return toDecision(this.rules, this.#local!.applySync(request), 'fallback-local');
    }
    if (policy === 'open' || request.cost <= 0) {
      return syntheticDecision(this.rules, true, 0, 'fallback-open');
    }
    const now = this.#now();
    const openUntil = this.#openUntil;
    const wait = openUntil > now ? openUntil - now : this.#breakMs;
    return syntheticDecision(this.rules, false, wait, 'fallback-closed');
  }

  /** Counts a decision; `started` is the check's start on the limiter's clock (-1: unknown). */
  #count(
    key: string,
    op: StoreOp,
    decision: RateLimitDecision,
    started: number,
  ): RateLimitDecision {
    if (op === 'check') {
      this.#stats.checks++;
      if (decision.allowed) this.#stats.allowed++;
      else this.#stats.rejected++;
      if (rateLimitChannels.decision.hasSubscribers) {
        const durationMs = started < 0 ? 0 : this.#clock.monotonic() - started;
        rateLimitChannels.decision.publish({ key, decision, durationMs });
      }
    }
    return decision;
  }

  /** Closes the limiter (idempotent) and its default stores; later calls throw `ClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopResets?.();
    this.#blocked.clear();
    await this.#local?.close();
    if (this.#ownsStore) await this.#store.close();
  }

  /** Same as {@link RateLimiter.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates a {@link RateLimiter}; validates every option once, with typed errors. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  return new RateLimiter(options);
}

function nonNegative(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(option, `must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}
