/**
 * In-process keyed mutex: FIFO per key, acquire timeout, lease with an `AbortSignal`,
 * multi-key acquisition in sorted order, idle keys removed.
 */
import { ClosedError, InvalidOptionError, type Locker } from '@cachestack/core';
import { DeadlineSet } from '@cachestack/core/kit';
import { lockingChannels } from './channels.js';
import { type Clock, systemClock, toCoreClock } from './clock.js';
import { LockLostError, LockTimeoutError } from './errors.js';
import { checkMs, type LocalLock, type LockManager, Owner, Waiter } from './local-lock.js';
import { type LockStats, StatsCounter } from './stats.js';

/** Options of {@link createLocalLocks}. */
export interface LocalLocksOptions {
  /** Default longest wait for a lock; `Infinity` waits forever. @defaultValue 10_000 */
  readonly acquireTimeoutMs?: number;
  /** Default lease: a holder that keeps the lock longer loses it; `Infinity` disables. @defaultValue 30_000 */
  readonly leaseMs?: number;
  /** Time source and timers (tests inject a fake). @defaultValue systemClock */
  readonly clock?: Clock;
}

/** Per-call options of {@link LocalLocks.acquire} and {@link LocalLocks.withLock}. */
export interface LocalAcquireOptions {
  /** Longest wait for the lock(s). @defaultValue the instance's `acquireTimeoutMs` */
  readonly acquireTimeoutMs?: number;
  /** Alias of `acquireTimeoutMs` (the name core's `Locker` uses). */
  readonly timeoutMs?: number;
  /** Lease of the lock once held. @defaultValue the instance's `leaseMs` */
  readonly leaseMs?: number;
  /** Aborts the wait (rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
}

interface Slot {
  holder: Owner | undefined;
  readonly queue: Waiter[];
}

/**
 * A keyed mutex for one process. Also a core `Locker`, for single flight inside one
 * process tree that shares an instance.
 */
export class LocalLocks implements Locker, LockManager {
  readonly #slots = new Map<string, Slot>();
  readonly #clock: Clock;
  readonly #acquireTimeoutMs: number;
  readonly #leaseMs: number;
  readonly #stats = new StatsCounter();
  readonly #deadlines: DeadlineSet;
  #sequence = 0;
  #closed = false;

  constructor(options: LocalLocksOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#deadlines = new DeadlineSet(toCoreClock(this.#clock));
    this.#acquireTimeoutMs = checkMs('acquireTimeoutMs', options.acquireTimeoutMs, 10_000);
    this.#leaseMs = checkMs('leaseMs', options.leaseMs, 30_000);
  }

  /** Number of keys with a holder or waiters (idle keys are removed). */
  get size(): number {
    return this.#slots.size;
  }

  /** Whether `key` is held right now (by any caller). */
  isLocked(key: string): boolean {
    return this.#slots.get(key)?.holder !== undefined;
  }

  /** Counters since creation plus current holders and waiters. */
  stats(): LockStats {
    return this.#stats.snapshot();
  }

  /**
   * Acquires one key, or several in sorted order (so two callers locking `{a,b}` and
   * `{b,a}` never deadlock). Rejects with {@link LockTimeoutError} after the acquire
   * timeout, with the signal's reason when aborted, with `ClosedError` after `close()`.
   */
  acquire(keys: string | readonly string[], options: LocalAcquireOptions = {}): Promise<LocalLock> {
    if (this.#closed) return Promise.reject(new ClosedError('local locks'));
    let timeoutMs: number;
    let leaseMs: number;
    let sorted: string[];
    try {
      timeoutMs = checkMs(
        'acquireTimeoutMs',
        options.acquireTimeoutMs ?? options.timeoutMs,
        this.#acquireTimeoutMs,
      );
      leaseMs = checkMs('leaseMs', options.leaseMs, this.#leaseMs);
      sorted = typeof keys === 'string' ? [keys] : [...new Set(keys)].sort();
      if (sorted.length === 0) throw new InvalidOptionError('keys', 'expected at least one key');
      for (const key of sorted) {
        if (typeof key !== 'string') throw new InvalidOptionError('keys', 'expected strings');
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const owner = new Owner(this, sorted, leaseMs);
    if (sorted.length === 1) {
      // One key: no async function, no extra promise hop; a free key is taken at once.
      const start = this.#clock.now();
      const waited = this.#take(sorted[0]!, owner, start, timeoutMs, signal, true);
      if (waited) return waited as Promise<LocalLock>;
      this.#granted(owner, 0, false);
      return Promise.resolve(owner);
    }
    return this.#acquireSlow(owner, timeoutMs, signal);
  }

  #timedOut(owner: Owner, start: number): void {
    this.#stats.timeouts++;
    if (lockingChannels.timeout.hasSubscribers) {
      lockingChannels.timeout.publish({
        kind: 'local',
        resource: owner.resource,
        waitMs: this.#clock.now() - start,
      });
    }
  }

  #failed(owner: Owner, taken: readonly string[], error: unknown, start: number): never {
    for (const key of taken) this.#releaseKey(key, owner);
    owner.state = 'released';
    if (error instanceof LockTimeoutError) this.#timedOut(owner, start);
    throw error;
  }

  async #acquireSlow(
    owner: Owner,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<LocalLock> {
    const start = this.#clock.now();
    let contended = false;
    const taken: string[] = [];
    try {
      for (const key of owner.keys) {
        const waited = this.#take(key, owner, start, timeoutMs, signal, false);
        if (waited) {
          contended = true;
          await waited;
        }
        taken.push(key);
      }
    } catch (error) {
      this.#failed(owner, taken, error, start);
    }
    this.#granted(owner, this.#clock.now() - start, contended);
    return owner;
  }

  /**
   * Takes `key` at once (returns undefined) or queues and returns the wait; a `single`
   * wait resolves to the granted lock and settles the acquisition's stats itself.
   */
  #take(
    key: string,
    owner: Owner,
    start: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    single: boolean,
  ): Promise<LocalLock | undefined> | undefined {
    const slot = this.#slots.get(key);
    if (!slot) {
      this.#slots.set(key, { holder: owner, queue: [] });
      return undefined;
    }
    if (!slot.holder && slot.queue.length === 0) {
      slot.holder = owner;
      return undefined;
    }
    const deadline = start + timeoutMs;
    if (deadline <= this.#clock.now()) {
      const error = new LockTimeoutError(owner.resource, timeoutMs);
      if (single) this.#timedOut(owner, start);
      return Promise.reject(error);
    }
    return new Promise<LocalLock | undefined>((resolve, reject) => {
      const waiter = new Waiter(
        this,
        key,
        owner,
        start,
        timeoutMs,
        deadline,
        signal,
        single,
        resolve,
        reject,
      );
      if (Number.isFinite(deadline)) this.#deadlines.add(waiter);
      if (signal) {
        waiter.onAbort = () => this._leave(waiter, signal.reason);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      slot.queue.push(waiter);
      this.#stats.waiters++;
    });
  }

  /** @internal a waiter gives up (timeout or abort). */
  _leave(waiter: Waiter, error: unknown): void {
    const slot = this.#slots.get(waiter.key);
    const index = slot ? slot.queue.indexOf(waiter) : -1;
    if (!slot || index < 0) return;
    slot.queue.splice(index, 1);
    this.#stats.waiters--;
    this.#clearWaiter(waiter);
    if (!slot.holder && slot.queue.length === 0) this.#slots.delete(waiter.key);
    if (waiter.single) {
      waiter.owner.state = 'released';
      if (error instanceof LockTimeoutError) this.#timedOut(waiter.owner, waiter.start);
    }
    waiter.reject(error);
  }

  #clearWaiter(waiter: Waiter): void {
    this.#deadlines.delete(waiter);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  #granted(owner: Owner, waitMs: number, contended: boolean): void {
    owner.state = 'held';
    owner.fencingToken = ++this.#sequence;
    owner.acquiredAt = this.#clock.now();
    this.#stats.recordAcquire(waitMs, contended);
    this._startLease(owner);
    if (lockingChannels.acquire.hasSubscribers) {
      lockingChannels.acquire.publish({
        kind: 'local',
        resource: owner.resource,
        waitMs,
        contended,
        fencingToken: owner.fencingToken,
      });
    }
  }

  /** @internal (re)starts the lease of a held lock. */
  _startLease(owner: Owner): void {
    this.#deadlines.delete(owner);
    owner.deadline = this.#clock.now() + owner.leaseMs;
    if (Number.isFinite(owner.deadline)) this.#deadlines.add(owner);
  }

  /** @internal the lease ran out. */
  _expire(owner: Owner): void {
    if (owner.state !== 'held') return;
    this.#stats.leaseExpiries++;
    const reason = `lease of ${owner.leaseMs}ms expired`;
    if (lockingChannels.lost.hasSubscribers) {
      lockingChannels.lost.publish({ kind: 'local', resource: owner.resource, reason });
    }
    this.#drop(owner, 'lost');
    owner.abort(new LockLostError(owner.resource, reason));
  }

  /** @internal releases a lock; a no-op when already released or lost. */
  _release(owner: Owner): void {
    if (owner.state !== 'held') return;
    if (lockingChannels.release.hasSubscribers) {
      lockingChannels.release.publish({
        kind: 'local',
        resource: owner.resource,
        heldMs: this.#clock.now() - owner.acquiredAt,
      });
    }
    this.#drop(owner, 'released');
  }

  #drop(owner: Owner, state: 'released' | 'lost'): void {
    owner.state = state;
    this.#stats.holders--;
    this.#deadlines.delete(owner);
    for (const key of owner.keys) this.#releaseKey(key, owner);
  }

  /** Hands `key` to its next waiter, or removes the idle slot. */
  #releaseKey(key: string, owner: Owner): void {
    const slot = this.#slots.get(key);
    if (!slot || slot.holder !== owner) return;
    const next = slot.queue.shift();
    if (!next) {
      this.#slots.delete(key);
      return;
    }
    this.#stats.waiters--;
    this.#clearWaiter(next);
    slot.holder = next.owner;
    if (next.single) this.#granted(next.owner, this.#clock.now() - next.start, true);
    next.resolve(next.owner);
  }

  /**
   * Runs `fn` while holding the key(s), then releases. `fn` gets the lock, whose `signal`
   * fires when the lease expires. Rejects with {@link LockLostError} when the lease
   * expired before `fn` settled (its result is discarded: exclusion was not kept).
   */
  async withLock<T>(
    keys: string | readonly string[],
    fn: (lock: LocalLock) => T | Promise<T>,
    options?: LocalAcquireOptions,
  ): Promise<T> {
    const lock = (await this.acquire(keys, options)) as Owner;
    let result: T;
    try {
      result = await fn(lock);
    } catch (error) {
      lock.release();
      const reason = lock.abortReason;
      if (reason !== undefined && error !== reason && reason instanceof LockLostError) {
        throw new LockLostError(lock.resource, 'lease expired while the function ran', {
          cause: error,
        });
      }
      throw error;
    }
    lock.release();
    if (lock.abortReason !== undefined) throw lock.abortReason;
    return result;
  }

  /**
   * Rejects every waiter with `ClosedError`, aborts every holder's signal and refuses
   * further acquisitions. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    const holders = new Set<Owner>();
    for (const slot of slots) {
      for (const waiter of slot.queue.splice(0)) {
        this.#stats.waiters--;
        this.#clearWaiter(waiter);
        waiter.reject(new ClosedError('local locks'));
      }
      if (slot.holder) holders.add(slot.holder);
    }
    for (const owner of holders) {
      if (owner.state !== 'held') continue;
      this.#drop(owner, 'released');
      owner.abort(new ClosedError('local locks'));
    }
    this.#deadlines.clear();
    return Promise.resolve();
  }

  /** Calls {@link LocalLocks.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates a {@link LocalLocks} keyed mutex. */
export function createLocalLocks(options?: LocalLocksOptions): LocalLocks {
  return new LocalLocks(options);
}
