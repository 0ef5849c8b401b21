import { InvalidOptionError } from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { LegacyStoreError } from './errors.js';

/** A legacy value as read from Redis. */
export interface LegacyRead {
  /** The stored string. */
  readonly raw: string;
  /** Remaining time to live in ms (`PTTL`), or `undefined` when the key has no expiry. */
  readonly ttlMs: number | undefined;
}

/** An ioredis client: standalone `Redis` or `Cluster`. */
export type RedisClient = Redis | Cluster;

/** Whether the client is an ioredis Cluster. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** Validates an ioredis client option. @throws InvalidOptionError */
export function assertClient(client: unknown, option = 'client'): asserts client is RedisClient {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as Redis).get !== 'function' ||
    typeof (client as Redis).pttl !== 'function'
  ) {
    throw new InvalidOptionError(option, 'must be an ioredis Redis or Cluster instance');
  }
}

function wrap(error: unknown, what: string, key?: string): LegacyStoreError {
  if (error instanceof LegacyStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LegacyStoreError(`legacy ${what} failed: ${message}`, key, { cause: error });
}

function toRead(raw: string | null, pttl: number): LegacyRead | undefined {
  // PTTL -2: gone (possibly expired between the two commands); -1: no expiry.
  if (raw === null || pttl === -2) return undefined;
  return { raw, ttlMs: pttl === -1 ? undefined : Math.max(1, pttl) };
}

// Per key: the value (or 0 when the key is not a string) and the PTTL. Lua false
// becomes nil in the reply array, which RESP keeps as a null element.
const READ_MANY = `local out = {}
for i, k in ipairs(KEYS) do
  local ok, v = pcall(redis.call, 'GET', k)
  if ok then out[2 * i - 1] = v else out[2 * i - 1] = 0 end
  out[2 * i] = redis.call('PTTL', k)
end
return out`;

const DELETE_IF_EQUAL = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('UNLINK', KEYS[1]) end return 0`;

/**
 * Legacy keys on an ioredis client. Every method rejects with {@link LegacyStoreError}
 * on failure; batch reads report per-key failures in place instead.
 */
export class LegacyStore {
  readonly #client: RedisClient;

  constructor(client: RedisClient) {
    assertClient(client);
    this.#client = client;
  }

  /** The legacy value and remaining TTL, or `undefined` when absent. */
  async read(key: string): Promise<LegacyRead | undefined> {
    try {
      const [raw, pttl] = await Promise.all([this.#client.get(key), this.#client.pttl(key)]);
      return toRead(raw, pttl);
    } catch (error) {
      throw wrap(error, 'read', key);
    }
  }

  /**
   * Values of several keys, in order: a read, `undefined` when absent, or the error of
   * that key (e.g. `WRONGTYPE`). One script on a standalone client; per key (pipelined
   * by the connection) on a Cluster.
   * @throws LegacyStoreError when the round trip itself fails
   */
  async readMany(
    keys: readonly string[],
    client: Redis = this.#client as Redis,
  ): Promise<(LegacyRead | undefined | LegacyStoreError)[]> {
    if (keys.length === 0) return [];
    try {
      if (isCluster(this.#client) || isCluster(client)) {
        // Keys of one node may still sit in different slots: one script cannot read them.
        return await Promise.all(
          keys.map((key) => this.read(key).catch((error: unknown) => wrap(error, 'read', key))),
        );
      }
      // One script for the whole batch: far fewer commands than GET+PTTL per key, and
      // each value is read atomically with its TTL.
      const reply = (await client.eval(READ_MANY, keys.length, ...keys)) as (
        | string
        | number
        | null
      )[];
      return keys.map((key, i) => {
        const raw = reply[2 * i];
        const pttl = reply[2 * i + 1] as number;
        if (typeof raw === 'number') {
          return new LegacyStoreError(`legacy key ${key} is not a string (WRONGTYPE)`, key);
        }
        return toRead(raw ?? null, pttl);
      });
    } catch (error) {
      throw wrap(error, 'read');
    }
  }

  /** Writes a legacy value with `PX ttlMs` (no expiry when `undefined`); `nx`: only when absent. */
  async write(key: string, raw: string, ttlMs: number | undefined, nx = false): Promise<void> {
    try {
      const args: (string | number)[] = [key, raw];
      if (ttlMs !== undefined) args.push('PX', Math.max(1, Math.ceil(ttlMs)));
      if (nx) args.push('NX');
      await this.#client.call('SET', ...args);
    } catch (error) {
      throw wrap(error, 'write', key);
    }
  }

  /** Deletes legacy keys; resolves how many existed. Per key on Cluster (slots differ). */
  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    try {
      if (isCluster(this.#client) && keys.length > 1) {
        const counts = await Promise.all(keys.map((key) => this.#client.unlink(key)));
        return counts.reduce((a, b) => a + b, 0);
      }
      return await this.#client.unlink(...keys);
    } catch (error) {
      throw wrap(error, 'delete', keys.length === 1 ? keys[0] : undefined);
    }
  }

  /**
   * Deletes each key only while it still holds the given raw value (compare-and-delete in
   * one script per key, so a legacy value rewritten meanwhile is kept).
   * @returns for each key, whether it was deleted
   */
  async deleteIfEqual(items: readonly { key: string; raw: string }[]): Promise<boolean[]> {
    try {
      return await Promise.all(
        items.map(async ({ key, raw }) => {
          const n = (await this.#client.eval(DELETE_IF_EQUAL, 1, key, raw)) as number;
          return n === 1;
        }),
      );
    } catch (error) {
      throw wrap(error, 'delete');
    }
  }

  /** Whether the legacy key exists. */
  async exists(key: string): Promise<boolean> {
    try {
      return (await this.#client.exists(key)) === 1;
    } catch (error) {
      throw wrap(error, 'read', key);
    }
  }
}
