import {
  ClosedError,
  type FencedRead,
  type FencedReadMany,
  type FenceToken,
  InvalidOptionError,
  type Logger,
  type RemoteEntry,
  type RemoteSetOptions,
  type RemoteStore,
  type WriteOutcome,
} from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { Caller, toStoreError } from './caller.js';
import { clearNamespace } from './clear.js';
import { FencedGetBatcher, GetBatcher } from './get-batcher.js';
import { type RedisKeyspace, redisKeyspace } from './keyspace.js';
import { type RedisStoreOptions, resolveOptions } from './options.js';
import { createOwnClient } from './own-client.js';
import { type Arg, defineScripts, type ScriptClient, writeArgs } from './scripts.js';
import { groupByShard, scatter } from './shard-groups.js';
import {
  deleteKeys,
  deleteTags,
  epochFor,
  nullsToUndefined,
  type ShardContext,
  shardedFencedRead,
  writeEntries,
} from './shard-ops.js';
import {
  assertEntry,
  assertKey,
  assertKeys,
  assertNamespace,
  assertTags,
  assertTtl,
  formatFence,
  formatShardedFence,
  type ParsedFence,
  parseFence,
  toBuffer,
} from './validate.js';

const nullToUndefined = (value: Buffer | null): Buffer | undefined => value ?? undefined;

/**
 * A {@link RemoteStore} on Redis through ioredis, standalone or Cluster. Create it with
 * {@link redisStore}. A namespace is spread over `shards` hash tags (see
 * {@link RedisKeyspace}). Reads are plain GET / MGET (one MGET per shard on Cluster);
 * fenced reads add the shard's epoch to the same MGET; writes and invalidations are Lua
 * scripts on one shard's slot, fanned out to every shard where they concern all.
 */
export class RedisStore implements RemoteStore {
  /** `redis`. */
  readonly name = 'redis';
  readonly #client: Redis | Cluster;
  readonly #scripts: ScriptClient;
  readonly #owned: boolean;
  readonly #keys: RedisKeyspace;
  readonly #timeoutMs: number;
  readonly #fenceTtlMs: number;
  readonly #now: () => number;
  readonly #clearBatchSize: number;
  readonly #logger: Logger;
  readonly #caller: Caller;
  readonly #sharded: boolean;
  /** Whether batches must be split by slot (Cluster) rather than sent as one command. */
  readonly #splitBySlot: boolean;
  /** What the per-shard operations ({@link deleteKeys}, ...) need. */
  readonly #shards: ShardContext;
  readonly #heads = new Map<string, string[]>();
  readonly #getFailed = (error: unknown): never => {
    throw toStoreError('get', error, this.#timeoutMs);
  };
  /** Coalesces one tick's GETs into MGETs; undefined when `getBatchMaxKeys` is 1. */
  readonly #batcher: GetBatcher | undefined;
  /** Coalesces one tick's fenced reads of a shard into one MGET with its epoch. */
  readonly #fencedBatcher: FencedGetBatcher | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** @throws InvalidOptionError when an option is invalid. */
  constructor(options: RedisStoreOptions) {
    const resolved = resolveOptions(options);
    this.#keys = redisKeyspace(resolved.prefix, { shards: resolved.shards });
    this.#sharded = resolved.shards > 1;
    this.#timeoutMs = resolved.commandTimeoutMs;
    this.#fenceTtlMs = resolved.fenceTtlMs;
    this.#now = resolved.now;
    this.#clearBatchSize = resolved.clearBatchSize;
    this.#logger = resolved.logger.child({ component: 'cachestack-redis' });
    let connecting: Promise<void> | undefined;
    if (resolved.client) {
      this.#client = resolved.client;
      this.#owned = false;
    } else {
      const own = createOwnClient(resolved.url!, resolved.commandTimeoutMs, this.#logger);
      this.#client = own.client;
      connecting = own.connecting;
      this.#owned = true;
    }
    this.#splitBySlot = this.#sharded && this.#client.isCluster === true;
    this.#scripts = defineScripts(this.#client);
    this.#caller = new Caller(this.#client, this.#timeoutMs, connecting, resolved.clock);
    this.#shards = {
      client: this.#client,
      scripts: this.#scripts,
      keys: this.#keys,
      caller: this.#caller,
      fenceTtlMs: this.#fenceTtlMs,
      splitBySlot: this.#splitBySlot,
    };
    this.#batcher =
      resolved.getBatchMaxKeys > 1
        ? new GetBatcher(
            (key) => this.#caller.run('get', () => this.#client.getBuffer(key)),
            (keys) => this.#caller.run('get', () => this.#client.mgetBuffer(keys)),
            resolved.getBatchMaxKeys,
          )
        : undefined;
    this.#fencedBatcher =
      resolved.getBatchMaxKeys > 1
        ? new FencedGetBatcher(
            (keys) => this.#caller.run('getWithFence', () => this.#client.mgetBuffer(keys)),
            resolved.getBatchMaxKeys,
          )
        : undefined;
  }

  /** How long invalidation marks live, in ms: the longest a fence stays usable. */
  get fenceTtlMs(): number {
    return this.#fenceTtlMs;
  }

  /** How many hash-tag shards each namespace is spread over. */
  get shards(): number {
    return this.#keys.shards;
  }

  /** The key names this store uses. */
  get keyspace(): RedisKeyspace {
    return this.#keys;
  }

  /**
   * Bytes of the key, or `undefined`: one GET, or a share of one MGET when other `get`
   * calls were issued in the same tick (see `getBatchMaxKeys`).
   */
  get(namespace: string, key: string): Promise<Uint8Array | undefined> {
    let head: string;
    try {
      assertKey(key);
      head = this.#head(namespace, key);
    } catch (error) {
      return Promise.reject(error);
    }
    const entryKey = `${head}k:${key}`;
    // On Cluster only keys of one head (one hash tag, so one slot) may share an MGET.
    if (this.#batcher !== undefined) {
      return this.#batcher.get(this.#client.isCluster === true ? head : '', entryKey);
    }
    // No closure, no wrapper promise when ioredis enforces the deadline.
    const caller = this.#caller;
    if (caller.clientDeadline && caller.connecting === undefined) {
      return this.#client.getBuffer(entryKey).then(nullToUndefined, this.#getFailed);
    }
    return this.#caller.run('get', () => this.#client.getBuffer(entryKey), nullToUndefined);
  }

  /** Bytes of each key in order: one MGET (on a sharded Cluster store, one per shard, in parallel). */
  getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    let heads: string[];
    try {
      heads = this.#check(namespace);
      assertKeys(keys);
    } catch (error) {
      return Promise.reject(error);
    }
    if (keys.length === 0) return Promise.resolve([]);
    const shardOf = this.#keys.shardOf;
    if (this.#splitBySlot) {
      return scatter(keys.length, groupByShard(keys, shardOf), (shard, positions) => {
        const entryKeys = positions.map((i) => `${heads[shard]}k:${keys[i]}`);
        return this.#caller.run(
          'getMany',
          () => this.#client.mgetBuffer(entryKeys),
          nullsToUndefined,
        );
      });
    }
    const entryKeys = keys.map((key) => `${heads[shardOf(key)]}k:${key}`);
    return this.#caller.run('getMany', () => this.#client.mgetBuffer(entryKeys), nullsToUndefined);
  }

  /**
   * The value and a fence in one MGET. The fence holds the epoch of the key's shard and
   * the time the read was sent (see `fenceTtlMs`).
   */
  getWithFence(namespace: string, key: string): Promise<FencedRead> {
    let base: string;
    try {
      assertKey(key);
      base = this.#head(namespace, key);
    } catch (error) {
      return Promise.reject(error);
    }
    const readAtMs = this.#now();
    const shard = this.#keys.shardOf(key);
    // Batched with the other fenced reads of this shard in this tick: same MGET, same
    // epoch; each fence keeps its own (earlier, so safer) read time.
    if (this.#fencedBatcher !== undefined) {
      return this.#fencedBatcher.get(base, `${base}k:${key}`, `${base}m:epoch`).then((read) => ({
        value: read.value,
        fence: this.#sharded
          ? formatShardedFence(new Map([[shard, read.epoch]]), readAtMs)
          : formatFence(read.epoch, readAtMs),
      }));
    }
    return this.#caller.run(
      'getWithFence',
      () => this.#client.mgetBuffer(`${base}k:${key}`, `${base}m:epoch`),
      (values) => ({
        value: values[0] ?? undefined,
        fence: this.#sharded
          ? formatShardedFence(new Map([[shard, values[1]]]), readAtMs)
          : formatFence(values[1], readAtMs),
      }),
    );
  }

  /**
   * The values and one fence: one MGET, or on a sharded store one MGET per shard read
   * (each with that shard's epoch; on a standalone client all in one MGET).
   */
  getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany> {
    let heads: string[];
    try {
      heads = this.#check(namespace);
      assertKeys(keys);
    } catch (error) {
      return Promise.reject(error);
    }
    const readAtMs = this.#now();
    if (this.#sharded && keys.length === 0) {
      return Promise.resolve({ values: [], fence: formatShardedFence(new Map(), readAtMs) });
    }
    if (!this.#sharded) {
      const args = keys.map((key) => `${heads[0]}k:${key}`);
      args.push(`${heads[0]}m:epoch`);
      return this.#caller.run(
        'getManyWithFence',
        () => this.#client.mgetBuffer(args),
        (values) => {
          const epoch = values.pop();
          return { values: nullsToUndefined(values), fence: formatFence(epoch, readAtMs) };
        },
      );
    }
    return shardedFencedRead(this.#shards, heads, keys, readAtMs);
  }

  /**
   * Stores bytes with a TTL and tags. Unconditional (no `fence`): bumps the namespace
   * epoch and marks the key, so fences read earlier for it are invalidated. Conditional:
   * skipped (`'fenced'`) when the namespace was cleared, the key invalidated, or one of
   * `tags` invalidated since the fence was read, or when the fence is too old for the
   * invalidation marks to still cover it (see `fenceTtlMs`); never invalidates anything.
   */
  set(
    namespace: string,
    key: string,
    value: Uint8Array,
    options: RemoteSetOptions,
  ): Promise<WriteOutcome> {
    let args: Arg[];
    try {
      assertKey(key);
      const base = this.#head(namespace, key);
      let fence: ParsedFence | undefined;
      if (typeof options !== 'object' || options === null) {
        throw new InvalidOptionError('options', 'must be an object with ttlMs');
      }
      assertTtl(options.ttlMs);
      assertTags(options.tags);
      const bytes = toBuffer(value);
      let epoch: string | undefined;
      if (options.fence !== undefined) {
        fence = parseFence(options.fence, this.#sharded);
        if (this.#expired(fence)) return Promise.resolve('fenced');
        epoch = epochFor(fence, this.#keys.shardOf(key));
      }
      args = writeArgs(
        base,
        [{ key, value: bytes, ttlMs: options.ttlMs, tags: options.tags }],
        epoch,
        this.#fenceTtlMs,
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#caller.run(
      'set',
      () => this.#scripts.cachestackV1Write(...(args as [number, ...Arg[]])),
      (flags) => (flags[0] === 1 ? 'written' : 'fenced'),
      true,
    );
  }

  /**
   * Stores several entries: one script per shard (in parallel), conditional on `fence`
   * when given (see {@link epochFor} for a shard the fence did not read).
   */
  setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]> {
    let heads: string[];
    let parsed: ParsedFence | undefined;
    try {
      heads = this.#check(namespace);
      if (!Array.isArray(entries)) throw new InvalidOptionError('entries', 'must be an array');
      for (const entry of entries) assertEntry(entry);
      parsed = fence === undefined ? undefined : parseFence(fence, this.#sharded);
      if (entries.length === 0) return Promise.resolve([]);
      if (parsed !== undefined && this.#expired(parsed)) {
        return Promise.resolve(entries.map((): WriteOutcome => 'fenced'));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return writeEntries(this.#shards, heads, entries, parsed);
  }

  /** Whether the key holds a value (EXISTS). */
  has(namespace: string, key: string): Promise<boolean> {
    let entryKey: string;
    try {
      assertKey(key);
      entryKey = `${this.#head(namespace, key)}k:${key}`;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#caller.run(
      'has',
      () => this.#client.exists(entryKey),
      (n) => n === 1,
    );
  }

  /**
   * Remaining TTL in ms (PTTL); `undefined` when absent; `Infinity` for a key without
   * expiry (never written by this store, which always sets one).
   */
  ttl(namespace: string, key: string): Promise<number | undefined> {
    let entryKey: string;
    try {
      assertKey(key);
      entryKey = `${this.#head(namespace, key)}k:${key}`;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#caller.run(
      'ttl',
      () => this.#client.pttl(entryKey),
      (ms) => (ms === -2 ? undefined : ms === -1 ? Number.POSITIVE_INFINITY : ms),
    );
  }

  /** Marks and unlinks the key; `true` when it existed. */
  delete(namespace: string, key: string): Promise<boolean> {
    return this.deleteMany(namespace, [key]).then((n) => n > 0);
  }

  /** Marks and unlinks the keys, one script per shard; resolves how many existed. */
  deleteMany(namespace: string, keys: readonly string[]): Promise<number> {
    let heads: string[];
    try {
      heads = this.#check(namespace);
      assertKeys(keys);
      if (keys.length === 0) return Promise.resolve(0);
    } catch (error) {
      return Promise.reject(error);
    }
    return deleteKeys(this.#shards, heads, keys);
  }

  /**
   * Marks the tags and their member keys, unlinks the members and the tag sets: one
   * script per shard, sent at once (see {@link deleteTags}); resolves how many existed.
   */
  deleteByTag(namespace: string, tags: readonly string[]): Promise<number> {
    let heads: string[];
    try {
      heads = this.#check(namespace);
      assertTags(tags);
      if (tags.length === 0) return Promise.resolve(0);
    } catch (error) {
      return Promise.reject(error);
    }
    return deleteTags(this.#shards, heads, tags);
  }

  /**
   * Sets the clear mark of every shard (invalidating every fence read so far), then
   * SCANs the namespace on every master and unlinks its entries in batches of
   * `clearBatchSize`, then prunes its tag sets. Each round trip has the command deadline.
   */
  clear(namespace: string): Promise<void> {
    try {
      this.#check(namespace);
    } catch (error) {
      return Promise.reject(error);
    }
    return clearNamespace(
      {
        client: this.#client,
        scripts: this.#scripts,
        keys: this.#keys,
        caller: this.#caller,
        batchSize: this.#clearBatchSize,
      },
      namespace,
    );
  }

  /** Closes the store; quits the client only when the store created it. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = this.#owned ? this.#quit() : Promise.resolve();
    return this.#closing;
  }

  /** Same as {@link RedisStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #quit(): Promise<void> {
    const client = this.#client as Redis;
    if (client.status === 'end') return;
    try {
      await this.#caller.deadline('close', client.quit());
    } catch (error) {
      this.#logger.debug({ err: error }, 'redis quit failed; disconnecting');
    } finally {
      client.disconnect();
    }
  }

  /**
   * Rejects after close, validates the namespace and returns its shard heads. Validated
   * heads are cached (bounded) so the hot path skips re-validation and concatenation.
   */
  #check(namespace: string): string[] {
    if (this.#closed) throw new ClosedError('redis store');
    const cached = this.#heads.get(namespace);
    if (cached !== undefined) return cached;
    assertNamespace(namespace);
    if (this.#heads.size >= 10_000) this.#heads.clear();
    const heads = this.#keys.heads(namespace);
    this.#heads.set(namespace, heads);
    return heads;
  }

  /** The head of the shard holding `key` (validates the namespace). */
  #head(namespace: string, key: string): string {
    const heads = this.#check(namespace);
    return this.#sharded ? heads[this.#keys.shardOf(key)]! : heads[0]!;
  }

  /**
   * Whether a fence is too old to trust: an invalidation after the read left marks that
   * expire `fenceTtlMs` after it, and the write may reach Redis up to the deadline later.
   */
  #expired(fence: ParsedFence): boolean {
    return this.#now() - fence.readAtMs + this.#timeoutMs >= this.#fenceTtlMs;
  }
}

/**
 * Creates a Redis L2 store.
 *
 * @example
 * ```ts
 * const store = redisStore({ url: 'redis://127.0.0.1:6379', prefix: 'app' });
 * await store.set('users', '42', bytes, { ttlMs: 60_000, tags: ['team:7'] });
 * ```
 * @throws InvalidOptionError when an option is invalid.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
