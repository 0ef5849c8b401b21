import { CacheStackError, type CacheStackErrorOptions } from '@cachestack/core';

/**
 * A publish could not be sent now. The message was queued for a retry (see
 * `RedisBusOptions.maxQueuedMessages`) unless `queued` is false (the queue was full and
 * the oldest message was dropped instead, or the bus is closed).
 */
export class BusPublishError extends CacheStackError {
  /** Whether the message waits in the retry queue. */
  readonly queued: boolean;

  constructor(message: string, queued: boolean, options?: CacheStackErrorOptions) {
    super('CACHESTACK_BUS_PUBLISH', message, options);
    this.queued = queued;
  }
}

/** A dependency map has a cycle (reported with the path that closes it). */
export class DependencyCycleError extends CacheStackError {
  /** The patterns (or keys) forming the cycle, first one repeated at the end. */
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[], options?: CacheStackErrorOptions) {
    super('CACHESTACK_DEPENDENCY_CYCLE', `dependency cycle: ${cycle.join(' -> ')}`, options);
    this.cycle = cycle;
  }
}

/** Expanding the dependents of a key went deeper than `maxDepth`. Nothing was deleted. */
export class DependencyDepthError extends CacheStackError {
  /** The key whose expansion was too deep. */
  readonly key: string;
  /** The configured limit. */
  readonly maxDepth: number;

  constructor(key: string, maxDepth: number, options?: CacheStackErrorOptions) {
    super(
      'CACHESTACK_DEPENDENCY_DEPTH',
      `dependents of "${key}" go deeper than maxDepth ${maxDepth}`,
      options,
    );
    this.key = key;
    this.maxDepth = maxDepth;
  }
}
