export {
  OptimizedRedisRateLimit,
  type RateLimitCheck,
  type RateLimitingAdapterOptions,
  RateLimitingCacheAdapter,
  type RateLimitingHealth,
  type RateLimitingStats,
  type RateLimitResult,
} from './adapter.js';
export {
  InvalidCostError,
  RateLimitMigrationError,
  UnsupportedOperationError,
} from './errors.js';
export {
  type RateLimiterEventMap,
  type RateLimiterEventName,
  RateLimiterEvents,
  rateLimitChannels,
} from './events.js';
export {
  type RateLimitHeaders,
  type RateLimitHeadersOptions,
  rateLimitHeaders,
  ruleHorizonMs,
} from './headers.js';
export { clientKey } from './http/client-key.js';
export {
  type HeadersMode,
  type HttpOutcome,
  HttpRateLimit,
  type HttpRateLimitOptions,
  PROBLEM_CONTENT_TYPE,
  problemBody,
  type RateLimitProblem,
} from './http/http-rate-limit.js';
export type { CounterStoreOptions, WindowCount } from './http/window-counter.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export type {
  CheckOptions,
  CheckRequest,
  FailurePolicy,
  RateLimiterOptions,
  RateLimiterStats,
  WaitOptions,
} from './options.js';
export { createRateLimiter, RateLimiter } from './rate-limiter.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export {
  type FlexibleOptions,
  fromRateLimiterFlexible,
  type MigratedOptions,
} from './rlf-migrator.js';
export type {
  Algorithm,
  DecisionSource,
  RateLimitDecision,
  RateLimitStore,
  ResolvedRule,
  RuleDecision,
  RuleOptions,
  StoreAnswer,
  StoreOp,
  StoreRequest,
} from './types.js';
