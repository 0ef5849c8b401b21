/** A held local lock, and what it needs from the {@link LocalLocks} that granted it. */
import { InvalidOptionError, type Lock } from '@cachestack/core';
import type { Expiring } from '@cachestack/core/kit';
import { LockNotHeldError, LockTimeoutError } from './errors.js';

/** A held local lock (one key or several). */
export interface LocalLock extends Lock {
  /** The keys held, sorted. */
  readonly keys: readonly string[];
  /** Strictly increasing across every acquisition of this instance. */
  readonly fencingToken: number;
  /** Whether the lock is still held (not released, not lost). */
  readonly held: boolean;
  /** Restarts the lease from now, optionally with a new length. Throws {@link LockNotHeldError} when no longer held. */
  extend(leaseMs?: number): void;
}

/** @internal what a lock calls back into. */
export interface LockManager {
  _release(owner: Owner): void;
  _expire(owner: Owner): void;
  _startLease(owner: Owner): void;
  _leave(waiter: Waiter, error: unknown): void;
}

/** @internal validates a positive duration in ms (`Infinity` allowed). */
export function checkMs(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new InvalidOptionError(option, `expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}

/** @internal the lock object handed to callers. */
export class Owner implements LocalLock, Expiring {
  readonly keys: readonly string[];
  readonly resource: string;
  fencingToken = 0;
  /** Lease deadline (clock ms) while held. */
  deadline = Number.POSITIVE_INFINITY;
  leaseMs: number;
  acquiredAt = 0;
  state: 'waiting' | 'held' | 'released' | 'lost' = 'waiting';
  #controller: AbortController | undefined;
  readonly #locks: LockManager;

  constructor(locks: LockManager, keys: readonly string[], leaseMs: number) {
    this.#locks = locks;
    this.keys = keys;
    this.resource = keys.length === 1 ? keys[0]! : keys.join(',');
    this.leaseMs = leaseMs;
  }

  // Created on first use: most holders never look at their signal.
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  get held(): boolean {
    return this.state === 'held';
  }

  /** Why the lock was taken away (lease expiry, close), if it was. */
  abortReason: unknown = undefined;

  abort(reason: unknown): void {
    this.abortReason = reason;
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  expire(): void {
    this.#locks._expire(this);
  }

  extend(leaseMs?: number): void {
    if (this.state !== 'held') throw new LockNotHeldError(this.resource);
    this.leaseMs = checkMs('leaseMs', leaseMs, this.leaseMs);
    this.#locks._startLease(this);
  }

  release(): Promise<void> {
    this.#locks._release(this);
    return Promise.resolve();
  }
}

/** @internal a queued caller. Single-key waiters are granted (and settled) directly on hand-off. */
export class Waiter implements Expiring {
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly locks: LockManager,
    readonly key: string,
    readonly owner: Owner,
    readonly start: number,
    readonly timeoutMs: number,
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
    /** Whether the wait is the whole acquisition (one key) or one step of several. */
    readonly single: boolean,
    readonly resolve: (lock: LocalLock) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  expire(): void {
    this.locks._leave(this, new LockTimeoutError(this.owner.resource, this.timeoutMs));
  }
}
