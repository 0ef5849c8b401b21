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
import { type RedisKeyspace, redisKeyspace } from './keyspace.js';
import { type RedisStoreOptions, resolveOptions } from './options.js';
import { createOwnClient } from './own-client.js';
import { type Arg, defineScripts, type ScriptClient, writeArgs } from './scripts.js';
import {
  assertEntry,
  assertKey,
  assertKeys,
  assertNamespace,
  assertTags,
  assertTtl,
  formatFence,
  type ParsedFence,
  parseFence,
  toBuffer,
} from './validate.js';

const nullToUndefined = (value: Buffer | null): Buffer | undefined => value ?? undefined;

/** Replaces MGET's nulls by `undefined`, in place (the array is ours). */
function nullsToUndefined(values: (Buffer | null)[]): (Buffer | undefined)[] {
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) (values as (Buffer | undefined | null)[])[i] = undefined;
  }
  return values as (Buffer | undefined)[];
}

function outcomes(flags: number[]): WriteOutcome[] {
  return flags.map((flag) => (flag === 1 ? 'written' : 'fenced'));
}

/**
 * A {@link RemoteStore} on Redis through ioredis, standalone or Cluster. Create it with
 * {@link redisStore}. Reads are plain GET / MGET; fenced reads add the namespace epoch
 * to the same MGET; writes and invalidations are Lua scripts on the namespace's slot.
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
  readonly #bases = new Map<string, string>();
  readonly #getFailed = (error: unknown): never => {
    throw toStoreError('get', error, this.#timeoutMs);
  };
  #closed = false;
  #closing: Promise<void> | undefined;

  /** @throws InvalidOptionError when an option is invalid. */
  constructor(options: RedisStoreOptions) {
    const resolved = resolveOptions(options);
    this.#keys = redisKeyspace(resolved.prefix);
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
    this.#scripts = defineScripts(this.#client);
    this.#caller = new Caller(this.#client, this.#timeoutMs, connecting);
  }

  /** How long invalidation marks live, in ms: the longest a fence stays usable. */
  get fenceTtlMs(): number {
    return this.#fenceTtlMs;
  }

  /** The key names this store uses. */
  get keyspace(): RedisKeyspace {
    return this.#keys;
  }

  /** Bytes of the key (one GET), or `undefined`. */
  get(namespace: string, key: string): Promise<Uint8Array | undefined> {
    let entryKey: string;
    try {
      assertKey(key);
      entryKey = `${this.#check(namespace)}k:${key}`;
    } catch (error) {
      return Promise.reject(error);
    }
    // The L2 hit path: no closure, no wrapper promise when ioredis enforces the deadline.
    const caller = this.#caller;
    if (caller.clientDeadline && caller.connecting === undefined) {
      return this.#client.getBuffer(entryKey).then(nullToUndefined, this.#getFailed);
    }
    return this.#caller.run('get', () => this.#client.getBuffer(entryKey), nullToUndefined);
  }

  /** Bytes of each key in order (one MGET). */
  getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    let base: string;
    try {
      base = this.#check(namespace);
      assertKeys(keys);
    } catch (error) {
      return Promise.reject(error);
    }
    if (keys.length === 0) return Promise.resolve([]);
    const entryKeys = keys.map((key) => `${base}k:${key}`);
    return this.#caller.run('getMany', () => this.#client.mgetBuffer(entryKeys), nullsToUndefined);
  }

  /**
   * The value and a fence in one MGET. The fence holds the namespace epoch and the time
   * the read was sent (see `fenceTtlMs`).
   */
  getWithFence(namespace: string, key: string): Promise<FencedRead> {
    let base: string;
    try {
      base = this.#check(namespace);
      assertKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const readAtMs = this.#now();
    return this.#caller.run(
      'getWithFence',
      () => this.#client.mgetBuffer(`${base}k:${key}`, `${base}m:epoch`),
      (values) => ({ value: values[0] ?? undefined, fence: formatFence(values[1], readAtMs) }),
    );
  }

  /** The values and one fence in one MGET. */
  getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany> {
    let base: string;
    try {
      base = this.#check(namespace);
      assertKeys(keys);
    } catch (error) {
      return Promise.reject(error);
    }
    const args = keys.map((key) => `${base}k:${key}`);
    args.push(`${base}m:epoch`);
    const readAtMs = this.#now();
    return this.#caller.run(
      'getManyWithFence',
      () => this.#client.mgetBuffer(args),
      (values) => {
        const epoch = values.pop();
        return { values: nullsToUndefined(values), fence: formatFence(epoch, readAtMs) };
      },
    );
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
      const base = this.#check(namespace);
      assertKey(key);
      let fence: ParsedFence | undefined;
      if (typeof options !== 'object' || options === null) {
        throw new InvalidOptionError('options', 'must be an object with ttlMs');
      }
      assertTtl(options.ttlMs);
      assertTags(options.tags);
      const bytes = toBuffer(value);
      if (options.fence !== undefined) {
        fence = parseFence(options.fence);
        if (this.#expired(fence)) return Promise.resolve('fenced');
      }
      args = writeArgs(
        base,
        [{ key, value: bytes, ttlMs: options.ttlMs, tags: options.tags }],
        fence?.epoch,
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

  /** Stores several entries in one script; conditional on `fence` when given. */
  setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]> {
    let args: Arg[];
    try {
      const base = this.#check(namespace);
      if (!Array.isArray(entries)) throw new InvalidOptionError('entries', 'must be an array');
      for (const entry of entries) assertEntry(entry);
      const parsed = fence === undefined ? undefined : parseFence(fence);
      if (entries.length === 0) return Promise.resolve([]);
      if (parsed !== undefined && this.#expired(parsed)) {
        return Promise.resolve(entries.map((): WriteOutcome => 'fenced'));
      }
      args = writeArgs(base, entries, parsed?.epoch, this.#fenceTtlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#caller.run(
      'setMany',
      () => this.#scripts.cachestackV1Write(...(args as [number, ...Arg[]])),
      outcomes,
      true,
    );
  }

  /** Whether the key holds a value (EXISTS). */
  has(namespace: string, key: string): Promise<boolean> {
    let entryKey: string;
    try {
      assertKey(key);
      entryKey = `${this.#check(namespace)}k:${key}`;
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
      entryKey = `${this.#check(namespace)}k:${key}`;
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

  /** Marks and unlinks the keys in one script; resolves how many existed. */
  deleteMany(namespace: string, keys: readonly string[]): Promise<number> {
    let args: Arg[];
    try {
      const base = this.#check(namespace);
      assertKeys(keys);
      if (keys.length === 0) return Promise.resolve(0);
      args = [1 + 2 * keys.length, `${base}m:epoch`];
      for (const key of keys) args.push(`${base}i:${key}`, `${base}k:${key}`);
      args.push(this.#fenceTtlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#caller.run(
      'delete',
      () => this.#scripts.cachestackV1Delete(...(args as [number])),
      undefined,
      true,
    );
  }

  /**
   * Marks the tags and their member keys, unlinks the members and the tag sets, in one
   * script; resolves how many entries existed.
   */
  deleteByTag(namespace: string, tags: readonly string[]): Promise<number> {
    let args: Arg[];
    try {
      const base = this.#check(namespace);
      assertTags(tags);
      if (tags.length === 0) return Promise.resolve(0);
      args = [1 + 2 * tags.length, `${base}m:epoch`];
      for (const tag of tags) args.push(`${base}ti:${tag}`, `${base}t:${tag}`);
      args.push(this.#fenceTtlMs, base);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#caller.run(
      'deleteByTag',
      () => this.#scripts.cachestackV1DeleteTags(...(args as [number])),
      undefined,
      true,
    );
  }

  /**
   * Sets the clear mark (invalidating every fence read so far), then SCANs the
   * namespace on every master and unlinks its entries in batches of `clearBatchSize`,
   * then prunes its tag sets. Each round trip has the command deadline.
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
   * Rejects after close, validates the namespace and returns its key head. Validated
   * heads are cached (bounded) so the hot path skips re-validation and concatenation.
   */
  #check(namespace: string): string {
    if (this.#closed) throw new ClosedError('redis store');
    const cached = this.#bases.get(namespace);
    if (cached !== undefined) return cached;
    assertNamespace(namespace);
    if (this.#bases.size >= 10_000) this.#bases.clear();
    const base = this.#keys.base(namespace);
    this.#bases.set(namespace, base);
    return base;
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
