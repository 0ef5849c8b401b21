/**
 * Wakes waiters when a lock is released: subscriber connections created lazily per lock
 * instance, one channel per contended resource, unsubscribed when nobody waits.
 * Classic mode: one `duplicate()` of the client, SUBSCRIBE. Sharded mode (SSUBSCRIBE,
 * Redis >= 7): on a standalone client one duplicate; on a Cluster one connection per
 * master, each channel subscribed on the master owning its slot (the lock's hash tag).
 */
import { withDeadline } from '@cachestack/core';
import { clusterSlot } from '@cachestack/core/kit';
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
  readonly #sharded: boolean;
  /** Subscriber connections: `''` for the only one, or a Cluster master's `host:port`. */
  readonly #subscribers = new Map<string, RedisClient>();
  readonly #listeners = new Map<
    string,
    { fns: Set<() => void>; ready: Promise<unknown>; on: RedisClient }
  >();

  constructor(client: RedisClient, sharded = false) {
    this.#client = client;
    this.#sharded = sharded;
  }

  #connection(channel: string): RedisClient {
    let node = '';
    if (this.#sharded && this.#client.isCluster) {
      node = (this.#client as Cluster).slots[clusterSlot(channel)]?.[0] ?? '';
    }
    let sub = this.#subscribers.get(node);
    if (!sub) {
      if (node === '') sub = duplicateOf(this.#client);
      else {
        // A node connection of the cluster, duplicated towards the channel's master (no
        // run-time import of ioredis: it is an optional peer of this package).
        const at = node.lastIndexOf(':');
        const model = (this.#client as Cluster).nodes('master')[0]!;
        sub = model.duplicate({ host: node.slice(0, at), port: Number(node.slice(at + 1)) });
      }
      sub.on('error', () => {});
      sub.on(this.#sharded ? 'smessage' : 'message', (name: string) => {
        const entry = this.#listeners.get(name);
        if (entry) for (const fn of entry.fns) fn();
      });
      this.#subscribers.set(node, sub);
    }
    return sub;
  }

  /**
   * Calls `fn` on each release published to `channel`. Resolves, once subscribed, to a
   * function that stops listening; rejects when the subscription fails or misses `timeoutMs`.
   */
  async listen(channel: string, fn: () => void, timeoutMs: number): Promise<() => void> {
    let entry = this.#listeners.get(channel);
    if (!entry) {
      const on = this.#connection(channel);
      const subscribing = this.#sharded ? on.ssubscribe(channel) : on.subscribe(channel);
      const ready = withDeadline(subscribing, timeoutMs, 'SUBSCRIBE');
      ready.catch(() => {});
      entry = { fns: new Set(), ready, on };
      this.#listeners.set(channel, entry);
    }
    const current = entry;
    current.fns.add(fn);
    const stop = () => {
      if (!current.fns.delete(fn) || current.fns.size > 0) return;
      if (this.#listeners.get(channel) === current) this.#listeners.delete(channel);
      const leaving = this.#sharded
        ? current.on.sunsubscribe(channel)
        : current.on.unsubscribe(channel);
      leaving.catch(() => {});
    };
    try {
      await current.ready;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /** Closes the subscriber connections (they were created here). */
  close(): void {
    this.#listeners.clear();
    for (const sub of this.#subscribers.values()) sub.disconnect();
    this.#subscribers.clear();
  }
}
