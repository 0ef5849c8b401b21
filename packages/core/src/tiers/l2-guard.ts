import type { Clock } from '../contracts/clock.js';
import { CacheStackError, CircuitOpenError, StoreError } from '../contracts/errors.js';
import { type CacheEvents, coreChannels, coreTracingChannels } from '../contracts/events.js';
import type { Logger } from '../contracts/logger.js';
import { CircuitBreaker, type CircuitState } from '../kit/circuit-breaker.js';
import { clockFromNow } from '../kit/clock-from-now.js';
import { DeadlineQueue } from '../kit/deadline-queue.js';

/** Resolved options of an {@link L2Guard}. */
export interface L2GuardOptions {
  /** The store's name, for messages. */
  readonly storeName: string;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly breakDurationMs: number;
  readonly events: CacheEvents;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Called when the circuit closes again (L2 answers): replay what is pending. */
  readonly onRecovered: () => void;
}

/** Emits `store:error` and, to its listeners only, the deprecated alias `l2:error`. */
export function reportStoreError(events: CacheEvents, operation: string, error: Error): void {
  events.emit('store:error', { operation, error });
  // Deprecated alias, kept for one minor version (docs/events.md).
  if (events.has('l2:error')) events.emit('l2:error', { operation, error });
}

/**
 * What stands between the cache and every L2 call: a deadline (one timer for all calls),
 * a circuit breaker, a typed error, and the `store:error` / `circuit:*` events and
 * diagnostics. A caller of L2 never waits longer than the deadline, and an outage is
 * always visible.
 */
export class L2Guard {
  readonly #options: L2GuardOptions;
  readonly #breaker: CircuitBreaker;
  readonly #deadlines: DeadlineQueue;

  constructor(options: L2GuardOptions) {
    this.#options = options;
    this.#deadlines = new DeadlineQueue(options.timeoutMs, {
      what: `L2 ${options.storeName}`,
      clock: options.clock,
    });
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold,
      breakDurationMs: options.breakDurationMs,
      // The break is measured on the cache's `now` (the older `now` option drives it too).
      clock: clockFromNow(() => options.clock.now()),
      onStateChange: (state, failures, openUntil) => this.#onCircuit(state, failures, openUntil),
    });
  }

  /** Circuit breaker state. */
  get circuitState(): CircuitState {
    return this.#breaker.state;
  }

  /**
   * Runs one L2 call under the breaker and the deadline; `map` (which must not throw)
   * runs on the result in the same callback. One promise per call: the deadline, the
   * breaker and the mapping share it (this is the L2-hit path). `namespace` only labels
   * diagnostics.
   */
  call<T, R = T>(
    operation: string,
    namespace: string,
    fn: () => Promise<T>,
    map?: (value: T) => R | Promise<R>,
  ): Promise<R> {
    if (!this.#breaker.allow()) {
      return Promise.reject(
        new CircuitOpenError(`L2 (${this.#options.storeName}) circuit breaker is open`),
      );
    }
    if (!coreTracingChannels.l2.hasSubscribers) return this.#run(operation, namespace, fn, map);
    const context = { cache: this.#options.events.diagnosticsId, namespace, operation };
    return coreTracingChannels.l2.tracePromise(
      this.#run<T, R>,
      context,
      this,
      operation,
      namespace,
      fn,
      map,
    );
  }

  #run<T, R>(
    operation: string,
    namespace: string,
    fn: () => Promise<T>,
    map: ((value: T) => R | Promise<R>) | undefined,
  ): Promise<R> {
    const clock = this.#options.clock;
    const started = coreChannels.l2.hasSubscribers ? clock.monotonic() : 0;
    let call: Promise<T>;
    try {
      call = fn();
    } catch (error) {
      call = Promise.reject(error);
    }
    const deadlines = this.#deadlines;
    if (!deadlines.enabled) {
      return call.then(
        (result) => this.#succeeded(operation, namespace, started, result, map),
        (cause: unknown) => {
          throw this.#failed(operation, namespace, started, cause);
        },
      );
    }
    return new Promise<R>((resolve, reject) => {
      const deadline = deadlines.start(operation, (timeout) =>
        reject(this.#failed(operation, namespace, started, timeout)),
      );
      call.then(
        (result) => {
          if (deadlines.settle(deadline)) {
            resolve(this.#succeeded(operation, namespace, started, result, map));
          }
        },
        (cause: unknown) => {
          if (deadlines.settle(deadline))
            reject(this.#failed(operation, namespace, started, cause));
        },
      );
    });
  }

  #succeeded<T, R>(
    operation: string,
    namespace: string,
    started: number,
    result: T,
    map: ((value: T) => R | Promise<R>) | undefined,
  ): R | Promise<R> {
    this.#breaker.success();
    if (started) {
      const durationMs = this.#options.clock.monotonic() - started;
      const cache = this.#options.events.diagnosticsId;
      coreChannels.l2.publish({ cache, namespace, operation, durationMs, ok: true });
    }
    return map === undefined ? (result as unknown as R) : map(result);
  }

  /** Counts the failure, reports it (event, diagnostics, log) and returns the typed error. */
  #failed(operation: string, namespace: string, started: number, cause: unknown): CacheStackError {
    this.#breaker.failure();
    const error =
      cause instanceof CacheStackError
        ? cause
        : new StoreError(`L2 ${operation} failed: ${(cause as Error)?.message ?? cause}`, {
            cause,
          });
    if (started) {
      coreChannels.l2.publish({
        cache: this.#options.events.diagnosticsId,
        namespace,
        operation,
        durationMs: this.#options.clock.monotonic() - started,
        ok: false,
        error,
      });
    }
    reportStoreError(this.#options.events, operation, error);
    this.#options.logger.warn({ err: error, operation }, 'cachestack: L2 call failed');
    return error;
  }

  #onCircuit(state: CircuitState, failures: number, openUntil: number): void {
    if (coreChannels.circuit.hasSubscribers) coreChannels.circuit.publish({ state });
    if (state === 'open') {
      this.#options.events.emit('circuit:open', { failures, openUntil });
      this.#options.logger.error({ failures }, 'cachestack: L2 circuit opened');
    } else if (state === 'half-open') {
      this.#options.events.emit('circuit:half-open', {});
    } else {
      this.#options.events.emit('circuit:close', {});
      this.#options.logger.info({}, 'cachestack: L2 circuit closed');
      this.#options.onRecovered();
    }
  }
}
