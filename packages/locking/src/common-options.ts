/** Options shared by the Redis lock and Redlock, resolved once in their constructors. */
import { InvalidOptionError } from '@cachestack/core';
import { type Clock, systemClock } from './clock.js';

/** Options shared by {@link RedisLocks} and {@link Redlock}. */
export interface DistributedLockOptions {
  /** Prefix of every Redis key and channel. @defaultValue 'cachestack:lock:' */
  readonly prefix?: string;
  /** Default lease (Redis `PX`). @defaultValue 30_000 */
  readonly leaseMs?: number;
  /** Default longest wait for a lock. @defaultValue 10_000 */
  readonly acquireTimeoutMs?: number;
  /** First fallback retry delay; doubles per attempt, with jitter. @defaultValue 50 */
  readonly retryDelayMs?: number;
  /** Largest fallback retry delay. @defaultValue 1_000 */
  readonly retryMaxDelayMs?: number;
  /** Deadline of each Redis command or script. @defaultValue 1_000 */
  readonly commandTimeoutMs?: number;
  /** Clock-drift allowance as a fraction of the lease (plus 2ms). @defaultValue 0.01 */
  readonly driftFactor?: number;
  /** Time source and timers. @defaultValue systemClock */
  readonly clock?: Clock;
}

/** Per-call options of `acquire` and `using`. */
export interface DistributedAcquireOptions {
  /** Longest wait. @defaultValue the instance's `acquireTimeoutMs` */
  readonly acquireTimeoutMs?: number;
  /** Alias of `acquireTimeoutMs` (the name core's `Locker` uses). */
  readonly timeoutMs?: number;
  /** Lease. @defaultValue the instance's `leaseMs` */
  readonly leaseMs?: number;
  /** Aborts the wait (rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
  /** Keep extending the lock every third of its lease until released. @defaultValue false */
  readonly autoExtend?: boolean;
}

/** @internal */
export interface ResolvedCommon {
  readonly prefix: string;
  readonly leaseMs: number;
  readonly acquireTimeoutMs: number;
  readonly retryDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly commandTimeoutMs: number;
  readonly driftFactor: number;
  readonly clock: Clock;
}

/** @internal validates a positive duration. */
export function positiveMs(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new InvalidOptionError(option, `expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}

/** @internal */
export function resolveCommon(options: DistributedLockOptions): ResolvedCommon {
  const prefix = options.prefix ?? 'cachestack:lock:';
  if (typeof prefix !== 'string' || prefix.includes('{')) {
    throw new InvalidOptionError('prefix', 'expected a string without "{"');
  }
  const driftFactor = options.driftFactor ?? 0.01;
  if (typeof driftFactor !== 'number' || !(driftFactor >= 0 && driftFactor < 0.5)) {
    throw new InvalidOptionError('driftFactor', 'expected a number in [0, 0.5)');
  }
  const leaseMs = positiveMs('leaseMs', options.leaseMs, 30_000);
  if (!Number.isFinite(leaseMs)) throw new InvalidOptionError('leaseMs', 'must be finite');
  const retryDelayMs = positiveMs('retryDelayMs', options.retryDelayMs, 50);
  return {
    prefix,
    leaseMs,
    acquireTimeoutMs: positiveMs('acquireTimeoutMs', options.acquireTimeoutMs, 10_000),
    retryDelayMs,
    retryMaxDelayMs: Math.max(
      retryDelayMs,
      positiveMs('retryMaxDelayMs', options.retryMaxDelayMs, 1_000),
    ),
    commandTimeoutMs: positiveMs('commandTimeoutMs', options.commandTimeoutMs, 1_000),
    driftFactor,
    clock: options.clock ?? systemClock,
  };
}

/** @internal per-call lease and timeout. */
export function resolveCall(
  common: ResolvedCommon,
  options: DistributedAcquireOptions,
): { leaseMs: number; timeoutMs: number } {
  const leaseMs = positiveMs('leaseMs', options.leaseMs, common.leaseMs);
  if (!Number.isFinite(leaseMs)) throw new InvalidOptionError('leaseMs', 'must be finite');
  return {
    leaseMs,
    timeoutMs: positiveMs(
      'acquireTimeoutMs',
      options.acquireTimeoutMs ?? options.timeoutMs,
      common.acquireTimeoutMs,
    ),
  };
}

/** @internal full-jitter-ish exponential backoff: between half and all of the step. */
export function backoffMs(common: ResolvedCommon, attempt: number): number {
  const step = Math.min(common.retryMaxDelayMs, common.retryDelayMs * 2 ** Math.min(attempt, 20));
  return step / 2 + Math.random() * (step / 2);
}

/** @internal drift allowance of a lease. */
export function driftMs(common: ResolvedCommon, leaseMs: number): number {
  return Math.floor(leaseMs * common.driftFactor) + 2;
}
