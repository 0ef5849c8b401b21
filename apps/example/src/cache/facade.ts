import type { Cache, CacheEventMap, CacheEventName, CacheStats } from '@cachestack/core';

interface Subscription {
  readonly name: CacheEventName;
  readonly listener: (payload: never) => void;
  off: () => void;
}

/**
 * A stable `on`/`stats` view of whichever cache is in force. Instrumentation and the
 * health monitor subscribe once to this view; when the configuration rebuilds the cache,
 * {@link CacheFacade.switchTo} moves every subscription onto the new cache.
 */
export class CacheFacade {
  #cache: Cache;
  readonly #subscriptions = new Set<Subscription>();

  constructor(cache: Cache) {
    this.#cache = cache;
  }

  /** Subscribes to an event of the cache in force (and of every later one). */
  on<E extends CacheEventName>(name: E, listener: (payload: CacheEventMap[E]) => void): () => void {
    const sub: Subscription = {
      name,
      listener: listener as (payload: never) => void,
      off: this.#cache.on(name, listener),
    };
    this.#subscriptions.add(sub);
    return () => {
      sub.off();
      this.#subscriptions.delete(sub);
    };
  }

  /** Stats of the cache in force. */
  stats(): CacheStats {
    return this.#cache.stats();
  }

  /** Moves every subscription onto `cache`. */
  switchTo(cache: Cache): void {
    this.#cache = cache;
    for (const sub of this.#subscriptions) {
      sub.off();
      sub.off = cache.on(sub.name, sub.listener as (payload: unknown) => void);
    }
  }
}
