import { type Clock, systemClock } from '../contracts/clock.js';

/** State of a {@link CircuitBreaker}. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (an integer >= 1). */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one probe call is let through, in ms. */
  readonly breakDurationMs: number;
  /**
   * Time of the breaker: the break is measured on `clock.monotonic()`, `openUntil` is
   * reported in `clock.now()` (epoch ms).
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock;
  /**
   * A time source used for both the break and `openUntil` instead of `clock`.
   * @deprecated Pass `clock`; `now` is kept for one minor version.
   */
  readonly now?: () => number;
  /**
   * Called on every state change; `openUntil` is epoch ms (`clock.now()`) when the circuit
   * opened. Report it as `circuit:open` / `circuit:half-open` / `circuit:close` (see
   * docs/events.md).
   */
  readonly onStateChange?: (state: CircuitState, failures: number, openUntil: number) => void;
}

/**
 * Consecutive-failure circuit breaker. Open: calls are refused without being tried.
 * After `breakDurationMs` one probe is allowed (half-open); its success closes the
 * circuit, its failure opens it again. Recovery needs no outside help.
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #breakDurationMs: number;
  readonly #clock: Clock;
  readonly #onStateChange: CircuitBreakerOptions['onStateChange'];
  #state: CircuitState = 'closed';
  #failures = 0;
  /** Monotonic time at which the open circuit lets a probe through. */
  #reopenAt = 0;
  /** The same moment as epoch ms, for reports. */
  #openUntil = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.#failureThreshold = options.failureThreshold;
    this.#breakDurationMs = options.breakDurationMs;
    const now = options.now;
    this.#clock =
      now === undefined ? (options.clock ?? systemClock) : { ...systemClock, now, monotonic: now };
    this.#onStateChange = options.onStateChange;
  }

  /** Current state (moves open → half-open when the break has elapsed). */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#clock.monotonic() >= this.#reopenAt) {
      this.#transition('half-open');
    }
    return this.#state;
  }

  /** Consecutive failures counted so far. */
  get failures(): number {
    return this.#failures;
  }

  /** When the open circuit lets a probe through, epoch ms (0 before it first opened). */
  get openUntil(): number {
    return this.#openUntil;
  }

  /** Whether a call may be attempted now. In half-open, only one probe at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Records a successful call. */
  success(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#state !== 'closed') this.#transition('closed');
  }

  /** Records a failed call. */
  failure(): void {
    this.#failures++;
    // Calls that were already in flight when the circuit opened do not extend the break.
    if (this.#state === 'open') return;
    this.#probing = false;
    if (this.#state === 'half-open' || this.#failures >= this.#failureThreshold) {
      this.#reopenAt = this.#clock.monotonic() + this.#breakDurationMs;
      this.#openUntil = this.#clock.now() + this.#breakDurationMs;
      this.#transition('open');
    }
  }

  #transition(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#onStateChange?.(state, this.#failures, this.#openUntil);
  }
}
