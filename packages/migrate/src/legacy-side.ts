import {
  type Cache,
  type LoadOptions,
  SerializationError,
  type SetOptions,
  toMs,
} from '@cachestack/core';
import type { KeyMapping } from './key-mapping.js';
import type { LegacyEvents, LegacyStats } from './legacy-events.js';
import type { LegacyRead, LegacyStore } from './legacy-store.js';

class Gone extends Error {}

/** A logical key and its legacy key. */
export interface KeyPair {
  readonly key: string;
  readonly legacyKey: string;
}

/**
 * The legacy half of a {@link LegacyKeysCache}: reads, backfills, dual writes and
 * deletes of legacy keys, with the counters and events they produce. Internal.
 */
export class LegacySide {
  readonly stats: { -readonly [K in keyof LegacyStats]: number } = {
    fallbacks: 0,
    legacyMisses: 0,
    backfills: 0,
    dualWrites: 0,
    legacyDeletes: 0,
    legacyErrors: 0,
  };
  readonly #map: KeyMapping;
  readonly #store: LegacyStore;
  readonly #events: LegacyEvents;
  readonly #decode: (raw: string) => unknown;
  readonly #encode: (value: unknown) => string;
  readonly #defaultTtlMs: number;

  constructor(
    map: KeyMapping,
    store: LegacyStore,
    events: LegacyEvents,
    codec: { decode: (raw: string) => unknown; encode: (value: unknown) => string },
    defaultTtlMs: number,
  ) {
    this.#map = map;
    this.#store = store;
    this.#events = events;
    this.#decode = codec.decode;
    this.#encode = codec.encode;
    this.#defaultTtlMs = defaultTtlMs;
  }

  /** The legacy key of a logical key, if any. */
  toLegacy(key: string): string | undefined {
    return this.#map.toLegacy(key);
  }

  /** The pairs of the keys that have a legacy key. */
  pairs(keys: readonly string[]): KeyPair[] {
    const out: KeyPair[] = [];
    for (const key of keys) {
      const legacyKey = this.#map.toLegacy(key);
      if (legacyKey !== undefined) out.push({ key, legacyKey });
    }
    return out;
  }

  /** TTL of a legacy write: the call's `ttl`, else the default. */
  ttlOf(options: SetOptions | LoadOptions | undefined): number {
    return options?.ttl === undefined ? this.#defaultTtlMs : Math.max(1, toMs('ttl', options.ttl));
  }

  error(key: string, legacyKey: string, operation: string, error: unknown): void {
    this.stats.legacyErrors++;
    this.#events.emit('legacy:error', { key, legacyKey, operation, error });
  }

  /** Reads a legacy key; a failure is counted and reads as a miss. */
  async read({ key, legacyKey }: KeyPair): Promise<LegacyRead | undefined> {
    let read: LegacyRead | undefined;
    try {
      read = await this.#store.read(legacyKey);
    } catch (error) {
      this.error(key, legacyKey, 'read', error);
      return undefined;
    }
    if (read === undefined) this.stats.legacyMisses++;
    return read;
  }

  /** Reads several legacy keys in one round trip; failures are counted and read as misses. */
  async readMany(pairs: readonly KeyPair[]): Promise<(LegacyRead | undefined)[]> {
    try {
      const reads = await this.#store.readMany(pairs.map((p) => p.legacyKey));
      return reads.map((read, i) => {
        if (read instanceof Error) {
          this.error(pairs[i]!.key, pairs[i]!.legacyKey, 'read', read);
          return undefined;
        }
        if (read === undefined) this.stats.legacyMisses++;
        return read;
      });
    } catch (error) {
      for (const p of pairs) this.error(p.key, p.legacyKey, 'read', error);
      return pairs.map(() => undefined);
    }
  }

  /**
   * Serves a legacy value and backfills it into the new key with the remaining TTL. The
   * backfill is a `getOrSet` whose load re-reads the legacy key: single flight, fenced
   * against sets and deletes since, and dropped when the legacy key vanished meanwhile.
   */
  async backfill(
    cache: Pick<Cache, 'getOrSet'>,
    newKey: string,
    pair: KeyPair,
    first: LegacyRead,
  ): Promise<unknown> {
    const { key, legacyKey } = pair;
    let value: unknown;
    try {
      value = this.#decode(first.raw);
    } catch (error) {
      this.error(key, legacyKey, 'decode', error);
      return undefined;
    }
    this.stats.fallbacks++;
    this.#events.emit('fallback', { key, legacyKey });
    const ttlMs = first.ttlMs;
    const options: LoadOptions | undefined =
      ttlMs === undefined ? undefined : { ttl: ttlMs, grace: 0, jitter: 0 };
    let gone = false;
    try {
      return await cache.getOrSet(
        newKey,
        async () => {
          const again = await this.#store.read(legacyKey);
          if (again === undefined) {
            gone = true;
            throw new Gone();
          }
          const fresh = this.#decode(again.raw);
          this.stats.backfills++;
          this.#events.emit('backfill', { key, legacyKey, ttlMs });
          return fresh;
        },
        options,
      );
    } catch (error) {
      if (gone) return undefined;
      this.error(key, legacyKey, 'backfill', error);
      return value;
    }
  }

  /**
   * Writes legacy values (dual write). Everything is encoded first, so a value that cannot
   * be encoded fails the call before anything is written.
   * @throws SerializationError, LegacyStoreError
   */
  async writeMany(
    items: readonly (KeyPair & { value: unknown; options?: SetOptions })[],
  ): Promise<void> {
    const raws = items.map((item) => {
      try {
        return this.#encode(item.value);
      } catch (error) {
        throw new SerializationError(`cannot encode the legacy value of "${item.key}"`, {
          cause: error,
        });
      }
    });
    await Promise.all(
      items.map(async (item, i) => {
        try {
          await this.#store.write(item.legacyKey, raws[i]!, this.ttlOf(item.options));
        } catch (error) {
          this.error(item.key, item.legacyKey, 'write', error);
          throw error;
        }
      }),
    );
    this.stats.dualWrites += items.length;
  }

  /** Writes a loaded value to the legacy key when absent (`SET NX`); failures are reported only. */
  async writeLoaded(pair: KeyPair, value: unknown, ttlMs: number): Promise<void> {
    try {
      await this.#store.write(pair.legacyKey, this.#encode(value), ttlMs, true);
      this.stats.dualWrites++;
    } catch (error) {
      this.error(pair.key, pair.legacyKey, 'write', error);
    }
  }

  /** Deletes legacy keys. @throws LegacyStoreError */
  async deleteMany(pairs: readonly KeyPair[]): Promise<void> {
    if (pairs.length === 0) return;
    try {
      this.stats.legacyDeletes += await this.#store.delete(pairs.map((p) => p.legacyKey));
    } catch (error) {
      for (const p of pairs) this.error(p.key, p.legacyKey, 'delete', error);
      throw error;
    }
  }

  /** Whether the legacy key exists; a failure is counted and reads as `false`. */
  async exists(pair: KeyPair): Promise<boolean> {
    try {
      return await this.#store.exists(pair.legacyKey);
    } catch (error) {
      this.error(pair.key, pair.legacyKey, 'read', error);
      return false;
    }
  }
}
