import { CacheStackError, StoreError, TimeoutError } from '@cachestack/core';
import { type Clock, DeadlineQueue } from '@cachestack/core/kit';
import type { Cluster, Redis } from 'ioredis';

/** Turns an ioredis failure into a cachestack error (the original kept as `cause`). */
export function toStoreError(op: string, error: unknown, timeoutMs: number): CacheStackError {
  if (error instanceof CacheStackError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Command timed out') {
    return new TimeoutError(`redis ${op} timed out after ${timeoutMs} ms`, timeoutMs, {
      cause: error,
    });
  }
  return new StoreError(`redis ${op} failed: ${message}`, { cause: error });
}

/**
 * Whether a standalone client times out each command itself within `timeoutMs`. Not
 * trusted on Cluster, whose own offline queue (while it discovers slots) has no timer.
 */
function hasCommandTimeout(client: Redis | Cluster, timeoutMs: number): boolean {
  if (client.isCluster) return false;
  const ms = (client as Redis).options.commandTimeout;
  return typeof ms === 'number' && ms > 0 && ms <= timeoutMs;
}

/**
 * Sends commands under the store's deadline and maps their outcome. When the client
 * enforces a `commandTimeout` no longer than ours (always true of a client the store
 * created), ioredis's own per-command timer is the deadline and only the outcome is
 * mapped; otherwise the call races one shared timer (core's kit `DeadlineQueue`).
 */
export class Caller {
  readonly timeoutMs: number;
  /** Whether ioredis itself times out every command within our deadline. */
  readonly clientDeadline: boolean;
  /** Set while a client the store created makes its first connection attempt. */
  connecting: Promise<void> | undefined;
  readonly #deadlines: DeadlineQueue;

  constructor(
    client: Redis | Cluster,
    timeoutMs: number,
    connecting?: Promise<void>,
    clock?: Clock,
  ) {
    this.timeoutMs = timeoutMs;
    this.clientDeadline = hasCommandTimeout(client, timeoutMs);
    this.connecting = connecting?.then(() => {
      this.connecting = undefined;
    });
    this.#deadlines = new DeadlineQueue(
      timeoutMs,
      clock === undefined ? { what: 'redis' } : { what: 'redis', clock },
    );
  }

  /**
   * Sends a command. A first connection attempt in progress is awaited under our timer.
   * Scripts always race our timer: a NOSCRIPT fallback is a second command with its own
   * ioredis timer.
   */
  run<T, R = T>(
    op: string,
    send: () => Promise<T>,
    map?: (value: T) => R,
    script = false,
  ): Promise<R> {
    const connecting = this.connecting;
    if (connecting !== undefined) return this.deadline(op, connecting.then(send), map);
    if (script || !this.clientDeadline) return this.deadline(op, send(), map);
    return send().then(map as (value: T) => R, (error: unknown) => {
      throw toStoreError(op, error, this.timeoutMs);
    });
  }

  /** Races `pending` with the deadline; rejects with `TimeoutError` when it passes. */
  deadline<T, R = T>(op: string, pending: Promise<T>, map?: (value: T) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const deadline = this.#deadlines.start(op, reject);
      pending.then(
        (value) => {
          if (!this.#deadlines.settle(deadline)) return;
          if (map === undefined) {
            resolve(value as unknown as R);
            return;
          }
          try {
            resolve(map(value));
          } catch (error) {
            reject(toStoreError(op, error, this.timeoutMs));
          }
        },
        (error: unknown) => {
          if (this.#deadlines.settle(deadline)) reject(toStoreError(op, error, this.timeoutMs));
        },
      );
    });
  }
}
