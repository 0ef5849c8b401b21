/**
 * The L2 contract. A remote store holds opaque bytes (frames produced by core's codec
 * pipeline) per namespace and key, with a TTL. Stores never interpret the bytes.
 *
 * Fencing: `getWithFence` / `getManyWithFence` return a {@link FenceToken} read in the
 * same round trip as the value. A later `set` / `setMany` that passes that fence is
 * conditional: it is skipped (outcome `'fenced'`) when, since the fence was read, the
 * key was deleted or set unconditionally, one of the entry's tags was invalidated, or
 * the namespace was cleared, by any process. This is how a loader that started before
 * an invalidation is kept from writing its (now stale) result. A store may also report
 * `'fenced'` for a fence too old for it to vouch for (the Redis store does so after
 * `fenceTtlMs - commandTimeoutMs`).
 */

/** Opaque token returned by fenced reads; only meaningful to the store that issued it. */
export type FenceToken = string;

/** Options of a remote write. */
export interface RemoteSetOptions {
  /** How long the store keeps the bytes, in milliseconds (>= 1). */
  readonly ttlMs: number;
  /** Tags attached to the entry, for {@link RemoteStore.deleteByTag}. */
  readonly tags?: readonly string[] | undefined;
  /** When present the write is conditional on no invalidation since this fence. */
  readonly fence?: FenceToken | undefined;
}

/** One entry of {@link RemoteStore.setMany}. */
export interface RemoteEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly ttlMs: number;
  readonly tags?: readonly string[] | undefined;
}

/** What happened to a write: stored, or skipped because its fence was invalidated. */
export type WriteOutcome = 'written' | 'fenced';

/** A fenced single read. */
export interface FencedRead {
  readonly value: Uint8Array | undefined;
  readonly fence: FenceToken;
}

/** A fenced batch read. */
export interface FencedReadMany {
  readonly values: (Uint8Array | undefined)[];
  readonly fence: FenceToken;
}

/**
 * The interface every L2 implements (`@cachestack/redis`, `@cachestack/file`).
 * Every method rejects with a `CacheStackError` subclass on failure; none signals
 * failure by returning `undefined` or `false`. After `close()` every method rejects
 * with `ClosedError`.
 */
export interface RemoteStore {
  /** Short name used in events and metrics, e.g. `redis`. */
  readonly name: string;
  /**
   * How long a fence stays meaningful, in ms, when the store keeps invalidation marks
   * for a limited time (Redis: `fenceTtlMs`). Core does not make a conditional write
   * with a fence older than this (the loader ran too long): it skips the L2 write.
   * Absent: fences never go stale.
   */
  readonly maxFenceAgeMs?: number;
  /** Bytes stored under the key, or `undefined` when absent or expired. */
  get(namespace: string, key: string): Promise<Uint8Array | undefined>;
  /** Bytes for each key, in order; one round trip where the backend allows it. */
  getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  /** Like `get`, plus a fence for a later conditional write, in one round trip. */
  getWithFence(namespace: string, key: string): Promise<FencedRead>;
  /** Like `getMany`, plus one fence covering every key, in one round trip. */
  getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany>;
  /**
   * Stores bytes. Without `fence` the write is unconditional and itself invalidates
   * fences read earlier for this key; with `fence` it is conditional (see above).
   */
  set(
    namespace: string,
    key: string,
    value: Uint8Array,
    options: RemoteSetOptions,
  ): Promise<WriteOutcome>;
  /** Stores several entries in one round trip; conditional on `fence` when given. */
  setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]>;
  /** Whether the key holds a value. */
  has(namespace: string, key: string): Promise<boolean>;
  /** Remaining time to live of the key in ms, or `undefined` when absent. */
  ttl(namespace: string, key: string): Promise<number | undefined>;
  /** Deletes the key; resolves `true` when it existed. Invalidates fences. */
  delete(namespace: string, key: string): Promise<boolean>;
  /** Deletes several keys in one round trip; resolves the number that existed. */
  deleteMany(namespace: string, keys: readonly string[]): Promise<number>;
  /** Deletes every entry carrying any of the tags; resolves the number deleted. */
  deleteByTag(namespace: string, tags: readonly string[]): Promise<number>;
  /** Deletes every entry of the namespace and invalidates its fences. */
  clear(namespace: string): Promise<void>;
  /** Releases what the store created. Idempotent. */
  close(): Promise<void>;
}
