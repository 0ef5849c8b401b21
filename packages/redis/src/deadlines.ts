/** One call waiting for its answer or its deadline. */
export interface Deadline {
  readonly at: number;
  settled: boolean;
  readonly expire: () => void;
}

/**
 * Deadlines of calls that all share one timeout, on one timer. Calls are queued in the
 * order they start, so their deadlines ascend: the timer only ever waits for the head.
 * Redis answers a connection's commands in order, so settled calls leave from the head
 * and the queue stays short. Cheaper than a `setTimeout`/`clearTimeout` pair per call.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #queue: Deadline[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number, now: () => number = performance.now.bind(performance)) {
    this.#timeoutMs = timeoutMs;
    this.#now = now;
  }

  /** Starts a deadline; `expire` runs once when it passes unless `settle` came first. */
  start(expire: () => void): Deadline {
    const entry: Deadline = { at: this.#now() + this.#timeoutMs, settled: false, expire };
    this.#queue.push(entry);
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
    return entry;
  }

  /** Marks the call answered. Returns `false` when its deadline had already expired it. */
  settle(entry: Deadline): boolean {
    if (entry.settled) return false;
    entry.settled = true;
    this.#drop();
    return true;
  }

  /** Number of calls still waiting (for tests). */
  get size(): number {
    let n = 0;
    for (let i = this.#head; i < this.#queue.length; i++) if (!this.#queue[i]!.settled) n++;
    return n;
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
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
    this.#timer.unref?.();
  }

  #fire = (): void => {
    this.#timer = undefined;
    const now = this.#now();
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const entry = queue[this.#head]!;
      if (!entry.settled) {
        if (entry.at > now) break;
        entry.settled = true;
        entry.expire();
      }
      this.#head++;
    }
    this.#drop();
    const next = this.#queue[this.#head];
    if (next !== undefined) this.#arm(next.at - now);
  };
}
