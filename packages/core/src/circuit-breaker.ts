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
 * After `breakDurationMs` one probe is allowed (half-open); its success closes the
 * circuit, its failure opens it again. Recovery needs no outside help.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
  }

  /** Current state (moves open → half-open when the break has elapsed). */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#options.now() >= this.#openUntil) {
      this.#transition('half-open');
    }
    return this.#state;
  }

  /** Consecutive failures counted so far. */
  get failures(): number {
    return this.#failures;
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
    if (this.#state === 'half-open' || this.#failures >= this.#options.failureThreshold) {
      this.#openUntil = this.#options.now() + this.#options.breakDurationMs;
      this.#transition('open');
    }
  }

  #transition(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onStateChange(state, this.#failures, this.#openUntil);
  }
}
