import { InvalidOptionError } from '../contracts/errors.js';
import type { CacheEventMap, CacheEventName } from '../contracts/events.js';
import type { HotKey } from '../contracts/hot-key-exchange.js';
import type { BatchLoader, Loader } from '../contracts/loader.js';
import type {
  GetOptions,
  LoadOptions,
  NamespaceOptions,
  Priority,
  SetOptions,
} from '../contracts/options.js';
import type { WarmupOptions, WarmupReport, WarmupSource } from '../contracts/warmup.js';
import type { CriticalRefreshOptions, CriticalSelector } from '../features/critical-refresh.js';
import { runWarmup } from '../features/warmup.js';
import { loadMany } from '../load/load-many.js';
import { getOrSetValue } from './get-or-set.js';
import { invalidate } from './invalidate.js';
import { hasFresh, readValue, readValues } from './read.js';
import { intOption, resolveLoadOptions, resolveTags } from './resolve-options.js';
import { type CacheStats, statsOf } from './stats.js';
import { assertOpen, type CacheView, checkKey, checkKeys, childView } from './view.js';
import { type WarmFromPeersOptions, warmFromPeers } from './warm-from-peers.js';
import { type SetItem, writeValues } from './write.js';

/**
 * A multi-tier cache (or one namespace of it). Create with `createCache`; derive
 * namespaces with {@link Cache.namespace}. All namespaces share tiers, bus and lock.
 * The class is a facade: it checks arguments and delegates to `cache/read.ts`,
 * `cache/get-or-set.ts`, `cache/write.ts`, `cache/invalidate.ts` and the features.
 */
export class Cache {
  readonly #view: CacheView;

  /** @internal use `createCache`. */
  constructor(view: CacheView) {
    this.#view = view;
  }

  /** This cache's namespace. */
  get namespaceName(): string {
    return this.#view.ns.name;
  }

  /**
   * Identifies this cache (the same object for all its namespaces) in core's
   * `diagnostics_channel` messages, as their `cache` field: a subscriber such as
   * `@cachestack/metrics` tracing keeps the messages of the cache it instruments.
   */
  get diagnosticsId(): object {
    return this.#view.stack.events.diagnosticsId;
  }

  /** This namespace's priority (orders warming, weighs L1 admission). */
  get priority(): Priority {
    return this.#view.ns.priority;
  }

  /** Subscribes to an event; returns an unsubscribe function. Shared by all namespaces. */
  on<E extends CacheEventName>(name: E, listener: (payload: CacheEventMap[E]) => void): () => void {
    return this.#view.stack.events.on(name, listener);
  }

  /** Current sizes and states. */
  stats(): CacheStats {
    return statsOf(this.#view.stack);
  }

  /** The fresh value of a key, or `undefined`. Never runs a loader. */
  get<T = unknown>(key: string, options?: GetOptions): Promise<T | undefined> {
    try {
      checkKey(this.#view, key);
    } catch (error) {
      return Promise.reject(error);
    }
    return readValue(this.#view, key, options) as Promise<T | undefined>;
  }

  /** Values of several keys, in order (`undefined` for misses); one L2 round trip. */
  async getMany<T = unknown>(
    keys: readonly string[],
    options?: GetOptions,
  ): Promise<(T | undefined)[]> {
    checkKeys(this.#view, keys);
    return (await readValues(this.#view, keys, options)) as (T | undefined)[];
  }

  /** Whether a fresh value exists in any tier. */
  async has(key: string): Promise<boolean> {
    checkKey(this.#view, key);
    return hasFresh(this.#view, key);
  }

  /**
   * The cached value, or the loader's result (stored in every tier). Concurrent calls for
   * one key run the loader once (across processes with a lock). Stale values within
   * grace are served when the loader fails or times out.
   * @throws LoaderError when the loader fails and no stale value exists
   * @throws TimeoutError when `hardTimeoutMs` elapses and no stale value exists
   */
  getOrSet<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T> {
    // Not async: an L1 hit costs one resolved promise. Errors still arrive as rejections.
    const view = this.#view;
    try {
      checkKey(view, key);
      if (typeof loader !== 'function') {
        throw new InvalidOptionError('loader', 'must be a function');
      }
      const o = options === undefined ? view.defaults : resolveLoadOptions(view.defaults, options);
      return getOrSetValue(view, key, loader as Loader<unknown>, o) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Values of many keys; the batch loader is called once with only the keys missing
   * from every tier.
   */
  async getOrSetMany<T>(
    keys: readonly string[],
    batchLoader: BatchLoader<T>,
    options?: LoadOptions,
  ): Promise<(T | undefined)[]> {
    const view = this.#view;
    checkKeys(view, keys);
    if (typeof batchLoader !== 'function')
      throw new InvalidOptionError('batchLoader', 'must be a function');
    const o = options === undefined ? view.defaults : resolveLoadOptions(view.defaults, options);
    return loadMany(view.stack, view.ns, keys, batchLoader, o);
  }

  /**
   * Stores a value in every tier. Loaders of this key that started earlier will not
   * overwrite it. Values that cannot be serialized are rejected before anything changes.
   * @throws SerializationError, InvalidKeyError, InvalidOptionError
   */
  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    await writeValues(this.#view, [{ key, value, options }]);
  }

  /** Stores several values; one L2 round trip. */
  async setMany(items: readonly SetItem[]): Promise<void> {
    await writeValues(this.#view, items);
  }

  /** Deletes a key from every tier and from every instance's L1. */
  async delete(key: string): Promise<void> {
    await this.deleteMany([key]);
  }

  /**
   * Deletes keys everywhere. When L2 is unreachable the deletion is queued and replayed
   * (and these keys are not read from L2 meanwhile); the `store:error` event reports it.
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    checkKeys(this.#view, keys);
    if (keys.length === 0) return;
    await invalidate(this.#view, { kind: 'keys', keys });
  }

  /** Deletes every entry carrying any of the tags, in every tier and instance. */
  async deleteByTag(tags: string | readonly string[]): Promise<void> {
    assertOpen(this.#view);
    const list = resolveTags(typeof tags === 'string' ? [tags] : tags);
    if (list) await invalidate(this.#view, { kind: 'tags', tags: list });
  }

  /** Deletes every entry of this namespace, in every tier and instance. */
  async clear(): Promise<void> {
    assertOpen(this.#view);
    await invalidate(this.#view, { kind: 'namespace' });
  }

  /**
   * Declares entries of this namespace critical: once read through `getOrSet`, they are
   * reloaded in the background before they expire (with jitter, and backoff when the
   * loader fails; the stale value stays served within grace meanwhile). Stops on close.
   */
  markCritical(selector: CriticalSelector, options: CriticalRefreshOptions = {}): void {
    assertOpen(this.#view);
    this.#view.stack.critical.mark(this.#view.ns.name, selector, options);
  }

  /**
   * Warms the cache from keys with a loader, keys with a batch loader, or entries;
   * high-priority namespaces first, with bounded concurrency, cancellable. Idempotent:
   * fresh values are not loaded again. Failures are reported per key, never abort.
   */
  async warmup(
    sources: WarmupSource | readonly WarmupSource[],
    options: WarmupOptions = {},
  ): Promise<WarmupReport> {
    assertOpen(this.#view);
    const list = Array.isArray(sources)
      ? (sources as readonly WarmupSource[])
      : [sources as WarmupSource];
    if (options.concurrency !== undefined) intOption('concurrency', options.concurrency, 1, 8);
    const { events, clock } = this.#view.stack;
    return runWarmup(list, this, options, (p) => events.emit('warmup:progress', p), clock);
  }

  /**
   * Evicts the least valuable `fraction` of L1 (by its eviction policy), e.g. when the
   * process is under memory pressure. Returns how many entries were evicted.
   */
  shrinkL1(fraction: number): number {
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
      throw new InvalidOptionError('fraction', 'must be in (0, 1]');
    }
    return this.#view.stack.l1?.shrink(fraction) ?? 0;
  }

  /** Publishes this instance's hot keys to the exchange now (also done periodically). */
  async publishHotKeys(): Promise<void> {
    await this.#view.stack.hotKeys?.publish();
  }

  /** This instance's hottest keys (needs the `hotKeys` option). */
  hotKeys(limit?: number): HotKey[] {
    return this.#view.stack.hotKeys?.top(limit) ?? [];
  }

  /**
   * Copies the union of the peers' hot keys from L2 into this instance's L1 (bounded by
   * count and estimated bytes). Needs `hotKeys.exchange` and an L2.
   */
  async warmFromPeers(
    options: WarmFromPeersOptions = {},
  ): Promise<{ warmed: number; considered: number }> {
    assertOpen(this.#view);
    return warmFromPeers(this.#view, options);
  }

  /**
   * A child cache for a namespace, sharing tiers, bus and lock, with its own defaults
   * and priority. Namespaces are isolated: same key, different values.
   */
  namespace(name: string, options: NamespaceOptions = {}): Cache {
    return new Cache(childView(this.#view, name, options));
  }

  /**
   * Closes the cache: waits for background work, aborts running loaders, detaches from
   * the bus and closes the bus and the L2 store it was given. Idempotent. On a namespace
   * view it only closes the view.
   */
  async close(): Promise<void> {
    const view = this.#view;
    if (view.closed) return;
    view.closed = true;
    if (view.root) await view.stack.close();
  }

  /** Same as {@link Cache.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
