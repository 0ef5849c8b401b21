import { type Clock, type ClockTimer, systemClock } from './contracts/clock.js';
import { TimeoutError } from './contracts/errors.js';

/**
 * Resolves like `promise`, or rejects with {@link TimeoutError} after `ms`. The timer is
 * cleared as soon as the promise settles and never keeps the process alive.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  clock: Clock = systemClock,
): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new TimeoutError(`${what} did not finish within ${ms}ms`, ms));
    }, ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

interface Pending {
  readonly at: number;
  readonly operation: string;
  settled: boolean;
  readonly reject: (error: Error) => void;
}

/**
 * Deadlines of calls that share one timeout, on one timer instead of a
 * `setTimeout`/`clearTimeout` pair per call. Calls start in order, so deadlines ascend
 * and the timer only waits for the oldest unsettled call.
 */
export class DeadlineQueue {
  readonly #timeoutMs: number;
  readonly #what: string;
  #queue: Pending[] = [];
  #head = 0;
  #timer: ClockTimer | undefined;
  readonly #clock: Clock;

  constructor(timeoutMs: number, what: string, clock: Clock = systemClock) {
    this.#timeoutMs = timeoutMs;
    this.#what = what;
    this.#clock = clock;
  }

  /** Like {@link withDeadline} with this queue's timeout. */
  run<T>(promise: Promise<T>, operation: string): Promise<T> {
    if (!Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0) return promise;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        at: this.#clock.monotonic() + this.#timeoutMs,
        operation,
        settled: false,
        reject,
      };
      this.#queue.push(entry);
      if (this.#timer === undefined) this.#arm(this.#timeoutMs);
      promise.then(
        (value) => {
          if (entry.settled) return;
          entry.settled = true;
          this.#drop();
          resolve(value);
        },
        (error: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          this.#drop();
          reject(error);
        },
      );
    });
  }

  #drop(): void {
    const queue = this.#queue;
    let head = this.#head;
    while (head < queue.length && queue[head]!.settled) head++;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.#queue = queue.slice(head);
      head = 0;
    }
    this.#head = head;
  }

  #arm(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
  }

  #fire = (): void => {
    this.#timer = undefined;
    const now = this.#clock.monotonic();
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const entry = queue[this.#head]!;
      if (!entry.settled) {
        if (entry.at > now) break;
        entry.settled = true;
        entry.reject(
          new TimeoutError(
            `${this.#what} ${entry.operation} did not finish within ${this.#timeoutMs}ms`,
            this.#timeoutMs,
          ),
        );
      }
      this.#head++;
    }
    this.#drop();
    const next = queue[this.#head];
    if (next) this.#arm(next.at - now);
  };
}
