/**
 * In-process keyed mutex: FIFO per key, acquire timeout, lease with an `AbortSignal`,
 * multi-key acquisition in sorted order, idle keys removed.
 */
import { ClosedError, InvalidOptionError, type Lock, type Locker } from '@cachestack/core';
import { lockingChannels } from './channels.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import { LockLostError, LockNotHeldError, LockTimeoutError } from './errors.js';
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

interface Waiter {
  readonly owner: Owner;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  timer: TimerHandle;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Slot {
  holder: Owner | undefined;
  readonly queue: Waiter[];
}

function checkMs(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new InvalidOptionError(option, `expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}

class Owner implements LocalLock {
  readonly keys: readonly string[];
  readonly resource: string;
  fencingToken = 0;
  readonly controller = new AbortController();
  leaseTimer: TimerHandle = undefined;
  leaseMs: number;
  acquiredAt = 0;
  state: 'waiting' | 'held' | 'released' | 'lost' = 'waiting';
  readonly #locks: LocalLocks;

  constructor(locks: LocalLocks, keys: readonly string[], leaseMs: number) {
    this.#locks = locks;
    this.keys = keys;
    this.resource = keys.length === 1 ? keys[0]! : keys.join(',');
    this.leaseMs = leaseMs;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get held(): boolean {
    return this.state === 'held';
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

/**
 * A keyed mutex for one process. Also a core `Locker`, for single flight inside one
 * process tree that shares an instance.
 */
export class LocalLocks implements Locker {
  readonly #slots = new Map<string, Slot>();
  readonly #clock: Clock;
  readonly #acquireTimeoutMs: number;
  readonly #leaseMs: number;
  readonly #stats = new StatsCounter();
  #sequence = 0;
  #closed = false;

  constructor(options: LocalLocksOptions = {}) {
    this.#clock = options.clock ?? systemClock;
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
    // Fast path: one free key, no waiting, no await.
    if (sorted.length === 1 && !this.#slots.has(sorted[0]!)) {
      this.#slots.set(sorted[0]!, { holder: owner, queue: [] });
      this.#granted(owner, 0, false);
      return Promise.resolve(owner);
    }
    return this.#acquireSlow(owner, timeoutMs, signal);
  }

  async #acquireSlow(
    owner: Owner,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<LocalLock> {
    const start = this.#clock.now();
    const deadline = start + timeoutMs;
    let contended = false;
    const taken: string[] = [];
    try {
      for (const key of owner.keys) {
        const waited = this.#take(key, owner, deadline, signal);
        if (waited) {
          contended = true;
          await waited;
        }
        taken.push(key);
      }
    } catch (error) {
      for (const key of taken) this.#releaseKey(key, owner);
      owner.state = 'released';
      if (error instanceof LockTimeoutError) {
        this.#stats.timeouts++;
        if (lockingChannels.timeout.hasSubscribers) {
          lockingChannels.timeout.publish({
            kind: 'local',
            resource: owner.resource,
            waitMs: this.#clock.now() - start,
          });
        }
      }
      throw error;
    }
    this.#granted(owner, this.#clock.now() - start, contended);
    return owner;
  }

  /** Takes `key` at once (returns undefined) or queues and returns the wait. */
  #take(
    key: string,
    owner: Owner,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<void> | undefined {
    const slot = this.#slots.get(key);
    if (!slot) {
      this.#slots.set(key, { holder: owner, queue: [] });
      return undefined;
    }
    if (!slot.holder && slot.queue.length === 0) {
      slot.holder = owner;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        owner,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      const leave = (error: unknown) => {
        const index = slot.queue.indexOf(waiter);
        if (index < 0) return;
        slot.queue.splice(index, 1);
        this.#stats.waiters--;
        this.#clearWaiter(waiter);
        if (!slot.holder && slot.queue.length === 0) this.#slots.delete(key);
        reject(error);
      };
      const remaining = deadline - this.#clock.now();
      if (remaining <= 0) {
        reject(new LockTimeoutError(owner.resource, deadline - this.#clock.now()));
        return;
      }
      if (Number.isFinite(remaining)) {
        waiter.timer = this.#clock.setTimeout(
          () => leave(new LockTimeoutError(owner.resource, remaining)),
          remaining,
        );
      }
      if (signal) {
        waiter.onAbort = () => leave(signal.reason);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      slot.queue.push(waiter);
      this.#stats.waiters++;
    });
  }

  #clearWaiter(waiter: Waiter): void {
    if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
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

  /** @internal (re)starts the lease timer of a held lock. */
  _startLease(owner: Owner): void {
    if (owner.leaseTimer !== undefined) this.#clock.clearTimeout(owner.leaseTimer);
    owner.leaseTimer = undefined;
    if (!Number.isFinite(owner.leaseMs)) return;
    owner.leaseTimer = this.#clock.setTimeout(() => this.#expire(owner), owner.leaseMs);
  }

  #expire(owner: Owner): void {
    if (owner.state !== 'held') return;
    owner.leaseTimer = undefined;
    this.#stats.leaseExpiries++;
    const reason = `lease of ${owner.leaseMs}ms expired`;
    if (lockingChannels.lost.hasSubscribers) {
      lockingChannels.lost.publish({ kind: 'local', resource: owner.resource, reason });
    }
    this.#drop(owner, 'lost');
    owner.controller.abort(new LockLostError(owner.resource, reason));
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
    if (owner.leaseTimer !== undefined) this.#clock.clearTimeout(owner.leaseTimer);
    owner.leaseTimer = undefined;
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
    next.resolve();
  }

  /**
   * Runs `fn` while holding the key(s), then releases. `fn` receives the lock's signal,
   * which fires when the lease expires. Rejects with {@link LockLostError} when the lease
   * expired before `fn` settled (its result is discarded: exclusion was not kept).
   */
  async withLock<T>(
    keys: string | readonly string[],
    fn: (signal: AbortSignal, lock: LocalLock) => T | Promise<T>,
    options?: LocalAcquireOptions,
  ): Promise<T> {
    const lock = await this.acquire(keys, options);
    try {
      const result = await fn(lock.signal, lock);
      if (!lock.held && lock.signal.aborted) throw lock.signal.reason;
      return result;
    } catch (error) {
      if (lock.signal.aborted && error !== lock.signal.reason) {
        throw new LockLostError(lock.resource, 'lease expired while the function ran', {
          cause: error,
        });
      }
      throw error;
    } finally {
      await lock.release();
    }
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
      owner.controller.abort(new ClosedError('local locks'));
    }
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
