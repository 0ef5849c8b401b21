import { CacheStackError, type CacheStackErrorOptions } from '@cachestack/core';

/**
 * A per-call `cost` is not a safe integer, or is larger than a rule's limit (such a
 * request could never be admitted). Code `CACHESTACK_RATELIMIT_INVALID_COST`.
 */
export class InvalidCostError extends CacheStackError {
  /** The offending cost. */
  readonly cost: unknown;

  constructor(cost: unknown, message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_RATELIMIT_INVALID_COST', `cost ${String(cost)}: ${message}`, options);
    this.cost = cost;
  }
}

/**
 * A rate-limiter-flexible style configuration cannot be migrated (unsupported or
 * contradictory option). Code `CACHESTACK_RATELIMIT_MIGRATION`.
 */
export class RateLimitMigrationError extends CacheStackError {
  /** The offending option. */
  readonly option: string;

  constructor(option: string, message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_RATELIMIT_MIGRATION', `${option}: ${message}`, options);
    this.option = option;
  }
}

/**
 * An operation the chosen store cannot do, e.g. `resetAll` of an express-rate-limit store
 * on Redis (keys are not enumerated). Code `CACHESTACK_RATELIMIT_UNSUPPORTED`.
 */
export class UnsupportedOperationError extends CacheStackError {
  /** The operation. */
  readonly operation: string;

  constructor(operation: string, message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_RATELIMIT_UNSUPPORTED', `${operation}: ${message}`, options);
    this.operation = operation;
  }
}
