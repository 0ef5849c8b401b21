/**
 * Wakes waiters when a lock is released: one lazily created subscriber connection per
 * lock instance, one channel per contended resource, unsubscribed when nobody waits.
 */
import { withDeadline } from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './scripts.js';

/** A second connection like `client` (same type), for the subscriber. */
function duplicateOf(client: RedisClient): RedisClient {
  // The two `duplicate` signatures differ (ioredis 6 types reject a call on the union).
  return client.isCluster ? (client as Cluster).duplicate() : (client as Redis).duplicate();
}

/** @internal */
export class ReleaseNotifier {
  readonly #client: RedisClient;
  #subscriber: RedisClient | undefined;
  readonly #listeners = new Map<string, { fns: Set<() => void>; ready: Promise<unknown> }>();

  constructor(client: RedisClient) {
    this.#client = client;
  }

  #connection(): RedisClient {
    if (!this.#subscriber) {
      const sub = duplicateOf(this.#client);
      sub.on('error', () => {});
      sub.on('message', (channel: string) => {
        const entry = this.#listeners.get(channel);
        if (entry) for (const fn of entry.fns) fn();
      });
      this.#subscriber = sub;
    }
    return this.#subscriber;
  }

  /**
   * Calls `fn` on each release published to `channel`. Resolves, once subscribed, to a
   * function that stops listening; rejects when the subscription fails or misses `timeoutMs`.
   */
  async listen(channel: string, fn: () => void, timeoutMs: number): Promise<() => void> {
    let entry = this.#listeners.get(channel);
    if (!entry) {
      const ready = withDeadline(this.#connection().subscribe(channel), timeoutMs, 'SUBSCRIBE');
      ready.catch(() => {});
      entry = { fns: new Set(), ready };
      this.#listeners.set(channel, entry);
    }
    const current = entry;
    current.fns.add(fn);
    const stop = () => {
      if (!current.fns.delete(fn) || current.fns.size > 0) return;
      if (this.#listeners.get(channel) === current) this.#listeners.delete(channel);
      this.#subscriber?.unsubscribe(channel).catch(() => {});
    };
    try {
      await current.ready;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /** Closes the subscriber connection (it was created here). */
  close(): void {
    this.#listeners.clear();
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }
}
