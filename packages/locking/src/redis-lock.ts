/**
 * A lock on one Redis: random token, `SET NX PX`, release and extension by token in Lua,
 * fencing tokens, waiters woken by a release notification with jittered retry as fallback.
 */
import { ClosedError, InvalidOptionError, type Locker } from '@cachestack/core';
import { DeadlineSet } from '@cachestack/core/kit';
import { lockingChannels } from './channels.js';
import { type Clock, type TimerHandle, toCoreClock } from './clock.js';
import {
  backoffMs,
  type DistributedAcquireOptions,
  type DistributedLockOptions,
  driftMs,
  positiveMs,
  type ResolvedCommon,
  resolveCall,
  resolveCommon,
} from './common-options.js';
import { type IoRedisCompatibleClient, ioredisApiClient } from './compatible-client.js';
import { LockTimeoutError } from './errors.js';
import { type DistributedLock, HeldLock, type LockBackend, runHolding } from './held-lock.js';
import type { LocalLock } from './local-lock.js';
import { LocalLocks } from './local-locks.js';
import { ReleaseNotifier } from './release-notifier.js';
import {
  acquireScript,
  extendScript,
  type RedisClient,
  releaseScript,
  resourceKeys,
} from './scripts.js';
import { type LockStats, StatsCounter } from './stats.js';
import { TokenSource } from './token.js';

/** Options of {@link createRedisLocks}. */
export interface RedisLocksOptions extends DistributedLockOptions {
  /**
   * The ioredis client (standalone or Cluster), or a client with the same API such as
   * iovalkey's (see {@link IoRedisCompatibleClient}). It belongs to the caller: never
   * closed here.
   */
  readonly client: RedisClient | IoRedisCompatibleClient;
  /**
   * Wake waiters with a pub/sub message published by the release script (one extra
   * connection, created lazily with `client.duplicate()`). `'sharded'` uses sharded
   * pub/sub (`SPUBLISH` / `SSUBSCRIBE`, Redis >= 7): on a Cluster the message stays on
   * the shard of the lock instead of being broadcast to every node, and waiters subscribe
   * on that shard's master (one connection per master). `false` turns notifications off
   * (waiters poll with jittered backoff). @defaultValue true
   */
  readonly notify?: boolean | 'sharded';
  /**
   * How long an idle fence counter is kept. When it has expired, the next counter is
   * seeded from the server clock in microseconds, so tokens keep increasing.
   * @defaultValue 86_400_000 (one day)
   */
  readonly fenceRetentionMs?: number;
}

/** Waits `ms` on `clock`; `wake()` or an abort ends the wait early. */
function wakeableSleep(
  clock: Clock,
  ms: number,
  signal: AbortSignal | undefined,
): { promise: Promise<void>; wake: () => void } {
  let wake = () => {};
  const promise = new Promise<void>((resolve) => {
    let handle: TimerHandle;
    const done = () => {
      clock.clearTimeout(handle);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    handle = clock.setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
    wake = done;
  });
  return { promise, wake };
}

/**
 * Locks on one Redis server (or one Cluster). Implements core's `Locker`. Callers in the
 * same process queue locally (FIFO) for a resource, so only one of them polls Redis.
 */
export class RedisLocks implements Locker {
  readonly #client: RedisClient;
  readonly #o: ResolvedCommon;
  readonly #fenceRetentionMs: number;
  readonly #notifier: ReleaseNotifier | undefined;
  readonly #sharded: boolean;
  readonly #gate: LocalLocks;
  readonly #stats = new StatsCounter();
  readonly #held = new Map<HeldLock, LocalLock>();
  readonly #backend: LockBackend;
  readonly #tokens = new TokenSource();
  /** Wakes sleeping waiters on close. */
  readonly #sleepers = new Set<() => void>();
  #closed = false;

  constructor(options: RedisLocksOptions) {
    this.#client = ioredisApiClient(options.client, 'client');
    this.#o = resolveCommon(options);
    this.#fenceRetentionMs = positiveMs('fenceRetentionMs', options.fenceRetentionMs, 86_400_000);
    const notify = options.notify ?? true;
    if (notify !== true && notify !== false && notify !== 'sharded') {
      throw new InvalidOptionError('notify', "must be true, false or 'sharded'");
    }
    this.#sharded = notify === 'sharded';
    this.#notifier =
      notify === false ? undefined : new ReleaseNotifier(this.#client, this.#sharded);
    this.#gate = new LocalLocks({ clock: this.#o.clock, leaseMs: Number.POSITIVE_INFINITY });
    const o = this.#o;
    const client = this.#client;
    this.#backend = {
      kind: 'redis',
      clock: o.clock,
      stats: this.#stats,
      deadlines: new DeadlineSet(toCoreClock(o.clock)),
      drift: (leaseMs) => driftMs(o, leaseMs),
      extendRemote: async (resource, token, leaseMs) => {
        const keys = resourceKeys(o.prefix, resource);
        const reply = await extendScript.runWithin(
          client,
          [keys.lock],
          [token, Math.ceil(leaseMs)],
          o.commandTimeoutMs,
          'lock extend',
        );
        return Number(reply) === 1;
      },
      releaseRemote: async (resource, token) => {
        const keys = resourceKeys(o.prefix, resource);
        await releaseScript.runWithin(
          client,
          [keys.lock],
          [token, this.#notifier ? keys.channel : '', '1', this.#sharded ? '1' : '0'],
          o.commandTimeoutMs,
          'lock release',
        );
      },
      done: (lock) => {
        const gate = this.#held.get(lock);
        this.#held.delete(lock);
        gate?.release();
      },
    };
  }

  /** Counters since creation plus current holders and waiters. */
  stats(): LockStats {
    return this.#stats.snapshot();
  }

  /** The Redis key holding the lock of `resource` (for inspection and tests). */
  keyOf(resource: string): string {
    return resourceKeys(this.#o.prefix, resource).lock;
  }

  /**
   * Acquires `resource`. Rejects with {@link LockTimeoutError} after the acquire timeout,
   * with the signal's reason when aborted, with core's `StoreError`/`TimeoutError` when
   * Redis fails or misses the command deadline (an outage is never hidden as a wait).
   */
  async acquire(
    resource: string,
    options: DistributedAcquireOptions = {},
  ): Promise<DistributedLock> {
    if (this.#closed) throw new ClosedError('redis locks');
    const { leaseMs, timeoutMs } = resolveCall(this.#o, options);
    const { clock } = this.#o;
    const signal = options.signal;
    const start = clock.now();
    const deadline = start + timeoutMs;
    this.#stats.waiters++;
    let gate: LocalLock | undefined;
    try {
      const contendedLocally = this.#gate.isLocked(resource);
      gate = await this.#gate.acquire(resource, { acquireTimeoutMs: timeoutMs, signal });
      const lock = await this.#acquireRemote(resource, leaseMs, deadline, signal);
      this.#held.set(lock.held, gate);
      const waitMs = clock.now() - start;
      this.#stats.recordAcquire(waitMs, lock.contended || contendedLocally);
      if (lockingChannels.acquire.hasSubscribers) {
        lockingChannels.acquire.publish({
          kind: 'redis',
          resource,
          waitMs,
          contended: lock.contended,
          fencingToken: lock.held.fencingToken,
        });
      }
      if (options.autoExtend) lock.held.startAutoExtend();
      return lock.held;
    } catch (error) {
      gate?.release();
      if (error instanceof LockTimeoutError) {
        this.#stats.timeouts++;
        if (lockingChannels.timeout.hasSubscribers) {
          lockingChannels.timeout.publish({ kind: 'redis', resource, waitMs: clock.now() - start });
        }
        throw new LockTimeoutError(resource, timeoutMs);
      }
      throw error;
    } finally {
      this.#stats.waiters--;
    }
  }

  async #acquireRemote(
    resource: string,
    leaseMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<{ held: HeldLock; contended: boolean }> {
    const { clock, commandTimeoutMs } = this.#o;
    const keys = resourceKeys(this.#o.prefix, resource);
    const token = this.#tokens.next();
    let contended = false;
    let stopListening: (() => void) | undefined;
    let wake: (() => void) | undefined;
    // Set by a release notification; also covers one that arrives mid-attempt.
    let released = false;
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.#closed) throw new ClosedError('redis locks');
        released = false;
        const attemptStart = clock.now();
        let reply: unknown;
        try {
          reply = await acquireScript.runWithin(
            this.#client,
            [keys.lock, keys.fence],
            [token, Math.ceil(leaseMs), this.#fenceRetentionMs],
            commandTimeoutMs,
            'lock acquire',
          );
        } catch (error) {
          // The SET may still land after the deadline: delete it if it carries our token.
          this.#backend.releaseRemote(resource, token).catch(() => {});
          throw error;
        }
        const [ok, value] = reply as [number, number];
        if (ok === 1) {
          const held = new HeldLock(
            this.#backend,
            resource,
            token,
            Number(value),
            leaseMs,
            attemptStart,
          );
          if (this.#closed) {
            this.#stats.holders++;
            held.abandon(new ClosedError('redis locks'));
            throw new ClosedError('redis locks');
          }
          return { held, contended };
        }
        contended = true;
        const remaining = deadline - clock.now();
        if (remaining <= 0) throw new LockTimeoutError(resource, remaining);
        if (!stopListening && this.#notifier) {
          try {
            stopListening = await this.#notifier.listen(
              keys.channel,
              () => {
                released = true;
                wake?.();
              },
              Math.min(commandTimeoutMs, remaining),
            );
            // Subscribed: try once more, so a release between the attempt and the
            // subscription is not missed.
            continue;
          } catch {
            // No notifications: the jittered retry below still finds the lock free.
          }
        }
        if (released) {
          released = false;
          continue;
        }
        let delay = Math.min(backoffMs(this.#o, attempt), remaining);
        const pttl = Number(value);
        // A lease that runs out publishes nothing: retry right after it.
        if (pttl > 0) delay = Math.min(delay, pttl + 1);
        const sleep = wakeableSleep(clock, delay, signal);
        wake = sleep.wake;
        this.#sleepers.add(sleep.wake);
        await sleep.promise;
        this.#sleepers.delete(sleep.wake);
        wake = undefined;
        if (signal?.aborted) throw signal.reason;
      }
    } finally {
      stopListening?.();
    }
  }

  /**
   * Runs `fn` holding `resource`, extending the lock automatically; `fn` gets the lock,
   * whose `signal` fires when the lock is lost. Rejects with {@link LockLostError} when it was lost
   * before `fn` settled.
   */
  async using<T>(
    resource: string,
    fn: (lock: DistributedLock) => T | Promise<T>,
    options: Omit<DistributedAcquireOptions, 'autoExtend'> = {},
  ): Promise<T> {
    const lock = (await this.acquire(resource, options)) as HeldLock;
    return runHolding(lock, fn);
  }

  /**
   * Stops accepting acquisitions, rejects waiters, releases held locks (best effort) and
   * closes the subscriber connection it created. The caller's client is left open. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lock of [...this.#held.keys()]) lock.abandon(new ClosedError('redis locks'));
    for (const wake of this.#sleepers) wake();
    await this.#gate.close();
    this.#notifier?.close();
  }

  /** Calls {@link RedisLocks.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates {@link RedisLocks} on one Redis. */
export function createRedisLocks(options: RedisLocksOptions): RedisLocks {
  return new RedisLocks(options);
}
