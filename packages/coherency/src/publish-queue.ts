import type { Logger } from '@cachestack/core';
import { BusPublishError } from './errors.js';
import type { BusEvents } from './events.js';

/** What a {@link PublishQueue} needs from its bus. */
export interface PublishQueueOptions {
  /** Sends one payload; rejects when it was not acknowledged. */
  readonly send: (payload: string) => Promise<unknown>;
  readonly maxQueuedMessages: number;
  readonly retryIntervalMs: number;
  readonly events: BusEvents;
  readonly logger: Logger;
}

/**
 * Sends publishes in order; a failed one waits in a bounded queue (oldest dropped first
 * when full) and is retried every `retryIntervalMs`, newer ones queueing behind it.
 */
export class PublishQueue {
  readonly #o: PublishQueueOptions;
  readonly #queue: { seq: number; payload: string }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing = false;
  #closed = false;
  #dropped = 0;
  #retried = 0;

  constructor(options: PublishQueueOptions) {
    this.#o = options;
  }

  /** Messages waiting for a retry. */
  get length(): number {
    return this.#queue.length;
  }

  /** Sequence number of the oldest message waiting, if any. */
  get oldestSeq(): number | undefined {
    return this.#queue[0]?.seq;
  }

  /** Messages dropped from the full queue (never sent). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Messages sent on a retry. */
  get retried(): number {
    return this.#retried;
  }

  /**
   * Sends now, or queues behind older failures.
   * @throws BusPublishError (`queued: true`) when the message waits for a retry.
   */
  submit(seq: number, payload: string): Promise<void> {
    if (this.#queue.length > 0) {
      this.#enqueue(seq, payload);
      const message = `publish ${seq} queued behind ${this.#queue.length - 1} others`;
      return Promise.reject(new BusPublishError(message, true));
    }
    return this.#o.send(payload).then(
      () => undefined,
      (error: unknown) => {
        this.#enqueue(seq, payload);
        throw new BusPublishError(`publish ${seq} failed; queued for retry`, true, {
          cause: error,
        });
      },
    );
  }

  /** Stops retrying (queued messages are abandoned). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #enqueue(seq: number, payload: string): void {
    this.#queue.push({ seq, payload });
    this.#o.events.emit('publish:queued', { seq, queueLength: this.#queue.length });
    while (this.#queue.length > this.#o.maxQueuedMessages) {
      const dropped = this.#queue.shift()!;
      this.#dropped++;
      this.#o.logger.warn(
        { seq: dropped.seq },
        'cachestack: bus retry queue full, message dropped',
      );
      this.#o.events.emit('publish:dropped', { seq: dropped.seq, dropped: this.#dropped });
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#closed || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#o.retryIntervalMs);
    this.#timer.unref();
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#closed) return;
    this.#flushing = true;
    let sent = 0;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const head = this.#queue[0]!;
        await this.#o.send(head.payload);
        if (this.#queue[0] === head) this.#queue.shift();
        sent++;
      }
    } catch {
      // still failing: try again later
    } finally {
      this.#flushing = false;
      this.#retried += sent;
      if (sent > 0) this.#o.events.emit('publish:retried', { count: sent });
      this.#schedule();
    }
  }
}
