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
  /** Algorithm code in the Redis script (1 fixed, 2 counter, 3 token, 4 gcra, 5 log). */
  readonly code: number;
  readonly algorithm: Algorithm;
  readonly limit: number;
  readonly windowMs: number;
  readonly blockDurationMs: number;
  readonly key: ((key: string) => string) | undefined;
}

/** Decision of one rule. */
export interface RuleDecision {
  /** The rule's name. */
  readonly name: string;
  /** Whether this rule admits the request. */
  readonly allowed: boolean;
  /** The rule's limit. */
  readonly limit: number;
  /** The rule's window, in ms. */
  readonly windowMs: number;
  /** Units left after this request (before it, when rejected). */
  readonly remaining: number;
  /** Ms until the quota is whole again if nothing more is consumed. */
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
  /** Ms until the most restrictive rule's quota is whole again. */
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
  /** Releases resources. Idempotent. */
  close(): Promise<void>;
}
