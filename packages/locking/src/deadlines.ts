/**
 * Many deadlines behind one timer. Leases and acquire timeouts are added and removed
 * far more often than they expire; a timer per lock would cost more than the lock.
 */
import type { Clock, TimerHandle } from './clock.js';

/** Something that expires at `deadline` (clock ms) unless removed first. */
export interface Expiring {
  deadline: number;
  expire(): void;
}

/** @internal */
export class Deadlines {
  readonly #clock: Clock;
  readonly #items = new Set<Expiring>();
  #timer: TimerHandle = undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(clock: Clock) {
    this.#clock = clock;
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
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, at - this.#clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
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
