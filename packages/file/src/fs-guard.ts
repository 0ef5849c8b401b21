import { CircuitOpenError, type Logger } from '@cachestack/core';
import { CircuitBreaker, clockFromNow } from '@cachestack/core/kit';
import { fileChannels } from './channels.js';
import { errnoOf, isEnvironmentError, toFileStoreError } from './errors.js';
import type { FileStoreEvents, FileStoreStats } from './file-events.js';

/** Which breaker a call goes through. */
export type Side = 'read' | 'write';

/** What {@link FsGuard} needs. */
export interface FsGuardOptions {
  readonly failureThreshold: number;
  readonly breakDurationMs: number;
  readonly now: () => number;
  readonly events: FileStoreEvents;
  readonly stats: FileStoreStats;
  readonly logger: Logger;
  /** Called when the disk is full (ENOSPC, EDQUOT): the store starts a cleaner pass. */
  readonly onDiskFull: () => void;
}

/**
 * Runs store calls through a read and a write circuit breaker (core's
 * `CircuitBreaker`): file-system failures that mean the environment is broken (full
 * disk, no descriptors, no permission, I/O errors, lock timeouts) count; after
 * `failureThreshold` in a row calls fail fast with `CircuitOpenError` until a probe
 * succeeds. Also wraps errors into typed ones, counts and reports them, and publishes
 * per-call telemetry.
 */
export class FsGuard {
  readonly #o: FsGuardOptions;
  readonly #breakers: Record<Side, CircuitBreaker>;

  constructor(options: FsGuardOptions) {
    this.#o = options;
    const breaker = (side: Side) =>
      new CircuitBreaker({
        failureThreshold: options.failureThreshold,
        breakDurationMs: options.breakDurationMs,
        clock: clockFromNow(options.now),
        onStateChange: (state, failures, openUntil) => {
          const events = options.events;
          if (state === 'open') events.emit('circuit:open', { side, failures, openUntil });
          else if (state === 'half-open') events.emit('circuit:half-open', { side });
          else events.emit('circuit:close', { side });
          // Deprecated alias, kept for one minor version.
          if (events.has('circuit')) events.emit('circuit', { side, state, failures });
          options.logger.warn({ side, state, failures }, 'cachestack file store: circuit');
        },
      });
    this.#breakers = { read: breaker('read'), write: breaker('write') };
  }

  /** States of the two breakers. */
  get circuit(): { read: string; write: string } {
    return { read: this.#breakers.read.state, write: this.#breakers.write.state };
  }

  async run<T>(side: Side, operation: string, namespace: string, fn: () => Promise<T>): Promise<T> {
    const breaker = this.#breakers[side];
    if (!breaker.allow()) {
      throw new CircuitOpenError(`file store ${side} circuit breaker is open`);
    }
    const started = fileChannels.op.hasSubscribers ? performance.now() : 0;
    try {
      const result = await fn();
      breaker.success();
      if (started) {
        const durationMs = performance.now() - started;
        fileChannels.op.publish({ operation, namespace, durationMs, ok: true });
      }
      return result;
    } catch (cause) {
      const error = toFileStoreError(operation, cause);
      const errno = errnoOf(cause);
      if (isEnvironmentError(cause)) {
        breaker.failure();
        if (errno === 'ENOSPC' || errno === 'EDQUOT') this.#o.onDiskFull();
      } else {
        // The file system answered: a probe in flight must not keep the breaker half-open.
        breaker.success();
      }
      if (started) {
        const durationMs = performance.now() - started;
        fileChannels.op.publish({ operation, namespace, durationMs, ok: false, errno });
      }
      this.#o.stats.errors++;
      const events = this.#o.events;
      events.emit('store:error', { operation, error });
      // Deprecated alias, kept for one minor version.
      if (events.has('error')) events.emit('error', { operation, error });
      this.#o.logger.warn({ err: error, operation }, 'cachestack file store: operation failed');
      throw error;
    }
  }
}
