/**
 * Typed errors of `@cachestack/locking`. Each extends core's `CacheStackError` with a
 * stable code.
 */
import { CacheStackError, type CacheStackErrorOptions } from '@cachestack/core';

/** The lock was not acquired within `acquireTimeoutMs`. Code `CACHESTACK_LOCK_TIMEOUT`. */
export class LockTimeoutError extends CacheStackError {
  /** The locked resource (or resources, joined with `,`). */
  readonly resource: string;
  /** How long the caller waited, in milliseconds. */
  readonly timeoutMs: number;

  constructor(resource: string, timeoutMs: number, options?: CacheStackErrorOptions) {
    super(
      'CACHESTACK_LOCK_TIMEOUT',
      `lock "${resource}" not acquired within ${timeoutMs}ms`,
      options,
    );
    this.resource = resource;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A held lock was lost: its lease expired, an extension was refused, or the store could
 * not confirm it in time. Code `CACHESTACK_LOCK_LOST`.
 */
export class LockLostError extends CacheStackError {
  /** The locked resource. */
  readonly resource: string;

  constructor(resource: string, reason: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_LOCK_LOST', `lock "${resource}" lost: ${reason}`, options);
    this.resource = resource;
  }
}

/** An operation (extend) needs a lock that this caller no longer holds. Code `CACHESTACK_LOCK_NOT_HELD`. */
export class LockNotHeldError extends CacheStackError {
  /** The locked resource. */
  readonly resource: string;

  constructor(resource: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_LOCK_NOT_HELD', `lock "${resource}" is not held`, options);
    this.resource = resource;
  }
}

/**
 * Redlock: too few nodes answered for a majority to be possible (the failure is not
 * contention, so waiting would not help). Code `CACHESTACK_LOCK_QUORUM`.
 */
export class LockQuorumError extends CacheStackError {
  /** The locked resource. */
  readonly resource: string;
  /** Nodes needed for a majority. */
  readonly quorum: number;
  /** Nodes that failed (error or deadline) in the last attempt. */
  readonly failedNodes: number;

  constructor(
    resource: string,
    quorum: number,
    failedNodes: number,
    options?: CacheStackErrorOptions,
  ) {
    super(
      'CACHESTACK_LOCK_QUORUM',
      `lock "${resource}": quorum of ${quorum} not reachable (${failedNodes} node(s) failed)`,
      options,
    );
    this.resource = resource;
    this.quorum = quorum;
    this.failedNodes = failedNodes;
  }
}
