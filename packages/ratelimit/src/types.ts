/** The algorithms a rule can use. */
export type Algorithm =
  | 'fixed-window'
  | 'sliding-window-log'
  | 'sliding-window-counter'
  | 'token-bucket'
  | 'gcra';

/** One limit: at most `limit` units per `windowMs`, by `algorithm`. */
export interface RuleOptions {
  /**
   * Name of the rule: part of the stored key and the policy name in the `RateLimit`
   * headers. Must be unique within a limiter.
   * @defaultValue `'default'`
   */
  readonly name?: string;
  /**
   * The algorithm. `'sliding-window'` is an alias of `'sliding-window-counter'`.
   * @defaultValue `'fixed-window'`
   */
  readonly algorithm?: Algorithm | 'sliding-window';
  /** Units admitted per window (the bucket capacity for token-bucket and GCRA). */
  readonly limit: number;
  /** The window, in milliseconds (the time to refill a whole bucket for token-bucket and GCRA). */
  readonly windowMs: number;
  /**
   * After a rejection, keep rejecting the key for this long (rate-limiter-flexible's
   * `blockDuration`). 0 disables.
   * @defaultValue `0`
   */
  readonly blockDurationMs?: number;
  /**
   * Token-bucket and GCRA only: units that may be spent at once (the bucket capacity),
   * refilled at `limit` per `windowMs`. Other algorithms reject it.
   * @defaultValue `limit`
   */
  readonly burst?: number;
  /**
   * Fixed-window only: `'epoch'` aligns windows on multiples of `windowMs` (every key
   * shares the same edges); `'first-request'` starts a key's window at its first admitted
   * request, as rate-limiter-flexible does. Other algorithms reject `'first-request'`.
   * @defaultValue `'epoch'`
   */
  readonly anchor?: 'epoch' | 'first-request';
  /**
   * Maps the checked key to the key this rule counts on, e.g. `() => 'global'` for a
   * limit shared by every caller. On Redis Cluster the mapped keys of one compound check
   * must share a hash tag (see README).
   * @defaultValue the checked key
   */
  readonly key?: (key: string) => string;
}

/** A validated rule as the stores see it. */
export interface ResolvedRule {
  readonly name: string;
  /** Storage id: name plus algorithm, so changing the algorithm never reads a foreign state. */
  readonly id: string;
  /**
   * Algorithm code in the Redis script (1 fixed, 2 counter, 3 token, 4 gcra, 5 log,
   * 6 fixed anchored at the first request).
   */
  readonly code: number;
  readonly algorithm: Algorithm;
  readonly limit: number;
  readonly windowMs: number;
  /** Units that may be spent at once: `burst` (token-bucket, GCRA), else `limit`. */
  readonly burst: number;
  /** Where fixed windows start. */
  readonly anchor: 'epoch' | 'first-request';
  readonly blockDurationMs: number;
  readonly key: ((key: string) => string) | undefined;
}

/** Decision of one rule. */
export interface RuleDecision {
  /** The rule's name. */
  readonly name: string;
  /** The rule's algorithm (its horizon, and so the header's `w`, depends on it). */
  readonly algorithm: Algorithm;
  /** Whether this rule admits the request. */
  readonly allowed: boolean;
  /** The rule's limit. */
  readonly limit: number;
  /** The rule's window, in ms. */
  readonly windowMs: number;
  /** Units that may be spent at once (`burst` for token-bucket and GCRA, else `limit`). */
  readonly burst: number;
  /** Units left after this request (before it, when rejected). */
  readonly remaining: number;
  /**
   * Ms until more quota is made available (the `t` of the `RateLimit` header): 0 when the
   * quota is whole; on a rejection, equal to `retryAfterMs`. At most the rule's horizon
   * (`ruleHorizonMs`: the window; for token-bucket and GCRA the time to refill `burst`;
   * for sliding-window-counter the window plus `⌈windowMs × cost / limit⌉`, since a
   * rejection at the very start of a window waits for the previous window's units, assumed
   * spread evenly, to fade), except while a `blockDurationMs` longer than that is in force.
   */
  readonly resetMs: number;
  /** Ms until the same request would be admitted; 0 when admitted. */
  readonly retryAfterMs: number;
}

/** Where a decision came from. */
export type DecisionSource =
  | 'store'
  | 'block-cache'
  | 'fallback-open'
  | 'fallback-closed'
  | 'fallback-local';

/** The answer to a check: the most restrictive rule's figures plus every rule's decision. */
export interface RateLimitDecision {
  /** Whether the request is admitted (every rule admits it). */
  readonly allowed: boolean;
  /** Limit of the most restrictive rule. */
  readonly limit: number;
  /** Units left under the most restrictive rule. */
  readonly remaining: number;
  /** Ms until the most restrictive rule makes more quota available (see `RuleDecision.resetMs`). */
  readonly resetMs: number;
  /** Ms until the request would be admitted by every rule; 0 when admitted. */
  readonly retryAfterMs: number;
  /** Decision of each rule, in rule order. */
  readonly rules: readonly RuleDecision[];
  /** Where the decision came from (`'store'` normally). */
  readonly source: DecisionSource;
}

/** Operation asked of a store. */
export type StoreOp = 'check' | 'peek' | 'reset';

/** One request to a store: an operation over the keys of every rule. */
export interface StoreRequest {
  readonly op: StoreOp;
  /** Units to consume (negative refunds). */
  readonly cost: number;
  readonly rules: readonly ResolvedRule[];
  /** The key of each rule (after `rule.key` mapping), same order as `rules`. */
  readonly keys: readonly string[];
}

/**
 * One rule's raw answer: `[allowed 0|1, remaining, resetMs, retryAfterMs]`, packed
 * flat per request: 4 numbers per rule.
 */
export type StoreAnswer = readonly number[];

/** A backend that applies rate-limit requests atomically, each request as a whole. */
export interface RateLimitStore {
  /** `'memory'` answers synchronously and never fails; `'redis'` is remote. */
  readonly kind: 'memory' | 'remote';
  /**
   * Applies requests; each request's rules are decided and consumed atomically.
   * `timeoutMs` is the caller's deadline; a store that enforces it sets `deadlines`.
   */
  apply(requests: readonly StoreRequest[], timeoutMs?: number): Promise<StoreAnswer[]>;
  /** One request (saves an array and a `Promise.all` on hot paths). */
  applyOne?(request: StoreRequest, timeoutMs?: number): Promise<StoreAnswer>;
  /** Whether the store itself rejects calls that exceed `timeoutMs` with `TimeoutError`. */
  readonly deadlines?: boolean;
  /** Synchronous form, offered by in-process stores. */
  applySync?(request: StoreRequest): StoreAnswer;
  /**
   * Forgets every state of `key` the store holds, whatever the rule or window that
   * wrote it and whichever process did (e.g. every (limit, window) pair of the seed
   * adapter). Remote stores announce it like any reset.
   */
  resetKey?(key: string): Promise<void>;
  /**
   * Calls `listener` when any process resets keys on this store: with the keys, or with
   * `undefined` when resets may have been missed (e.g. after a reconnection), meaning
   * "any key". Limiters use it to drop keys from their local block cache. Returns the
   * function that unsubscribes.
   */
  onReset?(listener: (keys: readonly string[] | undefined) => void): () => void;
  /** Releases resources. Idempotent. */
  close(): Promise<void>;
}
