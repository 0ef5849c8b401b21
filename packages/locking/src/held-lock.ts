/**
 * A lock held in Redis (one node or a Redlock quorum): local validity timer, extension,
 * optional automatic extension, and an `AbortSignal` that fires when the lock is lost.
 */
import type { Lock } from '@cachestack/core';
import type { DeadlineSet, Expiring } from '@cachestack/core/kit';
import { type LockKind, lockingChannels } from './channels.js';
import type { Clock, TimerHandle } from './clock.js';
import { LockLostError, LockNotHeldError } from './errors.js';
import type { StatsCounter } from './stats.js';

/** A lock held in Redis. */
export interface DistributedLock extends Lock {
  /** The random value identifying this holder in Redis. */
  readonly token: string;
  /**
   * Strictly increasing per resource (single-node locks); `undefined` for Redlock, where
   * no token can be both quorum-safe and monotonic.
   */
  readonly fencingToken: number | undefined;
  /** Clock time (see the `clock` option) until which the lock is known to be held. */
  readonly validUntil: number;
  /** Whether the lock is still held (not released, not lost). */
  readonly held: boolean;
  /**
   * Extends the lease to `leaseMs` from now. Rejects with {@link LockLostError} (and fires
   * the signal) when Redis refused because the lock expired or changed hands, with
   * {@link LockNotHeldError} after release or loss, and with the store error when Redis
   * did not answer in time (the lock may still be held until `validUntil`).
   */
  extend(leaseMs?: number): Promise<void>;
  /** Releases the lock (by token). Idempotent; resolves when the lock had already expired. */
  release(): Promise<void>;
}

/** @internal what a held lock needs from its implementation. */
export interface LockBackend {
  readonly kind: LockKind;
  readonly clock: Clock;
  readonly stats: StatsCounter;
  /** One timer for the validity of every lock of the instance. */
  readonly deadlines: DeadlineSet;
  /** Clock-drift allowance for a lease of `leaseMs`. */
  drift(leaseMs: number): number;
  /** true when extended, false when the lock is no longer ours; throws on store failure. */
  extendRemote(resource: string, token: string, leaseMs: number): Promise<boolean>;
  /** Deletes the lock when it still carries `token`. */
  releaseRemote(resource: string, token: string): Promise<void>;
  /** Called once when the lock is released or lost (frees the in-process gate). */
  done(lock: HeldLock): void;
}

/** @internal */
export class HeldLock implements DistributedLock, Expiring {
  readonly resource: string;
  readonly token: string;
  readonly fencingToken: number | undefined;
  validUntil: number;
  #leaseMs: number;
  readonly #backend: LockBackend;
  #controller: AbortController | undefined;
  readonly #acquiredAt: number;
  #state: 'held' | 'released' | 'lost' = 'held';
  /** Validity deadline, watched by the backend's shared timer. */
  deadline = 0;
  #extendTimer: TimerHandle = undefined;
  #autoExtend = false;

  constructor(
    backend: LockBackend,
    resource: string,
    token: string,
    fencingToken: number | undefined,
    leaseMs: number,
    attemptStart: number,
  ) {
    this.#backend = backend;
    this.resource = resource;
    this.token = token;
    this.fencingToken = fencingToken;
    this.#leaseMs = leaseMs;
    this.#acquiredAt = backend.clock.now();
    this.validUntil = attemptStart + leaseMs - backend.drift(leaseMs);
    this.#armExpiry();
  }

  // Created on first use: most holders never look at their signal.
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  #abort(reason: unknown): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  get held(): boolean {
    return this.#state === 'held';
  }

  /** @internal keeps extending every third of the lease until released or lost. */
  startAutoExtend(): void {
    this.#autoExtend = true;
    this.#scheduleExtend(this.#leaseMs / 3);
  }

  #scheduleExtend(delayMs: number): void {
    if (!this.#autoExtend || this.#state !== 'held') return;
    const { clock } = this.#backend;
    this.#extendTimer = clock.setTimeout(() => {
      this.#extendTimer = undefined;
      this.extend().then(
        () => this.#scheduleExtend(this.#leaseMs / 3),
        (error: unknown) => {
          // Refused: the signal has fired. Store trouble: try again soon; the validity
          // timer fires the signal if no extension gets through in time.
          if (error instanceof LockLostError || error instanceof LockNotHeldError) return;
          const left = this.validUntil - clock.now();
          this.#scheduleExtend(Math.max(1, Math.min(this.#leaseMs / 10, left / 2)));
        },
      );
    }, delayMs);
  }

  #armExpiry(): void {
    const { deadlines } = this.#backend;
    deadlines.delete(this);
    this.deadline = this.validUntil;
    deadlines.add(this);
  }

  /** @internal validity passed without a successful extension. */
  expire(): void {
    if (this.#state !== 'held') return;
    // Past validity: the lock may already be someone else's; drop it here and delete
    // it in Redis if it is still ours.
    this.#backend.releaseRemote(this.resource, this.token).catch(() => {});
    this.#lose(`lease of ${this.#leaseMs}ms expired`);
  }

  async extend(leaseMs: number = this.#leaseMs): Promise<void> {
    if (this.#state !== 'held') throw new LockNotHeldError(this.resource);
    const start = this.#backend.clock.now();
    const extended = await this.#backend.extendRemote(this.resource, this.token, leaseMs);
    if (this.#state !== 'held') throw new LockNotHeldError(this.resource);
    if (!extended) {
      const reason = 'extension refused (expired or taken by another holder)';
      this.#lose(reason);
      throw this.signal.reason as LockLostError;
    }
    this.#leaseMs = leaseMs;
    this.validUntil = start + leaseMs - this.#backend.drift(leaseMs);
    this.#armExpiry();
  }

  async release(): Promise<void> {
    if (this.#state !== 'held') return;
    this.#finish('released');
    if (lockingChannels.release.hasSubscribers) {
      lockingChannels.release.publish({
        kind: this.#backend.kind,
        resource: this.resource,
        heldMs: this.#backend.clock.now() - this.#acquiredAt,
      });
    }
    await this.#backend.releaseRemote(this.resource, this.token);
  }

  #lose(reason: string): void {
    if (this.#state !== 'held') return;
    this.#finish('lost');
    this.#backend.stats.leaseExpiries++;
    if (lockingChannels.lost.hasSubscribers) {
      lockingChannels.lost.publish({ kind: this.#backend.kind, resource: this.resource, reason });
    }
    this.#abort(new LockLostError(this.resource, reason));
  }

  /** @internal aborts the signal with `reason` and forgets the lock (on close). */
  abandon(reason: unknown): void {
    if (this.#state !== 'held') return;
    this.#finish('released');
    this.#backend.releaseRemote(this.resource, this.token).catch(() => {});
    this.#abort(reason);
  }

  #finish(state: 'released' | 'lost'): void {
    this.#state = state;
    this.#autoExtend = false;
    const { clock, stats, deadlines } = this.#backend;
    deadlines.delete(this);
    if (this.#extendTimer !== undefined) clock.clearTimeout(this.#extendTimer);
    this.#extendTimer = undefined;
    stats.holders--;
    this.#backend.done(this);
  }
}

/**
 * Runs `fn` while holding `lock`, extending it automatically; `fn` gets the lock (its
 * `signal` fires when the lock is lost). Rejects with {@link LockLostError} when the lock was lost before `fn` settled.
 */
export async function runHolding<T>(
  lock: HeldLock,
  fn: (lock: DistributedLock) => T | Promise<T>,
): Promise<T> {
  lock.startAutoExtend();
  try {
    const result = await fn(lock);
    if (lock.signal.aborted) throw lock.signal.reason;
    return result;
  } catch (error) {
    if (lock.signal.aborted && error !== lock.signal.reason) {
      throw new LockLostError(lock.resource, 'lost while the function ran', { cause: error });
    }
    throw error;
  } finally {
    await lock.release().catch(() => {});
  }
}
