import { type Clock, type ClockTimer, systemClock } from '../contracts/clock.js';
import { TimeoutError } from '../contracts/errors.js';

/** One call waiting in a {@link DeadlineQueue} for its answer or its deadline. */
export interface QueuedDeadline {
  /** Monotonic time (of the queue's clock) at which the call expires. */
  readonly at: number;
  /** What the call does, for the timeout message. */
  readonly operation: string;
  /** Whether the call was answered or expired. */
  settled: boolean;
  /**
   * Runs once when the deadline passes before {@link DeadlineQueue.settle}. Dropped once
   * the call settles, so a settled call still queued behind an older one does not keep its
   * caller's promise (and the value it resolved with) alive.
   */
  expire: (error: TimeoutError) => void;
}

const SETTLED = (): void => {};

/** Options of a {@link DeadlineQueue}. */
export interface DeadlineQueueOptions {
  /**
   * Time and timers of the queue.
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock;
  /**
   * What the calls talk to, the start of every timeout message (`"<what> <operation> did
   * not finish within <ms>ms"`).
   * @defaultValue `'call'`
   */
  readonly what?: string;
}

/**
 * Deadlines of calls that all share one timeout, on one timer instead of a
 * `setTimeout`/`clearTimeout` pair per call. Calls are queued in the order they start, so
 * their deadlines ascend and the timer only ever waits for the oldest unsettled call.
 * Stores answer a connection's calls mostly in order, so settled calls leave from the head
 * and the queue stays short.
 */
export class DeadlineQueue {
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #what: string;
  /** Calls in start order; slots before `#head` are cleared as the head passes them. */
  #queue: (QueuedDeadline | undefined)[] = [];
  #head = 0;
  #timer: ClockTimer | undefined;

  /**
   * @param timeoutMs - The deadline of every call, in ms. Non-finite or non-positive:
   *   {@link DeadlineQueue.run} passes promises through without a deadline.
   */
  constructor(timeoutMs: number, options: DeadlineQueueOptions = {}) {
    this.#timeoutMs = timeoutMs;
    this.#clock = options.clock ?? systemClock;
    this.#what = options.what ?? 'call';
  }

  /** The deadline of every call, in ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Whether calls get a deadline (a finite, positive `timeoutMs`). */
  get enabled(): boolean {
    return Number.isFinite(this.#timeoutMs) && this.#timeoutMs > 0;
  }

  /** Number of calls still waiting. */
  get size(): number {
    let waiting = 0;
    for (let i = this.#head; i < this.#queue.length; i++) if (!this.#queue[i]!.settled) waiting++;
    return waiting;
  }

  /**
   * Starts the deadline of a call; `expire` runs once, with a {@link TimeoutError}, when it
   * passes unless {@link DeadlineQueue.settle} came first.
   */
  start(operation: string, expire: (error: TimeoutError) => void): QueuedDeadline {
    const entry: QueuedDeadline = {
      at: this.#clock.monotonic() + this.#timeoutMs,
      operation,
      settled: false,
      expire,
    };
    this.#queue.push(entry);
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
    return entry;
  }

  /** Marks a call answered. Returns `false` when its deadline had already expired it. */
  settle(entry: QueuedDeadline): boolean {
    if (entry.settled) return false;
    entry.settled = true;
    entry.expire = SETTLED;
    this.#drop();
    return true;
  }

  /** Resolves like `promise`, or rejects with {@link TimeoutError} when the deadline passes. */
  run<T>(promise: Promise<T>, operation: string): Promise<T> {
    if (!Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0) return promise;
    return new Promise<T>((resolve, reject) => {
      const entry = this.start(operation, reject);
      promise.then(
        (value) => {
          if (this.settle(entry)) resolve(value);
        },
        (error: unknown) => {
          if (this.settle(entry)) reject(error);
        },
      );
    });
  }

  /** Forgets every waiting call without expiring it and cancels the timer. */
  clear(): void {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i]!;
      entry.settled = true;
      entry.expire = SETTLED;
    }
    this.#queue = [];
    this.#head = 0;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drop(): void {
    const queue = this.#queue;
    let head = this.#head;
    while (head < queue.length && queue[head]!.settled) queue[head++] = undefined;
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
    // Whole milliseconds: Node keeps one timer list per distinct duration.
    this.#timer = this.#clock.setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
  }

  #fire = (): void => {
    this.#timer = undefined;
    const now = this.#clock.monotonic();
    // Re-read the queue each turn: an `expire` callback may start or settle calls.
    while (this.#head < this.#queue.length) {
      const entry = this.#queue[this.#head]!;
      if (!entry.settled && entry.at > now) break;
      this.#queue[this.#head++] = undefined;
      if (entry.settled) continue;
      entry.settled = true;
      const expire = entry.expire;
      entry.expire = SETTLED;
      expire(
        new TimeoutError(
          `${this.#what} ${entry.operation} did not finish within ${this.#timeoutMs}ms`,
          this.#timeoutMs,
        ),
      );
    }
    this.#drop();
    const next = this.#queue[this.#head];
    // A callback that started a call may have armed the timer already.
    if (next !== undefined && this.#timer === undefined) this.#arm(next.at - now);
  };
}
