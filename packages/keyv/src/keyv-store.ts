import { EventEmitter } from 'node:events';
import { type Cache, InvalidOptionError } from '@cachestack/core';

/** Options of {@link createKeyvStore}. */
export interface KeyvStoreOptions {
  /**
   * TTL in ms of values Keyv sets without one. cachestack entries always expire.
   * @defaultValue the cache's default `ttl`
   */
  readonly defaultTtlMs?: number;
  /**
   * Close the cache on `disconnect()` (Keyv's and cache-manager's). The cache belongs to
   * the caller otherwise.
   * @defaultValue `false`
   */
  readonly closeCacheOnDisconnect?: boolean;
}

/** One entry of `setMany`, as Keyv passes it. */
export interface KeyvStoreEntry {
  readonly key: string;
  readonly value: unknown;
  /** TTL in ms; none: `defaultTtlMs`. */
  readonly ttl?: number;
}

/**
 * A Keyv storage adapter backed by a cachestack `Cache`: L1, L2, the invalidation bus and
 * fenced writes behind Keyv. A Keyv namespace maps to a cachestack namespace of the cache
 * (`cache.namespace(name)`), so `clear()` clears that namespace only and keys stay
 * readable from cachestack without Keyv's prefix. Values are what Keyv stores (its
 * serialized `{ value, expires }`).
 *
 * Events: `error` (a `store:error` of the cache, while someone listens), as Keyv expects
 * of an adapter; Keyv re-emits it.
 */
export class KeyvCacheStore extends EventEmitter {
  /** Options, as Keyv reads them from an adapter. */
  readonly opts: { readonly dialect: 'cachestack'; readonly url: string };
  /** The Keyv namespace, set by Keyv. */
  namespace: string | undefined;
  readonly #cache: Cache;
  readonly #namespaces = new Map<string, Cache>();
  readonly #ttlMs: number | undefined;
  readonly #closeCache: boolean;
  #unsubscribe: (() => void) | undefined;

  constructor(cache: Cache, options: KeyvStoreOptions = {}) {
    super();
    if (cache === null || typeof cache !== 'object' || typeof cache.getMany !== 'function') {
      throw new InvalidOptionError('cache', 'must be a cachestack Cache');
    }
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('options', 'must be an object');
    }
    const ttl = options.defaultTtlMs;
    if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
      throw new InvalidOptionError('defaultTtlMs', `must be a number > 0, got ${String(ttl)}`);
    }
    this.#cache = cache;
    this.#ttlMs = ttl;
    this.#closeCache = options.closeCacheOnDisconnect === true;
    this.opts = { dialect: 'cachestack', url: `cachestack://${cache.namespaceName}` };
    // Forward L2 errors only while someone listens, so idle adapters hold no subscription.
    this.on('newListener', (event) => {
      if (event === 'error' && this.#unsubscribe === undefined) {
        this.#unsubscribe = cache.on('store:error', ({ error }) => this.emit('error', error));
      }
    });
  }

  /** The value of `key`, or `undefined`. */
  async get<Value>(key: string): Promise<Value | undefined> {
    const [target, local] = this.#route(key);
    return target.get<Value>(local);
  }

  /** Values of `keys`, in order, `undefined` for misses; one L2 round trip per namespace. */
  async getMany<Value>(keys: string[]): Promise<Array<Value | undefined>> {
    const groups = this.#group(keys);
    if (groups.size === 1) {
      // The usual case: core's getMany is dense already (explicit undefined for misses).
      for (const [target, { locals }] of groups) return target.getMany<Value>(locals);
    }
    const out = new Array<Value | undefined>(keys.length).fill(undefined);
    await Promise.all(
      [...groups].map(async ([target, { locals, indexes }]) => {
        const values = await target.getMany<Value>(locals);
        values.forEach((value, j) => {
          out[indexes[j]!] = value;
        });
      }),
    );
    return out;
  }

  /** Stores `value` for `ttl` ms (or `defaultTtlMs`, or the cache's default). */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const [target, local] = this.#route(key);
    await target.set(local, value, this.#ttl(ttl));
    return true;
  }

  /** Stores several entries; one L2 round trip per namespace. */
  async setMany(entries: KeyvStoreEntry[]): Promise<boolean[]> {
    const groups = new Map<Cache, { key: string; value: unknown; options?: { ttl: number } }[]>();
    for (const entry of entries) {
      const [target, local] = this.#route(entry.key);
      let list = groups.get(target);
      if (list === undefined) {
        list = [];
        groups.set(target, list);
      }
      const options = this.#ttl(entry.ttl);
      list.push(
        options === undefined
          ? { key: local, value: entry.value }
          : { key: local, value: entry.value, options },
      );
    }
    await Promise.all([...groups].map(([target, items]) => target.setMany(items)));
    return entries.map(() => true);
  }

  /** Whether `key` holds a fresh value. */
  async has(key: string): Promise<boolean> {
    const [target, local] = this.#route(key);
    return target.has(local);
  }

  /** Whether each key holds a fresh value. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((key) => this.has(key)));
  }

  /** Deletes `key` everywhere (every tier, every instance); `true` when it held a value. */
  async delete(key: string): Promise<boolean> {
    const [target, local] = this.#route(key);
    const existed = await target.has(local);
    await target.delete(local);
    return existed;
  }

  /** Deletes `keys` everywhere; `true` when any of them held a value. */
  async deleteMany(keys: string[]): Promise<boolean> {
    let existed = false;
    await Promise.all(
      [...this.#group(keys)].map(async ([target, { locals }]) => {
        const present = await Promise.all(locals.map((local) => target.has(local)));
        if (present.includes(true)) existed = true;
        await target.deleteMany(locals);
      }),
    );
    return existed;
  }

  /** Clears the current Keyv namespace (or the cache's own namespace without one). */
  async clear(): Promise<void> {
    await this.#target().clear();
  }

  /** Stops forwarding errors; closes the cache only with `closeCacheOnDisconnect`. */
  async disconnect(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#closeCache) await this.#cache.close();
  }

  /** The cache of the current namespace. */
  #target(): Cache {
    const name = this.namespace;
    if (name === undefined || name === '') return this.#cache;
    let child = this.#namespaces.get(name);
    if (child === undefined) {
      child = this.#cache.namespace(name);
      this.#namespaces.set(name, child);
    }
    return child;
  }

  /** The cache and the key inside it: Keyv's `namespace:` prefix becomes the namespace. */
  #route(key: string): [Cache, string] {
    const name = this.namespace;
    if (name === undefined || name === '' || !key.startsWith(`${name}:`)) {
      return [name === undefined || name === '' ? this.#cache : this.#target(), key];
    }
    return [this.#target(), key.slice(name.length + 1)];
  }

  #group(keys: readonly string[]): Map<Cache, { locals: string[]; indexes: number[] }> {
    const groups = new Map<Cache, { locals: string[]; indexes: number[] }>();
    keys.forEach((key, i) => {
      const [target, local] = this.#route(key);
      let group = groups.get(target);
      if (group === undefined) {
        group = { locals: [], indexes: [] };
        groups.set(target, group);
      }
      group.locals.push(local);
      group.indexes.push(i);
    });
    return groups;
  }

  #ttl(ttl: number | undefined): { ttl: number } | undefined {
    const ms = typeof ttl === 'number' && ttl > 0 ? ttl : this.#ttlMs;
    return ms === undefined ? undefined : { ttl: ms };
  }
}

/**
 * Wraps a cachestack `Cache` as a Keyv storage adapter:
 * `new Keyv({ store: createKeyvStore(cache) })`, also usable as a cache-manager 7 store
 * (`createCache({ stores: [new Keyv({ store: createKeyvStore(cache) })] })`).
 * @throws InvalidOptionError when `cache` is not a Cache or an option is invalid
 */
export function createKeyvStore(cache: Cache, options?: KeyvStoreOptions): KeyvCacheStore {
  return new KeyvCacheStore(cache, options);
}
