import {
  ClosedError,
  type HotKey,
  type HotKeyExchange,
  InvalidOptionError,
  mergeHotKeys,
  StoreError,
} from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { assertPrefix } from './keyspace.js';

/** Options of {@link redisHotKeyExchange}. */
export interface RedisHotKeyExchangeOptions {
  /** Your ioredis client (never closed by the exchange). */
  readonly client: Redis | Cluster;
  /** Key prefix, as for the store. */
  readonly prefix: string;
  /**
   * How long an instance's published keys stay visible without being refreshed: an
   * instance that stops publishing drops out after this. @defaultValue 300_000
   */
  readonly ttlMs?: number;
  /** Most keys kept per instance. @defaultValue 1000 */
  readonly maxKeysPerInstance?: number;
}

/**
 * Shares each instance's hot keys through Redis, for core's adaptive warming
 * (`createCache({ hotKeys: { exchange } })`, `cache.warmFromPeers()`). Each instance's
 * list is one key with a TTL; an index set names the instances. All keys share one hash
 * tag, so it works on Cluster.
 */
export class RedisHotKeyExchange implements HotKeyExchange {
  readonly #client: Redis | Cluster;
  readonly #base: string;
  readonly #ttlMs: number;
  readonly #max: number;
  #closed = false;

  constructor(options: RedisHotKeyExchangeOptions) {
    if (!options || typeof options.client?.get !== 'function') {
      throw new InvalidOptionError('client', 'expected an ioredis client');
    }
    assertPrefix(options.prefix);
    this.#client = options.client;
    this.#base = `${options.prefix}:{hotkeys}`;
    this.#ttlMs = options.ttlMs ?? 300_000;
    if (!Number.isInteger(this.#ttlMs) || this.#ttlMs < 1000) {
      throw new InvalidOptionError('ttlMs', 'must be an integer >= 1000');
    }
    this.#max = options.maxKeysPerInstance ?? 1000;
    if (!Number.isInteger(this.#max) || this.#max < 1) {
      throw new InvalidOptionError('maxKeysPerInstance', 'must be an integer >= 1');
    }
  }

  #instanceKey(id: string): string {
    return `${this.#base}:i:${id}`;
  }

  async publish(instanceId: string, keys: readonly HotKey[]): Promise<void> {
    if (this.#closed) throw new ClosedError('hot-key exchange');
    if (typeof instanceId !== 'string' || instanceId.length === 0) {
      throw new InvalidOptionError('instanceId', 'must be a non-empty string');
    }
    const payload = JSON.stringify(
      keys.slice(0, this.#max).map((k) => [k.namespace, k.key, k.score]),
    );
    try {
      await this.#client
        .multi()
        .set(this.#instanceKey(instanceId), payload, 'PX', this.#ttlMs)
        .sadd(`${this.#base}:index`, instanceId)
        .pexpire(`${this.#base}:index`, this.#ttlMs * 2)
        .exec();
    } catch (cause) {
      throw new StoreError('cannot publish hot keys', { cause });
    }
  }

  async collect(excludeInstanceId: string): Promise<HotKey[]> {
    if (this.#closed) throw new ClosedError('hot-key exchange');
    try {
      const ids = (await this.#client.smembers(`${this.#base}:index`)).filter(
        (id) => id !== excludeInstanceId,
      );
      if (ids.length === 0) return [];
      const lists = await this.#client.mget(...ids.map((id) => this.#instanceKey(id)));
      const gone = ids.filter((_, i) => lists[i] === null);
      if (gone.length > 0) await this.#client.srem(`${this.#base}:index`, ...gone);
      const parsed: HotKey[][] = [];
      for (const raw of lists) {
        if (raw === null) continue;
        try {
          const rows = JSON.parse(raw) as [string, string, number][];
          parsed.push(rows.map(([namespace, key, score]) => ({ namespace, key, score })));
        } catch {
          // a foreign or damaged list is skipped, never fatal
        }
      }
      return mergeHotKeys(parsed);
    } catch (cause) {
      throw new StoreError('cannot collect hot keys', { cause });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** Creates a {@link RedisHotKeyExchange}. */
export function redisHotKeyExchange(options: RedisHotKeyExchangeOptions): RedisHotKeyExchange {
  return new RedisHotKeyExchange(options);
}
