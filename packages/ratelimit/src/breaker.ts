/** State of a {@link CircuitBreaker}. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one probe call is let through. */
  readonly breakDurationMs: number;
  readonly now: () => number;
  readonly onStateChange: (state: CircuitState, failures: number, openUntil: number) => void;
}

/**
 * Consecutive-failure circuit breaker. Open: calls are refused without being tried.
 * After `breakDurationMs` one probe is let through (half-open); its success closes the
 * circuit, its failure opens it again. Recovery needs no outside help and no timer.
 */
export class CircuitBreaker {
  readonly #o: CircuitBreakerOptions;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.#o = options;
  }

  /** Current state (moves open → half-open once the break has elapsed). */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#o.now() >= this.#openUntil) this.#to('half-open');
    return this.#state;
  }

  /** When an open circuit lets a probe through (ms, clock of `now`). */
  get openUntil(): number {
    return this.#openUntil;
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Whether a call may be attempted now; in half-open only one probe at a time. */
  allow(): boolean {
    if (this.#state === 'closed') return true;
    const state = this.state;
    if (state === 'open' || this.#probing) return state === 'closed';
    this.#probing = true;
    return true;
  }

  /** Records a success. */
  success(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#state !== 'closed') this.#to('closed');
  }

  /** Records a failure. */
  failure(): void {
    this.#failures++;
    if (this.#state === 'open') return;
    this.#probing = false;
    if (this.#state === 'half-open' || this.#failures >= this.#o.failureThreshold) {
      this.#openUntil = this.#o.now() + this.#o.breakDurationMs;
      this.#to('open');
    }
  }

  #to(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#o.onStateChange(state, this.#failures, this.#openUntil);
  }
}
