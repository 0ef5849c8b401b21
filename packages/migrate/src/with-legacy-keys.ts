import {
  type Cache,
  ClosedError,
  type Duration,
  type GetOptions,
  InvalidKeyError,
  InvalidOptionError,
  type Loader,
  type LoadOptions,
  SerializationError,
  type SetOptions,
  toMs,
} from '@cachestack/core';
import type { LegacyStoreError } from './errors.js';
import { compileKeyMap, type KeyMapping, type LegacyKeyMap } from './key-mapping.js';
import {
  type LegacyEventMap,
  type LegacyEventName,
  LegacyEvents,
  type LegacyStats,
} from './legacy-events.js';
import { type LegacyRead, LegacyStore, type RedisClient } from './legacy-store.js';
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

class Gone extends Error {}

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
  readonly #map: KeyMapping;
  readonly #legacy: LegacyStore;
  readonly #newKey: (key: string) => string;
  readonly #decode: (raw: string) => unknown;
  readonly #encode: (value: unknown) => string;
  readonly #defaultTtlMs: number;
  readonly #events = new LegacyEvents();
  #mode: ModeSource;
  #closed = false;
  #stats = {
    fallbacks: 0,
    legacyMisses: 0,
    backfills: 0,
    dualWrites: 0,
    legacyDeletes: 0,
    legacyErrors: 0,
  };

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
    this.#map = compileKeyMap(options.legacy);
    this.#legacy = new LegacyStore(options.client);
    this.#mode = options.mode;
    this.#newKey = options.newKey ?? ((key) => key);
    this.#decode = options.decode ?? defaultDecode;
    this.#encode = options.encode ?? defaultEncode;
    this.#defaultTtlMs = Math.max(1, toMs('defaultTtl', options.defaultTtl ?? '5m'));
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
    return { ...this.#stats };
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

  #legacyError(key: string, legacyKey: string, operation: string, error: unknown): void {
    this.#stats.legacyErrors++;
    this.#events.emit('legacy:error', { key, legacyKey, operation, error });
  }

  /** The value of a key: new key first, then (fallback modes) the legacy key, backfilled. */
  async get<T = unknown>(key: string, options?: GetOptions): Promise<T | undefined> {
    const mode = this.#begin(key);
    const newKey = this.#newKey(key);
    const value = await this.#cache.get<T>(newKey, options);
    if (value !== undefined || mode === 'new-only') return value;
    const legacyKey = this.#map.toLegacy(key);
    if (legacyKey === undefined) return undefined;
    let first: LegacyRead | undefined;
    try {
      first = await this.#legacy.read(legacyKey);
    } catch (error) {
      this.#legacyError(key, legacyKey, 'read', error);
      return undefined;
    }
    if (first === undefined) {
      this.#stats.legacyMisses++;
      return undefined;
    }
    return (await this.#fallback(key, newKey, legacyKey, first)) as T | undefined;
  }

  /** Values of several keys; the legacy keys of the misses are read in one pipeline. */
  async getMany<T = unknown>(
    keys: readonly string[],
    options?: GetOptions,
  ): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
    let mode: MigrationMode = 'new-only';
    for (const key of keys) mode = this.#begin(key);
    const newKeys = keys.map((key) => this.#newKey(key));
    const values = await this.#cache.getMany<T>(newKeys, options);
    if (mode === 'new-only') return values;
    const misses: { i: number; legacyKey: string }[] = [];
    // A plain loop: core may return a sparse array, which forEach would skip.
    for (let i = 0; i < keys.length; i++) {
      if (values[i] !== undefined) continue;
      const legacyKey = this.#map.toLegacy(keys[i]!);
      if (legacyKey !== undefined) misses.push({ i, legacyKey });
    }
    if (misses.length === 0) return values;
    let reads: (LegacyRead | undefined | LegacyStoreError)[];
    try {
      reads = await this.#legacy.readMany(misses.map((m) => m.legacyKey));
    } catch (error) {
      for (const m of misses) this.#legacyError(keys[m.i]!, m.legacyKey, 'read', error);
      return values;
    }
    await Promise.all(
      misses.map(async ({ i, legacyKey }, j) => {
        const read = reads[j];
        if (read instanceof Error) this.#legacyError(keys[i]!, legacyKey, 'read', read);
        else if (read === undefined) this.#stats.legacyMisses++;
        else values[i] = (await this.#fallback(keys[i]!, newKeys[i]!, legacyKey, read)) as T;
      }),
    );
    return values;
  }

  async #fallback(
    key: string,
    newKey: string,
    legacyKey: string,
    first: LegacyRead,
  ): Promise<unknown> {
    let value: unknown;
    try {
      value = this.#decode(first.raw);
    } catch (error) {
      this.#legacyError(key, legacyKey, 'decode', error);
      return undefined;
    }
    this.#stats.fallbacks++;
    this.#events.emit('fallback', { key, legacyKey });
    const ttlMs = first.ttlMs;
    const options: LoadOptions | undefined =
      ttlMs === undefined ? undefined : { ttl: ttlMs, grace: 0, jitter: 0 };
    let gone = false;
    try {
      return await this.#cache.getOrSet(
        newKey,
        async () => {
          // Re-read inside the fenced load: a delete or set since the first read wins.
          const again = await this.#legacy.read(legacyKey);
          if (again === undefined) {
            gone = true;
            throw new Gone();
          }
          const fresh = this.#decode(again.raw);
          this.#stats.backfills++;
          this.#events.emit('backfill', { key, legacyKey, ttlMs });
          return fresh;
        },
        options,
      );
    } catch (error) {
      if (gone) return undefined;
      this.#legacyError(key, legacyKey, 'backfill', error);
      return value;
    }
  }

  /**
   * The cached value (new key, then legacy key with backfill), or the loader's result.
   * While dual-writing, a loaded value is also written to the legacy key when that key is
   * absent (`SET NX`; a failure is reported as `legacy:error`, not thrown).
   */
  async getOrSet<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T> {
    const mode = this.#begin(key);
    const newKey = this.#newKey(key);
    if (mode === 'new-only') return this.#cache.getOrSet(newKey, loader, options);
    const legacyKey = this.#map.toLegacy(key);
    if (legacyKey === undefined) return this.#cache.getOrSet(newKey, loader, options);
    if (options?.forceFresh !== true) {
      const hit = await this.#cache.get<T>(newKey, {
        skipL1: options?.skipL1,
        skipL2: options?.skipL2,
      });
      if (hit !== undefined) return hit;
      let first: LegacyRead | undefined;
      try {
        first = await this.#legacy.read(legacyKey);
      } catch (error) {
        this.#legacyError(key, legacyKey, 'read', error);
      }
      if (first !== undefined) {
        const value = await this.#fallback(key, newKey, legacyKey, first);
        if (value !== undefined) return value as T;
      } else this.#stats.legacyMisses++;
    }
    if (mode !== 'dual-write') return this.#cache.getOrSet(newKey, loader, options);
    const ttlMs = this.#ttlOf(options);
    return this.#cache.getOrSet(
      newKey,
      async (context) => {
        const value = await loader(context);
        try {
          await this.#legacy.write(legacyKey, this.#encode(value), ttlMs, true);
          this.#stats.dualWrites++;
        } catch (error) {
          this.#legacyError(key, legacyKey, 'write', error);
        }
        return value;
      },
      options,
    );
  }

  #ttlOf(options: SetOptions | LoadOptions | undefined): number {
    return options?.ttl === undefined ? this.#defaultTtlMs : Math.max(1, toMs('ttl', options.ttl));
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
    let mode: MigrationMode = 'new-only';
    for (const item of items) mode = this.#begin(item?.key);
    if (mode !== 'new-only') {
      const legacy = items
        .map((item) => ({ item, legacyKey: this.#map.toLegacy(item.key) }))
        .filter(
          (x): x is { item: (typeof items)[number]; legacyKey: string } =>
            x.legacyKey !== undefined,
        );
      if (mode === 'dual-write') {
        const raws = legacy.map(({ item }) => {
          try {
            return this.#encode(item.value);
          } catch (error) {
            throw new SerializationError(`cannot encode the legacy value of "${item.key}"`, {
              cause: error,
            });
          }
        });
        await Promise.all(
          legacy.map(async ({ item, legacyKey }, i) => {
            try {
              await this.#legacy.write(legacyKey, raws[i]!, this.#ttlOf(item.options));
            } catch (error) {
              this.#legacyError(item.key, legacyKey, 'write', error);
              throw error;
            }
          }),
        );
        this.#stats.dualWrites += legacy.length;
      } else {
        await this.#deleteLegacy(legacy.map((x) => ({ key: x.item.key, legacyKey: x.legacyKey })));
      }
    }
    const mapped = items.map((item) => ({ ...item, key: this.#newKey(item.key) }));
    if (mapped.length === 1)
      await this.#cache.set(mapped[0]!.key, mapped[0]!.value, mapped[0]!.options);
    else await this.#cache.setMany(mapped);
  }

  async #deleteLegacy(pairs: readonly { key: string; legacyKey: string }[]): Promise<void> {
    if (pairs.length === 0) return;
    try {
      this.#stats.legacyDeletes += await this.#legacy.delete(pairs.map((p) => p.legacyKey));
    } catch (error) {
      for (const p of pairs) this.#legacyError(p.key, p.legacyKey, 'delete', error);
      throw error;
    }
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
    let mode: MigrationMode = 'new-only';
    for (const key of keys) mode = this.#begin(key);
    if (mode !== 'new-only') {
      const pairs: { key: string; legacyKey: string }[] = [];
      for (const key of keys) {
        const legacyKey = this.#map.toLegacy(key);
        if (legacyKey !== undefined) pairs.push({ key, legacyKey });
      }
      await this.#deleteLegacy(pairs);
    }
    await this.#cache.deleteMany(keys.map((key) => this.#newKey(key)));
  }

  /** Whether the new key (or, in a fallback mode, the legacy key) holds a value. */
  async has(key: string): Promise<boolean> {
    const mode = this.#begin(key);
    if (await this.#cache.has(this.#newKey(key))) return true;
    if (mode === 'new-only') return false;
    const legacyKey = this.#map.toLegacy(key);
    if (legacyKey === undefined) return false;
    try {
      return await this.#legacy.exists(legacyKey);
    } catch (error) {
      this.#legacyError(key, legacyKey, 'read', error);
      return false;
    }
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
