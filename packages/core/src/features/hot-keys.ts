import type { HotKey, HotKeyExchange } from '../contracts/hot-key-exchange.js';
import { FrequencySketch } from './frequency-sketch.js';

/**
 * Tracks this instance's hottest keys: a frequency sketch estimates counts and a small
 * candidate table keeps the top `capacity` keys (a key enters when it is seen more often
 * than the coldest candidate). Constant memory, O(1) per access except on replacement.
 */
export class HotKeyTracker {
  readonly #sketch: FrequencySketch;
  readonly #top = new Map<string, { namespace: string; key: string; score: number }>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#sketch = new FrequencySketch(Math.max(1024, capacity * 16));
  }

  /** Records one access. */
  record(namespace: string, key: string): void {
    const id = `${namespace}\u0000${key}`;
    this.#sketch.increment(id);
    const score = this.#sketch.frequency(id);
    const current = this.#top.get(id);
    if (current) {
      current.score = score;
      return;
    }
    if (this.#top.size < this.#capacity) {
      this.#top.set(id, { namespace, key, score });
      return;
    }
    let coldestId: string | undefined;
    let coldest = Number.POSITIVE_INFINITY;
    for (const [candidateId, c] of this.#top) {
      // refresh decayed scores while scanning
      c.score = this.#sketch.frequency(candidateId);
      if (c.score < coldest) {
        coldest = c.score;
        coldestId = candidateId;
      }
    }
    if (coldestId !== undefined && score > coldest) {
      this.#top.delete(coldestId);
      this.#top.set(id, { namespace, key, score });
    }
  }

  /** The current top keys, hottest first. */
  top(limit = this.#capacity): HotKey[] {
    return [...this.#top.values()]
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map((c) => ({ namespace: c.namespace, key: c.key, score: c.score }));
  }
}

/**
 * An in-process {@link HotKeyExchange}, for several caches in one process (and tests);
 * `redisHotKeyExchange` in `@cachestack/redis` shares hot keys across processes.
 */
export class MemoryHotKeyExchange implements HotKeyExchange {
  readonly #published = new Map<string, readonly HotKey[]>();

  async publish(instanceId: string, keys: readonly HotKey[]): Promise<void> {
    this.#published.set(
      instanceId,
      keys.map((k) => ({ ...k })),
    );
  }

  async collect(excludeInstanceId: string): Promise<HotKey[]> {
    return mergeHotKeys(
      [...this.#published].filter(([id]) => id !== excludeInstanceId).map(([, keys]) => keys),
    );
  }

  async close(): Promise<void> {
    this.#published.clear();
  }
}

/** Union of several instances' hot keys: one entry per key, scores summed, best first. */
export function mergeHotKeys(lists: readonly (readonly HotKey[])[]): HotKey[] {
  const merged = new Map<string, { namespace: string; key: string; score: number }>();
  for (const list of lists) {
    for (const hot of list) {
      const id = `${hot.namespace}\u0000${hot.key}`;
      const current = merged.get(id);
      if (current) current.score += hot.score;
      else merged.set(id, { namespace: hot.namespace, key: hot.key, score: hot.score });
    }
  }
  return [...merged.values()].sort((a, b) => b.score - a.score);
}
