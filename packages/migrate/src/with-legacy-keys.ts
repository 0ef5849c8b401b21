import {
  type Cache,
  ClosedError,
  type Duration,
  type GetOptions,
  InvalidKeyError,
  InvalidOptionError,
  type Loader,
  type LoadOptions,
  type SetOptions,
  toMs,
} from '@cachestack/core';
import { compileKeyMap, type LegacyKeyMap } from './key-mapping.js';
import {
  type LegacyEventMap,
  type LegacyEventName,
  LegacyEvents,
  type LegacyStats,
} from './legacy-events.js';
import { LegacySide } from './legacy-side.js';
import { LegacyStore, type RedisClient } from './legacy-store.js';
import { assertModeSource, type MigrationMode, type ModeSource, readMode } from './mode.js';
import { defaultDecode, defaultEncode } from './value-codec.js';

/** The part of a core `Cache` that {@link withLegacyKeys} wraps. */
export type WrappableCache = Pick<
  Cache,
  'get' | 'getMany' | 'getOrSet' | 'set' | 'setMany' | 'delete' | 'deleteMany' | 'has'
>;

/** Options of {@link withLegacyKeys}. */
export interface LegacyKeysOptions {
  /** Logical key → legacy key: a function or a pattern map such as `{ 'user:{id}': 'legacy:u:{id}' }`. */
  readonly legacy: LegacyKeyMap;
  /** ioredis client (`Redis` or `Cluster`) holding the legacy keys. Stays yours: never closed here. */
  readonly client: RedisClient;
  /** The migration phase, read at every call (a mode, a function, or an object with `mode`). */
  readonly mode: ModeSource;
  /**
   * Logical key → the wrapped cache's key, e.g. built with core's `createKeySchema`.
   * @defaultValue the logical key itself
   */
  readonly newKey?: ((key: string) => string) | undefined;
  /**
   * Legacy string → value.
   * @defaultValue `JSON.parse`, or the raw string when it is not JSON
   */
  readonly decode?: ((raw: string) => unknown) | undefined;
  /**
   * Value → legacy string, for dual writes.
   * @defaultValue `JSON.stringify`
   */
  readonly encode?: ((value: unknown) => string) | undefined;
  /**
   * TTL of a legacy write whose call gives no `ttl`; set it to your cache's default TTL.
   * @defaultValue '5m'
   */
  readonly defaultTtl?: Duration | undefined;
}

/**
 * A cache that also reads (and, while dual-writing, writes) the legacy keys of a system
 * being replaced. Create with {@link withLegacyKeys}.
 *
 * Reads prefer the new key; on a miss in a fallback mode the legacy key is read and its
 * value returned and backfilled into the new key with the legacy key's remaining TTL
 * (`PTTL`; a legacy key without expiry gets the cache's default TTL). The backfill goes
 * through the cache's `getOrSet`, so it is single-flight and fenced: it re-reads the legacy
 * key inside the load and is dropped when the key is set or deleted meanwhile, so a
 * deleted value is never resurrected. Legacy operations run before new ones, for the same
 * reason.
 */
export class LegacyKeysCache {
  readonly #cache: WrappableCache;
  readonly #side: LegacySide;
  readonly #newKey: (key: string) => string;
  readonly #events = new LegacyEvents();
  #mode: ModeSource;
  #closed = false;

  /** @internal use {@link withLegacyKeys}. */
  constructor(cache: WrappableCache, options: LegacyKeysOptions) {
    if (typeof cache !== 'object' || cache === null || typeof cache.getOrSet !== 'function') {
      throw new InvalidOptionError('cache', 'must be a cachestack Cache');
    }
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionError('options', 'must be an object');
    }
    assertModeSource(options.mode);
    for (const name of ['newKey', 'decode', 'encode'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new InvalidOptionError(name, 'must be a function');
      }
    }
    this.#cache = cache;
    this.#side = new LegacySide(
      compileKeyMap(options.legacy),
      new LegacyStore(options.client),
      this.#events,
      { decode: options.decode ?? defaultDecode, encode: options.encode ?? defaultEncode },
      Math.max(1, toMs('defaultTtl', options.defaultTtl ?? '5m')),
    );
    this.#mode = options.mode;
    this.#newKey = options.newKey ?? ((key) => key);
  }

  /** The mode in force now. @throws InvalidModeError when the mode source returns garbage */
  get mode(): MigrationMode {
    return readMode(this.#mode);
  }

  /** Replaces the mode source (a configuration change, no redeploy). @throws InvalidModeError */
  setMode(mode: ModeSource): void {
    assertModeSource(mode);
    this.#mode = mode;
  }

  /** Migration counters since creation. */
  stats(): LegacyStats {
    return { ...this.#side.stats };
  }

  /** Subscribes to an event; returns an unsubscribe function. */
  on<E extends LegacyEventName>(
    name: E,
    listener: (payload: LegacyEventMap[E]) => void,
  ): () => void {
    return this.#events.on(name, listener);
  }

  #begin(key: unknown): MigrationMode {
    if (this.#closed) throw new ClosedError('legacy-keys cache');
    if (typeof key !== 'string') throw new InvalidKeyError('key must be a string');
    return readMode(this.#mode);
  }

  #beginMany(keys: readonly unknown[]): MigrationMode {
    let mode: MigrationMode = 'new-only';
    for (const key of keys) mode = this.#begin(key);
    return mode;
  }

  /** The value of a key: new key first, then (fallback modes) the legacy key, backfilled. */
  async get<T = unknown>(key: string, options?: GetOptions): Promise<T | undefined> {
    const mode = this.#begin(key);
    const newKey = this.#newKey(key);
    const value = await this.#cache.get<T>(newKey, options);
    if (value !== undefined || mode === 'new-only') return value;
    const legacyKey = this.#side.toLegacy(key);
    if (legacyKey === undefined) return undefined;
    const pair = { key, legacyKey };
    const first = await this.#side.read(pair);
    if (first === undefined) return undefined;
    return (await this.#side.backfill(this.#cache, newKey, pair, first)) as T | undefined;
  }

  /** Values of several keys; the legacy keys of the misses are read in one round trip. */
  async getMany<T = unknown>(
    keys: readonly string[],
    options?: GetOptions,
  ): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
    const mode = this.#beginMany(keys);
    const newKeys = keys.map((key) => this.#newKey(key));
    const values = await this.#cache.getMany<T>(newKeys, options);
    if (mode === 'new-only') return values;
    // A plain loop: core may return a sparse array, which forEach would skip.
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) if (values[i] === undefined) missing.push(i);
    const pairs = missing
      .map((i) => ({ i, key: keys[i]!, legacyKey: this.#side.toLegacy(keys[i]!) }))
      .filter((p): p is { i: number; key: string; legacyKey: string } => p.legacyKey !== undefined);
    if (pairs.length === 0) return values;
    const reads = await this.#side.readMany(pairs);
    await Promise.all(
      pairs.map(async (pair, j) => {
        const read = reads[j];
        if (read !== undefined) {
          values[pair.i] = (await this.#side.backfill(
            this.#cache,
            newKeys[pair.i]!,
            pair,
            read,
          )) as T;
        }
      }),
    );
    return values;
  }

  /**
   * The cached value (new key, then legacy key with backfill), or the loader's result.
   * While dual-writing, a loaded value is also written to the legacy key when that key is
   * absent (`SET NX`; a failure is reported as `legacy:error`, not thrown).
   */
  async getOrSet<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T> {
    const mode = this.#begin(key);
    const newKey = this.#newKey(key);
    const legacyKey = mode === 'new-only' ? undefined : this.#side.toLegacy(key);
    if (legacyKey === undefined) return this.#cache.getOrSet(newKey, loader, options);
    const pair = { key, legacyKey };
    if (options?.forceFresh !== true) {
      const hit = await this.#cache.get<T>(newKey, {
        skipL1: options?.skipL1,
        skipL2: options?.skipL2,
      });
      if (hit !== undefined) return hit;
      const first = await this.#side.read(pair);
      if (first !== undefined) {
        const value = await this.#side.backfill(this.#cache, newKey, pair, first);
        if (value !== undefined) return value as T;
      }
    }
    if (mode !== 'dual-write') return this.#cache.getOrSet(newKey, loader, options);
    const ttlMs = this.#side.ttlOf(options);
    return this.#cache.getOrSet(
      newKey,
      async (context) => {
        const value = await loader(context);
        await this.#side.writeLoaded(pair, value, ttlMs);
        return value;
      },
      options,
    );
  }

  /**
   * Stores a value. `dual-write`: the legacy key first (with the call's `ttl`, else
   * `defaultTtl`), then the new key. `read-new-fallback-legacy`: deletes the legacy key,
   * then writes the new one. When the legacy command fails the new key is left untouched
   * and {@link LegacyStoreError} is thrown.
   */
  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    await this.setMany([{ key, value, options }]);
  }

  /** Stores several values (see {@link LegacyKeysCache.set}). */
  async setMany(
    items: readonly { key: string; value: unknown; options?: SetOptions }[],
  ): Promise<void> {
    if (!Array.isArray(items)) throw new InvalidOptionError('items', 'expected an array');
    const mode = this.#beginMany(items.map((item) => item?.key));
    if (mode === 'dual-write') {
      const legacy = items.flatMap((item) => {
        const legacyKey = this.#side.toLegacy(item.key);
        return legacyKey === undefined ? [] : [{ ...item, legacyKey }];
      });
      await this.#side.writeMany(legacy);
    } else if (mode === 'read-new-fallback-legacy') {
      await this.#side.deleteMany(this.#side.pairs(items.map((item) => item.key)));
    }
    const mapped = items.map((item) => ({ ...item, key: this.#newKey(item.key) }));
    if (mapped.length === 1)
      await this.#cache.set(mapped[0]!.key, mapped[0]!.value, mapped[0]!.options);
    else await this.#cache.setMany(mapped);
  }

  /**
   * Deletes a key. In both fallback modes the legacy key is deleted first (else a read
   * would resurrect it); when that fails the new key is kept and the error thrown.
   */
  async delete(key: string): Promise<void> {
    await this.deleteMany([key]);
  }

  /** Deletes several keys (see {@link LegacyKeysCache.delete}). */
  async deleteMany(keys: readonly string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
    const mode = this.#beginMany(keys);
    if (mode !== 'new-only') await this.#side.deleteMany(this.#side.pairs(keys));
    await this.#cache.deleteMany(keys.map((key) => this.#newKey(key)));
  }

  /** Whether the new key (or, in a fallback mode, the legacy key) holds a value. */
  async has(key: string): Promise<boolean> {
    const mode = this.#begin(key);
    if (await this.#cache.has(this.#newKey(key))) return true;
    if (mode === 'new-only') return false;
    const legacyKey = this.#side.toLegacy(key);
    return legacyKey !== undefined && (await this.#side.exists({ key, legacyKey }));
  }

  /** Stops accepting calls (idempotent). The cache and the client stay open: they are yours. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Calls {@link LegacyKeysCache.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Wraps a cache so that it reads, and while dual-writing writes, the legacy keys of the
 * system it replaces. See {@link LegacyKeysCache}.
 * @throws InvalidOptionError, InvalidModeError, InvalidPatternError for bad options
 */
export function withLegacyKeys(cache: WrappableCache, options: LegacyKeysOptions): LegacyKeysCache {
  return new LegacyKeysCache(cache, options);
}
