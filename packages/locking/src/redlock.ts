/**
 * Redlock: one lock over N independent Redis nodes. Held when a majority accepted it
 * within its validity time (lease minus elapsed time minus clock-drift allowance).
 */
import { ClosedError, InvalidOptionError, type Locker, StoreError } from '@cachestack/core';
import { DeadlineSet } from '@cachestack/core/kit';
import { lockingChannels } from './channels.js';
import { sleep, toCoreClock } from './clock.js';
import {
  backoffMs,
  type DistributedAcquireOptions,
  type DistributedLockOptions,
  driftMs,
  type ResolvedCommon,
  resolveCall,
  resolveCommon,
} from './common-options.js';
import { type IoRedisCompatibleClient, ioredisApiClient } from './compatible-client.js';
import { LockQuorumError, LockTimeoutError } from './errors.js';
import { type DistributedLock, HeldLock, type LockBackend, runHolding } from './held-lock.js';
import type { LocalLock } from './local-lock.js';
import { LocalLocks } from './local-locks.js';
import {
  acquireScript,
  extendScript,
  type RedisClient,
  releaseScript,
  resourceKeys,
} from './scripts.js';
import { type LockStats, StatsCounter } from './stats.js';
import { TokenSource } from './token.js';

/** Options of {@link createRedlock}. */
export interface RedlockOptions extends DistributedLockOptions {
  /**
   * Clients of independent Redis nodes (not replicas of each other); an odd number, 3
   * or 5 usually: ioredis clients, or clients with the same API such as iovalkey's (see
   * {@link IoRedisCompatibleClient}). They belong to the caller: never closed here.
   */
  readonly clients: readonly (RedisClient | IoRedisCompatibleClient)[];
}

/** ioredis connection states in which a command cannot be answered soon. */
const DOWN = new Set(['reconnecting', 'close', 'end']);

interface Tally {
  ok: number;
  failed: number;
  minPttl: number;
}

/**
 * Redlock over independent nodes. Implements core's `Locker`. Locks carry no fencing
 * token: no per-node counter gives one that is monotonic for every majority.
 */
export class Redlock implements Locker {
  readonly #clients: readonly RedisClient[];
  readonly #o: ResolvedCommon;
  readonly #quorum: number;
  readonly #gate: LocalLocks;
  readonly #stats = new StatsCounter();
  readonly #held = new Map<HeldLock, LocalLock>();
  readonly #backend: LockBackend;
  readonly #tokens = new TokenSource();
  #closed = false;

  constructor(options: RedlockOptions) {
    if (!Array.isArray(options.clients) || options.clients.length === 0) {
      throw new InvalidOptionError('clients', 'expected at least one Redis client');
    }
    this.#clients = options.clients.map((client, i) => ioredisApiClient(client, `clients[${i}]`));
    this.#o = resolveCommon(options);
    this.#quorum = Math.floor(this.#clients.length / 2) + 1;
    this.#gate = new LocalLocks({ clock: this.#o.clock, leaseMs: Number.POSITIVE_INFINITY });
    const o = this.#o;
    this.#backend = {
      kind: 'redlock',
      clock: o.clock,
      stats: this.#stats,
      deadlines: new DeadlineSet(toCoreClock(o.clock)),
      drift: (leaseMs) => driftMs(o, leaseMs),
      extendRemote: async (resource, token, leaseMs) => {
        const keys = resourceKeys(o.prefix, resource);
        const tally = await this.#onAll((client) =>
          extendScript
            .runWithin(
              client,
              [keys.lock],
              [token, Math.ceil(leaseMs)],
              o.commandTimeoutMs,
              'extend',
            )
            .then((reply) => ({ ok: Number(reply) === 1, pttl: 0 })),
        );
        if (tally.ok >= this.#quorum) return true;
        if (tally.failed > this.#clients.length - this.#quorum) {
          throw new LockQuorumError(resource, this.#quorum, tally.failed);
        }
        return false;
      },
      releaseRemote: async (resource, token) => {
        await this.#releaseAll(resource, token);
      },
      done: (lock) => {
        const gate = this.#held.get(lock);
        this.#held.delete(lock);
        gate?.release();
      },
    };
  }

  /** Nodes that must accept a lock: a majority. */
  get quorum(): number {
    return this.#quorum;
  }

  /** Counters since creation plus current holders and waiters. */
  stats(): LockStats {
    return this.#stats.snapshot();
  }

  async #onAll(
    op: (client: RedisClient) => Promise<{ ok: boolean; pttl: number }>,
  ): Promise<Tally> {
    const results = await Promise.allSettled(
      this.#clients.map((client) =>
        // A node known to be down counts as failed now rather than after the deadline.
        DOWN.has(client.status)
          ? Promise.reject(new StoreError(`redis node is ${client.status}`))
          : op(client),
      ),
    );
    const tally: Tally = { ok: 0, failed: 0, minPttl: Number.POSITIVE_INFINITY };
    for (const result of results) {
      if (result.status === 'rejected') tally.failed++;
      else if (result.value.ok) tally.ok++;
      else if (result.value.pttl > 0) tally.minPttl = Math.min(tally.minPttl, result.value.pttl);
    }
    return tally;
  }

  async #releaseAll(resource: string, token: string): Promise<void> {
    const keys = resourceKeys(this.#o.prefix, resource);
    await Promise.allSettled(
      this.#clients.map((client) =>
        releaseScript.runWithin(
          client,
          [keys.lock],
          [token, '', ''],
          this.#o.commandTimeoutMs,
          'release',
        ),
      ),
    );
  }

  /**
   * Acquires `resource` on a majority of nodes. Rejects with {@link LockQuorumError} as
   * soon as too many nodes fail for a majority to be possible, with
   * {@link LockTimeoutError} when contention outlasts the acquire timeout, and with the
   * signal's reason when aborted.
   */
  async acquire(
    resource: string,
    options: DistributedAcquireOptions = {},
  ): Promise<DistributedLock> {
    if (this.#closed) throw new ClosedError('redlock');
    const { leaseMs, timeoutMs } = resolveCall(this.#o, options);
    const { clock } = this.#o;
    const signal = options.signal;
    const start = clock.now();
    const deadline = start + timeoutMs;
    this.#stats.waiters++;
    let gate: LocalLock | undefined;
    try {
      let contended = this.#gate.isLocked(resource);
      gate = await this.#gate.acquire(resource, { acquireTimeoutMs: timeoutMs, signal });
      const keys = resourceKeys(this.#o.prefix, resource);
      const token = this.#tokens.next();
      for (let attempt = 0; ; attempt++) {
        if (this.#closed) throw new ClosedError('redlock');
        const attemptStart = clock.now();
        const tally = await this.#onAll((client) =>
          acquireScript
            .runWithin(
              client,
              [keys.lock, keys.fence],
              [token, Math.ceil(leaseMs), 86_400_000],
              this.#o.commandTimeoutMs,
              'acquire',
            )
            .then((reply) => {
              const [ok, value] = reply as [number, number];
              return { ok: ok === 1, pttl: Number(value) };
            }),
        );
        const validityMs = leaseMs - (clock.now() - attemptStart) - driftMs(this.#o, leaseMs);
        if (tally.ok >= this.#quorum && validityMs > 0) {
          const held = new HeldLock(
            this.#backend,
            resource,
            token,
            undefined,
            leaseMs,
            attemptStart,
          );
          this.#held.set(held, gate);
          const waitMs = clock.now() - start;
          this.#stats.recordAcquire(waitMs, contended);
          if (lockingChannels.acquire.hasSubscribers) {
            lockingChannels.acquire.publish({ kind: 'redlock', resource, waitMs, contended });
          }
          if (options.autoExtend) held.startAutoExtend();
          return held;
        }
        // Not held: undo the partial acquisition everywhere, including nodes that timed
        // out (their SET may still land).
        await this.#releaseAll(resource, token);
        if (tally.failed > this.#clients.length - this.#quorum) {
          throw new LockQuorumError(resource, this.#quorum, tally.failed);
        }
        contended = true;
        const remaining = deadline - clock.now();
        if (remaining <= 0) throw new LockTimeoutError(resource, timeoutMs);
        let delay = Math.min(backoffMs(this.#o, attempt), remaining);
        if (Number.isFinite(tally.minPttl)) delay = Math.min(delay, tally.minPttl + 1);
        await sleep(clock, delay, signal);
        if (signal?.aborted) throw signal.reason;
      }
    } catch (error) {
      gate?.release();
      if (error instanceof LockTimeoutError) {
        this.#stats.timeouts++;
        if (lockingChannels.timeout.hasSubscribers) {
          lockingChannels.timeout.publish({
            kind: 'redlock',
            resource,
            waitMs: clock.now() - start,
          });
        }
        throw new LockTimeoutError(resource, timeoutMs);
      }
      throw error;
    } finally {
      this.#stats.waiters--;
    }
  }

  /**
   * Runs `fn` holding `resource` on a quorum, extending automatically; `fn` gets the lock,
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

  /** Refuses further acquisitions and releases held locks (best effort). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lock of [...this.#held.keys()]) lock.abandon(new ClosedError('redlock'));
    await this.#gate.close();
  }

  /** Calls {@link Redlock.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates a {@link Redlock} over independent Redis nodes. */
export function createRedlock(options: RedlockOptions): Redlock {
  return new Redlock(options);
}
