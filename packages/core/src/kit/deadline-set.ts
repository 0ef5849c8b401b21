import { type Clock, type ClockTimer, systemClock } from '../contracts/clock.js';

/** Something that expires at `deadline` (monotonic ms of the clock) unless removed first. */
export interface Expiring {
  /** Monotonic time (`clock.monotonic()`) at which {@link Expiring.expire} runs. */
  deadline: number;
  /** Runs once when the deadline passes while the item is in the set. */
  expire(): void;
}

/**
 * Many deadlines of any length behind one timer (leases, acquire timeouts): items are added
 * and removed far more often than they expire, and a timer per item would cost more than
 * the item. Use {@link DeadlineQueue} instead when every call shares one timeout.
 */
export class DeadlineSet {
  readonly #clock: Clock;
  readonly #items = new Set<Expiring>();
  #timer: ClockTimer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  /** @defaultValue clock: `systemClock` */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Number of items watched. */
  get size(): number {
    return this.#items.size;
  }

  /** Watches `item` (its deadline must be set). */
  add(item: Expiring): void {
    this.#items.add(item);
    if (item.deadline < this.#timerAt) this.#schedule(item.deadline);
  }

  /** Stops watching `item`. The timer stays; it rechecks when it fires. */
  delete(item: Expiring): void {
    this.#items.delete(item);
  }

  /** Stops watching everything and cancels the timer. */
  clear(): void {
    this.#items.clear();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #schedule(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    const delayMs = Math.max(0, Math.ceil(at - this.#clock.monotonic()));
    this.#timer = this.#clock.setTimeout(() => this.#fire(), delayMs);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.monotonic();
    const due: Expiring[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const item of this.#items) {
      if (item.deadline <= now) due.push(item);
      else if (item.deadline < next) next = item.deadline;
    }
    for (const item of due) this.#items.delete(item);
    if (next < Number.POSITIVE_INFINITY) this.#schedule(next);
    for (const item of due) item.expire();
  }
}
